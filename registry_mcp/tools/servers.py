"""The tools for one registry server at a time: add, validate, bulk add, get, modify, delete, list,
and the gateways that use a server."""

from __future__ import annotations

from ..arguments import (
    AddServerArguments,
    BulkAddServersArguments,
    DeleteServerArguments,
    ListServersArguments,
    ModifyServerArguments,
    ServerSelector,
)
from ..errors import ServerNotFound
from ..lint import Finding, lint_server, lint_servers
from ..models import Gateway
from ..results import (
    BulkAddResult,
    DeleteResult,
    GatewayListResult,
    ServerListResult,
    ServerResult,
    ServerSummary,
    ValidationResult,
    fit_items,
    fit_server,
)
from ..toolkit import NOT_CONFIRMED, Question, ToolCall


async def add_registry_server(args: AddServerArguments, call: ToolCall) -> ServerResult:
    server = await call.registry.add_server(args.to_api())
    warnings = lint_server(args)
    return fit_server(
        ServerResult(
            message=f"Registered '{server.saved_name}' version '{server.server_version}' in {call.location}."
            + _warning_sentence(warnings),
            registry=call.registry_info,
            server=server,
            warnings=warnings or None,
        )
    )


async def validate_registry_server(args: AddServerArguments, call: ToolCall) -> ValidationResult:
    warnings = lint_server(args)
    subject = f"'{args.saved_name}' version '{args.server_version}'"
    try:
        await call.registry.get_server(args.saved_name, args.server_version)
        taken = True
    except ServerNotFound:
        taken = False
    verdict = (
        f"{subject} is already registered in {call.location}: add_registry_server would refuse it "
        "(choose another saved_name or server_version, or change it with modify_registry_server)."
        if taken
        else f"{subject} can be registered in {call.location}; nothing was written."
    )
    return ValidationResult(
        message=verdict + _warning_sentence(warnings),
        registry=call.registry_info,
        saved_name=args.saved_name,
        server_version=args.server_version,
        can_register=not taken,
        warnings=warnings,
    )


def _warning_sentence(warnings: list[Finding]) -> str:
    if not warnings:
        return ""
    return (
        f" {len(warnings)} warning{'s' if len(warnings) > 1 else ''} to look at: "
        + "; ".join(f"{finding.field}: {finding.problem}" for finding in warnings)
        + "."
    )


async def bulk_add_registry_servers(args: BulkAddServersArguments, call: ToolCall) -> BulkAddResult:
    # One request, all or nothing: progress can say only that it is sent and that it is done.
    count = len(args.servers)
    await call.report_progress(0, count, f"Sending {count} servers to {call.location} in one request")
    servers = await call.registry.bulk_add_servers([payload.to_api() for payload in args.servers])
    await call.report_progress(count, count, f"Registered {count} servers")
    warnings = lint_servers(list(args.servers))
    return BulkAddResult(
        message=f"Registered {len(servers)} servers in {call.location}." + _warning_sentence(warnings),
        registry=call.registry_info,
        added=[ServerSummary.of(server) for server in servers],
        warnings=warnings or None,
    )


async def get_registry_server(args: ServerSelector, call: ToolCall) -> ServerResult:
    server = await call.registry.get_server(args.saved_name, args.server_version)
    return fit_server(
        ServerResult(
            message=f"'{server.saved_name}' version '{server.server_version}' from {call.location}.",
            registry=call.registry_info,
            server=server,
        )
    )


async def modify_registry_server(args: ModifyServerArguments, call: ToolCall) -> ServerResult:
    changes = args.model_dump(
        mode="json", exclude_unset=True, exclude={"saved_name", "server_version", "replace_mcp_config"}
    )
    server = await call.registry.modify_server(
        args.saved_name, args.server_version, changes, replace_mcp_config=args.replace_mcp_config
    )
    return fit_server(
        ServerResult(
            message=(
                f"Changed {', '.join(sorted(changes))} of '{server.saved_name}' version "
                f"'{server.server_version}' in {call.location}."
            ),
            registry=call.registry_info,
            server=server,
        )
    )


async def ask_to_delete(args: DeleteServerArguments, call: ToolCall) -> Question:
    gateways = await call.registry.list_gateways(args.saved_name, args.server_version)
    return Question(
        f"Delete '{args.saved_name}' version '{args.server_version}' from {call.location}? "
        f"{_gateway_sentence(gateways)}",
        facts=gateways,
    )


async def delete_registry_server(args: DeleteServerArguments, call: ToolCall) -> DeleteResult:
    gateways: list[Gateway] = call.facts
    subject = f"'{args.saved_name}' version '{args.server_version}'"
    deleted = call.agreed(without_asking=args.confirm)
    if deleted:
        await call.registry.delete_server(args.saved_name, args.server_version)
        message = f"Deleted {subject} from {call.location}. {_gateway_sentence(gateways, deleted=True)}"
    else:
        why = NOT_CONFIRMED.get(call.consent, _DELETE_NEEDS_CONFIRM)
        message = f"Nothing was deleted: {why} {_gateway_sentence(gateways)}"
    return fit_items(
        DeleteResult(
            message=message,
            registry=call.registry_info,
            saved_name=args.saved_name,
            server_version=args.server_version,
            deleted=deleted,
            gateways=gateways,
        ),
        "gateways",
        _ALL_GATEWAYS,
    )


_DELETE_NEEDS_CONFIRM = (
    "this client cannot ask the person to confirm, so ask them, and once they agree call again with confirm: true."
)
_NAMED_GATEWAYS = 10
_ALL_GATEWAYS = "the rest are not shown; the Python client lists them all (RegistryClient.list_gateways)."


def _gateway_sentence(gateways: list[Gateway], *, deleted: bool = False) -> str:
    if not gateways:
        return "No gateway uses it."
    names = [gateway.gateway_name or gateway.gateway_id or "(unnamed)" for gateway in gateways]
    shown = ", ".join(names[:_NAMED_GATEWAYS]) + (
        f" and {len(names) - _NAMED_GATEWAYS} more" if len(names) > _NAMED_GATEWAYS else ""
    )
    verb = "used it and have lost it" if deleted else "use it and would lose it"
    return f"{len(gateways)} gateway{'s' if len(gateways) > 1 else ''} {verb}: {shown}."


async def list_registry_servers(args: ListServersArguments, call: ToolCall) -> ServerListResult:
    page = await call.registry.list_servers(args.page, args.per_page, args.is_active)
    total, shown = page.pagination.total, len(page.data)
    first = (args.page - 1) * args.per_page
    has_more = first + shown < total
    span = (
        f"servers {first + 1}-{first + shown} of {total}"
        if shown
        else f"no servers on page {args.page} ({total} in all)"
    )
    return fit_items(
        ServerListResult(
            message=f"{span[0].upper()}{span[1:]} in {call.location}.",
            registry=call.registry_info,
            servers=[ServerSummary.of(server) for server in page.data],
            page=args.page,
            per_page=args.per_page,
            total=total,
            next_page=args.page + 1 if has_more else None,
        ),
        "servers",
        "ask again with a smaller per_page (at most {kept}) to see every server page by page.",
    )


async def list_registry_server_gateways(args: ServerSelector, call: ToolCall) -> GatewayListResult:
    gateways = await call.registry.list_gateways(args.saved_name, args.server_version)
    subject = f"'{args.saved_name}' version '{args.server_version}'"
    return fit_items(
        GatewayListResult(
            message=f"{len(gateways)} gateways use {subject}." if gateways else f"No gateway uses {subject}.",
            registry=call.registry_info,
            saved_name=args.saved_name,
            server_version=args.server_version,
            gateways=gateways,
        ),
        "gateways",
        _ALL_GATEWAYS,
    )

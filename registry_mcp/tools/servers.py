"""The tools for one registry server at a time: add, bulk add, validate, get, modify, delete, list."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from ..arguments import CLOSED, AddServerArguments, ServerSelector
from ..client import refuse_masks
from ..endpoints import MAX_PAGE, MAX_PER_PAGE
from ..errors import ServerNotFound
from ..lint import Finding, lint_server, lint_servers
from ..models import MAX_BULK_SERVERS, Gateway, RegistryModel, ServerChanges, ServerIdentity, ServerPayload
from ..results import ServerResult, ServerSummary, ToolResult, fewer_items
from ..toolkit import NOT_CONFIRMED, Question, ToolCall, registry_tool


@registry_tool(title="Add a server to the MCP registry", hint="register a server.", read_only=False)
async def add_registry_server(args: AddServerArguments, call: ToolCall) -> ServerResult:
    """Register one MCP server in the registry, with the same fields as the registry's add-server API.
    mcp_config.config says how to run it: a local server as {command, args, env} or a remote one as
    {url, transport, headers}; denied_tools hides tools by name or glob. Fails if saved_name and
    server_version are already registered."""
    server = await call.registry.add_server(args.to_api())
    warnings = lint_server(args)
    return ServerResult(
        message=f"Registered '{server.saved_name}' version '{server.server_version}' in {call.location}."
        + _warning_sentence(warnings),
        registry=call.registry_info,
        server=server,
        warnings=warnings or None,
    )


class BulkAddServersArguments(RegistryModel):
    model_config = CLOSED

    # Closed like add_registry_server's own arguments: a misspelt field is reported, not sent.
    servers: list[AddServerArguments] = Field(
        min_length=1,
        max_length=MAX_BULK_SERVERS,
        description=(
            f"1 to {MAX_BULK_SERVERS} servers, each with the same fields as add_registry_server. "
            "All are added, or (if any is refused) none."
        ),
    )


class BulkAddResult(ToolResult):
    added: list[ServerSummary]
    warnings: list[Finding] | None = Field(
        default=None, description="Problems the registry accepted but that will bite later; fields start servers[i]."
    )


@registry_tool(
    title="Add up to 100 servers to the MCP registry", hint="register up to 100 servers at once.", read_only=False
)
async def bulk_add_registry_servers(args: BulkAddServersArguments, call: ToolCall) -> BulkAddResult:
    """Register 1 to 100 MCP servers at once, each as for add_registry_server. All of them are added,
    or, if any one is refused (invalid, or its name and version taken), none."""
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


class ValidationResult(ToolResult):
    """What add_registry_server would do with a payload, and what to fix first."""

    saved_name: str
    server_version: str
    can_register: bool = Field(description="false when the name and version are already registered.")
    warnings: list[Finding] = Field(description="Problems the registry would accept but that will bite later.")


@registry_tool(
    title="Check a server before adding it to the MCP registry",
    hint="check a server before registering it (writes nothing).",
    read_only=True,
    idempotent=True,
)
async def validate_registry_server(args: AddServerArguments, call: ToolCall) -> ValidationResult:
    """A dry run of add_registry_server with the same arguments: it writes nothing, says whether the name
    and version are free, and reports problems the registry would accept but that will bite later
    (plain-http URLs, inline secrets, guardrails without a policy, incomplete OAuth, deny patterns
    that never match, duplicates). add_registry_server returns the same warnings."""
    refuse_masks(args.to_api())  # what add refuses, validate refuses
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


@registry_tool(
    title="Read one server from the MCP registry",
    hint="read one server's whole record.",
    read_only=True,
    idempotent=True,
)
async def get_registry_server(args: ServerSelector, call: ToolCall) -> ServerResult:
    """The whole registry record of one server, chosen by saved_name and server_version (default 'v1')."""
    server = await call.registry.get_server(args.saved_name, args.server_version)
    return ServerResult(
        message=f"'{server.saved_name}' version '{server.server_version}' from {call.location}.",
        registry=call.registry_info,
        server=server,
    )


class ModifyServerArguments(ServerChanges, ServerIdentity):
    model_config = CLOSED

    replace_mcp_config: bool = Field(
        default=False,
        description=(
            "false (default): merge the given mcp_config into the stored one. "
            "true: the given mcp_config replaces the stored one whole (use it to remove keys)."
        ),
    )


@registry_tool(
    title="Change a server in the MCP registry",
    hint="change some fields of a server, or deactivate it (is_active false).",
    read_only=False,
    idempotent=True,
)
async def modify_registry_server(args: ModifyServerArguments, call: ToolCall) -> ServerResult:
    """Change some fields of a registered server; the fields left out keep their values. mcp_config is
    merged into the stored one (objects key by key, lists replaced, null removes a key), unless
    replace_mcp_config is true. A new url host, scheme or port, or a new command or package, keeps no
    stored secret (env, headers, OAuth secret) unless sent again. Set is_active false to deactivate a
    server without deleting it. saved_name and server_version choose the server and cannot be changed.
    Warns as add_registry_server does."""
    changes = args.model_dump(
        mode="json", exclude_unset=True, exclude={"saved_name", "server_version", "replace_mcp_config"}
    )
    server = await call.registry.modify_server(
        args.saved_name, args.server_version, changes, replace_mcp_config=args.replace_mcp_config
    )
    # Linted as add lints: the entry as the change leaves it is what the gateway will run.
    warnings = (
        lint_server(ServerPayload.model_construct(saved_name=server.saved_name, mcp_config=server.mcp_config))
        if "mcp_config" in changes
        else []
    )
    return ServerResult(
        message=(
            f"Changed {', '.join(sorted(changes))} of '{server.saved_name}' version "
            f"'{server.server_version}' in {call.location}."
        )
        + _warning_sentence(warnings),
        registry=call.registry_info,
        server=server,
        warnings=warnings or None,
    )


class DeleteServerArguments(ServerSelector):
    confirm: bool = Field(
        default=False,
        description=(
            "Only for clients that cannot ask the person themselves: true once the person has agreed to delete "
            "this server. Where the client can ask, the server asks the person and this is ignored."
        ),
    )


class DeleteResult(ToolResult):
    saved_name: str
    server_version: str
    deleted: bool = Field(description="false when the person declined or has not yet confirmed.")
    gateways: list[Gateway] = Field(description="The gateways that use (or used) the server.")
    note: str | None = None

    def smaller(self) -> Iterator[DeleteResult]:
        return fewer_items(self, "gateways", ALL_GATEWAYS)


async def ask_to_delete(args: DeleteServerArguments, call: ToolCall) -> Question:
    try:
        gateways = await call.registry.list_gateways(args.saved_name, args.server_version)
    except ServerNotFound as missing:
        # The gateways are looked up first, so their 404 is the news that the server to delete is missing.
        raise ServerNotFound(
            f"Could not delete server '{args.saved_name}' version '{args.server_version}' from {call.location}: "
            "it does not exist",
            status=missing.status,
        ) from None
    return Question(
        f"Delete '{args.saved_name}' version '{args.server_version}' from {call.location}? "
        f"{_gateway_sentence(gateways)}",
        facts=gateways,
    )


@registry_tool(
    title="Delete a server from the MCP registry",
    hint="delete a server, after the person confirms (the gateways that use it lose it).",
    read_only=False,
    destructive=True,
    ask=ask_to_delete,
)
async def delete_registry_server(args: DeleteServerArguments, call: ToolCall) -> DeleteResult:
    """Delete a registered server. It first looks up the gateways that use it (they would lose it) and asks
    the person to confirm, showing them; where the client cannot ask, nothing is deleted unless confirm
    is true, which it must be only after the person agreed. The result lists those gateways. To only
    deactivate a server, set is_active false with modify_registry_server."""
    gateways: list[Gateway] = call.facts
    subject = f"'{args.saved_name}' version '{args.server_version}'"
    deleted = call.agreed(without_asking=args.confirm)
    if deleted:
        await call.registry.delete_server(args.saved_name, args.server_version)
        message = f"Deleted {subject} from {call.location}. {_gateway_sentence(gateways, deleted=True)}"
    else:
        why = NOT_CONFIRMED.get(call.consent, _DELETE_NEEDS_CONFIRM)
        message = f"Nothing was deleted: {why} {_gateway_sentence(gateways)}"
    return DeleteResult(
        message=message,
        registry=call.registry_info,
        saved_name=args.saved_name,
        server_version=args.server_version,
        deleted=deleted,
        gateways=gateways,
    )


_DELETE_NEEDS_CONFIRM = (
    "this client cannot ask the person to confirm, so ask them, and once they agree call again with confirm: true."
)
_NAMED_GATEWAYS = 10
ALL_GATEWAYS = "the rest are not shown; the Python client lists them all (RegistryClient.list_gateways)."


def _gateway_sentence(gateways: list[Gateway], *, deleted: bool = False) -> str:
    if not gateways:
        return "No gateway uses it."
    names = [gateway.label for gateway in gateways]
    shown = ", ".join(names[:_NAMED_GATEWAYS]) + (
        f" and {len(names) - _NAMED_GATEWAYS} more" if len(names) > _NAMED_GATEWAYS else ""
    )
    verb = "used it and have lost it" if deleted else "use it and would lose it"
    return f"{len(gateways)} gateway{'s' if len(gateways) > 1 else ''} {verb}: {shown}."


class ListServersArguments(RegistryModel):
    model_config = CLOSED

    page: int = Field(default=1, ge=1, le=MAX_PAGE, description=f"Page number, from 1 (at most {MAX_PAGE:,}).")
    per_page: int = Field(
        default=20, ge=1, le=MAX_PER_PAGE, description=f"Servers per page, 1 to {MAX_PER_PAGE} (default 20)."
    )
    is_active: bool | None = Field(
        default=None, description="true: only active servers; false: only inactive ones; leave out for all."
    )


class ServerListResult(ToolResult):
    """One page of registry servers, in summary; get_registry_server gives a whole record."""

    servers: list[ServerSummary]
    page: int
    per_page: int
    total: int = Field(description="How many servers match, on all pages.")
    next_page: int | None = Field(default=None, description="The page to ask for next, if there are more.")
    note: str | None = None

    def smaller(self) -> Iterator[ServerListResult]:
        return fewer_items(
            self, "servers", "ask again with a smaller per_page (at most {kept}) to see every server page by page."
        )


@registry_tool(
    title="List the servers in the MCP registry",
    hint="browse the registered servers, a page at a time.",
    read_only=True,
    idempotent=True,
)
async def list_registry_servers(args: ListServersArguments, call: ToolCall) -> ServerListResult:
    """A page of registered servers in summary (name, version, active, package name, description, last
    update), with the total; filter on is_active. Use get_registry_server for a whole record."""
    page = await call.registry.list_servers(args.page, args.per_page, args.is_active)
    total, shown = page.pagination.total, len(page.data)
    first = (args.page - 1) * args.per_page
    has_more = first + shown < total
    span = (
        f"servers {first + 1}-{first + shown} of {total}"
        if shown
        else f"no servers on page {args.page} ({total} in all)"
    )
    return ServerListResult(
        message=f"{span[0].upper()}{span[1:]} in {call.location}.",
        registry=call.registry_info,
        servers=[ServerSummary.of(server) for server in page.data],
        page=args.page,
        per_page=args.per_page,
        total=total,
        next_page=args.page + 1 if has_more else None,
    )

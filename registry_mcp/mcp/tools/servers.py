"""The tools for one registry server at a time: add (or check), bulk add, get, modify, delete, list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Annotated

from pydantic import Field, WithJsonSchema

from registry_mcp.errors import ServerNotFound
from registry_mcp.gateway.cloud_mode import cloud_gateway_note
from registry_mcp.gateway.lint import Finding, lint_server, lint_servers
from registry_mcp.mcp.arguments import CLOSED, CONFIRM_WHERE_CLIENT_CANNOT_ASK, AddServerArguments, ServerSelector
from registry_mcp.mcp.permissions import NOT_CONFIRMED, Question
from registry_mcp.mcp.results import RecordResult, ServerResult, ServerSummary, ToolResult, fewer_items
from registry_mcp.mcp.toolkit import ToolCall, registry_tool
from registry_mcp.packages.facts import PackageFacts, facts_findings, facts_of
from registry_mcp.registry.client import RegistryClient, refuse_masks
from registry_mcp.registry.endpoints import MAX_PAGE, MAX_PER_PAGE
from registry_mcp.registry.models import (
    MAX_BULK_SERVERS,
    Gateway,
    McpConfigChanges,
    RegistryModel,
    RegistryServer,
    ServerChanges,
    ServerPayload,
)
from registry_mcp.registry.patching import dropped_secrets, may_drop_secrets, why_secrets_move
from registry_mcp.wording import agreeing, counted


class AddArguments(AddServerArguments):
    dry_run: bool = Field(
        default=False,
        description="true: write nothing; say whether the name is free, and the warnings.",
    )


class AddResult(RecordResult):
    """The server registered, or (a dry run) whether it could be."""

    can_register: bool | None = Field(
        default=None, description="A dry run's answer: false when saved_name and server_version are taken."
    )
    package: Annotated[PackageFacts | None, WithJsonSchema({"type": "object"}, mode="serialization")] = Field(
        default=None, description="A dry run's look at the package it runs, in its registry."
    )


@registry_tool(
    title="Add a server to the MCP registry",
    hint="register a server (dry_run: true checks it first and writes nothing).",
    read_only=False,
)
async def add_registry_server(args: AddArguments, call: ToolCall) -> AddResult:
    """Register one MCP server; warns of what the registry accepts but will bite later."""
    warnings = lint_server(args)
    subject = f"'{args.saved_name}' version '{args.server_version}'"
    payload = args.model_dump(mode="json", exclude_unset=True, by_alias=True, exclude={"dry_run"})
    if args.dry_run:
        refuse_masks(payload)  # what add refuses, its dry run refuses
        free = not await _is_registered(call.registry, args.saved_name, args.server_version)
        sources = call.settings.package_sources
        package = await facts_of(args.mcp_config.config, sources) if args.mcp_config and sources else None
        warnings += facts_findings(package)
        verdict = (
            f"{subject} can be registered; nothing was written."
            if free
            else f"{subject} is already registered: adding it would fail (choose another saved_name or "
            "server_version, or change it with modify_registry_server). Nothing was written."
        )
        return AddResult(
            message=verdict + _warning_sentence(warnings),
            registry=call.registry_info,
            can_register=free,
            warnings=warnings,
            package=package,
        )
    server = await call.registry.add_server(payload)
    return AddResult(
        message=f"Registered {subject}." + _warning_sentence(warnings) + _cloud_note([server], call),
        registry=call.registry_info,
        server=server,
        warnings=warnings or None,
    )


async def _is_registered(registry: RegistryClient, saved_name: str, server_version: str) -> bool:
    try:
        await registry.get_server(saved_name, server_version)
    except ServerNotFound:
        return False
    return True


def _cloud_note(servers: list[RegistryServer], call: ToolCall) -> str:
    return cloud_gateway_note(servers) if call.location.kind == "cloud" else ""


def _warning_sentence(warnings: list[Finding]) -> str:
    return f" {counted(len(warnings), 'warning')} to look at (see warnings)." if warnings else ""


# Each item's schema is add_registry_server's (without dry_run), which the model already has: said once.
_ADD_ARGUMENTS_LIST = WithJsonSchema(
    {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": MAX_BULK_SERVERS}
)


class BulkAddServersArguments(RegistryModel):
    model_config = CLOSED

    # Closed like add_registry_server's own arguments: a misspelt field is reported, not sent.
    servers: Annotated[list[AddServerArguments], _ADD_ARGUMENTS_LIST] = Field(
        min_length=1,
        max_length=MAX_BULK_SERVERS,
        description=f"1 to {MAX_BULK_SERVERS} servers, each with add_registry_server's arguments (not dry_run).",
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
    """Register 1 to 100 MCP servers at once: all, or none if one is refused."""
    # One request, all or nothing: progress can say only that it is sent and that it is done.
    count = len(args.servers)
    await call.report_progress(0, count, f"Sending {counted(count, 'server')} in one request")
    servers = await call.registry.bulk_add_servers([payload.to_api() for payload in args.servers])
    await call.report_progress(count, count, f"Registered {counted(count, 'server')}")
    warnings = lint_servers(list(args.servers))
    return BulkAddResult(
        message=f"Registered {counted(len(servers), 'server')}."
        + _warning_sentence(warnings)
        + _cloud_note(servers, call),
        registry=call.registry_info,
        added=[ServerSummary.of(server) for server in servers],
        warnings=warnings or None,
    )


@registry_tool(
    title="Read one server from the MCP registry",
    hint="read one server's whole record.",
    read_only=True,
    idempotent=True,
)
async def get_registry_server(args: ServerSelector, call: ToolCall) -> ServerResult:
    """The whole registry record of one server."""
    server = await call.registry.get_server(args.saved_name, args.server_version)
    return ServerResult(
        message=f"The record of '{server.saved_name}' version '{server.server_version}'." + _cloud_note([server], call),
        registry=call.registry_info,
        server=server,
    )


class ModifyServerArguments(ServerChanges, ServerSelector):
    model_config = CLOSED

    # Its keys are those of add_registry_server's mcp_config, which the model already has: said once, there.
    mcp_config: Annotated[McpConfigChanges | None, WithJsonSchema({"type": "object"})] = Field(
        default=None,
        description=(
            "Keys of add_registry_server's mcp_config to change, merged in: objects key by key, "
            "null removes a key, lists and values replace."
        ),
    )
    replace_mcp_config: bool = Field(default=False, description="true: mcp_config replaces the stored one whole.")


@registry_tool(
    title="Change a server in the MCP registry",
    hint="change some fields of a server, or deactivate it (is_active false).",
    read_only=False,
    idempotent=True,
)
async def modify_registry_server(args: ModifyServerArguments, call: ToolCall) -> ServerResult:
    """Change some fields of a registered server; the others keep theirs. A new url host or command
    keeps no stored secret unless sent again."""
    changes = args.model_dump(
        mode="json", exclude_unset=True, exclude={"saved_name", "server_version", "replace_mcp_config"}
    )
    # Read first where the change may move the server, to say which stored secrets stay behind.
    before = None
    if may_drop_secrets(changes.get("mcp_config"), replace=args.replace_mcp_config):
        with suppress(ServerNotFound):  # the modify says so, in its own words
            before = await call.registry.get_server(args.saved_name, args.server_version)
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
        message=f"Changed {', '.join(sorted(changes))} of '{server.saved_name}' version '{server.server_version}'."
        + _dropped_sentence(before, server)
        + _warning_sentence(warnings)
        + _cloud_note([server], call),
        registry=call.registry_info,
        server=server,
        warnings=warnings or None,
    )


def _dropped_sentence(before: RegistryServer | None, after: RegistryServer) -> str:
    """Which stored secrets a modify that changed what runs (or where) left behind, and why."""
    if before is None or before.mcp_config is None:
        return ""
    old = before.mcp_config.to_api()
    new = after.mcp_config.to_api() if after.mcp_config is not None else {}
    why = why_secrets_move(old, new)
    dropped = dropped_secrets(old, new) if why is not None else []
    if not dropped:
        return ""
    return (
        f" The stored {agreeing(len(dropped), 'secret', 'secrets')} of mcp_config."
        + ", mcp_config.".join(dropped)
        + f" {agreeing(len(dropped), 'was', 'were')} dropped, since {why}: a stored secret stays only while the "
        "server runs the same thing; send it again to give it to what the server runs now."
    )


class DeleteServerArguments(ServerSelector):
    confirm: bool = Field(
        default=False,
        description=CONFIRM_WHERE_CLIENT_CANNOT_ASK,
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
    """Delete a registered server once the person confirms, shown the gateways that would lose it."""
    gateways: list[Gateway] = call.facts
    subject = f"'{args.saved_name}' version '{args.server_version}'"
    deleted = call.agreed(without_asking=args.confirm)
    if deleted:
        await call.registry.delete_server(args.saved_name, args.server_version)
        message = f"Deleted {subject}. {_gateway_sentence(gateways, deleted=True)}"
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
    count = len(gateways)
    verb = (
        f"used it and {agreeing(count, 'has', 'have')} lost it"
        if deleted
        else f"{agreeing(count, 'uses', 'use')} it and would lose it"
    )
    return f"{counted(count, 'gateway')} {verb}: {shown}."


class ListServersArguments(RegistryModel):
    model_config = CLOSED

    # The names, bounds and defaults say it all.
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    per_page: int = Field(default=20, ge=1, le=MAX_PER_PAGE)
    is_active: bool | None = Field(default=None, description="Only active (true) or inactive (false) servers.")


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
    """A page of registered servers in summary, with the total; get_registry_server reads a whole record."""
    page = await call.registry.list_servers(args.page, args.per_page, args.is_active)
    total, shown = page.pagination.total, len(page.data)
    first = (args.page - 1) * args.per_page
    has_more = first + shown < total
    if shown:
        span = f"{first + 1}-{first + shown}" if shown > 1 else f"{first + 1}"
        message = f"{'Servers' if shown > 1 else 'Server'} {span} of {total}."
    else:
        message = f"No servers on page {args.page} ({total} in all)."
    return ServerListResult(
        message=message,
        registry=call.registry_info,
        servers=[ServerSummary.of(server) for server in page.data],
        page=args.page,
        per_page=args.per_page,
        total=total,
        next_page=args.page + 1 if has_more else None,
    )

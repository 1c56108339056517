"""The MCP server: one tool per registry operation, each validate → client → present.

    server = create_server(Settings.from_env())
    server.run()          # stdio

The tools reach the registry only through `RegistryClient`, opened once per connection by the
server's lifespan; which registry that is (cloud or embedded) is decided by `Settings`.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from mcp.server import MCPServer
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ListResourcesResult, PaginatedRequestParams, ToolAnnotations

from . import __version__
from .arguments import (
    AddServerArguments,
    BulkAddServersArguments,
    DeleteServerArguments,
    ExportArguments,
    ImportArguments,
    InspectArguments,
    ListServersArguments,
    ModifyServerArguments,
    ServerSelector,
)
from .client import RegistryClient
from .endpoints import MAX_PER_PAGE
from .errors import InvalidRequest, RegistryError, ServerNotFound
from .export import render
from .importing import ConfigError, plan_import, read_config
from .inspection import InspectionFailed, deny_report, inspect_server
from .lint import Finding, lint_server, lint_servers
from .models import (
    MAX_BULK_SERVERS,
    Gateway,
    LocalServerConfig,
    RegistryServer,
    RemoteServerConfig,
    ServerPayload,
)
from .prompts import add_prompts
from .resources import add_server_resources, list_resources_with_servers
from .results import (
    MAX_RESULT_CHARS,
    BulkAddResult,
    DeleteResult,
    ExportResult,
    GatewayListResult,
    ImportBatch,
    ImportedEntry,
    ImportResult,
    InspectResult,
    ServerListResult,
    ServerResult,
    ServerSummary,
    ValidationResult,
    fit_items,
    fit_server,
)
from .settings import ALLOW_LAUNCH_VARIABLE, Settings
from .toolkit import Consent, Question, RegistryTool, ToolCall

SERVER_NAME = "registry-mcp"

# --- the tools ------------------------------------------------------------------------------------


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


async def ask_to_delete(args: DeleteServerArguments, registry: RegistryClient) -> Question:
    gateways = await registry.list_gateways(args.saved_name, args.server_version)
    return Question(
        f"Delete '{args.saved_name}' version '{args.server_version}' from {registry.location}? "
        f"{_gateway_sentence(gateways)}",
        facts=gateways,
    )


async def delete_registry_server(args: DeleteServerArguments, call: ToolCall) -> DeleteResult:
    gateways: list[Gateway] = call.facts
    subject = f"'{args.saved_name}' version '{args.server_version}'"
    deleted = call.consent is Consent.GIVEN or (call.consent is Consent.NOT_ASKED and args.confirm)
    if deleted:
        await call.registry.delete_server(args.saved_name, args.server_version)
        message = f"Deleted {subject} from {call.location}. {_gateway_sentence(gateways, deleted=True)}"
    else:
        why = _NOT_CONFIRMED.get(call.consent, _DELETE_NEEDS_CONFIRM)
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


# Why a tool that asks first did nothing.
_NOT_CONFIRMED: dict[Consent | None, str] = {
    Consent.DECLINED: "the person declined.",
    Consent.CANCELLED: "the person cancelled the confirmation.",
}
_DELETE_NEEDS_CONFIRM = (
    "this client cannot ask the person to confirm, so ask them, and once they agree call again with confirm: true."
)
_LAUNCH_NEEDS_SETTING = (
    "this client cannot ask the person to confirm, and launching without asking is off. A person can turn it on "
    f"by starting registry-mcp with --allow-launch ({ALLOW_LAUNCH_VARIABLE}=1)."
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


async def export_registry_servers(args: ExportArguments, call: ToolCall) -> ExportResult:
    if args.servers is not None:
        servers = [await call.registry.get_server(chosen.saved_name, chosen.server_version) for chosen in args.servers]
    else:
        servers = await _every_active_server(call.registry)
    config = render(servers, args.format, reveal_secrets=True)  # masked by `present` unless secrets are shown
    where = {"gateway": "under mcp_configs.<id> in the gateway's config", "mcpServers": "in the client's config file"}
    result = ExportResult(
        message=f"{len(servers)} servers from {call.location} as a '{args.format}' block to paste "
        f"{where.get(args.format, 'in .vscode/mcp.json')}.",
        registry=call.registry_info,
        format=args.format,
        servers=[f"{server.saved_name} {server.server_version}" for server in servers],
        config=config,
    )
    if len(result.model_dump_json()) > MAX_RESULT_CHARS:
        raise InvalidRequest(
            f"The export of {len(servers)} servers is too large for one tool result: name fewer servers, or use "
            "the Python library (registry_mcp.export)"
        )
    return result


async def import_client_config(args: ImportArguments, call: ToolCall) -> ImportResult:
    try:
        plan = plan_import(read_config(args.source), server_version=args.server_version)
    except ConfigError as unreadable:
        raise InvalidRequest(f"Could not read the client config: {unreadable}") from None
    payloads = [imported.payload for imported in plan.servers]
    entries = [
        ImportedEntry(
            entry_name=imported.key, saved_name=imported.payload.saved_name, renamed=imported.renamed, payload=body
        )
        for imported, body in zip(plan.servers, (payload.to_api() for payload in payloads), strict=True)
    ]
    warnings = lint_servers(payloads)
    skipped = f" {len(plan.problems)} could not be imported (see problems)." if plan.problems else ""
    if not args.confirm:
        return ImportResult(
            message=f"Dry run: {len(entries)} servers ready to register in {call.location}; nothing was written."
            f"{skipped} Show them to the person, and once they agree call again with confirm: true.",
            registry=call.registry_info,
            registered=False,
            servers=entries,
            problems=plan.problems,
            warnings=warnings,
        )
    batches = await _register_in_batches(payloads, call)
    added = sum(len(batch.added) for batch in batches)
    refused = [batch.batch for batch in batches if batch.error]
    return ImportResult(
        message=f"Registered {added} of {len(entries)} servers in {call.location} in {len(batches)} bulk adds."
        + (f" Batches {refused} were refused whole (see batches)." if refused else "")
        + skipped,
        registry=call.registry_info,
        registered=True,
        servers=entries,
        problems=plan.problems,
        warnings=warnings,
        batches=batches,
    )


async def _register_in_batches(payloads: list[ServerPayload], call: ToolCall) -> list[ImportBatch]:
    """Bulk adds of at most 100 each; a refused batch adds none of its servers and the rest go on."""
    batches = []
    for number, start in enumerate(range(0, len(payloads), MAX_BULK_SERVERS), start=1):
        batch = payloads[start : start + MAX_BULK_SERVERS]
        await call.report_progress(start, len(payloads), f"Registering batch {number}")
        try:
            servers = await call.registry.bulk_add_servers([payload.to_api() for payload in batch])
        except RegistryError as refused:
            batches.append(ImportBatch(batch=number, added=[], error=str(refused)))
            continue
        batches.append(ImportBatch(batch=number, added=[server.saved_name for server in servers]))
    await call.report_progress(len(payloads), len(payloads), "Done")
    return batches


@dataclass(frozen=True)
class _InspectionTarget:
    config: LocalServerConfig | RemoteServerConfig
    denied_tools: list[Any] | None
    registered: tuple[str, str] | None  # (saved_name, server_version) of a registry entry


async def ask_to_inspect(args: InspectArguments, registry: RegistryClient) -> Question:
    denied_tools: list[Any] | None = list(args.denied_tools) if args.denied_tools is not None else None
    registered = None
    if args.config is not None:
        config = args.config
    else:
        assert args.saved_name is not None  # the arguments' own check
        server = await registry.get_server(args.saved_name, args.server_version)
        if server.mcp_config is None:
            raise InvalidRequest(f"'{args.saved_name}' version '{args.server_version}' has no mcp_config to inspect")
        config, registered = server.mcp_config.config, (args.saved_name, args.server_version)
        if denied_tools is None:
            denied_tools = list(server.mcp_config.denied_tools or [])
    if isinstance(config, LocalServerConfig):
        env = f"environment variables {', '.join(sorted(config.env))} (values not shown)" if config.env else "no env"
        text = (
            f"Run this command on this machine to inspect the MCP server it starts? "
            f"command: {config.command}; arguments: {json.dumps(list(config.args or []))}; {env}. "
            "It runs with your user's permissions until the inspection ends."
        )
    else:
        headers = f" with headers {', '.join(sorted(config.headers))}" if config.headers else ""
        text = f"Connect to the MCP server at {config.url} ({config.transport}){headers} to inspect it?"
    return Question(text, facts=_InspectionTarget(config, denied_tools, registered))


async def inspect_mcp_server(args: InspectArguments, call: ToolCall) -> InspectResult:
    target: _InspectionTarget = call.facts
    shown = _target_text(target.config)
    allowed = call.consent is Consent.GIVEN or (call.consent is Consent.NOT_ASKED and call.launch_without_asking)
    if not allowed:
        return InspectResult(
            message=f"Nothing was launched or reached: {_NOT_CONFIRMED.get(call.consent, _LAUNCH_NEEDS_SETTING)}",
            registry=call.registry_info,
            launched=False,
            target=shown,
        )
    try:
        server = await inspect_server(target.config)
    except InspectionFailed as failure:
        raise ToolError(f"Could not inspect {shown}: {failure}") from None
    wrote = False
    if args.write_tools and target.registered is not None:
        tools: dict[str, Any] = {tool.name: {} for tool in server.tools}
        await call.registry.modify_server(*target.registered, {"mcp_config": {"tools": tools}})
        wrote = True
    denied = deny_report(server.tools, target.denied_tools) if target.denied_tools is not None else None
    result = InspectResult(
        message=f"{server.name} {server.version} ({shown}) offers {len(server.tools)} tools."
        + (
            f" {len(denied.visible)} stay visible under the deny list; {len(denied.unmatched)} patterns match nothing."
            if denied
            else ""
        )
        + (" Their names were written into the entry's mcp_config.tools." if wrote else ""),
        registry=call.registry_info,
        launched=True,
        target=shown,
        server=server,
        denied=denied,
        wrote_tools=wrote,
    )
    if len(result.model_dump_json()) > MAX_RESULT_CHARS:
        slim = [tool.model_copy(update={"input_schema": None}) for tool in server.tools]
        result = result.model_copy(
            update={
                "server": server.model_copy(update={"tools": slim}),
                "note": "The tools' input schemas are left out: with them the result is too large for one tool result.",
            }
        )
    return result


def _target_text(config: LocalServerConfig | RemoteServerConfig) -> str:
    if isinstance(config, LocalServerConfig):
        return " ".join([config.command, *(config.args or [])])
    return config.url


async def _every_active_server(registry: RegistryClient) -> list[RegistryServer]:
    servers: list[RegistryServer] = []
    page = 1
    while True:
        listed = await registry.list_servers(page=page, per_page=MAX_PER_PAGE, is_active=True)
        servers += listed.data
        if not listed.data or len(servers) >= listed.pagination.total:
            return servers
        page += 1


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


def _annotations(*, read_only: bool, destructive: bool = False, idempotent: bool = False) -> ToolAnnotations:
    # open_world: the registry is an outside system whose state others change too.
    return ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=destructive if not read_only else None,
        idempotent_hint=idempotent,
        open_world_hint=True,
    )


TOOLS: tuple[RegistryTool[Any], ...] = (
    RegistryTool(
        name="add_registry_server",
        title="Add a server to the MCP registry",
        description=(
            "Register one MCP server in the registry, with the same fields as the registry's add-server API. "
            "mcp_config.config says how to run it: a local server as {command, args, env} or a remote one as "
            "{url, transport, headers}; denied_tools hides tools by name or glob. Fails if saved_name and "
            "server_version are already registered."
        ),
        arguments=AddServerArguments,
        result=ServerResult,
        annotations=_annotations(read_only=False),
        run=add_registry_server,
    ),
    RegistryTool(
        name="bulk_add_registry_servers",
        title="Add up to 100 servers to the MCP registry",
        description=(
            "Register 1 to 100 MCP servers at once, each as for add_registry_server. All of them are added, "
            "or, if any one is refused (invalid, or its name and version taken), none."
        ),
        arguments=BulkAddServersArguments,
        result=BulkAddResult,
        annotations=_annotations(read_only=False),
        run=bulk_add_registry_servers,
    ),
    RegistryTool(
        name="validate_registry_server",
        title="Check a server before adding it to the MCP registry",
        description=(
            "A dry run of add_registry_server with the same arguments: it writes nothing, says whether the name "
            "and version are free, and reports problems the registry would accept but that will bite later "
            "(plain-http URLs, inline secrets, guardrails without a policy, incomplete OAuth, deny patterns "
            "that never match, duplicates). add_registry_server returns the same warnings."
        ),
        arguments=AddServerArguments,
        result=ValidationResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=validate_registry_server,
    ),
    RegistryTool(
        name="get_registry_server",
        title="Read one server from the MCP registry",
        description="The whole registry record of one server, chosen by saved_name and server_version (default 'v1').",
        arguments=ServerSelector,
        result=ServerResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=get_registry_server,
    ),
    RegistryTool(
        name="modify_registry_server",
        title="Change a server in the MCP registry",
        description=(
            "Change some fields of a registered server; the fields left out keep their values. mcp_config is "
            "merged into the stored one (objects key by key, lists replaced), unless replace_mcp_config is true. "
            "Set is_active false to deactivate a server without deleting it. saved_name and server_version "
            "choose the server and cannot be changed."
        ),
        arguments=ModifyServerArguments,
        result=ServerResult,
        annotations=_annotations(read_only=False, idempotent=True),
        run=modify_registry_server,
    ),
    RegistryTool(
        name="delete_registry_server",
        title="Delete a server from the MCP registry",
        description=(
            "Delete a registered server. It first looks up the gateways that use it (they would lose it) and asks "
            "the person to confirm, showing them; where the client cannot ask, nothing is deleted unless confirm "
            "is true, which it must be only after the person agreed. The result lists those gateways. To only "
            "deactivate a server, set is_active false with modify_registry_server."
        ),
        arguments=DeleteServerArguments,
        result=DeleteResult,
        annotations=_annotations(read_only=False, destructive=True, idempotent=False),
        run=delete_registry_server,
        ask=ask_to_delete,
    ),
    RegistryTool(
        name="list_registry_servers",
        title="List the servers in the MCP registry",
        description=(
            "A page of registered servers in summary (name, version, active, package name, description, last "
            "update), with the total; filter on is_active. Use get_registry_server for a whole record."
        ),
        arguments=ListServersArguments,
        result=ServerListResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=list_registry_servers,
    ),
    RegistryTool(
        name="export_registry_servers",
        title="Export registry servers as a config block",
        description=(
            "Render registry servers (named ones, or every active one) as a config block to paste: "
            "'gateway' gives secure-mcp-gateway mcp_config[] entries (server_name is the saved_name; config, "
            "oauth_config, tools, denied_tools and the guardrail configs as the gateway reads them); 'mcpServers' "
            "a Claude Desktop, Cursor or Claude Code block; 'vscode' a .vscode/mcp.json block. Secret values "
            "are masked unless the server was started to show them."
        ),
        arguments=ExportArguments,
        result=ExportResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=export_registry_servers,
    ),
    RegistryTool(
        name="import_client_config",
        title="Import servers from an MCP client's config",
        description=(
            "Turn the servers in an MCP client's config (Claude Desktop, Cursor, VS Code, Claude Code; a file "
            "path or its JSON text) into registry payloads: saved_name from each entry's name (made valid, and "
            "reported where it changed), server_name and source_url inferred from npx/uvx commands. A dry run "
            "by default, showing payloads, problems and warnings; with confirm true it registers them in bulk "
            "adds of up to 100, each reported separately. Set confirm true only after the person agreed."
        ),
        arguments=ImportArguments,
        result=ImportResult,
        annotations=_annotations(read_only=False),
        run=import_client_config,
    ),
    RegistryTool(
        name="inspect_mcp_server",
        title="Inspect an MCP server",
        description=(
            "Connect to an MCP server as a client (a local one is started over stdio, a remote one reached over "
            "Streamable HTTP or SSE), from an inline config or a registered server, and report its name, "
            "version, capabilities and tools; with deny patterns (given, or the entry's own), which tools each "
            "blocks, which stay visible, and patterns that match nothing. The person is asked to confirm first, "
            "seeing the exact command, arguments and environment variable names, or the URL. write_tools puts "
            "the discovered tool names into a registered entry."
        ),
        arguments=InspectArguments,
        result=InspectResult,
        annotations=_annotations(read_only=False),
        run=inspect_mcp_server,
        ask=ask_to_inspect,
    ),
    RegistryTool(
        name="list_registry_server_gateways",
        title="List the gateways that use a registry server",
        description=(
            "The MCP gateways that reference a registered server: check this before deleting or deactivating it."
        ),
        arguments=ServerSelector,
        result=GatewayListResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=list_registry_server_gateways,
    ),
)
TOOL_NAMES = tuple(tool.name for tool in TOOLS)


def selected_tools(settings: Settings) -> tuple[RegistryTool[Any], ...]:
    """The tools `settings` exposes: those matching its allow-list (all if it has none), and of
    those only the read-only ones in read-only mode, whatever the allow-list says."""
    return tuple(
        tool
        for tool in TOOLS
        if (not settings.tools or any(fnmatch.fnmatchcase(tool.name, pattern) for pattern in settings.tools))
        and (tool.annotations.read_only_hint or not settings.read_only)
    )


class RegistryMCPServer(MCPServer[RegistryClient]):
    """`MCPServer`, with the registry's servers listed among its resources."""

    async def _handle_list_resources(
        self, ctx: ServerRequestContext[RegistryClient], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        return await list_resources_with_servers(self, ctx, params)


def create_server(settings: Settings) -> MCPServer[RegistryClient]:
    """The MCP server for `settings`: the tools it allows, on the registry it names."""

    @asynccontextmanager
    async def open_registry(_: MCPServer[RegistryClient]) -> AsyncIterator[RegistryClient]:
        async with settings.open_client() as registry:
            yield registry

    tools = selected_tools(settings)
    server = RegistryMCPServer(
        SERVER_NAME,
        title="Enkrypt AI MCP Registry",
        version=__version__,
        instructions=(
            f"Manages the MCP servers registered in {settings.location}. Check a server with "
            "validate_registry_server, register it with add_registry_server (or up to 100 with "
            "bulk_add_registry_servers), browse with "
            "list_registry_servers, read one with get_registry_server, change or deactivate it with "
            "modify_registry_server, and check list_registry_server_gateways before delete_registry_server. "
            "A server is named by saved_name and server_version (default 'v1')."
        ),
        tools=[
            tool.to_mcp(reveal_secrets=settings.show_secrets, launch_without_asking=settings.allow_launch)
            for tool in tools
        ],
        lifespan=open_registry,
    )
    add_server_resources(server, reveal_secrets=settings.show_secrets)
    add_prompts(server)
    return server

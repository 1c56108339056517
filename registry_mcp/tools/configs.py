"""The tools that move servers between the registry and configs: export (for secure-mcp-gateway and
for clients) and import (from the MCP client configs people already have)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..arguments import CLOSED, ServerSelector
from ..client import RegistryClient
from ..endpoints import MAX_PER_PAGE
from ..errors import LocalRefusal, RegistryError
from ..export import render
from ..importing import MAX_CONFIG_BYTES, ConfigError, plan_import, read_config
from ..lint import Finding, lint_servers
from ..models import (
    DEFAULT_SERVER_VERSION,
    MAX_BULK_SERVERS,
    RegistryModel,
    RegistryServer,
    ServerPayload,
    ServerVersion,
)
from ..results import ToolResult
from ..toolkit import ToolCall, registry_tool
from ..wording import counted


class ExportArguments(RegistryModel):
    model_config = CLOSED

    format: Literal["gateway", "mcpServers", "vscode"] = Field(
        description=(
            "'gateway': secure-mcp-gateway mcp_config[] entries; 'mcpServers': Claude Desktop, Cursor, Claude Code; "
            "'vscode': .vscode/mcp.json."
        )
    )
    servers: list[ServerSelector] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_PER_PAGE,
        description="The servers to export; leave out for every active one.",
    )


class ExportResult(ToolResult):
    """Registry servers rendered as a config block to paste."""

    format: str
    servers: list[str] = Field(description="The servers exported, as 'saved_name server_version'.")
    config: dict[str, Any] = Field(description="The config block, ready to paste (secrets masked unless shown).")

    def too_large(self) -> str:
        return (
            f"The export of {counted(len(self.servers), 'server')} is too large for one tool result: name fewer "
            "servers, or "
            "use the Python library (registry_mcp.export)."
        )


@registry_tool(
    title="Export registry servers as a config block",
    hint="render servers as a config block for secure-mcp-gateway or an MCP client.",
    read_only=True,
    idempotent=True,
)
async def export_registry_servers(args: ExportArguments, call: ToolCall) -> ExportResult:
    """Registry servers (named, or every active one) as a config block to paste. Secrets are masked
    unless registry-mcp was started to show them."""
    if args.servers is not None:
        servers = [await call.registry.get_server(chosen.saved_name, chosen.server_version) for chosen in args.servers]
    else:
        servers = await _every_active_server(call.registry)
    config = render(servers, args.format, reveal_secrets=True)  # masked by `present` unless secrets are shown
    where = {"gateway": "under mcp_configs.<id> in the gateway's config", "mcpServers": "in the client's config file"}
    return ExportResult(
        message=f"{counted(len(servers), 'server')} as a '{args.format}' block to paste "
        f"{where.get(args.format, 'in .vscode/mcp.json')}.",
        registry=call.registry_info,
        format=args.format,
        servers=[f"{server.saved_name} {server.server_version}" for server in servers],
        config=config,
    )


class ImportArguments(RegistryModel):
    model_config = CLOSED

    source: str = Field(
        min_length=1,
        max_length=MAX_CONFIG_BYTES,
        description=(
            "A config file's path (claude_desktop_config.json, mcp.json, .vscode/mcp.json, .mcp.json, "
            "~/.claude.json) or its JSON text."
        ),
    )
    server_version: ServerVersion = DEFAULT_SERVER_VERSION
    confirm: bool = Field(
        default=False,
        description="true registers them, once the person saw the dry run and agreed.",
    )


class ImportedEntry(BaseModel):
    entry_name: str = Field(description="The entry's name in the client's config.")
    saved_name: str
    renamed: bool = Field(description="true when the key had to change to be a valid saved_name.")
    payload: dict[str, Any] = Field(description="The add-server payload (secrets masked unless shown).")


class ImportBatch(BaseModel):
    batch: int
    added: list[str] = Field(description="saved_names registered by this bulk add (none if it was refused).")
    error: str | None = Field(default=None, description="Why the registry refused this batch (it added none).")


class ImportResult(ToolResult):
    """A client config turned into registry payloads: shown (dry run), or registered."""

    registered: bool
    servers: list[ImportedEntry]
    problems: list[str] = Field(description="Entries that could not be imported, and why.")
    warnings: list[Finding] = Field(description="Lint findings; fields start servers[i].")
    batches: list[ImportBatch] | None = Field(default=None, description="One per bulk add, when registering.")


@registry_tool(
    title="Import servers from an MCP client's config",
    hint="turn the servers in an MCP client's config into registry entries (a dry run unless confirmed).",
    read_only=False,
)
async def import_client_config(args: ImportArguments, call: ToolCall) -> ImportResult:
    """The servers in an MCP client's config (Claude Desktop, Cursor, VS Code, Claude Code) as registry
    entries, names made valid saved_names. A dry run unless confirm is true; then bulk adds of up to 100."""
    try:
        plan = plan_import(read_config(args.source), server_version=args.server_version)
    except ConfigError as unreadable:
        raise LocalRefusal(f"Could not read the client config: {str(unreadable).rstrip('.')}.") from None
    payloads = [imported.payload for imported in plan.servers]
    entries = [
        ImportedEntry(
            entry_name=imported.key,
            saved_name=imported.payload.saved_name,
            renamed=imported.renamed,
            payload=imported.payload.to_api(),
        )
        for imported in plan.servers
    ]
    warnings = lint_servers(payloads)
    skipped = (
        f" {counted(len(plan.problems), 'entry', 'entries')} could not be imported (see problems)."
        if plan.problems
        else ""
    )
    if not args.confirm:
        return ImportResult(
            message=f"Dry run: {counted(len(entries), 'server')} ready to register; nothing was written."
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
        message=f"Registered {added} of {counted(len(entries), 'server')} in {counted(len(batches), 'bulk add')}."
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


async def _every_active_server(registry: RegistryClient) -> list[RegistryServer]:
    servers: list[RegistryServer] = []
    page = 1
    while True:
        listed = await registry.list_servers(page=page, per_page=MAX_PER_PAGE, is_active=True)
        servers += listed.data
        if not listed.data or len(servers) >= listed.pagination.total:
            return servers
        page += 1

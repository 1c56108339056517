"""The tools that move servers between the registry and configs: export (for secure-mcp-gateway and
for clients) and import (from the MCP client configs people already have)."""

from __future__ import annotations

from ..arguments import ExportArguments, ImportArguments, ServerSelector
from ..client import RegistryClient
from ..endpoints import MAX_PER_PAGE
from ..errors import InvalidRequest, RegistryError
from ..export import export, masked_paths
from ..importing import ConfigError, plan_import, read_config
from ..lint import lint_servers
from ..models import MAX_BULK_SERVERS, RegistryServer, ServerPayload
from ..results import MAX_RESULT_CHARS, ExportResult, ImportBatch, ImportedEntry, ImportResult
from ..toolkit import ToolCall


async def export_registry_servers(args: ExportArguments, call: ToolCall) -> ExportResult:
    servers = await chosen_servers(args.servers, call.registry)
    rendered = export(servers, args.format)
    masked = [] if call.reveal_secrets else masked_paths(rendered.config)
    where = {"gateway": "under mcp_configs.<id> in the gateway's config", "mcpServers": "in the client's config file"}
    result = ExportResult(
        message=f"{len(rendered.servers)} servers from {call.location} as a '{args.format}' block to paste "
        f"{where.get(args.format, 'in .vscode/mcp.json')}."
        + (
            f" {len(masked)} values are MASKED (listed in masked), not real: replace each with its real value "
            "before use, or have write_registry_export write the file with the real values."
            if masked
            else ""
        )
        + (f" {len(rendered.skipped)} left out (see skipped)." if rendered.skipped else "")
        + (f" {len(rendered.notes)} notes to read: " + " ".join(rendered.notes) if rendered.notes else ""),
        registry=call.registry_info,
        format=args.format,
        servers=rendered.servers,
        config=rendered.config,
        masked=masked,
        renamed=rendered.renamed,
        skipped=rendered.skipped,
        notes=rendered.notes,
    )
    if len(result.model_dump_json()) > MAX_RESULT_CHARS:
        raise InvalidRequest(
            f"The export of {len(servers)} servers is too large for one tool result: name fewer servers, write it "
            "to a file with write_registry_export, or use the Python library (registry_mcp.export)"
        )
    return result


async def chosen_servers(chosen: list[ServerSelector] | None, registry: RegistryClient) -> list[RegistryServer]:
    """The named servers, or every active one."""
    if chosen is not None:
        return [await registry.get_server(server.saved_name, server.server_version) for server in chosen]
    return await _every_active_server(registry)


async def import_client_config(args: ImportArguments, call: ToolCall) -> ImportResult:
    try:
        plan = plan_import(read_config(args.source), server_version=args.server_version)
    except ConfigError as unreadable:
        raise InvalidRequest(f"Could not read the client config: {unreadable}") from None
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


async def _every_active_server(registry: RegistryClient) -> list[RegistryServer]:
    servers: list[RegistryServer] = []
    page = 1
    while True:
        listed = await registry.list_servers(page=page, per_page=MAX_PER_PAGE, is_active=True)
        servers += listed.data
        if not listed.data or len(servers) >= listed.pagination.total:
            return servers
        page += 1

"""The tools that move servers between the registry and configs: export (for secure-mcp-gateway and
for clients) and import (from the MCP client configs people already have)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

import anyio
from pydantic import BaseModel, Field, WithJsonSchema

from registry_mcp.errors import LocalRefusal, RegistryError
from registry_mcp.gateway.export import ExportFormat, export, masked_paths
from registry_mcp.gateway.lint import Finding, lint_servers
from registry_mcp.gateway.toml_text import dumps
from registry_mcp.importing import (
    MAX_SOURCE_TEXT,
    ConfigError,
    FileNotRead,
    ImportPlan,
    NoteKind,
    plan_import,
    read_config,
)
from registry_mcp.mcp.arguments import CLOSED, ServerSelector
from registry_mcp.mcp.permissions import NOT_CONFIRMED, Consent, Question
from registry_mcp.mcp.questions import command_line, shown, whole_question
from registry_mcp.mcp.results import ToolResult, fewer_items
from registry_mcp.mcp.toolkit import ToolCall, registry_tool
from registry_mcp.packages.facts import PackageFacts, facts_of_payloads
from registry_mcp.registry.client import RegistryClient
from registry_mcp.registry.endpoints import MAX_PER_PAGE
from registry_mcp.registry.models import (
    DEFAULT_SERVER_VERSION,
    MAX_BULK_SERVERS,
    LocalServerConfig,
    RegistryModel,
    RegistryServer,
    ServerPayload,
    ServerVersion,
)
from registry_mcp.registry.targets import what_runs
from registry_mcp.secrets.masking import mask_secrets
from registry_mcp.settings import ALLOW_LAUNCH_VARIABLE
from registry_mcp.untrusted import clean, escape
from registry_mcp.wording import agreeing, counted

# Each a selector, {saved_name, server_version}, as every read tool takes: its schema is said there.
ServerSelectors = Annotated[
    list[ServerSelector] | None,
    WithJsonSchema({"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": MAX_PER_PAGE}),
    Field(min_length=1, max_length=MAX_PER_PAGE),
]


class ExportArguments(RegistryModel):
    model_config = CLOSED

    format: ExportFormat = Field(
        description=(
            "'gateway_overrides': a cloud-mode gateway's local_server_overrides; 'mcpServers': Cursor, Claude Code; "
            "'claude_managed': Claude Code's managed allowlist; else the gateway or client named."
        )
    )
    servers: ServerSelectors = Field(
        default=None,
        description="Each {saved_name, server_version}; left out: every active one.",
    )


class ExportResult(ToolResult):
    """Registry servers rendered as a config block to paste."""

    format: str
    servers: list[str] = Field(description="The servers exported, as 'saved_name server_version'.")
    config: dict[str, Any] = Field(description="The config block, ready to paste (secrets masked unless shown).")
    toml: str | None = Field(default=None, description="For codex: the block as TOML, for config.toml.")
    masked: list[str] = Field(
        default_factory=list,
        description="Where config holds a mask instead of the real value: replace each before use.",
    )
    renamed: dict[str, str] = Field(
        default_factory=dict, description="'saved_name server_version' -> its name in config, where they differ."
    )
    skipped: list[str] = Field(default_factory=list, description="Servers left out, and why.")
    notes: list[str] = Field(
        default_factory=list, description="What the gateway or client will not apply, or applies config-wide."
    )

    def too_large(self) -> str:
        return (
            f"The export of {counted(len(self.servers), 'server')} is too large for one tool result: name fewer "
            "servers, write it to a file with write_registry_export, or use the Python library "
            "(registry_mcp.gateway.export)."
        )


@registry_tool(
    title="Export registry servers as a config block",
    hint="render servers as a config block for secure-mcp-gateway or an MCP client.",
    read_only=True,
    idempotent=True,
)
async def export_registry_servers(args: ExportArguments, call: ToolCall) -> ExportResult:
    """Registry servers as a config block to paste, secrets masked."""
    servers = await chosen_servers(args.servers, call.registry)
    rendered = export(servers, args.format)
    masked = [] if call.reveal_secrets else masked_paths(rendered.config)
    where = {
        "gateway": "under mcp_configs.<id> in the gateway's config",
        "gateway_overrides": "at the top level of a cloud-mode gateway's config file",
        "vscode": "in .vscode/mcp.json",
        "zed": "in Zed's settings.json",
        "codex": "in Codex's config.toml (see toml)",
        "claude_managed": "in Claude Code's managed-settings.json",
    }
    return ExportResult(
        message=(
            f"{counted(len(rendered.servers), 'server')} as a '{args.format}' block to paste "
            f"{where.get(args.format, 'in the client config file')}."
            if servers
            else "Nothing to export: the registry has no active server registered."
        )
        + (
            f" {counted(len(masked), 'value')} {agreeing(len(masked), 'is', 'are')} MASKED (listed in masked), not "
            "real: replace each with its real value before use, or have write_registry_export write the file with "
            "the real values."
            if masked
            else ""
        )
        + (f" {len(rendered.skipped)} left out (see skipped)." if rendered.skipped else "")
        + (f" {counted(len(rendered.notes), 'note')} to read (see notes)." if rendered.notes else ""),
        registry=call.registry_info,
        format=args.format,
        servers=rendered.servers,
        config=rendered.config,
        # Text is not masked by its keys when presented: it is rendered from the masked block.
        toml=dumps(rendered.config if call.reveal_secrets else mask_secrets(rendered.config))
        if args.format == "codex"
        else None,
        masked=masked,
        renamed=rendered.renamed,
        skipped=rendered.skipped,
        notes=rendered.notes,
    )


async def chosen_servers(chosen: list[ServerSelector] | None, registry: RegistryClient) -> list[RegistryServer]:
    """The named servers, or every active one."""
    if chosen is not None:
        return [await registry.get_server(server.saved_name, server.server_version) for server in chosen]
    return await _every_server(registry, is_active=True)


class ImportArguments(RegistryModel):
    model_config = CLOSED

    source: str = Field(
        min_length=1,
        max_length=MAX_SOURCE_TEXT,
        description=("A client config file's path or its JSON text."),
    )
    server_version: ServerVersion = DEFAULT_SERVER_VERSION
    confirm: bool = Field(
        default=False,
        description="true registers them, once the person saw the dry run and agreed.",
    )
    existing: Literal["skip", "fail"] = Field(
        default="skip",
        description="For names already registered: 'skip' them, or 'fail' the whole import.",
    )


_NAME_SHOWN = 300  # characters of an entry's name, a project's path or a note's field
_NOTE_SHOWN = 1_000  # characters of a note or a problem


class ImportNote(BaseModel):
    kind: NoteKind = Field(
        description=(
            "guess: a value inferred, not read; client-only: something the client resolves and the gateway does "
            "not; proxy: a local proxy replaced by the remote server it reaches; not-carried: a client setting "
            "the registry has no place for; renamed: why saved_name differs from the entry's name."
        )
    )
    field: str = Field(description="Where it lands in the payload (mcp_config.config.env.X), or the client's key.")
    note: str


class ImportedEntry(BaseModel):
    entry_name: str = Field(description="The entry's name in the client's config.")
    project: str | None = Field(default=None, description="The Claude Code project it came from, if any.")
    saved_name: str
    renamed: bool = Field(description="true when the key had to change to be a valid, distinct saved_name.")
    payload: dict[str, Any] | None = Field(
        default=None, description="The add-server payload (secrets masked unless shown); left out to fit if need be."
    )
    notes: list[ImportNote] = Field(
        default_factory=list, description="What the person should check: guesses, client-only values, proxies."
    )
    package: Annotated[PackageFacts | None, WithJsonSchema({"type": "object"}, mode="serialization")] = Field(
        default=None, description="The package, as its registry describes it (a dry run's look)."
    )


class ImportBatch(BaseModel):
    batch: int
    added: list[str] = Field(description="saved_names registered by this bulk add (none if it was refused).")
    error: str | None = Field(default=None, description="Why the registry refused this batch (it added none).")


class ImportResult(ToolResult):
    """A client config turned into registry payloads: shown (dry run), or registered."""

    registered: bool = Field(description="true when at least one server was added.")
    servers: list[ImportedEntry]
    already_registered: list[str] = Field(
        default_factory=list,
        description="Servers whose name and version are taken in the registry ('saved_name server_version'): "
        "skipped, or the reason a 'fail' import was refused.",
    )
    problems: list[str] = Field(description="Entries that could not be imported, and why.")
    warnings: list[Finding] = Field(description="Lint findings; fields start servers[i].")
    batches: list[ImportBatch] | None = Field(default=None, description="One per bulk add, when registering.")
    note: str | None = Field(default=None, description="Set when part of the result was left out to fit.")

    def smaller(self) -> Iterator[ImportResult]:
        """First without the payloads (each server keeps its names and notes), then fewer servers, then
        only the counts: a call that registered servers always gets its answer."""
        slim = self.model_copy(
            update={
                "servers": [entry.model_copy(update={"payload": None}) for entry in self.servers],
                "note": "The payloads were left out to fit in one result: import fewer servers at a time to see them.",
            }
        )
        yield slim
        yield from fewer_items(slim, "servers", "import fewer servers at a time (at most {kept}) to see every one.")
        yield slim.model_copy(
            update={
                "servers": [],
                "problems": [],
                "warnings": [],
                "note": f"{counted(len(self.servers), 'server')}, {counted(len(self.problems), 'problem')} and "
                f"{counted(len(self.warnings), 'warning')} do not fit in one result: import fewer servers at a time "
                "to see them.",
            }
        )


# Over HTTP the caller is remote: the server's own files (its user's client configs) are not theirs to read.
_NO_FILES_READ_OVER_HTTP = (
    "registry-mcp is serving over HTTP, where the caller is a remote client, so it reads no file on the machine "
    "it runs on: give the config's JSON text as source instead. A person can allow reading files by starting "
    f"registry-mcp with --allow-launch ({ALLOW_LAUNCH_VARIABLE}=1)."
)


async def _read_and_plan(args: ImportArguments, call: ToolCall) -> ImportPlan:
    await call.report_progress(0, None, "Reading the client config")

    def read_and_plan() -> ImportPlan:
        source = read_config(args.source, files=call.may_act_on_this_machine)
        return plan_import(source, server_version=args.server_version)

    try:
        # A ~/.claude.json can be 100 MB: read it on a worker thread, so the server keeps answering.
        return await anyio.to_thread.run_sync(read_and_plan)
    except FileNotRead:
        raise LocalRefusal(_NO_FILES_READ_OVER_HTTP) from None
    except ConfigError as unreadable:
        raise LocalRefusal(f"Could not read the client config: {str(unreadable).rstrip('.')}.") from None


def _runs_other_code(payload: ServerPayload) -> bool:
    """Whether an entry runs a shell or an interpreter given code, code loaded beside its package, or
    arguments holding shell metacharacters (`registry.targets.what_runs`)."""
    config = payload.mcp_config.config if payload.mcp_config is not None else None
    return isinstance(config, LocalServerConfig) and what_runs(config.command, config.args).runs_other_code


async def ask_to_import(args: ImportArguments, call: ToolCall) -> Question:
    """Registering an entry that runs other code than its package takes the person's yes to a question
    that shows its command whole; a bare confirm: true is not enough."""
    if not args.confirm:
        return Question("", asks_person=False)
    plan = await _read_and_plan(args, call)
    risky = [imported.payload for imported in plan.servers if _runs_other_code(imported.payload)]
    if not risky:
        return Question("", facts=plan, asks_person=False)
    lines = [
        f"Register {counted(len(risky), 'server')} from this client config that "
        f"{agreeing(len(risky), 'runs', 'run')} a shell or an interpreter given code on its command line (or code "
        "loaded beside its package)? Whoever can change an entry can make every gateway that uses it run any command."
    ]
    for payload in risky:
        config = payload.mcp_config.config if payload.mcp_config is not None else None
        assert isinstance(config, LocalServerConfig)  # `_runs_other_code`
        lines.append(f"{shown(payload.saved_name)} runs: {' '.join(command_line(config.command, config.args))}")
    return whole_question(
        "\n".join(lines), plan, nothing_done="Nothing was imported", advice="Import fewer servers at a time"
    )


@registry_tool(
    title="Import servers from an MCP client's config",
    hint="turn the servers in an MCP client's config into registry entries (a dry run unless confirmed).",
    read_only=False,
    ask=ask_to_import,
)
async def import_client_config(args: ImportArguments, call: ToolCall) -> ImportResult:
    """The servers in an MCP client's config as registry entries, with notes for the person to check."""
    plan: ImportPlan = call.facts if call.facts is not None else await _read_and_plan(args, call)
    if args.confirm and call.consent is not Consent.GIVEN:
        plan = _without_unapproved_code(plan, call.consent)
    payloads = [imported.payload for imported in plan.servers]
    # The config's own names and texts may be written to mislead (bidi, escape sequences, words dressed
    # as instructions): names keep every character, hidden ones escaped; sentences are cleaned.
    entries = [
        ImportedEntry(
            entry_name=escape(imported.key, _NAME_SHOWN),
            project=escape(imported.project, _NAME_SHOWN) if imported.project is not None else None,
            saved_name=imported.payload.saved_name,
            renamed=imported.renamed,
            payload=imported.payload.to_api(),
            notes=[
                ImportNote(kind=note.kind, field=escape(note.field, _NAME_SHOWN), note=clean(note.note, _NOTE_SHOWN))
                for note in imported.notes
            ],
        )
        for imported in plan.servers
    ]
    problems = [clean(problem, _NOTE_SHOWN) for problem in plan.problems]
    warnings = lint_servers(payloads)
    noted = sum(1 for entry in entries if entry.notes)
    skipped = f" {counted(len(problems), 'entry', 'entries')} could not be imported (see problems)." if problems else ""
    skipped += f" {noted} {agreeing(noted, 'has', 'have')} notes to check (see notes)." if noted else ""
    skipped += f" Nothing to import: {plan.why_empty}." if plan.why_empty else ""
    await call.report_progress(0, None, "Looking for these names in the registry")
    registered = await _registered_names(call.registry)
    free: list[ServerPayload] = []
    taken: list[ServerPayload] = []
    for payload in payloads:
        (taken if (payload.saved_name, payload.server_version) in registered else free).append(payload)
    if taken and args.existing == "fail" and args.confirm:
        named = ", ".join(f"'{payload.saved_name}' version '{payload.server_version}'" for payload in taken)
        raise LocalRefusal(
            f"Nothing was imported: {counted(len(taken), 'server')} {agreeing(len(taken), 'is', 'are')} already "
            f"registered: {named}. Call again with existing: 'skip' to register the rest, or rename them in the "
            "client's config."
        )
    already = [f"{payload.saved_name} {payload.server_version}" for payload in taken]
    if taken:
        skipped += f" {len(taken)} already registered (see already_registered): " + (
            "the import would be refused." if args.existing == "fail" else "skipped."
        )
    if not args.confirm and call.settings.package_sources is not None:
        await call.report_progress(0, None, "Looking the packages up in their registries")
        facts, found, looked = await facts_of_payloads(payloads, call.settings.package_sources)
        entries = [entry.model_copy(update={"package": package}) for entry, package in zip(entries, facts, strict=True)]
        warnings += found
        skipped += f" Note: {looked}." if looked else ""
    if not args.confirm:
        return ImportResult(
            message=f"Dry run: {counted(len(free), 'server')} ready to register; nothing was written."
            f"{skipped} Show them to the person, and once they agree call again with confirm: true.",
            registry=call.registry_info,
            registered=False,
            servers=entries,
            already_registered=already,
            problems=problems,
            warnings=warnings,
        )
    batches = await _register_in_batches(free, call)
    added = sum(len(batch.added) for batch in batches)
    refused = [batch.batch for batch in batches if batch.error]
    return ImportResult(
        message=f"Registered {added} of {counted(len(entries), 'server')} in {counted(len(batches), 'bulk add')}."
        + (
            f" {agreeing(len(refused), 'Batch', 'Batches')} {', '.join(map(str, refused))} "
            f"{agreeing(len(refused), 'was', 'were')} refused whole (see batches)."
            if refused
            else ""
        )
        + skipped,
        registry=call.registry_info,
        registered=added > 0,
        servers=entries,
        already_registered=already,
        problems=problems,
        warnings=warnings,
        batches=batches,
    )


def _without_unapproved_code(plan: ImportPlan, consent: Consent | None) -> ImportPlan:
    """The plan without the entries that run other code than their package, each named in problems."""
    why = NOT_CONFIRMED.get(consent, "this client cannot ask the person, and confirm: true alone is not enough")
    kept, problems = [], list(plan.problems)
    for imported in plan.servers:
        if _runs_other_code(imported.payload):
            problems.append(
                f"{imported.key}: not registered: it runs a shell or an interpreter given code (or code loaded beside "
                f"its package, or arguments holding shell metacharacters), which is registered only once the person "
                f"agrees to a question that shows the command, and {why.rstrip('.')}."
            )
        else:
            kept.append(imported)
    return ImportPlan(servers=kept, problems=problems)


async def _registered_names(registry: RegistryClient) -> set[tuple[str, str]]:
    """Every (saved_name, server_version) the registry holds, active or not (both are taken).

    One listing pass, not a get-server per entry: its cost is the registry's size over 100 pages,
    whatever the import's size (a ~/.claude.json can hold thousands of entries), read one page at a time.
    """
    return {(server.saved_name, server.server_version) for server in await _every_server(registry, is_active=None)}


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


async def _every_server(registry: RegistryClient, *, is_active: bool | None) -> list[RegistryServer]:
    servers: list[RegistryServer] = []
    page = 1
    while True:
        listed = await registry.list_servers(page=page, per_page=MAX_PER_PAGE, is_active=is_active)
        servers += listed.data
        if not listed.data or len(servers) >= listed.pagination.total:
            return servers
        page += 1

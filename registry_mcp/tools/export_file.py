"""The tool that writes an export straight into a config file, after the person agrees: real values go
to the file, the assistant sees only the path and the counts."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from ..arguments import CONFIRM_WHERE_CLIENT_CANNOT_ASK
from ..client import RegistryClient
from ..config_files import WritePlan, WriteRefused, plan_write, write
from ..errors import LocalRefusal
from ..export import Export, export
from ..results import ToolResult
from ..toolkit import NOT_CONFIRMED, Question, ToolCall, registry_tool
from ..wording import counted
from .configs import ExportArguments, ExportFormat, ServerSelectors, chosen_servers

_WRITE_NEEDS_CONFIRM = (
    "this client cannot ask the person to confirm, so ask them, and once they agree call again with confirm: true."
)


class WriteExportArguments(ExportArguments):
    # format and servers are export_registry_servers', whose schema the model already has: said once, there.
    format: ExportFormat = Field(description="As in export_registry_servers.")
    servers: ServerSelectors = Field(default=None, description="As in export_registry_servers.")
    path: str = Field(
        min_length=1,
        max_length=4096,
        description="Absolute path (or ~/...) of the gateway's or client's config file, or a new file.",
    )
    config_name: str = Field(
        default="registry_mcp",
        min_length=1,
        max_length=100,
        description="'gateway' only: the config to write into.",
    )
    confirm: bool = Field(default=False, description=CONFIRM_WHERE_CLIENT_CANNOT_ASK)


class WriteResult(ToolResult):
    """An export written to a file: the path and counts only, never a value."""

    format: str
    path: str
    written: bool = Field(description="false when the person declined or has not yet confirmed.")
    servers: int = Field(description="Servers exported into the file.")
    added: int = 0
    replaced: int = Field(default=0, description="Entries of the file replaced by the export's.")
    kept: int = Field(default=0, description="Entries of the file left as they were.")
    secret_values: int = Field(default=0, description="Secret values written into the file (not shown).")
    backup: str | None = Field(default=None, description="A copy of the file as it was before.")
    mode: str | None = Field(default=None, description="The file's permissions, such as '0600'.")
    skipped: list[str] = Field(default_factory=list, description="Servers left out, and why.")
    notes: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class _Planned:
    rendered: Export
    plan: WritePlan


async def _plan(args: WriteExportArguments, registry: RegistryClient) -> _Planned:
    rendered = export(await chosen_servers(args.servers, registry), args.format)
    if not rendered.servers:
        raise LocalRefusal("There is nothing to write: none of the chosen servers has an mcp_config")
    try:
        return _Planned(rendered, plan_write(args.path, rendered, args.format, args.config_name))
    except WriteRefused as refused:
        raise LocalRefusal(f"Cannot write the export: {refused}") from None
    except OSError as failure:
        raise LocalRefusal(f"Cannot read the file: {failure.strerror or type(failure).__name__}") from None


async def ask_to_write(args: WriteExportArguments, registry: RegistryClient) -> Question:
    planned = await _plan(args, registry)
    plan = planned.plan
    change = (
        f"It changes the existing file ({plan.what}): adds {len(plan.added)}, replaces {len(plan.replaced)} and "
        f"keeps {plan.kept} entries; a backup is kept beside it and its permissions ({plan.mode:04o}) stay."
        if plan.original is not None
        else f"It creates {plan.what}, readable by your user only (0600)."
    )
    return Question(
        f"Write {counted(len(planned.rendered.servers), 'registry server')} as a '{args.format}' config to "
        f"{plan.path}? "
        f"{change} The file gets the real values of {plan.secrets} secrets (not shown to the assistant).",
        facts=planned,
    )


@registry_tool(
    title="Write registry servers into a config file",
    hint="write an export with its real secret values straight into a gateway or client config file "
    "(after the person agrees), so the secrets never pass through the conversation.",
    read_only=False,
    destructive=True,
    idempotent=True,
    ask=ask_to_write,
)
async def write_registry_export(args: WriteExportArguments, call: ToolCall) -> WriteResult:
    """Write an export, with its real secret values, into a gateway or client config file once the
    person agrees, so secrets never pass through the conversation (atomic, with a backup)."""
    asked: _Planned = call.facts
    common = {"registry": call.registry_info, "format": args.format, "path": str(asked.plan.path)}
    if not call.agreed(without_asking=args.confirm):
        return WriteResult(
            message=f"Nothing was written: {NOT_CONFIRMED.get(call.consent, _WRITE_NEEDS_CONFIRM)}",
            written=False,
            servers=len(asked.rendered.servers),
            **common,
        )
    planned = await _plan(args, call.registry)  # the registry and the file as they are now
    plan = planned.plan
    try:
        backup = write(plan)
    except WriteRefused as refused:
        raise LocalRefusal(f"Cannot write the export: {refused}") from None
    except OSError as failure:
        raise LocalRefusal(f"Could not write the file: {failure.strerror or type(failure).__name__}") from None
    rendered = planned.rendered
    return WriteResult(
        message=f"Wrote {counted(len(rendered.servers), 'server')} to {plan.path} ({plan.what}): "
        f"{len(plan.added)} added, {len(plan.replaced)} replaced, {plan.kept} kept, "
        f"{counted(plan.secrets, 'secret value')} written to the file and not shown here."
        + (f" The file as it was is kept at {backup}." if backup else "")
        + (f" {plan.next_step}." if plan.next_step else "")
        + (f" {len(rendered.skipped)} left out (see skipped)." if rendered.skipped else "")
        + (f" {counted(len(rendered.notes), 'note')} to read (see notes)." if rendered.notes else ""),
        written=True,
        servers=len(rendered.servers),
        added=len(plan.added),
        replaced=len(plan.replaced),
        kept=plan.kept,
        secret_values=plan.secrets,
        backup=str(backup) if backup else None,
        mode=f"{plan.mode:04o}",
        skipped=rendered.skipped,
        notes=rendered.notes,
        **common,
    )

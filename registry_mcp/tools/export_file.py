"""The tool that writes an export straight into a config file, after the person agrees: real values go
to the file, the assistant sees only the path and the counts."""

from __future__ import annotations

from dataclasses import dataclass

from ..arguments import WriteExportArguments
from ..client import RegistryClient
from ..config_files import WritePlan, WriteRefused, plan_write, write
from ..errors import InvalidRequest
from ..export import Export, export
from ..results import WriteResult
from ..toolkit import NOT_CONFIRMED, Question, ToolCall
from .configs import chosen_servers

_WRITE_NEEDS_CONFIRM = (
    "this client cannot ask the person to confirm, so ask them, and once they agree call again with confirm: true."
)


@dataclass(frozen=True)
class _Planned:
    rendered: Export
    plan: WritePlan


async def _plan(args: WriteExportArguments, registry: RegistryClient) -> _Planned:
    rendered = export(await chosen_servers(args.servers, registry), args.format)
    if not rendered.servers:
        raise InvalidRequest("There is nothing to write: none of the chosen servers has an mcp_config")
    try:
        return _Planned(rendered, plan_write(args.path, rendered, args.format, args.config_name))
    except WriteRefused as refused:
        raise InvalidRequest(f"Cannot write the export: {refused}") from None
    except OSError as failure:
        raise InvalidRequest(f"Cannot read the file: {failure.strerror or type(failure).__name__}") from None


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
        f"Write {len(planned.rendered.servers)} registry servers as a '{args.format}' config to {plan.path}? "
        f"{change} The file gets the real values of {plan.secrets} secrets (not shown to the assistant).",
        facts=planned,
    )


async def write_registry_export(args: WriteExportArguments, call: ToolCall) -> WriteResult:
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
        raise InvalidRequest(f"Cannot write the export: {refused}") from None
    except OSError as failure:
        raise InvalidRequest(f"Could not write the file: {failure.strerror or type(failure).__name__}") from None
    rendered = planned.rendered
    return WriteResult(
        message=f"Wrote {len(rendered.servers)} servers from {call.location} to {plan.path} ({plan.what}): "
        f"{len(plan.added)} added, {len(plan.replaced)} replaced, {plan.kept} kept, {plan.secrets} secret values "
        "written to the file and not shown here."
        + (f" The file as it was is kept at {backup}." if backup else "")
        + (f" {plan.next_step}." if plan.next_step else "")
        + (f" {len(rendered.skipped)} left out (see skipped)." if rendered.skipped else "")
        + (" Notes: " + " ".join(rendered.notes) if rendered.notes else ""),
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

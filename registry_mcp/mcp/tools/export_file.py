"""The tool that writes an export straight into a config file, after the person agrees: real values go
to the file, the assistant sees only the path and the counts.

The question shows what the write does: each server added or replaced with what it runs (secrets
masked), what a replaced entry ran before, any config-wide policy it changes, and who can read the
secrets afterwards; whole, or not at all (too long a question is refused, asking for fewer servers).
The plan asked about travels with the answer, and is what is written: if the registry's entries or the
file changed meanwhile, nothing is written and the result says what changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from registry_mcp.errors import LocalRefusal, WriteRefused
from registry_mcp.gateway.config_files import WritePlan, digest, entries_of, plan_write, write
from registry_mcp.gateway.export import TOOL_GUARDRAILS, Export, ExportFormat, export
from registry_mcp.mcp.arguments import CONFIRM_WHERE_CLIENT_CANNOT_ASK
from registry_mcp.mcp.permissions import NOT_CONFIRMED, Question
from registry_mcp.mcp.questions import (
    QUESTION_LIMIT,
    code_warning,
    command_line,
    environment,
    shown,
    what_runs_warning,
    whole_question,
)
from registry_mcp.mcp.results import ToolResult
from registry_mcp.mcp.toolkit import ToolCall, registry_tool
from registry_mcp.mcp.tools.configs import ExportArguments, ServerSelectors, chosen_servers
from registry_mcp.registry.client import RegistryClient
from registry_mcp.secrets.masking import mask_secrets, secret_values
from registry_mcp.secrets.scrubbing import scrub
from registry_mcp.settings import ALLOW_LAUNCH_VARIABLE
from registry_mcp.untrusted import escape
from registry_mcp.urls import without_credentials
from registry_mcp.wording import counted

_WRITE_NEEDS_CONFIRM = (
    "this client cannot ask the person to confirm, so ask them, and once they agree call again with confirm: true."
)
# Over HTTP the answer comes from a remote client, and a config written here can start commands later.
_NO_FILES_OVER_HTTP = (
    "Nothing was written: registry-mcp is serving over HTTP, where the caller is a remote client rather than the "
    "person at the machine it runs on, so it writes no file there whatever the answer. A person can allow it by "
    f"starting registry-mcp with --allow-launch ({ALLOW_LAUNCH_VARIABLE}=1); export_registry_servers returns the "
    "block instead."
)


class WriteExportArguments(ExportArguments):
    # format and servers are export_registry_servers', whose schema the model already has: said once, there.
    # Its values are listed once, in export_registry_servers' schema.
    format: Annotated[ExportFormat, WithJsonSchema({"type": "string"})] = Field(
        description="As in export_registry_servers."
    )
    servers: ServerSelectors = Field(default=None, description="As in export_registry_servers.")
    path: str = Field(
        min_length=1,
        max_length=4096,
        description="Absolute path (or ~/...) of the config file to change or create.",
    )
    config_name: str = Field(
        default="registry_mcp",
        min_length=1,
        max_length=100,
        description="'gateway' only: the config to write into.",
    )
    private: bool = Field(
        default=False,
        description="true: make an existing file readable by you only.",
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
    servers = await chosen_servers(args.servers, registry)
    rendered = export(servers, args.format)
    if not rendered.servers:
        raise LocalRefusal(
            "There is nothing to write: "
            + ("; ".join(rendered.skipped) if servers else "the registry has no active server registered")
        )
    try:
        return _Planned(rendered, plan_write(args.path, rendered, args.format, args.config_name, private=args.private))
    except WriteRefused as refused:
        raise LocalRefusal(f"Cannot write the export: {refused}") from None
    except OSError as failure:
        raise LocalRefusal(f"Cannot read the file: {failure.strerror or type(failure).__name__}") from None


async def ask_to_write(args: WriteExportArguments, call: ToolCall) -> Question:
    if not call.may_act_on_this_machine:  # before planning: that reads the file
        return Question(_NO_FILES_OVER_HTTP, asks_person=False)
    planned = await _plan(args, call.registry)
    return whole_question(
        _question(planned, args.format),
        planned,
        nothing_done="Nothing was written",
        advice="Name fewer servers (the servers argument) and write them in several calls",
    )


def _question(planned: _Planned, export_format: ExportFormat) -> str:
    plan = planned.plan
    lines = [
        f"Write {counted(len(planned.rendered.servers), 'registry server')} as a '{export_format}' config to "
        f"{plan.path}? "
        + (
            f"It changes the existing file ({plan.what}); a backup is kept beside it."
            if plan.original is not None
            else f"It creates {plan.what}, readable by "
            + ("your user only (0600)." if plan.mode == 0o600 else f"every user ({plan.mode:04o}).")
        )
    ]
    if export_format == "gateway_overrides":
        lines += [f"Sets for {shown(name)}: {_overrides(plan.entries[name])}." for name in plan.added]
        lines += [
            f"Replaces for {shown(name)}: {_overrides(plan.previous[name])}; now {_overrides(plan.entries[name])}."
            for name in plan.replaced
        ]
    else:
        lines += [f"Adds {shown(name)}: {_runs(plan.entries[name])}." for name in plan.added]
        lines += [
            f"Replaces {shown(name)}: it ran {_runs(plan.previous[name])}; now {_runs(plan.entries[name])}."
            for name in plan.replaced
        ]
    lines += [
        f"Removes {shown(name)} from the file's allowlist: the registry does not hold it." for name in plan.removed
    ]
    if plan.kept:
        lines.append(f"Keeps the file's {counted(plan.kept, 'other entry', 'other entries')} as they are.")
    if plan.policy is not None:
        before, after = plan.policy
        lines.append(
            f"Sets the config-wide tool guardrails (common_overrides.{TOOL_GUARDRAILS}, for every server of this "
            f"gateway config) {'from ' + _policy(before) + ' ' if before is not None else ''}to {_policy(after)}."
        )
    lines.append(f"The file gets the real values of {counted(plan.secrets, 'secret')} (not shown to the assistant).")
    if plan.other_owner is not None:
        lines.append(
            f"Warning: the file belongs to {plan.other_owner}, not to you; it stays theirs, so that user can read "
            "these secrets."
        )
    lines.append(_who_reads(plan))
    lines.append(f"(plan {plan.fingerprint})")
    return "\n".join(line for line in lines if line)


def _owner_needs_person(plan: WritePlan) -> str:
    return (
        f"the file belongs to {plan.other_owner}, not to you, and would give that user "
        f"{counted(plan.secrets, 'secret')}. "
        "Only a person who agreed to a question naming that user can allow this, and this client cannot ask: "
        "confirm: true is not enough. Write to a file of your own instead."
    )


def _who_reads(plan: WritePlan) -> str:
    if plan.state is None:
        return ""
    before, after = plan.state.mode, plan.mode
    if after != before:
        return f"Its permissions change from {before:04o} to {after:04o}: readable by your user only."
    if after & 0o077 and plan.secrets:
        readers = "others" if after & 0o007 else "your group"
        return (
            f"Warning: the file is readable by {readers} ({after:04o}), who can then read these secrets; its "
            "permissions stay as they are (ask for private: true to make it readable by your user only)."
        )
    return f"Its permissions ({after:04o}) stay as they are."


def _runs(entry: Any) -> str:
    """What an entry runs, for the person to approve: every word, exactly, secrets masked."""
    config = entry.get("config") if isinstance(entry, dict) and "server_name" in entry else entry
    if isinstance(config, dict) and isinstance(config.get("serverCommand"), list) and config["serverCommand"]:
        config = {"command": config["serverCommand"][0], "args": config["serverCommand"][1:]}  # an allowlist's
    elif isinstance(config, dict) and "serverUrl" in config:
        config = {"url": config["serverUrl"]}
    if not isinstance(config, dict):
        return "(not a server entry)"
    command, args = config.get("command"), config.get("args")
    url = next((config[key] for key in _URL_KEYS if isinstance(config.get(key), str)), None)
    if isinstance(command, str):
        words = [arg if isinstance(arg, str) else json.dumps(arg) for arg in _list(args)]
        runs = "the command " + " ".join(command_line(command, words))
        warning = code_warning(command, words)
        if warning is not None:
            runs += " (" + warning.removeprefix("Warning: ").removesuffix(".") + ")"
    elif isinstance(url, str):
        runs = "the URL " + shown(scrub(without_credentials(url), secret_values(entry)))
    else:
        return "(no command or URL)"
    env = config.get("env")
    if isinstance(env, dict) and env:
        texts = {str(name): value if isinstance(value, str) else json.dumps(value) for name, value in env.items()}
        runs += " with environment " + environment(texts)
        warning = what_runs_warning(list(texts))
        if warning is not None:
            runs += " (" + warning.removeprefix("Warning: ").removesuffix(".") + ")"
    return runs


def _overrides(entry: Any) -> str:
    """What a local_server_overrides entry makes the gateway apply, for the person to approve (masked)."""
    if not isinstance(entry, dict):
        return "(not an object)"
    return "; ".join(f"{shown(key)} {_policy(value)}" for key, value in entry.items()) or "nothing"


# Where client configs keep a remote server's address (an entry already in the file may use any).
_URL_KEYS = ("url", "serverUrl", "httpUrl")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _policy(policy: Any) -> str:
    return escape(json.dumps(mask_secrets(policy), ensure_ascii=False), QUESTION_LIMIT)


def _changed(asked: Export, now: Export, export_format: ExportFormat) -> list[str]:
    """What differs between the export the person was asked about and the registry's now."""
    before, after = entries_of(asked.config, export_format), entries_of(now.config, export_format)
    changed = [shown(name) for name in {**before, **after} if before.get(name) != after.get(name)]
    if asked.config.get("common_overrides") != now.config.get("common_overrides"):
        changed.append("the config-wide tool guardrails")
    return changed


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
    """Write an export, real secrets included, into a gateway or client config file once the person
    agrees; secrets never pass through the conversation."""
    if not call.may_act_on_this_machine:
        return WriteResult(
            message=_NO_FILES_OVER_HTTP,
            written=False,
            servers=0,
            registry=call.registry_info,
            format=args.format,
            path=args.path,
        )
    asked: _Planned = call.facts
    common = {"registry": call.registry_info, "format": args.format, "path": str(asked.plan.path)}
    # Secrets handed to another user need a person who was told so: confirm alone stands for no one.
    hands_over = asked.plan.other_owner is not None and asked.plan.secrets > 0
    if not call.agreed(without_asking=args.confirm and not hands_over):
        unasked = _owner_needs_person(asked.plan) if hands_over else _WRITE_NEEDS_CONFIRM
        return WriteResult(
            message=f"Nothing was written: {NOT_CONFIRMED.get(call.consent, unasked)}",
            written=False,
            servers=len(asked.rendered.servers),
            **common,
        )
    # What is written is what the person was asked about, and only while the registry still says so;
    # `write` checks the file the same way.
    now = export(await chosen_servers(args.servers, call.registry), args.format)
    if digest(now.config) != asked.plan.source:
        raise LocalRefusal(
            "Nothing was written: what the person agreed to changed in the registry meanwhile ("
            + (", ".join(_changed(asked.rendered, now, args.format)) or "the servers exported")
            + "). Call again to ask them about it as it is now"
        )
    planned, plan = asked, asked.plan
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
        + (f"{len(plan.removed)} removed, " if plan.removed else "")
        + f"{counted(plan.secrets, 'secret value')} written to the file and not shown here."
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

"""The tool that connects to an MCP server, after the person agrees, and reports what it offers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, WithJsonSchema, model_validator

from registry_mcp.errors import InspectionFailed, LocalRefusal, RegistryError
from registry_mcp.gateway.denylist import is_denied
from registry_mcp.mcp.arguments import CLOSED
from registry_mcp.mcp.permissions import NOT_CONFIRMED, Question
from registry_mcp.mcp.pinning import (
    PinCheck,
    PinnedEntry,
    check_pins,
    checks_sentence,
    pin_question,
    pinned_entries,
    pinned_sentence,
    settle_pin,
)
from registry_mcp.mcp.questions import (
    code_warning,
    command_line,
    environment,
    escaped,
    what_runs_warning,
    whole_question,
)
from registry_mcp.mcp.results import ToolResult
from registry_mcp.mcp.toolkit import ToolCall, registry_tool
from registry_mcp.packages.facts import package_pin
from registry_mcp.registry.models import (
    DEFAULT_SERVER_VERSION,
    DeniedToolEntry,
    LocalServerConfig,
    RegistryModel,
    RemoteServerConfig,
    SavedName,
    ServerConfig,
    ServerVersion,
)
from registry_mcp.secrets.masking import secret_values
from registry_mcp.servers.inspection import DenyReport, InspectedServer, InspectedTool, deny_report, inspect_server
from registry_mcp.servers.launch import passed_through
from registry_mcp.servers.pins import Drift, Pinning, stored_pin_of
from registry_mcp.settings import ALLOW_LAUNCH_VARIABLE
from registry_mcp.untrusted import escape, quote
from registry_mcp.urls import without_credentials
from registry_mcp.wording import agreeing, counted

_LAUNCH_NEEDS_SETTING = (
    "this client cannot ask the person to confirm, and launching without asking is off. A person can turn it on "
    f"by starting registry-mcp with --allow-launch ({ALLOW_LAUNCH_VARIABLE}=1)."
)
# Over HTTP whoever answers the consent question is a remote client, which may be anyone who holds a
# credential (or another user of this machine), so no answer can stand for the person here.
_NO_COMMANDS_OVER_HTTP = (
    "Nothing was launched: registry-mcp is serving over HTTP, where the caller is a remote client rather than "
    "the person at the machine it runs on, so it starts no local command whatever the answer. A person can "
    f"allow it by starting registry-mcp with --allow-launch ({ALLOW_LAUNCH_VARIABLE}=1); remote servers (a url) "
    "can still be inspected."
)


@dataclass(frozen=True)
class _InspectionTarget:
    config: LocalServerConfig | RemoteServerConfig
    denied_tools: list[Any] | None
    registered: tuple[str, str] | None  # (saved_name, server_version) of a registry entry
    listed_tools: dict[str, Any]  # the registry entry's mcp_config.tools, which '*' spares
    stored_denied: list[Any]  # the registry entry's own deny list, which write_tools must not widen
    # The entry's secret values and the registry's API key, kept out of whatever the server says.
    secrets: frozenset[str] = field(repr=False)
    keys: frozenset[str] = field(repr=False)  # the registry's API key: kept out in any form too
    stored_pin: Any = None  # the entry's mcp_config.pinned, as stored


class InspectArguments(RegistryModel):
    model_config = CLOSED

    # Its shape is add_registry_server's mcp_config.config, which the model already has: said once, there.
    config: Annotated[ServerConfig | None, WithJsonSchema({"type": "object"})] = Field(
        default=None, description="As in add_registry_server's mcp_config.config."
    )
    saved_name: SavedName | None = Field(default=None, description="Or a registered server's name.")
    server_version: ServerVersion = DEFAULT_SERVER_VERSION
    denied_tools: Annotated[list[DeniedToolEntry] | None, WithJsonSchema({"type": "array"})] = Field(
        default=None,
        description="Deny patterns (default: its own).",
    )
    write_tools: bool = Field(default=False, description="Write the tool names into mcp_config.tools.")
    allow_unhiding: bool = Field(default=False, description="Write them past a '*' deny list if the person wants.")
    pin: bool = Field(default=False, description="Record what it offers as its pin.")
    accept_drift: bool = Field(default=False, description="Write past drift the person accepted.")

    @model_validator(mode="after")
    def _one_target(self) -> InspectArguments:
        if self.config is not None and self.saved_name is not None:
            raise ValueError("give one of 'config' (a server to try) or 'saved_name' (a registered server), not both")
        if (self.write_tools or self.pin) and self.saved_name is None:
            raise ValueError(f"{'pin' if self.pin else 'write_tools'} needs a registered server: give 'saved_name'")
        return self


class InspectResult(ToolResult):
    """What an MCP server said about itself, and how a deny list would treat its tools."""

    launched: bool = Field(description="false when nothing was started or reached (not confirmed).")
    target: str = Field(description="The command line (environment variable names only) or URL.")
    server: InspectedServer | None = None
    denied: DenyReport | None = None
    wrote_tools: bool = False
    checks: Annotated[list[PinCheck] | None, WithJsonSchema({"type": "array"}, mode="serialization")] = Field(
        default=None, description="Each pinned entry checked: what drifted, or why it could not be checked."
    )
    drift: Annotated[Drift | None, WithJsonSchema({"type": "object"}, mode="serialization")] = Field(
        default=None, description="How it differs from the entry's pin."
    )
    pinned: bool = False
    note: str | None = None

    def smaller(self) -> Iterator[InspectResult]:
        """Without the tools' input schemas; then without their descriptions; then with the deny report's
        patterns cut to the first `_PATTERNS_KEPT`; then with ever fewer tools. The note says what."""
        if self.server is None:
            return
        notes = ["the tools' input schemas are left out"]
        smaller = self._with_tools([tool.model_copy(update={"input_schema": None}) for tool in self.server.tools])
        yield smaller._noted(notes)
        notes.append("the tools' descriptions are left out")
        smaller = smaller._with_tools(
            [
                tool.model_copy(update={"description": None, "annotations": None, "title": None})
                for tool in smaller.tools
            ]
        )
        if smaller.drift is not None:
            drift = smaller.drift
            tools = [tool.model_copy(update={"description": None}) for tool in drift.tools]
            smaller = smaller.model_copy(update={"drift": drift.model_copy(update={"tools": tools})})
        yield smaller._noted(notes)
        denied = smaller.denied
        if denied is not None and max(len(denied.patterns), len(denied.unmatched)) > _PATTERNS_KEPT:
            notes.append(
                f"the deny report lists only the first {_PATTERNS_KEPT} of its {len(denied.patterns):,} patterns "
                f"({len(denied.unmatched):,} match nothing)"
            )
            cut = {"patterns": denied.patterns[:_PATTERNS_KEPT], "unmatched": denied.unmatched[:_PATTERNS_KEPT]}
            smaller = smaller.model_copy(update={"denied": denied.model_copy(update=cut)})
            yield smaller._noted(notes)
        read = len(smaller.tools)
        kept = read
        while kept:
            kept = kept * 3 // 4
            yield smaller._first_tools(kept)._noted(
                [*notes, f"only the first {kept:,} of the {read:,} tools read are listed"]
            )

    @property
    def tools(self) -> list[InspectedTool]:
        return self.server.tools if self.server is not None else []

    def _with_tools(self, tools: list[InspectedTool]) -> InspectResult:
        assert self.server is not None
        return self.model_copy(update={"server": self.server.model_copy(update={"tools": tools})})

    def _first_tools(self, kept: int) -> InspectResult:
        fitted = self._with_tools(self.tools[:kept])
        if fitted.denied is None:
            return fitted
        denied = fitted.denied
        cut = {
            "visible": denied.visible[:kept],
            "patterns": [pattern.model_copy(update={"blocks": pattern.blocks[:kept]}) for pattern in denied.patterns],
        }
        return fitted.model_copy(update={"denied": denied.model_copy(update=cut)})

    def _noted(self, notes: list[str]) -> InspectResult:
        return self.model_copy(update={"note": "To fit one tool result: " + "; ".join(notes) + "."})


_PATTERNS_KEPT = 100


async def ask_to_inspect(args: InspectArguments, call: ToolCall) -> Question:
    if args.config is None and args.saved_name is None:
        return await _ask_to_check_pins(call)
    registry = call.registry
    denied_tools: list[Any] | None = list(args.denied_tools) if args.denied_tools is not None else None
    registered: tuple[str, str] | None = None
    listed_tools: dict[str, Any] = {}
    stored_denied: list[Any] = []
    stored_pin: Any = None
    secrets = set(registry.secrets)
    if args.config is not None:
        config = args.config
    else:
        assert args.saved_name is not None  # the arguments' own check
        server = await registry.get_server(args.saved_name, args.server_version)
        if server.mcp_config is None:
            raise LocalRefusal(f"'{args.saved_name}' version '{args.server_version}' has no mcp_config to inspect.")
        config, registered = server.mcp_config.config, (args.saved_name, args.server_version)
        secrets |= secret_values(server.model_dump(mode="json"))
        listed_tools = dict(server.mcp_config.tools or {})
        stored_denied = list(server.mcp_config.denied_tools or [])
        stored_pin = stored_pin_of(server)
        if denied_tools is None:
            denied_tools = stored_denied
    target = _InspectionTarget(
        config, denied_tools, registered, listed_tools, stored_denied, frozenset(secrets), registry.secrets, stored_pin
    )
    if _refused_here(config, call):
        return Question(_NO_COMMANDS_OVER_HTTP, facts=target, asks_person=False)
    text = _local_question(config) if isinstance(config, LocalServerConfig) else _remote_question(config)
    return whole_question(
        text + pin_question(args.pin, stored_pin),
        target,
        nothing_done="Nothing was launched or reached",
        advice="Put long code in a file and run the file",
    )


@registry_tool(
    title="Inspect an MCP server",
    hint="connect to an MCP server and see what it offers (after the person agrees to start or reach it).",
    read_only=False,
    ask=ask_to_inspect,
)
async def inspect_mcp_server(args: InspectArguments, call: ToolCall) -> InspectResult:
    """Start or reach an MCP server once the person agrees; report its tools, what deny patterns block and
    drift from its pin (no config or saved_name: every pinned entry)."""
    if isinstance(call.facts, _PinBatch):
        return await _check_pins(call.facts, call)
    target: _InspectionTarget = call.facts
    shown = _target_text(target.config)
    if _refused_here(target.config, call):
        return InspectResult(message=_NO_COMMANDS_OVER_HTTP, registry=call.registry_info, launched=False, target=shown)
    allowed = call.agreed(without_asking=call.launch_without_asking)
    if not allowed:
        return InspectResult(
            message=f"Nothing was launched or reached: {NOT_CONFIRMED.get(call.consent, _LAUNCH_NEEDS_SETTING)}",
            registry=call.registry_info,
            launched=False,
            target=shown,
        )
    try:
        server = await inspect_server(
            target.config, secrets=target.secrets, keys=target.keys, private_targets=call.reaches_private_targets
        )
    except InspectionFailed as failure:
        raise ToolError(f"Could not inspect {shown}: {failure}") from None
    denied = (
        deny_report(server.tools, target.denied_tools, target.listed_tools) if target.denied_tools is not None else None
    )
    wrote, unhiding = False, _unhidden(server.tools, target)
    pinning = None
    if target.registered is not None and (args.pin or target.stored_pin is not None):
        package, notes = await package_pin(target.config, call.settings.package_sources)
        pinning = Pinning.of(server, target.stored_pin, package, notes)
    held_back = pinning is not None and pinning.drift is not None and not args.accept_drift
    # A partial list, or names shown escaped, are not the server's tools: never written as them.
    faithful = not server.stopped and not server.escaped_names
    changes: dict[str, Any] = {}
    if args.write_tools and faithful and not held_back and (not unhiding or args.allow_unhiding):
        changes["tools"] = {tool.name: {} for tool in server.tools}
        wrote = True
    if pinning is not None:
        changes |= pinning.changes(args.pin and not held_back)
    unrecorded = ""
    if changes and target.registered is not None:
        try:
            await call.registry.modify_server(*target.registered, {"mcp_config": changes})
        except RegistryError as failure:
            if wrote or args.pin:
                raise
            unrecorded = f" The check could not be recorded in the entry: {failure}"
    return InspectResult(
        message=_said_sentence(server, _transport_of(target.config))
        + _deny_sentence(denied)
        + (_written_sentence(args.write_tools, wrote, unhiding) if faithful or not args.write_tools else _UNFAITHFUL)
        + (
            pinned_sentence(pinning, asked=args.pin, wrote_tools=args.write_tools, held_back=held_back)
            if pinning
            else ""
        )
        + unrecorded,
        registry=call.registry_info,
        launched=True,
        target=shown,
        server=server,
        denied=denied,
        wrote_tools=wrote,
        **settle_pin(pinning, args.pin and not held_back),
    )


@dataclass(frozen=True)
class _PinBatch:
    entries: list[PinnedEntry]
    skipped: int  # local entries not run: over HTTP no local command is started


async def _ask_to_check_pins(call: ToolCall) -> Question:
    """One question for the whole batch, showing every command (or URL) as a single launch's does."""
    pinned = await pinned_entries(call.registry)
    if not pinned:
        raise LocalRefusal("No registered server has a pin yet: pin one with saved_name and pin: true.")
    entries = [entry for entry in pinned if not _refused_here(entry.config, call)]
    batch = _PinBatch(entries, skipped=len(pinned) - len(entries))
    if not entries:
        return Question(_NO_COMMANDS_OVER_HTTP, facts=batch, asks_person=False)
    lines = [
        f"Start or reach {'this' if len(entries) == 1 else 'these'} {counted(len(entries), 'server')} to check "
        f"{agreeing(len(entries), 'it', 'them')} against {agreeing(len(entries), 'its pin', 'their pins')}?"
    ]
    for entry in entries:
        config = entry.config
        if isinstance(config, RemoteServerConfig):
            lines.append(f"- {entry.saved_name} {entry.server_version}: {_remote_question(config)}")
            continue
        env = f"; environment: {environment(config.env)}" if config.env else ""
        lines.append(
            f"- {entry.saved_name} {entry.server_version}: "
            + "command: {}; arguments: [{}]".format(*_command_and_arguments(config))
            + f"{env}."
        )
        for warning in (code_warning(config.command, list(config.args or [])), what_runs_warning(list(config.env))):
            if warning is not None:
                lines.append(f"  {warning}")
    if any(isinstance(entry.config, LocalServerConfig) for entry in entries):
        inherited = passed_through()
        if inherited:
            lines.append(f"From registry-mcp's environment: {environment(inherited)}.")
        lines.append(
            "Each command also gets HOME, LOGNAME, PATH, SHELL, TERM and USER, and runs with your user's permissions "
            "until its check ends."
        )
    return whole_question(
        "\n".join(lines),
        batch,
        nothing_done="Nothing was launched or reached",
        advice="Check them one at a time with saved_name",
    )


async def _check_pins(batch: _PinBatch, call: ToolCall) -> InspectResult:
    target = f"{counted(len(batch.entries), 'pinned entry', 'pinned entries')}"
    if not batch.entries or not call.agreed(without_asking=call.launch_without_asking):
        message = (
            f"Nothing was launched or reached: {NOT_CONFIRMED.get(call.consent, _LAUNCH_NEEDS_SETTING)}"
            if batch.entries
            else _NO_COMMANDS_OVER_HTTP
        )
        return InspectResult(
            message=message,
            registry=call.registry_info,
            launched=False,
            target=target,
        )
    checks = await check_pins(batch.entries, call)
    return InspectResult(
        message=checks_sentence(checks, batch.skipped),
        registry=call.registry_info,
        launched=True,
        target=target,
        checks=checks,
    )


def _transport_of(config: LocalServerConfig | RemoteServerConfig) -> str:
    return config.transport if isinstance(config, RemoteServerConfig) else "stdio"


def _refused_here(config: LocalServerConfig | RemoteServerConfig, call: ToolCall) -> bool:
    return isinstance(config, LocalServerConfig) and not call.may_act_on_this_machine


_UNFAITHFUL = (
    " Their names were NOT written into mcp_config.tools: the listing is incomplete, or some names are shown "
    "escaped, so the list is not the server's own."
)


def _said_sentence(server: InspectedServer, asked_for: str) -> str:
    """Our sentence first; what the server calls itself only inside it, quoted."""
    count = f"at least {len(server.tools):,}" if server.stopped else f"{len(server.tools):,}"
    # A server on the 2026-07-28 revision may leave its name out.
    named = f"calls itself {quote(server.name)} version {quote(server.version)}" if server.name else "gives no name"
    text = f"Inspected the server; it {named} " + (
        f"and offers {count} {agreeing(len(server.tools), 'tool', 'tools')}."
        if server.tools or not server.stopped
        else "and its tools could not be read."
    )
    if server.transport == "sse" and asked_for == "streamable_http":
        text += ' It answered as an SSE endpoint, not Streamable HTTP: register it with transport "sse".'
    if server.stopped:
        text += f" The listing is incomplete ({'; '.join(server.stopped)})."
    if server.skipped_lines:
        lines = server.skipped_lines
        text += f" {counted(lines, 'line')} on its stdout {agreeing(lines, 'was', 'were')} not JSON-RPC and skipped"
        text += " (logs belong on stderr)."
    if server.escaped_names:
        text += (
            f" {counted(server.escaped_names, 'tool name')} held control, invisible or direction characters, "
            "shown as \\uXXXX (a gateway sees the real characters)."
        )
    return text


def _deny_sentence(denied: DenyReport | None) -> str:
    if denied is None:
        return ""
    visible, unmatched = len(denied.visible), len(denied.unmatched)
    return (
        f" {counted(visible, 'tool')} {agreeing(visible, 'stays', 'stay')} visible under the deny list; "
        f"{counted(unmatched, 'pattern')} {agreeing(unmatched, 'matches', 'match')} nothing."
    )


def _local_question(config: LocalServerConfig) -> str:
    env = config.env or {}
    lines = [
        "Run this command on this machine to inspect the MCP server it starts?",
        "command: {}; arguments: [{}].".format(*_command_and_arguments(config)),
        f"Environment: {environment(env)}." if env else "Environment: none of its own.",
    ]
    inherited = passed_through()
    if inherited:
        lines.append(f"From registry-mcp's environment: {environment(inherited)}.")
    for warning in (code_warning(config.command, list(config.args or [])), what_runs_warning(list(env))):
        if warning is not None:
            lines.append(warning)
    lines.append(
        "It also gets HOME, LOGNAME, PATH, SHELL, TERM and USER, and runs with your user's permissions until the "
        "inspection ends."
    )
    return "\n".join(lines)


def _command_and_arguments(config: LocalServerConfig) -> tuple[str, str]:
    command, *arguments = command_line(config.command, list(config.args or []))
    return command, ", ".join(arguments)


def _remote_question(config: RemoteServerConfig) -> str:
    headers = f" with headers {', '.join(escaped(name) for name in sorted(config.headers))}" if config.headers else ""
    url = escaped(without_credentials(config.url))
    return f"Connect to the MCP server at {url} ({config.transport}){headers} to inspect it?"


_TARGET_LIMIT = 500  # the result's `target`, a reminder of what was inspected (the question showed it all)


def _target_text(config: LocalServerConfig | RemoteServerConfig) -> str:
    if isinstance(config, LocalServerConfig):
        return escape(" ".join([config.command, *(config.args or [])]), _TARGET_LIMIT)
    return escape(without_credentials(config.url), _TARGET_LIMIT)


def _unhidden(tools: list[InspectedTool], target: _InspectionTarget) -> list[str]:
    """The tools the entry's deny list hides now that it would let through once every tool is listed in
    mcp_config.tools: the gateway's '*' spares the keys of tools."""
    listed = target.listed_tools | {tool.name: {} for tool in tools}
    return [
        tool.name
        for tool in tools
        if is_denied(tool.name, target.stored_denied, target.listed_tools)
        and not is_denied(tool.name, target.stored_denied, listed)
    ]


def _written_sentence(asked: bool, wrote: bool, unhiding: list[str]) -> str:
    if wrote:
        widened = (
            f" As asked, {counted(len(unhiding), 'tool')} that '*' denied {agreeing(len(unhiding), 'is', 'are')} "
            "now visible through the gateway."
            if unhiding
            else ""
        )
        return " Their names were written into the entry's mcp_config.tools." + widened
    if asked and unhiding:
        return (
            f" Their names were NOT written into mcp_config.tools: the deny list holds '*', which the gateway "
            f"does not apply to the keys of tools, so {counted(len(unhiding), 'tool')} it now hides would become "
            "visible "
            f"({', '.join(unhiding[:10])}{', …' if len(unhiding) > 10 else ''}). Call again with allow_unhiding: "
            "true only if the person wants them offered."
        )
    return ""

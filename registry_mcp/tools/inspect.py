"""The tool that connects to an MCP server, after the person agrees, and reports what it offers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from ..arguments import InspectArguments
from ..client import RegistryClient
from ..errors import InvalidRequest
from ..inspection import DenyReport, InspectedServer, InspectedTool, InspectionFailed, deny_report, inspect_server
from ..launch import changes_what_runs, passed_through, without_credentials
from ..masking import looks_secret, mask_secrets, secret_values
from ..models import LocalServerConfig, RemoteServerConfig
from ..results import MAX_RESULT_CHARS, InspectResult
from ..settings import ALLOW_LAUNCH_VARIABLE
from ..toolkit import NOT_CONFIRMED, Question, ToolCall
from ..untrusted import escape, quote

_LAUNCH_NEEDS_SETTING = (
    "this client cannot ask the person to confirm, and launching without asking is off. A person can turn it on "
    f"by starting registry-mcp with --allow-launch ({ALLOW_LAUNCH_VARIABLE}=1)."
)


@dataclass(frozen=True)
class _InspectionTarget:
    config: LocalServerConfig | RemoteServerConfig
    denied_tools: list[Any] | None
    registered: tuple[str, str] | None  # (saved_name, server_version) of a registry entry
    secrets: frozenset[str]  # the entry's secret values, kept out of whatever the server says


async def ask_to_inspect(args: InspectArguments, registry: RegistryClient) -> Question:
    denied_tools: list[Any] | None = list(args.denied_tools) if args.denied_tools is not None else None
    registered = None
    secrets: set[str] = set()
    if args.config is not None:
        config = args.config
    else:
        assert args.saved_name is not None  # the arguments' own check
        server = await registry.get_server(args.saved_name, args.server_version)
        if server.mcp_config is None:
            raise InvalidRequest(f"'{args.saved_name}' version '{args.server_version}' has no mcp_config to inspect")
        config, registered = server.mcp_config.config, (args.saved_name, args.server_version)
        secrets = secret_values(server.model_dump(mode="json"))
        if denied_tools is None:
            denied_tools = list(server.mcp_config.denied_tools or [])
    text = _local_question(config) if isinstance(config, LocalServerConfig) else _remote_question(config)
    return Question(text, facts=_InspectionTarget(config, denied_tools, registered, frozenset(secrets)))


async def inspect_mcp_server(args: InspectArguments, call: ToolCall) -> InspectResult:
    target: _InspectionTarget = call.facts
    shown = _target_text(target.config)
    allowed = call.agreed(without_asking=call.launch_without_asking)
    if not allowed:
        return InspectResult(
            message=f"Nothing was launched or reached: {NOT_CONFIRMED.get(call.consent, _LAUNCH_NEEDS_SETTING)}",
            registry=call.registry_info,
            launched=False,
            target=shown,
        )
    try:
        server = await inspect_server(target.config, secrets=target.secrets)
    except InspectionFailed as failure:
        raise ToolError(f"Could not inspect {shown}: {failure}") from None
    wrote = False
    if args.write_tools and target.registered is not None:
        tools: dict[str, Any] = {tool.name: {} for tool in server.tools}
        await call.registry.modify_server(*target.registered, {"mcp_config": {"tools": tools}})
        wrote = True
    denied = deny_report(server.tools, target.denied_tools) if target.denied_tools is not None else None
    result = InspectResult(
        message=_said_sentence(server)
        + _deny_sentence(denied)
        + (" Their names were written into the entry's mcp_config.tools." if wrote else ""),
        registry=call.registry_info,
        launched=True,
        target=shown,
        server=server,
        denied=denied,
        wrote_tools=wrote,
    )
    return fit_inspection(result)


def _said_sentence(server: InspectedServer) -> str:
    """Our sentence first; what the server calls itself only inside it, quoted."""
    count = f"at least {len(server.tools):,}" if server.stopped else f"{len(server.tools):,}"
    text = f"Inspected the server; it calls itself {quote(server.name)} version {quote(server.version)} " + (
        f"and offers {count} tools." if server.tools or not server.stopped else "and its tools could not be read."
    )
    if server.stopped:
        text += f" The listing is incomplete ({'; '.join(server.stopped)})."
    if server.escaped_names:
        text += (
            f" {server.escaped_names} tool names held control, invisible or direction characters, shown as \\uXXXX "
            "(a gateway sees the real characters)."
        )
    return text


def _deny_sentence(denied: DenyReport | None) -> str:
    if denied is None:
        return ""
    return f" {len(denied.visible)} stay visible under the deny list; {len(denied.unmatched)} patterns match nothing."


def _local_question(config: LocalServerConfig) -> str:
    env = config.env or {}
    lines = [
        "Run this command on this machine to inspect the MCP server it starts?",
        f"command: {_shown(config.command)}; arguments: [{', '.join(_shown(arg) for arg in config.args or [])}].",
        f"Environment: {_assignments(env)}." if env else "Environment: none of its own.",
    ]
    inherited = passed_through()
    if inherited:
        lines.append(f"From registry-mcp's environment: {_assignments(inherited)}.")
    risky = sorted(name for name in env if changes_what_runs(name))
    if risky:
        lines.append(f"Warning: {', '.join(_escaped(name) for name in risky)} change what the process loads or runs.")
    lines.append(
        "It also gets HOME, LOGNAME, PATH, SHELL, TERM and USER, and runs with your user's permissions until the "
        "inspection ends."
    )
    return "\n".join(lines)


def _remote_question(config: RemoteServerConfig) -> str:
    headers = f" with headers {', '.join(_escaped(name) for name in sorted(config.headers))}" if config.headers else ""
    url = _escaped(without_credentials(config.url))
    return f"Connect to the MCP server at {url} ({config.transport}){headers} to inspect it?"


def _assignments(env: dict[str, str]) -> str:
    return ", ".join(f"{_escaped(name)}={_value(name, env[name])}" for name in sorted(env))


def _value(name: str, value: str) -> str:
    if looks_secret(name):
        return "(secret, not shown)"
    if "://" in value:  # a URL: its user, password and query may be credentials
        return _shown(without_credentials(value))
    if not value.startswith(_PATH_STARTS) and _TOKEN_SHAPED.search(value):
        return "(secret, not shown)"
    return _shown(value)


# A long run of letters and digits (both) with no spaces, dots or slashes, outside a path: a token or key.
_TOKEN_SHAPED = re.compile(r"(?=[A-Za-z0-9_+=-]*[0-9])(?=[A-Za-z0-9_+=-]*[A-Za-z])[A-Za-z0-9_+=-]{24,}")
_PATH_STARTS = ("/", "~", "./", "../")
_SHOWN_LIMIT = 500


def _shown(text: str) -> str:
    """A value the person approves, exactly: quoted, with every hidden character written out."""
    return escape(quote(text), _SHOWN_LIMIT)


def _escaped(text: str) -> str:
    return escape(text, _SHOWN_LIMIT)


def fit_inspection(result: InspectResult) -> InspectResult:
    """`result`, made to fit one tool result (measured as it is sent, masked): the tools' input schemas,
    then their descriptions are left out, then the lists are cut from the end. The note says what."""
    notes: list[str] = []
    for step in (_without_schemas, _without_descriptions, _fewer_patterns, _fewer_tools):
        if _sent_size(result) <= MAX_RESULT_CHARS:
            break
        result, note = step(result)
        notes.append(note)
    if not notes:
        return result
    return result.model_copy(update={"note": "To fit one tool result: " + "; ".join(notes) + "."})


def _sent_size(result: InspectResult) -> int:
    data = mask_secrets(result.model_dump(mode="json", exclude_unset=True, exclude_none=True))
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def _tools_updated(result: InspectResult, **update: Any) -> list[InspectedTool]:
    assert result.server is not None
    return [tool.model_copy(update=update) for tool in result.server.tools]


def _with_server(result: InspectResult, **update: Any) -> InspectResult:
    assert result.server is not None
    return result.model_copy(update={"server": result.server.model_copy(update=update)})


def _without_schemas(result: InspectResult) -> tuple[InspectResult, str]:
    return _with_server(
        result, tools=_tools_updated(result, input_schema=None)
    ), "the tools' input schemas are left out"


def _without_descriptions(result: InspectResult) -> tuple[InspectResult, str]:
    fitted = _with_server(result, tools=_tools_updated(result, description=None, annotations=None, title=None))
    return fitted, "the tools' descriptions are left out"


def _fewer_patterns(result: InspectResult) -> tuple[InspectResult, str]:
    denied = result.denied
    if denied is None:
        return result, "nothing more to leave out of the deny report"
    patterns, unmatched = denied.patterns, denied.unmatched
    kept = max(len(patterns), len(unmatched))
    while kept and _sent_size(_cut_patterns(result, kept)) > MAX_RESULT_CHARS:
        kept //= 2
    return _cut_patterns(result, kept), (
        f"the deny report lists only the first {kept:,} of its {len(patterns):,} patterns "
        f"({len(unmatched):,} match nothing)"
    )


def _cut_patterns(result: InspectResult, kept: int) -> InspectResult:
    assert result.denied is not None
    denied = result.denied.model_copy(
        update={"patterns": result.denied.patterns[:kept], "unmatched": result.denied.unmatched[:kept]}
    )
    return result.model_copy(update={"denied": denied})


def _fewer_tools(result: InspectResult) -> tuple[InspectResult, str]:
    assert result.server is not None
    tools = result.server.tools
    kept = len(tools)
    while kept and _sent_size(_cut_tools(result, kept)) > MAX_RESULT_CHARS:
        kept = kept * 3 // 4
    return _cut_tools(result, kept), f"only the first {kept:,} of the {len(tools):,} tools read are listed"


def _cut_tools(result: InspectResult, kept: int) -> InspectResult:
    fitted = _with_server(result, tools=result.server.tools[:kept] if result.server else [])
    if fitted.denied is not None:
        denied = fitted.denied
        cut = {
            "visible": denied.visible[:kept],
            "patterns": [p.model_copy(update={"blocks": p.blocks[:kept]}) for p in denied.patterns],
        }
        fitted = fitted.model_copy(update={"denied": denied.model_copy(update=cut)})
    return fitted


def _target_text(config: LocalServerConfig | RemoteServerConfig) -> str:
    if isinstance(config, LocalServerConfig):
        return _escaped(" ".join([config.command, *(config.args or [])]))
    return _escaped(without_credentials(config.url))

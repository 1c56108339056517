"""The tool that connects to an MCP server, after the person agrees, and reports what it offers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from ..arguments import InspectArguments
from ..client import RegistryClient
from ..denylist import is_denied
from ..errors import InvalidRequest
from ..inspection import InspectedTool, InspectionFailed, deny_report, inspect_server
from ..models import LocalServerConfig, RemoteServerConfig
from ..results import MAX_RESULT_CHARS, InspectResult
from ..settings import ALLOW_LAUNCH_VARIABLE
from ..toolkit import NOT_CONFIRMED, Question, ToolCall

_LAUNCH_NEEDS_SETTING = (
    "this client cannot ask the person to confirm, and launching without asking is off. A person can turn it on "
    f"by starting registry-mcp with --allow-launch ({ALLOW_LAUNCH_VARIABLE}=1)."
)


@dataclass(frozen=True)
class _InspectionTarget:
    config: LocalServerConfig | RemoteServerConfig
    denied_tools: list[Any] | None
    registered: tuple[str, str] | None  # (saved_name, server_version) of a registry entry
    listed_tools: dict[str, Any]  # the registry entry's mcp_config.tools, which '*' spares
    stored_denied: list[Any]  # the registry entry's own deny list, which write_tools must not widen


async def ask_to_inspect(args: InspectArguments, registry: RegistryClient) -> Question:
    denied_tools: list[Any] | None = list(args.denied_tools) if args.denied_tools is not None else None
    registered: tuple[str, str] | None = None
    listed_tools: dict[str, Any] = {}
    stored_denied: list[Any] = []
    if args.config is not None:
        config = args.config
    else:
        assert args.saved_name is not None  # the arguments' own check
        server = await registry.get_server(args.saved_name, args.server_version)
        if server.mcp_config is None:
            raise InvalidRequest(f"'{args.saved_name}' version '{args.server_version}' has no mcp_config to inspect")
        config, registered = server.mcp_config.config, (args.saved_name, args.server_version)
        listed_tools = dict(server.mcp_config.tools or {})
        stored_denied = list(server.mcp_config.denied_tools or [])
        if denied_tools is None:
            denied_tools = stored_denied
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
    return Question(text, facts=_InspectionTarget(config, denied_tools, registered, listed_tools, stored_denied))


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
        server = await inspect_server(target.config)
    except InspectionFailed as failure:
        raise ToolError(f"Could not inspect {shown}: {failure}") from None
    denied = (
        deny_report(server.tools, target.denied_tools, target.listed_tools) if target.denied_tools is not None else None
    )
    wrote, unhiding = False, _unhidden(server.tools, target)
    if args.write_tools and target.registered is not None and (not unhiding or args.allow_unhiding):
        tools: dict[str, Any] = {tool.name: {} for tool in server.tools}
        await call.registry.modify_server(*target.registered, {"mcp_config": {"tools": tools}})
        wrote = True
    result = InspectResult(
        message=f"{server.name} {server.version} ({shown}) offers {len(server.tools)} tools."
        + (
            f" {len(denied.visible)} stay visible under the deny list; {len(denied.unmatched)} patterns match nothing."
            if denied
            else ""
        )
        + _written_sentence(args.write_tools, wrote, unhiding),
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


def _unhidden(tools: list[InspectedTool], target: _InspectionTarget) -> list[str]:
    """The tools the deny list hides now that it would let through once every tool is listed in
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
            f" As asked, {len(unhiding)} tools that '*' denied are now visible through the gateway." if unhiding else ""
        )
        return " Their names were written into the entry's mcp_config.tools." + widened
    if asked and unhiding:
        return (
            f" Their names were NOT written into mcp_config.tools: the deny list holds '*', which the gateway "
            f"does not apply to the keys of tools, so {len(unhiding)} tools it now hides would become visible "
            f"({', '.join(unhiding[:10])}{', …' if len(unhiding) > 10 else ''}). Call again with allow_unhiding: "
            "true only if the person wants them offered."
        )
    return ""

"""The tool that connects to an MCP server, after the person agrees, and reports what it offers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, WithJsonSchema, model_validator

from ..arguments import CLOSED
from ..client import RegistryClient
from ..denylist import is_denied
from ..errors import LocalRefusal
from ..inspection import DenyReport, InspectedServer, InspectedTool, InspectionFailed, deny_report, inspect_server
from ..models import (
    DEFAULT_SERVER_VERSION,
    DeniedToolEntry,
    LocalServerConfig,
    RegistryModel,
    RemoteServerConfig,
    SavedName,
    ServerConfig,
    ServerVersion,
)
from ..results import ToolResult
from ..settings import ALLOW_LAUNCH_VARIABLE
from ..toolkit import NOT_CONFIRMED, Question, ToolCall, registry_tool
from ..wording import agreeing, counted

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


class InspectArguments(RegistryModel):
    model_config = CLOSED

    # Its shape is add_registry_server's mcp_config.config, which the model already has: said once, there.
    config: Annotated[ServerConfig | None, WithJsonSchema({"type": "object"})] = Field(
        default=None, description="The server to inspect, as in add_registry_server's mcp_config.config."
    )
    saved_name: SavedName | None = Field(default=None, description="Or the name of a registered server.")
    server_version: ServerVersion = DEFAULT_SERVER_VERSION
    denied_tools: Annotated[list[DeniedToolEntry] | None, WithJsonSchema({"type": "array"})] = Field(
        default=None,
        description="Deny patterns to check, as in add_registry_server's mcp_config (default: the entry's own).",
    )
    write_tools: bool = Field(
        default=False,
        description="Write the tool names into the registered entry's mcp_config.tools (not past a '*' deny list).",
    )
    allow_unhiding: bool = Field(
        default=False,
        description="true: write them past '*' too, making those tools visible (only if the person wants).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> InspectArguments:
        if (self.config is None) == (self.saved_name is None):
            raise ValueError("give exactly one of 'config' (a server to try) or 'saved_name' (a registered server)")
        if self.write_tools and self.saved_name is None:
            raise ValueError("write_tools needs a registered server: give 'saved_name'")
        return self


class InspectResult(ToolResult):
    """What an MCP server said about itself, and how a deny list would treat its tools."""

    launched: bool = Field(description="false when nothing was started or reached (not confirmed).")
    target: str = Field(description="The command line (environment variable names only) or URL.")
    server: InspectedServer | None = None
    denied: DenyReport | None = None
    wrote_tools: bool = False
    note: str | None = None

    def smaller(self) -> Iterator[InspectResult]:
        """Without the tools' input schemas."""
        if self.server is not None:
            slim = [tool.model_copy(update={"input_schema": None}) for tool in self.server.tools]
            yield self.model_copy(
                update={
                    "server": self.server.model_copy(update={"tools": slim}),
                    "note": "The tools' input schemas are left out: with them the result is too large for one tool "
                    "result.",
                }
            )


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
            raise LocalRefusal(f"'{args.saved_name}' version '{args.server_version}' has no mcp_config to inspect.")
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


@registry_tool(
    title="Inspect an MCP server",
    hint="connect to an MCP server and see what it offers (after the person agrees to start or reach it).",
    read_only=False,
    ask=ask_to_inspect,
)
async def inspect_mcp_server(args: InspectArguments, call: ToolCall) -> InspectResult:
    """Start or reach an MCP server, inline or registered, once the person confirms the command or URL;
    report its capabilities and tools, and what the deny patterns block, leave visible or never match."""
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
    return InspectResult(
        message=f"{server.name} {server.version} ({shown}) offers {counted(len(server.tools), 'tool')}."
        + (
            f" {counted(len(denied.visible), 'tool')} {agreeing(len(denied.visible), 'stays', 'stay')} visible under "
            f"the deny list; {counted(len(denied.unmatched), 'pattern')} "
            f"{agreeing(len(denied.unmatched), 'matches', 'match')} nothing."
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


def _target_text(config: LocalServerConfig | RemoteServerConfig) -> str:
    if isinstance(config, LocalServerConfig):
        return " ".join([config.command, *(config.args or [])])
    return config.url


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

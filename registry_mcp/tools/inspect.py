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
from ..errors import LocalRefusal
from ..inspection import DenyReport, InspectedServer, InspectionFailed, deny_report, inspect_server
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


class InspectArguments(RegistryModel):
    model_config = CLOSED

    # Its shape is add_registry_server's mcp_config.config, which the model already has: said once, there.
    config: Annotated[ServerConfig | None, WithJsonSchema({"type": "object"})] = Field(
        default=None, description="The server to inspect, as in add_registry_server's mcp_config.config."
    )
    saved_name: SavedName | None = Field(default=None, description="Or the name of a registered server.")
    server_version: ServerVersion = DEFAULT_SERVER_VERSION
    denied_tools: list[DeniedToolEntry] | None = Field(
        default=None,
        description="Deny patterns to check (default: the registered entry's own).",
    )
    write_tools: bool = Field(
        default=False,
        description="Write the tool names into the registered entry's mcp_config.tools.",
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
    registered = None
    if args.config is not None:
        config = args.config
    else:
        assert args.saved_name is not None  # the arguments' own check
        server = await registry.get_server(args.saved_name, args.server_version)
        if server.mcp_config is None:
            raise LocalRefusal(f"'{args.saved_name}' version '{args.server_version}' has no mcp_config to inspect.")
        config, registered = server.mcp_config.config, (args.saved_name, args.server_version)
        if denied_tools is None:
            denied_tools = list(server.mcp_config.denied_tools or [])
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
    return Question(text, facts=_InspectionTarget(config, denied_tools, registered))


@registry_tool(
    title="Inspect an MCP server",
    hint="connect to an MCP server and see what it offers (after the person agrees to start or reach it).",
    read_only=False,
    ask=ask_to_inspect,
)
async def inspect_mcp_server(args: InspectArguments, call: ToolCall) -> InspectResult:
    """Start (stdio) or reach (HTTP, SSE) an MCP server, inline or registered, once the person confirms
    the command or URL; report its name, version, capabilities and tools, and what the deny patterns
    block, leave visible or never match."""
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
    wrote = False
    if args.write_tools and target.registered is not None:
        tools: dict[str, Any] = {tool.name: {} for tool in server.tools}
        await call.registry.modify_server(*target.registered, {"mcp_config": {"tools": tools}})
        wrote = True
    denied = deny_report(server.tools, target.denied_tools) if target.denied_tools is not None else None
    return InspectResult(
        message=f"{server.name} {server.version} ({shown}) offers {counted(len(server.tools), 'tool')}."
        + (
            f" {counted(len(denied.visible), 'tool')} {agreeing(len(denied.visible), 'stays', 'stay')} visible under "
            f"the deny list; {counted(len(denied.unmatched), 'pattern')} "
            f"{agreeing(len(denied.unmatched), 'matches', 'match')} nothing."
            if denied
            else ""
        )
        + (" Their names were written into the entry's mcp_config.tools." if wrote else ""),
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

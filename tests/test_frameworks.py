"""registry-mcp's tools in widely used agent frameworks, loaded over stdio and converted the way each
framework converts them before it would send them to a model. No model is called: pydantic-ai runs
with its local `TestModel`, and the OpenAI Agents SDK's conversion is called directly.

The frameworks are in the optional `frameworks` extra (`.ci/run` installs it); without them these
tests are skipped."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import EVERY_TOOL, server_command

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.packaging]

READ_TOOLS = {"get_registry_server", "list_registry_servers", "list_registry_server_gateways"}


def _env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "REGISTRY_MCP_DB": str(tmp_path / "r.db")}


async def test_pydantic_ai_loads_converts_and_calls_the_tools(tmp_path: Path) -> None:
    pytest.importorskip("pydantic_ai")
    from fastmcp.client.transports import StdioTransport
    from pydantic_ai import Agent
    from pydantic_ai.mcp import MCPToolset
    from pydantic_ai.models.test import TestModel

    toolset: MCPToolset[None] = MCPToolset(StdioTransport(command=server_command(), args=[], env=_env(tmp_path)))
    model = TestModel(call_tools=["list_registry_servers"])
    agent = Agent(model, toolsets=[toolset])
    async with agent:
        result = await agent.run("What is in the registry?")
    parameters = model.last_model_request_parameters
    assert parameters is not None
    definitions = {tool.name: tool for tool in parameters.function_tools}
    assert set(definitions) == set(EVERY_TOOL)
    add = definitions["add_registry_server"].parameters_json_schema
    assert add["type"] == "object" and "mcp_config" in add["properties"] and add["required"] == ["saved_name"]
    assert "No servers on page 1" in str(result.output)  # the tool's answer reached the (test) model


async def test_the_openai_agents_sdk_converts_the_tools(tmp_path: Path) -> None:
    pytest.importorskip("agents")
    from agents.mcp import MCPServerStdio, MCPUtil

    params: Any = {"command": server_command(), "args": [], "env": _env(tmp_path)}
    async with MCPServerStdio(params=params, name="registry", client_session_timeout_seconds=30) as server:
        tools = await server.list_tools()
        loose = {tool.name: MCPUtil.to_function_tool(tool, server, convert_schemas_to_strict=False) for tool in tools}
        strict = {tool.name: MCPUtil.to_function_tool(tool, server, convert_schemas_to_strict=True) for tool in tools}
    assert set(loose) == set(EVERY_TOOL)
    for name, function in loose.items():
        assert function.params_json_schema["type"] == "object" and function.description, name
    # OpenAI's strict mode takes the tools whose arguments are closed and flat; the rest stay loose
    # (their payloads carry open objects such as env), which the SDK sends as non-strict.
    assert {name for name, function in strict.items() if function.strict_json_schema} >= READ_TOOLS

"""The server's instructions name exactly the tools a configuration exposes (the ones --tools and --read-only leave)."""

from __future__ import annotations

import re

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

from .conftest import EVERY_TOOL, READ_ONLY_TOOLS

pytestmark = pytest.mark.anyio


def _named_tools(text: str) -> set[str]:
    """Every tool name the text mentions (each ends in _server(s), _config, _gateways, _export or _registry)."""
    names = re.findall(r"\b[a-z]+(?:_[a-z]+)*_(?:servers?|config|gateways|export|registry)\b", text)
    return set(names) - {"mcp_config"}


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(), EVERY_TOOL),
        (Settings(read_only=True), READ_ONLY_TOOLS),
        (
            Settings(tools=("list_*", "get_registry_server")),
            {"list_registry_servers", "list_registry_server_gateways", "get_registry_server"},
        ),
        # Read-only mode wins over the allow-list: delete is allowed but not exposed.
        (Settings(read_only=True, tools=("delete_registry_server", "get_*")), {"get_registry_server"}),
    ],
    ids=["default", "read-only", "allow-list", "read-only-and-allow-list"],
)
async def test_the_instructions_name_exactly_the_exposed_tools(settings: Settings, expected: set[str]) -> None:
    async with Client(create_server(settings)) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        instructions = client.instructions
    assert instructions is not None
    assert listed == expected
    assert _named_tools(instructions) == expected
    # One line per tool, each starting with its name.
    lines = [line for line in instructions.splitlines() if line.startswith("- ")]
    assert sorted(line[2:].split(":")[0] for line in lines) == sorted(expected)

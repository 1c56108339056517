"""Messages a person would write: plurals that agree, no library wording passed through, a connection
failure that says what to try, and a consent form worded for the person who sees it. Every
expectation is the literal text."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.errors import InspectionFailed
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.embedded import RegistryStore
from registry_mcp.registry.models import RemoteServerConfig
from registry_mcp.servers.inspection import inspect_server
from registry_mcp.settings import Settings

from .conftest import Person, server_payload, text_of

pytestmark = pytest.mark.anyio


async def _message(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error and result.structured_content is not None, text_of(result)
    message: str = result.structured_content["message"]
    return message


async def _refusal(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result
    return text_of(result)


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("list_registry_servers", {"page": "two"}, "page: must be a whole number"),
        ("list_registry_servers", {"page": 1.5}, "page: must be a whole number"),
        ("list_registry_servers", {"per_page": 0}, "per_page: must be at least 1"),
        ("list_registry_servers", {"per_page": 101}, "per_page: must be at most 100"),
        ("list_registry_servers", {"is_active": "maybe"}, "is_active: must be true or false"),
        ("get_registry_server", {"saved_name": 7}, "saved_name: must be text"),
        ("get_registry_server", {"saved_name": ""}, "saved_name: must not be empty"),
        ("add_registry_server", {"saved_name": "x" * 33}, "saved_name: must be at most 32 characters"),
        (
            "add_registry_server",
            {"saved_name": "x", "job_id": "nope"},
            "job_id: must be a UUID, such as 123e4567-e89b-12d3-a456-426614174000",
        ),
        (
            "add_registry_server",
            {"saved_name": "x", "mcp_config": {"config": {"url": "https://x", "transport": "ws"}}},
            "mcp_config.config.transport: must be 'streamable_http' or 'sse'",
        ),
        ("bulk_add_registry_servers", {"servers": []}, "servers: must have at least 1 item"),
        (
            "bulk_add_registry_servers",
            {"servers": [server_payload("fine"), {"server_name": "nameless"}]},
            "servers[1].saved_name: required, but missing",
        ),
        (
            "export_registry_servers",
            {"format": "yaml"},
            "format: must be 'gateway', 'gateway_overrides', 'mcpServers', 'claude_desktop', 'vscode', 'windsurf', "
            "'gemini', 'zed', 'codex' or 'claude_managed'",
        ),
    ],
)
async def test_invalid_arguments_are_said_in_words(
    client: Client, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    refused = await _refusal(client, tool, arguments)
    assert refused == f"Error executing tool {tool}: Invalid arguments: {expected}. Nothing was changed."


async def test_counts_agree_with_their_nouns(tmp_path: Path) -> None:
    database = tmp_path / "plural.db"
    async with Client(create_server(Settings(database=str(database)))) as client:
        one = await _message(client, "bulk_add_registry_servers", {"servers": [server_payload("solo")]})
        two = await _message(
            client, "bulk_add_registry_servers", {"servers": [server_payload("duo-1"), server_payload("duo-2")]}
        )
        store = RegistryStore(database)
        store.add_gateway("default", "only-gateway", [("default", "solo", "v1")])
        for name in ("first-gateway", "second-gateway"):
            store.add_gateway("default", name, [("default", "duo-1", "v1")])
        store.close()
        used_once = await _message(client, "list_registry_server_gateways", {"saved_name": "solo"})
        used_twice = await _message(client, "list_registry_server_gateways", {"saved_name": "duo-1"})
        deleted = await _message(client, "delete_registry_server", {"saved_name": "solo", "confirm": True})
        page = await _message(client, "list_registry_servers", {"per_page": 1})
        warned = await _message(
            client, "add_registry_server", server_payload("plain", mcp_config={"config": {"url": "http://x.example/"}})
        )
        config = json.dumps({"mcpServers": {"lone": {"command": "npx", "args": ["-y", "lone-server"]}}})
        imported = await _message(client, "import_client_config", {"source": config, "confirm": True})
    assert one == "Registered 1 server."
    assert two == "Registered 2 servers."
    assert used_once == "1 gateway uses 'solo' version 'v1'."
    assert used_twice == "2 gateways use 'duo-1' version 'v1'."
    assert deleted == "Deleted 'solo' version 'v1'. 1 gateway used it and has lost it: only-gateway v1."
    assert page == "Server 1 of 2."
    assert warned == "Registered 'plain' version 'v1'. 1 warning to look at (see warnings)."
    assert imported == "Registered 1 of 1 server in 1 bulk add. 1 has notes to check (see notes)."


async def test_a_connection_failure_says_what_to_try() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InspectionFailed) as failed:
        await inspect_server(RemoteServerConfig(url=f"http://127.0.0.1:{port}/mcp"))
    assert str(failed.value) == (
        "could not connect to the server: check its URL, that it is running, and this machine's network and proxy "
        "settings (HTTPS_PROXY, NO_PROXY)"
    )


async def test_results_say_where_once(client: Client) -> None:
    added = await client.call_tool("add_registry_server", server_payload("once"))
    read = await client.call_tool("get_registry_server", {"saved_name": "once"})
    for result in (added, read):
        assert result.structured_content is not None
        assert "registry" not in result.structured_content["message"]
        assert text_of(result).count(":memory:") == 1


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_consent_form_is_worded_for_the_person(tmp_path: Path, mode: str) -> None:
    person = Person()
    server = create_server(Settings(database=str(tmp_path / "ask.db")))
    async with Client(server, mode=mode, elicitation_callback=person) as client:  # type: ignore[call-overload]
        await client.call_tool("add_registry_server", server_payload("asked"))
        await client.call_tool("delete_registry_server", {"saved_name": "asked"})
    [question] = person.asked
    # Some clients show the form's title and description: a title for the person, and no description
    # (it was the model's docstring, about elicitation's rules). The typed in-memory path drops the title.
    assert question.requested_schema == {
        "type": "object",
        **({"title": "Your answer"} if mode == "legacy" else {}),
        "properties": {
            "confirm": {
                "type": "boolean",
                "title": "Go ahead",
                "description": "Check to go ahead; leave unchecked to change nothing.",
            }
        },
        "required": ["confirm"],
    }

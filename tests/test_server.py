"""The MCP tools, driven through the protocol by the SDK's in-memory client, in both protocol modes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import Tool

from registry_mcp.mcp.results import MAX_RESULT_CHARS
from registry_mcp.mcp.server import TOOL_NAMES, create_server
from registry_mcp.registry.embedded import RegistryStore
from registry_mcp.settings import Settings

from .conftest import server_payload, text_of

pytestmark = pytest.mark.anyio

API_BODY_FIELDS = {
    "saved_name", "server_version", "is_active", "job_id", "source_url",
    "source_version", "server_name", "description", "mcp_config",
}  # fmt: skip


async def _tools(client: Client) -> dict[str, Tool]:
    return {tool.name: tool for tool in (await client.list_tools()).tools}


async def _ok(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


async def _error(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result
    return text_of(result)


def _properties(schema: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        for name, node in schema.get("properties", {}).items():
            yield name, node
            yield from _properties(node)
        for key in ("items", "additionalProperties"):
            yield from _properties(schema.get(key))
        for branch in schema.get("anyOf", []):
            yield from _properties(branch)


# --- the tool list ------------------------------------------------------------------------------


async def test_every_registry_tool_is_listed(client: Client) -> None:
    assert sorted(await _tools(client)) == sorted(TOOL_NAMES)


async def test_add_takes_the_api_body_fields_as_its_arguments(client: Client) -> None:
    schema = (await _tools(client))["add_registry_server"].input_schema
    assert set(schema["properties"]) == API_BODY_FIELDS | {"dry_run"}
    assert schema["required"] == ["saved_name"]
    assert schema["additionalProperties"] is False
    properties = schema["properties"]
    assert properties["saved_name"]["maxLength"] == 32
    assert properties["saved_name"]["pattern"] == "^[A-Za-z0-9_-]{1,32}$"
    assert properties["job_id"]["format"] == "uuid"
    assert properties["server_version"]["default"] == "v1"
    local, remote = properties["mcp_config"]["properties"]["config"]["anyOf"]
    assert local["required"] == ["command"] and remote["required"] == ["url"]
    assert remote["properties"]["transport"]["enum"] == ["streamable_http", "sse"]
    oauth = properties["mcp_config"]["properties"]["oauth_config"]["properties"]
    assert {"OAUTH_CLIENT_SECRET", "OAUTH_TOKEN_URL", "OAUTH_CUSTOM_HEADERS", "OAUTH_USE_MTLS"} <= set(oauth)


# What the name, type, default or the enclosing description says all of: the arguments described
# nowhere but by their name.
SELF_DESCRIBING = {"server_version", "page", "per_page"}


async def test_every_argument_of_every_tool_is_described(client: Client) -> None:
    for tool in (await _tools(client)).values():
        assert tool.description and tool.output_schema, tool.name
        for name, node in tool.input_schema["properties"].items():
            assert node.get("description") or name in SELF_DESCRIBING, f"{tool.name}: {name} has no description"


async def test_the_oauth_and_guardrail_keys_are_described_once(client: Client) -> None:
    mcp_config = (await _tools(client))["add_registry_server"].input_schema["properties"]["mcp_config"]
    described = [name for name, node in _properties(mcp_config) if node.get("description")]
    assert described == [
        "config",
        "oauth_config",
        "tools",
        "denied_tools",
        "enable_server_info_validation",
        "tool_guardrails_config",
        "input_guardrails_config",
        "output_guardrails_config",
    ]
    oauth = mcp_config["properties"]["oauth_config"]["description"]
    assert "OAUTH_SCOPE space separated" in oauth and "OAUTH_TOKEN_EXPIRY_BUFFER in seconds" in oauth


async def test_read_tools_describe_saved_name_as_the_name_to_look_up(client: Client) -> None:
    tools = await _tools(client)
    for name in ("get_registry_server", "modify_registry_server", "delete_registry_server"):
        assert tools[name].input_schema["properties"]["saved_name"]["description"] == "The name it is registered under."
    assert tools["add_registry_server"].input_schema["properties"]["saved_name"]["description"] == (
        "Its name in the registry, such as 'my-files'."
    )


async def test_annotations_tell_the_truth(client: Client) -> None:
    tools = await _tools(client)
    hints = {name: tool.annotations for name, tool in tools.items()}
    for name in ("get_registry_server", "list_registry_servers", "list_registry_server_gateways"):
        assert hints[name] is not None and hints[name].read_only_hint is True, name
        assert hints[name].idempotent_hint is True, name
    for name in (
        "add_registry_server",
        "bulk_add_registry_servers",
        "modify_registry_server",
        "delete_registry_server",
    ):
        assert hints[name] is not None and hints[name].read_only_hint is False, name
    assert hints["delete_registry_server"].destructive_hint is True  # type: ignore[union-attr]
    assert hints["add_registry_server"].destructive_hint is False  # type: ignore[union-attr]
    assert hints["modify_registry_server"].idempotent_hint is True  # type: ignore[union-attr]
    assert hints["add_registry_server"].idempotent_hint is False  # type: ignore[union-attr]


async def test_instructions_name_the_registry() -> None:
    async with Client(create_server(Settings(database=":memory:"))) as client:
        assert client.instructions is not None
        assert "embedded registry in :memory:" in client.instructions


# --- the whole life of a server -----------------------------------------------------------------


async def test_seed_payload_lives_its_whole_life(client: Client, seed_request: dict[str, Any]) -> None:
    added = await _ok(client, "add_registry_server", seed_request)
    assert added["server"]["registry_id"]
    assert added["registry"] == {"kind": "embedded", "project": "default", "path": ":memory:"}

    read = await _ok(client, "get_registry_server", {"saved_name": "my-filesystem-server"})
    assert {key: value for key, value in read["server"].items() if key in seed_request} == seed_request
    assert read["registry"]["kind"] == "embedded"

    listed = await _ok(client, "list_registry_servers", {})
    assert listed["total"] == 1
    assert listed["servers"] == [
        {
            "saved_name": "my-filesystem-server",
            "server_version": "v1",
            "is_active": True,
            "server_name": seed_request["server_name"],
            "description": seed_request["description"],
            "updated_at": read["server"]["updated_at"],
        }
    ]

    modified = await _ok(
        client,
        "modify_registry_server",
        {"saved_name": "my-filesystem-server", "is_active": False, "mcp_config": {"denied_tools": ["write_*"]}},
    )
    assert modified["server"]["is_active"] is False
    assert modified["server"]["mcp_config"]["denied_tools"] == ["write_*"]
    assert modified["server"]["mcp_config"]["config"] == seed_request["mcp_config"]["config"]

    gateways = await _ok(client, "list_registry_server_gateways", {"saved_name": "my-filesystem-server"})
    assert gateways["gateways"] == []

    # This client cannot ask the person, so the delete needs an explicit confirmation.
    deleted = await _ok(client, "delete_registry_server", {"saved_name": "my-filesystem-server", "confirm": True})
    assert (deleted["saved_name"], deleted["deleted"], deleted["gateways"]) == ("my-filesystem-server", True, [])

    gone = await _error(client, "get_registry_server", {"saved_name": "my-filesystem-server"})
    assert "no such server" in gone and "HTTP 404" in gone


async def test_bulk_add_then_page_through(client: Client) -> None:
    servers = [server_payload(f"srv-{index:03}") for index in range(30)]
    added = await _ok(client, "bulk_add_registry_servers", {"servers": servers})
    assert [summary["saved_name"] for summary in added["added"]] == [server["saved_name"] for server in servers]
    first = await _ok(client, "list_registry_servers", {"per_page": 20})
    second = await _ok(client, "list_registry_servers", {"per_page": 20, "page": first["next_page"]})
    assert (first["total"], first["next_page"], len(first["servers"])) == (30, 2, 20)
    assert (len(second["servers"]), "next_page" in second) == (10, False)


async def test_a_refused_bulk_add_names_every_taken_server(client: Client) -> None:
    await _ok(client, "add_registry_server", server_payload("first"))
    await _ok(client, "add_registry_server", server_payload("third"))
    servers = [server_payload(name) for name in ("first", "second", "third")]
    refused = await _error(client, "bulk_add_registry_servers", {"servers": servers})
    assert "'first' version 'v1'" in refused and "'third' version 'v1'" in refused and "HTTP 409" in refused
    assert "'second'" not in refused


async def test_the_text_block_is_the_structured_content_as_json_said_once(client: Client) -> None:
    result = await client.call_tool("add_registry_server", server_payload("texty"))
    [block] = result.content
    assert block.type == "text" and json.loads(block.text) == result.structured_content
    assert result.structured_content is not None
    # Where it happened is the registry field, said once; the message says what happened.
    assert result.structured_content["message"] == "Registered 'texty' version 'v1'."
    assert result.structured_content["registry"] == {"kind": "embedded", "project": "default", "path": ":memory:"}
    assert block.text.count("memory") == 1


# --- bad input and registry errors --------------------------------------------------------------


async def test_a_duplicate_add_is_a_tool_error_and_the_server_keeps_serving(client: Client) -> None:
    await _ok(client, "add_registry_server", server_payload("twice"))
    message = await _error(client, "add_registry_server", server_payload("twice"))
    assert "already exists" in message and "HTTP 409" in message and "modify_registry_server" in message
    assert (await _ok(client, "list_registry_servers", {}))["total"] == 1


async def test_a_too_long_name_is_refused_naming_the_field(client: Client) -> None:
    message = await _error(client, "add_registry_server", server_payload("x" * 33))
    assert "saved_name: must be at most 32 characters" in message
    assert "Nothing was changed" in message
    message = await _error(client, "add_registry_server", server_payload("名前"))
    assert "saved_name: must contain only ASCII letters, digits, '-' and '_'" in message
    assert (await _ok(client, "list_registry_servers", {}))["total"] == 0


@pytest.mark.parametrize(
    ("mcp_config", "expected"),
    [
        ({"config": {"command": "npx", "url": "https://x"}}, "mcp_config.config: give exactly one of 'command'"),
        ({"config": {"args": ["x"]}}, "mcp_config.config: give exactly one of 'command'"),
        ({}, "mcp_config.config: required, but missing"),
        ({"config": {"url": "https://x", "transport": "ws"}}, "mcp_config.config.transport"),
        (
            {"config": {"command": "npx"}, "denied_tools": "write_*"},
            "mcp_config.denied_tools: must be a list",
        ),
    ],
)
async def test_a_malformed_mcp_config_is_refused_naming_the_problem(
    client: Client, mcp_config: dict[str, Any], expected: str
) -> None:
    message = await _error(client, "add_registry_server", {"saved_name": "bad", "mcp_config": mcp_config})
    assert expected in message
    assert (await _ok(client, "add_registry_server", server_payload("good")))["server"]["saved_name"] == "good"


async def test_an_unknown_argument_is_named_not_dropped(client: Client) -> None:
    message = await _error(client, "add_registry_server", {"saved_name": "x", "enabled": False})
    assert "enabled: not a known field" in message


async def test_an_error_lists_twenty_problems_then_counts_the_rest(client: Client) -> None:
    """20,000 wrong items in a list made a 1.35-million-character error; a key is named by its first
    64 characters, hidden ones escaped."""
    arguments = {"saved_name": "x", "mcp_config": {"config": {"command": "npx", "args": [1] * 20_000}}}
    message = await _error(client, "add_registry_server", arguments | {"dry_run": True})
    assert message.count(": must be text") == 20
    assert "mcp_config.config.args[19]: must be text; and 19980 more problems." in message
    assert len(message) < 3_000
    message = await _error(client, "add_registry_server", {"saved_name": "x", "\u202e" + "k" * 100_000: 1})
    assert "Invalid arguments: \\u202e" + "k" * 57 + "…: not a known field. Nothing" in message  # 64 in all
    assert len(message) < 500


async def test_secret_values_are_not_echoed_in_errors(client: Client) -> None:
    payload = server_payload("leaky", mcp_config={"config": {"command": "npx", "env": {"TOKEN": 12345678}}})
    message = await _error(client, "add_registry_server", payload)
    assert "mcp_config.config.env.TOKEN" in message
    assert "12345678" not in message


async def test_objects_sent_as_json_text_are_decoded(client: Client) -> None:
    payload = server_payload("stringy")
    payload["mcp_config"] = json.dumps(payload["mcp_config"])
    added = await _ok(client, "add_registry_server", payload)
    assert added["server"]["mcp_config"]["config"]["command"] == "npx"


async def test_modify_refuses_to_rename(client: Client) -> None:
    await _ok(client, "add_registry_server", server_payload("fixed"))
    message = await _error(client, "modify_registry_server", {"saved_name": "fixed", "new_name": "other"})
    assert "new_name: not a known field" in message
    message = await _error(client, "modify_registry_server", {"saved_name": "fixed"})
    assert "Nothing to modify" in message


# --- only the tools a user wants, results every client can hold ---------------------------------


async def test_the_allow_list_hides_tools_from_list_and_call() -> None:
    settings = Settings(tools=("list_*", "get_registry_server"))
    async with Client(create_server(settings)) as client:
        assert sorted(await _tools(client)) == [
            "get_registry_server",
            "list_registry_server_gateways",
            "list_registry_servers",
        ]
        message = await _error(client, "add_registry_server", server_payload("hidden"))
        assert "Unknown tool" in message


async def test_read_only_mode_wins_over_the_allow_list() -> None:
    settings = Settings(tools=("add_registry_server", "get_registry_server"), read_only=True)
    async with Client(create_server(settings)) as client:
        assert sorted(await _tools(client)) == ["get_registry_server"]
        assert "Unknown tool" in await _error(client, "add_registry_server", server_payload("no"))
    async with Client(create_server(Settings(read_only=True))) as client:
        tools = await _tools(client)
    assert sorted(tools) == [
        "export_registry_servers",
        "get_registry_server",
        "list_registry_server_gateways",
        "list_registry_servers",
    ]
    assert all(tool.annotations is not None and tool.annotations.read_only_hint for tool in tools.values())


async def test_a_huge_record_is_cut_to_fit_with_a_note(client: Client) -> None:
    tools = {f"tool_{index}": {"description": "d" * 400} for index in range(400)}
    payload = server_payload("huge", mcp_config={"config": {"command": "x"}, "tools": tools})
    for tool, arguments in (("add_registry_server", payload), ("get_registry_server", {"saved_name": "huge"})):
        result = await client.call_tool(tool, arguments)
        assert not result.is_error, text_of(result)
        assert result.structured_content is not None
        assert len(json.dumps(result.structured_content)) <= MAX_RESULT_CHARS
        assert sorted(result.structured_content["server"]["mcp_config"]["tools"]) == sorted(tools)
        assert "400 tools by name only" in result.structured_content["note"]


async def test_a_record_too_large_even_without_tool_details_is_summarised(client: Client) -> None:
    arguments = [f"--option-{index}=" + "v" * 500 for index in range(200)]
    payload = server_payload("wide", description="w" * 1000, mcp_config={"config": {"command": "x", "args": arguments}})
    await _ok(client, "add_registry_server", payload)
    read = await _ok(client, "get_registry_server", {"saved_name": "wide"})
    assert len(json.dumps(read)) <= MAX_RESULT_CHARS
    assert "mcp_config" not in read["server"]
    assert read["server"]["saved_name"] == "wide" and read["server"]["description"].endswith("…")
    assert "only its summary is shown" in read["note"]


async def test_the_size_budget_applies_to_the_masked_result(client: Client) -> None:
    # 100,000 characters of secret values, masked in the result: what is shown fits whole.
    env = {f"VARIABLE_{index}": "v" * 500 for index in range(200)}
    payload = server_payload("secretive", mcp_config={"config": {"command": "x", "env": env}})
    await _ok(client, "add_registry_server", payload)
    read = await _ok(client, "get_registry_server", {"saved_name": "secretive"})
    assert "note" not in read
    assert sorted(read["server"]["mcp_config"]["config"]["env"]) == sorted(env)
    assert "v" * 500 not in json.dumps(read)


async def test_a_long_gateway_list_is_cut_with_a_note(tmp_path: Path) -> None:
    database = tmp_path / "gateways.db"
    async with Client(create_server(Settings(database=str(database)))) as client:
        await _ok(client, "add_registry_server", server_payload("popular"))
        store = RegistryStore(database)
        for index in range(150):
            store.add_gateway("default", f"gateway-{index}-" + "n" * 600, [("default", "popular", "v1")])
        store.close()
        listed = await _ok(client, "list_registry_server_gateways", {"saved_name": "popular"})
    assert len(json.dumps(listed)) <= MAX_RESULT_CHARS
    assert 0 < len(listed["gateways"]) < 150
    assert f"Only the first {len(listed['gateways'])} of 150 gateways" in listed["note"]
    assert listed["message"] == "150 gateways use 'popular' version 'v1'."


async def test_a_full_page_of_long_descriptions_fits(client: Client) -> None:
    servers = [
        server_payload(f"long-{index:03}", description="w" * 5_000, server_name="p" * 500) for index in range(100)
    ]
    await _ok(client, "bulk_add_registry_servers", {"servers": servers})
    result = await client.call_tool("list_registry_servers", {"per_page": 100})
    assert result.structured_content is not None
    assert len(result.structured_content["servers"]) == 100
    assert len(text_of(result)) <= MAX_RESULT_CHARS + 200
    assert result.structured_content["servers"][0]["description"].endswith("…")


async def test_modify_merges_a_partial_config(client: Client) -> None:
    payload = server_payload("partial", mcp_config={"config": {"command": "npx", "args": ["a"], "env": {"A": "1"}}})
    await _ok(client, "add_registry_server", payload)
    changed = await _ok(
        client, "modify_registry_server", {"saved_name": "partial", "mcp_config": {"config": {"env": {"B": "2"}}}}
    )
    assert changed["server"]["mcp_config"]["config"]["command"] == "npx"
    assert changed["server"]["mcp_config"]["config"]["args"] == ["a"]
    assert set(changed["server"]["mcp_config"]["config"]["env"]) == {"A", "B"}
    both = await _error(
        client,
        "modify_registry_server",
        {"saved_name": "partial", "mcp_config": {"config": {"command": "uvx", "url": "https://x"}}},
    )
    assert "give exactly one of 'command'" in both

"""Beyond tools: registry servers as resources, the two prompts, and progress during a bulk add."""

from __future__ import annotations

import json

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, LoggingMessageNotificationParams

from registry_mcp.mcp.server import create_server
from registry_mcp.secrets.masking import MASK
from registry_mcp.settings import Settings

from .conftest import server_payload

pytestmark = pytest.mark.anyio

SECRET_ENV = {"config": {"command": "npx", "args": ["-y", "@example/x"], "env": {"API_TOKEN": "tok-123"}}}


async def test_each_server_is_a_listed_resource_page_by_page(client: Client) -> None:
    servers = [server_payload(f"srv-{index:03}") for index in range(100)]
    await client.call_tool("bulk_add_registry_servers", {"servers": servers})
    await client.call_tool("add_registry_server", server_payload("last", server_version="v2", description="The end."))
    first = await client.list_resources()
    # The server's own resources (the catalog's summary, the pins) come first, then a page of registry servers.
    assert len(first.resources) == 102 and first.next_cursor == "2"
    assert [str(resource.uri) for resource in first.resources[:3]] == [
        "registry://catalog",
        "registry://pins/all",
        "registry://servers/srv-000/v1",
    ]
    second = await client.list_resources(cursor=first.next_cursor)
    [last] = second.resources
    assert (str(last.uri), last.description, last.mime_type) == (
        "registry://servers/last/v2",
        "The end.",
        "application/json",
    )
    assert second.next_cursor is None


async def test_a_server_record_is_read_through_the_template_masked(client: Client) -> None:
    await client.call_tool("add_registry_server", server_payload("keyed", mcp_config=SECRET_ENV))
    templates = (await client.list_resource_templates()).resource_templates
    assert [template.uri_template for template in templates] == [
        "registry://servers/{saved_name}/{server_version}",
        "registry://pins/{which}",
    ]
    [content] = (await client.read_resource("registry://servers/keyed/v1")).contents
    record = json.loads(content.text)  # type: ignore[union-attr]
    assert record["saved_name"] == "keyed" and record["mcp_config"]["config"]["env"] == {"API_TOKEN": MASK}


async def test_show_secrets_reveals_them_in_resources_too() -> None:
    async with Client(create_server(Settings(show_secrets=True))) as client:
        await client.call_tool("add_registry_server", server_payload("keyed", mcp_config=SECRET_ENV))
        [content] = (await client.read_resource("registry://servers/keyed/v1")).contents
    assert json.loads(content.text)["mcp_config"]["config"]["env"] == {"API_TOKEN": "tok-123"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("uri", "says"),
    [("registry://servers/missing/v1", "no such server"), ("registry://servers/bad%20name/v1", "saved_name")],
)
async def test_a_missing_or_invalid_server_uri_is_an_error(client: Client, uri: str, says: str) -> None:
    with pytest.raises(MCPError, match=says):
        await client.read_resource(uri)
    listed = (await client.list_resources()).resources  # and the server still serves: only its own resources
    assert [str(resource.uri) for resource in listed] == ["registry://catalog", "registry://pins/all"]


async def test_the_register_prompt_asks_for_what_is_missing(client: Client) -> None:
    prompts = {prompt.name: prompt for prompt in (await client.list_prompts()).prompts}
    assert set(prompts) == {"register_mcp_server", "review_registry"}
    [argument] = prompts["register_mcp_server"].arguments or []
    assert (argument.name, argument.required) == ("source", True)
    got = await client.get_prompt("register_mcp_server", {"source": " @modelcontextprotocol/server-filesystem "})
    text = got.messages[0].content.text  # type: ignore[union-attr]
    assert 'Register the MCP server "@modelcontextprotocol/server-filesystem"' in text
    assert "add_registry_server" in text and "Never invent a secret" in text
    assert "use_public_registry" not in text  # a package name: worked out as the steps say


async def test_the_register_prompt_points_a_public_name_to_use_public_registry(client: Client) -> None:
    got = await client.get_prompt("register_mcp_server", {"source": "io.github.github/github-mcp-server"})
    text = got.messages[0].content.text  # type: ignore[union-attr]
    assert text.startswith('"io.github.github/github-mcp-server" has the form of a name in the official MCP Registry')
    assert 'use_public_registry\nwith servers: [{"name": "io.github.github/github-mcp-server"}]' in text
    assert "confirm: true" in text and "Never invent a secret" in text


async def test_the_review_prompt_changes_nothing_alone(client: Client) -> None:
    got = await client.get_prompt("review_registry")
    text = got.messages[0].content.text  # type: ignore[union-attr]
    assert "Change nothing unless I confirm" in text and "denied_tools" in text and "guardrail" in text


async def test_a_prompt_without_its_required_argument_is_refused(client: Client) -> None:
    with pytest.raises(MCPError, match="register_mcp_server needs the argument") as failure:
        await client.get_prompt("register_mcp_server", {})
    assert failure.value.code == INVALID_PARAMS


async def test_an_unknown_prompt_is_refused_without_echoing_its_name(client: Client) -> None:
    with pytest.raises(MCPError, match="Unknown prompt; the prompts are: register_mcp_server, review_registry") as f:
        await client.get_prompt("sk-planted-secret-prompt", {})
    assert f.value.code == INVALID_PARAMS and "sk-planted" not in str(f.value)


async def test_a_bulk_add_reports_progress(client: Client) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    servers = [server_payload(f"p-{index}") for index in range(3)]
    result = await client.call_tool("bulk_add_registry_servers", {"servers": servers}, progress_callback=on_progress)
    assert not result.is_error
    assert [(progress, total) for progress, total, _ in seen] == [(0, 3), (3, 3)]
    assert seen[-1][2] == "Registered 3 servers"


async def test_what_the_server_does_is_logged_to_a_client_that_asks_without_secrets() -> None:
    logged: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logged.append(params)

    # On the 2026-07-28 protocol a client opts in to log messages with a level.
    async with Client(create_server(Settings()), logging_callback=on_log, log_level="info") as client:
        await client.call_tool("add_registry_server", server_payload("logged", mcp_config=SECRET_ENV))
        await client.call_tool("get_registry_server", {"saved_name": "missing"})
    texts = [(entry.level, entry.logger, str(entry.data)) for entry in logged]
    assert texts[0][:2] == ("info", "registry-mcp")
    assert texts[0][2].startswith("add_registry_server: Registered 'logged'")
    assert texts[1][0] == "error" and "get_registry_server: Could not get server 'missing'" in texts[1][2]
    assert not any("tok-123" in text for _, _, text in texts)


async def test_nothing_is_logged_where_the_logging_capability_would_be_needed() -> None:
    logged: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logged.append(params)

    async with Client(create_server(Settings()), mode="legacy", logging_callback=on_log) as client:
        await client.call_tool("add_registry_server", server_payload("quiet"))
        capabilities = client.server_capabilities
    assert capabilities is not None and capabilities.logging is None
    assert logged == []

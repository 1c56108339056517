"""A cloud-mode gateway applies the registry's deny list only through its local `local_server_overrides`:
write_registry_export (format 'gateway_overrides') writes that block into the gateway's own config
file, and secure-mcp-gateway's cloud provider, fed the cloud's record of the server, then gives the
registry's deny list (its `_get_local_config`, with only the cloud fetch replaced by the record)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

from ..conftest import Person, text_of
from .oracle import Gateway

pytestmark = pytest.mark.anyio
DENIED = ["create_*", {"name": "delete_repository", "reason": "destructive"}]
SECRET = "oauth-client-secret-7"
GITHUB = {
    "saved_name": "github",
    "description": "GitHub",
    "mcp_config": {
        "config": {"url": "https://api.githubcopilot.com/mcp/"},
        "denied_tools": DENIED,
        "oauth_config": {
            "OAUTH_ENABLED": True,
            "OAUTH_GRANT_TYPE": "client_credentials",
            "OAUTH_CLIENT_ID": "cid",
            "OAUTH_CLIENT_SECRET": SECRET,
            "OAUTH_TOKEN_URL": "https://auth.example/token",
        },
    },
}
PLAIN = {"saved_name": "plain", "mcp_config": {"config": {"command": "npx", "args": ["-y", "@m/plain"]}}}


def _cloud(records: list[dict[str, Any]]) -> dict[str, Any]:
    """GET /mcp-gateway/get-gateway-config's answer for a gateway using these registry records as they are."""
    return {
        "gateway_id": 7,
        "expanded_servers": [
            {key: record[key] for key in ("saved_name", "description", "mcp_config", "is_active") if key in record}
            for record in records
        ],
    }


async def _register_and_write(path: Path, person: Person) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
    async with Client(create_server(Settings()), elicitation_callback=person) as client:
        for record in (GITHUB, PLAIN):
            await client.call_tool("add_registry_server", record)
        records = []
        for name in ("github", "plain"):
            read = await client.call_tool("get_registry_server", {"saved_name": name})
            assert read.structured_content is not None
            records.append(read.structured_content["server"])
        result = await client.call_tool("write_registry_export", {"format": "gateway_overrides", "path": str(path)})
    assert result.structured_content is not None, text_of(result)
    return result.structured_content, text_of(result), records


async def test_a_cloud_mode_gateway_applies_the_deny_list_once_the_overrides_are_written(gateway: Gateway) -> None:
    [generated] = gateway.run(gateway.command("generate"))
    assert generated["exit"] == 0
    before = json.loads(gateway.config_path.read_text())
    person = Person()
    written, text, records = await _register_and_write(gateway.config_path, person)
    assert written["written"] is True and written["added"] == 2, text
    assert SECRET not in text
    after = json.loads(gateway.config_path.read_text())
    cloud = _cloud([GITHUB, PLAIN])  # the cloud's record holds the real values (get_registry_server masks them)
    assert records[0]["mcp_config"]["denied_tools"] == DENIED  # what the registry holds

    # Without the block (the file as generated), the cloud-mode gateway denies nothing.
    gateway.config_path.write_text(json.dumps(before))
    [unapplied] = gateway.run({"op": "cloud", "response": cloud})
    assert all("denied_tools" not in entry for entry in unapplied["mcp_config"])

    # With it, the gateway's own code gives each server the registry's deny list.
    gateway.config_path.write_text(json.dumps(after))
    [mapped] = gateway.run({"op": "cloud", "response": cloud})
    by_name = {entry["server_name"]: entry for entry in mapped["mcp_config"]}
    assert by_name["github"]["denied_tools"] == DENIED
    assert by_name["plain"]["denied_tools"] == []
    assert by_name["github"]["oauth_config"]["OAUTH_CLIENT_SECRET"] == SECRET

    # Every other block of the file is kept, and the gateway still validates it.
    assert {key: value for key, value in after.items() if key != "local_server_overrides"} == before
    [validated] = gateway.run(gateway.command("validate", config="default_config"))
    assert validated["exit"] == 0, validated["output"]
    [question] = person.asked
    assert '"delete_repository"' in question.message and SECRET not in question.message


async def test_the_block_is_merged_by_saved_name_keeping_the_others(tmp_path: Path) -> None:
    path = tmp_path / "enkrypt_mcp_config.json"
    other = {"sandbox": {"enabled": True}}
    path.write_text(json.dumps({"plugins": {}, "local_server_overrides": {"other": other, "plain": {"x": 1}}}))
    written, _, _ = await _register_and_write(path, Person())
    assert (written["added"], written["replaced"], written["kept"]) == (1, 1, 1)
    block = json.loads(path.read_text())["local_server_overrides"]
    assert block["other"] == other and block["plain"] == {"denied_tools": []}


async def test_a_file_that_is_not_a_gateway_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"mcpServers": {}}))
    async with Client(create_server(Settings()), elicitation_callback=Person()) as client:
        await client.call_tool("add_registry_server", GITHUB)
        result = await client.call_tool("write_registry_export", {"format": "gateway_overrides", "path": str(path)})
    assert result.is_error and "not a secure-mcp-gateway config" in text_of(result)
    assert json.loads(path.read_text()) == {"mcpServers": {}}


async def test_results_on_the_cloud_registry_say_where_a_cloud_gateway_takes_the_deny_list(settings: Settings) -> None:
    cloud = settings.api_key is not None
    async with Client(create_server(settings)) as client:
        added = await client.call_tool("add_registry_server", GITHUB)
        plain = await client.call_tool("add_registry_server", PLAIN)
        read = await client.call_tool("get_registry_server", {"saved_name": "github"})
        changed = await client.call_tool(
            "modify_registry_server", {"saved_name": "plain", "mcp_config": {"denied_tools": ["write_*"]}}
        )
    for result in (added, read, changed):
        assert ("local_server_overrides" in text_of(result)) is cloud, text_of(result)
        assert ("'gateway_overrides'" in text_of(result)) is cloud
    assert "local_server_overrides" not in text_of(plain)

"""Secrets given as {"from_env": NAME} or {"from_file": PATH}: read by registry-mcp on stdio, stored as
the real value (the gateway expands no reference), never shown back, refused over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.errors import SourceRefused
from registry_mcp.mcp.server import create_server
from registry_mcp.secrets.sources import resolve_sources
from registry_mcp.settings import Settings

from .conftest import stored_record, text_of

pytestmark = pytest.mark.anyio
TOKEN = "ghp_FromTheEnvironment0123456789abcdefXYZ"
FILE_TOKEN = "file-secret-value-42"
GITHUB = {
    "saved_name": "github",
    "mcp_config": {
        "config": {
            "command": "docker",
            "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "<to be supplied: GITHUB_PERSONAL_ACCESS_TOKEN>"},
        }
    },
}


def _everything(result: Any) -> str:
    return text_of(result) + repr(result.structured_content)


async def test_a_token_from_the_environment_is_stored_and_never_shown(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_GITHUB_TOKEN", TOKEN)
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", GITHUB)
        changed = await client.call_tool(
            "modify_registry_server",
            {
                "saved_name": "github",
                "mcp_config": {
                    "config": {"env": {"GITHUB_PERSONAL_ACCESS_TOKEN": {"from_env": "MY_GITHUB_TOKEN"}}},
                    "denied_tools": ["create_*", "delete_*", "update_*"],
                },
            },
        )
    assert not changed.is_error, text_of(changed)
    assert TOKEN not in _everything(changed)
    stored = await stored_record(settings, "github")
    assert stored["mcp_config"]["config"]["env"] == {"GITHUB_PERSONAL_ACCESS_TOKEN": TOKEN}
    assert stored["mcp_config"]["denied_tools"] == ["create_*", "delete_*", "update_*"]


async def test_a_header_from_a_file_is_stored_without_its_final_newline(tmp_path: Path) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text(FILE_TOKEN + "\n")
    database = tmp_path / "r.db"
    remote = {
        "saved_name": "remote",
        "mcp_config": {
            "config": {"url": "https://mcp.example/mcp", "headers": {"Authorization": {"from_file": str(secret_file)}}}
        },
    }
    async with Client(create_server(Settings(database=str(database)))) as client:
        added = await client.call_tool("add_registry_server", remote)
    assert not added.is_error and FILE_TOKEN not in _everything(added)
    stored = await stored_record(Settings(database=str(database)), "remote")
    assert stored["mcp_config"]["config"]["headers"] == {"Authorization": FILE_TOKEN}


async def test_over_http_a_source_is_refused_and_nothing_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_GITHUB_TOKEN", TOKEN)
    asking = {**GITHUB, "mcp_config": {"config": {"command": "npx", "env": {"T": {"from_env": "MY_GITHUB_TOKEN"}}}}}
    async with Client(create_server(Settings(over_http=True))) as client:
        refused = await client.call_tool("add_registry_server", asking)
        listed = await client.call_tool("list_registry_servers", {})
    assert refused.is_error and "only when registry-mcp serves over stdio" in text_of(refused)
    assert TOKEN not in _everything(refused)
    assert listed.structured_content is not None and listed.structured_content["servers"] == []


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"env": {"T": {"from_env": "NOT_SET_ANYWHERE_1"}}}, "env.T.from_env: 'NOT_SET_ANYWHERE_1' is not set"),
        ({"env": {"T": {"from_env": ""}}}, "env.T.from_env: give an environment variable's name"),
        ({"env": {"T": {"from_file": "relative/token"}}}, "env.T.from_file: give an absolute path"),
        ({"env": {"T": {"from_file": "/no/such/file/here"}}}, "env.T.from_file: cannot read it"),
        ({"args": [{"from_env": "HOME"}]}, "args[0]: {from_env: ...} is taken only as a value of env or headers"),
        ({"description": {"from_env": "HOME"}}, "description: {from_env: ...} is taken only"),
    ],
)
def test_a_source_that_cannot_be_read_is_refused_naming_the_field(arguments: dict[str, Any], says: str) -> None:
    with pytest.raises(SourceRefused) as refused:
        resolve_sources(arguments)
    assert says in str(refused.value)


def test_a_secret_named_field_and_plain_objects_are_taken_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENT_SECRET_SOURCE", "s3cret")
    resolved, read = resolve_sources(
        {"oauth_config": {"OAUTH_CLIENT_SECRET": {"from_env": "CLIENT_SECRET_SOURCE"}}, "tools": {"from_env": {}}}
    )
    assert resolved == {"oauth_config": {"OAUTH_CLIENT_SECRET": "s3cret"}, "tools": {"from_env": {}}}
    assert read == {"s3cret"}

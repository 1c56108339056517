"""Secrets stay secret: masked in results, kept on the way back, and the API key never shown."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.session import ClientSession
from mcp.client.stdio import stdio_client

from registry_mcp import RegistryClient
from registry_mcp.masking import MASK, MaskWithoutSecret, looks_secret, mask_secrets, restore_masked
from registry_mcp.server import create_server
from registry_mcp.settings import Settings

from .conftest import LiveRegistry, server_command, server_payload, stored_record

pytestmark = pytest.mark.anyio

SECRET_MCP_CONFIG: dict[str, Any] = {
    "config": {
        "command": "npx",
        "args": ["-y", "@example/server"],
        "env": {"GITHUB_TOKEN": "ghp_env_secret", "MODE": "fast"},
    },
    "oauth_config": {
        "enabled": True,
        "OAUTH_CLIENT_ID": "client-id-visible",
        "OAUTH_CLIENT_SECRET": "oauth-client-secret",
        "OAUTH_TOKEN_URL": "https://auth.example/token",
        "OAUTH_CLIENT_KEY_PATH": "/etc/keys/client.pem",
        "OAUTH_CUSTOM_HEADERS": {"X-Org-Auth": "custom-header-secret"},
        "OAUTH_TOKEN_EXPIRY_BUFFER": 300,
    },
    "tool_guardrails_config": {
        "enabled": True,
        "guardrail_name": "policy",
        "additional_config": {"password": "pw-secret"},
    },
}
SECRETS = ("ghp_env_secret", "fast", "oauth-client-secret", "custom-header-secret", "pw-secret")


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("OAUTH_CLIENT_SECRET", True), ("api_token", True), ("apiKey", True), ("db_password", True),
        ("X-Api-Key", True), ("OAUTH_TOKEN_URL", False), ("OAUTH_CLIENT_KEY_PATH", False),
        ("OAUTH_TOKEN_IN_HEADER_ONLY", False), ("monkey", False), ("command", False), ("OAUTH_CLIENT_ID", False),
    ],
)  # fmt: skip
def test_which_keys_look_secret(key: str, secret: bool) -> None:
    assert looks_secret(key) is secret


def test_mask_covers_every_secret_and_nothing_else() -> None:
    masked = mask_secrets({"mcp_config": SECRET_MCP_CONFIG})["mcp_config"]
    assert masked["config"]["env"] == {"GITHUB_TOKEN": MASK, "MODE": MASK}
    assert masked["config"]["args"] == SECRET_MCP_CONFIG["config"]["args"]
    oauth = masked["oauth_config"]
    assert oauth["OAUTH_CLIENT_SECRET"] == MASK and oauth["OAUTH_CUSTOM_HEADERS"] == {"X-Org-Auth": MASK}
    assert oauth["OAUTH_CLIENT_ID"] == "client-id-visible" and oauth["OAUTH_TOKEN_URL"].startswith("https://")
    assert oauth["OAUTH_CLIENT_KEY_PATH"] == "/etc/keys/client.pem" and oauth["OAUTH_TOKEN_EXPIRY_BUFFER"] == 300
    assert masked["tool_guardrails_config"]["additional_config"] == {"password": MASK}
    remote = mask_secrets({"config": {"url": "https://x", "headers": {"Authorization": "Bearer abc"}}})
    assert remote["config"]["headers"] == {"Authorization": MASK}
    assert "mask" in MASK  # the mask says it is one


def test_restore_puts_stored_secrets_back_and_refuses_a_mask_with_nothing_behind_it() -> None:
    stored = {"env": {"A": "real-a"}, "list": ["one"]}
    assert restore_masked({"env": {"A": MASK}, "list": [MASK]}, stored) == stored
    with pytest.raises(MaskWithoutSecret, match=r"env\.B"):
        restore_masked({"env": {"B": MASK}}, stored)


# --- through the MCP tools, on both registries --------------------------------------------------


async def test_results_mask_secrets_unless_asked(settings: Settings) -> None:
    payload = server_payload("secretive", mcp_config=SECRET_MCP_CONFIG)
    async with Client(create_server(settings)) as client:
        for result in (
            await client.call_tool("add_registry_server", payload),
            await client.call_tool("get_registry_server", {"saved_name": "secretive"}),
            await client.call_tool("modify_registry_server", {"saved_name": "secretive", "description": "x"}),
        ):
            seen = json.dumps(result.structured_content) + "".join(block.text for block in result.content)
            assert not result.is_error
            assert MASK in seen
            assert not [secret for secret in SECRETS if secret in seen]
    revealing = Settings(**{**settings.__dict__, "show_secrets": True})
    async with Client(create_server(revealing)) as client:
        result = await client.call_tool("get_registry_server", {"saved_name": "secretive"})
    assert result.structured_content is not None
    assert result.structured_content["server"]["mcp_config"]["config"]["env"]["GITHUB_TOKEN"] == "ghp_env_secret"


@pytest.mark.parametrize("replace", [False, True])
async def test_a_masked_record_sent_back_keeps_its_secrets(settings: Settings, replace: bool) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("roundtrip", mcp_config=SECRET_MCP_CONFIG))
        read = await client.call_tool("get_registry_server", {"saved_name": "roundtrip"})
        assert read.structured_content is not None
        mcp_config = copy.deepcopy(read.structured_content["server"]["mcp_config"])
        mcp_config["denied_tools"] = ["delete_*"]
        changed = await client.call_tool(
            "modify_registry_server",
            {"saved_name": "roundtrip", "mcp_config": mcp_config, "replace_mcp_config": replace},
        )
        assert not changed.is_error, changed.content
    stored = (await stored_record(settings, "roundtrip"))["mcp_config"]
    assert stored["config"]["env"] == SECRET_MCP_CONFIG["config"]["env"]
    assert stored["oauth_config"]["OAUTH_CLIENT_SECRET"] == "oauth-client-secret"
    assert stored["oauth_config"]["OAUTH_CUSTOM_HEADERS"] == {"X-Org-Auth": "custom-header-secret"}
    assert stored["tool_guardrails_config"]["additional_config"] == {"password": "pw-secret"}
    assert stored["denied_tools"] == ["delete_*"]
    assert MASK not in json.dumps(stored)


async def test_a_mask_where_no_secret_is_stored_is_refused(settings: Settings) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("plain"))
        refused = await client.call_tool(
            "modify_registry_server",
            {"saved_name": "plain", "mcp_config": {"config": {"env": {"NEW_TOKEN": MASK}}}, "description": "no"},
        )
        added = await client.call_tool(
            "add_registry_server", server_payload("masked", mcp_config={"config": {"command": "x", "env": {"K": MASK}}})
        )
    assert refused.is_error and "mcp_config.config.env.NEW_TOKEN" in refused.content[0].text  # type: ignore[union-attr]
    assert added.is_error and "mcp_config.config.env.K" in added.content[0].text  # type: ignore[union-attr]
    stored = await stored_record(settings, "plain")
    assert "description" not in stored or stored["description"] is None
    async with settings.open_client() as registry:
        assert (await registry.list_servers()).pagination.total == 1


# --- the API key, planted and looked for everywhere ---------------------------------------------

PLANTED_KEY = "sk-PLANTED-7f3a9c1e5b2d4a6f8e0c"


async def test_the_api_key_appears_nowhere_in_a_whole_session(tmp_path: Path) -> None:
    stderr_path = tmp_path / "stderr.txt"
    seen: list[str] = []
    with LiveRegistry(tmp_path / "cloud.db", api_key=PLANTED_KEY) as live, stderr_path.open("w") as errlog:
        parameters = StdioServerParameters(
            command=server_command(),
            args=["--log-level", "DEBUG"],
            env={"PATH": os.environ.get("PATH", ""), "ENKRYPT_API_KEY": PLANTED_KEY, "ENKRYPT_BASE_URL": live.url},
        )
        async with stdio_client(parameters, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            initialized = await session.initialize()
            seen.append(initialized.model_dump_json())
            seen.append((await session.list_tools()).model_dump_json())
            calls: list[tuple[str, dict[str, Any]]] = [
                ("add_registry_server", server_payload("keyed", mcp_config=SECRET_MCP_CONFIG)),
                ("add_registry_server", server_payload("keyed")),  # 409
                ("add_registry_server", {"saved_name": "bad name", "apikey": PLANTED_KEY}),  # invalid
                ("get_registry_server", {"saved_name": "keyed"}),
                ("get_registry_server", {"saved_name": "missing"}),  # 404
                ("modify_registry_server", {"saved_name": "keyed", "is_active": False}),
                ("list_registry_servers", {"per_page": 500}),  # invalid
                ("list_registry_servers", {}),
                ("list_registry_server_gateways", {"saved_name": "keyed"}),
                ("delete_registry_server", {"saved_name": "keyed"}),  # not confirmed
                ("delete_registry_server", {"saved_name": "keyed", "confirm": True}),
            ]
            for name, arguments in calls:
                seen.append((await session.call_tool(name, arguments)).model_dump_json())
    # And a session whose key the registry refuses.
    async with RegistryClient(PLANTED_KEY + "-wrong", base_url="https://127.0.0.1:1") as wrong:
        seen.append(repr(wrong))
    logs = stderr_path.read_text()
    assert "HTTP Request" in logs or "Tool" in logs  # the scan read real logs
    for text in (*seen, logs):
        assert PLANTED_KEY not in text
    assert not [secret for secret in SECRETS if any(secret in text for text in seen)]

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
from registry_mcp.errors import MaskWithoutSecret
from registry_mcp.gateway.lint import lint_server
from registry_mcp.mcp.registries import open_registry
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.models import ServerPayload
from registry_mcp.secrets.masking import MASK, looks_secret, mask_secrets, restore_masked
from registry_mcp.settings import Settings

from .conftest import LiveRegistry, server_command, server_payload, stored_record, text_of

pytestmark = pytest.mark.anyio

SECRET_MCP_CONFIG: dict[str, Any] = {
    "config": {
        "command": "npx",
        "args": ["-y", "@example/server"],
        "env": {"GITHUB_TOKEN": "ghp_env_secret", "EXTRA_OPTIONS": "fast", "LOG_LEVEL": "debug"},
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
    # Every env value is a secret, whatever its name says.
    assert masked["config"]["env"] == {"GITHUB_TOKEN": MASK, "EXTRA_OPTIONS": MASK, "LOG_LEVEL": MASK}
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


def _holds(actual: Any, expected: Any) -> bool:
    """Whether `actual` has every key and value of `expected` (the registry may add defaults)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(_holds(actual.get(key), value) for key, value in expected.items())
    return bool(actual == expected)


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
    async with open_registry(settings) as registry:
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


# --- secrets recognised by what they are, at every new position ---------------------

GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
# Each new position: a record holding a secret there, and the secret texts it holds.
POSITIONS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "args flags": (
        {"config": {"command": "npx", "args": ["-y", "srv", "--token", "tok-arg-1", "--api-key=key-arg-2"]}},
        ("tok-arg-1", "key-arg-2"),
    ),
    "docker -e": (
        {"config": {"command": "docker", "args": ["run", "-e", "API_TOKEN=tok-docker-3", "img"]}},
        ("tok-docker-3",),
    ),
    "url userinfo and query": (
        {"config": {"url": "https://u:url-pass-4@mcp.example/mcp?api_key=url-key-5&region=eu"}},
        ("url-pass-4", "url-key-5"),
    ),
    "dsn in args": (
        {"config": {"command": "npx", "args": ["-y", "pg", "postgres://app:dsn-pass-6@db.internal:5432/app"]}},
        ("dsn-pass-6",),
    ),
    "token shape anywhere": (
        {"config": {"command": "npx", "args": [GITHUB_TOKEN]}},
        (GITHUB_TOKEN,),
    ),
    "oauth additional params": (
        {
            "config": {"url": "https://mcp.example/mcp"},
            "oauth_config": {
                "enabled": True,
                "OAUTH_ADDITIONAL_PARAMS": {"client_assertion": "assertion-7", "private_pem": "pem-8", "aud": "x"},
            },
        },
        ("assertion-7", "pem-8"),
    ),
    "lists and numbers under secret keys": (
        {
            "config": {"command": "npx"},
            "tool_guardrails_config": {
                "enabled": True,
                "guardrail_name": "p",
                "additional_config": {
                    "api_keys": ["list-key-9", "list-key-10", "list-key-11"],
                    "pin_token": 7777777777777,
                },
            },
        },
        ("list-key-9", "list-key-10", "list-key-11", "7777777777777"),
    ),
}


@pytest.mark.parametrize("position", list(POSITIONS))
async def test_a_secret_at_a_new_position_is_masked_and_kept_when_sent_back(settings: Settings, position: str) -> None:
    mcp_config, secrets = POSITIONS[position]
    async with Client(create_server(settings)) as client:
        added = await client.call_tool("add_registry_server", server_payload("positions", mcp_config=mcp_config))
        read = await client.call_tool("get_registry_server", {"saved_name": "positions"})
        for result in (added, read):
            assert not result.is_error, result.content
            seen = json.dumps(result.structured_content) + "".join(block.text for block in result.content)  # type: ignore[union-attr]
            assert MASK in seen and not [secret for secret in secrets if secret in seen]
        assert read.structured_content is not None
        sent_back = copy.deepcopy(read.structured_content["server"]["mcp_config"])
        sent_back["denied_tools"] = ["delete_*"]
        changed = await client.call_tool(
            "modify_registry_server", {"saved_name": "positions", "mcp_config": sent_back, "replace_mcp_config": True}
        )
        assert not changed.is_error, changed.content
    stored = (await stored_record(settings, "positions"))["mcp_config"]
    assert _holds(stored, mcp_config)
    assert stored["denied_tools"] == ["delete_*"] and MASK not in json.dumps(stored)


async def test_a_masked_url_sent_back_for_another_host_is_refused(settings: Settings) -> None:
    mcp_config = {"config": {"url": "https://u:url-pass-4@mcp.example/mcp?api_key=url-key-5"}}
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("moving", mcp_config=mcp_config))
        read = await client.call_tool("get_registry_server", {"saved_name": "moving"})
        assert read.structured_content is not None
        masked_url = read.structured_content["server"]["mcp_config"]["config"]["url"]
        refused = await client.call_tool(
            "modify_registry_server",
            {
                "saved_name": "moving",
                "mcp_config": {"config": {"url": masked_url.replace("mcp.example", "evil.example")}},
            },
        )
    assert refused.is_error and "mcp_config.config.url" in text_of(refused)
    assert "url-pass-4" not in text_of(refused) and "evil.example" not in text_of(refused)
    assert (await stored_record(settings, "moving"))["mcp_config"] == mcp_config


MASK_VARIANTS = [
    MASK + "\n",
    MASK + " ",
    "  " + MASK,
    "\u201c" + MASK + "\u201d",
    "'" + MASK + "'",
    MASK.upper(),
    "Bearer " + MASK,
    "<masked secret: unchanged",
]


@pytest.mark.parametrize("variant", MASK_VARIANTS)
async def test_every_write_path_refuses_a_mask_variant(settings: Settings, variant: str) -> None:
    masked = server_payload("variant", mcp_config={"config": {"command": "npx", "env": {"API_TOKEN": variant}}})
    async with Client(create_server(settings)) as client:
        await client.call_tool(
            "add_registry_server",
            server_payload("kept", mcp_config={"config": {"command": "npx", "env": {"API_TOKEN": "kept-secret"}}}),
        )
        results = {
            "add": await client.call_tool("add_registry_server", masked),
            "bulk": await client.call_tool("bulk_add_registry_servers", {"servers": [server_payload("ok"), masked]}),
            "validate": await client.call_tool("add_registry_server", {**masked, "dry_run": True}),
            "modify": await client.call_tool(
                "modify_registry_server",
                {"saved_name": "kept", "mcp_config": {"config": {"env": {"API_TOKEN": variant}}}},
            ),
            "modify args": await client.call_tool(
                "modify_registry_server",
                {"saved_name": "kept", "mcp_config": {"config": {"args": ["--x", variant]}}},
            ),
        }
    for name, result in results.items():
        assert result.is_error, name
        assert "mcp_config.config." in text_of(result), (name, text_of(result))
    async with open_registry(settings) as registry:
        assert [server.saved_name for server in (await registry.list_servers()).data] == ["kept"]
    kept = (await stored_record(settings, "kept"))["mcp_config"]["config"]
    assert kept["env"] == {"API_TOKEN": "kept-secret"} and kept.get("args", []) == []


# --- lint warns about each inline secret found by what it is ------------------------------------

INLINE: list[tuple[dict[str, Any], list[str]]] = [
    (
        {
            "config": {
                "command": "npx",
                "args": ["-y", "srv", "--token", "tok-arg-1", "--api-key=key-arg-2", "--port", "1"],
            }
        },
        ["mcp_config.config.args[3]", "mcp_config.config.args[4]"],
    ),
    (
        {"config": {"command": "docker", "args": ["run", "-e", "API_TOKEN=tok-docker-3", "-e", "GITHUB_TOKEN", "img"]}},
        ["mcp_config.config.args[2]"],
    ),
    ({"config": {"url": "https://u:url-pass-4@mcp.example/mcp?api_key=url-key-5"}}, ["mcp_config.config.url"]),
    ({"config": {"url": "https://mcp.example/sse?token=tok-6"}}, ["mcp_config.config.url"]),
    (
        {
            "config": {
                "command": "npx",
                "args": ["pg", "postgres://app:dsn-pass-6@db/app"],
                "env": {"DB_URL": "redis://:r-pw@c"},
            }
        },
        ["mcp_config.config.args[1]"],  # env is masked by name: a secret there is not flagged
    ),
    ({"config": {"command": "npx", "args": [GITHUB_TOKEN]}}, ["mcp_config.config.args[0]"]),
    (
        {"config": {"command": "npx", "args": ["--header", "Authorization: Bearer abc123def456"]}},
        ["mcp_config.config.args[1]"],
    ),
    (
        {"config": {"command": "npx", "args": ["--token", "${GITHUB_TOKEN}", "--header", "Authorization:${AUTH}"]}},
        [],
    ),
]


@pytest.mark.parametrize(("mcp_config", "fields"), INLINE)
def test_lint_names_each_inline_secret_by_its_field(mcp_config: dict[str, Any], fields: list[str]) -> None:
    payload = ServerPayload.model_validate({"saved_name": "x", "mcp_config": mcp_config})
    assert [finding.field for finding in lint_server(payload)] == fields


async def test_a_dry_run_warns_about_inline_secrets_without_quoting_them(settings: Settings) -> None:
    mcp_config, secrets = POSITIONS["url userinfo and query"]
    async with Client(create_server(settings)) as client:
        checked = await client.call_tool(
            "add_registry_server", server_payload("inline", mcp_config=mcp_config, dry_run=True)
        )
    assert checked.structured_content is not None and checked.structured_content["can_register"] is True
    assert [warning["field"] for warning in checked.structured_content["warnings"]] == ["mcp_config.config.url"]
    assert "inline" in checked.structured_content["warnings"][0]["problem"]
    seen = text_of(checked) + json.dumps(checked.structured_content)
    assert not [secret for secret in secrets if secret in seen]


async def test_resources_and_every_export_format_mask_the_new_positions(settings: Settings) -> None:
    secrets = [secret for _, held in POSITIONS.values() for secret in held]
    async with Client(create_server(settings)) as client:
        for index, (mcp_config, _) in enumerate(POSITIONS.values()):
            added = await client.call_tool(
                "add_registry_server", server_payload(f"shown-{index}", mcp_config=mcp_config)
            )
            assert not added.is_error, text_of(added)
        seen = []
        for index in range(len(POSITIONS)):
            [content] = (await client.read_resource(f"registry://servers/shown-{index}/v1")).contents
            seen.append(content.model_dump_json())
        for format in ("gateway", "mcpServers", "vscode"):
            exported = await client.call_tool("export_registry_servers", {"format": format})
            assert not exported.is_error, text_of(exported)
            seen += [text_of(exported), json.dumps(exported.structured_content)]
    assert all(MASK in text or MASK.replace("<", "\\u003c") in text for text in seen)
    assert [secret for secret in secrets if any(secret in text for text in seen)] == []

"""The payload models: the contract's constraints, the seed example, and round-tripping."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from registry_mcp.registry.models import (
    LocalServerConfig,
    McpConfig,
    RegistryServer,
    RemoteServerConfig,
    ServerChanges,
    ServerPayload,
)
from registry_mcp.registry.patching import apply_modify

CONFIG = {"config": {"command": "npx"}}


def test_saved_name_of_32_characters_is_accepted() -> None:
    assert ServerPayload.model_validate({"saved_name": "a" * 32}).saved_name == "a" * 32


@pytest.mark.parametrize("name", ["a" * 33, "a b", "名前", "", "semi;colon", "dot.ted"])
def test_saved_name_outside_the_contract_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ServerPayload.model_validate({"saved_name": name})
    assert {tuple(error["loc"]) for error in refused.value.errors()} == {("saved_name",)}


def test_letters_digits_dash_and_underscore_are_accepted() -> None:
    assert ServerPayload.model_validate({"saved_name": "My_server-2"}).saved_name == "My_server-2"


def test_job_id_must_be_a_uuid() -> None:
    with pytest.raises(ValidationError) as refused:
        ServerPayload.model_validate({"saved_name": "x", "job_id": "not-a-uuid"})
    assert refused.value.errors()[0]["loc"] == ("job_id",)
    assert ServerPayload.model_validate({"saved_name": "x", "job_id": None}).job_id is None


def test_defaults_are_the_contracts_but_are_not_sent() -> None:
    payload = ServerPayload.model_validate({"saved_name": "x"})
    assert (payload.server_version, payload.is_active) == ("v1", True)
    assert payload.to_api() == {"saved_name": "x"}


def test_seed_request_validates_and_dumps_back_equal(seed_request: dict[str, Any]) -> None:
    payload = ServerPayload.model_validate(seed_request)
    assert isinstance(payload.mcp_config, McpConfig)
    assert isinstance(payload.mcp_config.config, LocalServerConfig)
    assert payload.to_api() == seed_request


def test_seed_response_validates_as_a_registry_server(seed_response: dict[str, Any]) -> None:
    server = RegistryServer.model_validate(seed_response["data"])
    assert server.mcp_config is not None and server.mcp_config.oauth_config is not None
    assert server.mcp_config.oauth_config.OAUTH_TOKEN_EXPIRY_BUFFER == 300
    assert server.mcp_config.denied_tools is not None
    assert server.mcp_config.denied_tools[0] == "delete_*"
    assert server.mcp_config.denied_tools[1].name == "write_file"  # type: ignore[union-attr]
    dumped = server.to_api()
    assert dumped["mcp_config"]["oauth_config"] == seed_response["data"]["mcp_config"]["oauth_config"]
    assert dumped["mcp_config"]["denied_tools"] == seed_response["data"]["mcp_config"]["denied_tools"]


def test_unknown_keys_round_trip_at_every_level(seed_request: dict[str, Any]) -> None:
    seed_request["future_field"] = {"nested": [1, 2]}
    seed_request["mcp_config"]["future_config"] = True
    seed_request["mcp_config"]["config"]["cwd"] = "/srv"
    seed_request["mcp_config"]["tool_guardrails_config"]["threshold"] = 0.5
    seed_request["mcp_config"]["oauth_config"] = {"enabled": False, "OAUTH_NEW_KEY": "x"}
    assert ServerPayload.model_validate(seed_request).to_api() == seed_request


def test_remote_config_is_recognised_by_its_url() -> None:
    config = McpConfig.model_validate({"config": {"url": "https://example.com/mcp", "transport": "sse"}})
    assert isinstance(config.config, RemoteServerConfig)
    assert config.config.transport == "sse"


@pytest.mark.parametrize(
    "config",
    [
        {"command": "npx", "url": "https://example.com"},  # both kinds
        {"args": ["x"]},  # neither
        "npx",  # not an object
        {"url": "https://example.com", "transport": "websocket"},  # no such transport
        {"command": ""},  # empty command
    ],
)
def test_malformed_config_is_refused_at_config(config: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        McpConfig.model_validate({"config": config})
    assert all(error["loc"][0] == "config" for error in refused.value.errors())


def test_denied_tools_mix_names_and_reasons() -> None:
    config = McpConfig.model_validate({**CONFIG, "denied_tools": ["write_*", {"name": "rm", "reason": "destructive"}]})
    assert config.to_api()["denied_tools"] == ["write_*", {"name": "rm", "reason": "destructive"}]


def test_oauth_keys_keep_their_exact_names() -> None:
    config = McpConfig.model_validate({**CONFIG, "oauth_config": {"enabled": True, "OAUTH_VERSION": "2.1"}})
    assert config.to_api()["oauth_config"] == {"enabled": True, "OAUTH_VERSION": "2.1"}
    with pytest.raises(ValidationError):
        McpConfig.model_validate({**CONFIG, "oauth_config": {"OAUTH_VERSION": "3.0"}})


def test_changes_may_leave_config_out_but_not_set_is_active_to_null() -> None:
    changes = ServerChanges.model_validate({"mcp_config": {"denied_tools": ["x"]}})
    assert changes.to_api() == {"mcp_config": {"denied_tools": ["x"]}}
    with pytest.raises(ValidationError):
        ServerChanges.model_validate({"is_active": None})


def _merged(stored: dict[str, Any], changes: dict[str, Any]) -> Any:
    return apply_modify({"mcp_config": stored}, {"mcp_config": changes})["mcp_config"]


def test_merge_keeps_what_the_change_does_not_name() -> None:
    stored = {
        "config": {"command": "npx", "args": ["a"], "env": {"A": "1"}},
        "denied_tools": ["x"],
        "tool_guardrails_config": {"enabled": False, "block": ["pii"]},
    }
    merged = _merged(stored, {"config": {"env": {"B": "2"}}, "denied_tools": ["y"]})
    assert merged == {
        "config": {"command": "npx", "args": ["a"], "env": {"A": "1", "B": "2"}},
        "denied_tools": ["y"],
        "tool_guardrails_config": {"enabled": False, "block": ["pii"]},
    }


def test_merge_replaces_a_config_of_the_other_kind() -> None:
    stored = {"config": {"command": "npx", "args": ["a"]}}
    merged = _merged(stored, {"config": {"url": "https://example.com/mcp"}})
    assert merged == {"config": {"url": "https://example.com/mcp"}}

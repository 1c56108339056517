"""What the registry accepts but should not: the lint rules, add_registry_server's dry run (which
writes nothing) and the warnings add_registry_server returns beside its result."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from registry_mcp.lint import lint_server
from registry_mcp.models import ServerPayload

from .conftest import server_payload, text_of

LOCAL = {"command": "npx", "args": ["-y", "@example/x"]}


def _fields(mcp_config: dict[str, Any]) -> list[str]:
    payload = ServerPayload.model_validate({"saved_name": "x", "mcp_config": mcp_config})
    return [finding.field for finding in lint_server(payload)]


def test_a_clean_entry_has_no_findings(seed_request: dict[str, Any]) -> None:
    assert lint_server(ServerPayload.model_validate(seed_request)) == []
    assert _fields({"config": {"url": "https://example.com/mcp", "headers": {"Authorization": "${API_TOKEN}"}}}) == []
    assert _fields({"config": {"url": "http://127.0.0.1:8000/mcp"}}) == []  # this machine only


def test_plain_http_to_another_machine() -> None:
    assert _fields({"config": {"url": "http://example.com/mcp"}}) == ["mcp_config.config.url"]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({**LOCAL, "env": {"GITHUB_TOKEN": "ghp_abc123"}}, "mcp_config.config.env.GITHUB_TOKEN"),
        (
            {"url": "https://x.example/mcp", "headers": {"Authorization": "Bearer abc"}},
            "mcp_config.config.headers.Authorization",
        ),
    ],
)
def test_an_inline_secret(config: dict[str, Any], field: str) -> None:
    assert _fields({"config": config}) == [field]


@pytest.mark.parametrize("value", ["${GITHUB_TOKEN}", "$GITHUB_TOKEN", "{{ secrets.github }}", "<your token>", ""])
def test_a_reference_or_placeholder_is_not_an_inline_secret(value: str) -> None:
    assert _fields({"config": {**LOCAL, "env": {"GITHUB_TOKEN": value, "LOG_LEVEL": "debug"}}}) == []


def test_a_guardrail_without_a_policy() -> None:
    fields = _fields({"config": LOCAL, "input_guardrails_config": {"enabled": True}, "output_guardrails_config": {}})
    assert fields == ["mcp_config.input_guardrails_config.guardrail_name"]


def test_incomplete_oauth_and_http_token_url_under_enforce_https() -> None:
    oauth = {"enabled": True, "OAUTH_CLIENT_ID": "id", "OAUTH_TOKEN_URL": "http://auth.example/token"}
    payload = ServerPayload.model_validate(
        {"saved_name": "x", "mcp_config": {"config": LOCAL, "oauth_config": {**oauth, "OAUTH_ENFORCE_HTTPS": True}}}
    )
    findings = {finding.field: finding.problem for finding in lint_server(payload)}
    assert set(findings) == {"mcp_config.oauth_config.OAUTH_CLIENT_SECRET", "mcp_config.oauth_config.OAUTH_TOKEN_URL"}
    assert "OAUTH_ENFORCE_HTTPS is on" in findings["mcp_config.oauth_config.OAUTH_TOKEN_URL"]
    assert _fields({"config": LOCAL, "oauth_config": {"OAUTH_CLIENT_ID": "id"}}) == []  # OAuth off


def test_deny_patterns_that_never_match_and_duplicates() -> None:
    config = {
        "config": LOCAL,
        "tools": {"read_file": {}, "write_file": {}},
        "denied_tools": ["write_*", "wirte_file", " read_file", {"name": "write_*", "reason": "again"}],
    }
    assert _fields(config) == ["mcp_config.denied_tools[1]", "mcp_config.denied_tools[2]", "mcp_config.denied_tools"]
    # With no tools listed, a pattern can only be judged on its own.
    assert _fields({"config": LOCAL, "denied_tools": ["delete_*"]}) == []


@pytest.mark.anyio
async def test_a_dry_run_writes_nothing_and_reports_the_findings(client: Client) -> None:
    risky = server_payload("risky", mcp_config={"config": {"url": "http://example.com/mcp"}}, dry_run=True)
    checked = await client.call_tool("add_registry_server", risky)
    assert checked.structured_content is not None, text_of(checked)
    assert checked.structured_content["can_register"] is True and "server" not in checked.structured_content
    assert [finding["field"] for finding in checked.structured_content["warnings"]] == ["mcp_config.config.url"]
    assert checked.structured_content["message"] == (
        "'risky' version 'v1' can be registered; nothing was written. 1 warning to look at (see warnings)."
    )
    listed = await client.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None and listed.structured_content["total"] == 0

    await client.call_tool("add_registry_server", server_payload("risky"))
    again = await client.call_tool("add_registry_server", server_payload("risky", dry_run=True))
    assert again.structured_content is not None and again.structured_content["can_register"] is False
    assert again.structured_content["warnings"] == []
    assert again.structured_content["message"] == (
        "'risky' version 'v1' is already registered: adding it would fail (choose another saved_name or "
        "server_version, or change it with modify_registry_server). Nothing was written."
    )


@pytest.mark.anyio
async def test_a_dry_run_refuses_what_add_refuses(client: Client) -> None:
    invalid = await client.call_tool("add_registry_server", {"saved_name": "bad name", "dry_run": True})
    assert invalid.is_error and "saved_name" in text_of(invalid)


@pytest.mark.anyio
async def test_add_and_bulk_add_return_the_warnings(client: Client) -> None:
    secret = {"config": {**LOCAL, "env": {"API_KEY": "sk-live-123"}}}
    added = await client.call_tool("add_registry_server", server_payload("inline", mcp_config=secret))
    assert added.structured_content is not None and not added.is_error
    [warning] = added.structured_content["warnings"]
    assert warning["field"] == "mcp_config.config.env.API_KEY" and "sk-live-123" not in text_of(added)
    assert "1 warning to look at" in added.structured_content["message"]

    servers = [server_payload("clean"), server_payload("http", mcp_config={"config": {"url": "http://x.example/m"}})]
    bulk = await client.call_tool("bulk_add_registry_servers", {"servers": servers})
    assert bulk.structured_content is not None
    assert [finding["field"] for finding in bulk.structured_content["warnings"]] == ["servers[1].mcp_config.config.url"]
    clean = await client.call_tool("add_registry_server", server_payload("clean-2"))
    assert clean.structured_content is not None and "warnings" not in clean.structured_content


@pytest.mark.anyio
async def test_thousands_of_findings_are_summarised_within_the_result_budget(client: Client) -> None:
    # 2,000 patterns matching none of the listed tools (over 400,000 characters), and one listed 3 times.
    patterns = [f"no_such_tool_{index:05}_{'x' * 200}" for index in range(2_000)] + ["dup", "dup", "dup"]
    mcp_config = {"config": LOCAL, "tools": {"dup": {}, "read": {}}, "denied_tools": patterns}
    results = [
        await client.call_tool("add_registry_server", server_payload("many", mcp_config=mcp_config, **dry_run))
        for dry_run in ({"dry_run": True}, {})
    ]
    for result in results:
        assert not result.is_error and result.structured_content is not None, text_of(result)[:500]
        warnings = result.structured_content["warnings"]
        assert len(text_of(result)) < 60_000
        assert [w["field"] for w in warnings[:2]] == ["mcp_config.denied_tools[0]", "mcp_config.denied_tools[1]"]
        assert len(warnings) == 21 and warnings[-1] == {
            "field": "mcp_config.denied_tools",
            "problem": "1,981 more findings like the ones above are not listed",
            "advice": "fix the ones shown, then check again (add with dry_run) to see the rest",
        }
        assert "21 warnings to look at" in result.structured_content["message"]


@pytest.mark.anyio
async def test_an_entry_with_nothing_to_run_is_warned_about(client: Client) -> None:
    """No mcp_config: accepted by the registry, but left out of every export and unusable by a gateway."""
    bare = {"saved_name": "bare", "server_name": "@example/bare"}
    checked = await client.call_tool("add_registry_server", bare | {"dry_run": True})
    assert checked.structured_content is not None and not checked.is_error
    [warning] = checked.structured_content["warnings"]
    assert warning["field"] == "mcp_config"
    assert "export" in warning["problem"] and "gateway" in warning["problem"]
    added = await client.call_tool("add_registry_server", bare)
    assert added.structured_content is not None and not added.is_error
    assert [finding["field"] for finding in added.structured_content["warnings"]] == ["mcp_config"]

"""Registry entries as server.json records (registry_mcp.public_registry.serving), rule by rule: what each
kind of entry becomes, which are left out and why, and the round trip entry -> server.json -> entry, which
gives the entry back or names each difference."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from registry_mcp.errors import NotExpressible
from registry_mcp.public_registry.serving import build_catalog, round_trip, to_record
from registry_mcp.registry.models import RegistryServer
from registry_mcp.settings import require_namespace

from .conftest import DATA

SCHEMA = jsonschema.Draft202012Validator(
    json.loads((DATA / "server.schema.json").read_text()), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
NAMESPACE = "com.example"


def entry(config: dict[str, Any], **fields: Any) -> RegistryServer:
    return RegistryServer.model_validate(
        {"saved_name": "tool", "description": "A tool.", "mcp_config": {"config": config}, **fields}
    )


# (config, what comes back differently): an empty list is an equal entry.
ROUND_TRIPS: list[tuple[dict[str, Any], list[str]]] = [
    ({"command": "npx", "args": ["-y", "@scope/server@1.2.3", "--root", "/data"]}, []),
    ({"command": "npx", "args": ["-y", "unpinned-server"]}, []),
    (
        {"command": "/usr/local/bin/npx", "args": ["-y", "--quiet", "pkg@2.0.0", "--flag"]},
        ['config.command: "/usr/local/bin/npx" comes back as "npx"'],  # a record names the runner, not a path
    ),
    ({"command": "uvx", "args": ["--python", "3.12", "weather==0.5.0", "--units", "metric"]}, []),
    ({"command": "docker", "args": ["run", "-i", "--rm", "-v", "/srv:/srv", "ghcr.io/acme/mcp:1.0", "serve"]}, []),
    ({"url": "https://mcp.example.com/mcp", "transport": "sse"}, []),
    (
        {"command": "npx", "args": ["pkg@1.0.0"]},  # no -y: the record's runner adds it
        ['config.args: ["pkg@1.0.0"] comes back as ["-y", "pkg@1.0.0"]'],
    ),
    (
        {"command": "uvx", "args": ["weather@0.5.0"]},  # uvx's other spelling of a pinned version
        ['config.args: ["weather@0.5.0"] comes back as ["weather==0.5.0"]'],
    ),
    (
        {"command": "npx", "args": ["-y", "pkg@1.0.0"], "env": {"API_TOKEN": "s3cr3t-v4lue", "MODE": "fast"}},
        ["config.env.API_TOKEN: its value is not published", "config.env.MODE: its value is not published"],
    ),
    (
        {"command": "npx", "args": ["-y", "pkg@1.0.0", "--token", "tok-123456789"]},
        [
            "config.args: (a value holding a secret) comes back as "
            '["-y", "pkg@1.0.0", "--token", "<to be supplied: token>"]'
        ],
    ),
    (
        {"url": "https://u:pa55word@mcp.example.com/mcp", "headers": {"Authorization": "Bearer abcdefgh12345"}},
        [
            "config.url: (a value holding a secret) comes back as "
            '"https://u:<to be supplied: url_secret>@mcp.example.com/mcp"',
            "config.headers.Authorization: its value is not published",
        ],
    ),
]


@pytest.mark.parametrize(("config", "differences"), ROUND_TRIPS)
def test_the_round_trip_gives_the_entry_back_or_names_each_difference(
    config: dict[str, Any], differences: list[str]
) -> None:
    server = entry(config, source_version="1.0.0", server_name="@scope/tool")
    assert list(SCHEMA.iter_errors(to_record(server, NAMESPACE))) == []
    assert round_trip(server, NAMESPACE) == differences


def test_the_registrys_own_facts_come_back_from_meta() -> None:
    denied = ["write_*", {"name": "drop_table", "reason": "never"}]
    server = RegistryServer.model_validate(
        {
            "saved_name": "db",
            "server_version": "v3",
            "description": "Database tools.",
            "server_name": "@acme/db-mcp",
            "source_url": "https://github.com/acme/db-mcp",
            "source_version": "4.1.0",
            "mcp_config": {"config": {"command": "npx", "args": ["-y", "@acme/db-mcp@4.1.0"]}, "denied_tools": denied},
        }
    )
    assert round_trip(server, NAMESPACE) == []
    record = to_record(server, NAMESPACE)
    assert record["name"] == "com.example/db" and record["version"] == "4.1.0"


def test_what_a_server_json_cannot_say_is_named() -> None:
    server = RegistryServer.model_validate(
        {
            "saved_name": "guarded",
            "description": "Guarded.",
            "mcp_config": {
                "config": {"command": "npx", "args": ["-y", "pkg@1.0.0"]},
                "input_guardrails_config": {"enabled": True, "guardrail_name": "policy"},
            },
        }
    )
    assert round_trip(server, NAMESPACE)[-1] == "mcp_config: input_guardrails_config have no place in a server.json"


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ({"command": "node", "args": ["server.js"]}, "its command 'node' is not a package runner"),
        ({"command": "python", "args": ["-m", "server"]}, "its command 'python' is not a package runner"),
        ({"command": "npx", "args": ["-y", "pkg@latest"]}, "'pkg@latest', a tag or a range of pkg"),
        ({"command": "npx", "args": ["-y", "pkg@^1.2.0"]}, "'pkg@^1.2.0', a tag or a range"),
        ({"command": "uvx", "args": ["tool>=1.0"]}, "'tool>=1.0', a tag or a range"),
        (
            {"command": "npx", "args": ["-p", "a", "-p", "b", "run-both"]},
            "a server.json names (-p b)",
        ),
        (
            {"command": "uvx", "args": ["--from", "git+https://x/y", "tool"]},
            "'git+https://x/y', not one pypi package",
        ),
        ({"command": "docker", "args": ["exec", "box", "server"]}, "other than 'docker run'"),
        ({"command": "docker", "args": ["run", "-i", "--rm"]}, "name no package"),
        ({"command": "npx", "args": ["-y"]}, "name no package"),
        ({"url": "ws://mcp.example.com/socket"}, "not an http(s) URL"),
    ],
)
def test_an_entry_that_cannot_be_expressed_is_left_out_saying_why(config: dict[str, Any], why: str) -> None:
    with pytest.raises(NotExpressible, match=None) as refused:
        to_record(entry(config), NAMESPACE)
    assert why in str(refused.value)
    catalog = build_catalog([entry(config)], NAMESPACE)
    assert catalog.entries == [] and catalog.left_out == [f"tool v1: {refused.value}"]


def test_inactive_servers_are_not_served_nor_reported() -> None:
    inactive = entry({"command": "node", "args": ["x.js"]}, is_active=False)
    assert build_catalog([inactive], NAMESPACE).left_out == []


def test_versions_sharing_a_source_version_are_named_by_their_server_version() -> None:
    one = entry({"command": "npx", "args": ["-y", "a@1.0.0"]}, source_version="1.0.0")
    two = entry({"command": "npx", "args": ["-y", "a@1.0.0", "--fast"]}, source_version="1.0.0", server_version="v2")
    catalog = build_catalog([one, two], NAMESPACE)
    assert [item.version for item in catalog.entries] == ["v1", "v2"]


@pytest.mark.parametrize("namespace", ["com.example", "io.github.acme-corp", "a.b.c"])
def test_a_reverse_dns_namespace_is_accepted(namespace: str) -> None:
    assert require_namespace(namespace) == namespace


@pytest.mark.parametrize("namespace", ["example", "com/example", "com..example", ".com", "com example", ""])
def test_anything_else_is_refused_as_a_namespace(namespace: str) -> None:
    with pytest.raises(ValueError, match="reverse-DNS"):
        require_namespace(namespace)

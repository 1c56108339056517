"""What a modify does to a stored server (`registry_mcp.registry.patching`), function by function, in process.

The merge patch is checked against RFC 7396's own examples (its appendix A and section 3), an oracle
written independently of this code; registry-mcp's rules (kind, masks, targets) against literal records.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from registry_mcp.errors import ModifyRefused
from registry_mcp.registry.patching import (
    apply_modify,
    dropped_secrets,
    full_patch,
    kind_of,
    may_drop_secrets,
    merge_patch,
    target_of,
    why_secrets_move,
)
from registry_mcp.secrets.masking import MASK

# --- RFC 7396 ------------------------------------------------------------------------------------

# RFC 7396, appendix A: (original, patch, result), verbatim.
RFC_7396_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]

# RFC 7396, section 3: the worked example.
RFC_7396_DOCUMENT = {
    "title": "Goodbye!",
    "author": {"givenName": "John", "familyName": "Doe"},
    "tags": ["example", "sample"],
    "content": "This will be unchanged",
}
RFC_7396_PATCH = {
    "title": "Hello!",
    "phoneNumber": "+01-123-456-7890",
    "author": {"familyName": None},
    "tags": ["example"],
}
RFC_7396_RESULT = {
    "title": "Hello!",
    "author": {"givenName": "John"},
    "tags": ["example"],
    "content": "This will be unchanged",
    "phoneNumber": "+01-123-456-7890",
}


@pytest.mark.parametrize(("original", "patch", "result"), RFC_7396_EXAMPLES)
def test_merge_patch_gives_the_results_of_rfc_7396_appendix_a(original: Any, patch: Any, result: Any) -> None:
    assert merge_patch(original, patch) == result


def test_merge_patch_gives_the_result_of_rfc_7396_section_3() -> None:
    assert merge_patch(RFC_7396_DOCUMENT, RFC_7396_PATCH) == RFC_7396_RESULT


def test_merge_patch_changes_neither_its_target_nor_its_patch() -> None:
    target, patch = copy.deepcopy(RFC_7396_DOCUMENT), copy.deepcopy(RFC_7396_PATCH)
    merged = merge_patch(target, patch)
    merged["tags"].append("added later")
    merged["author"]["familyName"] = "Roe"
    assert (target, patch) == (RFC_7396_DOCUMENT, RFC_7396_PATCH)
    listed = {"a": [{"b": "c"}]}
    merge_patch({}, listed)["a"][0]["b"] = "changed"
    merge_patch({}, listed["a"])[0]["b"] = "changed"
    assert listed == {"a": [{"b": "c"}]}


@pytest.mark.parametrize(
    ("stored", "wanted", "patch"),
    [
        ({"a": 1, "b": 2}, {"a": 3}, {"a": 3, "b": None}),
        ({"a": 1}, {"a": 1}, {"a": 1}),
        (
            {"env": {"A": "1", "B": "2"}, "keep": True},
            {"env": {"A": "1"}},
            {"env": {"A": "1", "B": None}, "keep": None},
        ),
        ({"args": ["-y", "one"]}, {"args": ["two"]}, {"args": ["two"]}),
        ({"a": {"b": 1}}, {"a": "flat"}, {"a": "flat"}),
        ({"a": "flat"}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        (["a"], {"a": 1}, {"a": 1}),
        ({"a": 1}, ["a"], ["a"]),
    ],
)
def test_full_patch_sends_every_wanted_value_and_a_null_for_each_dropped_key(
    stored: Any, wanted: Any, patch: Any
) -> None:
    assert full_patch(stored, wanted) == patch
    assert merge_patch(stored, patch) == wanted


# --- kind and target -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "kind"),
    [
        ({"command": "npx"}, "local"),
        ({"url": "https://mcp.example.com"}, "remote"),
        ({"command": "npx", "url": None}, "local"),
        ({"command": None, "url": "https://mcp.example.com"}, "remote"),
        ({"command": "npx", "url": "https://mcp.example.com"}, None),
        ({"args": ["-y", "pkg"], "env": {"A": "1"}}, None),
        ({}, None),
        ("npx", None),
        (None, None),
    ],
)
def test_the_kind_of_a_config_is_told_by_its_identifying_key(config: Any, kind: str | None) -> None:
    assert kind_of(config) == kind


@pytest.mark.parametrize(
    ("config", "target"),
    [
        ({"url": "ws://mcp.example.com/socket"}, ("remote", "ws", "mcp.example.com", "80")),
        ({"url": "wss://mcp.example.com/socket"}, ("remote", "wss", "mcp.example.com", "443")),
        ({"url": "http://mcp.example.com/"}, ("remote", "http", "mcp.example.com", "80")),
        ({"url": "HTTPS://MCP.Example.com:443/x"}, ("remote", "https", "mcp.example.com", "443")),
        ({"url": "  https://mcp.example.com  "}, ("remote", "https", "mcp.example.com", "443")),
        ({"url": "gopher://mcp.example.com/"}, ("remote", "gopher", "mcp.example.com", "0")),
        ({"url": "https://mcp.example.com:99999/"}, ("remote", "https", "mcp.example.com", "-1")),
        ({"url": "https:///only/a/path"}, ("remote", "https", "", "443")),
        ({"command": " npx ", "args": "-y pkg"}, ("local", "npx", "", (), (), ())),
        ({"command": "npx", "args": None}, ("local", "npx", "", (), (), ())),
        ({"args": ["-y", "pkg"]}, None),
        (None, None),
    ],
)
def test_the_target_of_a_config(config: Any, target: tuple[Any, ...] | None) -> None:
    assert target_of(config) == target


# --- apply_modify: registry-mcp's rules -----------------------------------------------------------

ENV_KEY = "sk-live-4Kd8Qm2Xe7Zr9Lp3"
TOKEN_ARG = "tok-first-argument-9Xe4"
CLIENT_SECRET = "oauth-secret-7Qm2Vn5Bc8"
CUSTOM_HEADER = "custom-header-secret-1Zr6"


def _local() -> dict[str, Any]:
    return {
        "description": "files",
        "is_active": True,
        "mcp_config": {
            "config": {"command": "npx", "args": ["-y", "@acme/files@1.0.0", "/srv"], "env": {"API_KEY": ENV_KEY}},
            "oauth_config": {
                "OAUTH_CLIENT_ID": "client-id",
                "OAUTH_CLIENT_SECRET": CLIENT_SECRET,
                "OAUTH_CUSTOM_HEADERS": {"X-Custom": CUSTOM_HEADER},
            },
            "denied_tools": ["write_*"],
        },
    }


def _modified(changes: dict[str, Any], stored: dict[str, Any] | None = None, **options: bool) -> dict[str, Any]:
    before = _local() if stored is None else stored
    kept, sent = copy.deepcopy(before), copy.deepcopy(changes)
    try:
        return apply_modify(before, changes, **options)
    finally:
        assert (before, changes) == (kept, sent)  # neither the record nor the changes are changed in place


def _refusal(changes: dict[str, Any], stored: dict[str, Any] | None = None, **options: bool) -> str:
    with pytest.raises(ModifyRefused) as refused:
        _modified(changes, stored, **options)
    return str(refused.value)


def test_fields_outside_mcp_config_are_a_plain_merge_patch() -> None:
    updated = _modified({"description": None, "is_active": False, "tags": ["a"]})
    assert updated == {"is_active": False, "tags": ["a"], "mcp_config": _local()["mcp_config"]}


def test_a_mask_outside_mcp_config_stands_for_the_stored_value() -> None:
    assert _modified({"description": MASK})["description"] == "files"


def test_a_mask_where_nothing_is_stored_is_refused_and_named() -> None:
    assert _refusal({"tags": [MASK]}) == (
        f"tags.0: holds the mask {MASK!r}, but no secret is stored there to keep; send the real value"
    )
    message = _refusal({"mcp_config": {"config": {"env": {"OTHER_KEY": MASK}}}})
    assert message == (
        f"mcp_config.config.env.OTHER_KEY: holds the mask {MASK!r}, but no secret is stored there to keep; "
        "send the real value"
    )


def test_masks_sent_back_in_place_keep_the_stored_secrets() -> None:
    changes = {
        "mcp_config": {
            "config": {"args": ["-y", "@acme/files@1.0.0", "/home"], "env": {"API_KEY": MASK, "LOG": "debug"}},
            "oauth_config": {"OAUTH_CLIENT_SECRET": MASK},
        }
    }
    expected = _local()
    expected["mcp_config"]["config"] = {
        "command": "npx",
        "args": ["-y", "@acme/files@1.0.0", "/home"],
        "env": {"API_KEY": ENV_KEY, "LOG": "debug"},
    }
    assert _modified(changes) == expected


def test_removing_mcp_config() -> None:
    assert _modified({"mcp_config": None}) == {"description": "files", "is_active": True}
    assert _modified({"mcp_config": None}, {"description": "bare"}) == {"description": "bare"}
    assert _modified({"mcp_config": {"config": None}}, {"mcp_config": {"denied_tools": []}}) == {
        "mcp_config": {"denied_tools": []}
    }


def test_setting_an_mcp_config_where_none_was_drops_its_nulls_and_refuses_masks() -> None:
    stored = {"description": "bare", "mcp_config": None}
    sent = {"config": {"url": "https://mcp.example.com", "headers": {"X-Tenant": "acme", "X-Old": None}}}
    assert _modified({"mcp_config": sent}, stored) == {
        "description": "bare",
        "mcp_config": {"config": {"url": "https://mcp.example.com", "headers": {"X-Tenant": "acme"}}},
    }
    masked = {"config": {"url": "https://mcp.example.com", "headers": {"Authorization": MASK}}}
    assert _refusal({"mcp_config": masked}, {"description": "bare"}).startswith(
        "mcp_config.config.headers.Authorization: holds the mask"
    )


def test_a_config_of_the_other_kind_replaces_the_stored_one() -> None:
    updated = _modified({"mcp_config": {"config": {"url": "https://mcp.example.com", "transport": None}}})
    assert updated["mcp_config"] == {
        "config": {"url": "https://mcp.example.com"},
        "oauth_config": {"OAUTH_CLIENT_ID": "client-id", "OAUTH_CUSTOM_HEADERS": {}},
        "denied_tools": ["write_*"],
    }


def test_a_config_without_its_identifying_key_merges_into_the_stored_one() -> None:
    updated = _modified({"mcp_config": {"config": {"env": {"LOG": "debug"}}, "denied_tools": None}})
    assert updated["mcp_config"] == {
        "config": {
            "command": "npx",
            "args": ["-y", "@acme/files@1.0.0", "/srv"],
            "env": {"API_KEY": ENV_KEY, "LOG": "debug"},
        },
        "oauth_config": _local()["mcp_config"]["oauth_config"],
    }


def test_a_null_config_removes_the_config_and_the_secrets_of_its_target() -> None:
    updated = _modified({"mcp_config": {"config": None}})
    assert updated["mcp_config"] == {
        "oauth_config": {"OAUTH_CLIENT_ID": "client-id", "OAUTH_CUSTOM_HEADERS": {}},
        "denied_tools": ["write_*"],
    }


def test_replacing_mcp_config_whole_keeps_nothing_unsent_but_restores_masks_on_the_same_target() -> None:
    sent = {"config": {"command": "npx", "args": ["-y", "@acme/files@2.0.0"], "env": {"API_KEY": MASK, "X": None}}}
    updated = _modified({"mcp_config": sent}, replace_mcp_config=True)
    assert updated["mcp_config"] == {
        "config": {"command": "npx", "args": ["-y", "@acme/files@2.0.0"], "env": {"API_KEY": ENV_KEY}}
    }


def test_a_new_command_drops_every_unsent_secret_of_config_and_oauth_config() -> None:
    updated = _modified({"mcp_config": {"config": {"command": "uvx", "env": {"NEW_KEY": "sent-again-value"}}}})
    assert updated["mcp_config"] == {
        "config": {
            "command": "uvx",
            "args": ["-y", "@acme/files@1.0.0", "/srv"],
            "env": {"NEW_KEY": "sent-again-value"},
        },
        "oauth_config": {"OAUTH_CLIENT_ID": "client-id", "OAUTH_CUSTOM_HEADERS": {}},
        "denied_tools": ["write_*"],
    }


def test_secrets_sent_again_with_a_new_target_are_kept() -> None:
    oauth = {"OAUTH_CLIENT_SECRET": "new-client-secret", "OAUTH_CUSTOM_HEADERS": {"X-Custom": "new-header-value"}}
    changes = {"mcp_config": {"config": {"args": ["-y", "@other/files"]}, "oauth_config": oauth}}
    updated = _modified(changes)
    assert updated["mcp_config"]["oauth_config"] == {"OAUTH_CLIENT_ID": "client-id", **oauth}
    assert updated["mcp_config"]["config"] == {"command": "npx", "args": ["-y", "@other/files"], "env": {}}


def test_a_new_version_of_the_same_package_keeps_the_secrets() -> None:
    updated = _modified({"mcp_config": {"config": {"args": ["-y", "@acme/files@2.0.0", "/srv"]}}})
    assert updated["mcp_config"]["config"]["env"] == {"API_KEY": ENV_KEY}
    assert updated["mcp_config"]["oauth_config"]["OAUTH_CLIENT_SECRET"] == CLIENT_SECRET


def test_a_masked_argument_sent_back_is_not_a_new_package() -> None:
    """A token given as the first argument reads as a mask; sent back, it is the stored one."""
    stored = {"mcp_config": {"config": {"command": "acme-server", "args": [TOKEN_ARG], "env": {"API_KEY": ENV_KEY}}}}
    changes = {"mcp_config": {"config": {"command": "acme-server", "args": [MASK]}}}
    assert _modified(changes, stored) == stored


def test_an_unsent_secret_inside_a_list_is_refused_when_the_target_moves() -> None:
    stored = {"mcp_config": {"config": {"command": "npx", "args": ["-y", "pkg", "--token", TOKEN_ARG]}}}
    message = _refusal({"mcp_config": {"config": {"command": "uvx"}}}, stored)
    assert message == (
        "mcp_config.config.args: holds a stored secret and this call changes the server's target; send args "
        "again in full so that no stored secret follows the server to its new target"
    )
    resent = _modified({"mcp_config": {"config": {"command": "uvx", "args": ["pkg"]}}}, stored)
    assert resent == {"mcp_config": {"config": {"command": "uvx", "args": ["pkg"]}}}


@pytest.mark.parametrize(
    ("config", "stored", "what"),
    [
        ({"command": "uvx"}, None, "command changes"),
        ({"args": ["-y", "@other/files"]}, None, "the package in args changes"),
        ({"url": "https://mcp.example.com"}, None, "a local server becomes a remote one, or the reverse"),
        (
            {"url": "https://elsewhere.example.com"},
            {
                "mcp_config": {
                    "config": {"url": "https://mcp.example.com"},
                    "oauth_config": {"OAUTH_CLIENT_SECRET": "x"},
                }
            },
            "the scheme, host or port of url changes",
        ),
        (
            {"url": "https://mcp.example.com"},
            {"mcp_config": {"config": {}, "oauth_config": {"OAUTH_CLIENT_SECRET": "x"}}},
            "a local server becomes a remote one, or the reverse",
        ),
    ],
    ids=["command", "package", "becomes-remote", "remote-host", "no-target-before"],
)
def test_a_mask_sent_to_a_new_target_is_refused_and_says_what_moved(
    config: dict[str, Any], stored: dict[str, Any] | None, what: str
) -> None:
    message = _refusal({"mcp_config": {"config": config, "oauth_config": {"OAUTH_CLIENT_SECRET": MASK}}}, stored)
    assert message == (
        f"mcp_config.oauth_config.OAUTH_CLIENT_SECRET: holds the mask {MASK!r}, but this call changes the server's "
        f"target ({what}), and a stored secret does not follow its server to a new target; send the value again"
    )


def test_a_mask_in_config_sent_to_a_new_target_is_refused() -> None:
    message = _refusal({"mcp_config": {"config": {"command": "uvx", "env": {"API_KEY": MASK}}}})
    assert message.startswith("mcp_config.config.env.API_KEY: holds the mask")
    assert "(command changes)" in message and ENV_KEY not in message


@pytest.mark.parametrize(
    "env",
    [{"NODE_OPTIONS": "--require=/tmp/x.js"}, {"PATH": "/tmp/evil:/usr/bin"}, {"LD_PRELOAD": "/tmp/x.so"}],
)
def test_an_env_variable_that_changes_what_runs_moves_the_server(env: dict[str, str]) -> None:
    updated = _modified({"mcp_config": {"config": {"env": env}}})
    assert updated["mcp_config"]["config"]["env"] == env  # API_KEY stays behind
    assert _refusal({"mcp_config": {"config": {"env": {**env, "API_KEY": MASK}}}}).startswith(
        "mcp_config.config.env.API_KEY: holds the mask"
    )


def test_an_env_variable_that_does_not_change_what_runs_keeps_the_secrets() -> None:
    updated = _modified({"mcp_config": {"config": {"env": {"LOG_LEVEL": "debug"}}}})
    assert updated["mcp_config"]["config"]["env"] == {"API_KEY": ENV_KEY, "LOG_LEVEL": "debug"}


def test_the_secrets_a_move_dropped_are_named_with_why() -> None:
    before = _local()["mcp_config"]
    after = _modified({"mcp_config": {"config": {"args": ["-y", "-p", "@evil/files", "files"]}}})["mcp_config"]
    assert dropped_secrets(before, after) == ["config.env.API_KEY", "oauth_config.OAUTH_CLIENT_SECRET",
                                              "oauth_config.OAUTH_CUSTOM_HEADERS.X-Custom"]  # fmt: skip
    assert why_secrets_move(before, after) == "the package in args changes"
    assert why_secrets_move(before, before) is None


def test_a_new_value_of_an_env_variable_that_changes_what_runs_moves_the_server() -> None:
    env = {"NODE_OPTIONS": "--require=/srv/hooks.js", "API_KEY": ENV_KEY}
    stored = {"mcp_config": {"config": {"command": "npx", "args": ["-y", "@acme/files"], "env": env}}}
    changes = {"mcp_config": {"config": {"env": {"NODE_OPTIONS": "--require=/tmp/evil.js"}}}}
    assert _modified(changes, stored)["mcp_config"]["config"]["env"] == {"NODE_OPTIONS": "--require=/tmp/evil.js"}


def test_a_mask_that_moves_the_server_only_once_restored_is_refused_in_general_words() -> None:
    """Sent after `-p PACKAGE`, the masked registry option reads as the name of a bin (no change), but the
    stored value it stands for points npx at another registry."""
    registry = "--registry=https://ci:npm-tok-8Hq2Wx5Zt@npm.acme.example"
    stored = {"mcp_config": {"config": {"command": "npx", "args": ["@acme/files", "/srv", registry]}}}
    assert _refusal({"mcp_config": {"config": {"args": ["-p", "@acme/files", MASK]}}}, stored) == (
        f"mcp_config.config.args.2: holds the mask {MASK!r}, but this call changes the server's target (the target "
        "changes), and a stored secret does not follow its server to a new target; send the value again"
    )


LOCAL_CONFIG = {"command": "npx", "args": ["-y", "@acme/files"]}
HOOK = {"NODE_OPTIONS": "--require=/tmp/x.js"}
IDP = {"OAUTH_CLIENT_SECRET": CLIENT_SECRET, "OAUTH_TOKEN_URL": "https://idp.example/token"}


@pytest.mark.parametrize(
    ("before", "after", "why"),
    [
        ({"config": LOCAL_CONFIG}, {"config": {**LOCAL_CONFIG, "env": HOOK}}, "NODE_OPTIONS, which changes what runs"),
        (
            {"config": LOCAL_CONFIG},
            {"config": {**LOCAL_CONFIG, "env": {**HOOK, "PATH": "/tmp/evil:/usr/bin", "LOG_LEVEL": "debug"}}},
            "NODE_OPTIONS, PATH, which change what runs",
        ),
        (
            {"config": {**LOCAL_CONFIG, "env": {"NODE_OPTIONS": "--require=/srv/hooks.js"}}},
            {"config": {**LOCAL_CONFIG, "env": HOOK}},
            "NODE_OPTIONS, which changes what runs",
        ),
        (
            {"config": LOCAL_CONFIG},
            {"config": {"command": "npx", "args": ["-y", "@other/files"], "env": HOOK}},
            "the package in args changes and NODE_OPTIONS, which changes what runs",
        ),
        ({"config": LOCAL_CONFIG}, {"config": {"command": "uvx", "args": ["-y", "@other/files"]}}, "command changes"),
        ({"config": LOCAL_CONFIG, "oauth_config": IDP}, {"config": LOCAL_CONFIG, "oauth_config": IDP}, None),
        (
            {"config": LOCAL_CONFIG, "oauth_config": IDP},
            {"config": LOCAL_CONFIG, "oauth_config": {**IDP, "OAUTH_TOKEN_URL": "https://idp.example:8443/token"}},
            "the scheme, host or port of an OAuth endpoint changes",
        ),
        (
            {"config": {"url": "https://mcp.example.com"}, "oauth_config": IDP},
            {"config": {"url": "https://evil.example"}, "oauth_config": {"OAUTH_TOKEN_URL": "https://evil.example/t"}},
            "the scheme, host or port of url changes",
        ),
        (None, {"config": {"url": "https://mcp.example.com"}}, "a local server becomes a remote one, or the reverse"),
    ],
    ids=["one-env", "two-env", "env-value", "package-and-env", "command", "same", "oauth-port", "url", "none-before"],
)
def test_why_the_secrets_do_not_follow_a_modify(before: Any, after: dict[str, Any], why: str | None) -> None:
    assert why_secrets_move(before, after) == why


@pytest.mark.parametrize(
    ("changes", "may_drop"),
    [
        (None, False),
        ({"denied_tools": ["write_*"]}, False),
        ({"config": None}, False),
        ({"config": {"env": {"LOG_LEVEL": "debug"}}}, False),
        ({"config": {"command": "uvx"}}, True),
        ({"config": {"url": "https://mcp.example.com"}}, True),
        ({"config": {"args": ["/srv"]}}, True),
        ({"config": {"env": {"LOG_LEVEL": "debug", **HOOK}}}, True),
        ({"oauth_config": None}, False),
        ({"oauth_config": {"OAUTH_CLIENT_ID": "client-id"}}, False),
        ({"oauth_config": {"OAUTH_TOKEN_URL": "https://idp.example/token"}}, True),
        ({"oauth_config": {"OAUTH_AUTHORIZATION_URL": "https://idp.example/a", "OAUTH_TOKEN_URL": None}}, True),
    ],
)
def test_a_modify_reads_the_stored_server_first_only_where_it_may_drop_secrets(changes: Any, may_drop: bool) -> None:
    assert may_drop_secrets(changes) is may_drop
    assert may_drop_secrets(changes, replace=True) is isinstance(changes, dict)


def test_the_secrets_sent_again_to_a_new_target_are_not_named_as_dropped() -> None:
    before = _local()["mcp_config"]
    oauth = {"OAUTH_CLIENT_SECRET": CLIENT_SECRET, "OAUTH_CUSTOM_HEADERS": {"X-Custom": CUSTOM_HEADER}}
    after = _modified({"mcp_config": {"config": {"args": ["-y", "@other/files"]}, "oauth_config": oauth}})["mcp_config"]
    assert dropped_secrets(before, after) == ["config.env.API_KEY"]
    everything = [
        "config.env.API_KEY",
        "oauth_config.OAUTH_CLIENT_SECRET",
        "oauth_config.OAUTH_CUSTOM_HEADERS.X-Custom",
    ]
    assert dropped_secrets(before, None) == everything  # mcp_config removed
    assert dropped_secrets(None, after) == []

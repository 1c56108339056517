"""What `registry_mcp.secrets.masking` recognises as secret, and how masks go back: literal expectations only."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.masking import load, measure
from registry_mcp.errors import MaskWithoutSecret
from registry_mcp.secrets import masking
from registry_mcp.secrets.masking import (
    MASK,
    find_mask,
    inline_secrets,
    looks_secret,
    mask_secrets,
    restore_masked,
    secret_setting,
    secret_values,
)
from registry_mcp.secrets.scrubbing import REDACTED, scrub

M = MASK


@pytest.fixture(autouse=True)
def cold_caches() -> None:
    """Each test reads keys afresh: the memo of key verdicts would otherwise answer from earlier tests."""
    masking.looks_secret.cache_clear()
    masking._inside.cache_clear()


# Realistically shaped (but invented) tokens of each well-known kind.
GHP = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0" + "x" * 72
GHO = "gho_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
SLACK = "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUv"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
GLPAT = "glpat-" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn"
GOOGLE = "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
OPENAI = "sk-proj-" + "Xy7Zq1Wv2Ut3Sr4Qp5On6Ml7Kj8Ih9Gf0Ed"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----"


# --- which keys name a secret (plurals, cases, separators) -------------------------------

SECRET_KEYS = [
    "api_keys", "API_KEYS", "api-keys", "apiKeys", "ApiKeys", "apikeys", "APIKEYS",
    "tokens", "TOKENS", "secrets", "Secrets", "passwords", "PASSWORDS", "ACCESS_TOKENS", "accessTokens",
    "access-tokens", "accesstokens", "Authorization", "authorization", "AUTHORIZATION", "passwd", "PASSWD",
    "credentials", "CREDENTIALS", "x-api-key", "X-API-KEY", "X_Api_Key", "clientSecret", "client_secret",
    "CLIENT-SECRET", "clientsecret", "PRIVATE_KEY", "privateKey", "private-key", "privatekey", "private_pem",
    "client_assertion", "db_password", "OAUTH_CLIENT_SECRET", "Proxy-Authorization", "Cookie", "GITHUB_PAT",
    "SENTRY_DSN", "passphrase", "DB_PASS", "smtpPass",
]  # fmt: skip
NOT_SECRET_KEYS = [
    "token_url", "TOKEN_URL", "tokenUrl", "OAUTH_TOKEN_EXPIRY_BUFFER", "key_path", "keyPath", "KEY-PATH",
    "OAUTH_TOKEN_IN_HEADER_ONLY", "api_key_name", "apiKeyName", "API_KEY_NAMES", "OAUTH_CLIENT_KEY_PATH",
    "OAUTH_CLIENT_ID", "client_assertion_type", "max_tokens", "maxTokens", "token_count", "monkey", "keyboard",
    "command", "tokenizer", "secret_file", "password_env", "oauth", "OAUTH_TOKEN_URL", "auth_type",
]  # fmt: skip


@pytest.mark.parametrize(
    ("key", "secret"), [(key, True) for key in SECRET_KEYS] + [(key, False) for key in NOT_SECRET_KEYS]
)
def test_a_secret_key_in_any_form_looks_secret_and_a_key_naming_its_use_does_not(key: str, secret: bool) -> None:
    assert looks_secret(key) is secret


@pytest.mark.parametrize("key", ["api_keys", "tokens", "secrets", "passwords", "credentials", "Authorization"])
def test_a_value_under_a_plural_secret_key_is_masked_wherever_it_sits(key: str) -> None:
    record = {"tool_guardrails_config": {"additional_config": {key: "s3cr3t-value"}}}
    assert mask_secrets(record) == {"tool_guardrails_config": {"additional_config": {key: M}}}


def test_any_scalar_under_a_secret_key_is_masked_but_booleans_and_nulls_stay() -> None:
    record = {"api_key": 1234567890, "pin_password": 4.5, "token": True, "secret": None, "password": ""}
    assert mask_secrets(record) == {"api_key": M, "pin_password": M, "token": True, "secret": None, "password": ""}


def test_a_number_under_a_plural_secret_key_is_a_count_and_stays() -> None:
    # Tool results say how many secrets they handled ('secret_values': 3) under schemas wanting a number.
    record = {"secret_values": 3, "tokens": 4096, "passwords": 2.0, "api_keys": [11, 22], "pin_token": 42}
    assert mask_secrets(record) == {
        "secret_values": 3,
        "tokens": 4096,
        "passwords": 2.0,
        "api_keys": [M, M],
        "pin_token": M,
    }


def test_lists_and_nested_objects_under_secret_keys_are_masked_element_by_element() -> None:
    record = {
        "api_keys": ["k-one", "k-two", "k-three"],
        "credentials": [{"user": "u1", "password": "p1"}, ["nested-a", 7]],
        "settings": {"tokens": {"read": "r-tok", "write": ["w1", "w2"]}, "region": "eu"},
    }
    assert mask_secrets(record) == {
        "api_keys": [M, M, M],
        "credentials": [{"user": M, "password": M}, [M, M]],
        "settings": {"tokens": {"read": M, "write": [M, M]}, "region": "eu"},
    }


def test_a_multi_element_masked_list_restores_each_element_at_its_place() -> None:
    stored = {"api_keys": ["k-one", "k-two", "k-three", "k-four"], "env": {"A": "a", "B": "b", "C": "c"}}
    sent = {"api_keys": [M, M, M, M], "env": {"C": M, "A": M, "B": M}}
    assert restore_masked(sent, stored) == {
        "api_keys": ["k-one", "k-two", "k-three", "k-four"],
        "env": {"C": "c", "A": "a", "B": "b"},
    }
    # Dropping the first element keeps the others' own values, not the first ones'.
    assert restore_masked({"api_keys": ["k-new", M, M, M]}, stored) == {
        "api_keys": ["k-new", "k-two", "k-three", "k-four"]
    }


# --- secrets recognised by what they are --------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "masked"),
    [
        (["-y", "pkg", "--token", "abc123secret"], ["-y", "pkg", "--token", M]),
        (["--api-key=abc123secret", "--port=8080"], ["--api-key=" + M, "--port=8080"]),
        (["--password", "hunter22", "--user", "bob"], ["--password", M, "--user", "bob"]),
        (["--secret", "s3", "--client-secret", "cs"], ["--secret", M, "--client-secret", M]),
        (["--apiKey", "v", "--API_TOKEN=v2"], ["--apiKey", M, "--API_TOKEN=" + M]),
        (["-e", "GITHUB_TOKEN=ghx", "-e", "LOG_LEVEL=debug"], ["-e", "GITHUB_TOKEN=" + M, "-e", "LOG_LEVEL=debug"]),
        (["--env", "DB_PASSWORD=pw", "--env", "DB_HOST=db"], ["--env", "DB_PASSWORD=" + M, "--env", "DB_HOST=db"]),
        (["--header", "Authorization: Bearer abcdef123456"], ["--header", "Authorization: " + M]),
        (["--header", "X-Api-Key: abcdef123456"], ["--header", "X-Api-Key: " + M]),
        (["--token", "--verbose"], ["--token", "--verbose"]),
        (["--token", "${GITHUB_TOKEN}", "--api-key=${KEY}"], ["--token", "${GITHUB_TOKEN}", "--api-key=${KEY}"]),
        (["--api-key=<to be supplied: API_KEY>"], ["--api-key=<to be supplied: API_KEY>"]),
        (["--token-file", "/t", "--key-path=/k", "--no-auth"], ["--token-file", "/t", "--key-path=/k", "--no-auth"]),
        (["-y", "@mcp/server-filesystem", "/Users/me/Desktop"], ["-y", "@mcp/server-filesystem", "/Users/me/Desktop"]),
    ],
)  # fmt: skip
def test_secret_named_flags_in_args(args: list[str], masked: list[str]) -> None:
    assert mask_secrets({"config": {"command": "npx", "args": args}}) == {"config": {"command": "npx", "args": masked}}


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://u:pw-123@host.example/mcp?api_key=k-456&region=eu", f"https://u:{M}@host.example/mcp?api_key={M}&region=eu"),
        ("https://host.example/sse?token=t1&x=1", f"https://host.example/sse?token={M}&x=1"),
        ("https://host.example/mcp?access_token=a&apiKey=b", f"https://host.example/mcp?access_token={M}&apiKey={M}"),
        ("https://mcp.example/mcp", "https://mcp.example/mcp"),
        ("https://user@host.example/mcp?page=2", "https://user@host.example/mcp?page=2"),
        ("postgres://app:PASS-word@db.internal:5432/app", f"postgres://app:{M}@db.internal:5432/app"),
        ("mongodb+srv://admin:Mongo-Pass1@c0.ab1cd.mongodb.net/db?w=majority", f"mongodb+srv://admin:{M}@c0.ab1cd.mongodb.net/db?w=majority"),
        ("redis://:redis-pw@localhost:6379/0", f"redis://:{M}@localhost:6379/0"),
        ("mysql://root:p@ss@db:3306/x", f"mysql://root:{M}@db:3306/x"),
    ],
)  # fmt: skip
def test_urls_show_everything_but_their_credentials(url: str, masked: str) -> None:
    assert mask_secrets({"config": {"url": url}}) == {"config": {"url": masked}}


def test_a_dsn_under_any_key_and_in_args() -> None:
    record = {
        "config": {"command": "npx", "args": ["-y", "@mcp/postgres", "postgresql://app:Pg-Pass9@localhost/db"]},
        "notes": {"connection": "redis://default:r3dis@cache:6379"},
    }
    assert mask_secrets(record) == {
        "config": {"command": "npx", "args": ["-y", "@mcp/postgres", f"postgresql://app:{M}@localhost/db"]},
        "notes": {"connection": f"redis://default:{M}@cache:6379"},
    }


@pytest.mark.parametrize("token", [GHP, GITHUB_PAT, GHO, SLACK, AWS, GLPAT, GOOGLE, OPENAI, JWT])
def test_well_known_token_shapes_are_masked_anywhere(token: str) -> None:
    record = {"description": f"uses {token} for access", "config": {"command": "x", "args": [token]}}
    assert mask_secrets(record) == {"description": f"uses {M} for access", "config": {"command": "x", "args": [M]}}


def test_a_pem_private_key_block_is_masked() -> None:
    record = {"OAUTH_ADDITIONAL_PARAMS": {"cert": "see below\n" + PEM + "\nend"}}
    assert mask_secrets(record) == {"OAUTH_ADDITIONAL_PARAMS": {"cert": f"see below\n{M}\nend"}}


def test_secret_keys_in_oauth_additional_params() -> None:
    params = {
        "client_assertion": "assert-value",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "private_pem": "pem-value",
        "private_key": "key-value",
        "audience": "https://api.example",
    }
    assert mask_secrets({"oauth_config": {"OAUTH_ADDITIONAL_PARAMS": params}}) == {
        "oauth_config": {
            "OAUTH_ADDITIONAL_PARAMS": {
                "client_assertion": M,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "private_pem": M,
                "private_key": M,
                "audience": "https://api.example",
            }
        }
    }


@pytest.mark.parametrize(
    "text",
    [
        "sk-learn-compatible-estimator-wrapper",
        "a3f1c9e2-5b7d-4e8a-9c0b-1d2e3f4a5b6c",
        "--api-key is required",
        "Use the token flag to pass a token",
        "Bearer",
    ],
)
def test_ordinary_text_stays_visible(text: str) -> None:
    assert mask_secrets({"description": text}) == {"description": text}


def test_secret_values_are_the_secret_parts_only() -> None:
    record = {"config": {"url": "https://u:pw-123@h.example/m?api_key=k-456", "headers": {"X": "hv"}}}
    assert secret_values(record) == {"pw-123", "k-456", "hv"}


# --- masks at the new positions go back --------------------------------------------------------


def test_partial_masks_restore_the_stored_secrets() -> None:
    stored = {
        "config": {
            "command": "npx",
            "args": [
                *("--token", "tok-1", "--api-key=key-2", "postgres://app:pg-3@db/app", "--password", "pw-4"),
                *("--header", "Authorization: Bearer abc123def456"),
            ],
            "url": "https://u:pw-5@h.example/mcp?api_key=k-6&x=1",
        }
    }
    masked = mask_secrets(stored)
    assert masked["config"]["args"] == [
        *("--token", M, "--api-key=" + M, f"postgres://app:{M}@db/app", "--password", M),
        *("--header", "Authorization: " + M),
    ]
    assert restore_masked(masked, stored) == stored
    # A new argument in front does not shift which secret goes where.
    sent = {"config": {**masked["config"], "args": ["--verbose", *masked["config"]["args"]]}}
    assert restore_masked(sent, stored)["config"]["args"] == ["--verbose", *stored["config"]["args"]]


def test_a_masked_url_changed_around_the_mask() -> None:
    stored = {"url": "https://u:pw-5@h.example/mcp?api_key=k-6"}
    # The same host, another path: the secrets stay with the host they were given for.
    moved = restore_masked({"url": f"https://u:{M}@h.example/v2/mcp?api_key={M}"}, stored)
    assert moved == {"url": "https://u:pw-5@h.example/v2/mcp?api_key=k-6"}
    for elsewhere in (
        f"https://u:{M}@evil.example/mcp?api_key={M}",
        f"http://u:{M}@h.example/mcp?api_key={M}",
        f"https://u:{M}@h.example:8443/mcp?api_key={M}",
    ):
        with pytest.raises(MaskWithoutSecret, match=r"^url: "):
            restore_masked({"url": elsewhere}, stored)


@pytest.mark.parametrize(
    "variant",
    [
        MASK + "\n",
        " " + MASK,
        "\u201c" + MASK + "\u201d",
        MASK.upper(),
        MASK.title(),
        "Bearer " + MASK,
        "<masked secret: unchanged",
        "prefix-<Masked Secret: unchanged when sent back>-suffix",
        MASK.replace(" ", "\u00a0"),
    ],
)
def test_every_variant_of_the_mask_is_found(variant: str) -> None:
    assert find_mask({"config": {"env": {"K": variant}}}) == "config.env.K"
    assert find_mask({"args": ["a", variant]}) == "args.1"


def test_a_mask_variant_is_never_restored_as_a_value() -> None:
    stored = {"env": {"K": "real"}, "description": "hello"}
    for variant in (MASK + "\n", " " + MASK, "Bearer " + MASK):
        with pytest.raises(MaskWithoutSecret, match=r"env\.K"):
            restore_masked({"env": {"K": variant}}, stored)
    with pytest.raises(MaskWithoutSecret, match="description"):
        restore_masked({"description": "hello " + MASK}, stored)


def test_ordinary_mentions_of_masks_are_not_masks() -> None:
    assert find_mask({"description": "Returns masked secrets, never the values"}) is None


def _deep(value: Any, depth: int) -> Any:
    return value if depth == 0 else {"nested": _deep(value, depth - 1)}


def test_a_token_deep_in_a_record_is_masked() -> None:
    assert mask_secrets(_deep(GHP, 12)) == _deep(M, 12)


# --- env and headers: secret unless named as a setting ------------------------------------------


def test_every_env_and_header_value_is_secret_whatever_its_name() -> None:
    # A name is the caller's choice: DATABASE_URL holds a password, a "region" may hold a token.
    env = {
        "GITLAB_API_URL": "https://gitlab.example/api/v4",
        "SLACK_TEAM_ID": "T01234567",
        "AWS_REGION": "us-east-1",
        "LOG_LEVEL": "debug",
        "DATABASE_URL": "postgres://app:db-pw-1@db:5432/app",
        "API_TOKEN": "plain-token",
        "MY_VALUE": "opaque",
    }
    headers = {"Notion-Version": "2022-06-28", "X-Custom": "opaque", "Authorization": "Bearer x"}
    record = {"config": {"env": env, "headers": headers}}
    assert mask_secrets(record) == {"config": {"env": dict.fromkeys(env, M), "headers": dict.fromkeys(headers, M)}}
    # An empty value holds nothing to hide, and stays.
    kept = {"config": {"env": {"EMPTY": ""}}}
    assert mask_secrets(kept) == kept


def test_a_slack_webhook_url_anywhere_hides_its_secret_path() -> None:
    url = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
    assert mask_secrets({"notify": url}) == {"notify": f"https://hooks.slack.com/{M}"}


# --- over- and under-masking over the README configs of popular MCP servers ---------------------


def test_every_labelled_secret_of_the_corpus_is_masked_and_nearly_every_other_value_stays() -> None:
    figures = measure(load())
    assert figures.servers >= 20 and figures.secrets >= 20
    assert figures.shown_secrets == [] and figures.secrets_masked == figures.secrets
    # The values masked although not labelled secret are all in env or headers, where every value is
    # treated as a secret by promise; everywhere else, every other value stays visible.
    assert all(".env." in where or ".headers." in where for where in figures.hidden_values), figures.hidden_values


def test_the_corpus_measure_counts_what_it_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = {
        "servers": [
            {
                "name": "one",
                "mcp_config": {"config": {"command": "npx", "args": ["--token", "tok-1"], "url": "https://u:pw@h/x"}},
                "secrets": ["tok-1", "pw"],
            }
        ]
    }
    counts = ("secrets", "secrets_masked", "values", "values_visible")
    assert [getattr(measure(corpus), name) for name in counts] == [2, 2, 3, 3]
    monkeypatch.setattr("benchmarks.masking.mask_secrets", lambda value: value)  # hides nothing
    assert [getattr(measure(corpus), name) for name in counts] == [2, 0, 3, 3]
    everything = {"config": {"command": M, "args": [M, M], "url": M}}
    monkeypatch.setattr("benchmarks.masking.mask_secrets", lambda value: everything)  # hides everything
    assert [getattr(measure(corpus), name) for name in counts] == [2, 2, 3, 0]


# --- edges: each one a way the code could go wrong unnoticed -------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ('--password="two words" --user=bob', f'--password="{M}" --user=bob'),
        ("--password='two words' --user=bob", f"--password='{M}' --user=bob"),
        ("Bearer a1b2c3d4", f"Bearer {M}"),  # the shortest credential the table knows
        ("xoxb-12345abcde", M),
        ("--api-key is required; set region=eu", "--api-key is required; set region=eu"),
    ],
)
def test_text_edges(text: str, masked: str) -> None:
    assert mask_secrets({"description": text}) == {"description": masked}


def test_a_flag_list_anywhere_is_read_as_a_command_line_even_beside_numbers() -> None:
    record = {"extra": {"cli": [1, "--token", "abc-1", None, "--port", "80"]}}
    assert mask_secrets(record) == {"extra": {"cli": [1, "--token", M, None, "--port", "80"]}}
    assert secret_values(record) == {"abc-1"}


def test_inline_secrets_name_each_place_and_skip_references() -> None:
    record = {
        "config": {
            "args": ["--token", "abc-1", "--api-key=${KEY}", "--secret", "   "],
            "env": {"API_TOKEN": "t-2", "EXTRA": "fast", "GH_TOKEN": "$GH"},
            "url": "https://u:pw-3@h/x",
        }
    }
    assert [(found.path, found.text) for found in inline_secrets(record)] == [
        (("config", "args", 1), "abc-1"),
        (("config", "env", "API_TOKEN"), "t-2"),
        (("config", "url"), "pw-3"),
    ]


def test_scrub_replaces_the_longest_secret_first_and_skips_very_short_ones() -> None:
    text = "key sk-abcdef and sk-abc, pw ab, x, abcd, id azzzz"
    secrets = ["sk-abc", "sk-abcdef", "ab", "x", "abcd", "zzzz", "azzzz"]
    r = REDACTED
    assert scrub(text, secrets) == f"key {r} and {r}, pw ab, x, {r}, id {r}"


def test_find_mask_names_the_place_and_passes_over_other_values() -> None:
    assert find_mask(MASK) == "(value)"
    assert find_mask({"n": 1, "b": None, "t": True, "list": [2.5, "x"]}) is None
    assert find_mask({"a": [{"b": ["x", "y " + MASK]}]}) == "a.0.b.1"


def test_restore_refusals_say_where_and_why() -> None:
    exact = r"^\(value\): holds the mask '<masked secret: unchanged when sent back>', but no secret is stored there "
    with pytest.raises(MaskWithoutSecret, match=exact + "to keep; send the real value$") as refused:
        restore_masked(MASK, None)
    assert refused.value.path == "(value)"
    for stored in ({"a": None}, {"a": ""}, {"a": {"b": "c"}}, {"a": ["c"]}, {"a": MASK}, {}):
        with pytest.raises(MaskWithoutSecret, match=r"^a: .*no secret is stored there"):
            restore_masked({"a": M}, stored)
    with pytest.raises(MaskWithoutSecret, match=r"^a\.0: .*no secret is stored there"):
        restore_masked({"a": [M]}, {"a": []})
    with pytest.raises(MaskWithoutSecret, match=r"^1: .*no secret is stored there"):
        restore_masked(["x", M], ["x"])
    with pytest.raises(MaskWithoutSecret, match=r"^u: .*the URL now points elsewhere"):
        restore_masked({"u": f"https://u:{M}@b.example/"}, {"u": "https://u:pw@a.example/"})
    with pytest.raises(MaskWithoutSecret, match=r"^env\.K: .*the text around it is not what was read"):
        restore_masked({"env": {"K": "x" + M}}, {"env": {"K": "real"}})
    with pytest.raises(MaskWithoutSecret, match=r"^d: .*the text around it is not what was read"):
        restore_masked({"d": f"{M} and {M}"}, {"d": "https://u:pw@h/"})


@pytest.mark.parametrize(
    ("sent", "stored", "message"),
    [
        (
            {"args": [f"--token={M} --key={M}"]},
            {"args": ["--token=abc123"]},
            "args.0: holds the mask '<masked secret: unchanged when sent back>', but the text around it is not "
            "what was read, so which stored secret it stands for is unknown; send the real value",
        ),
        (
            {"args": [f"--name={M}"]},
            {"args": ["--token=abc123"]},
            "args.0: holds the mask '<masked secret: unchanged when sent back>', but the text around it is not "
            "what was read, so which stored secret it stands for is unknown; send the real value",
        ),
        (
            {"url": f"https://u:{M}@b.example/mcp"},
            {"url": "https://u:pw@a.example/mcp"},
            "url: holds the mask '<masked secret: unchanged when sent back>', but the URL now points elsewhere "
            "(scheme, host or port), and a secret stays with the server it was given for; send the real value",
        ),
    ],
)
def test_a_refused_mask_is_named_in_full_with_why(sent: Any, stored: Any, message: str) -> None:
    """More masks than secrets, a secret moved where it is no longer one, a URL sent to another host."""
    with pytest.raises(MaskWithoutSecret) as refused:
        restore_masked(sent, stored)
    assert str(refused.value) == message


def test_args_sent_back_without_their_command_are_read_as_under_the_stored_one() -> None:
    stored = {"command": "mysql", "args": ["-uroot", "-pS3cret", "appdb"]}
    assert mask_secrets(stored)["args"] == ["-uroot", f"-p{M}", "appdb"]
    assert restore_masked({"args": ["-uroot", f"-p{M}", "otherdb"]}, stored) == {
        "args": ["-uroot", "-pS3cret", "otherdb"]
    }


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("GITHUB_TOKEN", "", True),  # by its name, before any value is given
        ("Authorization", "${input:auth}", True),
        ("REGION", GHP, True),  # by what its value holds
        ("DATABASE_URL", "postgres://app:pa55@db/x", True),
        ("REGION", "us-east-1", False),
        ("LOG_LEVEL", "${LOG_LEVEL}", False),
    ],
)
def test_a_setting_is_secret_by_its_name_or_by_what_its_value_holds(name: str, value: str, secret: bool) -> None:
    assert secret_setting(name, value) is secret


def test_restore_keeps_what_has_no_mask_whatever_is_stored() -> None:
    assert restore_masked({"a": {"b": 1}, "c": ["x"]}, {"a": "text", "c": "text"}) == {"a": {"b": 1}, "c": ["x"]}
    assert restore_masked({"args": ["a", "b", "c"]}, {"args": ["a"]}) == {"args": ["a", "b", "c"]}
    assert restore_masked({"args": ["a"]}, {}) == {"args": ["a"]}
    assert restore_masked({"n": M}, {"n": 7777}) == {"n": 7777}
    # A URL's scheme and host compare without regard to case.
    assert restore_masked({"u": f"HTTPS://u:{M}@H.Example/"}, {"u": "https://u:pw@h.example/"}) == {
        "u": "HTTPS://u:pw@H.Example/"
    }


def test_a_reordered_object_in_a_longer_list_keeps_its_secret() -> None:
    stored = {"credentials": [{"user": "u", "password": "p-1"}]}
    sent = {"credentials": [{"user": "v", "password": "p-new"}, {"password": M, "user": M}]}
    assert restore_masked(sent, stored) == {
        "credentials": [{"user": "v", "password": "p-new"}, {"password": "p-1", "user": "u"}]
    }


def test_a_long_command_line_with_an_argument_added_in_front_keeps_every_secret() -> None:
    # 250 arguments, 20 of them secrets: a diff that treats common elements as junk would lose them.
    args = [item for index in range(115) for item in (f"--opt-{index}", f"v{index}")]
    args += [item for index in range(10) for item in ("--token", f"tok-{index}")]
    stored = {"args": args}
    sent = {"args": ["--verbose", *mask_secrets(stored)["args"]]}
    assert restore_masked(sent, stored) == {"args": ["--verbose", *args]}


@pytest.mark.parametrize(
    "value",
    [
        "${DB_PASSWORD}",
        "${input:db-password}",
        "${config:db.password}",
        "${env:DB_PASSWORD}",
        "$DB_PASSWORD",
        "{{ db_password }}",
        "<to be supplied: DB_PASSWORD>",
    ],
)
def test_a_reference_alone_stays_in_view(value: str) -> None:
    assert mask_secrets({"args": [f"--password={value}"]}) == {"args": [f"--password={value}"]}


@pytest.mark.parametrize(
    "value",
    [
        "${DB_PASSWORD:-changeme}",  # a shell default: the password itself
        "${DB_PASSWORD:=changeme}",
        "${DB_PASSWORD-changeme}",
        "${P:-changeme}",
        "${DB_PASSWORD}changeme",
        "${unclosed-changeme",
    ],
)
def test_a_reference_with_more_to_it_is_masked(value: str) -> None:
    assert mask_secrets({"args": [f"--password={value}"]}) == {"args": [f"--password={MASK}"]}


def test_a_mask_wrapped_around_another_is_a_variant_no_restore_resolves() -> None:
    wrapped = "<masked secret: unchanged" + MASK + " when sent back>"
    assert find_mask({"env": {"K": wrapped}}, variants_only=True) == "env.K"
    assert find_mask({"env": {"K": "x" + MASK + "y"}}, variants_only=True) is None


def test_text_left_around_a_mask_that_reads_as_another_mask_is_refused() -> None:
    # Without the exact mask, what is left says "masked secret:": a mangled copy no restore resolves.
    assert find_mask({"args": ["masked" + MASK + " secret: x"]}, variants_only=True) == "args.0"

"""References (`${input:id}`, `{{ name }}`, `<placeholder>`) stay in view; a value that only looks
like one, or carries a default (Spring's `${NAME:value}`), is masked."""

from __future__ import annotations

import pytest

from registry_mcp.secrets.masking import MASK, mask_secrets, secret_values

# `${NAME:default}` is the default syntax of Spring, Quarkus and MicroProfile (no '-'): the default is
# a secret written out. The reference pattern lets any letters-only prefix through as if it were VS
# Code's `${input:id}` / `${env:NAME}`.
COLON_DEFAULTS = [
    ({"args": ["--password", "${PASSWORD:hunter2x}"]}, {"args": ["--password", MASK]}),
    ({"args": ["--db-password=${PASSWORD:hunter2x}"]}, {"args": [f"--db-password={MASK}"]}),
    (
        {"args": ["-Dspring.datasource.password=${PASSWORD:hunter2x}"]},
        {"args": [f"-Dspring.datasource.password={MASK}"]},
    ),
    ({"url": "https://x.example/mcp?api_key=${KEY:hunter2x}"}, {"url": f"https://x.example/mcp?api_key={MASK}"}),
    ({"command": "server --token ${TOKEN:hunter2x}"}, {"command": f"server --token {MASK}"}),
]


@pytest.mark.parametrize(("record", "masked"), COLON_DEFAULTS)
def test_a_colon_default_inside_a_reference_is_masked(record: dict[str, object], masked: dict[str, object]) -> None:
    assert mask_secrets(record) == masked
    assert any("hunter2x" in secret for secret in secret_values(record))  # so scrub hides it too


# A value read up to a space that starts with '<' or '{{' is taken for a reference's first word even
# when it has no space and is no reference: a password that starts with '<', or text after one.
STARTS_LIKE_A_REFERENCE = [
    ({"args": ["--password=<Xy9!hunter2x"]}, {"args": [f"--password={MASK}"]}),
    ({"args": ["--password=<x>hunter2x"]}, {"args": [f"--password={MASK}"]}),
    ({"url": "https://x.example/mcp?token={{a}}hunter2x"}, {"url": f"https://x.example/mcp?token={MASK}"}),
]


@pytest.mark.parametrize(("record", "masked"), STARTS_LIKE_A_REFERENCE)
def test_a_value_that_only_starts_like_a_reference_is_masked(
    record: dict[str, object], masked: dict[str, object]
) -> None:
    assert mask_secrets(record) == masked


# What must stay visible (held up): VS Code's references alone.
@pytest.mark.parametrize(
    "record",
    [
        {"args": ["--api-key", "${input:api-key}"]},
        {"args": ["--token=${env:GITHUB_TOKEN}"]},
        {"args": ["-e", "API_TOKEN=${input:token}"]},
        {"url": "https://x.example/mcp?api_key=${config:mcp.key}"},
        {"args": ["--password", "{{ db_password }}"]},
        {"args": ["--password=<to be supplied>"]},
    ],
)
def test_a_reference_alone_stays_visible(record: dict[str, object]) -> None:
    assert mask_secrets(record) == record


def test_a_password_that_starts_with_a_dollar_is_no_reference() -> None:
    # `$NAME` references are upper case (environment variables); `$uperSecret1` is a password.
    assert mask_secrets({"args": ["--password", "$uperSecret1"]}) == {"args": ["--password", MASK]}
    assert mask_secrets({"args": ["--password", "$DB_PASSWORD"]}) == {"args": ["--password", "$DB_PASSWORD"]}

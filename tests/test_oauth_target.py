"""The OAuth client secret does not follow a token or authorization endpoint moved to another host."""

from __future__ import annotations

import pytest

from registry_mcp.errors import ModifyRefused
from registry_mcp.registry.patching import apply_modify
from registry_mcp.secrets.masking import MASK

STORED = {
    "saved_name": "s",
    "mcp_config": {
        "config": {"url": "https://good.example/mcp"},
        "oauth_config": {
            "enabled": True,
            "OAUTH_GRANT_TYPE": "client_credentials",
            "OAUTH_CLIENT_ID": "id",
            "OAUTH_CLIENT_SECRET": "OAUTHSECRET1",
            "OAUTH_TOKEN_URL": "https://idp.good.example/token",
        },
    },
}


@pytest.mark.parametrize("endpoint", ["OAUTH_TOKEN_URL", "OAUTH_AUTHORIZATION_URL"])
def test_the_oauth_secret_does_not_follow_a_new_endpoint(endpoint: str) -> None:
    # The gateway sends the client secret to the token endpoint: a modify that points it elsewhere,
    # leaving the server's url as it is, must not carry the stored secret there.
    changes = {"mcp_config": {"oauth_config": {endpoint: "https://evil.example/token"}}}
    updated = apply_modify(STORED, changes)
    assert updated["mcp_config"] == {
        "config": {"url": "https://good.example/mcp"},
        "oauth_config": {
            "enabled": True,
            "OAUTH_GRANT_TYPE": "client_credentials",
            "OAUTH_CLIENT_ID": "id",
            "OAUTH_TOKEN_URL": "https://idp.good.example/token",
            endpoint: "https://evil.example/token",
        },
    }


def test_the_oauth_secret_sent_back_masked_to_a_new_endpoint_is_refused() -> None:
    changes = {
        "mcp_config": {"oauth_config": {"OAUTH_TOKEN_URL": "https://evil.example/token", "OAUTH_CLIENT_SECRET": MASK}}
    }
    with pytest.raises(ModifyRefused) as refused:
        apply_modify(STORED, changes)
    assert str(refused.value) == (
        "mcp_config.oauth_config.OAUTH_CLIENT_SECRET: holds the mask '<masked secret: unchanged when sent back>', "
        "but this call changes the server's target (the scheme, host or port of an OAuth endpoint changes), and a "
        "stored secret does not follow its server to a new target; send the value again"
    )


def test_the_oauth_secret_stays_where_the_endpoint_keeps_its_origin() -> None:
    changes = {"mcp_config": {"oauth_config": {"OAUTH_TOKEN_URL": "https://idp.good.example/oauth2/token"}}}
    updated = apply_modify(STORED, changes)
    assert updated["mcp_config"]["oauth_config"]["OAUTH_CLIENT_SECRET"] == "OAUTHSECRET1"

"""A token verifier standing in for an identity provider: it knows one access token."""

from __future__ import annotations

from mcp.server.auth.provider import AccessToken

ISSUED_TOKEN = "idp-issued-access-token-4d2e"


class TinyVerifier:
    async def verify_token(self, token: str) -> AccessToken | None:
        if token != ISSUED_TOKEN:
            return None
        return AccessToken(token=token, client_id="idp-client", scopes=["registry"], subject="alice")


verifier = TinyVerifier()

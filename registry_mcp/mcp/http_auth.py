"""Who may call registry-mcp over HTTP, and with whose registry key.

`--transport http` answers a request without valid credentials with 401 and a
`WWW-Authenticate: Bearer …` challenge. One way to authenticate is chosen at start (`--auth`):

- `keys`: each caller sends its own Enkrypt API key (`Authorization: Bearer KEY`, or Enkrypt's own
  `apikey: KEY` header), and every registry request made for that call carries that key (the
  `CallerKeyTransport` under the server's one cloud client, see `registry_mcp.mcp.registries`), so the
  server holds no key and each caller sees only its own projects. The registry checks a key the first
  time it is seen; a key it refuses gets the 401. Accepted keys are remembered (by digest) for a few
  minutes, a bounded number of them.
- `token`: one token shared by every caller, from REGISTRY_MCP_HTTP_TOKEN, compared in constant time,
  in front of the server's own registry (embedded, or the cloud with the server's key).
- `oauth`: an identity provider's access tokens, checked by a `TokenVerifier` the deployment names
  (`--token-verifier module:name`); the SDK requires them and serves the protected resource metadata.
- `none`: no check, and only on a loopback address, never with `--allow-launch`: for development on one
  machine.

Keys and tokens never reach a log line or an error: they are compared, forwarded, or hashed; a line
that quotes one anyway (an access log of a URL a caller put it in) is scrubbed of the caller's own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import importlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from pydantic import ValidationError

from registry_mcp.errors import AuthenticationError, RegistryError
from registry_mcp.mcp.registries import open_registry
from registry_mcp.mcp.sdk import require_bearer_token
from registry_mcp.settings import ALLOW_LAUNCH_VARIABLE, HTTP_TOKEN_VARIABLE, HttpAuthMode
from registry_mcp.urls import is_loopback

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from registry_mcp.settings import Settings

MIN_TOKEN_LENGTH = 16
logger = logging.getLogger(__name__)


NO_WAY_TO_AUTHENTICATE = (
    f"--transport http needs a way to know who is calling: set {HTTP_TOKEN_VARIABLE} to a shared secret of at "
    f"least {MIN_TOKEN_LENGTH} characters (--auth token), let each caller send its own Enkrypt API key to the "
    "cloud registry (--auth keys), or check an identity provider's tokens (--auth oauth --token-verifier MODULE:NAME "
    "--oauth-issuer URL). For development on this machine only: --auth none."
)


@dataclass(frozen=True)
class HttpAuth:
    """How HTTP callers authenticate: the mode and what it needs."""

    mode: HttpAuthMode
    token: str | None = field(default=None, repr=False)  # the shared token (mode token)
    verifier: TokenVerifier | None = None  # the identity provider's (mode oauth)
    oauth: AuthSettings | None = None  # issuer and this resource's URL (mode oauth)

    @classmethod
    def choose(
        cls,
        settings: Settings,
        *,
        mode: str | None,
        token: str | None,
        verifier: str | None,
        issuer: str | None,
        resource_url: str,
        host: str,
    ) -> HttpAuth:
        """The mode asked for (or implied by what is configured), checked; `ValueError` saying what
        is missing otherwise. `verifier` is a 'module:name' to import; `resource_url` this server's
        public MCP endpoint."""
        if mode is None:
            mode = HttpAuthMode.TOKEN if token else HttpAuthMode.OAUTH if verifier else None
            if mode is None:
                raise ValueError(NO_WAY_TO_AUTHENTICATE)
        if mode not in set(HttpAuthMode):
            raise ValueError(f"--auth must be one of {', '.join(HttpAuthMode)}.")
        chosen = HttpAuthMode(mode)
        if chosen is HttpAuthMode.TOKEN:
            if not token or len(token) < MIN_TOKEN_LENGTH:
                raise ValueError(
                    f"--auth token needs {HTTP_TOKEN_VARIABLE} set to the shared token, at least {MIN_TOKEN_LENGTH} "
                    "characters (such as: python -c 'import secrets; print(secrets.token_urlsafe())')."
                )
            return cls(chosen, token=token)
        if chosen is HttpAuthMode.KEYS:
            if settings.api_key:
                raise ValueError(
                    "--auth keys means each caller sends its own Enkrypt API key and the server holds none: "
                    "unset ENKRYPT_API_KEY (or use --auth token to share the server's key)."
                )
            return cls(chosen)
        if chosen is HttpAuthMode.OAUTH:
            if not verifier or not issuer:
                raise ValueError(
                    "--auth oauth needs --token-verifier MODULE:NAME (a TokenVerifier, or a callable returning one, "
                    "that checks your identity provider's access tokens) and --oauth-issuer URL."
                )
            try:
                # The verifier checks each token's audience itself (validate_token_resource off).
                oauth = AuthSettings(issuer_url=issuer, resource_server_url=resource_url, validate_token_resource=False)
            except ValidationError:
                raise ValueError("--oauth-issuer and --resource-url must be http(s) URLs.") from None
            return cls(chosen, verifier=load_verifier(verifier), oauth=oauth)
        if not is_loopback(host):
            raise ValueError(f"--auth none serves only this machine: use --host 127.0.0.1 (not {host!r}).")
        if settings.allow_launch:
            # Without authentication any user of this machine would answer the consent question and run
            # commands as the server's user.
            raise ValueError(
                f"--auth none and --allow-launch ({ALLOW_LAUNCH_VARIABLE}=1) never go together: anyone on this "
                "machine could launch commands as this server's user. Choose --auth token, keys or oauth."
            )
        return cls(chosen)

    @property
    def sdk_auth(self) -> tuple[TokenVerifier, AuthSettings] | None:
        """What `create_server(oauth=...)` hands the SDK: the verifier and this resource's settings."""
        return (self.verifier, self.oauth) if self.verifier and self.oauth else None

    @staticmethod
    def caller_key() -> str | None:
        """The key or token the request being served was authenticated with (None outside one): for
        the log formatter, which scrubs it from any line logged while serving that request."""
        caller = get_access_token()
        return caller.token if caller is not None else None

    def guard(self, app: ASGIApp, settings: Settings, *, sdk_guarded: bool = True) -> ASGIApp:
        """`app` behind this mode's check. For the Streamable HTTP app (`sdk_guarded`), the oauth
        mode is the SDK's own (`create_server(..., token_verifier=, auth=)`), so `app` carries it
        already; any other app gets the same verifier here."""
        if self.mode is HttpAuthMode.OAUTH and not sdk_guarded and self.verifier is not None:
            return require_bearer_token(app, self.verifier)
        if self.mode is HttpAuthMode.TOKEN:
            assert self.token is not None
            return require_bearer_token(app, SharedTokenVerifier(self.token))
        if self.mode is HttpAuthMode.KEYS:
            return apikey_as_bearer(require_bearer_token(app, EnkryptKeyVerifier(settings)))
        return app


def load_verifier(spec: str) -> TokenVerifier:
    """The `TokenVerifier` named by 'module:name' (an instance, or a callable returning one)."""
    module_name, _, name = spec.partition(":")
    try:
        found: Any = getattr(importlib.import_module(module_name), name)
    except Exception as missing:  # the user's module may fail in any way
        problem = f"{type(missing).__name__}: {missing}"
        raise ValueError(
            f"--token-verifier {spec!r}: cannot import it ({problem}); give it as MODULE:NAME, with the module "
            "installed beside registry-mcp or on PYTHONPATH"
        ) from None
    try:
        verifier: TokenVerifier | None = (
            # A class is a callable returning one, even though it has verify_token itself.
            found
            if hasattr(found, "verify_token") and not isinstance(found, type)
            else found()
            if callable(found)
            else None
        )
    except Exception as failed:  # the user's factory, likewise
        raise ValueError(f"--token-verifier {spec!r}: calling it failed ({type(failed).__name__}: {failed})") from None
    if verifier is None or not hasattr(verifier, "verify_token"):
        raise ValueError(f"--token-verifier {spec!r} is not a TokenVerifier (an object with async verify_token).")
    return verifier


class SharedTokenVerifier:
    """Accepts the one shared token, compared in constant time."""

    def __init__(self, token: str) -> None:
        self._expected = token.encode()

    async def verify_token(self, token: str) -> AccessToken | None:
        if not hmac.compare_digest(token.encode(), self._expected):
            return None
        return AccessToken(token=token, client_id="registry-mcp-shared-token", scopes=[])


class EnkryptKeyVerifier:
    """Accepts an Enkrypt API key the registry accepts (asked with a one-item list the first time the
    key is seen), and remembers up to `size` accepted keys, by digest, for `ttl` seconds."""

    def __init__(self, settings: Settings, *, size: int = 1024, ttl: float = 300.0) -> None:
        self._settings = settings
        self._size, self._ttl = size, ttl
        self._accepted: OrderedDict[str, float] = OrderedDict()  # digest -> when to ask again

    async def verify_token(self, token: str) -> AccessToken | None:
        if not token.isascii():  # no Enkrypt key is, and an HTTP header could not carry it on
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        # Each key is its own principal: a session opened with one key cannot be used with another.
        caller = AccessToken(token=token, client_id=f"enkrypt-key-{digest[:16]}", scopes=[])
        if self._accepted.get(digest, 0.0) > time.monotonic():
            self._accepted.move_to_end(digest)
            return caller
        try:
            # The server's own client, as it would be with this key.
            async with open_registry(
                dataclasses.replace(self._settings, api_key=token, keys_from_callers=False)
            ) as probe:
                await probe.list_servers(per_page=1)
        except AuthenticationError:
            return None
        except RegistryError as failure:
            logger.warning("Could not check a caller's key with the registry (%s); refusing it", type(failure).__name__)
            return None
        self._accepted[digest] = time.monotonic() + self._ttl
        self._accepted.move_to_end(digest)
        while len(self._accepted) > self._size:
            self._accepted.popitem(last=False)
        return caller


def apikey_as_bearer(app: ASGIApp) -> ASGIApp:
    """Accept Enkrypt's own `apikey` header as the credential of a request that has no Authorization."""

    async def translated(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers: list[tuple[bytes, bytes]] = scope["headers"]
            key = next((value for name, value in headers if name == b"apikey"), None)
            if key and not any(name == b"authorization" for name, _ in headers):
                scope = {**scope, "headers": [*headers, (b"authorization", b"Bearer " + key)]}
        await app(scope, receive, send)

    return translated

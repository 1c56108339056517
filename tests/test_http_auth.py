"""The HTTP callers' checks on their own, each written so that a plausible bug fails it: a key accepted
while the registry cannot be asked (fail-open), an accepted key remembered for ever, and the shared
token compared as a prefix."""

from __future__ import annotations

import hashlib
import io
import logging
import socket
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse

from registry_mcp.logs import ScrubbingFormatter
from registry_mcp.mcp import http_auth
from registry_mcp.mcp.http_auth import (
    EnkryptKeyVerifier,
    HttpAuth,
    SharedTokenVerifier,
    apikey_as_bearer,
    load_verifier,
)
from registry_mcp.registry.embedded import RegistryStore, create_app
from registry_mcp.settings import HttpAuthMode, Settings

from .conftest import HTTP_TOKEN, ServedApp

pytestmark = pytest.mark.anyio

KEY = "enkrypt-key-of-carol-77d2"


class RevocableRegistry(ServedApp):
    """A cloud-style registry on loopback accepting `keys` until `revoke()`; it counts the requests
    made, records each request's query, and answers `status` to every request while that is set (an
    outage)."""

    def __init__(self, database: Path, *keys: str) -> None:
        self.store = RegistryStore(database)
        self.valid = True
        self.status: int | None = None
        self.asked = 0
        self.queries: list[str] = []
        apps = {key.encode(): create_app(self.store, api_key=key) for key in keys}
        refusing = create_app(self.store, api_key="a-key-nobody-holds-00000")

        async def route(scope: Any, receive: Any, send: Any) -> None:
            app = refusing
            if scope["type"] == "http":
                self.asked += 1
                self.queries.append(scope["query_string"].decode())
                if self.status is not None:
                    await send({"type": "http.response.start", "status": self.status, "headers": []})
                    await send({"type": "http.response.body", "body": b""})
                    return
                sent = dict(scope["headers"]).get(b"apikey", b"")
                app = apps.get(sent, refusing) if self.valid else refusing
            await app(scope, receive, send)

        super().__init__(route)

    def revoke(self) -> None:
        self.valid = False

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.store.close()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[RevocableRegistry]:
    with RevocableRegistry(tmp_path / "cloud.db", KEY) as served:
        yield served


def _verifier(base_url: str, **options: Any) -> EnkryptKeyVerifier:
    settings = Settings(base_url=base_url, keys_from_callers=True, timeout=2, connect_timeout=1)
    return EnkryptKeyVerifier(settings, **options)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: connecting is refused


async def test_a_valid_key_is_accepted_and_a_refused_one_is_not(registry: RevocableRegistry) -> None:
    verifier = _verifier(registry.url)
    accepted = await verifier.verify_token(KEY)
    assert accepted is not None and accepted.token == KEY
    assert await verifier.verify_token("enkrypt-key-made-up-000000") is None


@pytest.mark.parametrize("outage", ["unreachable", "500", "503"])
async def test_a_key_is_refused_while_the_registry_cannot_be_asked(registry: RevocableRegistry, outage: str) -> None:
    """Fail closed: no answer from the registry is no yes."""
    if outage == "unreachable":
        verifier = _verifier(f"http://127.0.0.1:{_closed_port()}")
    else:
        registry.status = int(outage)
        verifier = _verifier(registry.url)
    assert await verifier.verify_token(KEY) is None
    assert await verifier.verify_token("enkrypt-key-made-up-000000") is None
    if outage != "unreachable":
        registry.status = None  # back: the same key is asked about again, and now accepted
        assert await verifier.verify_token(KEY) is not None


async def test_an_accepted_key_is_asked_about_again_once_its_time_is_up(registry: RevocableRegistry) -> None:
    verifier = _verifier(registry.url, ttl=0.5)
    assert await verifier.verify_token(KEY) is not None
    asked = registry.asked
    registry.revoke()
    assert await verifier.verify_token(KEY) is not None  # remembered: not asked again
    assert registry.asked == asked
    await anyio.sleep(0.6)
    assert await verifier.verify_token(KEY) is None  # forgotten: asked again, and refused
    assert registry.asked > asked


@pytest.mark.parametrize(
    "sent",
    [
        HTTP_TOKEN[:-1],  # a prefix of the token
        HTTP_TOKEN[:16],
        "",
        HTTP_TOKEN + "x",  # the token as a prefix of what was sent
        HTTP_TOKEN + HTTP_TOKEN,
        "x" + HTTP_TOKEN,
        HTTP_TOKEN[1:],
        HTTP_TOKEN.upper(),
        HTTP_TOKEN[:-1] + chr(ord(HTTP_TOKEN[-1]) + 1),
    ],
    ids=["prefix", "first-16", "empty", "longer", "doubled", "suffix-of-sent", "suffix", "upper", "last-differs"],
)
async def test_only_the_whole_shared_token_is_accepted(sent: str) -> None:
    verifier = SharedTokenVerifier(HTTP_TOKEN)
    assert await verifier.verify_token(sent) is None
    accepted = await verifier.verify_token(HTTP_TOKEN)
    assert accepted is not None and accepted.token == HTTP_TOKEN


# --- Choosing the mode: what `registry-mcp --transport http` accepts, and the exact refusals --------------

IDP_MODULE = "corp_idp_checks"
IDP_TOKEN = "idp-token-of-dave"
IDP_SOURCE = f"""
from mcp.server.auth.provider import AccessToken


class IdpVerifier:
    async def verify_token(self, token):
        return AccessToken(token=token, client_id="dave", scopes=[]) if token == {IDP_TOKEN!r} else None


verifier = IdpVerifier()


def make_verifier():
    return IdpVerifier()


def broken_factory():
    raise RuntimeError("the identity provider's keys are not configured")


def returns_a_dict():
    return {{"verify_token": "not a method"}}


not_a_verifier = 42
"""


@pytest.fixture
def idp_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The deployment's own verifier module, on PYTHONPATH as the --token-verifier help asks."""
    (tmp_path / f"{IDP_MODULE}.py").write_text(IDP_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, IDP_MODULE, raising=False)
    module = __import__(IDP_MODULE)
    yield module
    sys.modules.pop(IDP_MODULE, None)


def _choose(settings: Settings | None = None, **options: Any) -> HttpAuth:
    given: dict[str, Any] = {
        "mode": None,
        "token": None,
        "verifier": None,
        "issuer": None,
        "resource_url": "http://127.0.0.1:8000/mcp",
        "host": "127.0.0.1",
        **options,
    }
    return HttpAuth.choose(settings or Settings(), **given)


TOKEN_TOO_SHORT = (
    "--auth token needs REGISTRY_MCP_HTTP_TOKEN set to the shared token, at least 16 characters "
    "(such as: python -c 'import secrets; print(secrets.token_urlsafe())')."
)
OAUTH_INCOMPLETE = (
    "--auth oauth needs --token-verifier MODULE:NAME (a TokenVerifier, or a callable returning one, that checks "
    "your identity provider's access tokens) and --oauth-issuer URL."
)


@pytest.mark.parametrize(
    ("settings", "options", "refusal"),
    [
        (
            Settings(),
            {},
            "--transport http needs a way to know who is calling: set REGISTRY_MCP_HTTP_TOKEN to a shared secret of "
            "at least 16 characters (--auth token), let each caller send its own Enkrypt API key to the cloud "
            "registry (--auth keys), or check an identity provider's tokens (--auth oauth --token-verifier "
            "MODULE:NAME --oauth-issuer URL). For development on this machine only: --auth none.",
        ),
        (Settings(), {"mode": "password"}, "--auth must be one of keys, token, oauth, none."),
        (Settings(), {"mode": "token"}, TOKEN_TOO_SHORT),
        (Settings(), {"mode": "token", "token": "fifteen-chars-x"}, TOKEN_TOO_SHORT),
        (Settings(), {"token": "fifteen-chars-x"}, TOKEN_TOO_SHORT),
        (
            Settings(api_key="server-held-enkrypt-key-0001"),
            {"mode": "keys"},
            "--auth keys means each caller sends its own Enkrypt API key and the server holds none: unset "
            "ENKRYPT_API_KEY (or use --auth token to share the server's key).",
        ),
        (Settings(), {"mode": "oauth", "issuer": "https://idp.example.com"}, OAUTH_INCOMPLETE),
        (Settings(), {"mode": "oauth", "verifier": f"{IDP_MODULE}:verifier"}, OAUTH_INCOMPLETE),
        (Settings(), {"verifier": f"{IDP_MODULE}:verifier"}, OAUTH_INCOMPLETE),
        (
            Settings(),
            {"mode": "oauth", "verifier": f"{IDP_MODULE}:verifier", "issuer": "idp.example.com"},
            "--oauth-issuer and --resource-url must be http(s) URLs.",
        ),
        (
            Settings(),
            {
                "mode": "oauth",
                "verifier": f"{IDP_MODULE}:verifier",
                "issuer": "https://idp.example.com",
                "resource_url": "ftp://registry.example.com/mcp",
            },
            "--oauth-issuer and --resource-url must be http(s) URLs.",
        ),
        (
            Settings(allow_launch=True),
            {"mode": "none"},
            "--auth none and --allow-launch (REGISTRY_MCP_ALLOW_LAUNCH=1) never go together: anyone on this "
            "machine could launch commands as this server's user. Choose --auth token, keys or oauth.",
        ),
    ],
    ids=[
        "nothing-configured",
        "unknown-mode",
        "token-without-token",
        "token-too-short",
        "implied-token-too-short",
        "keys-with-a-server-key",
        "oauth-without-verifier",
        "oauth-without-issuer",
        "implied-oauth-without-issuer",
        "issuer-not-a-url",
        "resource-url-not-http",
        "none-with-allow-launch",
    ],
)
def test_an_incomplete_http_auth_setup_is_refused_saying_what_is_missing(
    idp_module: Any, settings: Settings, options: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(ValueError) as refused:
        _choose(settings, **options)
    assert str(refused.value) == refusal


@pytest.mark.parametrize(
    ("options", "mode"),
    [
        ({"token": "sixteen-chars-xy"}, HttpAuthMode.TOKEN),
        ({"mode": "token", "token": "sixteen-chars-xy"}, HttpAuthMode.TOKEN),
        ({"verifier": f"{IDP_MODULE}:verifier", "issuer": "https://idp.example.com"}, HttpAuthMode.OAUTH),
        (
            {"token": "sixteen-chars-xy", "verifier": f"{IDP_MODULE}:verifier", "issuer": "https://idp.example.com"},
            HttpAuthMode.TOKEN,
        ),
        ({"mode": "keys"}, HttpAuthMode.KEYS),
        ({"mode": "none"}, HttpAuthMode.NONE),
    ],
    ids=["implied-token", "token", "implied-oauth", "a-token-wins-over-a-verifier", "keys", "none-on-loopback"],
)
def test_the_mode_asked_for_or_implied_by_what_is_configured_is_chosen(
    idp_module: Any, options: dict[str, Any], mode: HttpAuthMode
) -> None:
    assert _choose(**options).mode is mode


def test_oauth_hands_the_sdk_the_deployments_verifier_and_this_resources_settings(idp_module: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SDK warning at start (such as an unset validate_token_resource)
        auth = _choose(
            mode="oauth",
            verifier=f"{IDP_MODULE}:verifier",
            issuer="https://idp.example.com",
            resource_url="https://registry.example.com/mcp",
        )
    assert auth.sdk_auth is not None
    verifier, settings = auth.sdk_auth
    assert verifier is idp_module.verifier
    assert str(settings.issuer_url) == "https://idp.example.com"
    assert str(settings.resource_server_url) == "https://registry.example.com/mcp"
    # The deployment's verifier checks the audience itself: the SDK must not refuse its tokens again.
    assert settings.validate_token_resource is False


def test_only_oauth_hands_the_sdk_a_verifier() -> None:
    assert _choose(token="sixteen-chars-xy").sdk_auth is None
    assert _choose(mode="none").sdk_auth is None


# --- Loading --token-verifier MODULE:NAME ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["verifier", "make_verifier", "IdpVerifier"], ids=["an-instance", "a-factory", "a-class"]
)
async def test_a_token_verifier_is_loaded_from_an_instance_or_a_factory(idp_module: Any, name: str) -> None:
    # A class has verify_token too, yet is no verifier until made: it is called like a factory.
    verifier = load_verifier(f"{IDP_MODULE}:{name}")
    accepted = await verifier.verify_token(IDP_TOKEN)
    assert accepted is not None and accepted.client_id == "dave"
    assert await verifier.verify_token("someone-elses-token") is None


CANNOT_IMPORT = "; give it as MODULE:NAME, with the module installed beside registry-mcp or on PYTHONPATH"


@pytest.mark.parametrize(
    ("spec", "refusal"),
    [
        (
            "no_such_idp_module:verifier",
            "--token-verifier 'no_such_idp_module:verifier': cannot import it "
            f"(ModuleNotFoundError: No module named 'no_such_idp_module'){CANNOT_IMPORT}",
        ),
        (
            f"{IDP_MODULE}:missing",
            f"--token-verifier '{IDP_MODULE}:missing': cannot import it "
            f"(AttributeError: module '{IDP_MODULE}' has no attribute 'missing'){CANNOT_IMPORT}",
        ),
        (
            f"{IDP_MODULE}:verifier:extra",
            f"--token-verifier '{IDP_MODULE}:verifier:extra': cannot import it "
            f"(AttributeError: module '{IDP_MODULE}' has no attribute 'verifier:extra'){CANNOT_IMPORT}",
        ),
        (
            f"{IDP_MODULE}:broken_factory",
            f"--token-verifier '{IDP_MODULE}:broken_factory': calling it failed "
            "(RuntimeError: the identity provider's keys are not configured)",
        ),
        (
            f"{IDP_MODULE}:not_a_verifier",
            f"--token-verifier '{IDP_MODULE}:not_a_verifier' is not a TokenVerifier (an object with async "
            "verify_token).",
        ),
        (
            f"{IDP_MODULE}:returns_a_dict",
            f"--token-verifier '{IDP_MODULE}:returns_a_dict' is not a TokenVerifier (an object with async "
            "verify_token).",
        ),
    ],
    ids=["missing-module", "missing-name", "name-with-a-colon", "factory-raises", "not-a-verifier", "factory-of-other"],
)
def test_a_token_verifier_that_cannot_be_loaded_is_refused_saying_why(idp_module: Any, spec: str, refusal: str) -> None:
    with pytest.raises(ValueError) as refused:
        load_verifier(spec)
    assert str(refused.value) == refusal


# --- The guard in front of the served app --------------------------------------------------------------------


async def _echo(scope: Any, receive: Any, send: Any) -> None:
    """The app behind the guard: the Authorization headers it was given, and whose request it serves."""
    seen = [value.decode() for name, value in scope["headers"] if name == b"authorization"]
    await JSONResponse({"authorization": seen, "caller_key": HttpAuth.caller_key()})(scope, receive, send)


async def _get(app: Any, headers: dict[str, str] | None = None) -> httpx2.Response:
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://registry.test") as client:
        return await client.get("/mcp", headers=headers or {})


async def test_token_mode_lets_in_only_the_whole_shared_token() -> None:
    settings = Settings()
    guarded = _choose(settings, mode="token", token=HTTP_TOKEN).guard(_echo, settings)
    refused = await _get(guarded)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    for wrong in (HTTP_TOKEN[:-1], HTTP_TOKEN + "x", "sixteen-chars-xy"):
        assert (await _get(guarded, {"Authorization": f"Bearer {wrong}"})).status_code == 401
    served = await _get(guarded, {"Authorization": f"Bearer {HTTP_TOKEN}"})
    assert served.status_code == 200
    assert served.json()["caller_key"] == HTTP_TOKEN


def _oauth() -> HttpAuth:
    return _choose(mode="oauth", verifier=f"{IDP_MODULE}:verifier", issuer="https://idp.example.com")


async def test_oauth_mode_guards_another_app_with_the_deployments_verifier(idp_module: Any) -> None:
    settings = Settings()
    guarded = _oauth().guard(_echo, settings, sdk_guarded=False)
    assert (await _get(guarded)).status_code == 401
    assert (await _get(guarded, {"Authorization": "Bearer someone-elses-token"})).status_code == 401
    served = await _get(guarded, {"Authorization": f"Bearer {IDP_TOKEN}"})
    assert served.status_code == 200
    assert served.json()["caller_key"] == IDP_TOKEN


async def test_oauth_mode_leaves_the_streamable_http_app_to_the_sdks_own_check(idp_module: Any) -> None:
    """create_server(oauth=auth.sdk_auth) builds the check into that app: a second one is not added."""
    settings = Settings()
    assert (await _get(_oauth().guard(_echo, settings))).status_code == 200


async def test_none_mode_lets_every_local_request_in() -> None:
    settings = Settings()
    served = await _get(_choose(settings, mode="none").guard(_echo, settings))
    assert served.status_code == 200
    assert served.json() == {"authorization": [], "caller_key": None}


@pytest.mark.parametrize(
    ("headers", "accepted", "caller_key"),
    [
        ({}, False, None),
        ({"Authorization": f"Bearer {KEY}"}, True, KEY),
        ({"apikey": KEY}, True, KEY),
        ({"apikey": KEY, "Authorization": "Bearer enkrypt-key-made-up-000000"}, False, None),
        ({"apikey": "enkrypt-key-made-up-000000", "Authorization": f"Bearer {KEY}"}, True, KEY),
    ],
    ids=["no-key", "bearer", "apikey-header", "apikey-does-not-override-authorization", "authorization-wins"],
)
async def test_keys_mode_lets_in_a_key_the_registry_accepts_as_bearer_or_apikey(
    registry: RevocableRegistry, headers: dict[str, str], accepted: bool, caller_key: str | None
) -> None:
    settings = Settings(base_url=registry.url, keys_from_callers=True, timeout=2, connect_timeout=1)
    guarded = _choose(settings, mode="keys").guard(_echo, settings)
    answer = await _get(guarded, headers)
    assert answer.status_code == (200 if accepted else 401)
    if accepted:
        assert answer.json()["caller_key"] == caller_key


@pytest.mark.parametrize(
    ("headers", "authorization"),
    [
        ({}, []),
        ({"apikey": "sk-carol"}, ["Bearer sk-carol"]),
        ({"apikey": ""}, []),
        ({"Authorization": "Bearer sk-dave"}, ["Bearer sk-dave"]),
        ({"apikey": "sk-carol", "Authorization": "Bearer sk-dave"}, ["Bearer sk-dave"]),
        ({"X-Other": "something", "apikey": "sk-carol", "Accept": "*/*"}, ["Bearer sk-carol"]),
    ],
    ids=["neither", "apikey", "empty-apikey", "authorization", "both", "among-other-headers"],
)
async def test_an_apikey_header_becomes_the_bearer_credential_only_without_authorization(
    headers: dict[str, str], authorization: list[str]
) -> None:
    answer = await _get(apikey_as_bearer(_echo), headers)
    assert answer.json()["authorization"] == authorization


async def test_apikey_translation_hands_the_app_the_request_body() -> None:
    async def echo_body(scope: Any, receive: Any, send: Any) -> None:
        await JSONResponse({"body": (await Request(scope, receive).body()).decode()})(scope, receive, send)

    message = '{"jsonrpc": "2.0", "id": 1, "method": "ping"}'
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=apikey_as_bearer(echo_body)), base_url="http://registry.test"
    ) as client:
        answer = await client.post("/mcp", content=message, headers={"apikey": "sk-carol"})
    assert answer.json() == {"body": message}


async def test_apikey_translation_passes_other_scopes_through_unchanged() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    async def receive() -> Any:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        return None

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    await apikey_as_bearer(app)(scope, receive, send)
    assert seen == [scope]


async def test_a_line_logged_while_serving_a_caller_is_scrubbed_of_its_token() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ScrubbingFormatter([], caller_key=HttpAuth.caller_key))
    logger = logging.getLogger("tests.http_auth.scrubbed")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    async def chatty(scope: Any, receive: Any, send: Any) -> None:
        logger.info("the caller sent %s", HTTP_TOKEN)
        await JSONResponse({})(scope, receive, send)

    try:
        settings = Settings()
        guarded = _choose(settings, mode="token", token=HTTP_TOKEN).guard(chatty, settings)
        assert (await _get(guarded, {"Authorization": f"Bearer {HTTP_TOKEN}"})).status_code == 200
        logger.info("outside any request")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("INFO tests.http_auth.scrubbed: the caller sent ")
    assert HTTP_TOKEN not in lines[0]
    assert lines[1] == "INFO tests.http_auth.scrubbed: outside any request"
    assert HttpAuth.caller_key() is None


# --- The verifiers' principals and memory -----------------------------------------------------------------


async def test_the_shared_token_is_one_principal() -> None:
    accepted = await SharedTokenVerifier(HTTP_TOKEN).verify_token(HTTP_TOKEN)
    assert accepted is not None
    assert accepted.client_id == "registry-mcp-shared-token"


async def test_each_enkrypt_key_is_its_own_principal_named_by_its_digest(tmp_path: Path) -> None:
    other = "enkrypt-key-of-erin-11ab"
    with RevocableRegistry(tmp_path / "cloud.db", KEY, other) as served:
        verifier = _verifier(served.url)
        carol, erin = await verifier.verify_token(KEY), await verifier.verify_token(other)
    assert carol is not None and erin is not None
    assert carol.client_id == "enkrypt-key-" + hashlib.sha256(KEY.encode()).hexdigest()[:16]
    assert erin.client_id == "enkrypt-key-" + hashlib.sha256(other.encode()).hexdigest()[:16]
    assert KEY not in carol.client_id


async def test_a_key_is_checked_with_a_one_item_page(registry: RevocableRegistry) -> None:
    assert await _verifier(registry.url).verify_token(KEY) is not None
    assert len(registry.queries) == 1
    assert "per_page=1" in registry.queries[0].split("&")


class FrozenClock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


async def test_an_accepted_key_is_remembered_for_exactly_its_time(
    registry: RevocableRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock()
    monkeypatch.setattr(http_auth, "time", clock)
    verifier = _verifier(registry.url, ttl=10.0)
    # a key never seen is asked about, whatever the clock says
    assert await verifier.verify_token("enkrypt-key-made-up-000000") is None
    assert await verifier.verify_token(KEY) is not None
    assert registry.asked == 2
    registry.revoke()
    clock.now = 9.5
    assert await verifier.verify_token(KEY) is not None  # remembered
    assert registry.asked == 2
    clock.now = 10.0
    assert await verifier.verify_token(KEY) is None  # its time is up: asked again, and now refused
    assert registry.asked == 3


async def test_only_the_most_recently_used_keys_are_remembered(tmp_path: Path) -> None:
    first, second, third = "enkrypt-key-first-000001", "enkrypt-key-second-00002", "enkrypt-key-third-000003"
    with RevocableRegistry(tmp_path / "cloud.db", first, second, third) as served:
        verifier = _verifier(served.url, size=2)
        for key in (first, second, first, third):  # `first` used again: `second` is the least recent
            assert await verifier.verify_token(key) is not None
        served.revoke()
        assert await verifier.verify_token(first) is not None
        assert await verifier.verify_token(third) is not None
        assert await verifier.verify_token(second) is None  # forgotten: asked again, and refused


async def test_a_key_refused_for_an_outage_is_logged_without_the_key(
    registry: RevocableRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    registry.status = 503
    with caplog.at_level(logging.WARNING, logger="registry_mcp.mcp.http_auth"):
        assert await _verifier(registry.url).verify_token(KEY) is None
    warned = [record.getMessage() for record in caplog.records if record.name == "registry_mcp.mcp.http_auth"]
    assert warned == ["Could not check a caller's key with the registry (RegistryUnavailable); refusing it"]
    assert KEY not in caplog.text

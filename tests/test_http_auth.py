"""The HTTP callers' checks on their own, each written so that a plausible bug fails it: a key accepted
while the registry cannot be asked (fail-open), an accepted key remembered for ever, and the shared
token compared as a prefix."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from registry_mcp.mcp.http_auth import EnkryptKeyVerifier, SharedTokenVerifier
from registry_mcp.registry.embedded import RegistryStore, create_app
from registry_mcp.settings import Settings

from .conftest import HTTP_TOKEN, ServedApp

pytestmark = pytest.mark.anyio

KEY = "enkrypt-key-of-carol-77d2"


class RevocableRegistry(ServedApp):
    """A cloud-style registry on loopback accepting one key until `revoke()`; it counts the requests
    each key made, and answers `status` to every request while that is set (an outage)."""

    def __init__(self, database: Path, key: str) -> None:
        self.store = RegistryStore(database)
        self.valid = True
        self.status: int | None = None
        self.asked = 0
        app = create_app(self.store, api_key=key)
        refusing = create_app(self.store, api_key="a-key-nobody-holds-00000")

        async def route(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.asked += 1
                if self.status is not None:
                    await send({"type": "http.response.start", "status": self.status, "headers": []})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await (app if self.valid else refusing)(scope, receive, send)

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

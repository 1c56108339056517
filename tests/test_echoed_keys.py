"""A registry that echoes the key sent (the server's, or a caller's in keys mode) inside an answer,
even as a field's name where the answer's shape is wrong: no error carries it on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx2
import pytest
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from registry_mcp.errors import RegistryError, UnexpectedResponse
from registry_mcp.mcp.registries import CallerKeyTransport
from registry_mcp.registry.client import RegistryClient
from registry_mcp.registry.retries import NO_RETRIES

from .test_client_exchange import BASE, KEY, STORED, Scripted, _json

pytestmark = pytest.mark.anyio

CALLER = "sk-caller-PLANTED-9876543210"


def _page_echoing(key: str) -> dict[str, object]:
    # One record whose env is keyed by the key sent, with a value of the wrong type: the shape error
    # names the field by its path, the key in it.
    record = {"saved_name": "x", "mcp_config": {"config": {"command": "npx", "env": {key: 5}}}}
    return {"data": [record], "pagination": {"page": 1, "per_page": 20, "total": 1}}


@pytest.fixture
def callers_key() -> Iterator[None]:
    reset = auth_context_var.set(AuthenticatedUser(AccessToken(token=CALLER, client_id="caller", scopes=[])))
    yield
    auth_context_var.reset(reset)


async def test_a_shape_error_never_quotes_the_callers_key(callers_key: None) -> None:
    transport = CallerKeyTransport(httpx2.MockTransport(Scripted(_json(200, _page_echoing(CALLER)))))
    async with RegistryClient(base_url=BASE, transport=transport, retry=NO_RETRIES) as client:
        with pytest.raises(UnexpectedResponse) as unexpected:
            await client.list_servers()
    assert CALLER not in str(unexpected.value) and "env.<redacted>" in str(unexpected.value)


async def test_a_shape_error_never_quotes_the_servers_key() -> None:
    transport = httpx2.MockTransport(Scripted(_json(200, _page_echoing(KEY))))
    async with RegistryClient(KEY, base_url=BASE, transport=transport, retry=NO_RETRIES) as client:
        with pytest.raises(UnexpectedResponse) as unexpected:
            await client.list_servers()
    assert KEY not in str(unexpected.value) and "env.<redacted>" in str(unexpected.value)


def _stored_echoing(key: str) -> dict[str, object]:
    return {**STORED, "description": f"the key you sent: {key}"}


@pytest.mark.parametrize(
    "encoded",
    [
        lambda text: text.encode("utf-8"),
        # JSON may come in UTF-16 or UTF-32 (RFC 8259's readers detect it): the key is still in it.
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("utf-32-le"),
    ],
    ids=["utf-8", "utf-16", "utf-32"],
)
async def test_a_key_echoed_in_an_answer_that_is_read_is_redacted_in_any_json_encoding(
    encoded: Callable[[str], bytes],
) -> None:
    body = encoded(json.dumps(_stored_echoing(KEY)))
    registry = Scripted(httpx2.Response(200, content=body, headers={"content-type": "application/json"}))
    async with RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry)) as client:
        record = await client.get_server("files")
    assert record.description == "the key you sent: <redacted>"
    assert record.mcp_config is not None
    assert record.mcp_config.model_dump(exclude_none=True) == STORED["mcp_config"]


async def test_an_answer_with_a_lone_surrogate_is_read_and_still_redacted() -> None:
    # Python's JSON reader lets a lone surrogate through as raw bytes: the check for an echoed key
    # must read such an answer rather than fail on it.
    body = json.dumps({**_stored_echoing(KEY), "server_name": "x"}).encode().replace(b'"x"', b'"\xed\xa0\x80 x"')
    registry = Scripted(httpx2.Response(200, content=body, headers={"content-type": "application/json"}))
    async with RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry)) as client:
        record = await client.get_server("files")
    assert record.server_name == "\ud800 x" and record.description == "the key you sent: <redacted>"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
async def test_a_refusal_in_utf16_or_utf32_is_read_as_such_and_never_quotes_the_key(encoding: str) -> None:
    # Read as UTF-8, such a body is the key with a NUL between its characters: no scrubber's match,
    # yet every reader of the error can put it back together.
    body = json.dumps({"message": f"bad key {KEY}"}).encode(encoding)
    registry = Scripted(httpx2.Response(422, content=body, headers={"content-type": "application/json"}))
    async with RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry)) as client:
        with pytest.raises(RegistryError) as refused:
            await client.get_server("files")
    assert "Registry said: bad key <redacted>. Correct what" in str(refused.value)

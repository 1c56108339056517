"""A registry that echoes the key sent (the server's, or a caller's in keys mode) inside an answer,
even as a field's name where the answer's shape is wrong: no error carries it on."""

from __future__ import annotations

import json
from collections.abc import Iterator

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


def _escaped(key: str, every: int) -> str:
    """`key` as JSON may write it, every `every`-th character as a `\\uXXXX` escape."""
    return "".join(f"\\u{ord(c):04x}" if i % every == 0 else c for i, c in enumerate(key))


@pytest.mark.parametrize(
    "written",
    [
        KEY,
        _escaped(KEY, 2),  # escapes read away: the check is on the texts as read, not as sent
        _escaped(KEY, 7),
        "\\u0000".join(KEY),  # UTF-16 read as UTF-8 and escaped: NULs between its characters
    ],
    ids=["plain", "every-2nd-escaped", "every-7th-escaped", "nul-spread"],
)
async def test_a_key_echoed_in_an_answer_that_is_read_is_redacted_however_json_writes_it(written: str) -> None:
    body = json.dumps(_stored_echoing("KEY")).replace('"the key you sent: KEY"', f'"the key you sent: {written}"')
    registry = Scripted(httpx2.Response(200, content=body.encode(), headers={"content-type": "application/json"}))
    async with RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry)) as client:
        record = await client.get_server("files")
    assert record.description == "the key you sent: <redacted>"
    assert record.mcp_config is not None
    assert record.mcp_config.model_dump(exclude_none=True) == STORED["mcp_config"]


async def test_a_key_echoed_as_a_partly_escaped_field_name_is_not_named_by_the_shape_error() -> None:
    page = json.dumps(_page_echoing("KEY")).replace('"KEY"', f'"{_escaped(KEY, 3)}"')
    registry = Scripted(httpx2.Response(200, content=page.encode(), headers={"content-type": "application/json"}))
    async with RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry)) as client:
        with pytest.raises(UnexpectedResponse) as unexpected:
            await client.list_servers()
    assert KEY not in str(unexpected.value) and "env.<redacted>" in str(unexpected.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32-le"])
async def test_an_answer_in_utf16_or_utf32_is_refused_not_read_in_an_encoding_that_hides_the_key(
    encoding: str,
) -> None:
    # JSON between systems is UTF-8 (RFC 8259); read in another encoding, a key's UTF-8 bytes placed
    # at an odd offset become other characters that no check finds, yet anyone can turn back.
    body = json.dumps(_stored_echoing(KEY)).encode(encoding)
    registry = Scripted(httpx2.Response(200, content=body, headers={"content-type": "application/json"}))
    async with RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry)) as client:
        with pytest.raises(UnexpectedResponse) as refused:
            await client.get_server("files")
    assert (
        refused.value.message == "Could not get server 'files' version 'v1': the registry's answer is not JSON in UTF-8"
    )


async def test_an_answer_with_a_lone_surrogate_is_read_and_still_redacted() -> None:
    # Python's JSON reader lets a lone surrogate through as raw bytes: the check for an echoed key
    # must read such an answer rather than fail on it.
    body = json.dumps({**_stored_echoing(KEY), "server_name": "x"}).encode().replace(b'"x"', b'"\xed\xa0\x80 x"')
    registry = Scripted(httpx2.Response(200, content=body, headers={"content-type": "application/json"}))
    async with RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry)) as client:
        record = await client.get_server("files")
    assert record.server_name == "\ud800 x" and record.description == "the key you sent: <redacted>"


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"message": f"bad key {KEY}"}).encode("utf-16"),
        json.dumps({"message": f"bad key {KEY}"}).encode("utf-16-le"),
        json.dumps({"message": f"bad key {KEY}"}).encode("utf-32-be"),
        # Not JSON, starting as UTF-16 would: read as UTF-16, the key's UTF-8 bytes become other characters.
        f"X\0 bad key {KEY} (refused)".encode(),
        b"\xff\xfe" + f"bad key {KEY}".encode(),
        json.dumps({"message": "bad key "}).encode("utf-16-le")[:-4] + b"\0" + KEY.encode() + b'\0"\0}\0',
    ],
    ids=["utf-16", "utf-16-le", "utf-32-be", "text-opening-as-utf-16", "utf-16-bom-then-utf-8", "odd-offset"],
)
async def test_a_refusal_in_any_encoding_never_quotes_the_key(body: bytes) -> None:
    registry = Scripted(httpx2.Response(422, content=body, headers={"content-type": "application/json"}))
    async with RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry)) as client:
        with pytest.raises(RegistryError) as refused:
            await client.get_server("files")
    said = str(refused.value)
    assert "<redacted>" in said
    # No reading of what is quoted gives the key back: as it is, without its NULs, or re-encoded.
    readings = [said, said.replace("\0", "")]
    readings += [said.encode(codec, "ignore").decode("utf-8", "ignore") for codec in ("utf-16-le", "utf-16-be")]
    assert not any(KEY[:12] in reading or KEY[-12:] in reading for reading in readings)

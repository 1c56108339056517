"""A registry that echoes the key sent (the server's, or a caller's in keys mode) inside an answer,
even as a field's name where the answer's shape is wrong: no error carries it on."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from registry_mcp.errors import UnexpectedResponse
from registry_mcp.mcp.registries import CallerKeyTransport
from registry_mcp.registry.client import RegistryClient
from registry_mcp.registry.retries import NO_RETRIES

from .test_client_exchange import BASE, KEY, Scripted, _json

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

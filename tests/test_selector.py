"""The endpoint table's `selector` is read: a call names its server where the table says (headers, query
parameters or body fields), so correcting an assumed row is the one-line change the table promises."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from registry_mcp import RegistryClient
from registry_mcp.registry import endpoints
from registry_mcp.registry.embedded import RegistryStore, create_app
from registry_mcp.registry.retries import NO_RETRIES

from .conftest import server_payload

pytestmark = pytest.mark.anyio

SELECTING = ("get", "modify", "delete", "list_gateways")


@pytest.fixture(params=["headers", "query", "body"])
def selector(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The table with every selecting endpoint's row changed to one selector: the one-line correction."""
    table = {
        action: dataclasses.replace(endpoint, selector=request.param) if action in SELECTING else endpoint
        for action, endpoint in endpoints.ENDPOINTS.items()
    }
    monkeypatch.setattr(endpoints, "ENDPOINTS", table)
    selected: str = request.param
    return selected


class Recorder:
    """The embedded registry's app, remembering what each request carried."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
            self.seen.append({"path": scope["path"], "headers": headers, "query": scope["query_string"].decode()})
        await self.app(scope, receive, send)


@pytest.fixture
async def recorded(selector: str) -> AsyncIterator[tuple[RegistryClient, Recorder]]:
    store = RegistryStore(":memory:")
    recorder = Recorder(create_app(store))
    transport = httpx2.ASGITransport(app=recorder)
    async with RegistryClient(base_url="http://registry.test", retry=NO_RETRIES, transport=transport) as client:
        yield client, recorder
    store.close()


async def test_every_selecting_call_names_its_server_where_the_table_says(
    selector: str, recorded: tuple[RegistryClient, Recorder]
) -> None:
    client, recorder = recorded
    await client.add_server(server_payload("picked", server_version="v2"))
    assert (await client.get_server("picked", "v2")).saved_name == "picked"
    changed = await client.modify_server("picked", "v2", {"description": "changed"})
    assert (changed.saved_name, changed.description) == ("picked", "changed")
    assert await client.list_gateways("picked", "v2") == []
    await client.delete_server("picked", "v2")

    named = [request for request in recorder.seen if not request["path"].endswith("add-server")]
    assert {request["path"] for request in named} == {endpoints.ENDPOINTS[action].path for action in SELECTING}
    for request in named:
        in_headers = endpoints.SERVER_HEADER.lower() in request["headers"]
        in_query = "saved_name=picked" in request["query"] and "server_version=v2" in request["query"]
        assert (in_headers, in_query) == (selector == "headers", selector == "query"), request


async def test_a_missing_name_is_refused_where_the_table_says(selector: str) -> None:
    store = RegistryStore(":memory:")
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=create_app(store)), base_url="http://registry.test"
    ) as http:
        get = endpoints.ENDPOINTS["get"]
        answer = await http.request(get.method, get.path, json={} if selector == "body" else None)
    store.close()
    expected = {
        "headers": f"header {endpoints.SERVER_HEADER} (the server's saved_name) is required",
        "query": "query parameter saved_name (the server's saved_name) is required",
        "body": "body field saved_name (the server's saved_name) is required",
    }
    assert (answer.status_code, answer.json()["message"]) == (400, expected[selector])

"""The embedded registry's HTTP API, spoken to directly (what the client's own checks never let through)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest

from registry_mcp.errors import Conflict
from registry_mcp.registry.embedded import RegistryStore, create_app
from registry_mcp.registry.embedded.store import Scope

from .conftest import server_payload

pytestmark = pytest.mark.anyio
SELECT = {"X-Enkrypt-MCP-Registry-Server": "one"}


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    store = RegistryStore(":memory:")
    transport = httpx2.ASGITransport(app=create_app(store))
    async with httpx2.AsyncClient(transport=transport, base_url="http://embedded") as client:
        yield client
    store.close()


async def test_add_answers_201_in_an_envelope(http: httpx2.AsyncClient) -> None:
    response = await http.post("/mcp-registry/add-server", json=server_payload("one"))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"message", "data"}
    assert body["data"]["server_version"] == "v1" and body["data"]["is_active"] is True
    assert body["data"]["job_id"] is None


async def test_get_answers_the_bare_server(http: httpx2.AsyncClient) -> None:
    await http.post("/mcp-registry/add-server", json=server_payload("one"))
    response = await http.get("/mcp-registry/get-server", headers=SELECT)
    assert response.status_code == 200 and response.json()["saved_name"] == "one"


async def test_invalid_body_is_422_with_each_problem(http: httpx2.AsyncClient) -> None:
    response = await http.post("/mcp-registry/add-server", json={"saved_name": "a b", "job_id": "x"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(line.startswith("saved_name:") for line in detail)
    assert any(line.startswith("job_id:") for line in detail)


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]"])
async def test_a_body_that_is_not_a_json_object_is_400(http: httpx2.AsyncClient, content: bytes) -> None:
    response = await http.post("/mcp-registry/add-server", content=content)
    assert response.status_code == 400


async def test_a_missing_selector_header_is_400(http: httpx2.AsyncClient) -> None:
    response = await http.get("/mcp-registry/get-server")
    assert response.status_code == 400 and "X-Enkrypt-MCP-Registry-Server" in response.json()["message"]


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=x", "is_active=maybe"])
async def test_list_query_out_of_bounds_is_400(http: httpx2.AsyncClient, query: str) -> None:
    assert (await http.get(f"/mcp-registry/list-servers?{query}")).status_code == 400


async def test_modify_refuses_identity_changes_and_a_patch_that_breaks_the_config(http: httpx2.AsyncClient) -> None:
    await http.post("/mcp-registry/add-server", json=server_payload("one"))
    renamed = await http.patch("/mcp-registry/modify-server", headers=SELECT, json={"saved_name": "two"})
    assert renamed.status_code == 400
    broken = {"mcp_config": {"config": {"command": None}}}  # null removes: a config with no command
    refused = await http.patch("/mcp-registry/modify-server", headers=SELECT, json=broken)
    assert refused.status_code == 422 and "mcp_config.config" in refused.json()["message"]
    assert (await http.get("/mcp-registry/get-server", headers=SELECT)).json()["mcp_config"]["config"][
        "command"
    ] == "npx"
    empty = await http.patch("/mcp-registry/modify-server", headers=SELECT, json={})
    assert empty.status_code == 400


async def test_modify_is_a_merge_patch(http: httpx2.AsyncClient) -> None:
    """RFC 7396: absent keys stay, null removes, objects merge, lists replace whole."""
    payload = server_payload("one", description="words", mcp_config={
        "config": {"command": "npx", "args": ["-y", "@example/one"], "env": {"A": "1", "B": "2"}},
        "denied_tools": ["a", "b"],
        "tools": {"read": {}},
    })  # fmt: skip
    await http.post("/mcp-registry/add-server", json=payload)
    patch = {"description": None, "mcp_config": {"config": {"env": {"B": None, "C": "3"}}, "denied_tools": ["c"]}}
    answer = await http.patch("/mcp-registry/modify-server", headers=SELECT, json=patch)
    assert answer.status_code == 200, answer.text
    server = answer.json()["data"]
    assert server["description"] is None
    assert server["mcp_config"] == {
        "config": {"command": "npx", "args": ["-y", "@example/one"], "env": {"A": "1", "C": "3"}},
        "denied_tools": ["c"],
        "tools": {"read": {}},
    }


async def test_bulk_add_over_100_is_refused_whole(http: httpx2.AsyncClient) -> None:
    servers = [server_payload(f"s{index}") for index in range(101)]
    response = await http.post("/mcp-registry/bulk-add-servers", json={"servers": servers})
    assert response.status_code == 422
    listing = (await http.get("/mcp-registry/list-servers")).json()
    assert listing["pagination"]["total"] == 0


async def test_a_duplicate_inside_one_bulk_add_writes_nothing(http: httpx2.AsyncClient) -> None:
    servers = [server_payload("a"), server_payload("b"), server_payload("a")]
    response = await http.post("/mcp-registry/bulk-add-servers", json={"servers": servers})
    assert response.status_code == 409
    assert (await http.get("/mcp-registry/list-servers")).json()["pagination"]["total"] == 0


async def test_a_bulk_conflict_names_every_taken_server(http: httpx2.AsyncClient) -> None:
    for taken in ("alpha", "gamma"):
        assert (await http.post("/mcp-registry/add-server", json=server_payload(taken))).status_code in (200, 201)
    servers = [server_payload("alpha"), server_payload("beta"), server_payload("gamma"), server_payload("beta")]
    response = await http.post("/mcp-registry/bulk-add-servers", json={"servers": servers})
    assert response.status_code == 409
    message = response.json()["message"]
    assert "'alpha' version 'v1'" in message and "'gamma' version 'v1'" in message
    assert "'beta' version 'v1'" in message  # twice in the one request
    assert (await http.get("/mcp-registry/list-servers")).json()["pagination"]["total"] == 2


def test_uniqueness_holds_across_connections_to_one_file(tmp_path: Path) -> None:
    first, second = RegistryStore(tmp_path / "shared.db"), RegistryStore(tmp_path / "shared.db")
    scope = Scope(project="default", registry_name="default")
    row = {"saved_name": "same", "server_version": "v1", "is_active": True}
    try:
        first.add(scope, [row])
        with pytest.raises(Conflict):
            second.add(scope, [row])
        assert second.list_servers(scope, page=1, per_page=10)[1] == 1
    finally:
        first.close()
        second.close()

"""RegistryClient against the embedded registry, in-process and over real HTTP, for every endpoint."""

from __future__ import annotations

import socket
from typing import Any

import anyio
import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from registry_mcp import (
    AuthenticationError,
    InvalidRequest,
    RateLimited,
    RegistryClient,
    RegistryError,
    RegistryUnavailable,
    ServerConflict,
    ServerNotFound,
    UnexpectedResponse,
)
from registry_mcp.registry.endpoints import ENDPOINTS
from registry_mcp.registry.retries import NO_RETRIES

from .conftest import LIVE_API_KEY, ServedApp, server_payload

pytestmark = pytest.mark.anyio


async def test_add_then_get_returns_what_was_sent(registry: RegistryClient, seed_request: dict[str, Any]) -> None:
    added = await registry.add_server(seed_request)
    assert added.registry_id and added.created_at and added.project_name == "default"
    fetched = await registry.get_server(seed_request["saved_name"], "v1")
    sent_fields = {key: value for key, value in fetched.to_api().items() if key in seed_request}
    assert sent_fields == seed_request


async def test_duplicate_add_is_a_conflict(registry: RegistryClient) -> None:
    await registry.add_server(server_payload("dup"))
    with pytest.raises(ServerConflict) as conflict:
        await registry.add_server(server_payload("dup"))
    assert conflict.value.status == 409
    assert "already exists" in str(conflict.value)
    # Another version of the same name is a different server.
    assert (await registry.add_server(server_payload("dup", server_version="v2"))).server_version == "v2"


async def test_bulk_add_is_all_or_nothing(registry: RegistryClient) -> None:
    await registry.add_server(server_payload("taken"))
    batch = [server_payload(f"bulk-{index}") for index in range(5)] + [server_payload("taken")]
    with pytest.raises(ServerConflict):
        await registry.bulk_add_servers(batch)
    assert (await registry.list_servers()).pagination.total == 1
    added = await registry.bulk_add_servers(batch[:5])
    assert [server.saved_name for server in added] == [f"bulk-{index}" for index in range(5)]
    assert (await registry.list_servers()).pagination.total == 6


async def test_bulk_add_refuses_more_than_100_before_sending(registry: RegistryClient) -> None:
    with pytest.raises(InvalidRequest, match="servers: must have at most 100 items"):
        await registry.bulk_add_servers([server_payload(f"s{index}") for index in range(101)])
    assert (await registry.list_servers()).pagination.total == 0


async def test_modify_changes_only_the_fields_given(registry: RegistryClient, seed_request: dict[str, Any]) -> None:
    await registry.add_server(seed_request)
    modified = await registry.modify_server(
        "my-filesystem-server",
        changes={"description": "new words", "mcp_config": {"denied_tools": ["write_*"]}},
    )
    assert modified.description == "new words"
    assert modified.server_name == seed_request["server_name"]
    config = modified.to_api()["mcp_config"]
    assert config["denied_tools"] == ["write_*"]
    assert config["config"] == seed_request["mcp_config"]["config"]
    assert config["tool_guardrails_config"] == seed_request["mcp_config"]["tool_guardrails_config"]
    assert (await registry.get_server("my-filesystem-server")).to_api() == modified.to_api()


async def test_modify_can_replace_mcp_config_whole(registry: RegistryClient, seed_request: dict[str, Any]) -> None:
    await registry.add_server(seed_request)
    replaced = await registry.modify_server(
        "my-filesystem-server",
        changes={"mcp_config": {"config": {"url": "https://example.com/mcp"}}},
        replace_mcp_config=True,
    )
    assert replaced.to_api()["mcp_config"] == {"config": {"url": "https://example.com/mcp"}}


async def test_modify_deactivates_and_list_filters_on_it(registry: RegistryClient) -> None:
    await registry.bulk_add_servers([server_payload("on"), server_payload("off")])
    await registry.modify_server("off", changes={"is_active": False})
    active = await registry.list_servers(is_active=True)
    inactive = await registry.list_servers(is_active=False)
    assert [server.saved_name for server in active.data] == ["on"]
    assert [server.saved_name for server in inactive.data] == ["off"]


async def test_modify_with_nothing_to_change_is_refused(registry: RegistryClient) -> None:
    with pytest.raises(InvalidRequest, match="Nothing to modify"):
        await registry.modify_server("anything", changes={})


async def test_delete_is_soft_and_frees_the_name(registry: RegistryClient) -> None:
    await registry.add_server(server_payload("gone", description="first"))
    assert "deleted" in (await registry.delete_server("gone")).lower()
    with pytest.raises(ServerNotFound) as missing:
        await registry.get_server("gone")
    assert missing.value.status == 404
    with pytest.raises(ServerNotFound):
        await registry.delete_server("gone")
    again = await registry.add_server(server_payload("gone", description="second"))
    assert again.description == "second"


async def test_list_pages_through_everything_in_order(registry: RegistryClient) -> None:
    await registry.bulk_add_servers([server_payload(f"s{index:02}") for index in range(25)])
    seen: list[str] = []
    for page in (1, 2, 3):
        result = await registry.list_servers(page=page, per_page=10)
        assert result.pagination.total == 25
        seen += [server.saved_name for server in result.data]
    assert seen == [f"s{index:02}" for index in range(25)]


async def test_list_gateways_of_an_unknown_server_is_not_found(registry: RegistryClient) -> None:
    with pytest.raises(ServerNotFound):
        await registry.list_gateways("nobody")
    await registry.add_server(server_payload("lonely"))
    assert await registry.list_gateways("lonely") == []


async def test_a_malformed_selector_is_refused_by_the_registry(registry: RegistryClient) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await registry.get_server("a b")
    assert refused.value.status == 400
    assert "saved_name" in str(refused.value)


async def test_invalid_input_is_refused_before_sending(registry: RegistryClient) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await registry.add_server({"saved_name": "x" * 33, "mcp_config": {"config": {}}})
    assert refused.value.status is None
    assert "saved_name" in str(refused.value) and "mcp_config.config" in str(refused.value)


async def test_list_gateways_reports_real_gateways(tmp_path: Any) -> None:
    async with RegistryClient.embedded(tmp_path / "gw.db") as client:
        await client.add_server(server_payload("shared"))
        assert client._store is not None
        client._store.add_gateway("default", "team-gateway", [("default", "shared", "v1")])
        gateways = await client.list_gateways("shared")
    assert [(gateway.gateway_saved_name, gateway.gateway_version) for gateway in gateways] == [("team-gateway", "v1")]
    assert gateways[0].gateway_id


async def test_project_header_scopes_the_registry(tmp_path: Any) -> None:
    path = tmp_path / "projects.db"
    async with RegistryClient.embedded(path, project="alpha") as alpha:
        await alpha.add_server(server_payload("mine"))
    async with RegistryClient.embedded(path, project="beta") as beta:
        assert (await beta.list_servers()).pagination.total == 0
        assert beta.location.project == "beta"
    async with RegistryClient.embedded(path, project="alpha") as alpha:
        assert (await alpha.get_server("mine")).project_name == "alpha"


# --- every error class, over real HTTP and from canned answers ---------------------------------


async def test_a_wrong_api_key_is_an_authentication_error(over_http: RegistryClient, live_registry: Any) -> None:
    async with RegistryClient("wrong-key", base_url=live_registry.url) as wrong:
        with pytest.raises(AuthenticationError) as refused:
            await wrong.list_servers()
    assert refused.value.status == 401
    assert "ENKRYPT_API_KEY" in str(refused.value)
    assert "wrong-key" not in str(refused.value) and LIVE_API_KEY not in str(refused.value)
    assert (await over_http.list_servers()).pagination.total == 0


def _canned(status: int, body: Any = None, *, text: str | None = None, headers: dict[str, str] | None = None) -> Any:
    async def answer(request: Request) -> Response:
        if text is not None:
            return PlainTextResponse(text, status_code=status, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)

    return Starlette(routes=[Route(e.path, answer, methods=[e.method]) for e in ENDPOINTS.values()])


def _client_of(app: Any, **options: Any) -> RegistryClient:
    """A client of `app`, in-process; these tests are about one answer, so it never retries."""
    transport = httpx2.ASGITransport(app=app)
    return RegistryClient("key", base_url="https://canned", transport=transport, retry=NO_RETRIES, **options)


@pytest.mark.parametrize(
    ("status", "error_class", "reason"),
    [
        (400, InvalidRequest, "the registry refused the request as malformed"),
        (401, AuthenticationError, "the API key was refused"),
        (403, AuthenticationError, "the API key has no access to this project or registry"),
        (404, ServerNotFound, "no such server"),
        (409, ServerConflict, "a server with this saved_name and server_version already exists"),
        (422, InvalidRequest, "the registry found the input invalid"),
        (429, RateLimited, "too many requests"),
        (500, RegistryUnavailable, "the registry failed to answer"),
        (502, RegistryUnavailable, "the registry failed to answer"),
        (503, RegistryUnavailable, "the registry failed to answer"),
        (418, RegistryError, "the registry refused the request"),
        (499, RegistryError, "the registry refused the request"),
    ],
)
async def test_each_status_maps_to_its_error_class(status: int, error_class: type[RegistryError], reason: str) -> None:
    async with _client_of(_canned(status, {"message": "the registry's own words"})) as client:
        with pytest.raises(error_class) as failure:
            await client.get_server("x")
    assert type(failure.value) is error_class
    assert failure.value.status == status
    assert failure.value.message == f"Could not get server 'x' version 'v1': {reason}"
    assert failure.value.registry_message == "the registry's own words"
    assert f"HTTP {status}" in str(failure.value) and "the registry's own words" in str(failure.value)


async def test_rate_limit_carries_retry_after() -> None:
    async with _client_of(_canned(429, {"detail": "slow down"}, headers={"Retry-After": "7"})) as client:
        with pytest.raises(RateLimited) as limited:
            await client.list_servers()
    assert limited.value.retry_after == 7
    assert "Wait 7 seconds" in str(limited.value) and "slow down" in str(limited.value)


async def test_a_non_json_answer_is_unexpected() -> None:
    async with _client_of(_canned(200, text="<html>gateway page</html>")) as client:
        with pytest.raises(UnexpectedResponse, match="not JSON"):
            await client.get_server("x")


async def test_an_error_without_json_keeps_the_raw_text() -> None:
    async with _client_of(_canned(502, text="Bad Gateway from the proxy")) as client:
        with pytest.raises(RegistryUnavailable) as failure:
            await client.get_server("x")
    assert failure.value.registry_message == "Bad Gateway from the proxy"


async def test_an_answer_of_the_wrong_shape_is_unexpected() -> None:
    async with _client_of(_canned(200, {"data": [{"no_name": True}], "pagination": {"page": 1}})) as client:
        with pytest.raises(UnexpectedResponse, match="not in the expected shape"):
            await client.list_servers()


async def test_no_connection_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with RegistryClient("key", base_url=f"http://127.0.0.1:{port}", retry=NO_RETRIES) as client:
        with pytest.raises(RegistryUnavailable) as failed:
            await client.get_server("x")
    # Said in words, with what to try: not httpx's "ConnectError: All connection attempts failed".
    assert str(failed.value) == (
        f"Could not get server 'x' version 'v1': could not connect to http://127.0.0.1:{port}. Check the registry's "
        "URL (ENKRYPT_BASE_URL), this machine's network connection and its proxy settings (HTTPS_PROXY, NO_PROXY), "
        "then try again."
    )


async def test_a_slow_registry_times_out() -> None:
    async def slow(request: Request) -> Response:
        await anyio.sleep(2)
        return JSONResponse({})

    app = Starlette(routes=[Route(e.path, slow, methods=[e.method]) for e in ENDPOINTS.values()])
    with ServedApp(app) as served:
        async with RegistryClient("key", base_url=served.url, timeout=0.3, retry=NO_RETRIES) as client:
            with anyio.fail_after(3), pytest.raises(RegistryUnavailable, match="did not answer in time"):
                await client.get_server("x")


async def test_the_api_key_is_not_in_the_clients_repr() -> None:
    client = RegistryClient("sk-very-secret", base_url="https://registry.example")
    try:
        assert "sk-very-secret" not in repr(client)
        assert "registry.example" in repr(client)
    finally:
        await client.aclose()

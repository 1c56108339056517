"""One exchange between `RegistryClient` and a registry, in-process through `httpx2.MockTransport`:
what each request carries, which failures are tried again, how answers are bounded and read, and
what each error says. Every expected request and message is written out by hand."""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from registry_mcp import (
    AuthenticationError,
    InvalidRequest,
    RateLimited,
    RegistryClient,
    RegistryError,
    RegistryTimeout,
    RegistryUnavailable,
    ResponseTooLarge,
    ServerNotFound,
    UnexpectedResponse,
)
from registry_mcp.errors import CallersKeyRefused, RegistryUnreachable
from registry_mcp.mcp.registries import CallerKeyTransport
from registry_mcp.registry import endpoints, merging
from registry_mcp.registry.client import RegistryLocation
from registry_mcp.registry.embedded import RegistryStore, create_app
from registry_mcp.registry.embedded.store import Scope
from registry_mcp.registry.patching import merge_patch
from registry_mcp.registry.retries import NO_RETRIES, RetryPolicy

from .conftest import server_payload

pytestmark = pytest.mark.anyio

KEY = "sk-exchange-PLANTED-0123456789"
BASE = "https://registry.example"
PAGE = {"data": [], "pagination": {"page": 1, "per_page": 20, "total": 0}}
PAGE_BYTES = b'{"data": [], "pagination": {"page": 1, "per_page": 20, "total": 0}}'
# Retries without waiting: the jitter of a zero backoff is zero.
AT_ONCE = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0)
STORED = {
    "saved_name": "files",
    "server_version": "v1",
    "server_name": "@example/files",
    "description": "first",
    "mcp_config": {"config": {"command": "npx", "args": ["-y", "@example/files"], "env": {"A": "1"}}},
}

Answer = httpx2.Response | type[Exception] | Callable[[httpx2.Request], Awaitable[httpx2.Response]]


class Scripted:
    """A registry that gives each request the next answer of its script (the last one repeats): a
    response, an httpx2 exception class to raise, or a coroutine function. It keeps every request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        _no_endless_asking(self.requests)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, httpx2.Response):
            return answer
        if isinstance(answer, type):
            raise answer("injected", request=request)  # type: ignore[call-arg]
        return await answer(request)

    @property
    def sent(self) -> list[tuple[str, str]]:
        return [(request.method, str(request.url)) for request in self.requests]


def _no_endless_asking(requests: list[Any]) -> None:
    """A client asking without end fails the test at once (a retry loop that never gives up would
    otherwise hang it): no test here needs more than 20 requests."""
    if len(requests) > 20:
        raise AssertionError(f"{len(requests)} requests: the client keeps asking")


def _client(registry: Scripted, **options: Any) -> RegistryClient:
    options.setdefault("retry", NO_RETRIES)
    return RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(registry), **options)


def _own_headers(request: httpx2.Request) -> dict[str, str]:
    """The headers the client chose (not httpx's own: host, user agent, encodings, body length)."""
    generic = {"host", "user-agent", "accept-encoding", "connection", "content-length", "content-type"}
    return {name: value for name, value in request.headers.items() if name not in generic}


def _json(status: int, body: Any, **headers: str) -> httpx2.Response:
    return httpx2.Response(status, json=body, headers=headers)


# --- what a request carries -------------------------------------------------------------------------


async def test_a_request_carries_the_key_the_scope_and_the_deadlines() -> None:
    registry = Scripted(_json(200, PAGE))
    transport = httpx2.MockTransport(registry)
    async with RegistryClient(
        KEY, base_url=BASE + "/", project="alpha", registry="team", transport=transport
    ) as client:
        await client.list_servers(page=2, per_page=5, is_active=False)
    assert registry.sent == [("GET", f"{BASE}/mcp-registry/list-servers?page=2&per_page=5&is_active=false")]
    [request] = registry.requests
    assert _own_headers(request) == {
        "accept": "application/json",
        "apikey": KEY,
        "x-enkrypt-project": "alpha",
        "x-enkrypt-mcp-registry": "team",
    }
    # 10 s to connect, 30 s for each read and write (the whole answer's deadline is checked apart).
    assert request.extensions["timeout"] == {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}


async def test_without_a_key_or_scope_only_accept_is_sent() -> None:
    registry = Scripted(_json(200, PAGE))
    transport = httpx2.MockTransport(registry)
    async with RegistryClient(base_url=BASE, timeout=None, connect_timeout=2.5, transport=transport) as client:
        await client.list_servers(is_active=True)
        await client.list_servers()
    assert registry.sent == [
        ("GET", f"{BASE}/mcp-registry/list-servers?page=1&per_page=20&is_active=true"),
        ("GET", f"{BASE}/mcp-registry/list-servers?page=1&per_page=20"),
    ]
    assert _own_headers(registry.requests[0]) == {"accept": "application/json"}
    assert registry.requests[0].extensions["timeout"] == {"connect": 2.5, "read": None, "write": None, "pool": None}
    assert client.secrets == frozenset()


async def test_a_call_about_one_server_names_it_in_the_selector_headers() -> None:
    registry = Scripted(_json(200, STORED))
    async with _client(registry) as client:
        await client.get_server("files", "v2")
    assert registry.sent == [("GET", f"{BASE}/mcp-registry/get-server")]
    assert _own_headers(registry.requests[0]) == {
        "accept": "application/json",
        "apikey": KEY,
        "x-enkrypt-mcp-registry-server": "files",
        "x-enkrypt-mcp-registry-server-version": "v2",
    }
    assert client.secrets == frozenset({KEY})


@pytest.mark.parametrize(
    ("page", "per_page"), [(0, 20), (-1, 20), (1, 0), (1, 101)], ids=["page 0", "page -1", "per_page 0", "per_page 101"]
)
async def test_a_page_out_of_bounds_is_refused_before_sending(page: int, per_page: int) -> None:
    registry = Scripted(_json(200, PAGE))
    async with _client(registry) as client:
        with pytest.raises(InvalidRequest) as refused:
            await client.list_servers(page=page, per_page=per_page)
    assert refused.value.message == "page must be at least 1 and per_page from 1 to 100"
    assert registry.requests == []


async def test_the_pages_at_the_bounds_are_asked_for() -> None:
    registry = Scripted(_json(200, PAGE))
    async with _client(registry) as client:
        await client.list_servers(page=1, per_page=1)
        await client.list_servers(page=3, per_page=100)
    assert [url for _, url in registry.sent] == [
        f"{BASE}/mcp-registry/list-servers?page=1&per_page=1",
        f"{BASE}/mcp-registry/list-servers?page=3&per_page=100",
    ]


async def test_where_the_client_is_pointed_is_shown_without_its_key(tmp_path: Any) -> None:
    async with RegistryClient(KEY, base_url=BASE + "/", project="alpha") as cloud:
        assert repr(cloud) == "<RegistryClient the Enkrypt AI registry at https://registry.example (project 'alpha')>"
    async with RegistryClient() as default:
        assert default.location == RegistryLocation(
            kind="cloud", project="default", base_url="https://api.enkryptai.com"
        )
    async with RegistryClient.embedded(tmp_path / "r.db", project="beta") as embedded:
        assert str(embedded.location) == f"the embedded registry in {tmp_path / 'r.db'} (project 'beta')"
    async with RegistryClient.embedded() as in_memory:
        assert in_memory.location == RegistryLocation(kind="embedded", project="default", path=":memory:")


async def test_closing_an_embedded_client_closes_its_database(tmp_path: Any) -> None:
    client = RegistryClient.embedded(tmp_path / "closed.db")
    store = client._store
    assert store is not None
    await client.aclose()
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        store.list_servers(Scope(project="default", registry_name="default"), page=1, per_page=1, is_active=None)


# --- failures on the way: which are tried again, and what is said ------------------------------------


@pytest.mark.parametrize(
    ("failure", "error_class", "said"),
    [
        (httpx2.ConnectError, RegistryUnreachable, "could not connect to https://registry.example"),
        (httpx2.ConnectTimeout, RegistryUnreachable, "connecting to https://registry.example timed out"),
        (httpx2.ProxyError, RegistryUnreachable, "the proxy refused the connection to https://registry.example"),
        (httpx2.ReadError, RegistryUnreachable, "the connection to https://registry.example was lost"),
        (httpx2.RemoteProtocolError, RegistryUnreachable, "the connection to https://registry.example was lost"),
        (
            httpx2.ReadTimeout,
            RegistryTimeout,
            "the registry did not answer in time: its whole answer must arrive within 30 s",
        ),
    ],
)
async def test_a_failed_read_is_tried_again_then_said_in_words(
    failure: type[Exception], error_class: type[RegistryError], said: str
) -> None:
    registry = Scripted(failure)
    async with _client(registry, retry=AT_ONCE) as client:
        with pytest.raises(RegistryError) as failed:
            await client.list_servers()
    assert type(failed.value) is error_class and failed.value.status is None
    assert failed.value.message == f"Could not list servers: {said} (tried 3 times)"
    assert len(registry.requests) == 3


async def test_a_failure_names_the_registry_by_its_url_as_given_less_a_trailing_slash() -> None:
    registry = Scripted(httpx2.ConnectError)
    transport = httpx2.MockTransport(registry)
    base_url = "https://registry.example/tenants/X/"
    async with RegistryClient(KEY, base_url=base_url, transport=transport, retry=NO_RETRIES) as client:
        with pytest.raises(RegistryUnreachable) as failed:
            await client.list_servers()
    assert failed.value.message == "Could not list servers: could not connect to https://registry.example/tenants/X"


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        # The connect failed: the request never reached the registry, so it is sent again.
        (httpx2.ConnectError, "could not connect to https://registry.example (tried 3 times)"),
        (httpx2.ConnectTimeout, "connecting to https://registry.example timed out (tried 3 times)"),
        # It may have reached the registry: never sent twice.
        (httpx2.ReadError, "the connection to https://registry.example was lost"),
        (httpx2.WriteError, "the connection to https://registry.example was lost"),
        (httpx2.ReadTimeout, "the registry did not answer in time: its whole answer must arrive within 30 s"),
    ],
)
async def test_a_write_is_sent_again_only_when_its_connect_failed(failure: type[Exception], said: str) -> None:
    registry = Scripted(failure)
    async with _client(registry, retry=AT_ONCE) as client:
        with pytest.raises(RegistryUnavailable) as failed:
            await client.add_server(server_payload("files"))
    attempts = 3 if "tried" in said else 1
    assert registry.sent == [("POST", f"{BASE}/mcp-registry/add-server")] * attempts
    assert failed.value.message == f"Could not add server 'files': {said}"


async def test_a_read_succeeds_once_the_failures_pass() -> None:
    registry = Scripted(httpx2.ConnectError, _json(503, {}), _json(200, PAGE))
    async with _client(registry, retry=AT_ONCE) as client:
        assert (await client.list_servers()).pagination.total == 0
    assert len(registry.requests) == 3


async def test_each_retry_is_logged_with_its_cause(caplog: pytest.LogCaptureFixture) -> None:
    registry = Scripted(httpx2.ConnectError, _json(503, {}), _json(429, {}, **{"Retry-After": "0"}), _json(200, PAGE))
    caplog.set_level(logging.WARNING, logger="registry_mcp.registry.client")
    async with _client(registry, retry=RetryPolicy(attempts=4, backoff=0.0, max_backoff=0.0)) as client:
        await client.list_servers()
    assert [record.getMessage() for record in caplog.records] == [
        "Retrying list servers in 0.00 s after ConnectError",
        "Retrying list servers in 0.00 s after HTTP 503",
        "Retrying list servers in 0.00 s after HTTP 429",
    ]


async def test_the_deadline_bounds_the_whole_exchange() -> None:
    async def never(request: httpx2.Request) -> httpx2.Response:
        await anyio.sleep(10)  # cut short by the deadline
        return _json(200, PAGE)

    registry = Scripted(never)
    async with _client(registry, timeout=0.05) as client:
        with anyio.fail_after(5), pytest.raises(RegistryTimeout) as late:
            await client.get_server("files")
    assert late.value.message == (
        "Could not get server 'files' version 'v1': the registry did not answer in time: "
        "its whole answer must arrive within 0.05 s"
    )


# --- bounded answers ---------------------------------------------------------------------------------


def _streamed(status: int, body: bytes, *, declared: str | None = None) -> httpx2.Response:
    """An answer sent in two chunks, announcing the Content-Length `declared` (if any)."""

    async def chunks() -> AsyncIterator[bytes]:
        yield body[: len(body) // 2]
        yield body[len(body) // 2 :]

    headers = {"Content-Length": declared} if declared is not None else {}
    return httpx2.Response(status, headers=headers, content=chunks())


async def test_an_answer_announcing_more_than_16_mib_is_refused_unread() -> None:
    async with _client(Scripted(_streamed(200, PAGE_BYTES, declared="16777216"))) as client:
        assert (await client.list_servers()).pagination.total == 0
    async with _client(Scripted(_streamed(200, PAGE_BYTES, declared="16777217"))) as client:
        with pytest.raises(ResponseTooLarge) as refused:
            await client.list_servers()
    assert refused.value.status == 200
    assert refused.value.message == (
        "Could not list servers: the registry's answer is larger than 16,777,216 bytes (it announced 16,777,217)"
    )


async def test_an_answer_is_read_up_to_the_limit_and_refused_past_it() -> None:
    assert len(PAGE_BYTES) == 67
    async with _client(Scripted(_streamed(200, PAGE_BYTES)), max_response_bytes=67) as client:
        assert (await client.list_servers()).pagination.total == 0
    async with _client(Scripted(_streamed(200, PAGE_BYTES, declared="67")), max_response_bytes=67) as client:
        assert (await client.list_servers()).pagination.total == 0
    async with _client(Scripted(_streamed(200, PAGE_BYTES)), max_response_bytes=66) as client:
        with pytest.raises(ResponseTooLarge) as refused:
            await client.list_servers()
    assert refused.value.status == 200
    assert refused.value.message == "Could not list servers: the registry's answer is larger than 66 bytes"


async def test_an_error_is_read_up_to_64_kib() -> None:
    # {"message": "mmm..."} of exactly 65,536 bytes is read whole, and its message quoted whole.
    whole = b'{"message": "' + b"m" * 65521 + b'"}'
    async with _client(Scripted(_streamed(500, whole))) as client:
        with pytest.raises(RegistryUnavailable) as failed:
            await client.list_servers()
    assert failed.value.registry_message == "m" * 65521
    # One byte more, and its end is never read: what was read is not JSON, and only its start is quoted.
    longer = b'{"message": "' + b"m" * 65522 + b'"}'
    async with _client(Scripted(_streamed(500, longer))) as client:
        with pytest.raises(RegistryUnavailable) as failed:
            await client.list_servers()
    assert failed.value.registry_message == '{"message": "' + "m" * 287


# --- what an error says --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "quoted"),
    [
        # The registry's own words: message, then detail, then error; an empty one does not count.
        ({"message": "m", "detail": "d", "error": "e"}, "m"),
        ({"message": "", "detail": "d", "error": "e"}, "d"),
        ({"detail": None, "error": "e"}, "e"),
        ({"message": 0, "other": 1}, "{'message': 0, 'other': 1}"),
        (
            {"detail": [{"loc": ["body", "saved_name"], "msg": "too long"}]},
            "[{'loc': ['body', 'saved_name'], 'msg': 'too long'}]",
        ),
        ("a JSON text", "a JSON text"),
        ("", None),
        ([], "[]"),
        # The key is scrubbed from keys as well as values.
        ({"message": {KEY: "refused"}}, "{'<redacted>': 'refused'}"),
        ({"message": f"key {KEY} refused"}, "key <redacted> refused"),
        # A rendered record is cut short; a message text is not.
        ({"detail": ["x" * 20] * 20}, str(["x" * 20] * 20)[:300]),
        ({"message": "y" * 400}, "y" * 400),
    ],
    ids=lambda value: str(value)[:40],
)
async def test_the_registrys_own_words_are_quoted_scrubbed(body: Any, quoted: str | None) -> None:
    async with _client(Scripted(_json(400, body))) as client:
        with pytest.raises(InvalidRequest) as refused:
            await client.get_server("files")
    assert refused.value.registry_message == quoted


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("  Bad Gateway  ", "Bad Gateway"),
        ("   ", None),
        (f"apikey={KEY} " + "z" * 400, "apikey=<redacted> " + "z" * 282),
        # Nested deeper than JSON can be read: the raw text, cut short.
        ("[" * 5000, "[" * 300),
        # Readable, but too deep to scrub item by item: the raw text, scrubbed and cut short.
        ("[" * 700 + f'"{KEY}"' + "]" * 700, "[" * 300),
    ],
    ids=["padded", "blank", "long", "too deep to read", "too deep to scrub"],
)
async def test_an_error_that_is_not_a_json_object_is_quoted_raw(text: str, quoted: str | None) -> None:
    async with _client(Scripted(httpx2.Response(502, text=text))) as client:
        with pytest.raises(RegistryUnavailable) as failed:
            await client.list_servers()
    assert failed.value.registry_message == quoted


@pytest.mark.parametrize("status", [300, 301, 302, 307, 308, 399])
async def test_a_redirect_is_reported_not_followed(status: int) -> None:
    registry = Scripted(httpx2.Response(status, headers={"Location": f"https://elsewhere.example/?apikey={KEY}"}))
    async with _client(registry) as client:
        with pytest.raises(UnexpectedResponse) as redirected:
            await client.list_servers()
    assert registry.sent == [("GET", f"{BASE}/mcp-registry/list-servers?page=1&per_page=20")]
    assert redirected.value.status == status
    assert redirected.value.message == (
        "Could not list servers: the registry redirected to 'https://elsewhere.example/?apikey=<redacted>', which is "
        "not followed so that the API key is not sent elsewhere; set ENKRYPT_BASE_URL to the registry's own URL"
    )


async def test_a_location_outside_a_redirect_is_no_redirect() -> None:
    for status, error_class in [(304, RegistryError), (400, InvalidRequest), (201, None)]:
        headers = {"Location": "https://elsewhere.example/"} if status != 304 else {}
        answer = httpx2.Response(status, json=PAGE, headers=headers)
        async with _client(Scripted(answer)) as client:
            if error_class is None:
                assert (await client.list_servers()).pagination.total == 0
                continue
            with pytest.raises(RegistryError) as failed:
                await client.list_servers()
        assert type(failed.value) is error_class and "redirected" not in failed.value.message


@pytest.mark.parametrize(
    ("header", "retry_after"), [("7", 7.0), ("2.5", 2.5), ("-3", 0.0), ("soon", None), (None, None)]
)
async def test_a_rate_limit_says_how_long_to_wait(header: str | None, retry_after: float | None) -> None:
    headers = {"Retry-After": header} if header is not None else {}
    async with _client(Scripted(httpx2.Response(429, json={"message": "slow down"}, headers=headers))) as client:
        with pytest.raises(RateLimited) as limited:
            await client.list_servers()
    assert limited.value.retry_after == retry_after
    assert limited.value.message == "Could not list servers: too many requests"


async def test_an_answer_that_is_not_json_is_unexpected() -> None:
    for text in ["<html>maintenance</html>", "[" * 5000]:
        async with _client(Scripted(httpx2.Response(200, text=text))) as client:
            with pytest.raises(UnexpectedResponse) as unreadable:
                await client.get_server("files")
        assert unreadable.value.status == 200
        assert (
            unreadable.value.message
            == "Could not get server 'files' version 'v1': the registry's answer is not JSON in UTF-8"
        )


async def test_an_answer_of_the_wrong_shape_names_five_problems_at_most() -> None:
    async with _client(Scripted(_json(200, {"message": "ok", "data": [1, 2, 3, 4, 5, 6, 7]}))) as client:
        with pytest.raises(UnexpectedResponse) as unexpected:
            await client.list_gateways("files")
    assert unexpected.value.message == (
        "The registry's answer for the gateway list is not in the expected shape: [0]: must be an object; "
        "[1]: must be an object; [2]: must be an object; [3]: must be an object; [4]: must be an object; "
        "and 2 more problems"
    )


# --- each endpoint: its request, and its name in an error ----------------------------------------------


async def test_each_call_is_named_in_its_error() -> None:
    registry = Scripted(_json(404, {"message": "nothing here"}))
    calls: list[tuple[Callable[[RegistryClient], Awaitable[Any]], str]] = [
        (lambda client: client.add_server(server_payload("files")), "add server 'files'"),
        (lambda client: client.bulk_add_servers([server_payload("a"), server_payload("b")]), "add 2 servers"),
        (lambda client: client.get_server("files", "v2"), "get server 'files' version 'v2'"),
        (lambda client: client.delete_server("files"), "delete server 'files' version 'v1'"),
        (lambda client: client.list_gateways("files"), "list the gateways of server 'files' version 'v1'"),
        (lambda client: client.list_servers(), "list servers"),
        (
            lambda client: client.get_json("/v0/servers", "search the public registry", {"q": "x"}),
            "search the public registry",
        ),
    ]
    async with _client(registry) as client:
        for call, operation in calls:
            with pytest.raises(RegistryError) as failed:
                await call(client)
            assert failed.value.message == f"Could not {operation}: no such server"
    assert registry.sent == [
        ("POST", f"{BASE}/mcp-registry/add-server"),
        ("POST", f"{BASE}/mcp-registry/bulk-add-servers"),
        ("GET", f"{BASE}/mcp-registry/get-server"),
        ("DELETE", f"{BASE}/mcp-registry/delete-server"),
        ("GET", f"{BASE}/mcp-registry/list-gateways-by-server"),
        ("GET", f"{BASE}/mcp-registry/list-servers?page=1&per_page=20"),
        ("GET", f"{BASE}/v0/servers?q=x"),
    ]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (_json(200, {"message": f"Deleted, with key {KEY}"}), "Deleted, with key <redacted>"),
        (_json(200, {"message": ""}), "Deleted 'files' version 'v1'"),
        (_json(200, {}), "Deleted 'files' version 'v1'"),
        (_json(200, "done"), "Deleted 'files' version 'v1'"),
        (httpx2.Response(204), "Deleted 'files' version 'v1'"),
        (httpx2.Response(200), "Deleted 'files' version 'v1'"),
    ],
    ids=["message", "empty message", "no message", "a JSON text", "204", "empty"],
)
async def test_a_delete_says_what_the_registry_said_or_what_was_deleted(answer: httpx2.Response, said: str) -> None:
    async with _client(Scripted(answer)) as client:
        assert await client.delete_server("files") == said


async def test_a_crash_inside_the_embedded_registry_is_its_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    async with RegistryClient.embedded() as client:
        assert client._store is not None
        monkeypatch.setattr(client._store, "list_servers", crash)
        with pytest.raises(RegistryUnavailable) as failed:
            await client.list_servers()
        assert (await client.bulk_add_servers([server_payload("still-serving")]))[0].saved_name == "still-serving"
    assert failed.value.status == 500
    assert failed.value.message == "Could not list servers: the registry failed to answer"
    assert failed.value.registry_message == "Internal Server Error"


# --- modify: read, merged and sent whole, or sent as a patch where the registry merges -----------------


class Stored:
    """A registry holding one server: a GET answers its current record (`changes` applied one per GET
    first, as if someone else wrote between reads), a PATCH answers the record with what it was sent
    merged in (a whole field replaces the stored one either way)."""

    def __init__(self, *changes: dict[str, Any]) -> None:
        self.record = dict(STORED)
        self.changes = list(changes)
        self.seen: list[tuple[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        sent = json.loads(request.content) if request.content else None
        self.seen.append((request.method, sent))
        _no_endless_asking(self.seen)
        if request.method == "GET":
            if self.changes:
                self.record = {**self.record, **self.changes.pop(0)}
            return _json(200, self.record)
        return _json(200, {"message": "updated", "data": merge_patch(self.record, sent)})


def _stored_client(stored: Stored) -> RegistryClient:
    return RegistryClient(KEY, base_url=BASE, transport=httpx2.MockTransport(stored), retry=NO_RETRIES)


LOCAL_ENV = {"command": "npx", "args": ["-y", "@example/files"]}


async def test_modify_reads_the_server_merges_and_sends_each_changed_field_whole() -> None:
    stored = Stored()
    async with _stored_client(stored) as client:
        modified = await client.modify_server(
            "files", changes={"description": "new", "mcp_config": {"config": {"env": {"B": "2"}}}}
        )
    sent = {"description": "new", "mcp_config": {"config": {**LOCAL_ENV, "env": {"A": "1", "B": "2"}}}}
    assert stored.seen == [("GET", None), ("GET", None), ("PATCH", sent)]
    assert modified.to_api() == {**STORED, **sent}


async def test_modify_merges_again_onto_a_server_changed_meanwhile() -> None:
    changed = {"mcp_config": {"config": {**LOCAL_ENV, "env": {"A": "1", "C": "3"}}}}
    stored = Stored({}, changed)  # the second read finds someone else's change
    async with _stored_client(stored) as client:
        await client.modify_server("files", changes={"mcp_config": {"config": {"env": {"B": "2"}}}})
    sent = {"mcp_config": {"config": {**LOCAL_ENV, "env": {"A": "1", "C": "3", "B": "2"}}}}
    assert stored.seen == [("GET", None), ("GET", None), ("GET", None), ("PATCH", sent)]


async def test_modify_gives_up_on_a_server_that_keeps_changing() -> None:
    stored = Stored(*({"description": f"change {index}"} for index in range(10)))
    async with _stored_client(stored) as client:
        with pytest.raises(RegistryUnavailable) as failed:
            await client.modify_server("files", changes={"server_name": "@example/other"})
    assert failed.value.message == (
        "Could not modify server 'files' version 'v1': the server kept changing while the changes were merged "
        "(5 attempts); try again"
    )
    assert stored.seen == [("GET", None)] * 6


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        (
            {"mcp_config": {"config": {"command": None}}},
            "Invalid mcp_config: config: give exactly one of 'command' (a local server: command, args, env) or 'url' "
            "(a remote server: url, transport, headers)",
        ),
        (
            {"mcp_config": {"config": {"env": {"B": "<masked secret: unchanged when sent back>"}}}},
            "Invalid changes: mcp_config.config.env.B: holds the mask '<masked secret: unchanged when sent back>', "
            "but no secret is stored there to keep; send the real value",
        ),
    ],
    ids=["no command left", "a mask with nothing behind it"],
)
async def test_modify_refuses_changes_that_leave_the_server_unusable(changes: dict[str, Any], said: str) -> None:
    stored = Stored()
    async with _stored_client(stored) as client:
        with pytest.raises(InvalidRequest) as refused:
            await client.modify_server("files", changes=changes)
    assert refused.value.message == said and refused.value.status is None
    assert stored.seen == [("GET", None)]


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({}, "Nothing to modify: give at least one field to change"),
        (None, "Nothing to modify: give at least one field to change"),
        (
            {"mcp_config": {"config": {"env": {"A": "<MASKED SECRET: unchanged>"}}}},
            "Invalid changes: mcp_config.config.env.A: holds the mask '<masked secret: unchanged when sent back>' "
            "(or a variant of it), not a value; send the real value",
        ),
        ({"is_active": "perhaps"}, "Invalid changes: is_active: must be true or false"),
    ],
    ids=["empty", "none", "a variant of the mask", "invalid"],
)
async def test_modify_refuses_before_reading(changes: dict[str, Any] | None, said: str) -> None:
    stored = Stored()
    async with _stored_client(stored) as client:
        with pytest.raises(InvalidRequest) as refused:
            await client.modify_server("files", changes=changes)
    assert refused.value.message == said
    assert stored.seen == []


async def test_an_add_holding_the_mask_is_refused_before_sending() -> None:
    stored = Stored()
    config = {"config": {**LOCAL_ENV, "env": {"TOKEN": "<masked secret: unchanged when sent back>"}}}
    async with _stored_client(stored) as client:
        with pytest.raises(InvalidRequest) as refused:
            await client.add_server(server_payload("files", mcp_config=config))
        with pytest.raises(InvalidRequest) as bulk_refused:
            await client.bulk_add_servers([server_payload("ok"), server_payload("files", mcp_config=config)])
    assert refused.value.message == (
        "Invalid server: mcp_config.config.env.TOKEN: holds the mask '<masked secret: unchanged when sent back>' "
        "(or a variant of it), not a value; send the real value"
    )
    assert bulk_refused.value.message == (
        "Invalid server: servers.1.mcp_config.config.env.TOKEN: holds the mask "
        "'<masked secret: unchanged when sent back>' (or a variant of it), not a value; send the real value"
    )
    assert stored.seen == []


REMOTE = {"url": "https://mcp.example/mcp"}
READ_TWICE: list[tuple[str, Any]] = [("GET", None), ("GET", None)]


@pytest.mark.parametrize(
    ("changes", "seen"),
    [
        # Changes the registry can merge alone: sent as they are, nothing read.
        ({"description": "new"}, [("PATCH", {"description": "new"})]),
        ({"mcp_config": {"config": {"env": {"B": "2"}}}}, [("PATCH", {"mcp_config": {"config": {"env": {"B": "2"}}}})]),
        ({"mcp_config": {"denied_tools": ["a"]}}, [("PATCH", {"mcp_config": {"denied_tools": ["a"]}})]),
        # A new target (its secrets must not follow) or a mask (it stands for a stored value): read first,
        # then sent as a full patch, with null for what the merged server drops.
        (
            {"mcp_config": {"config": {"command": "uvx", "args": ["pkg"]}}},
            [
                ("GET", None),
                ("GET", None),
                ("PATCH", {"mcp_config": {"config": {"command": "uvx", "args": ["pkg"], "env": {"A": None}}}}),
            ],
        ),
        (
            {"mcp_config": {"config": {"args": ["pkg"]}}},
            [
                ("GET", None),
                ("GET", None),
                ("PATCH", {"mcp_config": {"config": {"command": "npx", "args": ["pkg"], "env": {"A": None}}}}),
            ],
        ),
        (
            {"mcp_config": {"config": REMOTE}},
            [
                ("GET", None),
                ("GET", None),
                ("PATCH", {"mcp_config": {"config": {"command": None, "args": None, "env": None, **REMOTE}}}),
            ],
        ),
        (
            {"mcp_config": {"config": {"env": {"A": "<masked secret: unchanged when sent back>"}}}},
            [*READ_TWICE, ("PATCH", {"mcp_config": {"config": {**LOCAL_ENV, "env": {"A": "1"}}}})],
        ),
    ],
    ids=["description", "env", "denied tools", "new command", "new args", "new url", "mask"],
)
async def test_where_the_registry_merges_modify_reads_only_when_it_must(
    monkeypatch: pytest.MonkeyPatch, changes: dict[str, Any], seen: list[tuple[str, Any]]
) -> None:
    monkeypatch.setitem(endpoints.ENDPOINTS, "modify", dataclasses.replace(endpoints.ENDPOINTS["modify"], merges=True))
    stored = Stored()
    async with _stored_client(stored) as client:
        await client.modify_server("files", changes=changes)
    assert stored.seen == seen


async def test_replacing_mcp_config_reads_first_even_where_the_registry_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(endpoints.ENDPOINTS, "modify", dataclasses.replace(endpoints.ENDPOINTS["modify"], merges=True))
    stored = Stored()
    async with _stored_client(stored) as client:
        await client.modify_server("files", changes={"mcp_config": {"config": LOCAL_ENV}}, replace_mcp_config=True)
    patch = {"mcp_config": {"config": {"env": None, **LOCAL_ENV}}}
    assert stored.seen == [("GET", None), ("GET", None), ("PATCH", patch)]


async def test_modifies_of_one_server_in_one_process_take_turns_and_leave_no_lock() -> None:
    store = RegistryStore(":memory:")
    transport = httpx2.ASGITransport(app=create_app(store, merges=False))
    async with RegistryClient(KEY, base_url=BASE, transport=transport, retry=NO_RETRIES) as client:
        await client.add_server(server_payload("files"))

        async def set_env(index: int) -> None:
            await client.modify_server("files", changes={"mcp_config": {"config": {"env": {f"K{index}": "v"}}}})

        async with anyio.create_task_group() as group:
            for index in range(6):
                group.start_soon(set_env, index)
        stored = (await client.get_server("files")).to_api()
        with pytest.raises(RegistryError):
            await client.modify_server("files", changes={"mcp_config": {"config": {"command": None}}})
    store.close()
    assert stored["mcp_config"]["config"]["env"] == {f"K{index}": "v" for index in range(6)}
    assert merging._LOCKS == {}


async def test_a_refused_or_unreadable_write_is_named_in_its_error() -> None:
    async with _client(Scripted(_json(200, STORED), _json(200, STORED), _json(422, {"message": "no"}))) as client:
        with pytest.raises(InvalidRequest) as refused:
            await client.modify_server("files", "v3", changes={"description": "new"})
    assert refused.value.message == "Could not modify server 'files' version 'v3': the registry found the input invalid"
    wrong_shape = _json(201, {"message": "ok", "data": [{"saved_name": 7}]})
    async with _client(Scripted(wrong_shape)) as client:
        with pytest.raises(UnexpectedResponse) as unexpected:
            await client.bulk_add_servers([server_payload("a")])
    assert unexpected.value.message == (
        "The registry's answer for the added servers is not in the expected shape: [0].saved_name: must be text"
    )
    with pytest.raises(InvalidRequest) as invalid:
        await client.bulk_add_servers([])
    assert invalid.value.message == "Invalid bulk add: servers: must have at least 1 item"


async def test_a_modified_server_of_the_wrong_shape_is_unexpected(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = {"message": "updated", "data": {"saved_name": 7}}
    stored = Scripted(_json(200, STORED), _json(200, STORED), _json(200, wrong))
    said = "The registry's answer for the modified server is not in the expected shape: saved_name: must be text"
    async with _client(stored) as client:  # read, merged, sent whole
        with pytest.raises(UnexpectedResponse) as unexpected:
            await client.modify_server("files", changes={"description": "new"})
    assert unexpected.value.message.startswith(said)
    monkeypatch.setitem(endpoints.ENDPOINTS, "modify", dataclasses.replace(endpoints.ENDPOINTS["modify"], merges=True))
    async with _client(Scripted(_json(200, wrong))) as client:  # sent alone as a patch
        with pytest.raises(UnexpectedResponse) as unexpected:
            await client.modify_server("files", changes={"description": "new"})
    assert unexpected.value.message.startswith(said)


async def test_an_error_that_is_not_utf8_is_quoted_with_replacement_characters() -> None:
    async with _client(Scripted(httpx2.Response(500, content=b"bad \xff\xfe byte"))) as client:
        with pytest.raises(RegistryUnavailable) as failed:
            await client.list_servers()
    assert failed.value.registry_message == "bad \ufffd\ufffd byte"


async def test_an_embedded_modify_is_one_merge_patch_where_null_removes_a_key() -> None:
    config = {"config": {**LOCAL_ENV, "env": {"A": "1", "B": "2"}}}
    async with RegistryClient.embedded() as client:
        await client.add_server(server_payload("files", mcp_config=config))
        modified = await client.modify_server("files", changes={"mcp_config": {"config": {"env": {"A": None}}}})
    assert modified.to_api()["mcp_config"] == {"config": {**LOCAL_ENV, "env": {"B": "2"}}}


def test_a_key_over_plain_http_to_another_machine_is_refused_saying_why() -> None:
    with pytest.raises(ValueError) as refused:
        RegistryClient(KEY, base_url="http://registry.example")
    assert str(refused.value) == (
        "The registry URL 'http://registry.example' must use https:// (plain http:// is allowed only for a loopback "
        "address such as 127.0.0.1 or localhost), so that the API key is never sent in clear text."
    )


async def test_a_get_by_path_is_a_read_tried_again() -> None:
    registry = Scripted(_json(503, {}), _json(200, {"servers": []}))
    async with _client(registry, retry=AT_ONCE) as client:
        assert await client.get_json("/v0/servers", "search the public registry") == {"servers": []}
    assert registry.sent == [("GET", f"{BASE}/v0/servers")] * 2


async def test_invalid_input_names_each_problem_before_sending() -> None:
    registry = Scripted(_json(201, {}))
    async with _client(registry) as client:
        with pytest.raises(InvalidRequest) as refused:
            await client.add_server({"saved_name": "x" * 33, "mcp_config": {"config": {}}})
    assert refused.value.message == (
        "Invalid server: saved_name: must be at most 32 characters; mcp_config.config: give exactly one of "
        "'command' (a local server: command, args, env) or 'url' (a remote server: url, transport, headers)"
    )
    assert registry.requests == []


@pytest.mark.parametrize(
    ("call", "what"),
    [
        (lambda client: client.add_server(server_payload("files")), "the added server"),
        (lambda client: client.get_server("files"), "the server"),
        (lambda client: client.list_servers(), "the server list"),
    ],
    ids=["add", "get", "list"],
)
async def test_an_answer_of_the_wrong_shape_says_which_answer(
    call: Callable[[RegistryClient], Awaitable[Any]], what: str
) -> None:
    async with _client(Scripted(_json(200, {"data": "nothing like it"}))) as client:
        with pytest.raises(UnexpectedResponse) as unexpected:
            await call(client)
    assert unexpected.value.message.startswith(f"The registry's answer for {what} is not in the expected shape: ")


# --- keys mode: the caller's key, put in by the transport ----------------------------------------------

CALLER = "sk-caller-PLANTED-9876543210"


@pytest.fixture
def callers_key() -> Iterator[None]:
    """An HTTP caller authenticated with `CALLER`, as `--auth keys` leaves it for the registry requests."""
    reset = auth_context_var.set(AuthenticatedUser(AccessToken(token=CALLER, client_id="caller", scopes=[])))
    yield
    auth_context_var.reset(reset)


def _callers_client(registry: Scripted, api_key: str | None = None) -> RegistryClient:
    """A client sending each request with the caller's key (`CallerKeyTransport`), and `api_key` if any."""
    transport = CallerKeyTransport(httpx2.MockTransport(registry))
    return RegistryClient(api_key, base_url=BASE, transport=transport, retry=NO_RETRIES)


@pytest.mark.parametrize("status", [401, 403])
async def test_a_callers_key_refused_is_the_callers_to_fix_and_never_quoted(callers_key: None, status: int) -> None:
    registry = Scripted(_json(status, {"message": f"key {CALLER} refused"}))
    async with _callers_client(registry) as client:
        with pytest.raises(CallersKeyRefused) as refused:
            await client.list_servers()
    assert _own_headers(registry.requests[0]) == {"accept": "application/json", "apikey": CALLER}
    assert refused.value.registry_message == "key <redacted> refused"
    assert CALLER not in str(refused.value)


async def test_the_servers_own_key_refused_is_the_servers_to_fix(callers_key: None) -> None:
    # The transport sends the same key the client holds: not a caller's.
    async with _callers_client(Scripted(_json(401, {"message": "no"})), api_key=CALLER) as client:
        with pytest.raises(AuthenticationError) as refused:
            await client.list_servers()
    assert type(refused.value) is AuthenticationError
    async with _client(Scripted(_json(404, {"message": f"no {CALLER}"}))) as client:
        with pytest.raises(RegistryError) as missing:
            await client.get_server("files")
    assert type(missing.value) is ServerNotFound


async def test_a_delete_quoting_the_callers_key_is_scrubbed(callers_key: None) -> None:
    async with _callers_client(Scripted(_json(200, {"message": f"Deleted with key {CALLER}"}))) as client:
        assert await client.delete_server("files") == "Deleted with key <redacted>"


async def test_a_delete_message_that_is_not_a_text_is_scrubbed_too(callers_key: None) -> None:
    async with _callers_client(Scripted(_json(200, {"message": {"note": f"key {CALLER}"}}))) as client:
        assert await client.delete_server("files") == "{'note': 'key <redacted>'}"


async def test_a_gateway_config_is_asked_for_by_its_headers_and_a_wrong_shape_is_named_as_such() -> None:
    registry = Scripted(_json(200, {"expanded_servers": 5}))
    async with _client(registry) as client:
        with pytest.raises(UnexpectedResponse) as unexpected:
            await client.gateway_config("team", "v2")
    [request] = registry.requests
    assert (request.method, str(request.url)) == ("GET", f"{BASE}/mcp-gateway/get-gateway-config")
    assert _own_headers(request) == {
        "accept": "application/json",
        "apikey": KEY,
        "x-enkrypt-mcp-gateway": "team",
        "x-enkrypt-mcp-gateway-version": "v2",
    }
    assert str(unexpected.value).startswith(
        "The registry's answer for the gateway config is not in the expected shape: expanded_servers: must be a list."
    )

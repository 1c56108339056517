"""`BoundedTransport` on its own, composed the way httpx composes transports (wrapping another one,
here `httpx2.MockTransport`) under a plain `httpx2.AsyncClient`: which answers are tried again, the
one deadline of the whole call, the size limit, and the attempts it leaves on the request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx2
import pytest

from registry_mcp.errors import AnswerTooLarge, DeadlinePassed
from registry_mcp.registry.retries import RetryPolicy
from registry_mcp.registry.transport import ATTEMPTS, BoundedTransport, Limits

pytestmark = pytest.mark.anyio

AT_ONCE = RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0)


def _client(*answers: httpx2.Response | type[Exception], limits: Limits) -> tuple[httpx2.AsyncClient, list[str]]:
    seen: list[str] = []
    script = list(answers)

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.method)
        step = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(step, type):
            raise step("injected", request=request)  # type: ignore[call-arg]
        return step

    transport = BoundedTransport(httpx2.MockTransport(answer), limits)
    return httpx2.AsyncClient(base_url="https://registry.example", transport=transport), seen


@pytest.mark.parametrize(
    ("method", "answers", "status", "tried"),
    [
        ("GET", [httpx2.Response(503), httpx2.Response(200, json={})], 200, 2),
        ("GET", [httpx2.Response(429, headers={"Retry-After": "0"}), httpx2.Response(200)], 200, 2),
        ("GET", [httpx2.Response(500)], 500, 1),
        ("GET", [httpx2.Response(503)], 503, 3),
        ("POST", [httpx2.Response(503)], 503, 1),
        ("POST", [httpx2.ConnectError, httpx2.Response(201)], 201, 2),
    ],
    ids=["read-503", "read-429", "read-500", "read-gives-up", "write-503", "write-not-sent"],
)
async def test_what_is_tried_again(
    method: str, answers: list[httpx2.Response | type[Exception]], status: int, tried: int
) -> None:
    client, seen = _client(*answers, limits=Limits(deadline=5, retry=AT_ONCE))
    async with client:
        request = client.build_request(method, "/x")
        response = await client.send(request)
    assert response.status_code == status and len(seen) == tried and request.extensions[ATTEMPTS] == tried


async def test_a_write_that_reached_the_registry_is_not_sent_again() -> None:
    client, seen = _client(httpx2.ReadError, limits=Limits(deadline=5, retry=AT_ONCE))
    async with client:
        with pytest.raises(httpx2.ReadError):
            await client.post("/x", json={})
    assert seen == ["POST"]


async def test_one_deadline_covers_every_attempt_and_the_waits_between() -> None:
    slow = RetryPolicy(attempts=10, backoff=0.2, max_backoff=0.2)
    client, seen = _client(httpx2.Response(503), limits=Limits(deadline=0.5, retry=slow))
    async with client:
        started = anyio.current_time()
        # Each wait fits in what is left of the deadline until one would not: the last answer stands.
        response = await client.get("/x")
    assert response.status_code == 503 and 1 < len(seen) < 10
    assert anyio.current_time() - started < 0.5


async def test_a_slow_answer_ends_at_the_deadline() -> None:
    async def never(request: httpx2.Request) -> httpx2.Response:
        await anyio.sleep(10)
        return httpx2.Response(200)

    transport = BoundedTransport(httpx2.MockTransport(never), Limits(deadline=0.1, retry=AT_ONCE))
    async with httpx2.AsyncClient(base_url="https://registry.example", transport=transport) as client:
        with anyio.fail_after(5), pytest.raises(DeadlinePassed):
            await client.get("/x")


@pytest.mark.parametrize(("declared", "said"), [(True, 101), (False, None)])
async def test_an_answer_past_the_limit_is_refused(declared: bool, said: int | None) -> None:
    body = b"x" * 101

    async def chunks() -> AsyncIterator[bytes]:
        yield body[:50]
        yield body[50:]

    headers = {"Content-Length": "101"} if declared else {}
    answer = httpx2.Response(200, headers=headers, content=chunks())
    client, _ = _client(answer, limits=Limits(deadline=5, max_response_bytes=100))
    async with client:
        with pytest.raises(AnswerTooLarge) as refused:
            await client.get("/x")
    assert refused.value.status == 200 and refused.value.declared == said


async def test_an_error_body_is_read_only_as_far_as_it_is_quoted() -> None:
    client, _ = _client(httpx2.Response(500, content=b"e" * 200_000), limits=Limits(deadline=5))
    async with client:
        response = await client.get("/x")
    assert response.status_code == 500 and len(response.content) == 64 * 1024

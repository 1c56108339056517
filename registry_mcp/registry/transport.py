"""`BoundedTransport`: an httpx2 transport that bounds one call to a registry, around another transport.

    http = httpx2.AsyncClient(transport=BoundedTransport(httpx2.AsyncHTTPTransport(), limits))

It composes the way httpx's transports do (it wraps any `httpx2.AsyncBaseTransport`) and adds:

- retries, by `registry_mcp.registry.retries`: a read again after a failed connection, a timeout, a
  429 or a 502/503/504; a write only when its connection failed (it cannot have reached the registry);
- one deadline for the whole call, retries and the waits between them included: a registry that
  drips its answer a byte at a time ends the call on time, not once per attempt;
- a size limit: an answer is read in chunks and refused (`AnswerTooLarge`) as soon as it passes the
  limit, or unread when it announces more; an error's body is read only as far as it is quoted.

The response it returns is read whole (within the limits). How many attempts a call took is left in
the request's extensions (`ATTEMPTS`), for the error that reports it; `OPERATION` there names the
call in the log line of each retry.
"""

from __future__ import annotations

import logging
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import httpx2

from registry_mcp.errors import AnswerTooLarge, DeadlinePassed
from registry_mcp.registry.endpoints import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT
from registry_mcp.registry.retries import DEFAULT_RETRIES, RETRYABLE_STATUSES, RetryPolicy

if TYPE_CHECKING:
    from types import TracebackType

logger = logging.getLogger(__name__)

# An error's text is only quoted in part: no more of it is read than this.
ERROR_BODY_BYTES = 64 * 1024

# What described the body as it came, not as it is returned (read whole, decoded, maybe cut short).
_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

ATTEMPTS = "registry_mcp.attempts"
"""The request extension where the transport leaves how many attempts the call took."""
OPERATION = "registry_mcp.operation"
"""The request extension naming the call in words ("list servers"), for the retries' log lines."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How long a call may take, how large its answer may be, and how it is retried."""

    deadline: float | None = DEFAULT_TIMEOUT
    """Seconds for the whole call, retries included (None: no deadline)."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    retry: RetryPolicy = DEFAULT_RETRIES


class BoundedTransport(httpx2.AsyncBaseTransport):
    """Retries, one whole-call deadline and a size limit, around the transport `inner`."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, limits: Limits = Limits()) -> None:
        self._inner = inner
        self.limits = limits

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.extensions[ATTEMPTS] = 0
        deadline = self.limits.deadline
        ends_at = None if deadline is None else anyio.current_time() + deadline
        try:
            with anyio.fail_after(deadline):
                return await self._attempts(request, ends_at)
        except TimeoutError:
            raise DeadlinePassed("the whole call did not end within its deadline", request=request) from None

    async def _attempts(self, request: httpx2.Request, ends_at: float | None) -> httpx2.Response:
        is_read = request.method == "GET"
        operation = request.extensions.get(OPERATION) or f"{request.method} {request.url.path}"

        def in_time(delay: float | None) -> float | None:
            """The wait before the next attempt; None (give up now) if the deadline would pass meanwhile."""
            if delay is None or (ends_at is not None and anyio.current_time() + delay >= ends_at):
                return None
            return delay

        while True:
            request.extensions[ATTEMPTS] = attempt = request.extensions[ATTEMPTS] + 1
            try:
                response = await self._one_attempt(request)
            except httpx2.TransportError as failure:
                if isinstance(failure, AnswerTooLarge):
                    raise
                # A failed connect never reached the registry: safe to retry even a write.
                not_sent = isinstance(failure, httpx2.ConnectError | httpx2.ConnectTimeout)
                delay = in_time(self.limits.retry.delay(attempt)) if is_read or not_sent else None
                if delay is None:
                    raise
                logger.warning("Retrying %s in %.2f s after %s", operation, delay, type(failure).__name__)
                await anyio.sleep(delay)
                continue
            if is_read and response.status_code in RETRYABLE_STATUSES:
                delay = in_time(self.limits.retry.delay(attempt, retry_after(response.headers)))
                if delay is not None:
                    logger.warning("Retrying %s in %.2f s after HTTP %s", operation, delay, response.status_code)
                    await anyio.sleep(delay)
                    continue
            return response

    async def _one_attempt(self, request: httpx2.Request) -> httpx2.Response:
        """One request, its answer read whole within the size limit (an error's only as far as it is quoted)."""
        response = await self._inner.handle_async_request(request)
        try:
            if not 200 <= response.status_code < 300:
                content = await _read(request, response, ERROR_BODY_BYTES)
            else:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.limits.max_response_bytes:
                    raise AnswerTooLarge(request, response.status_code, int(declared))
                content = await _read(request, response, self.limits.max_response_bytes, refuse_more=True)
        finally:
            await response.aclose()
        # The body is read (and decoded): what is returned is that content, under the same headers.
        headers = [(name, value) for name, value in response.headers.multi_items() if name not in _BODY_HEADERS]
        return httpx2.Response(response.status_code, headers=headers, content=content, extensions=response.extensions)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


async def _read(request: httpx2.Request, response: httpx2.Response, limit: int, *, refuse_more: bool = False) -> bytes:
    """The body, up to `limit` bytes: past it, cut short (or, with `refuse_more`, refused)."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            if refuse_more:
                raise AnswerTooLarge(request, response.status_code)
            return bytes(body[:limit])
    return bytes(body)


def retry_after(headers: httpx2.Headers) -> float | None:
    """The seconds a Retry-After header asks to wait (its number form), if any."""
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def network_transport(base_url: str) -> httpx2.AsyncHTTPTransport:
    """The transport to the network for `base_url`: through the proxy the environment names for it
    (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, either case, unless NO_PROXY exempts the host), as httpx
    does for a client without a transport of its own."""
    url = httpx2.URL(base_url)
    proxies = urllib.request.getproxies()
    proxy = None if urllib.request.proxy_bypass(url.host) else proxies.get(url.scheme) or proxies.get("all")
    return httpx2.AsyncHTTPTransport(proxy=proxy)

"""Connect to an MCP server as a client and report what it is: name, version, capabilities, tools.

    report = await inspect_server(LocalServerConfig(command="npx", args=["-y", "@modelcontextprotocol/server-memory"]))
    deny_report(report.tools, ["write_*", "wirte_file"])   # what each pattern blocks, what stays, what matches none

A local server is spawned over stdio in its own process group (`registry_mcp.servers.launch`), and the whole
group is stopped when the inspection ends, fails or is cancelled; a remote one is reached over
Streamable HTTP or SSE. What is read is bounded (`Limits`: tools, pages, bytes, time); a bound that
is reached ends the listing early and is said in `InspectedServer.stopped`. Everything the server
says is untrusted: its texts are cleaned and capped (`registry_mcp.untrusted`), and its errors and
stderr are quoted as data, with the entry's secret values scrubbed out, never an HTTP body.
Launching a command runs code on this machine: the MCP tool asks the person first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
from mcp import Client, ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import (
    CONNECTION_CLOSED,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
    Implementation,
    PaginatedRequestParams,
    ServerCapabilities,
    Tool,
)
from mcp_types import (
    REQUEST_TIMEOUT as TIMED_OUT,
)
from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from registry_mcp import __version__
from registry_mcp.errors import InspectionFailed
from registry_mcp.gateway.denylist import deny_patterns, is_denied, matching
from registry_mcp.registry.client import connection_failure
from registry_mcp.registry.models import LocalServerConfig, RemoteServerConfig
from registry_mcp.secrets.masking import secret_values
from registry_mcp.secrets.scrubbing import REDACTED, Scrubber
from registry_mcp.servers.addresses import GuardedTransport
from registry_mcp.servers.launch import (
    TLS_ADVICE,
    ReadBounds,
    StderrTail,
    child_environment,
    looks_like_tls_failure,
    spawn_stdio,
)
from registry_mcp.untrusted import ELLIPSIS, cap, clean, clean_block, clean_json, escape, has_hidden, quote

START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 15.0
STDERR_SHOWN = 2_000
ERROR_SHOWN = 300
CLIENT_INFO = Implementation(name="registry-mcp-inspector", version=__version__)


@dataclass(frozen=True)
class Limits:
    """How much is read from an inspected server."""

    max_tools: int = 1_000
    max_pages: int = 50
    max_message: int = 8_000_000  # bytes in one JSON-RPC message
    max_bytes: int = 16_000_000  # bytes in all
    list_time: float = 30.0  # seconds for the whole tools/list
    name: int = 128  # the length MCP allows a tool name
    title: int = 200
    description: int = 1_000
    instructions: int = 2_000
    version: int = 100


class InspectedTool(BaseModel):
    name: str = Field(description="Control, invisible and direction characters are shown as \\uXXXX.")
    title: str | None = None
    description: str | None = None
    annotations: dict[str, Any] | None = None
    input_schema: dict[str, Any] | None = Field(default=None, description="Left out where results must stay small.")


class InspectedServer(BaseModel):
    """What the server said, cleaned of control, invisible and direction characters and capped."""

    name: str
    version: str
    title: str | None = None
    protocol_version: str
    transport: str = Field(default="stdio", description="How it answered: stdio, streamable_http or sse.")
    instructions: str | None = None
    capabilities: dict[str, Any]
    tools: list[InspectedTool]
    stopped: list[str] = Field(default_factory=list, description="The bounds reached: the listing is incomplete.")
    escaped_names: int = Field(default=0, description="Tool names whose hidden characters are shown as \\uXXXX.")
    skipped_lines: int = Field(default=0, description="Lines on its stdout that were not JSON-RPC (logs?), skipped.")
    # The tools as the server sent them (uncleaned): what a pin digests (`registry_mcp.servers.pins`).
    _definitions: list[Tool] = PrivateAttr(default_factory=list)
    _said: _Said = PrivateAttr(default_factory=lambda: _Said(frozenset()))

    @property
    def definitions(self) -> list[Tool]:
        return self._definitions

    def shown(self, text: str, limit: int) -> str:
        """A text of `definitions` as it may be shown: hidden characters written as \\uXXXX, and every
        secret this inspection kept out of what it reports scrubbed (one split by hidden characters too)."""
        return self._said.name(text, limit)


class PatternReport(BaseModel):
    pattern: str
    blocks: list[str] = Field(description="The server's tools this pattern denies.")


class DenyReport(BaseModel):
    patterns: list[PatternReport]
    visible: list[str] = Field(description="Tools the gateway would still offer.")
    unmatched: list[str] = Field(description="Patterns that match none of the server's tools (typos?).")


def deny_report(
    tools: list[InspectedTool], denied_tools: list[Any] | None, listed_tools: Collection[str] = ()
) -> DenyReport:
    """What the gateway does with these tools under `denied_tools`, where `listed_tools` are the keys of
    the entry's `mcp_config.tools` (which `"*"` spares), as `registry_mcp.gateway.denylist` says."""
    names = [tool.name for tool in tools]
    reports = [
        PatternReport(pattern=pattern, blocks=matching(names, pattern, listed_tools))
        for pattern in deny_patterns(denied_tools)
    ]
    return DenyReport(
        patterns=reports,
        visible=[name for name in names if not is_denied(name, denied_tools, listed_tools)],
        unmatched=[report.pattern for report in reports if not report.blocks],
    )


async def inspect_server(
    config: LocalServerConfig | RemoteServerConfig,
    *,
    start_timeout: float = START_TIMEOUT,
    request_timeout: float = REQUEST_TIMEOUT,
    limits: Limits | None = None,
    secrets: Iterable[str] = (),
    keys: Iterable[str] = (),
    private_targets: bool = True,
) -> InspectedServer:
    """Start or reach the server, learn what it is (`server/discover`, else the `initialize`
    handshake), list its tools; raise `InspectionFailed`. Starting (the process or the connection, and
    that first exchange) ends within `start_timeout` on every transport.

    `secrets` (besides the config's own env and header values) are scrubbed from whatever it says, and
    `keys` (the registry's API key) in any reversible form too, as any piece of one.
    Without `private_targets`, a URL is reached only at public addresses (`servers.addresses`), and a
    refused address, an unreachable one and one that does not answer in time fail alike."""
    limits = limits or Limits()
    said = _Said(_hidden_forms(secret_values(config.model_dump(mode="json")) | set(secrets)), keys)
    bounds = ReadBounds(max_message=limits.max_message, max_total=limits.max_bytes)
    stderr = StderrTail(keep=STDERR_SHOWN * 4)
    remote = isinstance(config, RemoteServerConfig)
    transport = config.transport if isinstance(config, RemoteServerConfig) else "stdio"
    guarded = remote and not private_targets
    reach = _Reach(bounds, stderr, request_timeout, limits, guarded)
    deadline = anyio.current_time() + start_timeout
    try:
        try:
            seen = await reach.server(config, transport, deadline)
        except Exception as failure:
            if not (transport == "streamable_http" and _answered_but_not_so(failure, bounds)):
                raise
            # Something answered HTTP, but not as Streamable HTTP: an SSE endpoint's URL given as one?
            try:
                seen = await reach.server(config, "sse", deadline)
            except Exception:
                raise failure from None
    except Exception as failure:  # whatever the transport raised: described by us, the server's words quoted
        timed_out = _has(failure, TimeoutError)
        if bounds.stopped:
            reason = bounds.stopped
        elif guarded and (timed_out or _has(failure, httpx2.TransportError)):
            reason = _unreached(start_timeout)  # the same words for an address refused, unreachable or silent
        elif timed_out:
            reason = f"the server did not answer within {start_timeout:g} s (or a request within {request_timeout:g} s)"
        else:
            reason = _describe(failure, remote=remote, said=said)
        tls = looks_like_tls_failure(stderr.text) or any(looks_like_tls_failure(text) for text in _texts(failure))
        raise InspectionFailed(_failure_text(reason, stderr.text, said, tls=tls)) from None
    server = seen.identity
    declared = seen.capabilities.model_dump(mode="json", by_alias=True, exclude_none=True)
    inspected = [_inspected(tool, limits, said) for tool in seen.tools]
    report = InspectedServer(
        name=said(server.name, limits.title) if server else "",
        version=said(server.version, limits.version) if server else "",
        title=said(server.title, limits.title) if server and server.title else None,
        protocol_version=said(seen.protocol_version, limits.version),
        transport=seen.transport,
        instructions=said(seen.instructions, limits.instructions, block=True) if seen.instructions else None,
        capabilities=_capabilities(declared, said),
        tools=inspected,
        stopped=seen.stopped,
        escaped_names=sum(
            1 for tool, shown in zip(seen.tools, inspected, strict=True) if _not_as_said(tool, shown, limits)
        ),
        skipped_lines=bounds.skipped_lines,
    )
    report._definitions = seen.tools
    report._said = said
    return report


def _unreached(start_timeout: float) -> str:
    return (
        f"no MCP server answered there within {start_timeout:g} s, or its address is one registry-mcp does not "
        "connect to for a remote caller (loopback, private, link-local, unique-local or cloud metadata; a person "
        "can allow those by starting registry-mcp with --allow-private-targets)"
    )


def _answered_but_not_so(failure: BaseException, bounds: ReadBounds) -> bool:
    """Whether a Streamable HTTP attempt failed on an answer (an HTTP error status, a body that is
    no MCP), not on the connection, a bound or the clock: worth trying the URL as SSE."""
    if bounds.stopped or _has(failure, TimeoutError) or _has(failure, httpx2.TransportError):
        return False
    return _has(failure, MCPError) or _has(failure, httpx2.HTTPStatusError) or _has(failure, ValidationError)


@dataclass(frozen=True)
class _Seen:
    """What a server said about itself, and its tools as far as the limits allowed."""

    identity: Implementation | None  # a 2026-07-28 server may leave its name out
    protocol_version: str
    capabilities: ServerCapabilities
    instructions: str | None
    tools: list[Tool]
    stopped: list[str]
    transport: str


@dataclass(frozen=True)
class _Reach:
    bounds: ReadBounds
    stderr: StderrTail
    request_timeout: float
    limits: Limits
    guarded: bool

    async def server(self, config: LocalServerConfig | RemoteServerConfig, transport: str, deadline: float) -> _Seen:
        """Connect over `transport`, agree on a protocol revision (`server/discover` first, then the
        `initialize` handshake) by `deadline`, then list the tools within the listing's own bounds."""
        starting = anyio.CancelScope(deadline=deadline)
        seen: list[_Seen] = []  # what was listed, kept if closing the connection then runs out of time
        try:
            with starting:
                await self._listed(config, transport, starting, seen)
        except Exception as failure:
            if starting.cancel_called and not seen:  # the deadline cut the start short
                raise TimeoutError from failure
            if not seen:
                raise
        if seen:
            return seen[0]
        raise TimeoutError  # the deadline passed while starting

    async def _listed(
        self,
        config: LocalServerConfig | RemoteServerConfig,
        transport: str,
        starting: anyio.CancelScope,
        seen: list[_Seen],
    ) -> None:
        client = Client(
            self._streams(config, transport),
            mode="auto",
            read_timeout_seconds=self.request_timeout,
            client_info=CLIENT_INFO,
            cache=None,
        )
        async with client:
            # Started: the listing has bounds of its own; closing gets a request's time after them.
            starting.deadline = anyio.current_time() + self.limits.list_time + 2 * self.request_timeout
            session = client.session
            tools, stopped = await _list_tools(session, self.request_timeout, self.limits, self.bounds)
            seen.append(
                _Seen(
                    identity=session.server_info,
                    protocol_version=str(session.protocol_version),
                    capabilities=session.server_capabilities or ServerCapabilities(),
                    instructions=session.instructions,
                    tools=tools,
                    stopped=stopped,
                    transport=transport,
                )
            )

    @asynccontextmanager
    async def _streams(
        self, config: LocalServerConfig | RemoteServerConfig, transport: str
    ) -> AsyncIterator[tuple[Any, Any]]:
        """The transport's read and write streams (their types differ only in name)."""
        if isinstance(config, LocalServerConfig):
            environment = child_environment(config.env or {})
            async with spawn_stdio(
                config.command, list(config.args or []), environment, self.bounds, self.stderr
            ) as pipes:
                yield pipes
            return
        hooks = {"response": [_BoundedBody(self.bounds).hook]}
        guarded = self.guarded

        def bounded_client(
            headers: dict[str, str] | None = None,
            timeout: httpx2.Timeout | None = None,
            auth: httpx2.Auth | None = None,
        ) -> httpx2.AsyncClient:
            return httpx2.AsyncClient(
                headers=headers,
                timeout=timeout or self.request_timeout,
                auth=auth,
                event_hooks=hooks,
                transport=GuardedTransport() if guarded else None,
            )

        headers = dict(config.headers or {})
        if transport == "sse":
            async with sse_client(
                config.url, headers=headers, timeout=self.request_timeout, httpx_client_factory=bounded_client
            ) as streams:
                yield streams
            return
        async with (
            bounded_client(headers=headers) as http,
            streamable_http_client(config.url, http_client=http, max_sse_event_size=self.bounds.max_message) as streams,
        ):
            yield streams


class _ReadLimitReached(Exception):
    pass


class _BoundedBody:
    """Counts the bytes of every HTTP response body against the bounds; past them, the read fails."""

    def __init__(self, bounds: ReadBounds) -> None:
        self.bounds = bounds

    async def hook(self, response: httpx2.Response) -> None:
        response.stream = _CountedStream(response.stream, self.bounds)


class _CountedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: Any, bounds: ReadBounds) -> None:
        self.inner, self.bounds = inner, bounds

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.bounds.read += len(chunk)
            if self.bounds.read > self.bounds.max_total:
                self.bounds.stopped = f"stopped reading after {self.bounds.max_total:,} bytes from the server"
                raise _ReadLimitReached(self.bounds.stopped)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _list_tools(
    session: ClientSession, request_timeout: float, limits: Limits, bounds: ReadBounds
) -> tuple[list[Tool], list[str]]:
    """The server's tools, as far as the limits allow, and which limits stopped the listing."""
    tools: list[Tool] = []
    cursor: str | None = None
    with anyio.move_on_after(limits.list_time) as clock:
        for _ in range(limits.max_pages):
            try:
                with anyio.fail_after(request_timeout):
                    page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
            except MCPError:
                if bounds.stopped:  # the transport stopped reading: keep what came before
                    return tools, [bounds.stopped]
                raise
            tools += page.tools[: limits.max_tools - len(tools)]
            cursor = page.next_cursor
            if len(tools) >= limits.max_tools and (cursor or len(page.tools) > len(tools)):
                return tools, [f"stopped after {limits.max_tools:,} tools: the server offered more"]
            if not cursor:
                return tools, []
        return tools, [f"stopped after {limits.max_pages} pages of tools/list: the server offered more"]
    assert clock.cancelled_caught
    return tools, [f"stopped after {limits.list_time:g} s of listing tools: the server offered more"]


def _inspected(tool: Tool, limits: Limits, said: _Said) -> InspectedTool:
    annotations = (
        tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True) if tool.annotations else None
    )
    return InspectedTool(
        name=said.name(tool.name, limits.name),
        title=said(tool.title, limits.title) if tool.title else None,
        description=said(tool.description, limits.description, block=True) if tool.description else None,
        annotations=clean_json(annotations, nodes=20, clean_text=said) if annotations is not None else None,
        input_schema=clean_json(tool.input_schema, depth=8, nodes=500, clean_text=said),
    )


def _not_as_said(tool: Tool, shown: InspectedTool, limits: Limits) -> bool:
    """Whether the name shown is not the server's own: hidden characters written out, or a secret in it."""
    return has_hidden(tool.name[: limits.name]) or (REDACTED in shown.name and REDACTED not in tool.name)


def _capabilities(declared: dict[str, Any], said: _Said) -> dict[str, Any]:
    """The standard capabilities, then `experimental` (anything a server likes) on its own budget."""
    experimental = declared.pop("experimental", None)
    capabilities: dict[str, Any] = clean_json(declared, limit=100, nodes=100, clean_text=said)
    if experimental:
        capabilities["experimental"] = clean_json(experimental, limit=100, nodes=100, clean_text=said)
    return capabilities


_PIECE = 4  # the shortest piece of a secret, left at the edge of a cut text, that is redacted too


def _hidden_forms(secrets: Iterable[str]) -> frozenset[str]:
    """The secrets, and each as `clean` and `clean_block` would show it (a secret holding a tab or a
    zero-width character appears so in cleaned text)."""
    found = {
        form for secret in secrets for form in (secret, clean(secret, len(secret)), clean_block(secret, len(secret)))
    }
    return frozenset(form for form in found if len(form) >= _PIECE)


class _Said:
    """What an inspected server says, made fit to show: cleaned first (dropping a zero-width character
    may join the pieces of a secret), then scrubbed of every secret and of any piece of one that a cut
    left at either end, then capped."""

    def __init__(self, hidden: frozenset[str], keys: Iterable[str] = ()) -> None:
        self.hidden = hidden
        self._scrubber = Scrubber(hidden, keys)
        # A key's longest reversible form is every character written \uXXXX: six times its length.
        self._longest = max([*map(len, hidden), *(6 * len(key) for key in keys)], default=0)

    def __call__(self, text: str | None, limit: int, *, block: bool = False) -> str:
        # Cleaned to a little more than `limit`: a secret that starts inside the limit is whole in it.
        cleaned = (clean_block if block else clean)(text or "", limit + self._longest)
        return cap(self.scrub(cleaned), limit)

    def name(self, text: str, limit: int) -> str:
        """A text with its hidden characters written out; if it holds a secret, cleaned and scrubbed."""
        cleaned = clean(text, limit + self._longest)
        return escape(text, limit) if self.scrub(cleaned) == cleaned else self(text, limit)

    def scrub(self, text: str, *, cut_before: bool = False) -> str:
        text = self._scrubber(text)
        ended = text.endswith(ELLIPSIS)
        text = text.removesuffix(ELLIPSIS)
        for secret in self.hidden:
            text = _without_piece(text, secret, cut_before=cut_before)
        return text + (ELLIPSIS if ended else "")


def _without_piece(text: str, secret: str, *, cut_before: bool) -> str:
    """`text` without a piece of `secret` at its end (the rest was cut off), or at its start if
    `cut_before` (the text is the end of something longer)."""
    at = text.find(secret[0], max(len(text) - len(secret) + 1, 0))
    while at != -1 and len(text) - at >= _PIECE:
        if secret.startswith(text[at:]):
            text = text[:at] + REDACTED
            break
        at = text.find(secret[0], at + 1)
    if cut_before and text:
        at = secret.find(text[0], 1)
        while at != -1 and len(secret) - at >= _PIECE:
            if text.startswith(secret[at:]):
                return REDACTED + text[len(secret) - at :]
            at = secret.find(text[0], at + 1)
    return text


def _has(failure: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(failure, BaseExceptionGroup):
        return any(_has(inner, kind) for inner in failure.exceptions)
    return isinstance(failure, kind)


def _describe(failure: BaseException, *, remote: bool, said: _Said) -> str:
    """Our sentence for a failure. What a server said over stdio is quoted, cleaned and capped; over
    HTTP an error's text may be any page's body, so only its code is given."""
    if isinstance(failure, BaseExceptionGroup):
        return "; ".join(dict.fromkeys(_describe(inner, remote=remote, said=said) for inner in failure.exceptions))
    if isinstance(failure, FileNotFoundError):
        return f"the command was not found ({quote(said(str(failure.filename or failure), 200))})"
    if isinstance(failure, httpx2.HTTPStatusError):
        return f"the URL answered HTTP {failure.response.status_code}, not MCP (is it an MCP endpoint?)"
    if isinstance(failure, httpx2.SSEError):
        return "the URL did not answer with an event stream (is it an MCP SSE endpoint?)"
    if isinstance(failure, httpx2.TransportError):
        return (
            f"{connection_failure(failure, 'the server')}: check its URL, that it is running, and this machine's "
            "network and proxy settings (HTTPS_PROXY, NO_PROXY)"
        )
    if isinstance(failure, httpx2.HTTPError):
        return f"the HTTP request failed ({type(failure).__name__})"
    if isinstance(failure, ValidationError):
        return f"the server's answer is not a valid MCP {clean(failure.title, 60)} (is it an MCP endpoint?)"
    if isinstance(failure, MCPError):
        return _described_error(failure, remote=remote, said=said)
    if isinstance(failure, OSError):
        return f"the command could not be started ({type(failure).__name__}: {quote(said(str(failure), 200))})"
    return f"the connection failed ({type(failure).__name__})"


_JSON_RPC_CODES = {
    PARSE_ERROR: "parse error",
    INVALID_REQUEST: "invalid request",
    METHOD_NOT_FOUND: "method not found",
    INVALID_PARAMS: "invalid params",
    INTERNAL_ERROR: "internal error",
}


def _described_error(failure: MCPError, *, remote: bool, said: _Said) -> str:
    if failure.code == CONNECTION_CLOSED or "Connection closed" in failure.message:
        return "the server closed the connection before answering (did it exit?)"
    if failure.code == TIMED_OUT:
        return (
            "a request got no answer in time (is it an MCP endpoint?)" if remote else "a request got no answer in time"
        )
    if failure.code == UNSUPPORTED_PROTOCOL_VERSION:
        return (
            "the server speaks no protocol revision this inspector does (it supports only "
            f"{_versions(failure.error.data)}): an MCP server, on a newer or older revision"
        )
    code = f"code {failure.code}" + (f", {_JSON_RPC_CODES[failure.code]}" if failure.code in _JSON_RPC_CODES else "")
    if remote:
        return f"the connection ended with an MCP error ({code}; its text is not shown: is the URL an MCP endpoint?)"
    return f"the server answered with an error ({code}), quoted: {quote(said(failure.message, ERROR_SHOWN))}"


def _versions(data: Any) -> str:
    """The revisions a -32022 error names, cleaned: the server's own words."""
    supported = data.get("supported") if isinstance(data, dict) else None
    if not isinstance(supported, list) or not supported:
        return "revisions it does not name"
    return ", ".join(quote(clean(str(version), 20)) for version in supported[:5])


def _texts(failure: BaseException) -> Iterator[str]:
    """The texts of a failure and of what it wraps: read for signs of a TLS problem, never shown."""
    if isinstance(failure, BaseExceptionGroup):
        for inner in failure.exceptions:
            yield from _texts(inner)
        return
    yield str(failure)
    inner = failure.__cause__ or failure.__context__
    if inner is not None:
        yield from _texts(inner)


def _failure_text(reason: str, stderr: str, said: _Said, *, tls: bool) -> str:
    text = said.scrub(reason)
    # The tail kept may begin inside a secret: cleaned (which may join a secret's pieces), then scrubbed.
    shown = said.scrub(clean_block(stderr[-STDERR_SHOWN * 4 :], STDERR_SHOWN * 4), cut_before=True)
    if shown:
        shown = shown if len(shown) <= STDERR_SHOWN else "…" + shown[-STDERR_SHOWN:]
        text += f". The server's stderr (the last {STDERR_SHOWN:,} characters at most), quoted: {quote(shown)}"
    if tls:
        text += f". {TLS_ADVICE}"
    return text

"""Connect to an MCP server as a client and report what it is: name, version, capabilities, tools.

    report = await inspect_server(LocalServerConfig(command="npx", args=["-y", "@modelcontextprotocol/server-memory"]))
    deny_report(report.tools, ["write_*", "wirte_file"])   # what each pattern blocks, what stays, what matches none

A local server is spawned over stdio (its stderr captured, and shown truncated when it fails) and
always reaped when the inspection ends, fails or is cancelled; a remote one is reached over
Streamable HTTP or SSE. The start (through `initialize`) and each request are bounded by timeouts.
Launching a command runs code on this machine: the MCP tool asks the person first.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TextIO

import anyio
import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation, PaginatedRequestParams
from pydantic import BaseModel, Field

from . import __version__
from .client import connection_failure
from .denylist import deny_patterns, is_denied, matching
from .models import LocalServerConfig, RemoteServerConfig

START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 15.0
STDERR_SHOWN = 2_000
MAX_TOOL_PAGES = 50
CLIENT_INFO = Implementation(name="registry-mcp-inspector", version=__version__)


class InspectionFailed(Exception):
    """The server could not be started, reached or asked; the message says why (and shows its stderr)."""


class InspectedTool(BaseModel):
    name: str
    title: str | None = None
    description: str | None = None
    annotations: dict[str, Any] | None = None
    input_schema: dict[str, Any] | None = Field(default=None, description="Left out where results must stay small.")


class InspectedServer(BaseModel):
    name: str
    version: str
    title: str | None = None
    protocol_version: str
    instructions: str | None = None
    capabilities: dict[str, Any]
    tools: list[InspectedTool]


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
    the entry's `mcp_config.tools` (which `"*"` spares), as `registry_mcp.denylist` says."""
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
) -> InspectedServer:
    """Start or reach the server, complete the handshake, list its tools; raise `InspectionFailed`."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
        try:
            async with _session(config, stderr, request_timeout) as session:
                with anyio.fail_after(start_timeout):
                    hello = await session.initialize()
                tools = await _all_tools(session, request_timeout)
        except Exception as failure:  # whatever the transport raised: reported, with the server's stderr
            reason = (
                f"the server did not answer within {start_timeout:g} s (or a request within {request_timeout:g} s)"
                if _has(failure, TimeoutError)
                else _describe(failure)
            )
            raise InspectionFailed(f"{reason}{_stderr(stderr)}") from None
    server = hello.server_info
    return InspectedServer(
        name=server.name,
        version=server.version,
        title=server.title,
        protocol_version=str(hello.protocol_version),
        instructions=hello.instructions,
        capabilities=hello.capabilities.model_dump(mode="json", by_alias=True, exclude_none=True),
        tools=tools,
    )


@asynccontextmanager
async def _session(
    config: LocalServerConfig | RemoteServerConfig, stderr: TextIO, request_timeout: float
) -> AsyncIterator[ClientSession]:
    async with AsyncExitStack() as stack:
        if isinstance(config, LocalServerConfig):
            parameters = StdioServerParameters(command=config.command, args=list(config.args or []), env=config.env)
            # Leaving this block terminates the child and waits for it, on success, failure or cancel.
            read, write = await stack.enter_async_context(stdio_client(parameters, errlog=stderr))
        elif config.transport == "sse":
            read, write = await stack.enter_async_context(
                sse_client(config.url, headers=dict(config.headers or {}), timeout=request_timeout)
            )
        else:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(headers=dict(config.headers or {}), timeout=request_timeout)
            )
            read, write = await stack.enter_async_context(streamable_http_client(config.url, http_client=http))
        yield await stack.enter_async_context(
            ClientSession(read, write, read_timeout_seconds=request_timeout, client_info=CLIENT_INFO)
        )


async def _all_tools(session: ClientSession, request_timeout: float) -> list[InspectedTool]:
    tools: list[InspectedTool] = []
    cursor: str | None = None
    for _ in range(MAX_TOOL_PAGES):
        with anyio.fail_after(request_timeout):
            page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
        tools += [
            InspectedTool(
                name=tool.name,
                title=tool.title,
                description=tool.description,
                annotations=tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True)
                if tool.annotations
                else None,
                input_schema=tool.input_schema,
            )
            for tool in page.tools
        ]
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _has(failure: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(failure, BaseExceptionGroup):
        return any(_has(inner, kind) for inner in failure.exceptions)
    return isinstance(failure, kind)


def _describe(failure: BaseException) -> str:
    if isinstance(failure, BaseExceptionGroup):
        return "; ".join(_describe(inner) for inner in failure.exceptions)
    if isinstance(failure, FileNotFoundError):
        return f"the command was not found ({failure.filename or failure})"
    if isinstance(failure, httpx2.TransportError):
        return (
            f"{connection_failure(failure, 'the server')}: check its URL, that it is running, and this machine's "
            "network and proxy settings (HTTPS_PROXY, NO_PROXY)"
        )
    if "Connection closed" in str(failure):
        return "the server closed the connection before answering (did it exit?)"
    text = str(failure).strip()
    return f"{type(failure).__name__}: {text}" if text else type(failure).__name__


def _stderr(stderr: TextIO) -> str:
    stderr.seek(0)
    text = stderr.read().strip()
    if not text:
        return ""
    shown = text if len(text) <= STDERR_SHOWN else "…" + text[-STDERR_SHOWN:]
    return f". The server's stderr (last {STDERR_SHOWN:,} characters at most):\n{shown}"

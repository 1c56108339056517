"""Starting a local MCP server to inspect it: what environment it gets, and pipes and processes that
cannot outgrow their bounds or outlive the inspection.

- `child_environment(env)`: the entry's `env` over a small base (`HOME`, `LOGNAME`, `PATH`, `SHELL`,
  `TERM`, `USER`) and the TLS and proxy settings of this process (`PASSED_THROUGH`), so a server
  that downloads its package works behind a corporate proxy or with a private certificate authority.
- `spawn_stdio(...)`: the server in its own process group, speaking newline-delimited JSON-RPC; lines
  that are not JSON-RPC are skipped, and reading stops (the connection closes) once a line or the
  total passes its bound. When the block ends, however it ends, the whole group is stopped: stdin
  closed, a moment's grace, SIGTERM to the group, then SIGKILL; then every process it started that
  left the group (a session of its own) is killed too (`registry_mcp.servers.descendants`).
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import anyio
import mcp_types
from anyio.abc import ByteReceiveStream, Process
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage

from registry_mcp.servers.descendants import Descendants, adopting_orphans, keep_private, stat_files

_TLS_AND_PROXY = (
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
)  # fmt: skip
# Passed from this process's environment to the child, in both cases (tools read either).
PASSED_THROUGH = tuple(name for upper in _TLS_AND_PROXY for name in (upper, upper.lower()))

_TLS_FAILURE = re.compile(
    r"certificate verify failed|UnknownIssuer|unable to get local issuer certificate|self[- ]signed certificate"
    r"|unable to verify the first certificate|SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|invalid peer certificate"
    r"|x509: certificate|SSLError|SSLCertVerificationError",
    re.IGNORECASE,
)
TLS_ADVICE = (
    "This looks like a TLS certificate problem (a proxy that inspects traffic, or a private certificate "
    "authority?): set SSL_CERT_FILE or SSL_CERT_DIR to your CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and "
    "NODE_EXTRA_CA_CERTS for tools that read those), and HTTPS_PROXY, HTTP_PROXY, NO_PROXY or ALL_PROXY if a proxy "
    "is needed, in registry-mcp's environment (they pass to the server) or in the entry's env."
)

GRACE = 1.0  # for the server to exit by itself once its stdin closes
TERM_WAIT = 2.0  # between SIGTERM and SIGKILL
_POLL = 0.05
_LEADER_POLL = 0.05
_CHUNK = 65_536


def passed_through(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The TLS and proxy settings of this process's environment that a child inherits."""
    environ = os.environ if environ is None else environ
    return {name: environ[name] for name in PASSED_THROUGH if name in environ}


def child_environment(env: Mapping[str, str]) -> dict[str, str]:
    """What a launched server's environment holds: the base, the TLS and proxy settings, its own `env`."""
    return get_default_environment() | passed_through() | dict(env)


def looks_like_tls_failure(text: str) -> bool:
    return _TLS_FAILURE.search(text) is not None


@dataclass
class ReadBounds:
    """How much is read from a server (its stdout, or its HTTP bodies), and why reading stopped early."""

    max_message: int
    max_total: int
    read: int = 0
    skipped_lines: int = 0
    stopped: str | None = None


class StderrTail:
    """The last bytes a server wrote to stderr (all of it is read, so it never blocks on a full pipe)."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._tail = bytearray()

    def add(self, chunk: bytes) -> None:
        self._tail += chunk
        if len(self._tail) > self._keep:
            del self._tail[: len(self._tail) - self._keep]

    @property
    def text(self) -> str:
        return self._tail.decode("utf-8", errors="replace")


@asynccontextmanager
async def spawn_stdio(
    command: str, args: list[str], env: Mapping[str, str], bounds: ReadBounds, stderr: StderrTail
) -> AsyncIterator[
    tuple[MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]]
]:
    """Start `command` in a new process group; yield the session's read and write streams. This
    process is made non-dumpable first (`descendants.keep_private`): the server may not read it."""
    keep_private()
    with adopting_orphans():
        process = await anyio.open_process([command, *args], env=dict(env), start_new_session=True)
        descendants = Descendants(process.pid)
        incoming, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        write_stream, outgoing = anyio.create_memory_object_stream[SessionMessage](0)
        try:
            async with anyio.create_task_group() as pipes:
                pipes.start_soon(_read_stdout, process, incoming, bounds)
                pipes.start_soon(_write_stdin, process, outgoing, incoming)
                pipes.start_soon(_read_stderr, process, stderr)
                pipes.start_soon(_end_group_with_leader, process)
                pipes.start_soon(descendants.watch)
                try:
                    yield read_stream, write_stream
                finally:
                    pipes.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                descendants.look()  # what it started since the last look, before the leader goes
                await end_process_group(process)
                await descendants.end()  # what left the group
                for stream in (read_stream, write_stream, incoming, outgoing):
                    await stream.aclose()


async def _read_stdout(
    process: Process, incoming: MemoryObjectSendStream[SessionMessage | Exception], bounds: ReadBounds
) -> None:
    assert process.stdout is not None
    pending = bytearray()
    async with incoming:
        with suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            while True:
                chunk = await process.stdout.receive(_CHUNK)
                bounds.read += len(chunk)
                if bounds.read > bounds.max_total:
                    bounds.stopped = f"stopped reading after {bounds.max_total:,} bytes from the server"
                    return
                searched = len(pending)  # the line so far holds no newline: look only in the new bytes
                pending += chunk
                while (end := pending.find(b"\n", searched)) >= 0:
                    searched = 0
                    line = bytes(pending[:end]).strip()
                    del pending[: end + 1]
                    if line:
                        await _deliver(line, incoming, bounds)
                if len(pending) > bounds.max_message:
                    bounds.stopped = (
                        f"stopped reading: a message from the server was longer than {bounds.max_message:,} bytes"
                    )
                    return


async def _deliver(
    line: bytes, incoming: MemoryObjectSendStream[SessionMessage | Exception], bounds: ReadBounds
) -> None:
    try:
        message = mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValueError:
        bounds.skipped_lines += 1  # not JSON-RPC: noise between messages
        return
    await incoming.send(SessionMessage(message))


async def _write_stdin(
    process: Process,
    outgoing: MemoryObjectReceiveStream[SessionMessage],
    incoming: MemoryObjectSendStream[SessionMessage | Exception],
) -> None:
    assert process.stdin is not None
    try:
        async with outgoing:
            async for message in outgoing:
                data = message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                await process.stdin.send(data.encode())
    except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
        await incoming.aclose()  # the server stopped reading: let the session see the connection end


async def _read_stderr(process: Process, stderr: StderrTail) -> None:
    stream: ByteReceiveStream | None = process.stderr
    assert stream is not None
    with suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
        while True:
            stderr.add(await stream.receive(_CHUNK))


async def _end_group_with_leader(process: Process) -> None:
    """Once the server itself exits, what it left running in its group goes too: such a leftover
    holding the stdout pipe would otherwise keep the connection open until a timeout."""
    while process.returncode is None:  # noqa: ASYNC110 (nothing signals a child's exit; the SDK polls too)
        await anyio.sleep(_LEADER_POLL)
    _signal_group(process, hard=False)


async def end_process_group(process: Process) -> None:
    """Stop the server and everything it started in its group: close its stdin, give it a moment to
    exit, SIGTERM the group, and SIGKILL whatever is left after `TERM_WAIT`."""
    if process.stdin is not None:
        with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdin.aclose()
    with anyio.move_on_after(GRACE):
        while process.returncode is None:  # noqa: ASYNC110 (nothing signals a child's exit; the SDK polls too)
            await anyio.sleep(_POLL)
    for hard in (False, True):
        if not _signal_group(process, hard=hard):
            break  # the whole group is gone
        with anyio.move_on_after(TERM_WAIT):
            while _group_alive(process):  # noqa: ASYNC110 (a group's end signals nothing: polled)
                await anyio.sleep(_POLL)
    with anyio.move_on_after(TERM_WAIT):
        await process.aclose()


def _signal_group(process: Process, *, hard: bool) -> bool:
    """SIGTERM (or SIGKILL) the server's group; where there are no process groups (Windows), the
    server alone is terminated. False when nothing was left to signal."""
    try:
        if _GROUPS:
            os.killpg(process.pid, signal.SIGKILL if hard else signal.SIGTERM)  # the leader's pid is the group's id
        elif process.returncode is not None:
            return False
        elif hard:
            process.kill()
        else:
            process.terminate()
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a member changed its user: we ended what we may
    return True


def _group_alive(process: Process) -> bool:
    """Whether a member of the server's group still runs. A member that died but was not reaped (an
    orphan whose new parent does not reap, as in some containers) counts as gone where /proc can tell."""
    if not _GROUPS:
        return process.returncode is None
    _ = process.returncode  # lets the event loop reap the leader
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return _runs_in_group(process.pid) if _PROC.is_dir() else True


_GROUPS = hasattr(os, "killpg")
_PROC = Path("/proc")


def _runs_in_group(group: int) -> bool:
    for stat in stat_files():
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'
            state, _, pgrp = stat.read_text().rpartition(")")[2].split()[:3]
        except (OSError, ValueError):
            continue  # it ended while we looked
        if int(pgrp) == group and state != "Z":
            return True
    return False

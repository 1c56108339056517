"""The stdio transport's edge: every line a client sends gets an answer.

The SDK's stdio transport (`mcp.server.stdio`, 2.3) parses each stdin line with pydantic. A line
that is not a JSON-RPC message (not JSON or not UTF-8, nested past pydantic's 200 levels, `params`
that is not an object, an id that is neither a string nor a number, a batch) becomes an exception
on the session's read stream, which the session only logs at DEBUG: the client is never answered
and waits for ever. Two more are read as messages that get no answer: a request whose id has the
wrong type (read as a notification) and one that also carries "error" (read as a response).
Over Streamable HTTP the SDK answers the same input with a 400 and an error.

So `serve_stdio` reads stdin itself (`GuardedStdin`) and passes on only the lines the SDK can
read. Every other line it answers with the JSON-RPC error a client can match to its request: the
request's id where one can be read (else null), and -32700 (parse error: not UTF-8, not JSON, too
deeply nested), -32600 (invalid request: not a JSON-RPC 2.0 message, a batch, or a line over 4 MiB,
the SDK's limit for a request over HTTP) or -32602 (invalid params: `params` not an object).

At the end of input the requests already read are still answered (a client may write its requests
and close stdin at once: `printf ... | registry-mcp`), for at most the registry deadline, and then
the server exits. The SDK alone would cancel them unanswered.

stdin is read on a daemon thread, and SIGINT / SIGTERM end serving: a read blocked on an idle client
(a person at a terminal, say) can be neither cancelled nor joined, so it must never keep the
process alive.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import threading
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, Protocol, Self, cast

import anyio
import anyio.from_thread
import anyio.lowlevel
import pydantic_core
from mcp.server.stdio import stdio_server
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE
from mcp.shared.message import SessionMessage
from mcp_types import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    ErrorData,
    JSONRPCError,
    JSONRPCMessage,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
    jsonrpc_message_adapter,
)
from pydantic import ValidationError

from registry_mcp.mcp.sdk import claim_stdin

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from types import TracebackType

    from anyio.streams.memory import MemoryObjectSendStream
    from mcp.server.lowlevel import Server

MAX_LINE_BYTES = DEFAULT_MAX_REQUEST_BODY_SIZE
"""The longest message read from stdin; the same bound the SDK puts on a request over HTTP."""


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def serve_stdio(server: Server[Any], *, drain_within: float | None = None) -> int | None:
    """Serve `server` over stdin and stdout until stdin closes or a stop signal arrives, answering
    every line. At the end of input, the requests already read are answered first, waiting at most
    `drain_within` seconds (None: as long as they take). Returns the number of the signal that
    stopped it (None when stdin closed)."""
    stdin = GuardedStdin(claim_stdin(), drain_within=drain_within)
    stopped_by: list[int] = []
    async with anyio.create_task_group() as serving:
        serving.start_soon(_stop_on_signal, serving.cancel_scope, stopped_by)
        # The SDK only iterates its `stdin` argument for lines of text, which is all GuardedStdin offers.
        async with stdio_server(stdin=cast("anyio.AsyncFile[str]", stdin)) as (read_stream, write_stream):
            answers = stdin.answer_through(write_stream)
            await server.run(read_stream, answers, server.create_initialization_options())
        serving.cancel_scope.cancel()
    return stopped_by[0] if stopped_by else None


async def _stop_on_signal(serving: anyio.CancelScope, stopped_by: list[int]) -> None:
    with anyio.open_signal_receiver(*STOP_SIGNALS) as signals:
        async for number in signals:
            stopped_by.append(number)
            serving.cancel()
            return


class MessageSender(Protocol):
    """Where the transport's outgoing messages go (its write stream)."""

    async def send(self, item: SessionMessage, /) -> None: ...

    async def aclose(self) -> None: ...


class GuardedStdin:
    """The lines of stdin that are JSON-RPC messages; every other line is answered with an error.
    At the end of input, it ends only once the requests it passed on are answered (or the drain
    deadline passes): the SDK cancels whatever is still running when its input ends."""

    def __init__(self, wire: BinaryIO, *, drain_within: float | None = None) -> None:
        self._wire = wire
        self._answers: MessageSender | None = None
        self._ready = anyio.Event()
        self._drain_within = drain_within
        self._unanswered: set[str | int] = set()
        self._all_answered = anyio.Event()

    def answer_through(self, answers: MessageSender) -> AnswerWatch:
        """Where the errors go: the transport's own write stream, so they never interleave with its
        lines. Returns that stream as the server must write to it: watched for the answers."""
        self._answers = answers
        self._ready.set()
        return AnswerWatch(answers, self._answered)

    def _answered(self, request_id: str | int) -> None:
        self._unanswered.discard(request_id)
        if not self._unanswered:
            self._all_answered.set()

    async def _drain(self) -> None:
        """Wait for the answers to the requests passed on, for at most the drain deadline."""
        if not self._unanswered:
            return
        self._all_answered = anyio.Event()
        with anyio.move_on_after(self._drain_within):
            await self._all_answered.wait()

    async def __aiter__(self) -> AsyncIterator[str]:
        # Unbuffered: the thread reads the next line only once this one is taken.
        send, receive = anyio.create_memory_object_stream[bytes](0)
        reader = threading.Thread(
            target=self._pump, args=(send, anyio.lowlevel.current_token()), name="registry-mcp stdin", daemon=True
        )
        reader.start()
        async with receive:
            async for line in receive:
                checked = check_line(line)
                if isinstance(checked, Passed):
                    self._note(checked.message)
                    yield checked.text
                elif checked is not None and not await self._answer(checked):
                    return
        await self._drain()

    def _note(self, message: JSONRPCMessage) -> None:
        """Keep count of the requests passed on and not answered (a cancelled one is never answered)."""
        if isinstance(message, JSONRPCRequest):
            self._unanswered.add(message.id)
        elif isinstance(message, JSONRPCNotification) and message.method == "notifications/cancelled":
            cancelled = (message.params or {}).get("requestId")
            if isinstance(cancelled, str | int):
                self._answered(cancelled)

    def _pump(self, lines: MemoryObjectSendStream[bytes], loop: anyio.lowlevel.EventLoopToken) -> None:
        """On the reader thread: hand each line to the event loop, then close `lines` at the end of input."""
        try:
            while (line := self._read_line()) is not None:
                anyio.from_thread.run(lines.send, line, token=loop)
        except OSError:
            pass  # stdin is unreadable: the same as its end
        except (anyio.BrokenResourceError, RuntimeError):
            return  # serving ended first (RuntimeError: its event loop is gone)
        with contextlib.suppress(RuntimeError):
            anyio.from_thread.run_sync(lines.close, token=loop)

    def _read_line(self) -> bytes | None:
        """The next line (None at the end of input); past `MAX_LINE_BYTES`, the rest of it is skipped
        unread into memory and an empty marker returned in its place."""
        line = self._wire.readline(MAX_LINE_BYTES + 1)
        if not line:
            return None
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            return line
        while (rest := self._wire.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
            pass
        return TOO_LONG

    async def _answer(self, error: JSONRPCError) -> bool:
        """Send `error`; False once the transport is closed."""
        await self._ready.wait()
        assert self._answers is not None
        try:
            await self._answers.send(SessionMessage(error))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return False
        return True


class AnswerWatch:
    """The server's write stream, calling `answered` with the id of each answer it writes."""

    def __init__(self, stream: MessageSender, answered: Callable[[str | int], None]) -> None:
        self._stream = stream
        self._answered = answered

    async def send(self, item: SessionMessage, /) -> None:
        await self._stream.send(item)
        if isinstance(item.message, JSONRPCResponse | JSONRPCError) and item.message.id is not None:
            self._answered(item.message.id)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


TOO_LONG = b"\0too long\0"  # never a line read from stdin: a NUL byte ends none


class Passed(NamedTuple):
    """A line the SDK can read: its text, and the message it is."""

    text: str
    message: JSONRPCMessage


def check_line(line: bytes) -> Passed | JSONRPCError | None:
    """A line the SDK can read; else the error that answers it (None for a blank line)."""
    if line is TOO_LONG:
        return _error(INVALID_REQUEST, f"Invalid request: a message may have at most {MAX_LINE_BYTES:,} bytes")
    if not line.strip():
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return _error(PARSE_ERROR, "Parse error: the message is not UTF-8 text", _readable_id(line))
    try:
        message = jsonrpc_message_adapter.validate_json(text, by_name=False)
    except ValidationError:
        return _refusal(text)
    if isinstance(message, JSONRPCRequest):
        return Passed(text, message)
    # Read the object itself, not the text: `"\u0069d"` is an "id" too.
    parsed = _parsed(text, default={})
    if isinstance(message, JSONRPCNotification) and "id" in parsed:
        # An id of the wrong type: pydantic ignored it and read a notification, which is never answered.
        return _error(INVALID_REQUEST, "Invalid request: an id must be a string or a number")
    if not isinstance(message, JSONRPCNotification) and "method" in parsed:
        # A request carrying "error": pydantic read a response, which the SDK drops as unasked-for.
        return _error(
            INVALID_REQUEST,
            'Invalid request: a message is a request (with "method") or a response (with "result" or "error"), '
            "not both",
            _id_of(parsed),
        )
    return Passed(text, message)


def _refusal(text: str) -> JSONRPCError:
    """The error for a line that is not a JSON-RPC message the SDK can read."""
    try:
        message = pydantic_core.from_json(text)
    except ValueError as invalid:
        if "recursion limit" not in str(invalid):
            return _error(PARSE_ERROR, "Parse error: the message is not JSON")
        return _error(
            PARSE_ERROR,
            "Parse error: the message is nested more deeply than the 200 levels allowed",
            _readable_id(text),
        )
    if not isinstance(message, dict):
        what = "a batch (an array) is not supported" if isinstance(message, list) else "not a JSON-RPC message"
        return _error(INVALID_REQUEST, f"Invalid request: {what}; send one JSON object per line")
    request_id = _id_of(message)
    params = message.get("params")
    if params is not None and not isinstance(params, dict) and request_id is not None:
        return _error(INVALID_PARAMS, "Invalid params: params must be an object", request_id)
    return _error(
        INVALID_REQUEST,
        'Invalid request: a JSON-RPC 2.0 request has "jsonrpc": "2.0", a string "method", an "id" '
        'that is a string or a number, and "params" (if any) that is an object',
        request_id,
    )


def _readable_id(line: str | bytes) -> str | int | None:
    """The id of a message the SDK cannot read, where a more lenient reading finds one: the whole
    message, or (nested past what `json` reads) its top-level members with plain values."""
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    try:
        return _id_of(json.loads(text))
    except RecursionError:
        return _id_of(_shallow_members(text))
    except ValueError:
        return None


_NESTING = re.compile(r'["\[\]{}]')  # what changes the depth, or starts a string that may hide brackets
_STRING_BODY = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)  # the rest of a string, its closing quote included


def _shallow_members(text: str) -> dict[str, Any] | None:
    """The top-level object's members, nested values skipped unread (as None); None if `text` is
    not an object. For the id and method of a message nested too deeply to parse."""
    decoder = json.JSONDecoder()
    members: dict[str, Any] = {}
    at = _after_space(text, 0)
    if not text.startswith("{", at):
        return None
    at += 1
    try:
        while True:
            at = _after_space(text, at)
            if text.startswith("}", at):
                return members
            if not text.startswith('"', at):
                return None
            key, at = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
            at = _after_space(text, at)
            if not text.startswith(":", at):
                return None
            at = _after_space(text, at + 1)
            if text[at : at + 1] in ("{", "["):
                members[key], at = None, _past_nested(text, at)
            else:
                members[key], at = decoder.raw_decode(text, at)
            at = _after_space(text, at)
            if text.startswith(",", at):
                at += 1
            elif not text.startswith("}", at):
                return None
    except (ValueError, IndexError):
        return None


def _after_space(text: str, at: int) -> int:
    while text[at : at + 1] in (" ", "\t", "\n", "\r"):
        at += 1
    return at


def _past_nested(text: str, start: int) -> int:
    """The index just past the array or object that starts at `start`."""
    depth = 0
    at = start
    while found := _NESTING.search(text, at):
        at = found.end()
        if found.group() == '"':
            string_end = _STRING_BODY.match(text, at)
            if string_end is None:
                break
            at = string_end.end()
        elif found.group() in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return at
    raise ValueError("an array or object that does not end")


def _parsed(text: str, *, default: Any) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return default


def _id_of(message: Any) -> str | int | None:
    """The id of a request. Not of a response: the client's own requests use the same ids, and an
    error carrying one would be read as the answer to one of them."""
    request_id = message.get("id") if isinstance(message, dict) and "method" in message else None
    return request_id if isinstance(request_id, str | int) and not isinstance(request_id, bool) else None


def _error(code: int, text: str, request_id: str | int | None = None) -> JSONRPCError:
    return JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(code=code, message=text))

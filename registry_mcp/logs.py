"""Log lines on stderr (stdout carries JSON-RPC only), with every key scrubbed from every one.

Registry messages are scrubbed where they become errors (`RegistryClient`); this formatter is the
last line of defence, for text that reaches a log line some other way (a library's debug line, an
exception's message in a traceback). Below DEBUG, an exception is logged as its class and the first
line of its message, never a traceback: a library's traceback quotes what a remote peer sent (the
SDK's validation errors hold `input_value=` with pieces of a body), and clients keep these logs on disk.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import TYPE_CHECKING

from registry_mcp.secrets.scrubbing import Scrubber

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

FORMAT = "%(levelname)s %(name)s: %(message)s"
# How much of an exception's first line is logged below DEBUG.
SUMMARY_LIMIT = 200


class ScrubbingFormatter(logging.Formatter):
    """A formatter that scrubs `secrets` (keys: in every reversible form, and any piece of one) from
    the whole line, and the key `caller_key()` returns (over HTTP: the key or token of the caller a line
    is logged for); with `tracebacks` off, an exception is summed up in one line instead."""

    def __init__(
        self,
        secrets: Iterable[str],
        fmt: str = FORMAT,
        *,
        tracebacks: bool = True,
        caller_key: Callable[[], str | None] | None = None,
    ) -> None:
        super().__init__(fmt)
        self.secrets = tuple(secrets)
        self.scrubber = Scrubber(keys=self.secrets)
        self.tracebacks = tracebacks
        self.caller_key = caller_key

    def format(self, record: logging.LogRecord) -> str:
        if not self.tracebacks and (record.exc_info or record.exc_text or record.stack_info):
            failure = record.exc_info[1] if record.exc_info else None
            message = record.getMessage() + (f": {summary(failure)}" if failure is not None else "")
            empty = {"args": None, "exc_info": None, "exc_text": None, "stack_info": None}
            record = logging.makeLogRecord({**record.__dict__, "msg": message, **empty})
        key = self.caller_key() if self.caller_key is not None else None
        # One pass over all the keys: one scrubbed after another could miss a form the first cut into.
        scrubber = _scrubber_of((*self.secrets, key)) if key else self.scrubber
        return scrubber(super().format(record))


@functools.lru_cache(maxsize=64)
def _scrubber_of(keys: tuple[str, ...]) -> Scrubber:
    # Worked out once per caller: one caller logs many lines.
    return Scrubber(keys=keys)


def summary(failure: BaseException | None) -> str:
    """An exception in one line: its class and the first line of its message, shortened (the lines
    after the first are where pydantic and the SDK quote the input)."""
    if failure is None:
        return ""
    first = str(failure).strip().partition("\n")[0]
    if len(first) > SUMMARY_LIMIT:
        first = first[:SUMMARY_LIMIT] + "…"
    name = type(failure).__qualname__
    return f"{name}: {first} (the traceback is logged at --log-level DEBUG)" if first else name


class WithoutQueries(logging.Filter):
    """For uvicorn's access log: each request's path without its query, where a caller may put a key
    that no scrubber knows (a refused request has no caller to ask about), shown as '?…'."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn logs (client, method, path with query, HTTP version, status).
        if isinstance(record.args, tuple) and len(record.args) == 5 and isinstance(record.args[2], str):
            path, asked, _ = record.args[2].partition("?")
            record.args = (*record.args[:2], path + ("?…" if asked else ""), *record.args[3:])
        return True


def log_to_stderr(level: str, secrets: Iterable[str], caller_key: Callable[[], str | None] | None = None) -> None:
    """Send every log line at `level` and above to stderr, scrubbed of `secrets` and of `caller_key()`;
    tracebacks only at DEBUG."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ScrubbingFormatter(secrets, tracebacks=level == "DEBUG", caller_key=caller_key))
    logging.basicConfig(level=level, handlers=[handler])

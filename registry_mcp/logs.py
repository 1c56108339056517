"""Log lines on stderr (stdout carries JSON-RPC only), with the API key scrubbed from every one.

Registry messages are scrubbed where they become errors (`RegistryClient`); this formatter is the
last line of defence, for text that reaches a log line some other way (a library's debug line, an
exception's message in a traceback).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from registry_mcp.secrets.masking import scrub

if TYPE_CHECKING:
    from collections.abc import Iterable

FORMAT = "%(levelname)s %(name)s: %(message)s"


class ScrubbingFormatter(logging.Formatter):
    """A formatter that replaces each of `secrets` in the whole line, traceback included."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.secrets = frozenset(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record), self.secrets)


def log_to_stderr(level: str, secrets: Iterable[str]) -> None:
    """Send every log line at `level` and above to stderr, scrubbed of `secrets`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ScrubbingFormatter(secrets))
    logging.basicConfig(level=level, handlers=[handler])

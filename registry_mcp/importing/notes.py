"""What an import tells the person about one entry beside its payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NoteKind = Literal["guess", "client-only", "proxy", "not-carried", "renamed"]


@dataclass(frozen=True)
class Note:
    """One thing about an imported entry the person should know.

    kinds: 'guess' (a value inferred, not read), 'client-only' (something the client resolves and
    the gateway does not), 'proxy' (a local proxy replaced by the remote server it reaches),
    'not-carried' (a client setting the registry has no place for), 'renamed' (why saved_name
    differs from the entry's name). `field` is where it lands in the payload (such as
    'mcp_config.config.env.API_KEY'), or the client's own key (such as 'envFile')."""

    kind: NoteKind
    field: str
    note: str

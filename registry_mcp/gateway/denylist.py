"""How secure-mcp-gateway applies `mcp_config.denied_tools` (its `deny_matcher.is_tool_denied`, 2.2.4).

Entries are strings or `{name, reason}`; each is an fnmatch glob matched case-sensitively against
the whole tool name (`*`, `?`, `[ab]`, `[!ab]`). A blank pattern is skipped; spaces count. The first
entry that matches decides, and its reason (or "Denied by deny-list pattern: <pattern>") is given.
The pattern `"*"` itself spares the keys of `mcp_config.tools`: "deny everything not listed". Only
that exact pattern does: `"**"` or `"*_*"` deny listed tools too.

`tests/gateway/test_deny_oracle.py` runs the gateway's own matcher beside this one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

DENY_ALL = "*"


@dataclass(frozen=True)
class DenyMatch:
    """Which entry denies a tool, and why."""

    pattern: str
    reason: str


def _pattern(entry: Any) -> str:
    name = entry.get("name", "") if isinstance(entry, Mapping) else getattr(entry, "name", entry)
    return name if isinstance(name, str) else ""


def _reason(entry: Any) -> str | None:
    reason = entry.get("reason") if isinstance(entry, Mapping) else getattr(entry, "reason", None)
    return reason if isinstance(reason, str) else None


def deny_patterns(denied_tools: Iterable[Any] | None) -> list[str]:
    """The pattern of each entry of a `denied_tools` list, whichever form it takes ("" where it has none)."""
    return [_pattern(entry) for entry in denied_tools or []]


def denies(pattern: str, tool: str, listed_tools: Collection[str] = ()) -> bool:
    """Whether one pattern denies `tool`, given the names listed in `mcp_config.tools`."""
    if not pattern or not fnmatchcase(tool, pattern):
        return False
    return not (pattern == DENY_ALL and tool in listed_tools)


def deny_match(tool: str, denied_tools: Iterable[Any] | None, listed_tools: Collection[str] = ()) -> DenyMatch | None:
    """The entry that denies `tool` (the first that matches), or None when the gateway offers it."""
    for entry in denied_tools or []:
        pattern = _pattern(entry)
        if denies(pattern, tool, listed_tools):
            return DenyMatch(pattern, _reason(entry) or f"Denied by deny-list pattern: {pattern}")
    return None


def is_denied(tool: str, denied_tools: Iterable[Any] | None, listed_tools: Collection[str] = ()) -> bool:
    return deny_match(tool, denied_tools, listed_tools) is not None


def matching(tools: Iterable[str], pattern: str, listed_tools: Collection[str] = ()) -> list[str]:
    """The tools a single pattern denies."""
    return [tool for tool in tools if denies(pattern, tool, listed_tools)]


def spared_by_listing(denied_tools: Iterable[Any] | None, listed_tools: Collection[str]) -> list[str]:
    """The listed tools that `"*"` would deny but spares because `mcp_config.tools` names them, and no
    other entry denies."""
    denied = list(denied_tools or [])
    if DENY_ALL not in deny_patterns(denied):
        return []
    return [tool for tool in listed_tools if not is_denied(tool, denied, listed_tools)]

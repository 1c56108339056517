"""How a gateway applies `mcp_config.denied_tools`: names or fnmatch globs, case-sensitive, given
as strings or `{name, reason}`; `"*"` denies every tool except those listed in `mcp_config.tools`."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

DENY_ALL = "*"


def deny_patterns(denied_tools: Iterable[Any] | None) -> list[str]:
    """The patterns of a `denied_tools` list, whichever form each entry takes."""
    patterns = []
    for entry in denied_tools or []:
        name = entry.get("name") if isinstance(entry, Mapping) else getattr(entry, "name", entry)
        if isinstance(name, str):
            patterns.append(name)
    return patterns


def is_denied(tool: str, denied_tools: Iterable[Any] | None, listed_tools: Iterable[str] = ()) -> bool:
    patterns = deny_patterns(denied_tools)
    if DENY_ALL in patterns and tool not in set(listed_tools):
        return True
    return any(fnmatch.fnmatchcase(tool, pattern) for pattern in patterns if pattern != DENY_ALL)


def matching(tools: Iterable[str], pattern: str) -> list[str]:
    """The tools a single pattern names (case-sensitive, as the gateway matches)."""
    return [tool for tool in tools if fnmatch.fnmatchcase(tool, pattern)]

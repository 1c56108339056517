"""One release of a package as its registry describes it, whatever the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PRE = re.compile(r"(a|b|rc|dev|alpha|beta|pre)", re.IGNORECASE)


@dataclass
class Release:
    version: str | None
    exists: bool
    latest: str | None = None
    published: str | None = None
    deprecated: str | None = None  # npm: the deprecation message
    yanked: str | None = None  # PyPI: the reason, or 'yanked'
    integrity: str | None = None  # npm: dist.integrity
    files: dict[str, str] = field(default_factory=dict)  # PyPI: file name -> sha256
    provenance: bool | None = None


def newest(versions: list[str]) -> str | None:
    """The highest final release among `versions` (pre-releases only if there is nothing else)."""
    final = [version for version in versions if not _PRE.search(version)] or versions
    return max(final, key=_key, default=None)


def _key(version: str) -> tuple[int, ...]:
    release = version.split("+", 1)[0]
    return tuple(int(part) for part in re.findall(r"\d+", release)[:6])

"""One package's facts from an npm registry's packument (`GET /<name>`, the full document).

Read: `dist-tags`, `versions[v].dist.integrity`, `versions[v].dist.attestations` (npm provenance),
`versions[v].deprecated` and `time[v]` (when v was published).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from registry_mcp.packages.spec import PackageRef
from registry_mcp.packages.versions import Release


def packument_path(name: str) -> str:
    return "/" + quote(name, safe="@")  # a scoped name's '/' is part of the segment: @scope%2Fname


def release(ref: PackageRef, packument: Any) -> Release:
    """The release the command runs (its exact version, a dist-tag, else the latest) and its facts."""
    body = packument if isinstance(packument, dict) else {}
    versions, tags, times = (_object(body, key) for key in ("versions", "dist-tags", "time"))
    latest = _text(tags.get("latest"))
    version = ref.exact_version or _text(tags.get(ref.asked or "")) or latest
    found = versions.get(version) if version else None
    if not isinstance(found, dict):
        return Release(version=version, exists=False, latest=latest)
    dist = _object(found, "dist")
    attestations = dist.get("attestations")
    deprecated = found.get("deprecated")
    return Release(
        version=version,
        exists=True,
        latest=latest,
        published=_text(times.get(version or "")),
        deprecated=deprecated if isinstance(deprecated, str) and deprecated else None,
        integrity=_text(dist.get("integrity")),
        provenance=isinstance(attestations, dict) and bool(attestations.get("provenance") or attestations.get("url")),
    )


def _object(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

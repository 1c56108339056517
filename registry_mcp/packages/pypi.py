"""One project's facts from a Python package index's simple JSON API.

`GET <index>/<normalized name>/` with `Accept: application/vnd.pypi.simple.v1+json` (PEP 691) lists
`files`, each with `hashes.sha256`, `yanked` (false, true or a reason), `upload-time` (PEP 700) and
`provenance` (a URL where attestations exist, PEP 740), and `versions` (PEP 700). A mirror that
serves only the simple API (most do) answers it too, unlike PyPI's own `/pypi/<name>/json`.
"""

from __future__ import annotations

import re
from typing import Any

from registry_mcp.packages.spec import PackageRef
from registry_mcp.packages.versions import Release, newest

ACCEPT = "application/vnd.pypi.simple.v1+json"
_ARCHIVES = (".tar.gz", ".zip", ".tar.bz2", ".tgz")


def normalized(name: str) -> str:
    """PEP 503's name: lower case, runs of '-', '_' and '.' as one '-'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def project_path(name: str) -> str:
    return f"/{normalized(name)}/"


def release(ref: PackageRef, project: Any) -> Release:
    body = project if isinstance(project, dict) else {}
    files = [
        item for item in body.get("files") or [] if isinstance(item, dict) and isinstance(item.get("filename"), str)
    ]
    by_version: dict[str, list[dict[str, Any]]] = {}
    for item in files:
        version = _version_of(item["filename"], ref.name)
        if version is not None:
            by_version.setdefault(version, []).append(item)
    listed = [v for v in body.get("versions") or [] if isinstance(v, str)] or list(by_version)
    unyanked = [version for version in listed if any(not f.get("yanked") for f in by_version.get(version, []))]
    latest = newest(unyanked or listed)
    version = ref.exact_version or latest
    found = by_version.get(version or "", [])
    if not found:
        return Release(version=version, exists=False, latest=latest)
    yanked = [f.get("yanked") for f in found]
    times = sorted(str(f["upload-time"]) for f in found if f.get("upload-time"))
    return Release(
        version=version,
        exists=True,
        latest=latest,
        published=times[0] if times else None,
        yanked=(next((y for y in yanked if isinstance(y, str) and y), "yanked") if all(yanked) else None),
        files={
            f["filename"]: f["hashes"]["sha256"]
            for f in found
            if isinstance(f.get("hashes"), dict) and isinstance(f["hashes"].get("sha256"), str)
        },
        provenance=any(isinstance(f.get("provenance"), str) for f in found),
    )


def _version_of(filename: str, name: str) -> str | None:
    """The version in a wheel's or an sdist's file name, if the file is of project `name`."""
    stem = next((filename[: -len(end)] for end in _ARCHIVES if filename.endswith(end)), None)
    if filename.endswith(".whl"):
        stem = filename[:-4]
    if stem is None:
        return None
    project, _, rest = stem.partition("-") if filename.endswith(".whl") else stem.rpartition("-")
    if filename.endswith(".whl"):
        rest = rest.split("-", 1)[0]
    return rest if normalized(project) == normalized(name) and rest else None

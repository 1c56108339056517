"""The package a command runs, at a version, and the arguments that pin it.

    ref = package_of(LocalServerConfig(command="npx", args=["-y", "pkg@^1"]))   # npm pkg, asked '^1': not exact
    pinned_args(["-y", "pkg@^1"], ref, "1.4.2")                                 # ["-y", "pkg@1.4.2"]

Which package a command runs is `registry_mcp.registry.targets.what_runs`, the one rule: read here
through `package_of` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from registry_mcp.registry.models import LocalServerConfig, RemoteServerConfig
from registry_mcp.registry.targets import Ecosystem, what_runs

# An exact npm version (semver, no range); an exact PyPI version (digits and letters, no wildcard).
_NPM_EXACT = re.compile(r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_PYPI_EXACT = re.compile(r"\d+(?:\.\d+)*(?:(?:a|b|rc|\.post|\.dev)\d+)*(?:\+[0-9A-Za-z.]+)?")
_PYPI_PINS = ("==", "===", "@")


@dataclass(frozen=True)
class PackageRef:
    """A package a command runs: where from, its name, and the version the command asks for (if any)."""

    ecosystem: Ecosystem
    name: str
    asked: str | None = None  # the version or range as written ('^1', '1.4.2', 'latest'), or an image tag
    digest: str | None = None  # an image's @sha256:… where the command names one

    @property
    def exact(self) -> bool:
        """Whether the command names one version (or an image digest): what runs cannot change."""
        if self.ecosystem == "oci":
            return self.digest is not None
        if self.asked is None:
            return False
        if self.ecosystem == "npm":
            return bool(_NPM_EXACT.fullmatch(self.asked))
        return self.asked.startswith(_PYPI_PINS) and bool(_PYPI_EXACT.fullmatch(self.asked.lstrip("=@")))

    @property
    def exact_version(self) -> str | None:
        if not self.exact or self.asked is None:
            return None
        return self.asked.lstrip("=@v") if self.ecosystem != "oci" else self.asked

    def spec(self, version: str) -> str:
        """How a command names this package at `version` (an image: its tag kept, pinned by digest)."""
        if self.ecosystem == "npm":
            return f"{self.name}@{version}"
        if self.ecosystem == "pypi":
            return f"{self.name}=={version}"
        return f"{self.name}{':' + self.asked if self.asked else ''}@{version}"


class PackagePin(BaseModel):
    """What a pin records of the package a server runs: exactly one version of it."""

    registry: Literal["npm", "pypi", "oci", "remote"]
    name: str | None = None
    version: str | None = None
    integrity: str | None = None  # npm's dist.integrity
    files: dict[str, str] | None = None  # PyPI: each file of the release and its sha256
    digest: str | None = None  # OCI: the image's manifest digest
    url: str | None = None  # a remote server's URL (no credentials)


def package_of(config: LocalServerConfig | RemoteServerConfig | None) -> PackageRef | None:
    """The package a local entry's command runs (`what_runs`); None for a remote server or a program."""
    if not isinstance(config, LocalServerConfig):
        return None
    runs = what_runs(config.command, list(config.args or []))
    if runs.ecosystem is None or not runs.package:
        return None
    if runs.ecosystem == "oci":
        digest = runs.version if runs.version and runs.version.startswith("sha256:") else None
        tag = runs.version if runs.version and not digest else None
        if digest is not None:  # a tag written beside the digest ('name:tag@sha256:...') is kept as written
            tag = _tag_beside(config.args or [], runs.package)
        return PackageRef("oci", runs.package, tag, digest)
    if runs.ecosystem == "pypi":
        return PackageRef("pypi", runs.package, f"=={runs.version}" if runs.version else None)
    return PackageRef("npm", runs.package, runs.version)


def _tag_beside(args: list[str], image: str) -> str | None:
    for arg in args:
        if arg.startswith(image + ":"):
            return arg[len(image) + 1 :].partition("@")[0] or None
    return None


def pinned_args(args: list[str], ref: PackageRef, version: str) -> list[str]:
    """`args` with the package's word naming exactly `version`."""
    args = list(args)
    for index, arg in enumerate(args):
        option, equals, value = arg.partition("=")
        if equals and option.startswith("-") and _names(value, ref):
            args[index] = f"{option}={ref.spec(version)}"
            return args
        if _names(arg, ref):
            args[index] = ref.spec(version)
            return args
    return args


def _names(word: str, ref: PackageRef) -> bool:
    if word == ref.name:
        return True
    if ref.ecosystem == "oci":
        return word.startswith((ref.name + ":", ref.name + "@"))
    if ref.ecosystem == "npm":
        return word.startswith(ref.name + "@")
    rest = word[len(ref.name) :] if word.lower().startswith(ref.name.lower()) else None
    return rest is not None and bool(re.match(r"\s*(?:===?|~=|!=|<=?|>=?|@|\[)", rest))

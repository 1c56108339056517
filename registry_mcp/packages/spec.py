"""A package a command runs, at a version, and the arguments that pin it.

    ref = ref_in(["-y", "pkg@^1"], "npm", "pkg")          # PackageRef("npm", "pkg", "^1"), not exact
    pinned_args(["-y", "pkg@^1"], ref, "1.4.2")           # ["-y", "pkg@1.4.2"]

Which package a command runs (the program, the runner, its package word) is not decided here: the
caller says (`registry_mcp.mcp.launch_target`). An image of `docker run` is read by `image_in`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

Ecosystem = Literal["npm", "pypi", "oci"]

# An exact npm version (semver, no range); an exact PyPI version (digits and letters, no wildcard).
_NPM_EXACT = re.compile(r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_PYPI_EXACT = re.compile(r"\d+(?:\.\d+)*(?:(?:a|b|rc|\.post|\.dev)\d+)*(?:\+[0-9A-Za-z.]+)?")
_PYPI_PINS = ("==", "===", "@")
_DOCKER_VALUE_OPTIONS = frozenset(
    [
        "-e",
        "--env",
        "--env-file",
        "-v",
        "--volume",
        "--mount",
        "--name",
        "-p",
        "--publish",
        "--network",
        "--net",
        "-w",
        "--workdir",
        "-u",
        "--user",
        "--entrypoint",
        "-l",
        "--label",
        "--platform",
        "--pull",
        "-m",
        "--memory",
        "--cpus",
        "-h",
        "--hostname",
        "--add-host",
        "--cap-add",
        "--cap-drop",
        "--device",
        "--dns",
        "--tmpfs",
        "--ulimit",
        "--security-opt",
        "--log-driver",
        "--restart",
        "--runtime",
        "--shm-size",
    ]
)


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


def ref_in(args: list[str], ecosystem: Literal["npm", "pypi"], name: str) -> PackageRef:
    """The package `name` as `args` name it: with the version or range its word (or `--from=`) holds."""
    word = _word_of(args, name, ecosystem)
    if word is None:
        return PackageRef(ecosystem, name)
    asked = word[len(name) :]
    if ecosystem == "npm":
        return PackageRef("npm", name, asked.removeprefix("@") or None)
    return PackageRef("pypi", name, asked.strip() or None)


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


def _word_of(args: list[str], name: str, ecosystem: str) -> str | None:
    """The argument (or `--opt=` value) that names the package, with its version if it has one."""
    ref = PackageRef("npm" if ecosystem == "npm" else "pypi", name)
    for arg in args:
        option, equals, value = arg.partition("=")
        word = value if equals and option.startswith("-") else arg
        if _names(word, ref):
            return word
    return None


def _names(word: str, ref: PackageRef) -> bool:
    if word == ref.name:
        return True
    if ref.ecosystem == "oci":
        return word.startswith((ref.name + ":", ref.name + "@"))
    if ref.ecosystem == "npm":
        return word.startswith(ref.name + "@")
    rest = word[len(ref.name) :] if word.lower().startswith(ref.name.lower()) else None
    return rest is not None and bool(re.match(r"\s*(?:===?|~=|!=|<=?|>=?|@|\[)", rest))


def image_in(command: str, args: list[str]) -> PackageRef | None:
    """The image of `docker run …` / `podman run …`: its name, tag and digest where written."""
    program = Path(command.replace("\\", "/")).name.removesuffix(".exe")
    if program not in ("docker", "podman") or "run" not in args[:2]:
        return None
    index = args.index("run") + 1
    while index < len(args) and args[index].startswith("-"):
        takes_value = args[index] in _DOCKER_VALUE_OPTIONS and "=" not in args[index]
        index += 2 if takes_value else 1
    if index >= len(args):
        return None
    image, _, digest = args[index].partition("@")
    slash = image.rfind("/")
    name, colon, tag = image.rpartition(":") if image.rfind(":") > slash else (image, "", "")
    return PackageRef("oci", name, tag if colon else None, digest or None)

"""What a local entry's command runs: the package behind `npx -y <package>`, `uvx <package>` and alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Registry = Literal["npm", "pypi"]

# Runner options that take a value (the value is not the package).
_NPM_VALUE_OPTIONS = frozenset(("-p", "--package", "-c", "--call", "--registry", "--cache", "--userconfig"))
_PYPI_VALUE_OPTIONS = frozenset(
    (
        "--from",
        "--spec",
        "--with",
        "--with-editable",
        "--with-requirements",
        "--python",
        "-p",
        "--index",
        "--index-url",
        "--default-index",
        "--extra-index-url",
        "-c",
        "--constraint",
        "--pip-args",
    )
)
_PYPI_NAME = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Launch:
    """A command line seen as 'a program (or a package a runner fetches) and its arguments'."""

    name: str  # the package name without a version ('mcp-remote'), or the program ('node')
    registry: Registry | None  # where the package comes from; None for a program run as it is
    args: list[str]  # the arguments after the package or program


def launched(command: str, args: list[str]) -> Launch:
    program = Path(command.replace("\\", "/")).name.removesuffix(".cmd").removesuffix(".exe")
    if program in ("npx", "bunx") or (program in ("pnpm", "yarn") and args[:1] == ["dlx"]):
        rest = args[1:] if program in ("pnpm", "yarn") else args
        return _run_by(rest, "npm", _NPM_VALUE_OPTIONS, package_option=("-p", "--package"))
    if program == "uvx" or (program == "pipx" and args[:1] == ["run"]):
        rest = args[1:] if program == "pipx" else args
        return _run_by(rest, "pypi", _PYPI_VALUE_OPTIONS, package_option=("--from", "--spec"))
    return Launch(program, None, args)


def _run_by(
    args: list[str], registry: Registry, value_options: frozenset[str], package_option: tuple[str, ...]
) -> Launch:
    """The package a runner fetches: the first word that is not an option (or the value of
    `--package`/`--from`), and the arguments after that first word."""
    named = None
    index = 0
    while index < len(args):
        option, _, inline = args[index].partition("=")
        if option == "--":
            index += 1
            break
        if not option.startswith("-"):
            break
        takes_value = option in value_options and not inline
        value = args[index + 1] if takes_value and index + 1 < len(args) else inline
        if option in package_option:
            named = value
        index += 2 if takes_value else 1
    word = args[index] if index < len(args) else ""
    spec = named or word
    name = _npm_name(spec) if registry == "npm" else _pypi_name(spec)
    return Launch(name, registry if name else None, args[index + 1 :])


def _npm_name(spec: str) -> str:
    return spec.rsplit("@", 1)[0] if spec.rfind("@") > 0 else spec  # drop a @version, keep a @scope


def _pypi_name(spec: str) -> str:
    name = re.split(r"[=<>~!\[@ ;]", spec, maxsplit=1)[0]  # drop a version, extras or markers
    return name if _PYPI_NAME.fullmatch(name) else ""


def package_fields(launch: Launch) -> dict[str, str]:
    """`server_name` and `source_url` of the package a command runs; none for a plain program."""
    if launch.registry == "npm":
        return {"server_name": launch.name, "source_url": f"https://www.npmjs.com/package/{launch.name}"}
    if launch.registry == "pypi":
        return {"server_name": launch.name, "source_url": f"https://pypi.org/project/{launch.name}/"}
    return {}

"""Settings: which registry to use and how, from the environment and command-line options.

With an API key (ENKRYPT_API_KEY, or ENKRYPTAI_API_KEY) the server uses Enkrypt AI's cloud
registry; without one, the embedded registry in a local SQLite file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from registry_mcp.packages.sources import PackageSources
from registry_mcp.registry import endpoints
from registry_mcp.registry.endpoints import RegistryLocation
from registry_mcp.urls import DEFAULT_PUBLIC_REGISTRY_URL

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

API_KEY_VARIABLES = ("ENKRYPT_API_KEY", "ENKRYPTAI_API_KEY")
BASE_URL_VARIABLE = "ENKRYPT_BASE_URL"
PROJECT_VARIABLE = "ENKRYPT_PROJECT"
DATABASE_VARIABLE = "REGISTRY_MCP_DB"
TOOLS_VARIABLE = "REGISTRY_MCP_TOOLS"
TIMEOUT_VARIABLE = "REGISTRY_MCP_TIMEOUT"
CONNECT_TIMEOUT_VARIABLE = "REGISTRY_MCP_CONNECT_TIMEOUT"
MAX_RESPONSE_BYTES_VARIABLE = "REGISTRY_MCP_MAX_RESPONSE_BYTES"
READ_ONLY_VARIABLE = "REGISTRY_MCP_READ_ONLY"
SHOW_SECRETS_VARIABLE = "REGISTRY_MCP_SHOW_SECRETS"
ALLOW_LAUNCH_VARIABLE = "REGISTRY_MCP_ALLOW_LAUNCH"
PUBLIC_REGISTRY_VARIABLE = "REGISTRY_MCP_PUBLIC_REGISTRY_URL"
HTTP_AUTH_VARIABLE = "REGISTRY_MCP_HTTP_AUTH"
HTTP_TOKEN_VARIABLE = "REGISTRY_MCP_HTTP_TOKEN"  # noqa: S105 (a variable's name)
DEFAULT_HTTP_HOST = "127.0.0.1"  # loopback: reachable from this machine only
_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")


class HttpAuthMode(StrEnum):
    """How callers of `--transport http` authenticate (see `registry_mcp.mcp.http_auth`)."""

    KEYS = "keys"
    TOKEN = "token"  # noqa: S105 (a mode's name)
    OAUTH = "oauth"
    NONE = "none"


def default_database() -> str:
    """The embedded registry's file in the user's data directory."""
    from platformdirs import user_data_path

    return str(user_data_path("registry-mcp", appauthor=False) / "registry.db")


@dataclass(frozen=True)
class Settings:
    api_key: str | None = field(default=None, repr=False)
    base_url: str = endpoints.DEFAULT_BASE_URL
    project: str | None = None
    database: str = ":memory:"
    """The embedded registry's SQLite file, or ':memory:'. Unused with an API key."""
    tools: tuple[str, ...] = ()
    """Tool names or globs to expose; empty for all."""
    read_only: bool = False
    """Expose only the tools that change nothing (this wins over `tools`)."""
    show_secrets: bool = False
    """Show secret values (env, headers, client secrets) in tool results instead of masking them."""
    allow_launch: bool = False
    """inspect_mcp_server may launch commands (and reach URLs) without asking, for clients that cannot
    ask; over HTTP, it may launch commands at all."""
    over_http: bool = False
    """Serving over HTTP: a caller is a remote client, not the person at this machine."""
    keys_from_callers: bool = False
    """Each HTTP caller sends its own Enkrypt API key and the server acts with it on the cloud registry;
    the server holds no key of its own (`api_key` unset)."""
    timeout: float = endpoints.DEFAULT_TIMEOUT
    """Seconds for one whole call to the registry: connecting, sending, its complete answer, and any retries."""
    connect_timeout: float = endpoints.DEFAULT_CONNECT_TIMEOUT
    """Seconds to wait for a connection to the registry."""
    max_response_bytes: int = endpoints.DEFAULT_MAX_RESPONSE_BYTES
    """The largest answer read from the registry; a larger one is refused unread."""
    public_registry_url: str = DEFAULT_PUBLIC_REGISTRY_URL
    """The official MCP Registry, or a mirror of it (the same `v0.1` read API)."""
    package_sources: PackageSources | None = None
    """Where the packages entries run are looked up (the user's npm and PyPI mirrors, OSV); None: not
    looked up. `from_env` sets it from the environment."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        api_key = next((env[name] for name in API_KEY_VARIABLES if env.get(name)), None)
        return cls(
            api_key=api_key,
            base_url=env.get(BASE_URL_VARIABLE) or endpoints.DEFAULT_BASE_URL,
            project=env.get(PROJECT_VARIABLE) or None,
            database=env.get(DATABASE_VARIABLE) or default_database(),
            tools=split_list(env.get(TOOLS_VARIABLE, "")),
            read_only=_flag(env, READ_ONLY_VARIABLE),
            show_secrets=_flag(env, SHOW_SECRETS_VARIABLE),
            allow_launch=_flag(env, ALLOW_LAUNCH_VARIABLE),
            timeout=_positive(env, TIMEOUT_VARIABLE, float, cls.timeout),
            connect_timeout=_positive(env, CONNECT_TIMEOUT_VARIABLE, float, cls.connect_timeout),
            max_response_bytes=_positive(env, MAX_RESPONSE_BYTES_VARIABLE, int, cls.max_response_bytes),
            public_registry_url=env.get(PUBLIC_REGISTRY_VARIABLE) or DEFAULT_PUBLIC_REGISTRY_URL,
            package_sources=PackageSources.from_env(env),
        )

    @property
    def embedded(self) -> bool:
        return not self.api_key and not self.keys_from_callers

    @property
    def location(self) -> RegistryLocation:
        project = self.project or endpoints.DEFAULT_PROJECT
        if self.embedded:
            path = self.database if self.database == ":memory:" else str(Path(self.database).expanduser())
            return RegistryLocation(kind="embedded", project=project, path=path)
        return RegistryLocation(kind="cloud", project=project, base_url=self.base_url.rstrip("/"))


NumberT = TypeVar("NumberT", int, float)


def _positive(env: Mapping[str, str], name: str, kind: Callable[[str], NumberT], default: NumberT) -> NumberT:
    """The number in the variable `name` (the default if unset). Raises ValueError naming the variable."""
    text = env.get(name)
    if not text:
        return default
    try:
        number = kind(text)
    except ValueError:
        number = kind("0")
    if not number > 0:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what} greater than 0")
    return number


def _flag(env: Mapping[str, str], name: str) -> bool:
    """The switch in the variable `name` (off if unset or empty). Raises ValueError naming the variable
    for any other word: a typo must not leave a safety switch such as read-only silently off."""
    text = env.get(name, "").strip().lower()
    if text in _TRUE_WORDS:
        return True
    if not text or text in _FALSE_WORDS:
        return False
    raise ValueError(f"{name} must be one of {', '.join(_TRUE_WORDS + _FALSE_WORDS)} (or unset)")


def split_list(text: str) -> tuple[str, ...]:
    """'a, b,,c' -> ('a', 'b', 'c')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())

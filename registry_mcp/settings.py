"""Settings: which registry to use and how, from the environment and command-line options.

With an API key (ENKRYPT_API_KEY, or ENKRYPTAI_API_KEY) the server uses Enkrypt AI's cloud
registry; without one, the embedded registry in a local SQLite file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2

from . import endpoints
from .client import RegistryClient, RegistryLocation

if TYPE_CHECKING:
    from collections.abc import Mapping

API_KEY_VARIABLES = ("ENKRYPT_API_KEY", "ENKRYPTAI_API_KEY")
BASE_URL_VARIABLE = "ENKRYPT_BASE_URL"
PROJECT_VARIABLE = "ENKRYPT_PROJECT"
DATABASE_VARIABLE = "REGISTRY_MCP_DB"
TOOLS_VARIABLE = "REGISTRY_MCP_TOOLS"
TIMEOUT_VARIABLE = "REGISTRY_MCP_TIMEOUT"
CONNECT_TIMEOUT_VARIABLE = "REGISTRY_MCP_CONNECT_TIMEOUT"
READ_ONLY_VARIABLE = "REGISTRY_MCP_READ_ONLY"
SHOW_SECRETS_VARIABLE = "REGISTRY_MCP_SHOW_SECRETS"
ALLOW_LAUNCH_VARIABLE = "REGISTRY_MCP_ALLOW_LAUNCH"
_TRUE_WORDS = ("1", "true", "yes", "on")


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
    """Let inspect_mcp_server launch commands (and reach URLs) without asking, for clients that cannot ask."""
    timeout: float = 30.0
    """Seconds to wait for the registry's answer."""
    connect_timeout: float = 10.0
    """Seconds to wait for a connection to the registry."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        api_key = next((env[name] for name in API_KEY_VARIABLES if env.get(name)), None)
        timeout, connect_timeout = env.get(TIMEOUT_VARIABLE), env.get(CONNECT_TIMEOUT_VARIABLE)
        return cls(
            api_key=api_key,
            base_url=env.get(BASE_URL_VARIABLE) or endpoints.DEFAULT_BASE_URL,
            project=env.get(PROJECT_VARIABLE) or None,
            database=env.get(DATABASE_VARIABLE) or default_database(),
            tools=split_list(env.get(TOOLS_VARIABLE, "")),
            read_only=_flag(env.get(READ_ONLY_VARIABLE)),
            show_secrets=_flag(env.get(SHOW_SECRETS_VARIABLE)),
            allow_launch=_flag(env.get(ALLOW_LAUNCH_VARIABLE)),
            timeout=float(timeout) if timeout else cls.timeout,
            connect_timeout=float(connect_timeout) if connect_timeout else cls.connect_timeout,
        )

    @property
    def embedded(self) -> bool:
        return not self.api_key

    @property
    def location(self) -> RegistryLocation:
        project = self.project or endpoints.DEFAULT_PROJECT
        if self.embedded:
            path = self.database if self.database == ":memory:" else str(Path(self.database).expanduser())
            return RegistryLocation(kind="embedded", project=project, path=path)
        return RegistryLocation(kind="cloud", project=project, base_url=self.base_url.rstrip("/"))

    def open_client(self) -> RegistryClient:
        if self.embedded:
            return RegistryClient.embedded(self.location.path or ":memory:", project=self.project)
        timeout = httpx2.Timeout(self.timeout, connect=self.connect_timeout)
        return RegistryClient(self.api_key, base_url=self.base_url, project=self.project, timeout=timeout)


def _flag(text: str | None) -> bool:
    return (text or "").strip().lower() in _TRUE_WORDS


def split_list(text: str) -> tuple[str, ...]:
    """'a, b,,c' -> ('a', 'b', 'c')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())

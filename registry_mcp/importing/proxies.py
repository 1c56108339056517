"""Local proxies to remote servers, seen through: `mcp-remote`, `mcp-proxy` and `supergateway`.

Clients that once spoke only stdio reach a remote server through a local proxy, such as
`npx -y mcp-remote https://example.com/sse --header "Authorization: Bearer ${TOKEN}"`. The
gateway reaches remote servers itself, so the import registers the remote server: its URL, its
transport and the headers the proxy would send. Each proxy's arguments are read as the proxy
reads them (mcp-remote's `parseCommandLineArgs`, mcp-proxy's and supergateway's documented options).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from registry_mcp.importing.notes import Note
from registry_mcp.registry.targets import Runs

_HTTP_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_MCP_REMOTE_HEADER = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$", re.DOTALL)
_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_CONFIG = "mcp_config.config"
_TRANSPORT = "mcp_config.config.transport"


@dataclass
class Remote:
    """The remote server behind a proxy entry."""

    url: str
    transport: str
    headers: dict[str, str] = field(default_factory=dict)
    denied_tools: list[dict[str, str]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def config(self) -> dict[str, Any]:
        return {"url": self.url, "transport": self.transport} | ({"headers": self.headers} if self.headers else {})


def remote_behind(runs: Runs, env: dict[str, str]) -> Remote | None:
    """The remote server a proxy command reaches; None if the command is not such a proxy."""
    reader = _PROXIES.get(runs.name)
    if reader is None or runs.runs_inline_code:
        return None
    remote = reader(_split_inline_values(list(runs.rest)), env)
    if remote is not None:
        remote.notes.insert(
            0,
            Note(
                "proxy",
                _CONFIG,
                f"{runs.name} (a local proxy to a remote server) is replaced by the remote server it reaches: "
                "the gateway connects to the URL itself",
            ),
        )
    return remote


def transport_guessed_from(url: str, why: str) -> tuple[str, Note]:
    """The transport a URL most likely speaks, and the note that says it is a guess."""
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if path.lower().endswith("/sse"):
        return "sse", Note(
            "guess",
            _TRANSPORT,
            f"{why}: 'sse' guessed from the URL ending in /sse. The gateway uses exactly this transport "
            "(it does not try the other): check it",
        )
    return "streamable_http", Note(
        "guess",
        _TRANSPORT,
        f"{why}: 'streamable_http' guessed (the current MCP transport). The gateway uses exactly this "
        "transport (it does not fall back to SSE): if the server speaks only SSE, set transport to 'sse'",
    )


def _split_inline_values(args: list[str]) -> list[str]:
    """`--name=value` as `--name value`, so each proxy's options read one way."""
    split: list[str] = []
    for arg in args:
        name, equals, value = arg.partition("=")
        split += [name, value] if arg.startswith("--") and equals else [arg]
    return split


def _mcp_remote(args: list[str], env: dict[str, str]) -> Remote | None:
    headers: dict[str, str] = {}
    ignored: list[str] = []
    url = strategy = None
    dropped: list[str] = []
    notes: list[Note] = []
    value_options = {"--host", "--callback-path", "--static-oauth-client-metadata", "--static-oauth-client-info",
                     "--resource", "--auth-timeout"}  # fmt: skip
    index = 0
    while index < len(args):
        arg = args[index]
        value = args[index + 1] if index + 1 < len(args) else None
        if arg in ("--header", "--ignore-tool", "--transport", *value_options) and value is not None:
            if arg == "--header":
                if header := _MCP_REMOTE_HEADER.match(value):
                    headers[header[1]] = header[2]
                else:
                    dropped.append("a --header that is not 'Name: value' (mcp-remote ignores it too)")
            elif arg == "--ignore-tool":
                ignored.append(value)
            elif arg == "--transport":
                strategy = value
            else:
                dropped.append(arg)
            index += 2
            continue
        if url is None and _HTTP_URL.fullmatch(arg):
            url = arg
        elif arg.isdigit():
            dropped.append("the OAuth callback port")
        else:
            dropped.append(arg if arg.startswith("-") else "an extra argument")
        index += 1
    if url is None:
        return None
    filled: set[str] = set()
    for name, value in headers.items():
        # mcp-remote puts its environment's values in place of ${NAME} in headers; the entry's env is
        # the part of that environment the config holds.
        used = [variable for variable in _VARIABLE.findall(value) if variable in env]
        filled.update(used)
        if used:
            headers[name] = _VARIABLE.sub(lambda found: env.get(found[1], found[0]), value)
            notes.append(
                Note(
                    "proxy",
                    f"{_CONFIG}.headers.{name}",
                    f"filled from the entry's env ({', '.join(used)}), as mcp-remote does",
                )
            )
    if strategy in ("http-only", "sse-only"):
        transport = "sse" if strategy == "sse-only" else "streamable_http"
    elif strategy == "sse-first":
        transport = "sse"
        notes.append(
            Note("guess", _TRANSPORT, "mcp-remote tried SSE first and fell back to HTTP; the gateway uses SSE only")
        )
    else:
        transport, guess = transport_guessed_from(url, "mcp-remote tried Streamable HTTP first, then SSE")
        notes.append(guess)
    remote = Remote(url, transport, headers, notes=notes)
    if ignored:
        remote.denied_tools = [
            {"name": _any_case(pattern), "reason": f"mcp-remote --ignore-tool {pattern} (any case)"}
            for pattern in ignored
        ]
        remote.notes.append(
            Note(
                "proxy",
                "mcp_config.denied_tools",
                "mcp-remote's --ignore-tool patterns became deny patterns; mcp-remote matched them ignoring case, "
                "so each letter is written [xX] for the gateway's case-sensitive matching",
            )
        )
    _note_dropped(remote, "mcp-remote", dropped, env, used=filled)
    return remote


def _mcp_proxy(args: list[str], env: dict[str, str]) -> Remote | None:
    """sparfenyuk's mcp-proxy in its 'stdio to SSE/StreamableHTTP' mode: `mcp-proxy [options] <url>`."""
    headers: dict[str, str] = {}
    transport = "sse"  # mcp-proxy's default
    url = None
    dropped: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("--headers", "-H") and index + 2 < len(args):
            headers[args[index + 1]] = args[index + 2]
            index += 3
            continue
        if arg == "--transport" and index + 1 < len(args):
            transport = "streamable_http" if args[index + 1] == "streamablehttp" else "sse"
            index += 2
            continue
        if not arg.startswith("-"):
            if not _HTTP_URL.fullmatch(arg):
                return None  # a command to serve: mcp-proxy runs a local server, not a proxy to a remote one
            url = arg
            index += 1
            continue
        dropped.append(arg)
        index += 1
    if url is None:
        return None
    if "API_ACCESS_TOKEN" in env and "Authorization" not in headers:
        headers["Authorization"] = f"Bearer {env['API_ACCESS_TOKEN']}"
    remote = Remote(url, transport, headers)
    if headers.get("Authorization", "").startswith("Bearer ") and "API_ACCESS_TOKEN" in env:
        filled = "from the entry's env API_ACCESS_TOKEN, as mcp-proxy does"
        remote.notes.append(Note("proxy", f"{_CONFIG}.headers.Authorization", filled))
    _note_dropped(remote, "mcp-proxy", dropped, env, used={"API_ACCESS_TOKEN"})
    return remote


def _supergateway(args: list[str], env: dict[str, str]) -> Remote | None:
    """supergateway in its 'SSE (or Streamable HTTP) to stdio' mode: `--sse <url>` or `--streamableHttp <url>`."""
    headers: dict[str, str] = {}
    url = transport = None
    dropped: list[str] = []
    index = 0
    while index < len(args):
        arg, value = args[index], args[index + 1] if index + 1 < len(args) else ""
        if arg == "--stdio" or (arg == "--outputTransport" and value != "stdio"):
            return None  # it serves a local server to others
        if arg in ("--sse", "--streamableHttp"):
            url, transport = value, ("sse" if arg == "--sse" else "streamable_http")
        elif arg == "--header":
            name, colon, text = value.partition(":")
            if colon:
                headers[name.strip()] = text.strip()
        elif arg == "--oauth2Bearer":
            headers["Authorization"] = f"Bearer {value}"
        elif arg.startswith("-"):
            dropped.append(arg)
            index += 1 if not value or value.startswith("-") else 2
            continue
        index += 2 if arg.startswith("-") else 1
    if url is None or transport is None or not _HTTP_URL.fullmatch(url):
        return None
    remote = Remote(url, transport, headers)
    _note_dropped(remote, "supergateway", dropped, env, used=set())
    return remote


def _note_dropped(remote: Remote, proxy: str, dropped: list[str], env: dict[str, str], used: set[str]) -> None:
    """Say which of the proxy's own options and environment are not carried (names only, never values)."""
    if dropped:
        remote.notes.append(
            Note("not-carried", "args", f"{proxy} options for the proxy itself are not carried: {', '.join(dropped)}")
        )
    unused = [name for name in env if name not in used]
    if unused:
        remote.notes.append(
            Note("not-carried", "env", f"env {', '.join(unused)} was for the {proxy} process: not carried")
        )


def _any_case(pattern: str) -> str:
    """An mcp-remote --ignore-tool pattern (`*` a wildcard, matched ignoring case) as an fnmatch
    pattern for the gateway's case-sensitive matching."""
    out = []
    for character in pattern:
        if character == "*":
            out.append("*")
        elif character.lower() != character.upper():
            out.append(f"[{character.lower()}{character.upper()}]")
        elif character in "?[":
            out.append(f"[{character}]")
        else:
            out.append(character)
    return "".join(out)


_PROXIES: dict[str, Callable[[list[str], dict[str, str]], Remote | None]] = {
    "mcp-remote": _mcp_remote,
    "mcp-proxy": _mcp_proxy,
    "supergateway": _supergateway,
}

"""Claude Code's managed MCP allowlist: the registry's active servers as the only servers Claude Code
may run, in the form Claude Code's managed settings take (`managed-settings.json`):

    {"allowManagedMcpServersOnly": true,
     "allowedMcpServers": [{"serverCommand": ["npx", "-y", "pkg@1.0.0"]}, {"serverUrl": "https://host/mcp"}]}

How Claude Code matches (its "Control MCP server access" page): a stdio server must match a
`serverCommand` entry exactly, command and every argument in order, once the allowlist holds any;
a remote server must match a `serverUrl` pattern (`*` is a wildcard), once it holds any; and with
`allowManagedMcpServersOnly` the allowlists in users' own settings no longer count. So:

- each local server is allowed by its exact command line, each remote one by its URL; `env` and
  `headers` are not matched (Claude Code does not), so they are left out: the file holds no secret;
- no `serverName` entry: a name is the label a user gives a server, not the server, and while the
  list has no `serverUrl` entry a remote server named like an allowed one would pass;
- a server whose command line holds a secret is left out (the allowlist would have to spell it out
  in a file every user of the machine reads): move the secret into `env`. A secret inside a URL
  becomes `*`, which matches it without saying it; a URL that holds a `*` itself is left out, as
  Claude Code would read it as a wildcard;
- an inactive server is left out: it is not approved while inactive.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from registry_mcp.registry.models import LocalServerConfig
from registry_mcp.secrets.masking import MASK, mask_secrets

if TYPE_CHECKING:
    from registry_mcp.registry.models import RegistryServer

ONLY_MANAGED = "allowManagedMcpServersOnly"
ALLOWED = "allowedMcpServers"
FILE_MODE = 0o644  # Claude Code runs as each user, and must read it; it holds no secret
DEPLOYED_AT = (
    "/etc/claude-code/managed-settings.json (Linux and WSL), /Library/Application Support/ClaudeCode/"
    "managed-settings.json (macOS) or C:\\Program Files\\ClaudeCode\\managed-settings.json (Windows)"
)


def allowlist_entry(server: RegistryServer) -> dict[str, Any]:
    """How Claude Code knows this server: `{"serverCommand": [...]}` or `{"serverUrl": ...}`.
    ValueError saying why it cannot be allowed."""
    if not server.is_active:
        raise ValueError("it is inactive, so not approved")
    if server.mcp_config is None:
        raise ValueError("it has no mcp_config, so nothing to run")
    run = server.mcp_config.config
    if isinstance(run, LocalServerConfig):
        words = [run.command, *run.args]
        if mask_secrets({"args": words}) != {"args": words}:
            raise ValueError(
                "its command line holds a secret, which an allowlist every user of the machine reads would spell "
                "out: move the secret into env"
            )
        return {"serverCommand": words}
    if "*" in run.url:
        raise ValueError("its URL holds '*', which Claude Code would read as a wildcard")
    return {"serverUrl": mask_secrets({"url": run.url})["url"].replace(MASK, "*")}


def label(entry: dict[str, Any]) -> str:
    """One allowlist entry as a person reads it: `command: npx -y pkg` or `url: https://...`."""
    command, url = entry.get("serverCommand"), entry.get("serverUrl")
    if isinstance(command, list) and all(isinstance(word, str) for word in command):
        return "command: " + " ".join(json.dumps(word) if " " in word else word for word in command)
    if isinstance(url, str):
        return f"url: {url}"
    return json.dumps(entry, sort_keys=True)  # an entry of a file's own, such as a serverName


class Collected(Protocol):
    """What an export collects (`registry_mcp.gateway.export.Export`), as far as this module fills it."""

    config: dict[str, Any]
    servers: list[str]
    skipped: list[str]
    notes: list[str]


def build(servers: list[RegistryServer], result: Collected) -> None:
    """Fill `result` with the allowlist of `servers` (what is left out goes to `result.skipped`)."""
    allowed: dict[str, dict[str, Any]] = {}
    for server in servers:
        try:
            entry = allowlist_entry(server)
        except ValueError as why:
            result.skipped.append(f"{server.saved_name} {server.server_version}: {why}")
            continue
        allowed.setdefault(label(entry), entry)
        result.servers.append(f"{server.saved_name} {server.server_version}")
    result.config = {ONLY_MANAGED: True, ALLOWED: list(allowed.values())}
    result.notes.append(
        "Claude Code matches a local server by its exact command and arguments and a remote one by its URL; env and "
        "headers are not compared. No serverName entries: a name is only a user's label. With "
        f"{ONLY_MANAGED}, allowlists in users' own settings no longer apply. Deploy the file as {DEPLOYED_AT}."
    )

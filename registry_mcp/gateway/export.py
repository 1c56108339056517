"""Registry servers rendered for where they run: secure-mcp-gateway's config, or an MCP client's.

    export(servers, "gateway")      {"mcp_config": [entry, ...]} (+ "common_overrides"), for mcp_configs.<id>
    export(servers, "mcpServers")   Cursor, Claude Code: {"mcpServers": {name: ...}}
    export(servers, style)          another client as it writes its config today (`registry_mcp.gateway.clients`):
                                    claude_desktop, vscode, windsurf, gemini, zed, codex
    export(servers, "claude_managed")   Claude Code's managed allowlist (`registry_mcp.gateway.claude_managed`)
    export(servers, "gateway_overrides")  {"local_server_overrides": {saved_name: {...}}}, what a
                                    cloud-mode gateway takes only from its own config file

`export` returns real values, with what it left out, renamed, or placed elsewhere and why; mask
them (`registry_mcp.secrets.masking`) before an assistant reads them. A gateway entry carries every key
secure-mcp-gateway 2.2.x reads per server, shaped as its cloud mapping (`EnkryptAuthProvider._map_server`)
shapes a registry record; `tests/gateway/test_export_oracle.py` runs the gateway's own code on it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from registry_mcp.gateway import claude_managed
from registry_mcp.gateway.clients import CLIENT_BLOCK, ClientStyle, client_entry
from registry_mcp.gateway.cloud_mode import LOCAL_FALLBACK, OVERRIDES, in_force
from registry_mcp.registry.models import PIN_KEY, RegistryServer
from registry_mcp.secrets.masking import mask_secrets
from registry_mcp.wording import counted

ExportFormat = Literal[
    "gateway",
    "gateway_overrides",
    "mcpServers",
    "claude_desktop",
    "vscode",
    "windsurf",
    "gemini",
    "zed",
    "codex",
    "claude_managed",
]

# The keys the gateway reads from one mcp_config[] entry, in its own order.
GATEWAY_KEYS = (
    "server_name",
    "description",
    "config",
    "oauth_config",
    "mcp_oauth",
    "tools",
    "denied_tools",
    "sandbox",
    "input_guardrails_config",
    "output_guardrails_config",
)
# Read only config-wide, from mcp_configs.<id>.common_overrides: one policy for every server.
TOOL_GUARDRAILS = "server_tools_guardrails_config"
_GUARDRAILS = ("input_guardrails_config", "output_guardrails_config")
# What the gateway fills a missing or partial guardrail policy with (`_empty_config` in 2.2.4).
EMPTY_GUARDRAIL: dict[str, Any] = {"enabled": False, "guardrail_name": "", "additional_config": {}, "block": []}
# Gateway features a client that runs the server itself does not have.
_GATEWAY_ONLY = ("denied_tools", "oauth_config", "mcp_oauth", "sandbox", *_GUARDRAILS, "tool_guardrails_config")


@dataclass
class Export:
    """A config block with real values, and everything the person should know about it."""

    config: dict[str, Any]
    servers: list[str] = field(default_factory=list)  # 'saved_name server_version' of each exported
    renamed: dict[str, str] = field(default_factory=dict)  # 'saved_name server_version' -> its name in config
    skipped: list[str] = field(default_factory=list)  # 'saved_name server_version: why'
    notes: list[str] = field(default_factory=list)  # what the consumer will not apply, or applies config-wide


def label(server: RegistryServer) -> str:
    return f"{server.saved_name} {server.server_version}"


def export(servers: list[RegistryServer], export_format: ExportFormat) -> Export:
    if export_format == "claude_managed":
        allowlist = Export(config={})
        claude_managed.build(servers, allowlist)
        return allowlist
    runnable = [server for server in servers if server.mcp_config is not None and server.is_active is not False]
    result = Export(config={})
    result.skipped = [f"{label(s)}: it has no mcp_config, so nothing to run" for s in servers if s.mcp_config is None]
    result.skipped += [
        f"{label(s)}: it is inactive (is_active false), and gateways skip inactive servers; activate it with "
        "modify_registry_server to export it"
        for s in servers
        if s.mcp_config is not None and s.is_active is False
    ]
    names = _distinct_names(runnable)
    result.servers = [label(server) for server in runnable]
    result.renamed = {label(s): name for s, name in zip(runnable, names, strict=True) if name != s.saved_name}
    if result.renamed:
        result.notes.append(
            "One saved_name has several versions here, so each is named with its version: "
            + ", ".join(f"{old} as {new!r}" for old, new in result.renamed.items())
        )
    if export_format == "gateway_overrides":
        _overrides(runnable, result)
    elif export_format == "gateway":
        _gateway(runnable, names, result)
    else:
        _client(runnable, names, export_format, result)
    return result


def _gateway(servers: list[RegistryServer], names: list[str], result: Export) -> None:
    entries, tool_policies, ignored = [], {}, Counter[str]()
    for server, name in zip(servers, names, strict=True):
        raw = server.mcp_config.to_api() if server.mcp_config is not None else {}
        entries.append(gateway_entry(server, name))
        policy = raw.get("tool_guardrails_config")
        if isinstance(policy, dict) and policy.get("enabled"):
            tool_policies[name] = policy
        if raw.get("enable_server_info_validation"):
            ignored["enable_server_info_validation"] += 1
        for key in raw.keys() - {*GATEWAY_KEYS, "tool_guardrails_config", "enable_server_info_validation"}:
            ignored[key] += 1
    result.config = {"mcp_config": entries}
    distinct = {json.dumps(policy, sort_keys=True) for policy in tool_policies.values()}
    if len(distinct) == 1:
        policy = next(iter(tool_policies.values()))
        result.config["common_overrides"] = {TOOL_GUARDRAILS: EMPTY_GUARDRAIL | policy}
        others = [name for name in names if name not in tool_policies]
        result.notes.append(
            f"The tool guardrails of {', '.join(tool_policies)} (policy {policy.get('guardrail_name', '')!r}) are "
            f"placed at common_overrides.{TOOL_GUARDRAILS}: the gateway reads tool guardrails only there, so they "
            "apply config-wide, to every server of this mcp_config"
            + (f" (also {', '.join(others)})" if others else "")
            + ", and they turn on its server-info validation for all of them."
        )
    elif distinct:
        # 2.2.4's local loader still applies a per-server policy where no config-wide one is set.
        for entry in entries:
            if entry["server_name"] in tool_policies:
                entry[TOOL_GUARDRAILS] = EMPTY_GUARDRAIL | tool_policies[entry["server_name"]]
        result.notes.append(
            f"The tool guardrails of {', '.join(tool_policies)} differ, so each is placed on its own entry "
            f"(mcp_config[].{TOOL_GUARDRAILS}): gateway 2.2.4 run from this config applies a per-server one while "
            f"the config sets none in common_overrides.{TOOL_GUARDRAILS}, logging that this is deprecated; a "
            "cloud-mode gateway reads only the config-wide one."
        )
    if ignored["enable_server_info_validation"]:
        validating = counted(ignored.pop("enable_server_info_validation"), "server")
        result.notes.append(
            f"enable_server_info_validation (true on {validating}) is left out: gateway 2.2.x does not read it per "
            f"server; it validates server info where common_overrides.{TOOL_GUARDRAILS} is enabled."
        )
    if ignored.pop(PIN_KEY, 0):
        result.notes.append(
            f"mcp_config.{PIN_KEY} (what inspect_mcp_server approved) is left out: the gateway does not check it; "
            "inspect the server to see any drift from it."
        )
    if ignored:
        result.notes.append(f"Left out, as the gateway does not read them: {', '.join(sorted(ignored))}.")


def _overrides(servers: list[RegistryServer], result: Export) -> None:
    """The block a cloud-mode gateway layers onto the cloud's servers: keyed by saved name only, so one
    version of each name (the first chosen) where versions differ."""
    result.renamed = {}
    result.notes = []
    block: dict[str, dict[str, Any]] = {}
    exported = []
    for server in servers:
        entry = overrides_entry(server)
        if server.saved_name in block:
            if block[server.saved_name] != entry:
                result.skipped.append(
                    f"{label(server)}: local_server_overrides is keyed by saved name only, and another version of "
                    "it, with other values, is already in this block; export the version the gateway uses"
                )
            continue
        block[server.saved_name] = entry
        exported.append(label(server))
    result.servers = exported
    result.config = {OVERRIDES: block}
    result.notes.append(
        f"A cloud-mode gateway reads {OVERRIDES} from the top level of its own config file "
        "(~/.enkrypt/enkrypt_mcp_config.json; in Docker the file it mounts): there only it applies denied_tools "
        "and sandbox; oauth_config and mcp_oauth fill in where the cloud's record has none."
    )


def overrides_entry(server: RegistryServer) -> dict[str, Any]:
    """One server's `local_server_overrides` entry (real values): its deny list always, so writing it
    replaces an older one; the other fields where the registry has them."""
    raw = server.mcp_config.to_api() if server.mcp_config is not None else {}
    entry: dict[str, Any] = {"denied_tools": raw.get("denied_tools") or []}
    if raw.get("sandbox") is not None:
        entry["sandbox"] = raw["sandbox"]
    entry.update({key: raw[key] for key in LOCAL_FALLBACK if raw.get(key)})
    return entry


def gateway_entry(server: RegistryServer, server_name: str | None = None) -> dict[str, Any]:
    """One gateway `mcp_config[]` entry (real values): the keys the gateway reads per server, with its
    defaults filled in as its cloud mapping fills them."""
    raw = server.mcp_config.to_api() if server.mcp_config is not None else {}
    config = dict(raw.get("config") or {})
    if "command" in config:
        config["args"] = list(config.get("args") or [])  # the gateway's `config validate` requires args
    entry: dict[str, Any] = {
        "server_name": server_name or server.saved_name,
        "description": server.description or "",
        "config": config,
        "tools": raw.get("tools") or {},
        "denied_tools": raw.get("denied_tools") or [],
    }
    for key in ("oauth_config", "mcp_oauth"):
        if raw.get(key):
            entry[key] = raw[key]
    if raw.get("sandbox") is not None:
        entry["sandbox"] = raw["sandbox"]
    for key in _GUARDRAILS:
        entry[key] = EMPTY_GUARDRAIL | (raw.get(key) or {})
    return {key: entry[key] for key in GATEWAY_KEYS if key in entry}


def _client(servers: list[RegistryServer], names: list[str], style: ClientStyle, result: Export) -> None:
    entries: dict[str, Any] = {}
    unapplied = Counter[str]()
    for server, name in zip(servers, names, strict=True):
        rendered = client_entry(server, style)
        entries[name] = rendered.entry
        result.notes += rendered.notes
        raw = server.mcp_config.to_api() if server.mcp_config is not None else {}
        unapplied.update(key for key in _GATEWAY_ONLY if in_force(raw.get(key)) and key not in rendered.applied)
    result.config = {CLIENT_BLOCK[style]: entries}
    if unapplied:
        counts = ", ".join(f"{key} ({count})" for key, count in sorted(unapplied.items()))
        result.notes.append(
            f"A client runs each server itself, without the gateway, so these gateway settings are NOT applied: "
            f"{counts}. Export for the gateway to keep them."
        )


def _distinct_names(servers: list[RegistryServer]) -> list[str]:
    """saved_name, or 'saved_name-version' where one name has several versions, never twice the same."""
    counts = Counter(server.saved_name for server in servers)
    taken = {server.saved_name for server in servers}
    names: list[str] = []
    for server in servers:
        name = server.saved_name
        if counts[name] > 1:
            name = base = f"{server.saved_name}-{server.server_version}"
            suffix = 2
            while name in taken:
                name, suffix = f"{base}-{suffix}", suffix + 1
            taken.add(name)
        names.append(name)
    return names


def masked_paths(value: Any, path: str = "") -> list[str]:
    """Where `mask_secrets` would put a mask in a JSON value, as dotted paths."""
    return _differences(value, mask_secrets(value), path)


def _differences(original: Any, masked: Any, path: str) -> list[str]:
    if isinstance(original, dict) and isinstance(masked, dict):
        return [p for key, item in original.items() for p in _differences(item, masked[key], _join(path, key))]
    if isinstance(original, list) and isinstance(masked, list):
        return [p for index, item in enumerate(original) for p in _differences(item, masked[index], f"{path}[{index}]")]
    return [path] if original != masked else []


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def gateway_config(servers: list[RegistryServer], *, reveal_secrets: bool = False) -> dict[str, Any]:
    """The block to place under `mcp_configs.<id>` of a gateway config (masked unless `reveal_secrets`)."""
    config = export(servers, "gateway").config
    return config if reveal_secrets else mask_secrets(config)


def client_config(servers: list[RegistryServer], style: ClientStyle, *, reveal_secrets: bool = False) -> dict[str, Any]:
    """A client config block (masked unless `reveal_secrets`)."""
    config = export(servers, style).config
    return config if reveal_secrets else mask_secrets(config)

"""One client entry as the body of an add-server payload, with notes on what did not carry over as it was.

Clients resolve things at start-up that the gateway never will: VS Code's `${input:id}` prompts
and `envFile`, Cursor's `${env:NAME}`, `${workspaceFolder}` and `${userHome}`, Claude Code's
`${NAME}` and `${NAME:-default}`, Windsurf's `${env:NAME}` and `${file:path}`. secure-mcp-gateway
expands none of them: it passes the text as it is. They are kept, and each is reported where it
lands. Notes name variables and keys, never values (a `${NAME:-default}` default may be a secret).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from registry_mcp.importing.notes import Note, NoteKind
from registry_mcp.importing.proxies import remote_behind, transport_guessed_from
from registry_mcp.registry.targets import Runs, what_runs
from registry_mcp.untrusted import clean

_DESCRIPTION_SHOWN = 200  # characters of a VS Code input's description, as a note quotes it
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ID = r"[A-Za-z0-9_.-]+"
# Predefined variables of VS Code and Cursor (Cursor's are a subset of VS Code's).
_PREDEFINED = frozenset(
    ("workspaceFolder", "workspaceFolderBasename", "userHome", "pathSeparator", "/", "cwd", "file",
     "fileBasename", "fileDirname", "relativeFile", "execPath", "defaultBuildTask", "lineNumber")
)  # fmt: skip
_TRANSPORTS = {"http": "streamable_http", "streamable_http": "streamable_http", "streamablehttp": "streamable_http",
               "sse": "sse"}  # fmt: skip
_EXPANDS_NONE = (
    "the gateway expands none of these and would pass the text as it is: replace it with the real value "
    "(modify_registry_server) before a gateway uses this server"
)
# Entry keys the payload is built from (Codex CLI's and Zed's included); any other key is reported as not carried.
_READ = frozenset(
    ("command", "args", "env", "url", "serverUrl", "httpUrl", "headers", "type", "transport", "disabled", "enabled",
     "http_headers", "env_http_headers", "bearer_token_env_var", "env_vars", "source",
     "excludeTools", "includeTools", "disabledTools", "disabled_tools", "enabled_tools")
)  # fmt: skip
# Client tool filters: deny lists (Gemini CLI, Windsurf, Codex CLI) and allow lists (Gemini CLI, Codex CLI).
_DENY_LISTS = ("excludeTools", "disabledTools", "disabled_tools")
_ALLOW_LISTS = ("includeTools", "enabled_tools")
_NOT_CARRIED: dict[str, tuple[NoteKind, str]] = {
    "envFile": (
        "client-only",
        "the client loads variables from this env file when it starts the server; the gateway reads no env "
        "file, so put the variables the server needs in env",
    ),
    "cwd": ("not-carried", "the working directory is not carried (the registry has no field for it)"),
    "auth": (
        "not-carried",
        "Cursor's static OAuth client is not carried: set it as the server's oauth_config in the registry",
    ),
    "oauth": (
        "not-carried",
        "VS Code's OAuth client is not carried: set it as the server's oauth_config in the registry",
    ),
}


def entry_body(
    entry: dict[str, Any], inputs: dict[str, dict[str, Any]], *, vscode: bool = False
) -> tuple[dict[str, Any], list[Note]] | str:
    """The payload body for one entry (all but saved_name and server_version) and its notes, or why
    it cannot be imported. `vscode`: the entry is VS Code's (its export writes `type` back)."""
    if entry.get("disabled") is True or entry.get("enabled") is False:
        return "disabled in the client"
    entry, notes = _normalized(entry)
    built: tuple[dict[str, Any], list[Note]] | str
    if isinstance(entry.get("command"), str):
        built = _local(entry)
    elif isinstance(entry.get("url") or entry.get("serverUrl") or entry.get("httpUrl"), str):
        built = _remote(entry)
    else:
        return "neither a 'command' (a local server) nor a 'url' (a remote one)"
    if isinstance(built, str):
        return built
    body, more = built
    notes += more
    notes += [*_filters(entry, body["mcp_config"]), *_round_trip(entry, vscode=vscode)]
    notes += [*_client_only(body["mcp_config"]["config"], inputs), *_not_carried(entry)]
    return body, notes


def _normalized(entry: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """Zed's and Codex CLI's ways of writing an entry, as the others write it."""
    entry, notes = dict(entry), []
    command = entry.get("command")
    if isinstance(command, dict):  # Zed's older form: "command": {"path", "args", "env"}
        entry.update(command=command.get("path"), args=command.get("args") or [], env=command.get("env") or {})
        notes.append(
            Note("not-carried", "command", "Zed's older {path, args, env} form; format 'zed' writes the current")
        )
    headers = _texts(entry.get("headers")) | _texts(entry.get("http_headers"))
    supplied = {name: str(variable) for name, variable in _object(entry.get("env_http_headers")).items()}
    if isinstance(entry.get("bearer_token_env_var"), str):
        supplied["Authorization"] = entry["bearer_token_env_var"]
    for header, variable in supplied.items():
        prefix = "Bearer " if header == "Authorization" and "bearer_token_env_var" in entry else ""
        headers[header] = f"{prefix}<to be supplied: {variable}>"
        notes.append(
            Note("client-only", f"mcp_config.config.headers.{header}", f"Codex sends its environment's {variable} "
                 f"here; {_EXPANDS_NONE}")
        )  # fmt: skip
    if headers:
        entry["headers"] = headers
    variables = entry.get("env_vars")
    if isinstance(variables, list) and variables:
        env = _texts(entry.get("env"))
        for variable in map(str, variables):
            env.setdefault(variable, f"<to be supplied: {variable}>")
            notes.append(
                Note("client-only", f"mcp_config.config.env.{variable}", f"Codex passes its environment's {variable}; "
                     f"{_EXPANDS_NONE}")
            )  # fmt: skip
        entry["env"] = env
    return entry, notes


def _filters(entry: dict[str, Any], mcp_config: dict[str, Any]) -> Iterator[Note]:
    """A client's tool filters as the gateway reads them: a deny list as deny patterns, an allow list as
    '*' plus a `tools` map (the gateway spares the tools it lists from '*')."""
    denied = [str(name) for key in _DENY_LISTS for name in _list(entry.get(key))]
    allowed = [str(name) for key in _ALLOW_LISTS for name in _list(entry.get(key))]
    if allowed:
        mcp_config["denied_tools"] = ["*", *mcp_config["denied_tools"], *denied]
        mcp_config["tools"] = {name: {} for name in allowed} | mcp_config["tools"]
        key = next(key for key in _ALLOW_LISTS if key in entry)
        yield Note("not-carried", key, "the allow list became denied_tools '*' plus these tools in tools, which the "
                   "gateway spares from '*'" + (", and the deny list after it" if denied else ""))  # fmt: skip
    elif denied:
        mcp_config["denied_tools"] = [*mcp_config["denied_tools"], *denied]
        key = next(key for key in _DENY_LISTS if key in entry)
        yield Note("not-carried", key, "became denied_tools, which the gateway matches as case-sensitive patterns")


def _round_trip(entry: dict[str, Any], *, vscode: bool) -> Iterator[Note]:
    """What an export back to the same client writes differently."""
    if entry.get("type") == "stdio" and not vscode:
        yield Note("not-carried", "type", "'stdio' is implied by command; an export writes it for VS Code only")
    if "serverUrl" in entry:
        yield Note("not-carried", "serverUrl", "read as the url; export with format 'windsurf' to write serverUrl")
    if "httpUrl" in entry:
        yield Note("not-carried", "httpUrl", "read as the url (streamable HTTP); format 'gemini' writes httpUrl again")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _local(entry: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """A command entry: the remote server behind it if it is a proxy, else the command itself."""
    args = [str(arg) for arg in entry.get("args") or []]
    env = _texts(entry.get("env"))
    runs = what_runs(entry["command"], args)
    remote = remote_behind(runs, env)
    if remote is not None:
        return _with_config(remote.config(), remote.denied_tools), remote.notes
    body = _with_config({"command": entry["command"], "args": args} | ({"env": env} if env else {}))
    package = _package_fields(runs)
    if not package:
        return body, []
    guessed = f"server_name and source_url guessed from the command: the {runs.ecosystem} package it runs"
    return body | package, [Note("guess", "server_name", guessed)]


def _package_fields(runs: Runs) -> dict[str, str]:
    """`server_name` and `source_url` of the npm or PyPI package a command runs; none for anything else."""
    if runs.ecosystem == "npm":
        return {"server_name": runs.package, "source_url": f"https://www.npmjs.com/package/{runs.package}"}
    if runs.ecosystem == "pypi":
        return {"server_name": runs.package, "source_url": f"https://pypi.org/project/{runs.package}/"}
    return {}


def _remote(entry: dict[str, Any]) -> tuple[dict[str, Any], list[Note]] | str:
    """A URL entry (`url`, or Windsurf's `serverUrl`) with its transport, read from `type` or guessed."""
    url = entry.get("httpUrl") or entry.get("url") or entry["serverUrl"]
    # Gemini CLI's httpUrl is streamable HTTP; a `type` (VS Code, Claude Code, the gateway) or `transport` says it.
    kind = "http" if "httpUrl" in entry else str(entry.get("type") or entry.get("transport") or "").lower()
    kind = kind.replace("-", "_")
    if kind and kind not in _TRANSPORTS:
        return "its type is neither 'http' nor 'sse', the transports the gateway speaks"
    notes: list[Note] = []
    if kind:
        transport = _TRANSPORTS[kind]
    else:
        transport, guess = transport_guessed_from(url, "no type given")
        notes.append(guess)
    headers = _texts(entry.get("headers"))
    return _with_config({"url": url, "transport": transport} | ({"headers": headers} if headers else {})), notes


def _with_config(run: dict[str, Any], denied: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"mcp_config": {"config": run, "tools": {}, "denied_tools": denied or []}}


def _texts(mapping: Any) -> dict[str, str]:
    """An env or headers object as names to texts (clients write numbers and booleans there too)."""
    return {str(name): str(value) for name, value in mapping.items()} if isinstance(mapping, dict) else {}


def _client_only(run: dict[str, Any], inputs: dict[str, dict[str, Any]]) -> Iterator[Note]:
    """A note for each field holding `${…}` that a client expands and the gateway does not."""
    for where, value in _strings(run):
        found = [_describe(variable, inputs) for variable in _VARIABLE.findall(value)]
        if found:
            yield Note("client-only", f"mcp_config.config.{where}", f"holds {'; '.join(found)}: {_EXPANDS_NONE}")


def _strings(run: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in ("command", "url"):
        if key in run:
            yield key, run[key]
    for index, arg in enumerate(run.get("args", [])):
        yield f"args[{index}]", arg
    for key in ("env", "headers"):
        for name, value in run.get(key, {}).items():
            yield f"{key}.{name}", value


def _describe(variable: str, inputs: dict[str, dict[str, Any]]) -> str:
    """What `${variable}` is and who fills it in, without quoting anything that may be a secret."""
    if match := re.fullmatch(rf"input:({_ID})", variable):
        asked = inputs.get(match[1], {})
        described = asked.get("description")
        what = f" for {clean(described, _DESCRIPTION_SHOWN)!r}" if isinstance(described, str) else ""
        secret = " (a password)" if asked.get("password") is True else ""
        return f"${{input:{match[1]}}} (VS Code asks the person{what}{secret} when it starts the server)"
    if match := re.fullmatch(rf"env:({_NAME})", variable):
        return f"${{env:{match[1]}}} (Cursor, VS Code and Windsurf put their environment's {match[1]} here)"
    if match := re.fullmatch(rf"({_NAME}):-.*", variable, re.DOTALL):
        return f"${{{match[1]}:-…}} (Claude Code puts its environment's {match[1]} here, or the default)"
    if variable in _PREDEFINED:
        return f"${{{variable}}} (a variable VS Code and Cursor fill in, such as the workspace folder)"
    if re.fullmatch(_NAME, variable):
        return f"${{{variable}}} (Claude Code puts its environment's {variable} here)"
    if variable.startswith("file:"):
        return "${file:…} (Windsurf puts the file's contents here)"
    return "${…} (a variable the client fills in)"


def _not_carried(entry: dict[str, Any]) -> Iterator[Note]:
    for key, (kind, text) in _NOT_CARRIED.items():
        if key in entry:
            yield Note(kind, key, text)
    for key in entry:
        if key not in _READ and key not in _NOT_CARRIED:
            yield Note("not-carried", key, "a client setting the registry does not carry")


# The per-server keys secure-mcp-gateway 2.2.x reads, carried as they are into the registry's mcp_config.
_GATEWAY_CARRIED = (
    "tools", "denied_tools", "oauth_config", "mcp_oauth", "sandbox", "input_guardrails_config",
    "output_guardrails_config",
)  # fmt: skip
_TOOL_GUARDRAILS = "server_tools_guardrails_config"


def gateway_entry_body(
    entry: dict[str, Any], common_overrides: dict[str, Any]
) -> tuple[dict[str, Any], list[Note]] | str:
    """One secure-mcp-gateway `mcp_config[]` entry as a payload body: the migration from a gateway's own
    config. Its config-wide tool guardrails become the server's tool_guardrails_config."""
    run = _object(entry.get("config"))
    if not isinstance(run.get("command"), str) and not isinstance(run.get("url"), str):
        return "its config has neither a 'command' (a local server) nor a 'url' (a remote one)"
    notes: list[Note] = []
    if isinstance(run.get("command"), str):
        config: dict[str, Any] = {"command": run["command"], "args": [str(arg) for arg in _list(run.get("args"))]}
        if _texts(run.get("env")):
            config["env"] = _texts(run.get("env"))
    else:
        kind = str(run.get("type") or run.get("transport") or "http").lower().replace("-", "_")
        if kind not in _TRANSPORTS:
            return "its type is neither 'http' nor 'sse', the transports the gateway speaks"
        config = {"url": run["url"], "transport": _TRANSPORTS[kind]}
        if _texts(run.get("headers")):
            config["headers"] = _texts(run.get("headers"))
    mcp_config: dict[str, Any] = {"config": config}
    mcp_config.update({key: entry[key] for key in _GATEWAY_CARRIED if entry.get(key) is not None})
    policy = _object(common_overrides.get(_TOOL_GUARDRAILS))
    if policy.get("enabled"):
        mcp_config["tool_guardrails_config"] = policy
        why = (
            f"the config-wide common_overrides.{_TOOL_GUARDRAILS} of its gateway config, set on this server (an "
            "export for the gateway puts it back config-wide)"
        )
        notes.append(Note("not-carried", "mcp_config.tool_guardrails_config", why))
    known = {"server_name", "description", "config", _TOOL_GUARDRAILS, *_GATEWAY_CARRIED}
    for key in entry:
        if key not in known and not key.startswith("_doc"):
            notes.append(Note("not-carried", key, "a gateway setting the registry does not carry"))
    body: dict[str, Any] = {"mcp_config": mcp_config}
    if isinstance(entry.get("description"), str) and entry["description"]:
        body["description"] = entry["description"]
    return body, notes

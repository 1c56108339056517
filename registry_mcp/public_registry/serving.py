"""Registry entries as public registry records (`server.json`): the inverse of `mapping`, for the
generic registry API (`v0.1`) that `registry-mcp --transport http` serves beside `/mcp`.

    catalog = build_catalog(active_servers, namespace="com.example")
    catalog.entries        # one record per entry that can be expressed, sorted by name and version
    catalog.left_out       # 'saved_name server_version: why' for each that cannot
    round_trip(server, "com.example")   # what entry -> server.json -> entry does not give back

How an entry becomes a record:

- `npx [-y] [runtime arguments] <package>[@<version>] [package arguments]` becomes an npm package,
  `uvx [runtime arguments] <package>[==<version>] [...]` a PyPI one, and
  `docker run [runtime arguments] <image> [...]` an OCI one (its `-e NAME` become environment
  variables); every other command is left out, as no package can say what it runs, and so is a line
  that runs code besides its package or fetches it elsewhere (`registry.targets.what_runs` reads it);
- a `url` becomes a remote (`streamable-http` or `sse`) with its header names;
- env and header names become variables, `isSecret` where `secret_setting` says so; no value of
  theirs is ever written. A secret inside an argument or a URL (a `--token X`, a `?api_key=`)
  becomes a `{variable}` marked secret: the record says a value is needed, never what it is;
- the name is `NAMESPACE/saved_name`; the version is `source_version` (the package's own), or
  `server_version` where there is none or two versions of one entry share it;
- the record's `_meta`, under our key (`mapping.META_KEY`), carries the registry's own facts: the
  saved name, its version, the package name, the source version and the denied tools, which a
  `server.json` has no field for (`mapping.to_entry` reads them back).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from registry_mcp.errors import CatalogQueryError, MappingError, NotExpressible
from registry_mcp.public_registry.mapping import META_KEY, to_entry
from registry_mcp.registry.models import LocalServerConfig, RegistryServer
from registry_mcp.registry.targets import PEP440_VERSION, program_of, unpinned, what_runs
from registry_mcp.secrets.masking import MASK, mask_secrets, secret_setting
from registry_mcp.untrusted import cap, clean

SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
OFFICIAL_META_KEY = "io.modelcontextprotocol.registry/official"
MAX_DESCRIPTION = 100  # the format's limit
MAX_VERSION = 255
DEFAULT_LIMIT = 30  # as the official registry
MAX_LIMIT = 100

# `docker run` options that take no value (the others take the next word).
_DOCKER_SWITCHES = frozenset(
    {"-i", "--interactive", "-t", "--tty", "-it", "-ti", "--rm", "-d", "--detach", "--init", "--privileged"}
    | {"--read-only", "-P", "--publish-all", "--oom-kill-disable", "--no-healthcheck"}
)
_DOCKER_ENV_FLAGS = ("-e", "--env")
_DOCKER_BASE = ("-i", "--interactive", "--rm")  # what `docker run -i --rm` already says (see mapping)
_FLAG = re.compile(r"^--?[A-Za-z][\w-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXACT_NPM = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_RANGE = re.compile(r"^[\^~<>=*]|\.[x*](?:\.|$)|^[xX*]$|\s|\|\|")
_URL = re.compile(r"^https?://\S+$")
_REPOSITORY_SOURCES = {"github.com": "github", "gitlab.com": "gitlab", "bitbucket.org": "bitbucket"}


def server_name(namespace: str, saved_name: str) -> str:
    return f"{namespace}/{saved_name}"


# --- one entry as a record ------------------------------------------------------------------------


class _Variables:
    """The `{name}` variables a record gives the secrets it will not spell out."""

    def __init__(self) -> None:
        self.made: dict[str, dict[str, Any]] = {}

    def hide(self, text: str, masked: str, hint: str | None = None) -> tuple[str, dict[str, Any]]:
        """`masked` (the text with MASK where a secret was) with each secret as a `{variable}`."""
        if masked == text:
            return text, {}
        used: dict[str, Any] = {}
        parts = masked.split(MASK)
        value = parts[0]
        for part in parts[1:]:
            name = self._name(hint)
            hint = None
            used[name] = self.made[name] = {
                "description": "A secret the registry holds for this server (not published here).",
                "isRequired": True,
                "isSecret": True,
            }
            value += "{" + name + "}" + part
        return value, used

    def _name(self, hint: str | None) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", hint.lstrip("-")).strip("_").lower() if hint else ""
        base = base or "secret"
        name, number = base, 2
        while name in self.made:
            name, number = f"{base}_{number}", number + 1
        return name


def _arguments(tokens: list[str], variables: _Variables) -> list[dict[str, Any]]:
    """Command-line words as arguments that give them back word for word (`mapping._arguments`):
    `--flag value` a named argument, a lone flag a boolean one, anything else positional."""
    masked = mask_secrets({"args": tokens})["args"]
    arguments: list[dict[str, Any]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if _FLAG.match(token) and following is not None and not following.startswith("-"):
            value, used = variables.hide(following, masked[index + 1], hint=token)
            argument: dict[str, Any] = {"type": "named", "name": token, "value": value}
            index += 2
        elif _FLAG.match(token) and masked[index] == token:
            argument = {"type": "named", "name": token, "format": "boolean", "value": "true"}
            index += 1
        else:
            value, used = variables.hide(token, masked[index])
            argument = {"type": "positional", "value": value}
            index += 1
        if "{" in argument["value"] and (used := _used(argument["value"], variables)):
            argument["variables"] = used
        arguments.append(argument)
    return arguments


def _used(value: str, variables: _Variables) -> dict[str, Any]:
    return {name: spec for name, spec in variables.made.items() if "{" + name + "}" in value}


def _key_values(values: dict[str, str]) -> list[dict[str, Any]]:
    """Names only, never values: each a variable the person supplies, secret where the rule says."""
    return [
        {"name": name, "isRequired": True, "isSecret": secret_setting(name, value)} for name, value in values.items()
    ]


# The runner each package type is run with (`mapping.RUNNERS`), as `what_runs` names it.
_RUNNER_TYPES: dict[str, str] = {"npx": "npm", "uvx": "pypi", "docker run": "oci"}


def _package(config: LocalServerConfig, variables: _Variables) -> dict[str, Any]:
    runs = what_runs(config.command, list(config.args))  # the one reading of what a command line runs
    kind = _RUNNER_TYPES.get(runs.runner, "")
    if not kind:
        if runs.runner == "docker":
            raise NotExpressible("a docker command other than 'docker run' starts no one image")
        raise NotExpressible(
            f"its command {clean(config.command, 80)!r} is not a package runner (npx, uvx or docker), so no package "
            "can say what it runs"
        )
    if not runs.package:
        raise NotExpressible("its arguments name no package to run")
    if runs.ecosystem != kind:
        raise NotExpressible(f"it runs {clean(runs.package, 80)!r}, not one {kind} package")
    if runs.code or runs.origin or runs.metacharacters:
        besides = "; ".join(clean(word, 80) for word in (*runs.code, *runs.origin, *runs.metacharacters))
        raise NotExpressible(f"it runs more than the one package a server.json names ({besides})")
    args, env = list(config.args), dict(config.env)
    head, after = args[: len(args) - len(runs.rest)], list(runs.rest)
    before, reference = head[:-1], head[-1]
    package: dict[str, Any] = {"registryType": kind, "identifier": runs.package}
    if kind == "oci":
        package["identifier"] = reference  # an image names its tag or digest itself
        before = _docker_options(before[1:], env)  # after 'run'
    elif runs.version is not None or unpinned(reference) != reference:
        package["version"] = _exact(kind, runs.package, runs.version, reference)
    if runs.runner == "npx":
        before = [word for word in before if word != "-y"]  # mapping adds it again
    package["runtimeHint"] = program_of(config.command)  # the runner by name: a record names no path
    package["transport"] = {"type": "stdio"}
    if before:
        package["runtimeArguments"] = _arguments(before, variables)
    if after:
        package["packageArguments"] = _arguments(after, variables)
    if env:
        package["environmentVariables"] = _key_values(env)
    return package


def _exact(kind: str, name: str, version: str | None, reference: str) -> str:
    """The package's exact version; NotExpressible for a tag or a range (a record names an exact one)."""
    exact = _EXACT_NPM if kind == "npm" else PEP440_VERSION
    if version is None or not exact.fullmatch(version) or _RANGE.search(version):
        raise NotExpressible(
            f"it runs {clean(reference, 80)!r}, a tag or a range of {name}: a server.json package names an exact "
            "version"
        )
    return version


def _docker_options(words: list[str], env: dict[str, str]) -> list[str]:
    """`docker run`'s own words less what `docker run -i --rm` and the `-e NAME` of `env` say (see
    mapping); `-e NAME=value` adds NAME to `env`: its value is never published."""
    kept: list[str] = []
    index = 0
    while index < len(words):
        flag = words[index]
        if flag in _DOCKER_SWITCHES or "=" in flag or index + 1 == len(words):
            if flag not in _DOCKER_BASE:
                kept.append(flag)
            index += 1
            continue
        value = words[index + 1]
        name, _, assigned = value.partition("=")
        if flag in _DOCKER_ENV_FLAGS and _ENV_NAME.match(name):
            env.setdefault(name, assigned)
        else:
            kept += [flag, value]
        index += 2
    return kept


def _remote(url: str, transport: str, headers: dict[str, str], variables: _Variables) -> dict[str, Any]:
    if not _URL.match(url):
        raise NotExpressible("its URL is not an http(s) URL a remote can name")
    value, used = variables.hide(url, mask_secrets({"url": url})["url"], hint="url_secret")
    remote: dict[str, Any] = {"type": "sse" if transport == "sse" else "streamable-http", "url": value}
    if headers:
        remote["headers"] = _key_values(headers)
    if used:
        remote["variables"] = used
    return remote


def _repository(url: str | None) -> dict[str, str] | None:
    if not url or not _URL.match(url):
        return None
    host = (urlsplit(url).hostname or "").lower()
    return {"url": url, "source": _REPOSITORY_SOURCES.get(host, host or "git")}


def to_record(server: RegistryServer, namespace: str, version: str | None = None) -> dict[str, Any]:
    """The `server.json` of one registry entry (raises NotExpressible saying why it cannot be one)."""
    if server.mcp_config is None:
        raise NotExpressible("it has no mcp_config, so nothing to run")
    run = server.mcp_config.config
    variables = _Variables()
    record: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "name": server_name(namespace, server.saved_name),
        "description": _description(server),
        "version": version or record_version(server),
    }
    repository = _repository(server.source_url)
    if repository:
        record["repository"] = repository
    if isinstance(run, LocalServerConfig):
        record["packages"] = [_package(run, variables)]
    else:
        record["remotes"] = [_remote(run.url, run.transport, dict(run.headers), variables)]
    ours: dict[str, Any] = {"saved_name": server.saved_name, "server_version": server.server_version}
    if server.server_name:
        ours["server_name"] = clean(server.server_name, 200)
    if server.source_version:
        ours["source_version"] = clean(server.source_version, MAX_VERSION)
    denied = server.mcp_config.denied_tools
    if denied:
        ours["denied_tools"] = [item if isinstance(item, str) else item.to_api() for item in denied]
    record["_meta"] = {META_KEY: ours}
    return record


def _description(server: RegistryServer) -> str:
    text = clean(server.description or "", MAX_DESCRIPTION * 4)
    return cap(text, MAX_DESCRIPTION) if text else f"{server.saved_name}, from the registry"


def record_version(server: RegistryServer) -> str:
    """The record's version: the package's own (`source_version`) where it is one, else `server_version`."""
    source = (server.source_version or "").strip()
    if source and len(source) <= MAX_VERSION and source != "latest" and not _RANGE.search(source):
        return source
    return server.server_version


# --- the catalog ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    version: str
    record: dict[str, Any]
    published: datetime | None
    updated: datetime | None
    latest: bool = False

    def response(self) -> dict[str, Any]:
        """The API's `ServerResponse`: the record and the registry's facts about it."""
        official: dict[str, Any] = {"status": "active", "isLatest": self.latest}
        if self.published is not None:
            official["publishedAt"] = _timestamp(self.published)
        if self.updated is not None:
            official["updatedAt"] = _timestamp(self.updated)
        return {"server": self.record, "_meta": {OFFICIAL_META_KEY: official}}


@dataclass
class Catalog:
    entries: list[CatalogEntry] = field(default_factory=list)  # by name, then version
    left_out: list[str] = field(default_factory=list)  # 'saved_name server_version: why'
    keys: list[tuple[str, str]] = field(default_factory=list)  # (name, version) of each entry, to find a cursor


def _timestamp(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def build_catalog(servers: Iterable[RegistryServer], namespace: str) -> Catalog:
    """The records of the active `servers`, and which could not be expressed and why."""
    catalog = Catalog()
    active = [server for server in servers if server.is_active]
    taken: dict[str, int] = {}
    for server in active:
        key = f"{server.saved_name}\0{record_version(server)}"
        taken[key] = taken.get(key, 0) + 1
    built: dict[str, list[CatalogEntry]] = {}
    for server in active:
        # Two versions of one entry with the same source_version: each is named by its server_version.
        shared = taken[f"{server.saved_name}\0{record_version(server)}"] > 1
        version = server.server_version if shared else record_version(server)
        try:
            record = to_record(server, namespace, version)
        except NotExpressible as why:
            catalog.left_out.append(f"{server.saved_name} {server.server_version}: {why}")
            continue
        entry = CatalogEntry(
            name=record["name"],
            version=version,
            record=record,
            published=_aware(server.created_at),
            updated=_aware(server.updated_at or server.created_at),
        )
        built.setdefault(entry.name, []).append(entry)
    for name in sorted(built):
        versions = built[name]
        newest = max(versions, key=_newness)
        catalog.entries += [
            CatalogEntry(**{**vars(entry), "latest": entry is newest}) for entry in sorted(versions, key=_version_key)
        ]
    catalog.keys = [(entry.name, entry.version) for entry in catalog.entries]
    return catalog


def _newness(entry: CatalogEntry) -> tuple[datetime, str]:
    return entry.published or datetime.min.replace(tzinfo=UTC), entry.version


def _version_key(entry: CatalogEntry) -> str:
    return entry.version


# --- the API's queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """`GET /v0.1/servers`'s parameters, checked."""

    cursor: tuple[str, str] | None = None
    limit: int = DEFAULT_LIMIT
    search: str | None = None
    updated_since: datetime | None = None
    version: str | None = None

    @classmethod
    def read(cls, params: dict[str, str]) -> Query:
        """The query from the request's parameters; CatalogQueryError naming the one that is wrong."""
        limit = DEFAULT_LIMIT
        if params.get("limit"):
            try:
                limit = int(params["limit"])
            except ValueError:
                limit = 0
            if not 1 <= limit <= MAX_LIMIT:
                raise CatalogQueryError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
        since = None
        if params.get("updated_since"):
            try:
                since = _aware(datetime.fromisoformat(params["updated_since"].replace("Z", "+00:00")))
            except ValueError:
                raise CatalogQueryError("updated_since must be an RFC 3339 time (2025-08-07T13:15:04Z)") from None
        return cls(
            cursor=_read_cursor(params["cursor"]) if params.get("cursor") else None,
            limit=limit,
            search=params.get("search") or None,
            updated_since=since,
            version=params.get("version") or None,
        )


def _cursor(entry: CatalogEntry) -> str:
    return base64.urlsafe_b64encode(json.dumps([entry.name, entry.version]).encode()).decode().rstrip("=")


def _read_cursor(text: str) -> tuple[str, str]:
    try:
        name, version = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if isinstance(name, str) and isinstance(version, str):
            return name, version
    except (ValueError, TypeError, binascii.Error):
        pass
    raise CatalogQueryError("cursor is not one this registry gave: pass metadata.nextCursor back as it is")


def list_page(catalog: Catalog, query: Query) -> dict[str, Any]:
    """The `ServerList` answer: the entries after the cursor that pass the filters, one page of them."""
    search = query.search.casefold() if query.search else None
    page: list[CatalogEntry] = []
    more = False
    start = bisect.bisect_right(catalog.keys, query.cursor) if query.cursor is not None else 0
    for entry in itertools.islice(catalog.entries, start, None):
        if search is not None and search not in entry.name.casefold():
            continue
        if query.version == "latest" and not entry.latest:
            continue
        if query.version not in (None, "latest") and entry.version != query.version:
            continue
        if query.updated_since is not None and (entry.updated is None or entry.updated < query.updated_since):
            continue
        if len(page) == query.limit:
            more = True
            break
        page.append(entry)
    metadata: dict[str, Any] = {"count": len(page)}
    if more:
        metadata["nextCursor"] = _cursor(page[-1])
    return {"servers": [entry.response() for entry in page], "metadata": metadata}


def versions_of(catalog: Catalog, name: str) -> list[CatalogEntry]:
    """Every version of `name`, newest first."""
    return sorted((entry for entry in catalog.entries if entry.name == name), key=_newness, reverse=True)


def find(catalog: Catalog, name: str, version: str) -> CatalogEntry | None:
    """One version of `name` (`latest`: the newest)."""
    for entry in catalog.entries:
        if entry.name == name and (entry.latest if version == "latest" else entry.version == version):
            return entry
    return None


# --- the round trip ----------------------------------------------------------------------------------


def round_trip(server: RegistryServer, namespace: str) -> list[str]:
    """What entry -> server.json -> entry (`mapping.to_entry`) does not give back as it was: empty when
    the entry comes back equal. Values of env and headers never travel, so each is listed."""
    record = to_record(server, namespace)
    try:
        back = to_entry(record, saved_name=server.saved_name, server_version=server.server_version).payload
    except MappingError as failed:
        return [f"the record does not map back to an entry: {failed}"]
    before = server.to_api()
    differences = [
        f"{key}: {_shown(getattr(server, key))} comes back as {_shown(back.get(key))}"
        for key in ("saved_name", "server_version", "server_name", "description", "source_url", "source_version")
        if getattr(server, key) != back.get(key)
    ]
    was, now = (before.get("mcp_config") or {}).get("config", {}), back["mcp_config"]["config"]
    for key in ("command", "args", "url", "transport"):
        if was.get(key, _DEFAULTS.get(key)) != now.get(key, _DEFAULTS.get(key)):
            holds_secret = key in ("args", "url") and mask_secrets(was.get(key)) != was.get(key)
            shown_was = "(a value holding a secret)" if holds_secret else _shown(was.get(key))
            differences.append(f"config.{key}: {shown_was} comes back as {_shown(now.get(key))}")
    for key in ("env", "headers"):
        old, new = was.get(key) or {}, now.get(key) or {}
        if sorted(old) != sorted(new):
            differences.append(f"config.{key}: the names {sorted(old)} come back as {sorted(new)}")
        differences += [f"config.{key}.{name}: its value is not published" for name in old if name in new]
    if (before.get("mcp_config") or {}).get("denied_tools") != back["mcp_config"].get("denied_tools"):
        differences.append("mcp_config.denied_tools: not given back as they were")
    kept = ("config", "denied_tools")
    extras = sorted(key for key, value in (before.get("mcp_config") or {}).items() if key not in kept and value)
    if extras:
        differences.append(f"mcp_config: {', '.join(extras)} have no place in a server.json")
    return differences


_DEFAULTS: dict[str, Any] = {"args": [], "transport": "streamable_http"}


def _shown(value: Any) -> str:
    return cap(json.dumps(value, ensure_ascii=False), 200)

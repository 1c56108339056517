"""A public registry record (`server.json`, schema 2025-12-11) as an Enkrypt registry entry.

    mapped = to_entry(record)                    # the default choice of package or remote
    mapped = to_entry(record, use="oci")         # the caller's choice
    mapped.payload                               # an add-server payload

How each option runs:

- npm:  `npx -y <identifier>@<version>`, pypi: `uvx <identifier>==<version>` (a `runtimeHint` of
  `RUNTIME_HINTS` replaces `npx` / `uvx` / `docker`; any other is refused); the runtime's arguments
  come before the package, the package's after it;
- oci:  `docker run -i --rm [runtime arguments] [-e NAME ...] <image> [package arguments]`: each
  environment variable is passed into the container by name (`-e NAME`), its value kept in `env`;
  a runtime argument `-e NAME=value` becomes such a variable;
- a remote: its `url` (with `{variables}` filled in), `transport` and `headers`;
- nuget and mcpb packages, and packages served over HTTP, cannot be expressed (reported).

An input (an argument, a variable, a header) gets its fixed `value` (with `{name}` filled in from
its `variables`), else its `default` (reported in `defaults`); a required one with neither, or a
secret whose only value is a default (never used for a secret), gets `missing_value(name)` and is
listed in `to_supply`. Optional inputs with no value are left out and listed in `optional`.
Nothing the entry cannot say is dropped silently: it goes into `not_expressed`.

A record is untrusted: its identifier and version must follow their ecosystem's grammar, and what the
entry runs (read by `registry_mcp.registry.targets.what_runs`) must be the package alone: no inline
code or code-loading option, no other package, no shell metacharacter. Otherwise it is refused, saying why.

Why a marker rather than leaving the key out: the entry then says which variables and headers the
server needs (an `env` without the key would start the server without it, and nobody reading the
entry would know), the lint (`registry_mcp.gateway.lint`) flags every marker still in an entry, and the
marker reads as what it is, not as a credential: a gateway that passes it on makes the server fail
its authentication rather than run with a value somebody guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from registry_mcp import untrusted
from registry_mcp.errors import MappingError
from registry_mcp.registry.models import DEFAULT_SERVER_VERSION, MISSING_PREFIX, ServerPayload, saved_name_from
from registry_mcp.registry.targets import problem_with_package, split_oci, what_runs
from registry_mcp.registry.validation import describe_validation_error

MAX_TEXT = 1_000  # any one text taken from a record
MAX_DESCRIPTION = 300
# Which option is chosen when the caller does not say: a pinned package the gateway runs itself
# (npm and PyPI need no container engine), then a remote.
PREFERENCE = ("npm", "pypi", "oci")
RUNNERS = {"npm": "npx", "pypi": "uvx", "oci": "docker"}
# The runners a record's `runtimeHint` may name, by package type (the default first): anything else
# would make the entry run something other than the package.
RUNTIME_HINTS = {"npm": ("npx", "bunx"), "pypi": ("uvx",), "oci": ("docker", "podman")}
DEFAULT_PACKAGE_REGISTRIES = {
    "npm": "https://registry.npmjs.org",
    "pypi": "https://pypi.org",
}
_DOCKER_BASE = ("run", "-i", "--rm")
_DOCKER_ENV_FLAGS = ("-e", "--env")
_ENV_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TRANSPORTS = {"streamable-http": "streamable_http", "sse": "sse"}


def missing_value(name: str) -> str:
    """The marker that stands where a value must still be supplied."""
    return f"{MISSING_PREFIX}{name}>"


# --- the record, read leniently (unknown keys are kept, and ignored) ------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Input(_Record):
    description: str | None = None
    isRequired: bool = False
    isSecret: bool = False
    format: str | None = None
    value: str | None = None
    default: str | None = None
    choices: list[str] | None = None
    variables: dict[str, Input] | None = None


class Argument(Input):
    type: Literal["positional", "named"]
    name: str | None = None
    valueHint: str | None = None
    isRepeated: bool = False


class KeyValue(Input):
    name: str


class Transport(_Record):
    type: str
    url: str | None = None
    headers: list[KeyValue] | None = None
    variables: dict[str, Input] | None = None


class Package(_Record):
    registryType: str
    identifier: str
    version: str | None = None
    registryBaseUrl: str | None = None
    fileSha256: str | None = None
    runtimeHint: str | None = None
    transport: Transport | None = None
    runtimeArguments: list[Argument] | None = None
    packageArguments: list[Argument] | None = None
    environmentVariables: list[KeyValue] | None = None


class Repository(_Record):
    url: str | None = None
    subfolder: str | None = None


class ServerRecord(_Record):
    name: str
    description: str | None = None
    title: str | None = None
    version: str | None = None
    repository: Repository | None = None
    packages: list[Package] | None = None
    remotes: list[Transport] | None = None

    @classmethod
    def read(cls, document: Any) -> ServerRecord:
        """A record from its JSON document, cleaned of control, zero-width and bidi characters."""
        try:
            return cls.model_validate(clean(document))
        except ValidationError as invalid:
            problems = "; ".join(describe_validation_error(invalid))
            raise MappingError(f"The record is not a server.json: {problems}") from None

    def options(self) -> list[str]:
        """Every way to run the server, as `packages[i] (type)` and `remotes[i] (transport)`."""
        return [f"packages[{i}] ({package.registryType})" for i, package in enumerate(self.packages or [])] + [
            f"remotes[{i}] ({remote.type})" for i, remote in enumerate(self.remotes or [])
        ]


# --- what the mapping gives back ---------------------------------------------------------------------


@dataclass(frozen=True)
class ToSupply:
    """A value the person must give before the server can run."""

    where: str  # 'env', 'headers', 'args' or 'url'
    name: str
    secret: bool
    description: str | None = None
    choices: list[str] | None = None


@dataclass
class Mapped:
    payload: dict[str, Any]
    chosen: str
    why: str
    others: list[str]
    to_supply: list[ToSupply] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)
    not_expressed: list[str] = field(default_factory=list)


# --- the mapping ----------------------------------------------------------------------------------


def to_entry(
    document: Any,
    *,
    use: str | None = None,
    saved_name: str | None = None,
    server_version: str = DEFAULT_SERVER_VERSION,
) -> Mapped:
    """The add-server payload for a public registry record, and what the mapping chose, filled in,
    left out and could not say. `use` picks the option: a registry type (`npm`, `pypi`, `oci`), a
    remote transport (`streamable-http`, `sse`), or `packages[i]` / `remotes[i]`."""
    record = ServerRecord.read(document)
    index, why = _choose(record, use)
    options = record.options()
    mapped = Mapped(payload={}, chosen=options[index], why=why, others=options[:index] + options[index + 1 :])
    packages = record.packages or []
    if index < len(packages):
        package = packages[index]
        config = _local(package, mapped)
        source_version = package.version or record.version
    else:
        config = _remote((record.remotes or [])[index - len(packages)], mapped)
        source_version = record.version
    payload: dict[str, Any] = {
        "saved_name": saved_name or derive_saved_name(record.name),
        "server_version": server_version,
        "server_name": record.name,
        "mcp_config": {"config": config},
    }
    if record.description:
        payload["description"] = record.description[:MAX_DESCRIPTION]
    if record.repository is not None and record.repository.url:
        payload["source_url"] = record.repository.url
    if source_version:
        payload["source_version"] = source_version
    try:
        mapped.payload = ServerPayload.model_validate(payload).to_api()
    except ValidationError as invalid:
        raise MappingError(
            f"{mapped.chosen} does not make a valid entry: " + "; ".join(describe_validation_error(invalid))
        ) from None
    return mapped


def derive_saved_name(name: str) -> str:
    """A valid saved_name from a record's name: its last part (`registry.models.saved_name_from`)."""
    return saved_name_from(name.rsplit("/", 1)[-1])


def _choose(record: ServerRecord, use: str | None) -> tuple[int, str]:
    packages, remotes = record.packages or [], record.remotes or []
    options = record.options()
    if not options:
        raise MappingError(f"'{record.name}' publishes no package and no remote, so there is nothing to run.")
    if use is not None:
        for index, option in enumerate(options):
            kind = option.split(" ")[1].strip("()")
            if use in (option.split(" ")[0], kind):
                if index < len(packages) and not _runnable(packages[index]):
                    raise MappingError(_cannot_run(packages[index], option) + f" Choose one of: {', '.join(options)}.")
                return index, "as asked"
        raise MappingError(f"'{record.name}' offers no '{use}'. It offers: {', '.join(options)}.")
    for kind in PREFERENCE:
        for index, package in enumerate(packages):
            if package.registryType == kind and _runnable(package):
                why = (
                    "the first package the gateway can run itself, in the order npm, pypi, oci"
                    if len(options) > 1
                    else "the only option"
                )
                return index, why
    if remotes:
        return len(packages), "no package the gateway can run itself, so the first remote"
    reasons = "; ".join(_cannot_run(package, options[i]) for i, package in enumerate(packages))
    raise MappingError(f"No option of '{record.name}' can be expressed as an entry: {reasons}")


def _runnable(package: Package) -> bool:
    transport = package.transport.type if package.transport is not None else "stdio"
    return package.registryType in RUNNERS and transport == "stdio"


def _cannot_run(package: Package, option: str) -> str:
    if package.registryType not in RUNNERS:
        return (
            f"{option}: a package of type {package.registryType}, which an entry cannot say how to fetch and start "
            "(only npm, pypi and oci are expressed)"
        )
    return (
        f"{option}: a package serving {package.transport.type if package.transport else '?'}, which an entry "
        "cannot express (a command and a URL at once)"
    )


def _local(package: Package, mapped: Mapped) -> dict[str, Any]:
    kind, runner = package.registryType, RUNNERS[package.registryType]
    command = package.runtimeHint or runner
    if command not in RUNTIME_HINTS[kind]:
        raise MappingError(
            f"{mapped.chosen}: runtimeHint {command!r} is not a runner of {kind} packages "
            f"({', '.join(RUNTIME_HINTS[kind])}), so the entry would run something else than the package"
        )
    problem = problem_with_package(kind, package.identifier, package.version if kind != "oci" else None)
    if problem is not None:
        raise MappingError(f"{mapped.chosen}: {problem}")
    env: dict[str, str] = {}
    for variable in package.environmentVariables or []:
        value = _resolve(variable, variable.name, "env", mapped)
        if value is not None:
            env[variable.name] = value
    runtime = _arguments(package.runtimeArguments or [], "runtimeArguments", mapped)
    after = _arguments(package.packageArguments or [], "packageArguments", mapped)
    if kind == "oci":
        args = list(_DOCKER_BASE)
        args += _docker_runtime(runtime, package.identifier, env, mapped)
        args += [token for name in env for token in ("-e", name)]
        args.append(package.identifier)
    else:
        reference = package.identifier
        if package.version:
            reference += ("@" if kind == "npm" else "==") + package.version
        else:
            mapped.not_expressed.append(f"{mapped.chosen} names no version, so the entry runs whatever is newest")
        runtime_tokens = [token for argument in runtime for token in argument]
        yes = ["-y"] if command == "npx" and not {"-y", "--yes"} & set(runtime_tokens) else []
        args = [*yes, *runtime_tokens, reference]
    args += [token for argument in after for token in argument]
    if package.registryBaseUrl and package.registryBaseUrl.rstrip("/") != DEFAULT_PACKAGE_REGISTRIES.get(kind):
        mapped.not_expressed.append(
            f"registryBaseUrl {package.registryBaseUrl}: the package comes from that registry, but {command} "
            "fetches from its configured one; configure it where the gateway runs"
        )
    if package.fileSha256:
        mapped.not_expressed.append("fileSha256: the entry cannot make the gateway check the package's hash")
    _runs_only_the_package(command, args, package, mapped)
    config: dict[str, Any] = {"command": command, "args": args}
    if env:
        config["env"] = env
    return config


def _runs_only_the_package(command: str, args: list[str], package: Package, mapped: Mapped) -> None:
    """Refuse arguments that make the entry run something besides the package: inline code or
    code-loading options, another package, shell metacharacters (`registry.targets.what_runs`)."""
    runs = what_runs(command, args)
    expected = split_oci(package.identifier)[0] if package.registryType == "oci" else package.identifier
    if runs.code:
        raise MappingError(f"{mapped.chosen}: the entry runs code besides the package ({'; '.join(runs.code)})")
    if runs.package != expected:
        raise MappingError(f"{mapped.chosen}: its arguments make the entry run {runs.package!r}, not the package")
    if runs.metacharacters:
        raise MappingError(
            f"{mapped.chosen}: arguments hold shell metacharacters, which run commands where the runner is started "
            f"through a shell: {', '.join(repr(arg) for arg in runs.metacharacters)}"
        )


def _docker_runtime(runtime: list[list[str]], image: str, env: dict[str, str], mapped: Mapped) -> list[str]:
    """The runtime arguments that `docker run -i --rm ... <image>` does not already say; `-e NAME=value`
    becomes an environment variable passed by name, so its value stays in `env`."""
    repository = image.split("@", 1)[0]  # without its digest, then without its tag
    if ":" in repository.rsplit("/", 1)[-1]:
        repository = repository.rsplit(":", 1)[0]
    kept: list[str] = []
    for argument in runtime:
        if argument[0] in _DOCKER_ENV_FLAGS and len(argument) == 2 and (match := _ENV_ASSIGNMENT.match(argument[1])):
            name, value = match.groups()
            # What is still to be supplied is now this variable, named as such.
            for index, wanted in enumerate(mapped.to_supply):
                if missing_value(wanted.name) == value:
                    mapped.to_supply[index] = replace(wanted, where="env", name=name)
                    value = missing_value(name)
            env.setdefault(name, value)
            continue
        if argument in (["run"], ["-i"], ["--interactive"], ["--rm"], [image], [repository]):
            continue  # already said by `docker run -i --rm <image>`
        kept += argument
    return kept


def _arguments(arguments: list[Argument], where: str, mapped: Mapped) -> list[list[str]]:
    """Each argument's command-line tokens (positional: [value]; named: [name, value] or a bare flag)."""
    rendered = []
    for index, argument in enumerate(arguments):
        label = argument.valueHint or argument.name or f"{where}[{index}]"
        if argument.type == "named" and argument.name is None:
            mapped.not_expressed.append(f"{where}[{index}]: a named argument without a name, left out")
            continue
        value = _resolve(argument, label, "args", mapped)
        if argument.isRepeated:
            mapped.optional.append(f"{label}: may be repeated; given once (add more to args with modify)")
        if argument.type == "positional":
            if value is not None:
                rendered.append([value])
        elif argument.format == "boolean" and value in ("true", "false"):
            if value == "true":
                rendered.append([str(argument.name)])
        elif value is not None:
            rendered.append([str(argument.name), value])
    return rendered


def _resolve(item: Input, label: str, where: str, mapped: Mapped) -> str | None:
    """The value an input gets in the entry (None: left out), recording defaults and what is missing."""
    if item.value is not None:
        return _VARIABLE.sub(lambda match: _variable(item, match, where, mapped), item.value)
    if item.default is not None and not item.isSecret:
        mapped.defaults.append(f"{label} = {item.default!r} (the published default)")
        return item.default
    if item.isRequired or (item.isSecret and item.default is not None):
        mapped.to_supply.append(ToSupply(where, label, item.isSecret, item.description, item.choices))
        return missing_value(label)
    mapped.optional.append(f"{label}: optional, left out" + (f" ({item.description})" if item.description else ""))
    return None


def _variable(item: Input, match: re.Match[str], where: str, mapped: Mapped) -> str:
    name = match.group(1)
    variable = (item.variables or {}).get(name)
    if variable is None:
        return match.group(0)  # the format says: a name not in `variables` stays as it is
    resolved = _resolve(variable, name, where, mapped)
    return match.group(0) if resolved is None else resolved


def _remote(remote: Transport, mapped: Mapped) -> dict[str, Any]:
    transport = _TRANSPORTS.get(remote.type)
    if transport is None or not remote.url:
        raise MappingError(f"{mapped.chosen}: a remote of type '{remote.type}' cannot be expressed")
    url = _resolve(Input(value=remote.url, variables=remote.variables), "url", "url", mapped) or remote.url
    headers: dict[str, str] = {}
    for header in remote.headers or []:
        value = _resolve(header, header.name, "headers", mapped)
        if value is not None:
            headers[header.name] = value
    config: dict[str, Any] = {"url": url, "transport": transport}
    if headers:
        config["headers"] = headers
    return config


# --- text from the public registry is untrusted ----------------------------------------------------


def clean(value: Any) -> Any:
    """A copy of a JSON value with every text (keys too) cleaned of control, zero-width and bidi
    characters and cut to `MAX_TEXT` (`registry_mcp.untrusted.clean`)."""
    if isinstance(value, str):
        return untrusted.clean(value, MAX_TEXT)
    if isinstance(value, dict):
        return {untrusted.clean(str(key), MAX_TEXT): clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value

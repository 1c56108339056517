"""The tool that finds servers in the official MCP Registry and registers them from their records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, WithJsonSchema

from registry_mcp.errors import LocalRefusal
from registry_mcp.gateway.lint import Finding, lint_servers
from registry_mcp.mcp.arguments import CLOSED
from registry_mcp.mcp.results import SUMMARY_TEXT_LIMIT, ToolResult, fewer_items
from registry_mcp.mcp.toolkit import ToolCall, registry_tool
from registry_mcp.packages.facts import PackageFacts, facts_of_payloads
from registry_mcp.public_registry import MappingError, NotInPublicRegistry, PublicRegistry, missing_value, to_entry
from registry_mcp.public_registry.mapping import Mapped
from registry_mcp.registry.models import MISSING_VALUE, RegistryModel, SavedName, ServerPayload
from registry_mcp.untrusted import clean
from registry_mcp.wording import counted

HITS_PER_SEARCH = 5
VERSIONS_SHOWN = 10

SearchText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class PublicServerChoice(RegistryModel):
    model_config = CLOSED

    name: str = Field(min_length=3, max_length=200, description="Its exact public name, as a search shows it.")
    version: str = Field(default="latest", min_length=1, max_length=255)
    use: str | None = Field(
        default=None,
        max_length=40,
        description="npm, pypi, oci, streamable-http, sse, packages[i] or remotes[i]. Default: npm, pypi, oci, "
        "then a remote.",
    )
    saved_name: SavedName | None = Field(default=None, description="Default: the last part of name.")


class PublicRegistryArguments(RegistryModel):
    model_config = CLOSED

    search: list[SearchText] | None = Field(
        default=None, min_length=1, max_length=5, description="Texts to look for in server names, one search each."
    )
    servers: list[PublicServerChoice] | None = Field(
        default=None, min_length=1, max_length=20, description="Servers to turn into registry entries."
    )
    confirm: bool = Field(
        default=False,
        description="With servers: true registers them, once the person saw the dry run and agreed.",
    )


class PublicServer(BaseModel):
    name: str
    version: str | None = None
    description: str | None = None
    offers: list[str] = Field(description="Its packages' types and its remotes.")


class ValueToSupply(BaseModel):
    where: str = Field(description="env, headers, args or url.")
    name: str
    secret: bool
    description: str | None = None
    choices: list[str] | None = None


class PublicEntry(BaseModel):
    name: str
    versions: list[str] = Field(description="Its published versions, newest first (up to 10).")
    chosen: str
    why: str
    others: list[str] | None = None
    entry: dict[str, Any] = Field(description="The add-server payload (secrets masked).")
    to_supply: list[ValueToSupply] | None = Field(default=None, description="Values only the person can give.")
    supply_with: str | None = Field(default=None, description="The modify_registry_server call that sets them.")
    defaults: list[str] | None = Field(default=None, description="Published defaults filled in.")
    optional: list[str] | None = Field(default=None, description="Left out, or given once where repeatable.")
    not_expressed: list[str] | None = Field(default=None, description="What the entry cannot say.")
    package: Annotated[PackageFacts | None, WithJsonSchema({"type": "object"}, mode="serialization")] = Field(
        default=None, description="The package, as its registry describes it (a dry run's look)."
    )


class PublicRegistryResult(ToolResult):
    found: list[PublicServer] | None = None
    entries: list[PublicEntry] | None = None
    problems: list[str] | None = Field(default=None, description="Servers that could not become entries, and why.")
    registered: bool | None = None
    warnings: list[Finding] | None = None
    note: str | None = None

    def smaller(self) -> Iterator[PublicRegistryResult]:
        field = "entries" if self.entries else "found"
        return fewer_items(self, field, "ask for fewer at a time.")


@registry_tool(
    title="Find and register servers from the public MCP Registry",
    hint="search the official MCP Registry and register its servers from their published records.",
    read_only=False,
)
async def use_public_registry(args: PublicRegistryArguments, call: ToolCall) -> PublicRegistryResult:
    """Search the official MCP Registry, or turn its servers into registry entries. Secrets are never
    invented: to_supply lists what to ask for."""
    if (args.search is None) == (args.servers is None):
        raise LocalRefusal("Give either search (texts to look for) or servers (names to register), not both.")
    async with call.open_public_registry() as public:
        if args.search is not None:
            return await _search(args.search, public, call)
        entries, payloads, problems = await _entries(args.servers or [], public)
    warnings = lint_servers(payloads)
    note = None
    if not args.confirm and call.settings.package_sources is not None:
        facts, found, note = await facts_of_payloads(payloads, call.settings.package_sources)
        entries = [entry.model_copy(update={"package": package}) for entry, package in zip(entries, facts, strict=True)]
        warnings += found
    unsupplied = sum(len(entry.to_supply or []) for entry in entries)
    ask = (
        f" {counted(unsupplied, 'value')} must come from the person (to_supply): ask for them, never guess, and set "
        "them with modify_registry_server as supply_with shows"
        + (
            '; a secret can be given as {"from_env": "NAME"} or {"from_file": "PATH"}, read here without passing '
            "through the conversation."
            if not call.over_http
            else "."
        )
        if unsupplied
        else ""
    )
    skipped = f" {len(problems)} could not become entries (see problems)." if problems else ""
    registered = args.confirm and bool(payloads)
    if registered:
        servers = await call.registry.bulk_add_servers([payload.to_api() for payload in payloads])
        message = f"Registered {counted(len(servers), 'server')}.{skipped}{ask}"
    else:
        message = (
            f"Dry run: {counted(len(payloads), 'entry', 'entries')} ready to register; nothing was written.{skipped}"
            f"{ask} Show them to the person, and once they agree call again with confirm: true."
        )
    return PublicRegistryResult(
        message=message,
        registry=call.registry_info,
        entries=entries,
        problems=problems or None,
        registered=registered,
        warnings=warnings or None,
        note=note,
    )


async def _search(texts: list[str], public: PublicRegistry, call: ToolCall) -> PublicRegistryResult:
    found: list[PublicServer] = []
    for text in texts:
        hits = [hit["server"] for hit in await public.search(text)]
        hits.sort(key=lambda server: _rank(str(server.get("name", "")), text))
        found += [_summary(server) for server in hits[:HITS_PER_SEARCH]]
    return PublicRegistryResult(
        message=f"{counted(len(found), 'server')} found in the public registry at {public.base_url}. To register "
        "some, call again with servers: [{name}] (a dry run first).",
        registry=call.registry_info,
        found=found,
    )


def _rank(name: str, text: str) -> tuple[int, int]:
    """Best first: the name's last part is the text, starts with it, holds it; then shorter names."""
    last, text = name.rsplit("/", 1)[-1].lower(), text.lower()
    closeness = 0 if last == text else 1 if last.startswith(text) else 2 if text in last else 3
    return closeness, len(name)


def _summary(server: dict[str, Any]) -> PublicServer:
    offers = [str(package.get("registryType")) for package in _dicts(server.get("packages"))]
    offers += [f"remote ({remote.get('type')})" for remote in _dicts(server.get("remotes"))]
    description = server.get("description")
    return PublicServer(
        name=clean(str(server.get("name")), 200),
        version=clean(str(server["version"]), 100) if server.get("version") else None,
        description=clean(description, SUMMARY_TEXT_LIMIT) if isinstance(description, str) else None,
        offers=[clean(offer, 40) for offer in offers],
    )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


async def _entries(
    choices: list[PublicServerChoice], public: PublicRegistry
) -> tuple[list[PublicEntry], list[ServerPayload], list[str]]:
    entries, payloads, problems = [], [], []
    for choice in choices:
        try:
            record = (await public.get(choice.name, choice.version))["server"]
            versions = [str(found["server"].get("version")) for found in await public.versions(choice.name)]
            mapped = to_entry(record, use=choice.use, saved_name=choice.saved_name)
        except (NotInPublicRegistry, MappingError) as failed:
            problems.append(f"{clean(choice.name, 200)}: {str(failed).rstrip('.')}.")
            continue
        payloads.append(ServerPayload.model_validate(mapped.payload))
        entries.append(_entry(choice.name, versions, mapped))
    return entries, payloads, problems


def _entry(name: str, versions: list[str], mapped: Mapped) -> PublicEntry:
    return PublicEntry(
        name=name,
        versions=[clean(version, 100) for version in versions[:VERSIONS_SHOWN]],
        chosen=mapped.chosen,
        why=mapped.why,
        others=mapped.others or None,
        entry=mapped.payload,
        to_supply=[ValueToSupply(**vars(wanted)) for wanted in mapped.to_supply] or None,
        supply_with=_supply_with(mapped) if mapped.to_supply else None,
        defaults=mapped.defaults or None,
        optional=mapped.optional or None,
        not_expressed=mapped.not_expressed or None,
    )


def _supply_with(mapped: Mapped) -> str:
    """The follow-up call: every part of `config` that holds a value still to be supplied."""
    config = mapped.payload["mcp_config"]["config"]
    changes: dict[str, Any] = {}
    for key in ("env", "headers"):
        marked = {name: value for name, value in config.get(key, {}).items() if MISSING_VALUE.search(value)}
        if marked:
            changes[key] = marked
    for key in ("args", "url"):
        if MISSING_VALUE.search(json.dumps(config.get(key, ""))):
            changes[key] = config[key]  # lists are replaced whole by a modify
    call = {
        "saved_name": mapped.payload["saved_name"],
        "server_version": mapped.payload["server_version"],
        "mcp_config": {"config": changes},
    }
    example = missing_value("NAME")
    return f"modify_registry_server {json.dumps(call)} with each {example} replaced by the value the person gives"

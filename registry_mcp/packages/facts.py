"""The facts of the package an entry runs, from its registry and OSV, and the warnings they call for.

    facts = await facts_of(config, sources)   # None when the command runs no package
    warnings = facts_findings(facts)          # a missing, deprecated, yanked or vulnerable version; unpinned
    package, notes = await package_pin(config, sources)   # what a pin records: one exact version

Every lookup is bounded (`PackageSources.timeout`, `.max_bytes`) and tried once: a registry that
cannot be reached, or answers with something unreadable, becomes a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
import httpx2
from pydantic import BaseModel, Field

from registry_mcp.errors import ImageNotFound, RegistryError, ServerNotFound
from registry_mcp.gateway.lint import Finding
from registry_mcp.packages import npm, oci, pypi
from registry_mcp.packages.sources import PackageSources
from registry_mcp.packages.spec import PackagePin, PackageRef, package_of, pinned_args
from registry_mcp.packages.versions import Release
from registry_mcp.registry.client import RegistryClient
from registry_mcp.registry.models import LocalServerConfig, RemoteServerConfig, ServerPayload
from registry_mcp.registry.retries import NO_RETRIES
from registry_mcp.untrusted import clean
from registry_mcp.urls import without_credentials

PARALLEL = 4  # lookups at once when many entries are looked up
LOOKUPS_AT_MOST = 50  # distinct packages looked up for one import or public-registry call
VULNERABILITIES_SHOWN = 10
_OSV_ECOSYSTEMS = {"npm": "npm", "pypi": "PyPI"}


class PackageFacts(BaseModel):
    """The package an entry runs, as its registry describes it."""

    package: str = Field(description="npm, pypi or oci, and its name.")
    asked: str | None = Field(default=None, description="The version or range the command names.")
    version: str | None = Field(default=None, description="The version looked at: the one named, else the latest.")
    exists: bool | None = None
    published: str | None = None
    latest: str | None = None
    deprecated: str | None = None
    yanked: str | None = None
    integrity: str | None = Field(default=None, description="npm dist.integrity.")
    files: dict[str, str] | None = Field(default=None, description="PyPI: each file's sha256.")
    provenance: bool | None = Field(default=None, description="npm provenance or PEP 740 attestations.")
    vulnerabilities: list[str] | None = Field(default=None, description="Known in OSV: id and summary.")
    pinned_args: list[str] | None = Field(default=None, description="The args that pin the version looked at.")
    notes: list[str] = Field(default_factory=list)

    def pin(self) -> PackagePin | None:
        """The exact version a pin records, where the registry named one."""
        registry, _, name = self.package.partition(" ")
        if registry not in ("npm", "pypi", "oci") or not self.exists:
            return None
        return PackagePin.model_validate(
            {"registry": registry, "name": name, "version": self.version, "integrity": self.integrity}
            | {"files": self.files or None, "digest": self.version if registry == "oci" else None}
        )


Command = tuple[PackageRef, list[str]]  # the package a command runs, and the command's arguments


def command_of(config: LocalServerConfig | RemoteServerConfig | None) -> Command | None:
    ref = package_of(config)
    return (ref, list(config.args or [])) if ref is not None and isinstance(config, LocalServerConfig) else None


async def facts_of(config: LocalServerConfig | RemoteServerConfig, sources: PackageSources) -> PackageFacts | None:
    """The facts of the package `config` runs, from its registry; None when it runs none."""
    command = command_of(config)
    return await look_up(*command, sources) if command is not None else None


async def facts_of_payloads(
    payloads: Sequence[ServerPayload], sources: PackageSources
) -> tuple[list[PackageFacts | None], list[Finding], str | None]:
    """`facts_of` each payload's command (each distinct package looked up once), the findings they call
    for, fields starting 'servers[i].', and a note of what was not looked up."""
    commands = [command_of(payload.mcp_config.config if payload.mcp_config else None) for payload in payloads]
    return await facts_of_commands(commands, sources)


async def package_pin(
    config: LocalServerConfig | RemoteServerConfig, sources: PackageSources | None
) -> tuple[PackagePin | None, list[str]]:
    """What a pin records of what `config` runs: a remote's URL (no credentials), or the package at the
    exact version its registry names (looked up where `sources` are given), and the lookup's notes."""
    if isinstance(config, RemoteServerConfig):
        return PackagePin(registry="remote", url=without_credentials(config.url)), []
    ref = package_of(config)
    if ref is None:
        return None, []
    notes: list[str] = []
    if sources is not None:
        facts = await look_up(ref, list(config.args or []), sources)
        if (found := facts.pin()) is not None:
            return found, facts.notes
        notes = facts.notes
    return PackagePin(registry=ref.ecosystem, name=ref.name, version=ref.exact_version, digest=ref.digest), notes


async def look_up(ref: PackageRef, args: list[str], sources: PackageSources) -> PackageFacts:
    """The facts of the package `ref` that a command with `args` runs."""
    facts = PackageFacts(package=f"{ref.ecosystem} {ref.name}", asked=ref.asked)
    if ref.ecosystem == "oci":
        return await _image_facts(ref, args, facts, sources)
    release = await _release(ref, sources, facts.notes)
    if release is None:
        return facts
    facts.version, facts.exists, facts.latest = release.version, release.exists, release.latest
    facts.published, facts.deprecated, facts.yanked = release.published, release.deprecated, release.yanked
    facts.integrity, facts.files, facts.provenance = release.integrity, release.files or None, release.provenance
    if release.exists and release.version:
        if not ref.exact:
            facts.pinned_args = pinned_args(args, ref, release.version)
        facts.vulnerabilities = await _vulnerabilities(ref, release.version, sources, facts.notes)
    return facts


async def look_up_all(wanted: Sequence[Command | None], sources: PackageSources) -> list[PackageFacts | None]:
    """`look_up` of each (package, args), `PARALLEL` at a time, in their order."""
    found: list[PackageFacts | None] = [None] * len(wanted)
    limiter = anyio.CapacityLimiter(PARALLEL)

    async def one(index: int, ref: PackageRef, args: list[str]) -> None:
        async with limiter:
            found[index] = await look_up(ref, args, sources)

    async with anyio.create_task_group() as group:
        for index, item in enumerate(wanted):
            if item is not None:
                group.start_soon(one, index, *item)
    return found


async def facts_of_commands(
    commands: Sequence[Command | None],
    sources: PackageSources,
    *,
    limit: int = LOOKUPS_AT_MOST,
) -> tuple[list[PackageFacts | None], list[Finding], str | None]:
    """The facts of the package each command runs (given as its package and args; None for none),
    the first `limit` distinct packages looked up once each; the findings they call for (fields start
    'servers[i].'); and a note of what was not looked up."""
    first: dict[PackageRef, int] = {}
    for index, command in enumerate(commands):
        if command is not None and command[0] not in first and len(first) < limit:
            first[command[0]] = index
    chosen = set(first.values())
    looked = await look_up_all([c if i in chosen else None for i, c in enumerate(commands)], sources)
    by_ref = {ref: looked[index] for ref, index in first.items()}
    facts: list[PackageFacts | None] = []
    findings: list[Finding] = []
    for index, command in enumerate(commands):
        found = by_ref.get(command[0]) if command is not None else None
        if found is not None and command is not None and index not in chosen:
            # The same package in another entry: its own arguments pin it.
            args = None
            if found.pinned_args is not None and found.version:
                args = pinned_args(command[1], command[0], found.version)
            found = found.model_copy(update={"pinned_args": args})
        facts.append(found)
        findings += [
            finding.model_copy(update={"field": f"servers[{index}].{finding.field}"})
            for finding in facts_findings(found)
        ]
    distinct = {command[0] for command in commands if command is not None}
    note = f"only the first {limit} of {len(distinct)} packages were looked up" if len(distinct) > limit else None
    return facts, findings, note


def facts_findings(facts: PackageFacts | None, field: str = "mcp_config.config.args") -> list[Finding]:
    """What in the facts will bite: a version missing, deprecated, yanked or vulnerable; no pin."""
    if facts is None:
        return []
    found: list[Finding] = []
    what = f"{facts.package}{' ' + facts.version if facts.version else ''}"
    if facts.exists is False:
        found.append(
            Finding(
                field=field,
                problem=f"{facts.package} has no version {facts.asked or facts.version or ''} in its registry".strip(),
                advice=f"name a published version (the latest is {facts.latest})" if facts.latest else "check the name",
            )
        )
    if facts.deprecated:
        found.append(
            Finding(field=field, problem=f"{what} is deprecated: {facts.deprecated}", advice="use another version")
        )
    if facts.yanked:
        found.append(Finding(field=field, problem=f"{what} was yanked: {facts.yanked}", advice="use another version"))
    if facts.vulnerabilities:
        found.append(
            Finding(
                field=field,
                problem=f"{what} has known vulnerabilities: {'; '.join(facts.vulnerabilities)}",
                advice="use a version without them (see osv.dev)",
            )
        )
    if facts.pinned_args is not None:
        found.append(
            Finding(
                field=field,
                problem=f"the command does not name one version of {facts.package}, so each launch may run "
                "another (whatever is newest)",
                advice=f"pin it: args {facts.pinned_args}",
            )
        )
    elif facts.package.startswith("oci") and facts.version is None:
        found.append(
            Finding(field=field, problem="the image is named by tag, which can be moved", advice="name it @sha256:…")
        )
    return found


async def _image_facts(ref: PackageRef, args: list[str], facts: PackageFacts, sources: PackageSources) -> PackageFacts:
    """An image named by digest is exact; one named by tag gets the digest the tag points to now."""
    if ref.digest:
        facts.exists, facts.version = True, ref.digest
        return facts
    tag = ref.asked or "latest"
    try:
        digest = await oci.digest_of(ref.name, tag, seconds=sources.timeout)
    except ImageNotFound:
        facts.exists = False
        return facts
    except (httpx2.HTTPError, ValueError) as failure:
        facts.notes.append(f"the registry of {ref.name} could not be asked ({clean(type(failure).__name__, 60)})")
        return facts
    if digest is None:
        facts.notes.append(f"the registry of {ref.name} did not say which digest {tag} points to")
        return facts
    facts.exists, facts.version = True, digest
    facts.pinned_args = pinned_args(args, ref, digest)
    return facts


async def _release(ref: PackageRef, sources: PackageSources, notes: list[str]) -> Release | None:
    base = sources.npm if ref.ecosystem == "npm" else sources.pypi
    where = f"the {'npm registry' if ref.ecosystem == 'npm' else 'package index'} at {without_credentials(base)}"
    path = npm.packument_path(ref.name) if ref.ecosystem == "npm" else pypi.project_path(ref.name)
    headers = {"Accept": "application/json" if ref.ecosystem == "npm" else pypi.ACCEPT}
    try:
        async with _client(base, sources) as client:
            body = await client.get_json(path, f"look up {ref.name}", headers=headers)
    except ServerNotFound:
        return Release(version=ref.exact_version, exists=False)
    except (RegistryError, ValueError) as failure:
        notes.append(f"{where} could not be asked ({_why(failure)}); the package was not checked")
        return None
    return npm.release(ref, body) if ref.ecosystem == "npm" else pypi.release(ref, body)


async def _vulnerabilities(
    ref: PackageRef, version: str, sources: PackageSources, notes: list[str]
) -> list[str] | None:
    if sources.osv is None:
        return None
    query = {"version": version, "package": {"name": ref.name, "ecosystem": _OSV_ECOSYSTEMS[ref.ecosystem]}}
    try:
        async with _client(sources.osv, sources) as client:
            body = await client.query_json("/v1/query", f"ask OSV about {ref.name}", query)
    except (RegistryError, ValueError) as failure:
        notes.append(f"OSV at {without_credentials(sources.osv)} could not be asked ({_why(failure)})")
        return None
    vulns = body.get("vulns") if isinstance(body, dict) else None
    listed = [_vulnerability(item) for item in vulns or [] if isinstance(item, dict) and item.get("id")]
    more = [f"and {len(listed) - VULNERABILITIES_SHOWN} more"] if len(listed) > VULNERABILITIES_SHOWN else []
    return listed[:VULNERABILITIES_SHOWN] + more


def _vulnerability(item: dict[str, Any]) -> str:
    summary = item.get("summary")
    shown = clean(str(item["id"]), 60)
    return f"{shown}: {clean(summary, 160)}" if isinstance(summary, str) and summary else shown


def _client(base_url: str, sources: PackageSources) -> RegistryClient:
    return RegistryClient(
        base_url=base_url,
        timeout=sources.timeout,
        connect_timeout=min(5.0, sources.timeout),
        max_response_bytes=sources.max_bytes,
        retry=NO_RETRIES,
    )


def _why(failure: Exception) -> str:
    if isinstance(failure, RegistryError):
        said = failure.message.split(": ", 1)[-1]
        return clean(f"{said}, HTTP {failure.status}" if failure.status else said, 200)
    return clean(str(failure), 200)

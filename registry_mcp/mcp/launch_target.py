"""What a registry entry's command runs, as the package the tools look up and a pin records.

    package_of(LocalServerConfig(command="npx", args=["-y", "pkg@1.2.3"]))   # PackageRef("npm", "pkg", "1.2.3")

One call decides which package a command runs, `_launched`: today `registry_mcp.importing.commands`
(`npx`, `bunx`, `pnpm`/`yarn dlx`, `uvx`, `pipx run`) with `registry_mcp.packages.image_in`
(`docker`/`podman run`). It sits here, above both the importing and the servers layers, so that it can
switch to the launch-target rule of `registry_mcp.servers` in one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from registry_mcp.gateway.lint import Finding
from registry_mcp.importing.commands import launched
from registry_mcp.packages import (
    PackageFacts,
    PackagePin,
    PackageRef,
    PackageSources,
    facts_of_commands,
    image_in,
    look_up,
    ref_in,
)
from registry_mcp.registry.models import LocalServerConfig, RemoteServerConfig, ServerPayload
from registry_mcp.urls import without_credentials

Command = tuple[PackageRef, list[str]]  # the package a command runs, and the command's arguments


def _launched(command: str, args: list[str]) -> PackageRef | None:
    """The one place that says which package a command line runs."""
    launch = launched(command, args)
    if launch.registry is None:
        return image_in(command, args)
    return ref_in(args, launch.registry, launch.name)


def package_of(config: LocalServerConfig | RemoteServerConfig) -> PackageRef | None:
    """The package a local entry's command runs; None for a remote server or a plain program."""
    if isinstance(config, RemoteServerConfig):
        return None
    return _launched(config.command, list(config.args or []))


def command_of(config: LocalServerConfig | RemoteServerConfig | None) -> Command | None:
    ref = package_of(config) if config is not None else None
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

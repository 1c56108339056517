"""The package an entry runs, looked up in its registry: npm's packument, a PyPI index's simple JSON API
and OSV, served by loopback fakes that answer with recorded answers (tests/package_registries.py).
Through the library for each registry's shapes, then through the MCP tools that look packages up: a
dry run of add_registry_server, use_public_registry and import_client_config, and a pin."""

from __future__ import annotations

import dataclasses
import json
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.packages.facts import facts_findings, facts_of
from registry_mcp.packages.oci import registry_of
from registry_mcp.packages.sources import PackageSources
from registry_mcp.packages.spec import package_of, pinned_args
from registry_mcp.registry.models import LocalServerConfig, RemoteServerConfig
from registry_mcp.settings import Settings

from .conftest import ServedApp, free_port, server_payload, text_of
from .package_registries import PackageRegistries
from .test_public_registry import public_registry_app

pytestmark = pytest.mark.anyio

MEMORY = "@modelcontextprotocol/server-memory"
FETCH = "mcp-server-fetch"
SHIFTING_SERVER = str(Path(__file__).parent / "servers" / "shifting_server.py")


@pytest.fixture
def registries() -> Iterator[PackageRegistries]:
    with PackageRegistries(vulnerable={("npm", MEMORY, "2025.9.25")}) as served:
        yield served


def _npx(*args: str) -> LocalServerConfig:
    return LocalServerConfig(command="npx", args=list(args))


def _uvx(*args: str) -> LocalServerConfig:
    return LocalServerConfig(command="uvx", args=list(args))


def _docker(*args: str) -> LocalServerConfig:
    return LocalServerConfig(command="docker", args=["run", *args])


async def test_an_npm_version_with_its_integrity_time_and_provenance(registries: PackageRegistries) -> None:
    facts = await facts_of(_npx("-y", f"{MEMORY}@2026.8.31"), registries.sources)
    assert facts is not None
    assert (facts.package, facts.version, facts.exists) == (f"npm {MEMORY}", "2026.8.31", True)
    assert facts.integrity is not None and facts.integrity.startswith("sha512-ljj/3S4aGjxdNSQWw6gucKKGnTLdBPWxzapyY")
    assert facts.published is not None and facts.published.startswith("2026-")
    assert facts.provenance is True and facts.deprecated is None and facts.vulnerabilities == []
    assert facts.pinned_args is None and facts_findings(facts) == []
    assert registries.requests == [f"npm {MEMORY}", f"osv npm {MEMORY} 2026.8.31"]


async def test_a_missing_npm_version_is_flagged(registries: PackageRegistries) -> None:
    facts = await facts_of(_npx("-y", f"{MEMORY}@2099.1.1"), registries.sources)
    assert facts is not None and facts.exists is False and facts.latest == "2026.8.31"
    [finding] = facts_findings(facts)
    assert finding.problem == f"npm {MEMORY} has no version 2099.1.1 in its registry"
    assert finding.advice == "name a published version (the latest is 2026.8.31)"


async def test_a_deprecated_or_vulnerable_npm_version_is_flagged(registries: PackageRegistries) -> None:
    deprecated = await facts_of(_npx("-y", f"{MEMORY}@0.6.2"), registries.sources)
    vulnerable = await facts_of(_npx("-y", f"{MEMORY}@2025.9.25"), registries.sources)
    assert deprecated is not None and vulnerable is not None
    assert deprecated.provenance is False
    assert [f.problem for f in facts_findings(deprecated)] == [
        f"npm {MEMORY} 0.6.2 is deprecated: This version has a known issue; use the latest."
    ]
    assert vulnerable.vulnerabilities == [
        "GHSA-0000-0000-0001: Filesystem MCP Server: path validation bypass via a prefix match"
    ]
    assert "has known vulnerabilities: GHSA-0000-0000-0001" in facts_findings(vulnerable)[0].problem


async def test_an_unpinned_package_gets_the_arguments_that_pin_it(registries: PackageRegistries) -> None:
    npm = await facts_of(_npx("-y", MEMORY, "--flag"), registries.sources)
    pypi = await facts_of(_uvx(FETCH, "--ignore-robots-txt"), registries.sources)
    assert npm is not None and pypi is not None
    assert npm.pinned_args == ["-y", f"{MEMORY}@2026.8.31", "--flag"]
    # The index lists versions as text ('2026.10.24' before '2026.6.4'): the newest is found by number.
    assert pypi.version == "2026.10.24" and pypi.pinned_args == [f"{FETCH}==2026.10.24", "--ignore-robots-txt"]
    [warning] = facts_findings(npm)
    assert "each launch may run another" in warning.problem and MEMORY + "@2026.8.31" in warning.advice


async def test_a_pypi_release_with_its_files_hashes_and_attestations(registries: PackageRegistries) -> None:
    facts = await facts_of(_uvx(f"{FETCH}==2026.10.24"), registries.sources)
    assert facts is not None and facts.exists and facts.yanked is None and facts.provenance is True
    assert facts.files is not None and sorted(facts.files) == [
        "mcp_server_fetch-2026.10.24-py3-none-any.whl",
        "mcp_server_fetch-2026.10.24.tar.gz",
    ]
    assert all(len(digest) == 64 for digest in facts.files.values())
    assert facts.published == "2026-10-25T00:04:46.408661Z"  # the earliest upload of its files
    assert f"pypi {FETCH} application/vnd.pypi.simple.v1+json" in registries.requests
    assert facts_findings(facts) == []


async def test_a_yanked_pypi_release_is_flagged(registries: PackageRegistries) -> None:
    facts = await facts_of(_uvx("--from", f"{FETCH}==2025.1.14", FETCH), registries.sources)
    assert facts is not None and facts.yanked == "Broken release: use 2025.1.16" and facts.provenance is False
    [finding] = facts_findings(facts)
    assert finding.problem == f"pypi {FETCH} 2025.1.14 was yanked: Broken release: use 2025.1.16"


async def test_an_image_named_by_tag_gets_the_digest_it_points_to(registries: PackageRegistries) -> None:
    image = registries.images + "mcp/fs"
    facts = await facts_of(_docker("-i", "--rm", f"{image}:1.0"), registries.sources)
    missing = await facts_of(_docker("-i", f"{image}:9.9"), registries.sources)
    assert facts is not None and missing is not None
    digest = "sha256:" + "ab" * 32
    assert (facts.exists, facts.version) == (True, digest)
    assert facts.pinned_args == ["run", "-i", "--rm", f"{image}:1.0@{digest}"]
    assert registries.requests[:3] == [
        "HEAD manifest mcp/fs:1.0",
        "token fake-registry repository:mcp/fs:pull",
        "HEAD manifest mcp/fs:1.0 (token)",
    ]
    assert missing.exists is False
    pinned = await facts_of(_docker(f"{image}@{digest}"), registries.sources)
    assert pinned is not None and pinned.exists and pinned.pinned_args is None and facts_findings(pinned) == []
    assert pinned.pin() is not None and pinned.pin().digest == digest  # type: ignore[union-attr]


def test_an_image_name_names_its_registry() -> None:
    assert registry_of("mcp/fs") == ("registry-1.docker.io", "mcp/fs")
    assert registry_of("ubuntu") == ("registry-1.docker.io", "library/ubuntu")
    assert registry_of("docker.io/mcp/filesystem") == ("registry-1.docker.io", "mcp/filesystem")
    assert registry_of("ghcr.io/github/github-mcp-server") == ("ghcr.io", "github/github-mcp-server")
    assert registry_of("localhost:5000/team/tool") == ("localhost:5000", "team/tool")


async def test_an_unknown_package_is_said_to_be_missing(registries: PackageRegistries) -> None:
    facts = await facts_of(_npx("-y", "@example/not-published"), registries.sources)
    assert facts is not None and facts.exists is False
    assert facts_findings(facts)[0].advice == "check the name"


async def test_a_registry_that_cannot_be_reached_is_a_note() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    facts = await facts_of(_npx("-y", MEMORY), PackageSources(npm=closed, pypi=closed, osv=closed, timeout=2))
    assert facts is not None and facts.exists is None and facts_findings(facts) == []
    [note] = facts.notes
    assert note.startswith(f"the npm registry at {closed} could not be asked (could not connect")


@pytest.mark.parametrize(
    ("command", "args", "found"),
    [
        ("npx", ["-y", "pkg"], ("npm", "pkg", None, False)),
        ("npx", ["-y", "@scope/pkg@1.2.3", "--port", "1"], ("npm", "@scope/pkg", "1.2.3", True)),
        ("npx", ["-y", "pkg@^1.2"], ("npm", "pkg", "^1.2", False)),
        ("npx", ["-y", "pkg@latest"], ("npm", "pkg", "latest", False)),
        ("uvx", ["mcp-server-git==0.6.2"], ("pypi", "mcp-server-git", "==0.6.2", True)),
        ("uvx", ["mcp-server-git@0.6.2"], ("pypi", "mcp-server-git", "==0.6.2", True)),
        ("uvx", ["mcp-server-git>=0.6"], ("pypi", "mcp-server-git", None, False)),
        ("uvx", ["--from", "pkg==1.0", "tool"], ("pypi", "pkg", "==1.0", True)),
        ("docker", ["run", "-i", "--rm", "-e", "X", "mcp/fs:1.0"], ("oci", "mcp/fs", "1.0", False)),
        ("docker", ["run", "-i", "ghcr.io/o/fs@sha256:abc"], ("oci", "ghcr.io/o/fs", None, True)),
    ],
)  # fmt: skip
def test_what_package_a_command_runs(command: str, args: list[str], found: tuple[Any, ...]) -> None:
    ref = package_of(LocalServerConfig(command=command, args=args))
    assert ref is not None and (ref.ecosystem, ref.name, ref.asked, ref.exact) == found


def test_a_plain_program_or_a_remote_runs_no_package() -> None:
    assert package_of(LocalServerConfig(command="node", args=["server.js"])) is None
    assert package_of(RemoteServerConfig(url="https://example.com/mcp")) is None


def test_pinning_rewrites_the_word_that_names_the_package() -> None:
    config = _uvx("--from=pkg>=1", "tool")
    ref = package_of(config)
    assert ref is not None and pinned_args(config.args, ref, "1.4") == ["--from=pkg==1.4", "tool"]


def test_the_mirrors_come_from_the_environment() -> None:
    sources = PackageSources.from_env(
        {"npm_config_registry": "https://npm.example/", "PIP_INDEX_URL": "https://pip.example/simple"}
        | {"UV_INDEX_URL": "https://uv.example/simple", "REGISTRY_MCP_OSV_URL": "https://osv.example"}
    )
    assert (sources.npm, sources.pypi, sources.osv) == (
        "https://npm.example",
        "https://uv.example/simple",
        "https://osv.example",
    )
    assert Settings.from_env({}).package_sources == PackageSources()
    assert Settings().package_sources is None  # a library user opts in


# --- through the tools ------------------------------------------------------------------------------


async def test_a_dry_run_flags_a_missing_npm_version_and_a_yanked_pypi_release(registries: PackageRegistries) -> None:
    missing = server_payload("memory", mcp_config={"config": {"command": "npx", "args": ["-y", f"{MEMORY}@9.9.9"]}})
    yanked = server_payload("fetch", mcp_config={"config": {"command": "uvx", "args": [f"{FETCH}==2025.1.14"]}})
    async with Client(create_server(Settings(package_sources=registries.sources))) as client:
        first = await client.call_tool("add_registry_server", missing | {"dry_run": True})
        second = await client.call_tool("add_registry_server", yanked | {"dry_run": True})
    for result, problem in ((first, "has no version 9.9.9"), (second, "was yanked: Broken release")):
        report = result.structured_content
        assert report is not None and not result.is_error, text_of(result)
        assert any(problem in warning["problem"] for warning in report["warnings"]), report["warnings"]
        assert "warning" in report["message"]
    assert first.structured_content is not None and first.structured_content["package"]["exists"] is False
    assert second.structured_content is not None
    assert second.structured_content["package"]["files"]["mcp_server_fetch-2025.1.14.tar.gz"]


async def test_an_import_dry_run_looks_each_package_up_once(registries: PackageRegistries) -> None:
    config = {
        "mcpServers": {
            "memory": {"command": "npx", "args": ["-y", MEMORY]},
            "memory-too": {"command": "npx", "args": ["-y", MEMORY, "--other"]},
            "fetch": {"command": "uvx", "args": [f"{FETCH}==2025.1.14"]},
        }
    }
    async with Client(create_server(Settings(package_sources=registries.sources))) as client:
        result = await client.call_tool("import_client_config", {"source": json.dumps(config)})
    report = result.structured_content
    assert report is not None and not result.is_error, text_of(result)
    packages = {entry["saved_name"]: entry["package"] for entry in report["servers"]}
    assert packages["memory"]["pinned_args"] == ["-y", f"{MEMORY}@2026.8.31"]
    assert packages["memory-too"]["pinned_args"] == ["-y", f"{MEMORY}@2026.8.31", "--other"]
    assert packages["fetch"]["yanked"] == "Broken release: use 2025.1.16"
    fields = [warning["field"] for warning in report["warnings"]]
    assert fields == [f"servers[{index}].mcp_config.config.args" for index in range(3)]
    assert registries.requests.count(f"npm {MEMORY}") == 1


async def test_a_public_registry_dry_run_looks_the_package_up(registries: PackageRegistries) -> None:
    with ServedApp(public_registry_app([])) as public:
        settings = Settings(public_registry_url=public.url, package_sources=registries.sources)
        async with Client(create_server(settings)) as client:
            result = await client.call_tool(
                "use_public_registry", {"servers": [{"name": "io.github.modelcontextprotocol/filesystem"}]}
            )
    report = result.structured_content
    assert report is not None and not result.is_error, text_of(result)
    [entry] = report["entries"]
    assert entry["package"]["package"] == "npm @modelcontextprotocol/server-filesystem"
    assert entry["package"]["exists"] is False  # the fake npm does not hold it
    assert any("has no version 1.0.2" in warning["problem"] for warning in report["warnings"])


@pytest.fixture
def fake_npx(tmp_path: Path) -> Path:
    """A program called npx that runs the shifting server on the offer named last (and ignores the package)."""
    npx = tmp_path / "bin" / "npx"
    npx.parent.mkdir()
    npx.write_text(
        f"#!{sys.executable}\nimport runpy, sys\nsys.argv = [{SHIFTING_SERVER!r}, sys.argv[-1]]\n"
        f"runpy.run_path({SHIFTING_SERVER!r}, run_name='__main__')\n"
    )
    npx.chmod(npx.stat().st_mode | stat.S_IXUSR)
    return npx


@pytest.mark.slow
async def test_a_pin_records_the_package_version_and_its_change_is_drift(
    registries: PackageRegistries, fake_npx: Path, tmp_path: Path
) -> None:
    offer = tmp_path / "offer.json"
    offer.write_text(json.dumps({"name": "memory", "version": "1", "tools": []}))
    config = {"command": str(fake_npx), "args": ["-y", f"{MEMORY}@2026.8.31", str(offer)]}
    settings = Settings(allow_launch=True, package_sources=registries.sources)
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("memory", mcp_config={"config": config}))
        pinned = await client.call_tool("inspect_mcp_server", {"saved_name": "memory", "pin": True})
        record = await client.call_tool("get_registry_server", {"saved_name": "memory"})
        older = {"args": ["-y", f"{MEMORY}@2025.9.25", str(offer)]}
        await client.call_tool("modify_registry_server", {"saved_name": "memory", "mcp_config": {"config": older}})
        drifted = await client.call_tool("inspect_mcp_server", {"saved_name": "memory"})
    assert record.structured_content is not None and pinned.structured_content is not None
    package = record.structured_content["server"]["mcp_config"]["pinned"]["package"]
    assert package["registry"] == "npm" and package["name"] == MEMORY and package["version"] == "2026.8.31"
    assert package["integrity"].startswith("sha512-ljj/")
    assert f"package npm {MEMORY} 2026.8.31" in pinned.structured_content["message"]
    assert drifted.structured_content is not None
    changes = drifted.structured_content["drift"]["package"]
    assert changes[0] == 'package version "2026.8.31" → "2025.9.25"' and changes[1].startswith("package integrity")


@pytest.mark.registries
@pytest.mark.parametrize(
    ("config", "package"),
    [
        (_npx("-y", "@modelcontextprotocol/server-memory"), "npm @modelcontextprotocol/server-memory"),
        (_uvx("mcp-server-fetch"), "pypi mcp-server-fetch"),
    ],
)
async def test_the_real_npm_and_pypi_answer_as_the_fakes_do(config: LocalServerConfig, package: str) -> None:
    """Opt in with `-m registries`: asks registry.npmjs.org and pypi.org (or the mirrors the environment names)."""
    facts = await facts_of(config, dataclasses.replace(PackageSources.from_env(), osv=None))  # npm and PyPI only
    assert facts is not None and facts.package == package and not facts.notes, facts.notes
    assert facts.exists is True and facts.version and facts.published and facts.pinned_args
    assert facts.integrity or facts.files

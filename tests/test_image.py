"""The container image, built from the Dockerfile with podman and run as its users run it.

No container registry can be reached and `podman run` cannot start containers here, so (see
benchmarks/image.py) the base image is a Debian bookworm stand-in made with debootstrap, and each
`docker run` line runs the image's entrypoint from a container's filesystem with chroot, as the
image's user, with its environment and volumes. Skipped, saying why, where podman or debootstrap
cannot be installed or the test is not root."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from mcp import Client, StdioServerParameters

from benchmarks.image import (
    Built,
    Podman,
    build,
    build_folder,
    cannot_build,
    container_root,
    docker_run,
    unmount_all_under,
)
from registry_mcp import __version__
from registry_mcp.mcp.server import TOOL_NAMES
from registry_mcp.public_registry import to_entry

from .conftest import server_payload, text_of

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).parent.parent
SERVER_JSON = json.loads((ROOT / "server.json").read_text())
README = (ROOT / "README.md").read_text()
IMAGE_USER = 10001
SHELLS = ("usr/bin/sh", "usr/bin/dash", "usr/bin/bash", "bin/sh", "bin/dash", "bin/bash")

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.packaging]


@pytest.fixture(scope="module")
def image() -> Iterator[tuple[Podman, Built]]:
    if reason := cannot_build():
        pytest.skip(reason)
    folder = build_folder()
    try:
        yield build(folder)
    finally:
        unmount_all_under(folder)
        shutil.rmtree(folder, ignore_errors=True)


def readme_docker_lines() -> tuple[list[str], list[str]]:
    """The README's `docker run` lines for the embedded registry on a volume and for the cloud
    registry, as argv; the first also as an assistant's config gives it (`"command": "docker"`)."""
    lines = {
        "volume": next(line for line in README.splitlines() if line.startswith("docker run") and " -v " in line),
        "cloud": next(line for line in README.splitlines() if line.startswith("docker run") and " -e " in line),
    }
    volume, cloud = (shlex.split(lines[kind].split("#", 1)[0]) for kind in ("volume", "cloud"))
    [config_args] = re.findall(r'"command": "docker", "args": (\[[^\]]*\])', README)
    assert ["docker", *json.loads(config_args)] == volume, "the config line runs what the shell line runs"
    return volume, cloud


def without_shells(root: Path) -> None:
    """Remove every shell from a container's filesystem: a stdio server must need none at run time."""
    for shell in SHELLS:
        if (root / shell).is_symlink() or (root / shell).exists():
            (root / shell).unlink()


def parameters(command: list[str]) -> StdioServerParameters:
    return StdioServerParameters(command=command[0], args=command[1:])


def test_the_image_is_labelled_runs_as_its_user_and_has_no_healthcheck(image: tuple[Podman, Built]) -> None:
    _, built = image
    labels = built.config["Labels"]
    assert labels["io.modelcontextprotocol.server.name"] == SERVER_JSON["name"]
    assert labels["org.opencontainers.image.source"] == SERVER_JSON["repository"]["url"]
    assert labels["org.opencontainers.image.version"] == __version__
    assert labels["org.opencontainers.image.licenses"] == "MIT"
    assert built.config["User"] == str(IMAGE_USER)
    assert built.config["Entrypoint"] == ["registry-mcp"]  # exec form: no shell starts it
    assert "Healthcheck" not in built.config  # a stdio server has no port to check
    assert set(built.config["Volumes"]) == {"/data"}


async def test_the_readme_volume_line_keeps_the_registry_on_the_volume(
    image: tuple[Podman, Built], tmp_path: Path
) -> None:
    """`docker run -i --rm -v registry-mcp-data:/data registry-mcp`, as the README and an assistant's
    config give it: a handshake, the tools, an add, then a get in a second container on the same
    volume. The file is the image user's, 0600. No shell is in the containers."""
    podman, built = image
    volume_line, _ = readme_docker_lines()
    volumes = {"registry-mcp-data": tmp_path / "registry-mcp-data"}
    with container_root(podman, built.tag) as root, docker_run(root, built.config, volume_line, volumes, {}) as command:
        without_shells(root)
        async with Client(parameters(command)) as client:
            assert "/data/registry.db" in (client.instructions or "")
            assert sorted(tool.name for tool in (await client.list_tools()).tools) == sorted(TOOL_NAMES)
            added = await client.call_tool("add_registry_server", server_payload("from-the-image"))
            assert not added.is_error, text_of(added)
    database = volumes["registry-mcp-data"] / "registry.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert (database.stat().st_uid, database.stat().st_gid) == (IMAGE_USER, IMAGE_USER)
    with container_root(podman, built.tag) as root, docker_run(root, built.config, volume_line, volumes, {}) as command:
        without_shells(root)
        async with Client(parameters(command)) as client:
            read = await client.call_tool("get_registry_server", {"saved_name": "from-the-image"})
    assert read.structured_content is not None, text_of(read)
    assert read.structured_content["server"]["saved_name"] == "from-the-image"


async def test_the_readme_cloud_line_serves_the_cloud_registry(image: tuple[Podman, Built]) -> None:
    """`docker run -i --rm -e ENKRYPT_API_KEY registry-mcp`: the key passed from the environment."""
    podman, built = image
    _, cloud_line = readme_docker_lines()
    environ = {"ENKRYPT_API_KEY": "sk-image-test"}
    with container_root(podman, built.tag) as root, docker_run(root, built.config, cloud_line, {}, environ) as command:
        async with Client(parameters(command)) as client:
            assert "api.enkryptai.com" in (client.instructions or "")
            assert len((await client.list_tools()).tools) == len(TOOL_NAMES)


async def test_the_published_oci_package_runs_the_image(image: tuple[Podman, Built], tmp_path: Path) -> None:
    """server.json's OCI package, as registry-mcp itself maps a registry entry to a command."""
    podman, built = image
    config: dict[str, Any] = to_entry(SERVER_JSON, use="oci").payload["mcp_config"]["config"]
    argv = [config["command"], *config["args"]]
    assert argv[:3] == ["docker", "run", "-i"] and argv[-1] == f"ghcr.io/enkryptai/registry-mcp:{__version__}"
    volumes = {"registry-mcp-data": tmp_path / "volume"}
    with container_root(podman, built.tag) as root, docker_run(root, built.config, argv, volumes, config["env"]) as run:
        async with Client(parameters(run)) as client:
            listed = await client.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None, text_of(listed)
    assert listed.structured_content["registry"]["path"] == "/data/registry.db"


def test_a_volume_the_image_user_cannot_write_is_one_line_that_says_how_to_mount_one(
    image: tuple[Podman, Built], tmp_path: Path
) -> None:
    """The most common mistake: a host folder owned by root mounted on /data."""
    podman, built = image
    host_folder = tmp_path / "owned-by-root"
    host_folder.mkdir(mode=0o755)
    os.chown(host_folder, 0, 0)
    argv = ["docker", "run", "-i", "--rm", "-v", f"{host_folder}:/data", "registry-mcp"]
    with container_root(podman, built.tag) as root, docker_run(root, built.config, argv, {}, {}) as command:
        started = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert started.returncode == 1 and started.stdout == ""
    [line] = started.stderr.splitlines()
    assert line.startswith("registry-mcp: error: /data is not writable by registry (uid 10001), the user registry-mcp")
    assert "docker run -v registry-mcp-data:/data" in line and "chown 10001" in line
    assert list(host_folder.iterdir()) == []

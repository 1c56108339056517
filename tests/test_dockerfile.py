"""The Dockerfile, without a Docker engine: its build and install commands run as written (paths
moved into a temporary directory) in a fresh venv, and its entry point completes a handshake on the
embedded registry at the image's volume path. `.ci/run` lints it with hadolint."""

from __future__ import annotations

import glob
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).parent.parent
DOCKERFILE = ROOT / "Dockerfile"

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.packaging]


def _instructions() -> list[tuple[str, str]]:
    """(instruction, argument) pairs, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _run(command: str, *, cwd: Path, replace: dict[str, str], pip: Path) -> None:
    for old, new in replace.items():
        command = command.replace(old, new)
    words = shlex.split(command)
    assert words[0] == "pip", command
    arguments = [word for pattern in words[1:] for word in (sorted(glob.glob(pattern, root_dir=cwd)) or [pattern])]
    subprocess.run([str(pip), *arguments], cwd=cwd, check=True, timeout=600)


@pytest.fixture
def image(tmp_path: Path) -> tuple[StdioServerParameters, Path]:
    """The Dockerfile's build and install done in a fresh venv: how to start its entry point, and
    where its data volume is."""
    instructions = _instructions()
    stages = [index for index, (name, _) in enumerate(instructions) if name == "FROM"]
    assert len(stages) == 2, "a build stage and a slim runtime stage"
    build, runtime = instructions[stages[0] : stages[1]], instructions[stages[1] :]
    assert all(name != "RUN" or "apt-get" not in argument for name, argument in runtime), "no build tools at runtime"
    assert ("USER", "10001") in runtime, "runs as a non-root user"

    source, wheels, data = tmp_path / "src", tmp_path / "wheels", tmp_path / "data"
    source.mkdir()
    data.mkdir()
    for name, argument in build:
        if name == "COPY":
            *files, _ = argument.split()
            for file in files:
                copy = shutil.copytree if (ROOT / file).is_dir() else shutil.copy
                copy(ROOT / file, source / file)
    replace = {"/wheels": str(wheels), "/data": str(data)}
    [wheel_command] = [argument for name, argument in build if name == "RUN"]
    _run(wheel_command, cwd=source, replace=replace, pip=Path(sys.executable).parent / "pip")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # (The wheels are bind-mounted from the build stage: `--mount=...` before the command.)
    commands = [re.sub(r"^(--mount=\S+\s+)+", "", argument) for name, argument in runtime if name == "RUN"]
    [install] = [command for command in commands if command.startswith("pip install")]
    _run(install.split("&&")[0], cwd=tmp_path, replace=replace, pip=venv / "bin" / "pip")

    [entrypoint] = [json.loads(argument) for name, argument in runtime if name == "ENTRYPOINT"]
    environment = dict(
        pair.split("=", 1) for name, argument in runtime if name == "ENV" for pair in shlex.split(argument)
    )
    environment = {key: value.replace("/data", str(data)) for key, value in environment.items()}
    parameters = StdioServerParameters(
        command=str(venv / "bin" / entrypoint[0]),
        args=entrypoint[1:],
        env={"PATH": str(venv / "bin"), "HOME": str(tmp_path), **environment},
    )
    return parameters, data


async def test_the_image_installs_and_starts_as_the_dockerfile_says(image: tuple[StdioServerParameters, Path]) -> None:
    parameters, data = image
    async with Client(parameters) as client:
        listed = await client.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None
    assert listed.structured_content["registry"] == {
        "kind": "embedded",
        "project": "default",
        "path": str(data / "registry.db"),
    }

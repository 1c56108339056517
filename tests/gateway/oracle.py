"""secure-mcp-gateway itself, as the judge of what registry-mcp exports.

The gateway pins mcp 1.x, so it lives in a venv of its own, built once per version under
~/.cache/registry-mcp-tests (or $REGISTRY_MCP_TEST_CACHE) and rebuilt when missing or incomplete.
`Gateway.run` sends operations to `driver.py`, which runs the gateway's own functions on them.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GATEWAY_PACKAGE = "secure-mcp-gateway"
GATEWAY_VERSION = "2.2.4"
DRIVER = Path(__file__).with_name("driver.py")
BUILD_TIMEOUT = 600
RUN_TIMEOUT = 120


def cache_root() -> Path:
    return Path(os.environ.get("REGISTRY_MCP_TEST_CACHE") or Path.home() / ".cache" / "registry-mcp-tests")


def gateway_venv(version: str = GATEWAY_VERSION) -> tuple[Path, float | None]:
    """The python of the venv holding the gateway, built if missing; and the build's seconds (None: cached)."""
    venv = cache_root() / f"{GATEWAY_PACKAGE}-{version}"
    python, complete = venv / "bin" / "python", venv / "complete"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, even across test processes
        if complete.exists() and python.exists():
            return python, None
        started = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)  # a build that did not finish is never taken as done
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=BUILD_TIMEOUT)
        pip = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"{GATEWAY_PACKAGE}=={version}"],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        if pip.returncode != 0:
            raise RuntimeError(f"pip could not install {GATEWAY_PACKAGE}=={version}:\n{pip.stderr[-4000:]}")
        complete.write_text(version)
        return python, time.monotonic() - started


@dataclass
class Gateway:
    """Runs the gateway's own code, with HOME (and so ~/.enkrypt) in `home`."""

    python: Path
    home: Path
    build_seconds: float | None = None

    @property
    def config_path(self) -> Path:
        """Where the gateway's loader reads its config outside a container: ~/.enkrypt/enkrypt_mcp_config.json."""
        return self.home / ".enkrypt" / "enkrypt_mcp_config.json"

    def run(self, *operations: dict[str, Any]) -> list[Any]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            # Where the machine looks like a container (/.dockerenv), the CLI module refuses to load
            # without these; the tests pass every path explicitly, so they only need to be set.
            "HOST_OS": "linux",
            "HOST_ENKRYPT_HOME": str(self.home / ".enkrypt"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        done = subprocess.run(
            [str(self.python), str(DRIVER)],
            input=json.dumps(list(operations)),
            capture_output=True,
            text=True,
            env=env,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        marker = "--- answers ---\n"
        if done.returncode != 0 or marker not in done.stdout:
            raise AssertionError(f"the gateway driver failed ({done.returncode}):\n{done.stderr[-4000:]}")
        answers: list[Any] = json.loads(done.stdout.split(marker, 1)[1])
        return answers

    def command(self, command: str, **arguments: Any) -> dict[str, Any]:
        """The operation running `secure-mcp-gateway config <command>` by its own function, on
        `config_path` given explicitly. Several in one `run` behave as the commands run one by one:
        each function reads and writes the file itself."""
        return {"op": "cli", "command": command, "config_path": str(self.config_path), **arguments}

    def cli(self, command: str, **arguments: Any) -> dict[str, Any]:
        """One `secure-mcp-gateway config <command>`, in a run of its own."""
        answer: dict[str, Any] = self.run(self.command(command, **arguments))[0]
        return answer

    def import_block(self, block: list[Any], config: str, *then: dict[str, Any]) -> list[Any]:
        """A default config generated, then `block` (mcp_config entries) imported into it as `config`,
        both by the gateway's own CLI functions; then the operations `then`: their answers. All in one
        run, as starting the gateway's Python is most of a run's time."""
        import_file = self.home / f"{config}-import.json"
        import_file.write_text(json.dumps({"config": block}))
        generated, imported, *answers = self.run(
            self.command("generate"), self.command("import", input_file=str(import_file), config=config), *then
        )
        assert generated["exit"] == 0, generated["output"]
        assert imported["exit"] == 0, imported["output"]
        return answers

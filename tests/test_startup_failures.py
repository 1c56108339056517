"""Start-up failures, through the real command: each is one line on stderr that names the thing and
says what to do, with a non-zero exit, nothing on stdout, and no traceback (unless --log-level DEBUG)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .conftest import server_command

pytestmark = pytest.mark.slow


def start(*args: str, home: Path, confined: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    """`registry-mcp ARGS` with only PATH, HOME and `env` set, its stdin at its end. `confined`: as
    root, without the capability to override file permissions (root may write anywhere otherwise)."""
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), **env}
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if confined and os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, server_command(), *args],
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def refusal(started: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The one line a start was refused with, checked for `fragments`."""
    assert started.returncode != 0 and started.stdout == "", started
    lines = started.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("registry-mcp: error: "), started.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def test_a_folder_the_user_cannot_write_names_the_folder_and_the_user(tmp_path: Path) -> None:
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("running as root, and setpriv (util-linux) is missing to drop root's right to write anywhere")
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o555)
    started = start("--db", str(folder / "registry.db"), home=tmp_path, confined=True)
    folder.chmod(0o755)
    user = f"{pwd.getpwuid(os.geteuid()).pw_name} (uid {os.geteuid()})"
    line = refusal(started, f"{folder} is not writable by {user}, the user registry-mcp runs as")
    # What to do: another file, or (in a container, as on some CI machines) a volume the user can write.
    assert "choose another file with --db" in line or f"mount one that uid {os.geteuid()} can write" in line
    assert not (folder / "registry.db").exists()


def test_a_file_that_is_not_a_database_is_left_as_it_is(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    refusal(start("--db", str(notes), home=tmp_path), str(notes), "is not an SQLite database", "move it away")
    assert notes.read_text() == "my notes\n"


def test_a_database_from_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    database = tmp_path / "future.db"
    with sqlite3.connect(database) as future:
        future.execute("PRAGMA user_version = 99")
    refusal(start("--db", str(database), home=tmp_path), str(database), "newer registry-mcp", "schema 99", "upgrade")
    with sqlite3.connect(database) as future:
        assert future.execute("PRAGMA user_version").fetchone() == (99,)
        assert future.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_a_database_locked_past_the_busy_timeout_says_so(tmp_path: Path) -> None:
    """Another process holds the file's lock for the whole start (SQLite's busy timeout: 10 s)."""
    database = tmp_path / "locked.db"
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("CREATE TABLE other (x)")
        holder.execute("BEGIN EXCLUSIVE")
        started = start("--db", str(database), home=tmp_path)
    finally:
        holder.close()
    refusal(started, str(database), "is locked by another process", "waited 10 s", "start again")


def test_a_folder_given_as_the_database_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    refusal(start("--db", str(folder), home=tmp_path), f"{folder} is a folder", str(folder / "registry.db"))
    assert folder.stat().st_mode & 0o777 == 0o755


def test_a_fifo_or_a_device_given_as_the_database_is_refused_without_waiting_on_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for special in (fifo, Path("/dev/zero")):
        refusal(start("--db", str(special), home=tmp_path), f"{special} is not a regular file")


def test_debug_logging_adds_the_traceback(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        started = start(
            "--transport", "http", "--port", port, "--log-level", "DEBUG", "--db", str(tmp_path / "r.db"),
            home=tmp_path, REGISTRY_MCP_HTTP_TOKEN="a-long-enough-shared-token-for-the-test",
        )  # fmt: skip
    assert started.returncode == 1 and "Traceback" in started.stderr and "OSError" in started.stderr
    assert started.stderr.splitlines()[-1].startswith("registry-mcp: error: --port")


def test_a_port_in_use_names_the_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        started = start(
            "--transport", "http", "--port", port, "--db", str(tmp_path / "r.db"), home=tmp_path,
            REGISTRY_MCP_HTTP_TOKEN="a-long-enough-shared-token-for-the-test",
        )  # fmt: skip
    refusal(started, f"--port {port}", "address already in use", "choose another port")


def test_a_token_verifier_that_cannot_be_imported(tmp_path: Path) -> None:
    (tmp_path / "broken_verifier.py").write_text("raise RuntimeError('needs its settings')\n")
    http = ["--transport", "http", "--auth", "oauth", "--oauth-issuer", "https://auth.example.com"]
    for spec, problem in [
        ("no_such_module:verifier", "ModuleNotFoundError"),
        ("broken_verifier:verifier", "RuntimeError: needs its settings"),
    ]:
        started = start(*http, "--token-verifier", spec, home=tmp_path, PYTHONPATH=str(tmp_path))
        refusal(started, f"--token-verifier {spec!r}", problem, "MODULE:NAME")


@pytest.mark.parametrize(
    ("environment", "fragments"),
    [
        ({"REGISTRY_MCP_TIMEOUT": "soon"}, ["REGISTRY_MCP_TIMEOUT", "a number greater than 0"]),
        ({"REGISTRY_MCP_MAX_RESPONSE_BYTES": "1.5"}, ["REGISTRY_MCP_MAX_RESPONSE_BYTES", "a whole number"]),
        ({"REGISTRY_MCP_READ_ONLY": "maybe"}, ["REGISTRY_MCP_READ_ONLY", "must be one of"]),
        ({"REGISTRY_MCP_TOOLS": "nothing_*"}, ["REGISTRY_MCP_TOOLS", "matches no tool"]),
        ({"REGISTRY_MCP_DB": "/no/such/folder/r.db"}, ["REGISTRY_MCP_DB", "/no/such/folder", "create it first"]),
        ({"ENKRYPT_API_KEY": "sk-test", "ENKRYPT_BASE_URL": "http://x.example.com"}, ["https://"]),
        ({"REGISTRY_MCP_PUBLIC_REGISTRY_URL": "ftp://x.example.com"}, ["ftp://x.example.com"]),
    ],
)
def test_a_bad_environment_value_is_named_in_one_line(
    tmp_path: Path, environment: dict[str, str], fragments: list[str]
) -> None:
    line = refusal(start(home=tmp_path, **environment), *fragments)
    assert "sk-test" not in line


def test_a_bad_option_is_one_line_too(tmp_path: Path) -> None:
    refusal(start("--port", "99999", home=tmp_path), "--port", "from 1 to 65535")
    refusal(start("--no-such-option", home=tmp_path), "--no-such-option")

"""Settings from the environment: which registry, and which tools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from registry_mcp.cli import build_parser, settings_from
from registry_mcp.settings import Settings

from .conftest import server_command


def test_no_key_means_the_embedded_registry_in_the_data_directory() -> None:
    settings = Settings.from_env({})
    assert settings.embedded
    assert settings.location.kind == "embedded"
    assert settings.database.endswith("registry.db") and "registry-mcp" in settings.database


def test_either_key_variable_selects_the_cloud() -> None:
    for variable in ("ENKRYPT_API_KEY", "ENKRYPTAI_API_KEY"):
        settings = Settings.from_env(
            {variable: "sk-test-secret", "ENKRYPT_PROJECT": "team", "ENKRYPT_BASE_URL": "https://r.example/"}
        )
        assert not settings.embedded
        assert settings.location.kind == "cloud"
        assert settings.location.base_url == "https://r.example"
        assert settings.location.project == "team"
        assert settings.api_key == "sk-test-secret"
        assert "sk-test-secret" not in repr(settings)


def test_tools_read_only_timeout_and_database_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "REGISTRY_MCP_TOOLS": " list_*, ,get_registry_server",
            "REGISTRY_MCP_READ_ONLY": "yes",
            "REGISTRY_MCP_TIMEOUT": "2.5",
            "REGISTRY_MCP_DB": ":memory:",
        }
    )
    assert settings.tools == ("list_*", "get_registry_server")
    assert settings.read_only
    assert settings.timeout == 2.5
    assert settings.location.path == ":memory:"
    assert not Settings.from_env({"REGISTRY_MCP_READ_ONLY": "0"}).read_only


def test_the_limits_come_from_the_environment_and_options() -> None:
    environ = {"REGISTRY_MCP_TIMEOUT": "7", "REGISTRY_MCP_MAX_RESPONSE_BYTES": "2048"}
    assert (Settings.from_env(environ).timeout, Settings.from_env(environ).max_response_bytes) == (7.0, 2048)
    assert (Settings().timeout, Settings().max_response_bytes) == (30.0, 16 * 1024 * 1024)
    options = build_parser().parse_args(["--timeout", "4", "--max-response-bytes", "4096"])
    settings = settings_from(options)
    assert (settings.timeout, settings.max_response_bytes) == (4.0, 4096)


def test_a_limit_that_is_not_a_positive_number_is_refused_naming_the_variable() -> None:
    for value in ("lots", "0", "-5", "1.5"):
        with pytest.raises(
            ValueError, match=r"^REGISTRY_MCP_MAX_RESPONSE_BYTES must be a whole number greater than 0$"
        ):
            Settings.from_env({"REGISTRY_MCP_MAX_RESPONSE_BYTES": value})
    with pytest.raises(ValueError, match=r"^REGISTRY_MCP_TIMEOUT must be a number greater than 0$"):
        Settings.from_env({"REGISTRY_MCP_TIMEOUT": "soon"})
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--timeout", "0"])


def test_the_server_refuses_a_bad_limit_at_start_without_a_traceback() -> None:
    environ = {"PATH": os.environ.get("PATH", ""), "REGISTRY_MCP_TIMEOUT": "-1"}
    refused = subprocess.run([server_command()], capture_output=True, text=True, timeout=30, env=environ)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "REGISTRY_MCP_TIMEOUT must be a number greater than 0" in refused.stderr
    assert "Traceback" not in refused.stderr


def _start(*args: str, timeout: float = 30, **environ: str) -> subprocess.CompletedProcess[str]:
    """registry-mcp started with `args` and `environ` (plus PATH), stdin already closed."""
    environment = {"PATH": os.environ.get("PATH", ""), **environ}
    return subprocess.run(
        [server_command(), *args], capture_output=True, text=True, timeout=timeout, env=environment, input=""
    )


@pytest.mark.parametrize(
    "variable", ["REGISTRY_MCP_READ_ONLY", "REGISTRY_MCP_SHOW_SECRETS", "REGISTRY_MCP_ALLOW_LAUNCH"]
)
def test_a_switch_that_is_not_a_yes_or_a_no_is_refused_naming_the_variable(variable: str) -> None:
    with pytest.raises(ValueError, match=rf"^{variable} must be one of 1, true, yes, on, 0, false, no, off"):
        Settings.from_env({variable: "maybe"})
    for word, meaning in [("TRUE", True), (" on ", True), ("No", False), ("0", False), ("", False)]:
        assert getattr(Settings.from_env({variable: word}), variable.removeprefix("REGISTRY_MCP_").lower()) is meaning
    refused = _start(**{variable: "maybe"})
    assert refused.returncode == 2 and refused.stdout == "" and "Traceback" not in refused.stderr
    assert f"{variable} must be one of" in refused.stderr and "maybe" not in refused.stderr


def test_an_allow_list_entry_that_matches_no_tool_is_refused_naming_it() -> None:
    refused = _start(REGISTRY_MCP_TOOLS="list_*,nonexistent_tool")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "'nonexistent_tool' matches no tool" in refused.stderr and "list_registry_servers" in refused.stderr
    refused = _start("--tools", "get_registry_server,delete_regsitry_server")
    assert refused.returncode == 2 and "'delete_regsitry_server' matches no tool" in refused.stderr


def test_an_explicit_database_in_a_missing_folder_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    refused = _start("--db", str(missing / "registry.db"))
    assert refused.returncode == 2 and refused.stdout == "" and "Traceback" not in refused.stderr
    assert "--db" in refused.stderr and "does not exist" in refused.stderr
    refused = _start(REGISTRY_MCP_DB=str(missing / "registry.db"))
    assert refused.returncode == 2 and "REGISTRY_MCP_DB" in refused.stderr and "does not exist" in refused.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.anyio
async def test_the_default_database_folder_is_created_on_first_use(tmp_path: Path) -> None:
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    database = tmp_path / "data" / "registry-mcp" / "registry.db"
    async with Client(StdioServerParameters(command=server_command(), args=[], env=environment)) as client:
        await client.list_tools()
        assert not database.exists()  # start-up opens nothing
        listed = await client.call_tool("list_registry_servers", {})
    assert not listed.is_error and database.is_file()


def test_start_up_says_what_it_serves_at_info_and_help_shows_the_defaults(tmp_path: Path) -> None:
    database = tmp_path / "said.db"
    started = _start("--log-level", "INFO", "--db", str(database))
    assert started.returncode == 0 and started.stdout == ""
    assert f"embedded registry in {database}" in started.stderr and "stdio" in started.stderr
    cloud = _start("--log-level", "INFO", timeout=30, ENKRYPT_API_KEY="sk-start-secret-123", ENKRYPT_PROJECT="team")
    assert "https://api.enkryptai.com" in cloud.stderr and "project 'team'" in cloud.stderr
    assert "sk-start-secret-123" not in cloud.stderr
    quiet = _start("--db", str(database))
    assert quiet.stderr == ""
    usage = _start("--help").stdout
    assert "default: WARNING" in usage and "registry-mcp/registry.db" in usage

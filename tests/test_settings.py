"""Settings from the environment: which registry, and which tools."""

from __future__ import annotations

import os
import subprocess

import pytest

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

"""registry_mcp.config_files on its own: a file that changes or appears between reading and
writing is left alone, and nothing half-written stays behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from registry_mcp.config_files import WriteRefused, plan_write, write
from registry_mcp.export import export
from registry_mcp.models import RegistryServer

SERVER = RegistryServer.model_validate(
    {"saved_name": "files", "mcp_config": {"config": {"command": "npx", "args": ["-y", "@m/files"]}}}
)


def test_a_file_changed_after_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "mcp.json"
    target.write_text('{"mcpServers": {}}')
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    target.write_text('{"mcpServers": {"theirs": {"command": "x"}}}')  # another writer, meanwhile
    with pytest.raises(WriteRefused, match="changed meanwhile"):
        write(plan)
    assert json.loads(target.read_text()) == {"mcpServers": {"theirs": {"command": "x"}}}
    assert sorted(os.listdir(tmp_path)) == ["mcp.json"]


def test_a_file_that_appears_after_planning_a_new_one_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "mcp.json"
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    target.write_text("{}")
    with pytest.raises(WriteRefused, match="appeared there meanwhile"):
        write(plan)
    assert target.read_text() == "{}" and sorted(os.listdir(tmp_path)) == ["mcp.json"]


def test_a_new_file_is_private_and_complete(tmp_path: Path) -> None:
    target = tmp_path / "mcp.json"
    assert write(plan_write(str(target), export([SERVER], "vscode"), "vscode", "unused")) is None
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert json.loads(target.read_text()) == {
        "servers": {"files": {"type": "stdio", "command": "npx", "args": ["-y", "@m/files"]}}
    }

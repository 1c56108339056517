"""registry_mcp.gateway.config_files on its own: a file that changes or appears between reading and
writing is left alone, and nothing half-written stays behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from registry_mcp.errors import WriteRefused
from registry_mcp.gateway.config_files import plan_write, write
from registry_mcp.gateway.export import export
from registry_mcp.registry.models import RegistryServer

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


def test_a_file_whose_permissions_changed_after_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "mcp.json"
    target.write_text('{"mcpServers": {}}')
    target.chmod(0o600)
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    target.chmod(0o644)  # the content is the same; who can read it is not
    with pytest.raises(WriteRefused, match=r"permissions changed meanwhile \(0600 to 0644\)"):
        write(plan)
    assert target.read_text() == '{"mcpServers": {}}' and sorted(os.listdir(tmp_path)) == ["mcp.json"]


def test_a_folder_on_the_path_that_is_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / ".vscode").symlink_to(elsewhere)
    with pytest.raises(WriteRefused, match="one of its folders is a symbolic link"):
        plan_write(str(tmp_path / "proj" / ".vscode" / "mcp.json"), export([SERVER], "vscode"), "vscode", "unused")
    # and a folder swapped for a link between planning and writing
    (tmp_path / "real").mkdir()
    plan = plan_write(str(tmp_path / "real" / "mcp.json"), export([SERVER], "vscode"), "vscode", "unused")
    (tmp_path / "real").rename(tmp_path / "moved")
    (tmp_path / "real").symlink_to(elsewhere)
    with pytest.raises(WriteRefused, match="one of its folders is a symbolic link"):
        write(plan)
    assert os.listdir(elsewhere) == [] and os.listdir(tmp_path / "moved") == []


def test_the_plan_records_what_it_replaces_and_the_config_wide_policy_it_changes(tmp_path: Path) -> None:
    target = tmp_path / "enkrypt_mcp_config.json"
    strict = {"enabled": True, "guardrail_name": "strict", "additional_config": {}, "block": ["pii"]}
    old_entry = {"server_name": "files", "config": {"command": "old-cmd", "args": []}}
    target.write_text(json.dumps({"mcp_configs": {"id1": {
        "mcp_config_name": "cfg", "mcp_config": [old_entry],
        "common_overrides": {"server_tools_guardrails_config": strict}
    }}}))  # fmt: skip
    policy = {"enabled": True, "guardrail_name": "off", "block": []}
    server = RegistryServer.model_validate(
        {"saved_name": "files", "mcp_config": {"config": {"command": "npx"}, "tool_guardrails_config": policy}}
    )
    plan = plan_write(str(target), export([server], "gateway"), "gateway", "cfg")
    assert plan.replaced == ["files"] and plan.previous == {"files": old_entry}
    assert plan.entries["files"]["config"] == {"command": "npx", "args": []}
    assert plan.policy == (strict, {"enabled": True, "guardrail_name": "off", "additional_config": {}, "block": []})

"""registry_mcp.gateway.config_files on its own: a file that changes or appears between reading and
writing is left alone, and nothing half-written stays behind."""

from __future__ import annotations

import json
import os
import re
import stat
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

import pytest

from registry_mcp.errors import WriteRefused
from registry_mcp.gateway import config_files
from registry_mcp.gateway.config_files import digest, owner_name, plan_write, write
from registry_mcp.gateway.export import ExportFormat, export
from registry_mcp.registry.models import RegistryServer
from registry_mcp.secrets.masking import MASK

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


# --- refusals, each saying exactly why ---------------------------------------------------------------

GUARDED = RegistryServer.model_validate(
    {
        "saved_name": "files",
        "mcp_config": {
            "config": {"command": "npx"},
            "denied_tools": ["rm_*"],
            "tool_guardrails_config": {"enabled": True, "guardrail_name": "off", "block": []},
        },
    }
)
POLICY = {"enabled": True, "guardrail_name": "off", "additional_config": {}, "block": []}
NOT_PLAIN_JSON = (
    "path: the file is not plain JSON (comments or trailing commas?), so it cannot be rewritten without losing "
    "them; remove them, or write to a new file"
)
TOO_DEEP = "path: the file nests objects too deeply to be rewritten"


@pytest.mark.parametrize(
    ("name", "export_format", "content", "message"),
    [
        ("mcp.json", "mcpServers", '{"mcpServers": {}, // mine\n}', NOT_PLAIN_JSON),
        ("mcp.json", "mcpServers", '{"mcpServers": {},}', NOT_PLAIN_JSON),
        ("mcp.json", "mcpServers", "[]", "path: the file does not hold a JSON object"),
        ("mcp.json", "mcpServers", '{"mcpServers": []}', "path: the file's mcpServers is not an object"),
        (
            "managed.json",
            "claude_managed",
            '{"allowedMcpServers": {}}',
            "path: the file's allowedMcpServers is not a list",
        ),
        (
            "enkrypt.json",
            "gateway",
            '{"plugins": {}}',
            "path: the file is not a secure-mcp-gateway config (it has no mcp_configs object)",
        ),
        (
            "enkrypt.json",
            "gateway",
            '{"mcp_configs": {"id1": {"mcp_config_name": "cfg", "mcp_config": {}}}}',
            "path: mcp_configs.id1.mcp_config is not a list",
        ),
        (
            "enkrypt.json",
            "gateway",
            '{"mcp_configs": {"id1": {"mcp_config_name": "cfg", "mcp_config": [], "common_overrides": []}}}',
            "path: mcp_configs.id1.common_overrides is not an object",
        ),
        (
            "enkrypt.json",
            "gateway_overrides",
            '{"mcpServers": {}}',
            "path: the file is not a secure-mcp-gateway config (it has none of mcp_configs, plugins, "
            "local_server_overrides); give the gateway's own config file",
        ),
        ("config.toml", "codex", "[mcp_servers\n", "path: the file is not TOML, so not a Codex config.toml"),
        (
            "config.toml",
            "codex",
            "# mine\nmodel = 'o3'\n",
            "path: the file has comments, which rewriting it would lose; remove them, or write to a new file",
        ),
        ("mcp.json", "mcpServers", '{"mcpServers": {}, "deep": ' + "[" * 5000 + "]" * 5000 + "}", TOO_DEEP),
        ("mcp.json", "mcpServers", '{"mcpServers": {}, "deep": ' + "[" * 600 + "]" * 600 + "}", TOO_DEEP),
        ("config.toml", "codex", "deep = " + "[" * 5000 + "]" * 5000 + "\n", TOO_DEEP),
        ("config.toml", "codex", "deep = " + "[" * 400 + "]" * 400 + "\n", TOO_DEEP),
        # Read by the parser, too deep to walk: in an entry that is replaced, in the allowlist, as TOML keys.
        ("mcp.json", "mcpServers", '{"mcpServers": {"files": ' + "[" * 600 + "]" * 600 + "}}", TOO_DEEP),
        ("managed.json", "claude_managed", '{"allowedMcpServers": [' + "[" * 600 + "]" * 600 + "]}", TOO_DEEP),
        ("config.toml", "codex", "[" + ".".join(["a"] * 500) + "]\nx = 1\n", TOO_DEEP),
        ("config.toml", "codex", ".".join(["a"] * 500) + " = 1\n", TOO_DEEP),
        # An integer longer than any TOML integer (64 bits), and than Python reads.
        ("config.toml", "codex", "x = " + "1" * 5000 + "\n", "path: the file is not TOML, so not a Codex config.toml"),
        (
            "mcp.json",
            "mcpServers",
            '{"mcpServers": {"x": "\\udfff"}}',
            "path: the file holds a lone surrogate (a \\ud800-\\udfff escape without its pair), which cannot be "
            "written back as UTF-8; remove it, or write to a new file",
        ),
    ],
)
def test_a_file_that_cannot_be_rewritten_is_refused_saying_why(
    tmp_path: Path, name: str, export_format: ExportFormat, content: str, message: str
) -> None:
    target = tmp_path / name
    target.write_text(content)
    with pytest.raises(WriteRefused) as refused:
        plan_write(str(target), export([GUARDED], export_format), export_format, "cfg")
    assert str(refused.value) == message
    assert target.read_text() == content


@pytest.mark.parametrize(
    ("name", "export_format", "content"),
    [
        ("managed.json", "claude_managed", '{"allowedMcpServers": [' + "1" * 5000 + "]}"),
        ("mcp.json", "mcpServers", '{"mcpServers": {"files": {"n": ' + "1" * 5000 + "}}}"),
        ("enkrypt.json", "gateway", '{"mcp_configs": {}, "kept": ' + "1" * 5000 + "}"),
    ],
    ids=["allowlist", "replaced-entry", "kept-elsewhere"],
)
def test_an_integer_longer_than_python_reads_does_not_stop_a_write(
    tmp_path: Path, name: str, export_format: ExportFormat, content: str
) -> None:
    target = tmp_path / name
    target.write_text(content)
    plan = plan_write(str(target), export([GUARDED], export_format), export_format, "cfg")
    write(plan)
    written = target.read_text()
    assert ("1" * 5000 in written) == (export_format == "gateway")  # replaced, or kept as it was written


def test_a_path_whose_folder_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WriteRefused) as refused:
        plan_write(str(tmp_path / "absent" / "mcp.json"), export([SERVER], "vscode"), "vscode", "unused")
    assert str(refused.value) == "path: its folder does not exist; create it first"
    assert not (tmp_path / "absent").exists()


def test_a_symbolic_link_is_refused_saying_what_to_give_instead(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "mcp.json").write_text("{}")
    (tmp_path / "folder").symlink_to(tmp_path / "real")
    (tmp_path / "file.json").symlink_to(tmp_path / "real" / "mcp.json")
    with pytest.raises(WriteRefused) as through_folder:
        plan_write(str(tmp_path / "folder" / "mcp.json"), export([SERVER], "vscode"), "vscode", "unused")
    assert str(through_folder.value) == (
        "path: one of its folders is a symbolic link; registry-mcp does not write through links. Give the real "
        "path (as `realpath` prints it), if that is the file to change"
    )
    with pytest.raises(WriteRefused) as the_file:
        plan_write(str(tmp_path / "file.json"), export([SERVER], "vscode"), "vscode", "unused")
    assert str(the_file.value) == (
        "path: it is a symbolic link; registry-mcp does not write through links. Give the path of the file it "
        "points to, if that is the file to change"
    )
    assert (tmp_path / "real" / "mcp.json").read_text() == "{}"


def test_an_export_still_holding_the_mask_is_never_written(tmp_path: Path) -> None:
    masked = RegistryServer.model_validate(
        {"saved_name": "files", "mcp_config": {"config": {"command": "npx", "env": {"TOKEN": MASK}}}}
    )
    target = tmp_path / "mcp.json"
    with pytest.raises(WriteRefused) as refused:
        plan_write(str(target), export([masked], "mcpServers"), "mcpServers", "unused")
    assert str(refused.value) == (
        "mcpServers.files.env.TOKEN holds the mask '<masked secret: unchanged when sent back>' (or a variant of "
        "it) where the registry should hold a value; nothing was written. Give the server its real value first "
        "(modify_registry_server)"
    )
    assert not target.exists()


# --- what the plan says and the file gets ------------------------------------------------------------


def test_a_new_gateway_file_is_an_import_file_naming_the_config_and_its_policy(tmp_path: Path) -> None:
    target = tmp_path / "import.json"
    plan = plan_write(str(target), export([GUARDED], "gateway"), "gateway", "cfg")
    assert plan.what == "a secure-mcp-gateway import file"
    assert plan.added == ["files"] and plan.policy == (None, POLICY)
    write(plan)
    written = json.loads(target.read_text())["config"]
    assert written["mcp_config_name"] == "cfg"
    assert [server["server_name"] for server in written["mcp_config"]] == ["files"]
    assert written["common_overrides"] == {"server_tools_guardrails_config": POLICY}


def test_a_new_config_in_a_gateway_file_gets_a_uuid_that_is_the_same_each_time(tmp_path: Path) -> None:
    target = tmp_path / "enkrypt.json"
    target.write_text('{"mcp_configs": {"id1": {"mcp_config_name": "other", "mcp_config": []}}}')
    first = plan_write(str(target), export([SERVER], "gateway"), "gateway", "cfg")
    again = plan_write(str(target), export([SERVER], "gateway"), "gateway", "cfg")
    assert first.what == "a secure-mcp-gateway config"
    assert first.data == again.data
    [new] = [key for key in first.content["mcp_configs"] if key != "id1"]
    assert str(uuid.UUID(new)) == new
    assert first.content["mcp_configs"][new]["mcp_config_name"] == "cfg"


def test_a_config_without_common_overrides_gets_the_registrys_policy(tmp_path: Path) -> None:
    target = tmp_path / "enkrypt.json"
    target.write_text('{"mcp_configs": {"id1": {"mcp_config_name": "cfg", "mcp_config": []}}}')
    plan = plan_write(str(target), export([GUARDED], "gateway"), "gateway", "cfg")
    assert plan.policy == (None, POLICY)
    write(plan)
    config = json.loads(target.read_text())["mcp_configs"]["id1"]
    assert config["common_overrides"] == {"server_tools_guardrails_config": POLICY}


def test_a_policy_the_config_already_has_is_not_shown_as_a_change(tmp_path: Path) -> None:
    target = tmp_path / "enkrypt.json"
    config = {
        "mcp_config_name": "cfg",
        "mcp_config": [],
        "common_overrides": {"server_tools_guardrails_config": POLICY},
    }
    target.write_text(json.dumps({"mcp_configs": {"id1": config}}))
    plan = plan_write(str(target), export([GUARDED], "gateway"), "gateway", "cfg")
    assert plan.policy is None and plan.added == ["files"]


def test_a_gateway_configs_own_entries_are_kept_and_counted(tmp_path: Path) -> None:
    target = tmp_path / "enkrypt.json"
    servers = ["a note", {"server_name": "other"}, {"server_name": "files", "config": {"command": "old"}}]
    target.write_text(json.dumps({"mcp_configs": {"id1": {"mcp_config_name": "cfg", "mcp_config": servers}}}))
    plan = plan_write(str(target), export([SERVER], "gateway"), "gateway", "cfg")
    assert plan.kept == 2 and plan.replaced == ["files"] and plan.added == []
    written = json.loads(plan.data)["mcp_configs"]["id1"]["mcp_config"]
    assert written[:2] == ["a note", {"server_name": "other"}] and written[2]["config"]["command"] == "npx"


def test_a_managed_allowlist_names_the_files_entries_it_drops(tmp_path: Path) -> None:
    target = tmp_path / "managed-settings.json"
    target.write_text('{"allowedMcpServers": ["odd", "odd", {"serverName": "x"}, {"serverCommand": ["npx"]}, true]}')
    plan = plan_write(str(target), export([GUARDED], "claude_managed"), "claude_managed", "unused")
    assert plan.what == "Claude Code's managed settings"
    assert plan.removed == ['"odd"', '{"serverName": "x"}', "true"]
    assert plan.kept == 1 and plan.added == []


def test_a_managed_allowlist_holding_numbers_names_them_as_numbers(tmp_path: Path) -> None:
    target = tmp_path / "managed-settings.json"
    target.write_text('{"allowedMcpServers": [1.50, NaN, -0, {"serverName": "x", "n": 2e0}]}')
    plan = plan_write(str(target), export([GUARDED], "claude_managed"), "claude_managed", "unused")
    assert plan.removed == ["1.5", "NaN", "0", '{"n": 2.0, "serverName": "x"}']
    write(plan)
    assert '"allowedMcpServers": [\n    {\n      "serverCommand": [\n        "npx"' in target.read_text()


def test_overrides_go_into_a_gateway_config_or_a_new_file_to_merge_by_hand(tmp_path: Path) -> None:
    existing = tmp_path / "enkrypt.json"
    existing.write_text('{"plugins": {}}')
    plan = plan_write(str(existing), export([GUARDED], "gateway_overrides"), "gateway_overrides", "unused")
    assert plan.what == "the local_server_overrides of a secure-mcp-gateway config" and plan.next_step == ""
    new = plan_write(str(tmp_path / "new.json"), export([GUARDED], "gateway_overrides"), "gateway_overrides", "unused")
    assert new.what == "a file holding local_server_overrides"
    assert new.next_step == (
        "The gateway reads local_server_overrides only from its own config file: merge this block into it at "
        "the top level"
    )


@pytest.mark.parametrize(("private", "mode"), [(False, 0o755), (True, 0o700)])
def test_an_existing_file_keeps_its_permissions_unless_asked_to_make_it_private(
    tmp_path: Path, private: bool, mode: int
) -> None:
    target = tmp_path / "mcp.json"
    target.write_text("{}")
    target.chmod(0o755)
    if private:
        write(plan_write(str(target), export([SERVER], "vscode"), "vscode", "unused", private=True))
    else:
        write(plan_write(str(target), export([SERVER], "vscode"), "vscode", "unused"))
    assert oct(target.stat().st_mode & 0o777) == oct(mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user takes root")
def test_the_files_owner_is_its_user_not_its_group(tmp_path: Path) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text("{}")
    os.chown(mine, 0, 65534)
    assert plan_write(str(mine), export([SERVER], "vscode"), "vscode", "unused").other_owner is None
    theirs = tmp_path / "theirs.json"
    theirs.write_text("{}")
    os.chown(theirs, 65534, 0)
    assert plan_write(str(theirs), export([SERVER], "vscode"), "vscode", "unused").other_owner == owner_name(65534)


def test_renderings_that_differ_only_in_key_order_have_the_same_digest() -> None:
    assert digest({"a": 1, "b": {"x": "é", "y": 2}}) == digest({"b": {"y": 2, "x": "é"}, "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})


# --- writing: only as planned, through a hidden temporary file, with a backup --------------------------


def _changed(target: Path) -> None:
    target.write_text('{"mcpServers": {"theirs": {}}}')


def _chmodded(target: Path) -> None:
    target.chmod(0o640)


def _given_away(target: Path) -> None:
    os.chown(target, 65534, 65534)


def _removed(target: Path) -> None:
    target.unlink()


MEANWHILE = [
    (_changed, "path: the file changed meanwhile; nothing was written, try again"),
    (_chmodded, "path: the file's permissions changed meanwhile (0600 to 0640); nothing was written, try again"),
    (_removed, "path: the file was removed meanwhile; nothing was written, try again"),
]
if os.geteuid() == 0:
    MEANWHILE.append((_given_away, "path: the file's owner changed meanwhile; nothing was written, try again"))


@pytest.mark.parametrize(("change", "message"), MEANWHILE)
def test_a_file_altered_after_planning_is_not_written_saying_how(
    tmp_path: Path, change: Callable[[Path], None], message: str
) -> None:
    target = tmp_path / "mcp.json"
    target.write_text('{"mcpServers": {}}')
    target.chmod(0o600)
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    change(target)
    with pytest.raises(WriteRefused) as refused:
        write(plan)
    assert str(refused.value) == message
    assert sorted(os.listdir(tmp_path)) == (["mcp.json"] if change is not _removed else [])


def test_a_file_appearing_after_planning_is_not_written_saying_so(tmp_path: Path) -> None:
    target = tmp_path / "mcp.json"
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    target.write_text("{}")
    with pytest.raises(WriteRefused) as refused:
        write(plan)
    assert str(refused.value) == "path: a file appeared there meanwhile; nothing was written, try again"


def test_the_bytes_are_written_to_a_hidden_temporary_file_beside_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "mcp.json"
    seen: list[list[str]] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        seen.append(sorted(os.listdir(tmp_path)))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    write(plan_write(str(target), export([SERVER], "vscode"), "vscode", "unused"))
    [[temporary]] = seen
    assert re.fullmatch(r"\.mcp\.json\.[^.]+\.tmp", temporary), temporary
    assert sorted(os.listdir(tmp_path)) == ["mcp.json"]


def test_a_refusal_at_the_last_check_is_reported_even_when_the_temporary_file_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "mcp.json"
    target.write_text('{"mcpServers": {}}')
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        real_fsync(descriptor)
        for name in os.listdir(tmp_path):
            if name.endswith(".tmp"):  # someone cleaning the folder, while someone else edits the file
                (tmp_path / name).unlink()
                _changed(target)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(WriteRefused) as refused:
        write(plan)
    assert str(refused.value) == "path: the file changed meanwhile; nothing was written, try again"
    assert json.loads(target.read_text()) == {"mcpServers": {"theirs": {}}}


def test_the_backup_is_named_by_the_utc_time_of_the_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "IST-05:30")  # five and a half hours east of UTC: a local time would be hours off
    time.tzset()
    try:
        target = tmp_path / "mcp.json"
        target.write_text('{"mcpServers": {}}')
        backup = write(plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused"))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert backup is not None and backup.parent == tmp_path
    stamp = re.fullmatch(r"mcp\.json\.(\d{8}T\d{12}Z)\.bak", backup.name)
    assert stamp is not None, backup.name
    when = datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=5)
    assert backup.read_text() == '{"mcpServers": {}}'


def test_the_backup_of_a_private_file_is_never_readable_by_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "mcp.json"
    target.write_text('{"mcpServers": {}}')
    target.chmod(0o600)
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    modes: list[int] = []
    real_fchmod = os.fchmod

    def fchmod(descriptor: int, mode: int) -> None:
        modes.append(stat.S_IMODE(os.fstat(descriptor).st_mode))  # what the file had until now
        real_fchmod(descriptor, mode)

    monkeypatch.setattr(os, "fchmod", fchmod)
    previous = os.umask(0o022)
    try:
        backup = write(plan)
    finally:
        os.umask(previous)
    assert backup is not None and oct(backup.stat().st_mode & 0o777) == "0o600"
    assert [oct(mode) for mode in modes if mode & 0o077] == []


def test_a_file_already_at_the_backups_name_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            return cls(2030, 1, 2, 3, 4, 5, 6, tzinfo=tz)

    monkeypatch.setattr(config_files, "datetime", Frozen)
    target = tmp_path / "mcp.json"
    target.write_text('{"mcpServers": {}}')
    taken = tmp_path / "mcp.json.20300102T030405000006Z.bak"
    taken.write_text("someone else's")
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    with pytest.raises(FileExistsError):
        write(plan)
    assert taken.read_text() == "someone else's" and target.read_text() == '{"mcpServers": {}}'


def test_an_empty_codex_config_is_backed_up_empty(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text("")
    backup = write(plan_write(str(target), export([SERVER], "codex"), "codex", "unused"))
    assert backup is not None and backup.read_bytes() == b""
    assert 'command = "npx"' in target.read_text()

"""write_registry_export and the files it rewrites: another user's file gets secrets only with a person's
agreement to a question naming that user; the file's numbers and keys come back exactly as written (or
the write is refused, saying why); a file over the size limit is refused before it is read; and a path
that is no regular file is called what it is."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.errors import WriteRefused
from registry_mcp.gateway.config_files import (
    MAX_EXISTING_BYTES,
    WritePlan,
    _dumps,
    _read,
    not_a_file,
    owner_name,
    plan_write,
    write,
)
from registry_mcp.gateway.export import export
from registry_mcp.importing import ConfigError, read_config
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.models import RegistryServer
from registry_mcp.settings import Settings

from .conftest import Person, text_of

pytestmark = pytest.mark.anyio

SECRET = "ghp_" + "s3cr3t" * 6
SERVER = RegistryServer.model_validate(
    {"saved_name": "files", "mcp_config": {"config": {"command": "npx", "args": ["-y", "@m/files"]}}}
)
ADD = {
    "saved_name": "files",
    "mcp_config": {"config": {"command": "npx", "args": ["-y", "@m/files"], "env": {"GITHUB_TOKEN": SECRET}}},
}


# --- another user's file ------------------------------------------------------------------------------


@pytest.fixture
def theirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A config file owned by another user: uid 65534 when the tests run as root (as the attack did),
    else this user's own file while registry-mcp believes it runs as someone else."""
    target = tmp_path / "claude.json"
    target.write_text('{"mcpServers": {}}')
    if os.geteuid() == 0:
        os.chown(target, 65534, 65534)
        owner = owner_name(65534)
    else:
        real = os.geteuid()
        monkeypatch.setattr(os, "geteuid", lambda: real + 1)
        owner = owner_name(real)
    return target, owner


async def test_confirm_alone_never_writes_secrets_into_another_users_file(theirs: tuple[Path, str]) -> None:
    target, owner = theirs
    async with Client(create_server(Settings())) as client:  # a client that cannot ask
        assert not (await client.call_tool("add_registry_server", ADD)).is_error
        result = await client.call_tool(
            "write_registry_export", {"format": "mcpServers", "path": str(target), "confirm": True}
        )
    assert result.structured_content is not None and result.structured_content["written"] is False
    assert f"Nothing was written: the file belongs to {owner}, not to you, and would give that user 1 secret" in (
        text_of(result)
    )
    assert "confirm: true is not enough" in text_of(result)
    assert target.read_text() == '{"mcpServers": {}}'


async def test_a_person_told_who_owns_the_file_may_allow_it(theirs: tuple[Path, str]) -> None:
    target, owner = theirs
    before = os.stat(target)
    person = Person()
    async with Client(create_server(Settings()), elicitation_callback=person) as client:
        assert not (await client.call_tool("add_registry_server", ADD)).is_error
        result = await client.call_tool("write_registry_export", {"format": "mcpServers", "path": str(target)})
    assert result.structured_content is not None and result.structured_content["written"] is True, text_of(result)
    [question] = person.asked
    assert (
        f"Warning: the file belongs to {owner}, not to you; it stays theirs, so that user can read these secrets."
        in question.message
    )
    assert SECRET in target.read_text() and os.stat(target).st_uid == before.st_uid


async def test_confirm_alone_writes_into_another_users_file_when_no_secret_goes_there(
    theirs: tuple[Path, str],
) -> None:
    target, _ = theirs
    plain = {"saved_name": "files", "mcp_config": {"config": {"command": "npx", "args": ["-y", "@m/files"]}}}
    async with Client(create_server(Settings())) as client:
        assert not (await client.call_tool("add_registry_server", plain)).is_error
        result = await client.call_tool(
            "write_registry_export", {"format": "mcpServers", "path": str(target), "confirm": True}
        )
    assert result.structured_content is not None and result.structured_content["written"] is True, text_of(result)


def test_an_owner_is_named_by_name_and_uid() -> None:
    assert owner_name(0) == "the user 'root' (uid 0)"
    assert owner_name(2**31 - 7) == f"uid {2**31 - 7}, which names no user of this machine"


def test_ones_own_file_names_no_other_owner(tmp_path: Path) -> None:
    target = tmp_path / "mine.json"
    target.write_text("{}")
    assert plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused").other_owner is None


# --- numbers and keys, exactly as written -----------------------------------------------------------------

NUMBERS = (
    '{"mcpServers": {}, "n": [1e400, 1.0, 1, 123456789012345678901234567890123, -0.0, -0, 1E5, 1.50, 2e-7], '
    '"odd": [NaN, -Infinity], "deep": {"pi": 3.14159265358979323846264338327950288}}'
)


def test_the_files_numbers_are_written_back_as_they_were_written(tmp_path: Path) -> None:
    target = tmp_path / "claude.json"
    target.write_text(NUMBERS)
    write(plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused"))
    written = target.read_text()
    assert (
        '"n": [\n    1e400,\n    1.0,\n    1,\n    123456789012345678901234567890123,\n    -0.0,\n    -0,\n'
        "    1E5,\n    1.50,\n    2e-7\n  ]"
    ) in written
    assert '"odd": [\n    NaN,\n    -Infinity\n  ]' in written
    assert '"pi": 3.14159265358979323846264338327950288' in written
    assert json.loads(written)["mcpServers"]["files"] == {"command": "npx", "args": ["-y", "@m/files"]}


async def test_write_registry_export_keeps_the_files_numbers(tmp_path: Path) -> None:
    target = tmp_path / "claude.json"
    target.write_text(NUMBERS)
    async with Client(create_server(Settings())) as client:
        assert not (await client.call_tool("add_registry_server", ADD)).is_error
        result = await client.call_tool(
            "write_registry_export", {"format": "mcpServers", "path": str(target), "confirm": True}
        )
    assert result.structured_content is not None and result.structured_content["written"] is True, text_of(result)
    assert "1e400," in target.read_text() and "Infinity," not in target.read_text().replace("-Infinity", "")


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('{"mcpServers": {}, "a": 1, "a": 2}', '"a"'),
        ('{"mcpServers": {"x": {"command": "a", "command": "b"}}}', '"command"'),
        ('{"mcpServers": {}, "mcpServers": {"y": {}}}', '"mcpServers"'),
        ('{"mcpServers": {}, "é": 1, "é": 2}', '"é"'),
        ('{"mcpServers": {}, "' + "k" * 150 + '": 1, "' + "k" * 150 + '": 2}', '"' + "k" * 99),
    ],
)
def test_a_file_with_a_key_twice_in_one_object_is_refused(tmp_path: Path, content: str, key: str) -> None:
    target = tmp_path / "claude.json"
    target.write_text(content)
    with pytest.raises(WriteRefused) as refused:
        plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    assert str(refused.value) == (
        f"path: the file has the key {key} twice in one object; readers differ on which one counts, so it is not "
        "rewritten: remove one of them"
    )
    assert target.read_text() == content


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [1, {"d": None}], "é": 'ü\n"q"', "t": True, "f": 1.5},
        {"mcpServers": {"x": {"command": "npx", "args": ["-y", "@a/b"], "env": {"K": "v"}}}},
        "text",
    ],
)
def test_the_writer_writes_what_json_dumps_writes(value: Any) -> None:
    assert _dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


# --- size: refused before it is read -------------------------------------------------------------------


def _refused_measuring_memory(target: Path) -> tuple[WriteRefused, int]:
    """Why writing into `target` is refused, and the most memory planning it took."""
    tracemalloc.start()
    try:
        with pytest.raises(WriteRefused) as refused:
            plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return refused.value, peak


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    target = tmp_path / "huge.json"
    with target.open("wb") as file:
        file.truncate(4 * MAX_EXISTING_BYTES)  # sparse: 64 MiB of zeros that take no disk
    refused, peak = _refused_measuring_memory(target)
    assert str(refused) == (
        "path: the file holds 67,108,864 bytes, more than the 16 MiB registry-mcp rewrites; write to a new file, "
        "or export_registry_servers and add the block by hand"
    )
    assert peak < 1024 * 1024  # not read


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    target = tmp_path / "big.json"
    start = '{"mcpServers": {}, "pad": "'
    target.write_text(start + "x" * (MAX_EXISTING_BYTES - len(start) - 2) + '"}')  # its last byte closes it
    assert os.stat(target).st_size == MAX_EXISTING_BYTES
    plan = plan_write(str(target), export([SERVER], "mcpServers"), "mcpServers", "unused")
    assert plan.added == ["files"]


def test_a_file_that_grew_after_it_was_measured_is_read_no_further_than_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "growing.json"
    with target.open("wb") as file:
        file.truncate(4 * MAX_EXISTING_BYTES)
    real_fstat = os.fstat

    def measured_small(descriptor: int) -> os.stat_result:  # as it was measured, before it grew
        fields = list(real_fstat(descriptor))
        fields[6] = 100  # st_size
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fstat", measured_small)
    refused, peak = _refused_measuring_memory(target)
    assert str(refused) == "path: the file is larger than 16 MiB"
    assert peak < 2 * MAX_EXISTING_BYTES


# --- what a path is ------------------------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


def _kinds(tmp_path: Path, fifo: Path) -> list[tuple[Path, str]]:
    return [(fifo, "a named pipe (FIFO)"), (Path("/dev/zero"), "a character device"), (tmp_path, "a folder")]


def test_writing_to_what_is_no_file_says_what_it_is(tmp_path: Path, fifo: Path) -> None:
    for path, kind in _kinds(tmp_path, fifo):
        with pytest.raises(WriteRefused) as refused:
            plan_write(str(path), export([SERVER], "mcpServers"), "mcpServers", "unused")
        assert str(refused.value) == f"path: it is {kind}, not a regular file"


def test_a_fifo_put_there_after_the_path_was_checked_is_not_read(fifo: Path) -> None:
    """Opened without blocking, then checked again: a reader never waits on a pipe nobody writes."""
    with pytest.raises(WriteRefused) as refused:
        _read(fifo, WritePlan(path=fifo, content={}, what=""))
    assert str(refused.value) == "path: it is a named pipe (FIFO), not a regular file"


def test_a_file_is_read_as_json_unless_it_is_said_to_be_toml(tmp_path: Path) -> None:
    target = tmp_path / "claude.json"
    target.write_text('{"mcpServers": {}}')
    assert _read(target, WritePlan(path=target, content={}, what="")) == {"mcpServers": {}}


def test_importing_from_what_is_no_file_says_what_it_is(tmp_path: Path, fifo: Path) -> None:
    for path, kind in _kinds(tmp_path, fifo):
        with pytest.raises(ConfigError) as refused:
            read_config(str(path))
        assert f"it is {kind}, not a regular file" in str(refused.value), str(refused.value)
    with pytest.raises(ConfigError, match="no such file"):
        read_config(str(tmp_path / "absent.json"))


async def test_the_tools_say_what_a_fifo_is(fifo: Path) -> None:
    async with Client(create_server(Settings())) as client:
        assert not (await client.call_tool("add_registry_server", ADD)).is_error
        written = await client.call_tool(
            "write_registry_export", {"format": "mcpServers", "path": str(fifo), "confirm": True}
        )
        imported = await client.call_tool("import_client_config", {"source": str(fifo)})
    assert written.is_error and "path: it is a named pipe (FIFO), not a regular file" in text_of(written)
    assert imported.is_error and "it is a named pipe (FIFO), not a regular file" in text_of(imported)


KINDS = [
    (0o100644, None),
    (0o040755, "a folder"),
    (0o010644, "a named pipe (FIFO)"),
    (0o020666, "a character device"),
    (0o060660, "a block device"),
    (0o140755, "a socket"),
    (0o120777, "a special file"),
]


@pytest.mark.parametrize(("mode", "kind"), KINDS)
def test_not_a_file_names_each_kind(mode: int, kind: str | None) -> None:
    assert not_a_file(mode) == kind

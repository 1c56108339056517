"""The embedded registry's SQLite store, used directly: the record it answers, the scope of every
operation, writes that land whole or not at all, and a file that keeps its secrets to itself."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp import __version__
from registry_mcp.errors import Conflict, DatabaseUnusable, NotFound
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.embedded import RegistryStore
from registry_mcp.registry.embedded.store import Scope
from registry_mcp.secrets.masking import MASK
from registry_mcp.settings import Settings

from .conftest import server_payload, text_of

pytestmark = pytest.mark.anyio

SCOPE = Scope(project="alpha", registry_name="main")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
API_KEY = "sk-live-4Kd8Qm2Xe7Zr9Lp3"


def _server(saved_name: str, **fields: Any) -> dict[str, Any]:
    """A payload as the app hands it to the store (validated, with its identity columns filled in)."""
    return {"saved_name": saved_name, "server_version": "v1", "is_active": True, **fields}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RegistryStore]:
    opened = RegistryStore(tmp_path / "registry.db")
    yield opened
    opened.close()


def _generated(record: dict[str, Any]) -> dict[str, Any]:
    """The fields the store fills in, after checking their shape (their values cannot be known)."""
    uuid.UUID(record["registry_id"])
    assert TIMESTAMP.fullmatch(record["created_at"]) and TIMESTAMP.fullmatch(record["updated_at"])
    keys = ("registry_id", "created_at", "updated_at", "created_by", "updated_by")
    return {key: record[key] for key in keys}


# --- the record ----------------------------------------------------------------------------------


def test_a_record_is_what_was_sent_with_the_fields_the_registry_fills_in(store: RegistryStore) -> None:
    [added] = store.add(SCOPE, [_server("one", is_active=False, description="words", unknown_key={"kept": [1]})])
    generated = _generated(added)
    assert added == {
        "saved_name": "one",
        "server_version": "v1",
        "is_active": False,
        "job_id": None,
        "source_url": None,
        "source_version": None,
        "server_name": None,
        "description": "words",
        "mcp_config": None,
        "unknown_key": {"kept": [1]},
        "registry_name": "main",
        "project_name": "alpha",
        "is_sample": False,
        **generated,
    }
    assert generated["created_at"] == generated["updated_at"]
    assert generated["created_by"] == generated["updated_by"] == store.local_user
    assert store.get(SCOPE, "one", "v1") == added


def test_the_local_user_is_kept_in_the_file(tmp_path: Path) -> None:
    first = RegistryStore(tmp_path / "one.db")
    again = RegistryStore(tmp_path / "one.db")
    other = RegistryStore(tmp_path / "two.db")
    try:
        uuid.UUID(first.local_user)
        assert again.local_user == first.local_user != other.local_user
    finally:
        for store in (first, again, other):
            store.close()


# --- scope and soft deletes ----------------------------------------------------------------------


def test_each_registry_of_a_project_is_its_own(store: RegistryStore) -> None:
    other = Scope(project="alpha", registry_name="other")
    store.add(SCOPE, [_server("same", description="main's")])
    store.add(other, [_server("same", description="other's")])
    assert store.get(other, "same", "v1")["description"] == "other's"
    store.delete(other, "same", "v1")
    assert store.get(SCOPE, "same", "v1")["description"] == "main's"
    assert store.list_servers(other, page=1, per_page=10) == ([], 0)
    with pytest.raises(NotFound) as missing:
        store.get(other, "same", "v1")
    assert str(missing.value) == "no server 'same' version 'v1' in project 'alpha'"


def test_a_list_pages_in_the_order_servers_were_added_and_filters_on_is_active(store: RegistryStore) -> None:
    names = ["e", "a", "d", "b", "c"]
    store.add(SCOPE, [_server(name, is_active=name in "abc") for name in names])
    store.delete(SCOPE, "d", "v1")

    def listed(page: int, per_page: int, is_active: bool | None = None) -> tuple[list[str], int]:
        servers, total = store.list_servers(SCOPE, page=page, per_page=per_page, is_active=is_active)
        return [server["saved_name"] for server in servers], total

    assert listed(1, 2) == (["e", "a"], 4)
    assert listed(2, 2) == (["b", "c"], 4)
    assert listed(3, 2) == ([], 4)
    assert listed(1, 10, is_active=True) == (["a", "b", "c"], 3)
    assert listed(1, 10, is_active=False) == (["e"], 1)
    assert listed(2, 1, is_active=True) == (["b"], 3)


def test_a_soft_deleted_record_is_kept_with_its_secrets_masked(store: RegistryStore) -> None:
    config = {"config": {"command": "npx", "args": ["-y", "@acme/files"], "env": {"API_KEY": API_KEY}}}
    store.add(SCOPE, [_server("gone", mcp_config=config)])
    store.delete(SCOPE, "gone", "v1")
    with sqlite3.connect(store.path) as db:
        [(document, deleted_at)] = db.execute("SELECT document, deleted_at FROM servers").fetchall()
    assert TIMESTAMP.fullmatch(deleted_at)
    masked = {"config": {"command": "npx", "args": ["-y", "@acme/files"], "env": {"API_KEY": MASK}}}
    assert json.loads(document) == {"mcp_config": masked}
    with pytest.raises(NotFound):
        store.delete(SCOPE, "gone", "v1")


# --- writes: whole or not at all -----------------------------------------------------------------


def test_a_conflict_names_the_taken_server_and_adds_nothing(store: RegistryStore) -> None:
    store.add(SCOPE, [_server("taken")])
    with pytest.raises(Conflict) as one:
        store.add(SCOPE, [_server("new"), _server("taken")])
    assert str(one.value) == "a server 'taken' version 'v1' already exists in project 'alpha'"
    with pytest.raises(Conflict) as two:
        store.add(SCOPE, [_server("taken"), _server("fresh"), _server("fresh")])
    assert str(two.value) == ("2 servers already exist in project 'alpha': 'taken' version 'v1', 'fresh' version 'v1'")
    assert [server["saved_name"] for server in store.list_servers(SCOPE, page=1, per_page=10)[0]] == ["taken"]


def test_a_modify_writes_the_merged_record_and_who_changed_it_when(store: RegistryStore) -> None:
    [added] = store.add(SCOPE, [_server("one", description="before", tags=["a"], notes={"a": 1})])
    store._db.execute("UPDATE servers SET updated_at = '2000-01-01T00:00:00.000Z', updated_by = 'someone else'")
    changes = {"description": None, "is_active": False, "tags": None, "notes": {"b": 2}}
    changed = store.modify(SCOPE, "one", "v1", changes)
    assert TIMESTAMP.fullmatch(changed["updated_at"]) and changed["updated_at"] >= added["created_at"]
    expected = {**added, "description": None, "is_active": False, "notes": {"a": 1, "b": 2}}
    del expected["tags"]
    assert changed == {**expected, "updated_at": changed["updated_at"]}
    assert store.get(SCOPE, "one", "v1") == changed
    assert store.list_servers(SCOPE, page=1, per_page=10, is_active=False) == ([changed], 1)


def test_a_modify_without_merging_replaces_each_field_given(store: RegistryStore) -> None:
    config = {"config": {"command": "npx", "args": ["-y", "@acme/files"], "env": {"KEPT": "no"}}}
    store.add(SCOPE, [_server("one", mcp_config=config)])
    replaced = {"config": {"command": "uvx", "args": ["acme-files"]}}
    changed = store.modify(SCOPE, "one", "v1", {"mcp_config": replaced}, merge=False)
    assert changed["mcp_config"] == replaced and changed["is_active"] is True
    assert store.list_servers(SCOPE, page=1, per_page=10, is_active=True) == ([changed], 1)


def test_a_modify_its_check_refuses_writes_nothing(store: RegistryStore) -> None:
    [added] = store.add(SCOPE, [_server("one", description="before")])
    seen: list[dict[str, Any]] = []

    def refuse(updated: dict[str, Any]) -> None:
        seen.append(dict(updated))
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        store.modify(SCOPE, "one", "v1", {"description": "after", "is_active": False}, check=refuse)
    assert seen == [{"description": "after", "is_active": False}]
    assert store.get(SCOPE, "one", "v1") == added
    store.modify(SCOPE, "one", "v1", {"description": "later"})  # the store goes on writing
    assert store.get(SCOPE, "one", "v1")["description"] == "later"


def test_a_modify_holds_the_write_lock_from_its_read_to_its_write(store: RegistryStore) -> None:
    """Another process cannot write between the read a merge starts from and the write of its result."""
    store.add(SCOPE, [_server("one")])
    other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    refused: list[str] = []

    def try_to_write(_updated: dict[str, Any]) -> None:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as busy:
            refused.append(str(busy))
        else:
            other.execute("ROLLBACK")

    try:
        store.modify(SCOPE, "one", "v1", {"description": "mine"}, check=try_to_write)
    finally:
        other.close()
    assert refused == ["database is locked"]


# --- gateways ------------------------------------------------------------------------------------


def test_gateways_are_listed_by_the_server_they_use_in_its_scope(store: RegistryStore) -> None:
    store.add(SCOPE, [_server("shared"), _server("shared", server_version="v2")])
    first = store.add_gateway("alpha", "team", [("main", "shared", "v1"), ("main", "shared", "v2")])
    second = store.add_gateway("alpha", "ci", [("main", "shared", "v1")], version="v3")
    store.add_gateway("beta", "theirs", [("main", "shared", "v1")])
    store.add_gateway("alpha", "elsewhere", [("other", "shared", "v1")])
    found = store.gateways_for(SCOPE, "shared", "v1")
    created = [gateway.pop("created_at") for gateway in found]
    assert all(TIMESTAMP.fullmatch(stamp) for stamp in created)
    assert found == [
        {"gateway_id": first, "gateway_saved_name": "team", "gateway_version": "v1"},
        {"gateway_id": second, "gateway_saved_name": "ci", "gateway_version": "v3"},
    ]
    assert [gateway["gateway_id"] for gateway in store.gateways_for(SCOPE, "shared", "v2")] == [first]
    with pytest.raises(sqlite3.IntegrityError):  # foreign keys are enforced
        store._db.execute(
            "INSERT INTO gateway_servers (gateway_id, registry_name, saved_name, server_version) "
            "VALUES ('no-such-gateway', 'main', 'shared', 'v1')"
        )


STRICT_INPUT = {"enabled": True, "guardrail_name": "strict", "additional_config": {}, "block": ["pii"]}
TOXIC_OUTPUT = {"enabled": True, "guardrail_name": "calm", "additional_config": {}, "block": ["toxicity"]}


def test_a_gateway_config_is_its_live_servers_in_full_with_this_gateways_overrides(store: RegistryStore) -> None:
    store.add(SCOPE, [_server("files", description="reads files"), _server("retired"), _server("search")])
    store.add_gateway("alpha", "team", [("main", "files", "v1")], version="v2")  # recorded again below
    team = store.add_gateway(
        "alpha",
        "team",
        [("main", "search", "v1"), ("main", "retired", "v1"), ("main", "files", "v1")],
        version="v2",
        common_overrides={"input_guardrails_config": STRICT_INPUT},
        overrides={"files": {"output_guardrails_config": TOXIC_OUTPUT}},
    )
    store.delete(SCOPE, "retired", "v1")
    assert store.gateway_config("alpha", "team", "v2") == {
        "gateway_id": team,
        "common_overrides": {"input_guardrails_config": STRICT_INPUT},
        "expanded_servers": [  # in the gateway's order, without the server deleted since
            {**store.get(SCOPE, "search", "v1"), "gateway_overrides": {}},
            {**store.get(SCOPE, "files", "v1"), "gateway_overrides": {"output_guardrails_config": TOXIC_OUTPUT}},
        ],
        "request_context": {"gateway_saved_name": "team", "gateway_version": "v2", "project_name": "alpha"},
    }


def test_a_gateway_recorded_without_overrides_has_empty_ones(store: RegistryStore) -> None:
    store.add(SCOPE, [_server("files")])
    plain = store.add_gateway("alpha", "plain", [("main", "files", "v1")])
    config = store.gateway_config("alpha", "plain", "v1")
    assert (config["gateway_id"], config["common_overrides"]) == (plain, {})
    assert [server["gateway_overrides"] for server in config["expanded_servers"]] == [{}]


@pytest.mark.parametrize(
    ("project", "name", "version"),
    [("beta", "team", "v1"), ("alpha", "other", "v1"), ("alpha", "team", "v2")],
    ids=["another project", "another name", "another version"],
)
def test_a_gateway_config_is_found_only_by_its_project_name_and_version(
    store: RegistryStore, project: str, name: str, version: str
) -> None:
    store.add_gateway("alpha", "team", [])
    with pytest.raises(NotFound) as missing:
        store.gateway_config(project, name, version)
    assert str(missing.value) == f"no gateway '{name}' version '{version}' in project '{project}'"


# --- the database file ---------------------------------------------------------------------------


def test_the_file_is_opened_with_its_safety_settings(store: RegistryStore) -> None:
    def pragma(name: str) -> Any:
        [value] = store._db.execute(f"PRAGMA {name}").fetchone().values()
        return value

    settings = {name: pragma(name) for name in ("journal_mode", "busy_timeout", "synchronous", "secure_delete")}
    assert settings == {"journal_mode": "wal", "busy_timeout": 10_000, "synchronous": 1, "secure_delete": 1}


def test_a_folder_given_as_the_file_is_refused_untouched_with_the_error_the_system_gives(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    with pytest.raises(DatabaseUnusable) as unusable:
        RegistryStore(folder)
    assert str(unusable.value) == f"{folder} is a folder; the embedded registry is a file, such as {folder}/registry.db"
    with pytest.raises(IsADirectoryError) as opening:
        open(folder, "rb")  # noqa: SIM115 (never opened: the system refuses a folder)
    cause = unusable.value.__cause__
    assert isinstance(cause, IsADirectoryError) and str(cause) == str(opening.value)
    assert (cause.errno, cause.filename) == (opening.value.errno, str(folder))
    assert oct(folder.stat().st_mode & 0o777) == "0o755" and list(folder.iterdir()) == []


def test_a_file_from_a_newer_registry_mcp_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    with sqlite3.connect(path) as newer:
        newer.execute("PRAGMA user_version = 7")
    newer.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseUnusable) as unusable:
        RegistryStore(path)
    assert str(unusable.value) == (
        f"{path} was written by a newer registry-mcp (database schema 7; registry-mcp {__version__} reads up to 1): "
        "upgrade registry-mcp, or choose another file with --db or REGISTRY_MCP_DB"
    )
    assert path.read_bytes() == before


def test_an_in_memory_store_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    memory = RegistryStore(":memory:")
    memory.add(SCOPE, [_server("one")])
    memory.delete(SCOPE, "one", "v1")
    memory.close()
    assert list(tmp_path.iterdir()) == []


# --- the file is private, and a secret gone from the registry is gone from the file ----------------

ENV_SECRET = "sk-live-ENVSECRET-41c9e7"
HEADER_SECRET = "Bearer HDRSECRET-8d02f5"
OAUTH_SECRET = "OAUTHSECRET-5b7e13"
# Long enough to spill onto an overflow page, which SQLite frees separately from the row's page.
LONG_SECRET = "LONGSECRET-" + "x7" * 3000
SECRETIVE = {
    "config": {
        "url": "https://api.example.com/mcp",
        "headers": {"Authorization": HEADER_SECRET, "X-Tenant": "visible-tenant", "X-Blob": LONG_SECRET},
    },
    "oauth_config": {"enabled": True, "OAUTH_CLIENT_ID": "id", "OAUTH_CLIENT_SECRET": OAUTH_SECRET},
}


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _raw_bytes(database: Path) -> bytes:
    """Everything SQLite keeps for `database` on disk: the file and its companions."""
    companions = [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    return b"".join(path.read_bytes() for path in companions if path.exists())


def test_the_file_is_created_private_whatever_the_umask(tmp_path: Path) -> None:
    database = tmp_path / "new" / "dir" / "registry.db"
    previous = os.umask(0)  # the loosest umask: nothing may depend on it
    try:
        store = RegistryStore(database)
        store.add(Scope(project="default", registry_name="default"), [server_payload("one") | {
            "server_version": "v1", "is_active": True}])  # fmt: skip
        companions = [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm")]
        assert all(path.exists() for path in companions)
        assert [_mode(path) for path in (database, *companions)] == [0o600, 0o600, 0o600]
        assert _mode(database.parent) == 0o700
        store.close()
    finally:
        os.umask(previous)


def test_the_file_and_its_directory_are_private_from_the_instant_they_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not made private only afterwards: a descriptor opened while the file was readable would keep reading it."""
    database = tmp_path / "new" / "registry.db"
    monkeypatch.setattr(os, "chmod", lambda *_args, **_kwargs: None)
    previous = os.umask(0)
    try:
        RegistryStore(database).close()
    finally:
        os.umask(previous)
    assert (_mode(database.parent), _mode(database)) == (0o700, 0o600)


def test_an_existing_loose_file_is_tightened_and_a_loose_directory_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    database = directory / "registry.db"
    sqlite3.connect(database).close()
    companions = [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    for path, mode in zip((database, *companions), (0o644, 0o640, 0o604, 0o660), strict=True):
        path.touch()
        path.chmod(mode)
    with caplog.at_level("WARNING", logger="registry_mcp"):
        opened = RegistryStore(database)
    assert [_mode(path) for path in (database, *companions[:2])] == [0o600] * 3  # (SQLite drops the journal)
    opened.close()
    assert _mode(directory) == 0o755  # left as it is: it may be shared on purpose
    assert [record.getMessage() for record in caplog.records] == [
        f"The directory of the embedded registry, {directory}, is open to other users (mode 0o755); the database "
        "holds secrets and is kept 0600, but consider chmod 700 on the directory",
        f"{database} was readable by other users (mode 0o644): made it 0600",
        f"{companions[0]} was readable by other users (mode 0o640): made it 0600",
        f"{companions[1]} was readable by other users (mode 0o604): made it 0600",
        f"{companions[2]} was readable by other users (mode 0o660): made it 0600",
    ]


def test_a_private_file_in_a_private_directory_opens_without_a_word(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "private" / "registry.db"
    RegistryStore(database).close()
    with caplog.at_level("WARNING", logger="registry_mcp"):
        RegistryStore(database).close()
    assert caplog.records == []


async def test_a_deleted_servers_secrets_are_gone_from_the_file(tmp_path: Path) -> None:
    database = tmp_path / "registry.db"
    settings = Settings(database=str(database))
    async with Client(create_server(settings)) as client:
        added = await client.call_tool("add_registry_server", server_payload("secretive", mcp_config=SECRETIVE))
        assert not added.is_error
    # Closed, so the secrets now sit in the database file's own pages (not only in the log).
    assert HEADER_SECRET.encode() in database.read_bytes()  # the test can see a secret where there is one
    async with Client(create_server(settings)) as client:
        deleted = await client.call_tool("delete_registry_server", {"saved_name": "secretive", "confirm": True})
        assert not deleted.is_error, text_of(deleted)
        # While the server still runs: the database and its write-ahead log, as another user would read them.
        raw = _raw_bytes(database)
        for secret in (HEADER_SECRET, OAUTH_SECRET, LONG_SECRET[:40], LONG_SECRET[-40:]):
            assert secret.encode() not in raw, secret[:12]
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        [(document, deleted_at)] = db.execute("SELECT document, deleted_at FROM servers").fetchall()
    assert deleted_at is not None
    # The record kept for audit keeps what is not secret.
    kept = json.loads(document)["mcp_config"]
    assert kept["config"]["url"] == "https://api.example.com/mcp"
    assert sorted(kept["config"]["headers"]) == ["Authorization", "X-Blob", "X-Tenant"]
    assert kept["oauth_config"]["OAUTH_CLIENT_ID"] == "id"
    raw = _raw_bytes(database)
    assert not [
        secret
        for secret in (HEADER_SECRET, OAUTH_SECRET, LONG_SECRET[:40], LONG_SECRET[-40:])
        if secret.encode() in raw
    ]


@pytest.mark.parametrize(
    ("env", "left"),
    [({"API_KEY": "sk-live-ROTATED-000000"}, {"API_KEY": "sk-live-ROTATED-000000"}), ({"API_KEY": None}, {})],
    ids=["replaced", "removed"],
)
async def test_a_replaced_or_removed_secret_is_gone_from_the_file(
    tmp_path: Path, env: dict[str, Any], left: dict[str, str]
) -> None:
    database = tmp_path / "registry.db"
    local = {"config": {"command": "npx", "args": ["-y", "@example/one"], "env": {"API_KEY": ENV_SECRET}}}
    settings = Settings(database=str(database))
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("rotating", mcp_config=local))
    assert ENV_SECRET.encode() in database.read_bytes()
    async with Client(create_server(settings)) as client:
        rotated = await client.call_tool(
            "modify_registry_server", {"saved_name": "rotating", "mcp_config": {"config": {"env": env}}}
        )
        assert not rotated.is_error, text_of(rotated)
        raw = _raw_bytes(database)
    assert ENV_SECRET.encode() not in raw
    assert all(value.encode() in raw for value in left.values())

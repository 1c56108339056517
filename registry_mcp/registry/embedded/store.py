"""SQLite storage behind the embedded registry.

A server's identity columns (project, registry, saved_name, server_version) are real columns with
a unique index over the servers that are not deleted, so a duplicate is refused by the database
itself, even when two processes add at once. Everything else the caller sent is kept as one JSON
document, so keys this code does not know round-trip untouched.

Deletes are soft: the row gets a `deleted_at` and drops out of every read, and the name may be
registered again; the record kept for audit has its secret values masked. The database runs in WAL
mode with a busy timeout, and every write is one transaction, so a bulk add lands whole or not at all.

A modify is a JSON merge patch applied inside its write transaction (`registry_mcp.registry.patching`), so
concurrent modifies of different fields, from any number of processes, all survive.

The file holds secrets: it is created 0600 in a 0700 directory, `secure_delete` zeroes what SQLite
frees, and a write that drops a secret (a delete, or a modify replacing one) is followed by a
checkpoint that empties the write-ahead log, so the old value is not left readable in either file.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import stat
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry_mcp.errors import Conflict, DatabaseUnusable, NotFound
from registry_mcp.registry.embedded.database_file import (
    BUSY_TIMEOUT_MS,
    SCHEMA_VERSION,
    explain,
    newer_schema,
)
from registry_mcp.registry.patching import apply_modify
from registry_mcp.secrets.masking import mask_secrets, secret_values
from registry_mcp.wording import counted

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)

# Fields of the server object that are stored in their own columns, not in the document.
_COLUMNS = ("saved_name", "server_version", "is_active")
# Request fields the registry always answers with, null where they were not given.
_ANSWERED_FIELDS = ("job_id", "source_url", "source_version", "server_name", "description", "mcp_config")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS servers (
    id INTEGER PRIMARY KEY,
    registry_id TEXT NOT NULL,
    project TEXT NOT NULL,
    registry_name TEXT NOT NULL,
    saved_name TEXT NOT NULL,
    server_version TEXT NOT NULL,
    is_active INTEGER NOT NULL,
    document TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS servers_identity
    ON servers (project, registry_name, saved_name, server_version) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS servers_listing
    ON servers (project, registry_name, id) WHERE deleted_at IS NULL;
CREATE TABLE IF NOT EXISTS gateways (
    id INTEGER PRIMARY KEY,
    gateway_id TEXT NOT NULL UNIQUE,
    project TEXT NOT NULL,
    gateway_name TEXT NOT NULL,  -- the gateway's saved name
    created_at TEXT NOT NULL,
    gateway_version TEXT NOT NULL DEFAULT 'v1',
    common_overrides TEXT NOT NULL DEFAULT '{}'  -- JSON: gateway-wide guardrail policies
);
CREATE TABLE IF NOT EXISTS gateway_servers (
    gateway_id TEXT NOT NULL REFERENCES gateways (gateway_id),
    registry_name TEXT NOT NULL,
    saved_name TEXT NOT NULL,
    server_version TEXT NOT NULL,
    gateway_overrides TEXT NOT NULL DEFAULT '{}',  -- JSON: this gateway's overrides for the server
    PRIMARY KEY (gateway_id, registry_name, saved_name, server_version)
);
"""

# The files SQLite keeps beside the database, all holding its data at some point.
_COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose registry a request works on."""

    project: str
    registry_name: str


def _prepare_private_file(path: Path) -> None:
    """Make sure the database file (and its directory) are for this user only.

    A directory this creates is 0700 and the file 0600, whatever the umask (SQLite gives its -wal
    and -shm files the database's mode). An existing file or companion file readable by others is
    tightened to 0600, with a warning; an existing directory is left as it is (it may be shared on
    purpose) with a warning if others may enter it.
    """
    if path.is_dir():  # never made 0600 below: a folder given for the file may be anyone's (/tmp)
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
        os.chmod(directory, 0o700)  # mkdir's mode passes through the umask; chmod does not
    elif _open_to_others(directory):
        logger.warning(
            "The directory of the embedded registry, %s, is open to other users (mode %s); the database holds "
            "secrets and is kept 0600, but consider chmod 700 on the directory",
            directory,
            _mode(directory),
        )
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in _COMPANION_SUFFIXES)):
        if candidate.exists() and _open_to_others(candidate):
            logger.warning("%s was readable by other users (mode %s): made it 0600", candidate, _mode(candidate))
            os.chmod(candidate, 0o600)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)


def _open_to_others(path: Path) -> bool:
    return bool(path.stat().st_mode & 0o077)


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def _as_dict(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> dict[str, Any]:
    """A row keyed by its column names as written (`sqlite3.Row` would answer to any case of them)."""
    return {column[0]: values[index] for index, column in enumerate(cursor.description)}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RegistryStore:
    """The embedded registry's data, in one SQLite file (or in memory with ``":memory:"``).

    Safe to share between threads: one connection, used under a lock.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self._db = self._open()
        except (OSError, sqlite3.Error) as error:
            raise DatabaseUnusable(explain(Path(self.path), error)) from error
        self._lock = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            _prepare_private_file(Path(self.path))
        # isolation_level=None: transactions are opened explicitly, with BEGIN IMMEDIATE for writes.
        # The timeout is SQLite's busy timeout: how long a write waits for another one to finish.
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        try:
            self._prepare(db)
        except BaseException:
            db.close()
            raise
        return db

    def _prepare(self, db: sqlite3.Connection) -> None:
        db.row_factory = _as_dict
        # Read before anything is written: a newer schema is left as it is.
        found = db.execute("PRAGMA user_version").fetchone()["user_version"]
        if found > SCHEMA_VERSION:
            raise DatabaseUnusable(newer_schema(Path(self.path), found, SCHEMA_VERSION))
        # (An in-memory database has no log: SQLite keeps its journal mode and ignores these.)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        # Freed content is overwritten with zeros, so a deleted or replaced secret leaves no trace.
        db.execute("PRAGMA secure_delete = ON")
        db.executescript(_SCHEMA)
        gateway_columns = {row["name"] for row in db.execute("PRAGMA table_info(gateways)")}
        if "gateway_version" not in gateway_columns:  # a file from before gateways had versions
            db.execute("ALTER TABLE gateways ADD COLUMN gateway_version TEXT NOT NULL DEFAULT 'v1'")
        if "common_overrides" not in gateway_columns:  # a file from before gateways had overrides
            db.execute("ALTER TABLE gateways ADD COLUMN common_overrides TEXT NOT NULL DEFAULT '{}'")
        server_columns = {row["name"] for row in db.execute("PRAGMA table_info(gateway_servers)")}
        if "gateway_overrides" not in server_columns:
            db.execute("ALTER TABLE gateway_servers ADD COLUMN gateway_overrides TEXT NOT NULL DEFAULT '{}'")
        if found < SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('local_user', ?)", (str(uuid.uuid4()),))
        self.local_user = db.execute("SELECT value FROM meta WHERE key = 'local_user'").fetchone()["value"]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- writes ---------------------------------------------------------------------------------

    def add(self, scope: Scope, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert servers in one transaction: all of them, or (on any conflict) none, and then the
        Conflict names every server that was taken (already stored, or earlier in `payloads`)."""
        with self._lock, self._write():
            added, taken = [], []
            for payload in payloads:
                try:
                    added.append(self._insert(scope, payload))
                except Conflict:
                    taken.append(f"'{payload['saved_name']}' version '{payload['server_version']}'")
            if len(taken) == 1:
                raise Conflict(f"a server {taken[0]} already exists in project '{scope.project}'")
            if taken:  # two or more
                raise Conflict(
                    f"{counted(len(taken), 'server')} already exist in project '{scope.project}': {', '.join(taken)}"
                )
            return added

    def modify(
        self,
        scope: Scope,
        saved_name: str,
        version: str,
        changes: dict[str, Any],
        *,
        merge: bool = True,
        check: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Apply `changes` to a server in one transaction, and return the updated record.

        With `merge`, `changes` is a merge patch applied with registry-mcp's rules (see
        `registry_mcp.registry.patching.apply_modify`: masks keep stored values, secrets do not follow a new
        target); without it, each top-level field given replaces the stored one. `check` sees the
        updated fields before they are written and may raise to refuse them.
        """
        with self._lock:
            with self._write():
                row = self._find(scope, saved_name, version)
                stored = {**json.loads(row["document"]), "is_active": bool(row["is_active"])}
                updated = apply_modify(stored, changes) if merge else {**stored, **changes}
                if check is not None:
                    check(updated)
                is_active = bool(updated.pop("is_active"))
                self._db.execute(
                    "UPDATE servers SET document = ?, is_active = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                    (json.dumps(updated), int(is_active), _now(), self.local_user, row["id"]),
                )
                record = self._record(self._db.execute("SELECT * FROM servers WHERE id = ?", (row["id"],)).fetchone())
            if secret_values(stored) - secret_values(updated):
                self._forget_freed()
            return record

    def delete(self, scope: Scope, saved_name: str, version: str) -> None:
        """A soft delete: the record is kept for audit, its secret values masked."""
        with self._lock:
            with self._write():
                row = self._find(scope, saved_name, version)
                document = json.loads(row["document"])
                self._db.execute(
                    "UPDATE servers SET deleted_at = ?, document = ? WHERE id = ?",
                    (_now(), json.dumps(mask_secrets(document)), row["id"]),
                )
            if secret_values(document):
                self._forget_freed()

    def add_gateway(
        self,
        project: str,
        gateway_name: str,
        servers: list[tuple[str, str, str]],
        version: str = "v1",
        *,
        common_overrides: dict[str, Any] | None = None,
        overrides: dict[str, dict[str, Any]] | None = None,
    ) -> str:
        """Record a gateway that references servers given as (registry_name, saved_name, version), with
        its gateway-wide `common_overrides` and its per-server `overrides` keyed by saved name.

        The registry API has no call for this (gateways are managed elsewhere); it lets the embedded
        registry answer list-gateways-by-server and get-gateway-config with real data.
        """
        gateway_id = str(uuid.uuid4())
        overrides = overrides or {}
        with self._lock, self._write():
            self._db.execute(
                "INSERT INTO gateways (gateway_id, project, gateway_name, gateway_version, created_at, "
                "common_overrides) VALUES (?, ?, ?, ?, ?, ?)",
                (gateway_id, project, gateway_name, version, _now(), json.dumps(common_overrides or {})),
            )
            self._db.executemany(
                "INSERT INTO gateway_servers VALUES (?, ?, ?, ?, ?)",
                [(gateway_id, *server, json.dumps(overrides.get(server[1]) or {})) for server in servers],
            )
        return gateway_id

    # --- reads ----------------------------------------------------------------------------------

    def get(self, scope: Scope, saved_name: str, version: str) -> dict[str, Any]:
        with self._lock:
            return self._record(self._find(scope, saved_name, version))

    def list_servers(
        self, scope: Scope, *, page: int, per_page: int, is_active: bool | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of servers in the order they were added, and how many match in all."""
        where = "project = ? AND registry_name = ? AND deleted_at IS NULL"
        params: list[Any] = [scope.project, scope.registry_name]
        if is_active is not None:
            where += " AND is_active = ?"
            params.append(int(is_active))
        with self._lock:
            total = self._db.execute(f"SELECT count(*) AS total FROM servers WHERE {where}", params).fetchone()["total"]  # noqa: S608
            rows = self._db.execute(
                f"SELECT * FROM servers WHERE {where} ORDER BY id LIMIT ? OFFSET ?",  # noqa: S608
                [*params, per_page, (page - 1) * per_page],
            ).fetchall()
        return [self._record(row) for row in rows], total

    def gateways_for(self, scope: Scope, saved_name: str, version: str) -> list[dict[str, Any]]:
        with self._lock:
            self._find(scope, saved_name, version)
            gateways: list[dict[str, Any]] = self._db.execute(
                """SELECT g.gateway_id, g.gateway_name AS gateway_saved_name, g.gateway_version, g.created_at
                   FROM gateways g
                   JOIN gateway_servers s ON s.gateway_id = g.gateway_id
                   WHERE g.project = ? AND s.registry_name = ? AND s.saved_name = ? AND s.server_version = ?
                   ORDER BY g.id""",
                (scope.project, scope.registry_name, saved_name, version),
            ).fetchall()
        return gateways

    def gateway_config(self, project: str, gateway_name: str, version: str) -> dict[str, Any]:
        """A gateway's config as get-gateway-config answers it (the shape secure-mcp-gateway's cloud
        provider reads): its servers in full, each with this gateway's overrides."""
        with self._lock:
            gateway: dict[str, Any] | None = self._db.execute(
                "SELECT * FROM gateways WHERE project = ? AND gateway_name = ? AND gateway_version = ? "
                "ORDER BY id DESC LIMIT 1",
                (project, gateway_name, version),
            ).fetchone()
            if gateway is None:
                raise NotFound(f"no gateway '{gateway_name}' version '{version}' in project '{project}'")
            expanded = []
            for used in self._db.execute(
                "SELECT * FROM gateway_servers WHERE gateway_id = ? ORDER BY rowid", (gateway["gateway_id"],)
            ).fetchall():
                try:
                    record = self._record(
                        self._find(Scope(project, used["registry_name"]), used["saved_name"], used["server_version"])
                    )
                except NotFound:
                    continue  # deleted since: the gateway no longer has it
                expanded.append({**record, "gateway_overrides": json.loads(used["gateway_overrides"])})
        return {
            "gateway_id": gateway["gateway_id"],
            "common_overrides": json.loads(gateway["common_overrides"]),
            "expanded_servers": expanded,
            "request_context": {
                "gateway_saved_name": gateway_name,
                "gateway_version": version,
                "project_name": project,
            },
        }

    # --- internals ------------------------------------------------------------------------------

    def _write(self) -> _Transaction:
        return _Transaction(self._db)

    def _forget_freed(self) -> None:
        """Move the log into the database and empty it, so an old page holding a secret is gone.

        With secure_delete the database file keeps no freed bytes; this empties the write-ahead
        log, which would otherwise keep the old page until it is overwritten. Another process
        reading at this moment can keep the log from being emptied; its next checkpoint does it.
        (In memory there is no log, and the checkpoint does nothing.)
        """
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _find(self, scope: Scope, saved_name: str, version: str) -> dict[str, Any]:
        row: dict[str, Any] | None = self._db.execute(
            """SELECT * FROM servers WHERE project = ? AND registry_name = ? AND saved_name = ?
               AND server_version = ? AND deleted_at IS NULL""",
            (scope.project, scope.registry_name, saved_name, version),
        ).fetchone()
        if row is None:
            raise NotFound(f"no server '{saved_name}' version '{version}' in project '{scope.project}'")
        return row

    def _insert(self, scope: Scope, payload: dict[str, Any]) -> dict[str, Any]:
        document = {key: value for key, value in payload.items() if key not in _COLUMNS}
        now = _now()
        try:
            cursor = self._db.execute(
                """INSERT INTO servers (registry_id, project, registry_name, saved_name, server_version,
                   is_active, document, created_at, updated_at, created_by, updated_by)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    str(uuid.uuid4()),
                    scope.project,
                    scope.registry_name,
                    payload["saved_name"],
                    payload["server_version"],
                    int(payload["is_active"]),
                    json.dumps(document),
                    now,
                    now,
                    self.local_user,
                    self.local_user,
                ),
            )
        except sqlite3.IntegrityError:
            raise Conflict from None  # `add` names the server
        return self._record(self._db.execute("SELECT * FROM servers WHERE id = ?", (cursor.lastrowid,)).fetchone())

    @staticmethod
    def _record(row: dict[str, Any]) -> dict[str, Any]:
        """A stored row as the registry answers it."""
        document = json.loads(row["document"])
        return {
            "saved_name": row["saved_name"],
            "server_version": row["server_version"],
            "is_active": bool(row["is_active"]),
            **{field: None for field in _ANSWERED_FIELDS},
            **document,
            "registry_id": row["registry_id"],
            "registry_name": row["registry_name"],
            "project_name": row["project"],
            "is_sample": False,
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "created_by": row["created_by"],
            "updated_by": row["updated_by"],
        }


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

    IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout instead of
    one failing half-way with SQLITE_BUSY when it upgrades a read lock.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")

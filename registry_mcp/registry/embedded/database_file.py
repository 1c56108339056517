"""The embedded registry's file: its layout version, how long to wait for its lock, and why a file
cannot be used, in one line that says what to do.

`problem_with` finds that line before serving, creating and changing nothing (the server opens the
file on first use), so that a server that cannot work says which file, what is wrong and what to do
instead of failing later; `RegistryStore` raises `DatabaseUnusable` with the same lines when opening
fails all the same. The most common case is a container volume the image's user cannot write (a
host folder owned by root mounted on /data): it gets the mount to use.

Kept apart from the store (and light to import): the start-up check needs nothing else.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import sys
import urllib.parse
from pathlib import Path

ELSEWHERE = "choose another file with --db or REGISTRY_MCP_DB"
BUSY_TIMEOUT_MS = 10_000
"""SQLite's busy timeout: how long an open or a write waits for another process's lock."""
SCHEMA_VERSION = 1
"""The layout of the store's tables, kept in the file's `user_version`; a file with a higher one was
written by a newer registry-mcp and is refused untouched. (0: a file from before it was kept.)"""


def problem_with(path: Path) -> str | None:
    """Why the embedded registry cannot be kept at `path`, found without creating or changing
    anything; None if it looks usable."""
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not path.exists():
            where = path.parent
            while not where.exists() and where != where.parent:
                where = where.parent  # the folder it would be made in
            return None if os.access(where, os.W_OK | os.X_OK) else _not_writable(where, path)
        if not path.is_file():  # a FIFO or a device: opening it could wait for ever
            return f"{path} is not a regular file, so it cannot be the embedded registry; {ELSEWHERE}"
        for needed in (path, path.parent):  # the file, and the folder SQLite writes its log beside it in
            if not os.access(needed, os.W_OK):
                return _not_writable(needed, path)
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as db:
            found = db.execute("PRAGMA user_version").fetchone()[0]
    except (OSError, sqlite3.Error) as error:
        return explain(path, error)
    return newer_schema(path, found, SCHEMA_VERSION) if found > SCHEMA_VERSION else None


def explain(path: Path, error: OSError | sqlite3.Error) -> str:
    """The one line for `error`, raised while opening (or creating) the database at `path`."""
    if isinstance(error, OSError):
        return _explain_os_error(path, error)
    text = str(error)
    if "locked" in text or "busy" in text:
        return (
            f"the embedded registry {path} is locked by another process (waited {BUSY_TIMEOUT_MS / 1000:g} s): another "
            "program is writing to it or holds it open; close that program and start again"
        )
    if "not a database" in text or "malformed" in text:
        return (
            f"{path} is not an SQLite database (or is damaged), so it cannot be the embedded registry; "
            f"move it away to start an empty registry, or {ELSEWHERE}"
        )
    if "readonly" in text or "unable to open" in text:
        return _not_writable(path if path.exists() and not os.access(path, os.W_OK) else path.parent, path)
    return f"cannot open the embedded registry {path}: {text}; {ELSEWHERE}"


def newer_schema(path: Path, found: int, known: int) -> str:
    from registry_mcp import __version__

    return (
        f"{path} was written by a newer registry-mcp (database schema {found}; registry-mcp {__version__} reads up "
        f"to {known}): upgrade registry-mcp, or {ELSEWHERE}"
    )


def _explain_os_error(path: Path, error: OSError) -> str:
    where = Path(error.filename) if error.filename else path
    if error.errno in (errno.EACCES, errno.EPERM):
        return _not_writable(where, path)
    if error.errno == errno.EROFS:
        return f"{where} is on a read-only file system, so the embedded registry {path} cannot be written; {ELSEWHERE}"
    if error.errno == errno.EISDIR or path.is_dir():
        return f"{path} is a folder; the embedded registry is a file, such as {path / 'registry.db'}"
    if error.errno == errno.ENOTDIR:
        return f"a part of {path} is a file, not a folder; {ELSEWHERE}"
    return f"cannot create the embedded registry {path} ({error.strerror or error}); {ELSEWHERE}"


def _not_writable(where: Path, path: Path) -> str:
    """`where` (the file, or the folder it goes in) may not be written by the user this process runs as."""
    while not where.exists() and where != where.parent:
        where = where.parent  # a folder that could not be made: the one it would be made in
    user = _this_user()
    line = f"{where} is not writable by {user}, the user registry-mcp runs as, so the embedded registry {path} "
    line += "cannot be opened" if path.exists() else "cannot be created"
    folder = where if where.is_dir() else where.parent
    if sys.platform != "win32" and (_in_a_container() or os.path.ismount(folder)):
        uid = os.geteuid()
        return (
            f"{line}. If {folder} is a container volume, mount one that uid {uid} can write: a named volume "
            f"(docker run -v registry-mcp-data:{folder} ...) or a host folder owned by it (chown {uid} FOLDER)"
        )
    return f"{line}; give {user} write access to it, or {ELSEWHERE}"


def _this_user() -> str:
    if sys.platform == "win32":
        import getpass

        return getpass.getuser()
    import pwd

    uid = os.geteuid()
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:  # a uid with no entry in /etc/passwd, as `docker run --user 12345` gives
        return f"uid {uid}"


def _in_a_container() -> bool:
    """Docker and Podman each leave a marker file at the root of a container."""
    return Path("/.dockerenv").exists() or Path("/run/.containerenv").exists()

"""What a launched server may not do to this process, and every process it starts, ended with it.

- `keep_private()`: this process becomes non-dumpable (Linux `prctl(PR_SET_DUMPABLE, 0)`), so a
  process of the same user (an inspected server) can no longer read its `/proc/<pid>/environ` (where
  the registry API key is) or its memory, nor trace it. A server run as root still can: root may read
  any process. Core dumps of this process are off from then on.
- `Descendants(leader)`: the processes whose parents lead back to the server, recorded from /proc
  every `WATCH_EVERY` seconds while it runs (a process that moves to a session or group of its own
  stays recorded), then ended with `end()`.
- `adopting_orphans()`: while any such block runs this process is a child subreaper
  (`PR_SET_CHILD_SUBREAPER`): an orphaned descendant becomes its child instead of PID 1's, so it stays
  in the server's tree and is reaped here, not left a zombie where PID 1 does not reap (containers).

Elsewhere than Linux these do nothing: the process group is all there is.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import anyio

_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
_PROC = Path("/proc")
_LINUX = sys.platform.startswith("linux") and _PROC.is_dir()
WATCH_EVERY = 0.1  # seconds between two looks at /proc while the server runs
END_WAIT = 2.0  # for the ended processes to go

_watching = 0  # how many `Descendants` are watched: this process is a subreaper while any is


def _prctl(option: int, value: int) -> bool:
    import ctypes  # lazily: only a launch needs it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def keep_private() -> bool:
    """Make this process's environment, memory and tracing closed to other processes of its user."""
    return _LINUX and _prctl(_PR_SET_DUMPABLE, 0)


Identity = tuple[int, int]  # (pid, start time): a pid alone may be reused by another process


def stat_files() -> Iterator[Path]:
    """/proc/<pid>/stat of every process. Listed by name, not globbed: globbing looks into each pid's
    folder, and one whose process ends meanwhile raises (ESRCH) instead of being skipped."""
    try:
        names = os.listdir(_PROC)
    except OSError:
        return
    yield from (_PROC / name / "stat" for name in names if name.isdigit())


def _processes() -> Iterator[tuple[Identity, int, str]]:
    """Every process as (its identity, its parent's pid, its state)."""
    for stat in stat_files():
        try:
            # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
            fields = stat.read_text().rpartition(")")[2].split()
            yield (int(stat.parent.name), int(fields[19])), int(fields[1]), fields[0]
        except (OSError, ValueError, IndexError):
            continue  # it ended while we looked


@contextmanager
def adopting_orphans() -> Iterator[None]:
    """This process as a child subreaper for the block (and for as long as any such block runs)."""
    global _watching
    if _LINUX and _watching == 0:
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _watching += 1
    try:
        yield
    finally:
        _watching -= 1
        if _LINUX and _watching == 0:
            _prctl(_PR_SET_CHILD_SUBREAPER, 0)


class Descendants:
    """The processes started, directly or not, by the process `leader`."""

    def __init__(self, leader: int) -> None:
        self.leader = leader
        self.seen: set[Identity] = set()

    def look(self) -> set[Identity]:
        """Record the processes now alive whose parents lead to the leader; return those alive."""
        if not _LINUX:
            return set()
        parents: dict[Identity, int] = {}
        for identity, parent, state in _processes():
            if state != "Z":
                parents[identity] = parent
        # A parent is matched by its identity, not its pid: a recorded process that ended may have
        # its pid taken by an unrelated one, whose children are no descendants. (The leader's pid
        # stays its own until this process reaps it.)
        identity_of = {identity[0]: identity for identity in parents}
        alive: set[Identity] = set()
        grew = True
        while grew:  # a child may be listed before its parent
            grew = False
            for identity, parent in parents.items():
                if identity in alive:
                    continue
                if parent == self.leader or identity in self.seen or identity_of.get(parent) in alive:
                    alive.add(identity)
                    grew = True
        self.seen |= alive
        return alive

    async def watch(self) -> None:
        """Look every `WATCH_EVERY` seconds until cancelled."""
        while _LINUX:
            self.look()
            await anyio.sleep(WATCH_EVERY)

    async def end(self) -> None:
        """SIGKILL every recorded descendant still alive (and what they start meanwhile), then reap
        those that became this process's children."""
        with anyio.move_on_after(END_WAIT):
            while alive := self.look():
                for pid, _ in alive:
                    with suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                self._reap()
                await anyio.sleep(0.02)
        self._reap()

    def _reap(self) -> None:
        for pid, started in self.seen:
            if _started(pid) == started:  # still that process (as a zombie), not a reused pid
                with suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)


def _started(pid: int) -> int | None:
    try:
        return int((_PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()[19])
    except (OSError, ValueError, IndexError):
        return None

"""The subreaper a launched server runs under (Linux), so that everything it starts ends with it.

    python -I -S subreaper.py PARENT_PID EXECUTABLE ARGV0 [ARGS...]

Run as a script by the same interpreter (standard library only, no site: it starts in a few
milliseconds), it makes itself a child subreaper (`PR_SET_CHILD_SUBREAPER`: every orphan among its
descendants becomes its child, however it left, so none can leave its tree) and asks for SIGTERM when
its parent (registry-mcp) dies (`PR_SET_PDEATHSIG`), then starts the server, which keeps the pipes;
its own copies go to /dev/null. It ends its whole tree when the server exits, on SIGTERM (registry-mcp
ending the inspection) and when registry-mcp dies, even by SIGKILL: every descendant is stopped
(SIGSTOP, so a fork loop cannot outrun the kill), then killed, then reaped. It exits with the
server's status, or 128 + the signal that ended it.

A server that cannot be executed gets 127 (or 126), with the reason on its stderr.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
ENDINGS = {signal.SIGTERM, signal.SIGHUP, signal.SIGINT}
ROUNDS = 500  # of stopping what is found, before the kill: a fork loop's new children are found next round


class Ended(Exception):
    """SIGTERM (or SIGHUP, SIGINT), or the parent's death: end the tree now."""


def _ended(number: int, frame: object) -> None:
    raise Ended(number)


def _prctl(libc: ctypes.CDLL, option: int, value: int) -> None:
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _children_of(root: int) -> set[int]:
    """The live descendants of `root`, from /proc (every one is in its tree: it is their subreaper)."""
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue  # it ended while we looked
        if fields[0] != b"Z":
            parent_of[int(entry)] = int(fields[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parent_of.items() if parent in frontier and pid not in found}
        found |= frontier
    return found


def _reap() -> bool:
    """Reap every child that has exited; whether any child is left (running, or a zombie)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def end_tree(root: int) -> None:
    """Stop every descendant of `root` until no new one appears, then kill and reap them all."""
    if not _reap():
        return  # no child at all, so no descendant: each is its child, or has a live parent in its tree
    stopped: set[int] = set()
    for _ in range(ROUNDS):
        found = _children_of(root) - stopped
        if not found:
            break
        for pid in found:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        stopped |= found
    for _ in range(ROUNDS):
        alive = _children_of(root)
        if not alive:
            break
        for pid in alive:  # descendants now (a pid stopped earlier may since belong to another process)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _reap()
        time.sleep(0.001)
    _reap()


def main(argv: list[str]) -> int:
    parent, executable, args = int(argv[0]), argv[1], argv[2:]
    # Held until the wait below, so that an ending asked for at any moment ends the tree.
    signal.pthread_sigmask(signal.SIG_BLOCK, ENDINGS)
    libc = ctypes.CDLL(None, use_errno=True)
    _prctl(libc, PR_SET_CHILD_SUBREAPER, 1)
    _prctl(libc, PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # registry-mcp died before the death signal was asked for
        return 128 + signal.SIGTERM
    try:  # posix_spawn (vfork and exec): a fork of this interpreter would cost more than all the rest
        server = os.posix_spawn(executable, args, os.environ, setsigmask=())
    except OSError as failure:
        os.write(2, f"cannot run {executable}: {failure.strerror}\n".encode(errors="replace"))
        return 126 if failure.errno == errno.EACCES else 127
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the server holds the pipes; the end of its stdout must be seen when it exits
        os.dup2(null, fd)
    for number in ENDINGS:
        signal.signal(number, _ended)
    status = None
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, ENDINGS)
        while status is None:
            pid, code = os.waitpid(-1, 0)  # the server, or an orphan of its tree
            if pid == server:
                status = os.waitstatus_to_exitcode(code)
    except Ended as signalled:
        status = -int(signalled.args[0])
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, ENDINGS)  # nothing may interrupt the ending
        end_tree(os.getpid())
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

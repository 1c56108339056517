"""What a launched server may not do to this process, and every process it starts, ended with it.

- `keep_private()`: this process becomes non-dumpable (Linux `prctl(PR_SET_DUMPABLE, 0)`), so a
  process of the same user (an inspected server) can no longer read its `/proc/<pid>/environ` (where
  the registry API key is) or its memory, nor trace it. A server run as root still can: root may read
  any process. Core dumps of this process are off from then on.
- `stat_files()`: every process's `/proc/<pid>/stat`, for the process group's look in `launch`.
- `contained(command, args, env)`: the command line that starts the server. On Linux, under the
  subreaper (`registry_mcp.servers.subreaper`, a small script run by this interpreter), which is the
  server's parent and its tree's subreaper: every orphan among its descendants becomes its child, so
  nothing the server starts can leave the tree (a session of its own, a double fork, a fork loop),
  and the whole tree is ended when the server exits, when the inspection ends, and when this process
  dies, even by SIGKILL. The server keeps the process group (and its stdio) it would have had.

Elsewhere than Linux the server is started directly: its process group is all there is, and a
process that leaves the group outlives the inspection.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from registry_mcp.servers import subreaper

_PR_SET_DUMPABLE = 4
_PROC = Path("/proc")
_LINUX = sys.platform.startswith("linux") and _PROC.is_dir()
_SUBREAPER = str(Path(subreaper.__file__))


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


def stat_files() -> Iterator[Path]:
    """/proc/<pid>/stat of every process. Listed by name, not globbed: globbing looks into each pid's
    folder, and one whose process ends meanwhile raises (ESRCH) instead of being skipped."""
    try:
        names = os.listdir(_PROC)
    except OSError:
        return
    yield from (_PROC / name / "stat" for name in names if name.isdigit())


def contained(command: str, args: list[str], env: Mapping[str, str]) -> list[str]:
    """The argv that runs `command args` in `env`, under the subreaper where there is one. A command
    not found on the env's PATH raises FileNotFoundError here, as starting it directly would."""
    if not _LINUX:
        return [command, *args]
    found = command if os.sep in command else shutil.which(command, path=env.get("PATH", os.defpath))
    if found is None or not os.path.exists(found):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), command)
    # This interpreter, also where its path is not this user's to run (/proc/self/exe is this binary).
    python = sys.executable if os.access(sys.executable, os.X_OK) else "/proc/self/exe"
    # -I: no PYTHON* variable of the server's env, nor a user site, reaches the subreaper; -S: no site.
    return [python, "-I", "-S", _SUBREAPER, str(os.getpid()), found, command, *args]

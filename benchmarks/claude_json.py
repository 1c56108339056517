"""A large `~/.claude.json` as Claude Code writes it: mostly prompt history, a few servers in between.

    write_claude_json(path, megabytes=100)

The user's servers (filesystem, github, fetch) come first; 50 projects follow, each with its
history, and every project but the first with its own `github` and `fetch` (same names as the
user's, so an import must keep each under a distinct name). Deterministic: the same bytes each run.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

PROJECTS = 50
_PROSE = (
    "refactor the users endpoint so pagination uses a cursor; why does `npm test` fail on CI? "
    'explain this stack trace: TypeError: Cannot read properties of undefined (reading "id") '
    "añade pruebas para el caso vacío — merci, c'est parfait 👍 fix the flaky login test\n"
)
_WORDS = _PROSE.split()


def _server(package: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    runner = "uvx" if package.startswith("mcp-server-") else "npx"
    args = [package] if runner == "uvx" else ["-y", package]
    return {"type": "stdio", "command": runner, "args": args, "env": env or {}}


def _prompt(rng: random.Random) -> dict[str, Any]:
    text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 400)))
    pasted = {"1": {"id": 1, "type": "text", "content": text * 3}} if rng.random() < 0.1 else {}
    return {"display": text, "pastedContents": pasted}


def write_claude_json(path: Path, megabytes: int) -> None:
    """Write about `megabytes` MB of `~/.claude.json` to `path`, streaming (a few MB of memory)."""
    rng = random.Random(0)
    per_project = megabytes * 1_000_000 // PROJECTS
    servers = {
        "filesystem": _server("@modelcontextprotocol/server-filesystem"),
        "github": _server("@modelcontextprotocol/server-github", {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_TOKEN}"}),
        "fetch": _server("mcp-server-fetch"),
    }
    with path.open("w", encoding="utf-8") as out:
        out.write('{"numStartups": 412, "installMethod": "npm-global", "autoUpdates": true, ')
        out.write(f'"mcpServers": {json.dumps(servers)}, "projects": {{')
        for number in range(PROJECTS):
            out.write(("" if number == 0 else ", ") + json.dumps(f"/home/me/code/project-{number}") + ': {"history": [')
            written = 0
            while written < per_project:
                item = json.dumps(_prompt(rng), ensure_ascii=False)
                out.write(("" if written == 0 else ", ") + item)
                written += len(item.encode()) + 2
            mine = {} if number == 0 else {"github": servers["github"], "fetch": servers["fetch"]}
            out.write(f'], "mcpServers": {json.dumps(mine)}, "hasTrustDialogAccepted": true}}')
        out.write('}, "userID": "0f3c5e0a9b7d4c1e8f2a6b5c4d3e2f1a"}')

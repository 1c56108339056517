"""What clients see of registry-mcp, kept as golden files in tests/data/snapshot/: the whole
`tools/list`, `resources/templates/list`, `prompts/list` and the server's instructions, with every
tool exposed. `tests/test_snapshot.py` fails when they change, so every change to a schema or a
description shows up in review as a diff of these files.

    python -m tests.snapshot --update     # rewrite them after a deliberate change, then review the diff
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from pydantic import BaseModel

from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

SNAPSHOT = Path(__file__).parent / "data" / "snapshot"


def _wire(items: list[Any]) -> list[dict[str, Any]]:
    """Items as they travel in JSON-RPC: by alias, without unset fields."""
    return [
        item.model_dump(mode="json", by_alias=True, exclude_none=True) for item in items if isinstance(item, BaseModel)
    ]


async def what_clients_see() -> dict[str, str]:
    """Each snapshot file's name and its text, as the server gives them now."""
    # Over the 2025-11-25 handshake's JSON-RPC streams, as Claude Desktop connects; on a registry in memory.
    async with Client(create_server(Settings(database=":memory:")), mode="legacy") as client:
        tools = (await client.list_tools()).tools
        templates = (await client.list_resource_templates()).resource_templates
        prompts = (await client.list_prompts()).prompts
        instructions = client.instructions or ""
    listed = {
        "tools_list.json": _wire(tools),
        "resource_templates.json": _wire(templates),
        "prompts.json": _wire(prompts),
    }
    texts = {name: json.dumps(value, indent=2, ensure_ascii=False) + "\n" for name, value in listed.items()}
    return {**texts, "instructions.txt": instructions + "\n"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.snapshot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the golden files from the server as it is")
    options = parser.parse_args(argv)
    current = anyio.run(what_clients_see)
    if options.update:
        SNAPSHOT.mkdir(parents=True, exist_ok=True)
        for name, text in current.items():
            (SNAPSHOT / name).write_text(text, encoding="utf-8")
        print(f"Wrote {', '.join(sorted(current))} in {SNAPSHOT}.")
        return 0
    stale = sorted(name for name, text in current.items() if _stored(name) != text)
    print(f"Out of date: {', '.join(stale)} (run with --update)." if stale else "The snapshot is up to date.")
    return 1 if stale else 0


def _stored(name: str) -> str | None:
    path = SNAPSHOT / name
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())

"""What clients see of registry-mcp, kept as golden files: one per tool in tests/data/toolsnaps/
(`<tool>.json`, its entry of `tools/list`, like github-mcp-server's `__toolsnaps__`), and in
tests/data/snapshot/ the `resources/templates/list`, the `prompts/list` and the server's
instructions, with every tool exposed. `tests/test_snapshot.py` fails when they change, so every
change to a schema or a description shows up in review as a diff of these files.

    python -m tests.snapshot --update     # rewrite them after a deliberate change, then review the diff
    UPDATE_TOOLSNAPS=1 pytest tests/test_snapshot.py     # the same, from the test

A new tool's file is written the same way; a file whose tool is gone is deleted. The catalog's
listing (registry_mcp/mcp/tools/listing.json: what the server lists without importing the tools'
modules) is generated from the same tools and rewritten with them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from pydantic import BaseModel

from registry_mcp.mcp.server import create_server
from registry_mcp.mcp.toolkit import RegistryTool
from registry_mcp.mcp.tools.catalog import LISTING, declared_tools, listing
from registry_mcp.settings import Settings

DATA = Path(__file__).parent / "data"
SNAPSHOT = DATA / "snapshot"
TOOLSNAPS = DATA / "toolsnaps"
UPDATE_VARIABLE = "UPDATE_TOOLSNAPS"


def updating() -> bool:
    """Whether the tests rewrite the golden files instead of comparing with them (UPDATE_TOOLSNAPS=1)."""
    return os.environ.get(UPDATE_VARIABLE, "") not in ("", "0")


def _wire(items: Sequence[Any]) -> list[dict[str, Any]]:
    """Items as they travel in JSON-RPC: by alias, without unset fields."""
    return [
        item.model_dump(mode="json", by_alias=True, exclude_none=True) for item in items if isinstance(item, BaseModel)
    ]


def snapshot_text(value: Any) -> str:
    """The text of a golden file holding `value` (a tool's file: its `tools/list` entry)."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


async def listed_tools(tools: Sequence[RegistryTool[Any]] | None = None) -> list[dict[str, Any]]:
    """`tools/list` as a client reads it, of a server with `tools` (by default every tool)."""
    server = create_server(Settings(database=":memory:")) if tools is None else create_server(Settings(), tools)
    async with Client(server, mode="legacy") as client:
        return _wire((await client.list_tools()).tools)


async def what_clients_see() -> dict[Path, str]:
    """Each golden file's path and its text, as the server gives them now (its tools as their modules
    declare them, not as the listing says), and the listing generated from them."""
    # Over the 2025-11-25 handshake's JSON-RPC streams, as Claude Desktop connects; on a registry in memory.
    async with Client(create_server(Settings(database=":memory:"), declared_tools()), mode="legacy") as client:
        tools = _wire((await client.list_tools()).tools)
        templates = _wire((await client.list_resource_templates()).resource_templates)
        prompts = _wire((await client.list_prompts()).prompts)
        instructions = client.instructions or ""
    return {
        **{TOOLSNAPS / f"{tool['name']}.json": snapshot_text(tool) for tool in tools},
        SNAPSHOT / "resource_templates.json": snapshot_text(templates),
        SNAPSHOT / "prompts.json": snapshot_text(prompts),
        SNAPSHOT / "instructions.txt": instructions + "\n",
        LISTING: listing(),
    }


def stale(current: dict[Path, str]) -> list[Path]:
    """The golden files that differ from `current`, are missing, or belong to no tool any more."""
    changed = [path for path, text in current.items() if _stored(path) != text]
    gone = [path for path in _stored_files() if path not in current]
    return sorted(changed + gone)


def write(current: dict[Path, str]) -> list[Path]:
    """Rewrite the golden files that are stale; delete those of tools that are gone. Returns them."""
    rewritten = stale(current)
    for path in rewritten:
        if path in current:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(current[path], encoding="utf-8")
        else:
            path.unlink()
    return rewritten


def _stored_files() -> list[Path]:
    stored = [path for folder in (SNAPSHOT, TOOLSNAPS) if folder.is_dir() for path in sorted(folder.iterdir())]
    return [*stored, LISTING]


def _stored(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.snapshot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the golden files from the server as it is")
    options = parser.parse_args(argv)
    current = anyio.run(what_clients_see)
    if options.update:
        rewritten = write(current)
        print(f"Rewrote {', '.join(path.name for path in rewritten) or 'nothing'}.")
        return 0
    out_of_date = stale(current)
    names = ", ".join(path.name for path in out_of_date)
    print(f"Out of date: {names} (run with --update)." if out_of_date else "The snapshot is up to date.")
    return 1 if out_of_date else 0


if __name__ == "__main__":
    sys.exit(main())

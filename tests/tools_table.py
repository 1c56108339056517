"""The README's tools table, generated from the catalog (`registry_mcp.mcp.tools.catalog`): one row
per tool, in the order clients list them, with its title, its line of the server's instructions
(`hint`) and its annotations in words. It sits between the markers below; `tests/test_tools_table.py`
fails when it is stale.

    python -m tests.tools_table --update     # rewrite the table in README.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from registry_mcp.mcp.toolkit import RegistryTool
from registry_mcp.mcp.tools import TOOLS

README = Path(__file__).parent.parent / "README.md"
START = "<!-- START AUTOMATED TOOLS -->"
END = "<!-- END AUTOMATED TOOLS -->"


def annotations_in_words(tool: RegistryTool[Any]) -> str:
    notes = tool.annotations
    kind = "read-only" if notes.read_only_hint else "destructive" if notes.destructive_hint else "write"
    return ", ".join([kind, *(["idempotent"] if notes.idempotent_hint else []), *(["asks first"] if tool.ask else [])])


def table(tools: Sequence[RegistryTool[Any]] = TOOLS) -> str:
    rows = [
        f"| `{tool.name}` | {tool.title} | {tool.hint[0].upper()}{tool.hint[1:]} | {annotations_in_words(tool)} |"
        for tool in tools
    ]
    return "\n".join(["| tool | title | what it does | annotations |", "|---|---|---|---|", *rows])


def with_table(readme: str, tools: Sequence[RegistryTool[Any]] = TOOLS) -> str:
    """`readme` with the text between the markers replaced by the table of `tools`."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(f"README.md must hold {START} then {END}, once each")
    before, rest = readme.split(START)
    _, after = rest.split(END)
    return f"{before}{START}\n{table(tools)}\n{END}{after}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools_table", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the table in README.md")
    options = parser.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    current = with_table(readme)
    if options.update:
        README.write_text(current, encoding="utf-8")
        print("README.md's tools table rewritten." if current != readme else "README.md's tools table is up to date.")
        return 0
    print("README.md's tools table is stale: run with --update." if current != readme else "Up to date.")
    return 1 if current != readme else 0


if __name__ == "__main__":
    sys.exit(main())

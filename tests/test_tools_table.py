"""README.md's tools table is the catalog's (`python -m tests.tools_table --update` rewrites it)."""

from __future__ import annotations

import pytest

from registry_mcp.mcp.tools import TOOL_NAMES

from .tools_table import END, README, START, table, with_table


def test_the_readme_tools_table_is_the_catalogs() -> None:
    readme = README.read_text(encoding="utf-8")
    assert with_table(readme) == readme, "README.md's tools table is stale: run `python -m tests.tools_table --update`"
    rows = readme.split(START)[1].split(END)[0].strip().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == list(TOOL_NAMES)


def test_a_readme_without_the_markers_is_refused_saying_which() -> None:
    with pytest.raises(ValueError, match="START AUTOMATED TOOLS"):
        with_table("# no table here\n")


def test_the_table_says_each_tools_annotations_in_words() -> None:
    rows = {row.split("`")[1]: row for row in table().splitlines()[2:]}
    assert rows["get_registry_server"].endswith("| read-only, idempotent |")
    assert rows["delete_registry_server"].endswith("| destructive, asks first |")
    assert rows["add_registry_server"].endswith("| write |")

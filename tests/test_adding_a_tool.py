"""docs/adding-a-tool.md, followed once for real: a throwaway tool (tests/throwaway/word_count.py,
one module) and its snapshot file (tests/data/throwaway/count_server_words.json) are all it takes.
Everything else is derived from the declaration: the server lists and runs it, the instructions
name it, the README's table has its row, and the catalog's listing serves it without importing it
until its first call. `UPDATE_TOOLSNAPS=1` rewrites its snapshot, as for the real tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp_types import ToolAnnotations

from registry_mcp.mcp.server import create_server
from registry_mcp.mcp.tools.catalog import LISTING, ListedTool, listing, tool_modules
from registry_mcp.settings import Settings

from .snapshot import DATA, listed_tools, snapshot_text, updating
from .throwaway.word_count import THROWAWAY
from .tools_table import table

pytestmark = pytest.mark.anyio

SNAPSHOT = DATA / "throwaway" / "count_server_words.json"


async def test_the_new_tool_matches_its_own_snapshot_file() -> None:
    [listed] = await listed_tools(THROWAWAY.tools)
    if updating():
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(snapshot_text(listed), encoding="utf-8")
    assert snapshot_text(listed) == SNAPSHOT.read_text(encoding="utf-8")
    assert listed["annotations"]["readOnlyHint"] is True


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_new_tool_is_served_named_in_the_instructions_and_runs(mode: str) -> None:
    async with Client(create_server(Settings(), THROWAWAY.tools), mode=mode) as client:
        [tool] = (await client.list_tools()).tools
        assert client.instructions is not None and "- count_server_words: count the words" in client.instructions
        missing = await client.call_tool("count_server_words", {"saved_name": "files"})
    assert tool.name == "count_server_words"
    assert missing.is_error  # a registry error becomes a tool error, as for every tool


async def test_the_readme_row_and_the_listing_entry_come_from_the_declaration() -> None:
    [row] = table(THROWAWAY.tools).splitlines()[2:]
    assert row == (
        "| `count_server_words` | Count a server's words | Count the words of a server's description. "
        "| read-only, idempotent |"
    )
    [entry] = json.loads(listing(THROWAWAY.tools))
    assert entry["module"] == "tests.throwaway.word_count" and entry["asks"] is False


async def test_served_from_its_listing_entry_it_is_imported_on_its_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    [entry] = json.loads(listing(THROWAWAY.tools))
    listed = ListedTool(
        name=entry["tool"]["name"],
        module="word_count",
        hint=entry["hint"],
        asks=entry["asks"],
        annotations=ToolAnnotations.model_validate(entry["tool"]["annotations"]),
        definition=entry["tool"],
    )
    # The catalog imports from its own package and looks in registry-mcp's tools; here, the
    # throwaway's package and tool set.
    monkeypatch.setattr("registry_mcp.mcp.tools.catalog.PACKAGE", "tests.throwaway")
    monkeypatch.setattr("registry_mcp.mcp.toolkit.DECLARED", THROWAWAY)
    monkeypatch.delitem(sys.modules, "tests.throwaway.word_count")
    assert await listed_tools([listed]) == await listed_tools(THROWAWAY.tools)
    assert "tests.throwaway.word_count" not in sys.modules
    async with Client(create_server(Settings(), [listed])) as client:
        result = await client.call_tool("count_server_words", {"saved_name": "files"})
    assert "tests.throwaway.word_count" in sys.modules
    assert result.is_error and "no such server" in str(result.content)


def test_a_module_in_the_tools_folder_is_found_without_being_named_anywhere() -> None:
    folder = LISTING.parent
    modules = {path.stem for path in folder.glob("*.py")} - {"__init__", "catalog"}
    assert set(tool_modules()) == modules
    assert Path(folder / "listing.json").exists()

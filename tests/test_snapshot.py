"""The golden files of what clients see match the server: one per tool (tests/data/toolsnaps/), and
the resource templates, prompts and instructions (tests/data/snapshot/). A change to a tool's schema
or description, a resource template or a prompt fails here until the files are rewritten
(`python -m tests.snapshot --update`, or `UPDATE_TOOLSNAPS=1` with this test) and the diff is reviewed.
The tools checked are the catalog's: a tool added to it fails here until its file is written, and a
file whose tool is gone fails too."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry_mcp.mcp.tools import TOOL_NAMES, declared_tools
from registry_mcp.mcp.tools.catalog import LISTING

from .snapshot import TOOLSNAPS, listed_tools, stale, updating, what_clients_see, write

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def current() -> dict[Path, str]:
    import anyio

    return anyio.run(what_clients_see)


def _check(current: dict[Path, str], paths: list[Path]) -> None:
    if updating():
        write({path: current[path] for path in paths})
    for path in paths:
        assert path.exists(), f"{path.name} is missing: run `python -m tests.snapshot --update`"
        stored = path.read_text(encoding="utf-8")
        assert current[path] == stored, (
            f"{path.name} changed: run `python -m tests.snapshot --update` and review the diff"
        )


@pytest.mark.parametrize("tool", TOOL_NAMES)
def test_each_tool_matches_its_snapshot(current: dict[Path, str], tool: str) -> None:
    _check(current, [TOOLSNAPS / f"{tool}.json"])


def test_the_resources_prompts_and_instructions_match_the_snapshot(current: dict[Path, str]) -> None:
    _check(current, [path for path in current if path.parent != TOOLSNAPS and path != LISTING])


def test_the_catalogs_listing_is_what_the_tools_declare(current: dict[Path, str]) -> None:
    """The server lists its tools from the listing, without importing them: it must say what their
    modules declare (this is the cache's test; the listing is rewritten with the snapshot)."""
    _check(current, [LISTING])


async def test_the_server_lists_from_the_listing_exactly_what_the_modules_declare() -> None:
    declared = await listed_tools(declared_tools())
    assert await listed_tools() == declared


def test_every_snapshot_file_belongs_to_a_listed_tool(current: dict[Path, str]) -> None:
    if updating():
        write(current)
    assert not stale(current), "run `python -m tests.snapshot --update` and review the diff"
    assert sorted(path.stem for path in TOOLSNAPS.iterdir()) == sorted(TOOL_NAMES)


async def test_tools_are_listed_in_the_catalogs_order() -> None:
    assert [tool["name"] for tool in await listed_tools()] == list(TOOL_NAMES)

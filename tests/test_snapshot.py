"""The golden files of what clients see (tests/data/snapshot/) match the server: a change to a tool's
schema or description, a resource template or a prompt fails here until the files are rewritten
(`python -m tests.snapshot --update`) and the diff is reviewed."""

from __future__ import annotations

import pytest

from .snapshot import SNAPSHOT, what_clients_see

pytestmark = pytest.mark.anyio


async def test_what_clients_see_matches_the_snapshot() -> None:
    current = await what_clients_see()
    assert sorted(path.name for path in SNAPSHOT.iterdir()) == sorted(current)
    for name, text in current.items():
        stored = (SNAPSHOT / name).read_text(encoding="utf-8")
        assert text == stored, f"{name} changed: run `python -m tests.snapshot --update` and review the diff"

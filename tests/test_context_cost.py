"""What registry-mcp's tool definitions cost a model's context stays within its targets, with
every tool exposed: sizes, not times. Measured as benchmarks/context.py does: characters
of compact JSON of `tools/list`; model-facing is each tool's name, description and input schema."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .snapshot import listed_tools

pytestmark = pytest.mark.anyio


def _compact(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


async def test_tools_list_stays_within_the_context_targets() -> None:
    tools = await listed_tools()
    model_facing = _compact([{key: tool[key] for key in ("name", "description", "inputSchema")} for tool in tools])
    assert model_facing <= 13_000
    assert model_facing / len(tools) <= 1_200
    assert _compact(tools) <= 30_000

"""The gateway oracle: secure-mcp-gateway 2.2.4 in a venv of its own, built once and cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from ..conftest import text_of
from .oracle import Gateway, gateway_venv


@pytest.fixture(scope="session")
def gateway_python() -> Path:
    python, seconds = gateway_venv()
    if seconds is not None:
        print(f"\nbuilt the secure-mcp-gateway venv in {seconds:.1f} s")
    return python


@pytest.fixture
def gateway(gateway_python: Path, tmp_path: Path) -> Gateway:
    home = tmp_path / "gateway-home"
    home.mkdir()
    return Gateway(gateway_python, home)


async def export_and_read(
    client: Client, export_format: str, chosen: list[dict[str, str]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The export of the `chosen` servers, and each one's record as get_registry_server shows it."""
    exported = await client.call_tool("export_registry_servers", {"format": export_format, "servers": chosen})
    assert not exported.is_error and exported.structured_content is not None, text_of(exported)
    stored = []
    for selector in chosen:
        read = await client.call_tool("get_registry_server", selector)
        assert read.structured_content is not None
        stored.append(read.structured_content["server"])
    return exported.structured_content, stored

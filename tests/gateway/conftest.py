"""The gateway oracle: secure-mcp-gateway 2.2.4 in a venv of its own, built once and cached."""

from __future__ import annotations

from pathlib import Path

import pytest

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

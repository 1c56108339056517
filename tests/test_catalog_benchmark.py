"""benchmarks/catalog.py runs end to end on a small registry (a smoke test: no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_the_catalog_benchmark_reports_each_figure_beside_the_bare_route() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.catalog", "--entries", "150", "--walks", "1"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    for figure in ("page of 100, p50 (ms)", "page of 100, p99 (ms)", "peak memory (MiB)"):
        [row] = [line for line in finished.stdout.splitlines() if line.startswith(f"| {figure} |")]
        assert len(row.split("|")) == 6  # registry-mcp, the bare route, their ratio
    assert "2 pages of 100" in finished.stdout and "catalog read of 150 entries" in finished.stdout

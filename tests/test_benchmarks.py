"""The benchmark's quick mode runs end to end (a smoke test: no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.slow


def test_the_quick_benchmark_runs_and_reports_every_target(tmp_path: Path) -> None:
    report = tmp_path / "RESULTS.md"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    text = report.read_text()
    assert text.startswith("# Benchmark results") and "quick run" in text
    for target in (
        "start-up ratio, import CPU",
        "start-up ratio, start to tools/list, handshake",
        "start-up ratio, start to tools/list, server/discover",
        "add call median",
        "get call median",
        "last page time / first page time",
        "peak memory listing / after start-up",
        "in flight at once / one after another",
        "peak memory importing / after start-up",
        "slowest ping during the import",
        "hostile inspection, slowest (s)",
        "hostile inspection, peak memory (MiB)",
    ):
        [row] = [line for line in text.splitlines() if line.startswith(f"| {target}")]
        assert row.endswith(("| PASS |", "| FAIL |"))
    assert "bare SDK" in text and "CPUs" in text and "Python 3." in text
    assert "~/.claude.json over stdio (dry run)" in text and "colliding names" in text
    # The context cost, against its targets (peers are measured only with --peers).
    assert "## Context cost" in text and "Peers not measured in this run" in text
    for target in ("model-facing tools/list (chars)", "model-facing per tool (chars)", "whole tools/list (chars)"):
        [row] = [line for line in text.splitlines() if line.startswith(f"| {target}")]
        assert row.endswith(("| PASS |", "| FAIL |"))
    assert "| validate (dry-run add, 11 warnings) |" in text


def test_the_pins_benchmark_runs_and_prints_its_table() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.pins", "--servers", "2", "--tools", "2", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.startswith("2 pinned local servers, 2 tools each, 1 runs")
    for check in ("all at once", "one at a time", "one drifted"):
        assert f"| {check} |" in finished.stdout

"""Mutation score of the modules where a bug is a security or data-loss bug.

    python -m benchmarks.mutation             # run mutmut, print the score, record it in RESULTS.md
    python -m benchmarks.mutation --report    # only read the last run's results

mutmut (the `mutation` extra) plants one small bug at a time in the modules `[tool.mutmut] only_mutate`
names in pyproject.toml, runs the tests that cover the mutated function, and counts the bugs no test
noticed. A timeout counts as caught (the planted bug hung the tests); a mutant no test reaches counts as
missed. Survivors that cannot be caught (an equivalent mutant, unreachable code) are explained one line
each in `mutation_survivors.toml` beside this file; the score is given with and without them.

Not part of the default test run: it takes minutes (about 20 on two cores for the listed modules).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
EXPLAINED = HERE / "mutation_survivors.toml"
BEGIN, END = "<!-- mutation score: written by python -m benchmarks.mutation -->", "<!-- end of mutation score -->"
TARGET = 0.90

# mutmut's exit codes (mutmut/stats.py): what counts as a planted bug the tests caught.
CAUGHT = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}
MISSED = {0: "survived", 5: "no tests", 33: "no tests"}


def run_mutmut(children: int) -> None:
    # mutmut keeps results between runs; a clean run measures the code as it is now.
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    env = {**os.environ, "REGISTRY_MCP_LOG_LEVEL": "CRITICAL"}
    subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(children)], cwd=ROOT, env=env, check=True
    )


def read_results() -> dict[str, Counter[str]]:
    """Per module: how many mutants were caught, missed, or explained (a known equivalent)."""
    explained = tomllib.loads(EXPLAINED.read_text()).get("survivors", {}) if EXPLAINED.exists() else {}
    modules: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[str] = []
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        module = meta.relative_to(ROOT / "mutants").with_suffix("").with_suffix("").as_posix()
        for mutant, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if code in CAUGHT:
                modules[module]["caught"] += 1
            elif mutant in explained:
                modules[module]["explained"] += 1
            elif code in MISSED:
                modules[module]["missed"] += 1
                survivors.append(f"{mutant} ({MISSED[code]})")
            else:
                modules[module]["other"] += 1
                survivors.append(f"{mutant} (exit {code})")
    for line in survivors:
        print("not caught:", line)
    return modules


def report(modules: dict[str, Counter[str]]) -> str:
    rows = [
        "| module | mutants | caught | explained | missed | caught or explained | caught |",
        "|---|---|---|---|---|---|---|",
    ]
    totals: Counter[str] = Counter()
    for module, counts in sorted(modules.items()):
        totals.update(counts)
        rows.append(_row(module, counts))
    rows.append(_row("**all**", totals))
    score = _score(totals, explained_caught=False)
    verdict = "PASS" if score >= TARGET else "FAIL"
    return "\n".join(
        [
            BEGIN,
            "### Mutation score",
            "",
            f"`python -m benchmarks.mutation` (mutmut): **{score:.1%}** of planted bugs caught in the security and "
            f"data-loss modules, target {TARGET:.0%}: {verdict}. Explained survivors are listed with their reason "
            "in `benchmarks/mutation_survivors.toml`.",
            "",
            *rows,
            END,
        ]
    )


def _score(counts: Counter[str], *, explained_caught: bool) -> float:
    total = sum(counts.values())
    caught = counts["caught"] + (counts["explained"] if explained_caught else 0)
    return caught / total if total else 1.0


def _row(name: str, counts: Counter[str]) -> str:
    total = sum(counts.values())
    return (
        f"| {name} | {total} | {counts['caught']} | {counts['explained']} | {counts['missed'] + counts['other']} | "
        f"{_score(counts, explained_caught=True):.1%} | {_score(counts, explained_caught=False):.1%} |"
    )


def record(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n## Analysis\n"
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", action="store_true", help="read the last run's results without running")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2, help="mutants tested at once")
    options = parser.parse_args()
    if not options.report:
        run_mutmut(options.children)
    section = report(read_results())
    print(section)
    record(section)


if __name__ == "__main__":
    main()

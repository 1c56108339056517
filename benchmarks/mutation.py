"""Mutation score of the modules where a bug is a security or data-loss bug.

    python -m benchmarks.mutation                 # every group: run mutmut, print the score, record it
    python -m benchmarks.mutation client store    # only these groups
    python -m benchmarks.mutation --survivors     # re-run only the mutants the last run did not catch
    python -m benchmarks.mutation --fresh         # forget earlier results first
    python -m benchmarks.mutation --report        # only read the last results

mutmut (the `mutation` extra) plants one small bug at a time and runs the tests that reach the mutated
function; a bug no test noticed is a survivor. The modules are tested in groups (`GROUPS`), each with
the test files written for it: a mutant in `client.py` is run against the client's tests, not against
every test that happens to open a client, which keeps a run to minutes. Each group runs in its own copy
of the project under `build/mutation/` (mutmut reads its settings from the working directory's
pyproject.toml); the shared settings are `[tool.mutmut]` in pyproject.toml.

Counted as caught: a test failed, the tests hung (timeout), or `mypy --strict` rejects the mutant (it
could not land: CI type-checks). A mutant no test reaches counts as missed. Survivors that cannot be
caught (an equivalent mutant, unreachable code) are explained one line each in `mutation_survivors.toml`
beside this file, with the changed line they explain: mutmut numbers the mutants of a function in
order, so an edit renumbers them, and an explanation whose line no longer matches is stale and the
mutant counts as missed. The score is given with and without the explained ones. mutmut keeps each
group's results between runs and tests again only the functions whose code changed; `--survivors`
also re-tests the misses after new tests were written. RESULTS.md is written only when every group
has a result for every mutant.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parent
WORK = ROOT / "build" / "mutation"
RESULTS = HERE / "RESULTS.md"
EXPLAINED = HERE / "mutation_survivors.toml"
BEGIN, END = "<!-- mutation score: written by python -m benchmarks.mutation -->", "<!-- end of mutation score -->"
# Each module on its own, caught or explained: a strong module must not hide a weak one in the total.
TARGET = 0.95
COPIED = ("registry_mcp", "tests", "benchmarks")

# mutmut's exit codes (mutmut/utils/format_utils.py): what counts as a planted bug that was caught.
CAUGHT = {1: "killed", 3: "killed", 37: "type check", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout"}
CAUGHT |= {255: "timeout"}
MISSED = {0: "survived", 5: "no tests", 33: "no tests"}


@dataclass(frozen=True)
class Group:
    modules: tuple[str, ...]
    tests: tuple[str, ...]


GROUPS = {
    "urls": Group(
        modules=("registry_mcp/urls.py", "registry_mcp/registry/retries.py"),
        tests=(
            "tests/test_policies.py",
            "tests/test_write_once.py",
            "tests/test_client.py",
            "tests/test_faults.py",
            "tests/test_client_exchange.py",  # the clear-text refusals in words
        ),
    ),
    "denylist": Group(
        modules=("registry_mcp/gateway/denylist.py",),
        tests=("tests/test_denylist.py", "tests/gateway/test_deny_oracle.py", "tests/gateway/test_deny_everywhere.py"),
    ),
    "masking": Group(
        modules=("registry_mcp/secrets/masking.py",),
        tests=(
            "tests/test_masking.py",
            "tests/test_masking_shapes.py",
            "tests/test_token_detector.py",
            "tests/test_references.py",
            "tests/test_secrets.py",
            "tests/test_scrubbing.py",
        ),
    ),
    "scrubbing": Group(
        modules=("registry_mcp/secrets/scrubbing.py", "registry_mcp/logs.py"),
        tests=("tests/test_encoded_keys.py", "tests/test_scrubbing.py", "tests/test_masking.py"),
    ),
    "config_files": Group(
        modules=("registry_mcp/gateway/config_files.py",),
        tests=(
            "tests/test_file_writes.py",
            "tests/test_config_files.py",
            "tests/test_export.py",
            # The managed allowlist, the TOML and overrides targets, and the gateway's own file.
            "tests/test_claude_managed.py",
            "tests/test_client_formats.py",
            "tests/gateway/test_write_export.py",
            "tests/gateway/test_cloud_overrides.py",
        ),
    ),
    "client": Group(
        modules=("registry_mcp/registry/client.py",),
        tests=(
            "tests/test_client.py",
            "tests/test_client_exchange.py",
            "tests/test_echoed_keys.py",
            "tests/test_encoded_keys.py",
            "tests/test_faults.py",
            "tests/test_write_once.py",
            "tests/test_scrubbing.py",
            "tests/test_policies.py",
            "tests/test_selector.py",
            "tests/test_gateways.py",  # a gateway's own config, named by its headers
            "tests/test_package_facts.py",  # the package registries' reads and OSV's query
        ),
    ),
    "store": Group(
        modules=("registry_mcp/registry/embedded/store.py",),
        tests=(
            "tests/test_store.py",
            "tests/test_store_scope.py",
            "tests/test_embedded.py",
            "tests/test_modify.py",
            "tests/test_gateways.py",
        ),
    ),
    "patching": Group(
        modules=("registry_mcp/registry/patching.py",),
        tests=("tests/test_patching.py", "tests/test_oauth_target.py", "tests/test_modify.py"),
    ),
    "lint": Group(
        modules=("registry_mcp/gateway/lint.py",),
        tests=("tests/test_lint.py",),
    ),
    "addresses": Group(
        # Which addresses an inspection may reach for a remote caller, checked at each connection.
        modules=("registry_mcp/servers/addresses.py",),
        tests=("tests/test_private_targets.py",),
    ),
    "targets": Group(
        # What a command runs, and how a consent question shows it.
        modules=("registry_mcp/registry/targets.py", "registry_mcp/mcp/questions.py"),
        tests=("tests/test_targets.py", "tests/test_questions.py", "tests/test_patching.py", "tests/test_lint.py"),
    ),
    "public_mapping": Group(
        # What a public registry record becomes: the command a gateway will run.
        modules=("registry_mcp/public_registry/mapping.py",),
        tests=("tests/test_public_mapping.py", "tests/test_public_registry.py"),
    ),
    "http_auth": Group(
        # Who may call the server over HTTP, and with which key.
        modules=("registry_mcp/mcp/http_auth.py",),
        tests=("tests/test_http_auth.py", "tests/test_policies.py"),
    ),
    "toolkit": Group(
        # The toolkit's consent and read-only paths: who lets a tool act, and which tools are exposed.
        modules=("registry_mcp/mcp/permissions.py",),
        tests=(
            "tests/test_permissions.py",
            "tests/test_delete.py",
            "tests/test_http_launch.py",
            "tests/test_instructions.py",
            "tests/test_declaring.py",
            "tests/test_snapshot.py",
        ),
    ),
}


def prepare(name: str, group: Group, *, fresh: bool) -> Path:
    """A copy of the project whose pyproject.toml points mutmut at this group's modules and tests."""
    work = WORK / name
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    for folder in COPIED:
        shutil.rmtree(work / folder, ignore_errors=True)
        shutil.copytree(ROOT / folder, work / folder, ignore=shutil.ignore_patterns("__pycache__", "*.db*"))
    (work / "pyproject.toml").write_text(_pyproject(group))
    return work


def _pyproject(group: Group) -> str:
    """The project's pyproject.toml with its [tool.mutmut] table narrowed to one group."""
    text = (ROOT / "pyproject.toml").read_text()
    shared = tomllib.loads(text)["tool"]["mutmut"]
    settings = {**shared, "only_mutate": list(group.modules), "pytest_add_cli_args_test_selection": list(group.tests)}
    start = text.index("[tool.mutmut]")
    following = text.find("\n[", start + 1)
    rest = "" if following < 0 else text[following:]
    # A JSON list of strings is also a TOML array.
    table = "[tool.mutmut]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    return text[:start] + table + rest


def run_mutmut(work: Path, children: int, names: list[str]) -> None:
    # mypy (the type check) is run by name: put this environment's scripts first on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path, "REGISTRY_MCP_LOG_LEVEL": "CRITICAL"}
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *names]
    subprocess.run(command, cwd=work, env=env, check=True)


def exit_codes(name: str) -> dict[str, dict[str, int | None]]:
    """Per module of a group: each mutant's last exit code (None: not run yet)."""
    found: dict[str, dict[str, int | None]] = {}
    mutants = WORK / name / "mutants"
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = meta.relative_to(mutants).with_suffix("").with_suffix("").as_posix()
        if f"{module}.py" in GROUPS[name].modules:
            found[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return found


def missed(name: str) -> list[str]:
    return [
        mutant
        for codes in exit_codes(name).values()
        for mutant, code in codes.items()
        if code is not None and code not in CAUGHT and not _is_explained(name, mutant)
    ]


def _explained() -> dict[str, Any]:
    return tomllib.loads(EXPLAINED.read_text()).get("survivors", {}) if EXPLAINED.exists() else {}


def _is_explained(group: str, mutant: str) -> bool:
    explanation = _explained().get(mutant)
    return isinstance(explanation, dict) and explanation.get("change") == change_of(group, mutant)


def change_of(group: str, mutant: str) -> str:
    """The lines `mutant` changes, as mutmut wrote it (its function beside the original's)."""
    module, _, function = mutant.rpartition(".")
    path = WORK / group / "mutants" / (module.replace(".", "/") + ".py")
    bodies = _function_bodies(path, path.stat().st_mtime_ns)
    original = bodies.get(function.rpartition("__mutmut_")[0] + "__mutmut_orig", [])
    changed = difflib.ndiff(original, bodies.get(function, []))
    return " / ".join(line[2:].strip() for line in changed if line.startswith("+ "))


@functools.cache
def _function_bodies(path: Path, modified: int) -> dict[str, list[str]]:
    """Each function of a file mutmut wrote, by name: its lines past the name. Parsed once per version
    of the file (`modified`, its time of change, is part of the cache's key)."""
    source = path.read_text()
    lines = source.splitlines()
    return {
        node.name: lines[node.lineno : node.end_lineno]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def read_results(names: list[str]) -> dict[str, Counter[str]]:
    """Per module: how many mutants were caught, missed, explained (a known equivalent) or not run."""
    explained = _explained()
    modules: dict[str, Counter[str]] = defaultdict(Counter)
    for name in names:
        for module, codes in exit_codes(name).items():
            for mutant, code in codes.items():
                if code is None:
                    modules[module]["not run"] += 1
                elif code in CAUGHT:
                    modules[module]["caught"] += 1
                    modules[module]["by mypy"] += CAUGHT[code] == "type check"
                elif _is_explained(name, mutant):
                    modules[module]["explained"] += 1
                else:
                    modules[module]["missed"] += 1
                    stale = " (its explanation is for another change: stale)" if mutant in explained else ""
                    why = MISSED.get(code, f"exit {code}")
                    print(f"not caught: {mutant} ({why}){stale}: {change_of(name, mutant)}")
    return modules


def report(modules: dict[str, Counter[str]]) -> str:
    rows = [
        "| module | mutants | not run | caught (by mypy) | explained | missed | caught or explained | caught |",
        "|---|---|---|---|---|---|---|---|",
    ]
    totals: Counter[str] = Counter()
    for module, counts in sorted(modules.items()):
        totals.update(counts)
        rows.append(_row(module, counts))
    rows.append(_row("**all**", totals))
    score = _score(totals, explained_caught=False) or 0.0
    scores = {module: _score(counts, explained_caught=True) or 0.0 for module, counts in modules.items()}
    weakest = min(scores, key=scores.__getitem__, default="")
    below = sorted(module for module, module_score in scores.items() if module_score < TARGET)
    verdict = "PASS" if not below else f"FAIL ({', '.join(below)})"
    tested = sum(totals.values()) - 2 * totals["by mypy"] - totals["not run"]
    by_tests = totals["caught"] - totals["by mypy"]
    return "\n".join(
        [
            BEGIN,
            "### Mutation score",
            "",
            f"`python -m benchmarks.mutation` (mutmut): **{score:.1%}** of planted bugs caught in the security and "
            f"data-loss modules. Target: each module at least {TARGET:.0%} caught or explained (lowest: "
            f"{scores.get(weakest, 0.0):.1%}, {weakest}): {verdict}. Each module is tested against the test files its "
            "group in `benchmarks/mutation.py` names; explained survivors are listed with their reason in "
            "`benchmarks/mutation_survivors.toml`. Of the mutants that type-check, the tests catch "
            f"{by_tests:,} of {tested:,} ({by_tests / max(tested, 1):.1%}); `mypy --strict` rejects the others "
            "counted as caught.",
            "",
            *rows,
            END,
        ]
    )


def _score(counts: Counter[str], *, explained_caught: bool) -> float | None:
    total = sum(counts.values()) - counts["not run"] - counts["by mypy"]
    caught = counts["caught"] + (counts["explained"] if explained_caught else 0)
    return caught / total if total else None


def _percent(score: float | None) -> str:
    return "—" if score is None else f"{score:.1%}"


def _row(name: str, counts: Counter[str]) -> str:
    return (
        f"| {name} | {sum(counts.values()) - counts['by mypy']} | {counts['not run']} | "
        f"{counts['caught']} ({counts['by mypy']}) | {counts['explained']} | "
        f"{counts['missed']} | {_percent(_score(counts, explained_caught=True))} | "
        f"{_percent(_score(counts, explained_caught=False))} |"
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
    parser.add_argument("groups", nargs="*", help=f"only these groups (default: all): {', '.join(GROUPS)}")
    parser.add_argument("--report", action="store_true", help="read the last results without running")
    parser.add_argument("--survivors", action="store_true", help="re-run only the mutants not caught last time")
    parser.add_argument("--fresh", action="store_true", help="forget the groups' earlier results first")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2, help="mutants tested at once")
    options = parser.parse_args()
    names = options.groups or list(GROUPS)
    if unknown := sorted(set(names) - set(GROUPS)):
        parser.error(f"no group {', '.join(unknown)}; the groups are {', '.join(GROUPS)}")
    if not options.report:
        for name in names:
            again = missed(name) if options.survivors else []
            if options.survivors and not again:
                continue
            run_mutmut(prepare(name, GROUPS[name], fresh=options.fresh), options.children, again)
    modules = read_results(list(GROUPS))
    section = report(modules)
    print(section)
    complete = len(modules) == sum(len(group.modules) for group in GROUPS.values())
    if complete and not any(counts["not run"] for counts in modules.values()):
        record(section)
    else:
        print("Not recorded in RESULTS.md: some groups have mutants not yet run.")


if __name__ == "__main__":
    main()

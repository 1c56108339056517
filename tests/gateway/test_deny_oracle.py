"""Our deny matcher beside secure-mcp-gateway's own (`deny_matcher.is_tool_denied`), case by case.

Each case is (tool, denied_tools, tools map, the pattern that denies it or None), the expectation
written out by hand; the gateway's answer and ours must both equal it, reason included.
"""

from __future__ import annotations

from typing import Any

from registry_mcp.gateway.denylist import deny_match

from .oracle import Gateway

LISTED = {"read_file": {}, "list_dir": {}}
CASES: list[tuple[str, list[Any], dict[str, Any] | None, str | None]] = [
    # Names are matched exactly and case-sensitively.
    ("read_file", ["read_file"], None, "read_file"),
    ("Read_File", ["read_file"], None, None),
    ("read_file", ["READ_FILE"], None, None),
    ("read_file", ["read"], None, None),
    ("read_file_2", ["read_file"], None, None),
    # '*' alone: every tool, except the keys of `tools`.
    ("anything", ["*"], None, "*"),
    ("", ["*"], None, "*"),
    ("read_file", ["*"], LISTED, None),
    ("list_dir", ["*"], LISTED, None),
    ("write_file", ["*"], LISTED, "*"),
    ("READ_FILE", ["*"], LISTED, "*"),
    ("read_file", ["*"], {}, "*"),
    # Only the exact pattern '*' spares listed tools.
    ("read_file", ["**"], LISTED, "**"),
    ("read_file", ["*_*"], LISTED, "*_*"),
    ("read_file", ["read_*"], LISTED, "read_*"),
    ("read_file", ["*", "read_*"], LISTED, "read_*"),
    ("write_file", ["*", "read_*"], LISTED, "*"),
    # Globs.
    ("write_file", ["write_*"], None, "write_*"),
    ("write_", ["write_*"], None, "write_*"),
    ("rewrite_file", ["write_*"], None, None),
    ("delete_file", ["*_file"], None, "*_file"),
    ("tool1", ["tool?"], None, "tool?"),
    ("tool12", ["tool?"], None, None),
    ("tool", ["tool?"], None, None),
    ("toola", ["tool[ab]"], None, "tool[ab]"),
    ("toolc", ["tool[ab]"], None, None),
    ("toolA", ["tool[ab]"], None, None),
    ("toolc", ["tool[!ab]"], None, "tool[!ab]"),
    ("toola", ["tool[!ab]"], None, None),
    ("tool3", ["tool[0-4]"], None, "tool[0-4]"),
    ("tool[", ["tool["], None, "tool["),
    ("a.b", ["a.b"], None, "a.b"),
    ("axb", ["a.b"], None, None),
    # Blank patterns are skipped; padding is part of the pattern.
    ("read_file", [""], None, None),
    ("read_file", [" read_file"], None, None),
    ("read_file", ["read_file "], None, None),
    ("read_file", [" "], None, None),
    ("read_file", ["", "read_file"], None, "read_file"),
    ("read_file", [" *"], None, None),
    # A padded pattern is matched as written: it denies a tool whose name has the same spaces.
    (" padded ", [" padded "], None, " padded "),
    ("padded", [" padded "], None, None),
    # {name, reason} entries, and the first match decides.
    ("delete_file", [{"name": "delete_*", "reason": "destructive"}], None, "delete_*"),
    ("delete_file", [{"name": "delete_*", "reason": ""}], None, "delete_*"),
    ("delete_file", [{"name": "delete_*"}], None, "delete_*"),
    ("delete_file", [{"reason": "no name"}], None, None),
    ("delete_file", [{"name": "", "reason": "blank"}, "delete_file"], None, "delete_file"),
    ("delete_file", ["delete_*", {"name": "delete_file", "reason": "second"}], None, "delete_*"),
    ("delete_file", [{"name": "*", "reason": "deny all"}], {"delete_file": {}}, None),
    ("other", [{"name": "*", "reason": "deny all"}], {"delete_file": {}}, "*"),
    ("read_file", [], LISTED, None),
]


def _reason(entry: Any, pattern: str) -> str:
    reason = entry.get("reason") if isinstance(entry, dict) else None
    return reason or f"Denied by deny-list pattern: {pattern}"


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


def test_our_deny_matcher_decides_every_case_as_the_gateway_does(gateway: Gateway) -> None:
    answers = gateway.run({"op": "deny", "cases": [[tool, denied, tools] for tool, denied, tools, _ in CASES]})[0]
    for (tool, denied, tools, expected), theirs in zip(CASES, answers, strict=True):
        ours = deny_match(tool, denied, tools or {})
        case = f"{tool!r} under {denied!r} with tools {tools!r}"
        if expected is None:
            assert theirs is None and ours is None, case
            continue
        entry = next(item for item in denied if (item.get("name") if isinstance(item, dict) else item) == expected)
        assert theirs == {"name": tool, "pattern": expected, "reason": _reason(entry, expected)}, case
        assert ours is not None and (ours.pattern, ours.reason) == (expected, theirs["reason"]), case

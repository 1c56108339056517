"""The deny list's entries in every form they arrive in: strings, `{name, reason}` objects, the
payload models, and entries that are not what they should be. Expected values written by hand."""

from __future__ import annotations

from typing import Any

import pytest

from registry_mcp.gateway.denylist import DenyMatch, deny_match, deny_patterns, is_denied
from registry_mcp.registry.models import DeniedTool


def test_a_model_entry_gives_its_own_reason() -> None:
    entries = [DeniedTool(name="delete_*", reason="deletes data")]
    assert deny_match("delete_file", entries) == DenyMatch("delete_*", "deletes data")


def test_a_model_entry_without_a_reason_gets_the_gateways_wording() -> None:
    entries = [DeniedTool(name="delete_*")]
    assert deny_match("delete_file", entries) == DenyMatch("delete_*", "Denied by deny-list pattern: delete_*")


def test_a_reason_that_is_not_text_is_replaced_by_the_gateways_wording() -> None:
    assert deny_match("drop", [{"name": "drop", "reason": 5}]) == DenyMatch("drop", "Denied by deny-list pattern: drop")


@pytest.mark.parametrize("entry", [{"reason": "no name"}, {"name": 5}, {"name": None}, {"name": ["x"]}, 7, None])
def test_an_entry_without_a_textual_name_denies_nothing(entry: Any) -> None:
    for tool in ("read_file", "x", "5", "XXXX", ""):
        assert is_denied(tool, [entry]) is False, tool
    assert deny_patterns([entry]) == [""]


def test_the_first_matching_entry_decides() -> None:
    entries = [{"name": "write_*", "reason": "first"}, {"name": "write_file", "reason": "second"}]
    assert deny_match("write_file", entries) == DenyMatch("write_*", "first")

"""Tool input schemas that strict clients accept (Gemini, Vertex AI, Cursor), derived from the models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from registry_mcp.schemas import self_contained_schema, strict_input_schema
from registry_mcp.server import TOOLS

TOOL_SCHEMAS = {tool.name: tool.to_mcp().parameters for tool in TOOLS}


def _walk(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object below `node`, with its JSON pointer."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def strict_schema_problems(schema: dict[str, Any]) -> list[str]:
    """What a strict client would reject in `schema`."""
    problems = []
    for path, node in _walk(schema):
        if "$ref" in node or "$defs" in node:
            problems.append(f"{path}: $ref or $defs")
        if node.get("type") == "null" or (isinstance(node.get("type"), list)):
            problems.append(f"{path}: null type or a list of types")
        for branch in node.get("anyOf", []):
            if any("anyOf" in inner for _, inner in _walk(branch)):
                problems.append(f"{path}: anyOf inside anyOf")
            if "enum" in branch:
                problems.append(f"{path}: enum inside anyOf")
        if "oneOf" in node:
            problems.append(f"{path}: oneOf")
    return problems


@pytest.mark.parametrize("name", sorted(TOOL_SCHEMAS))
def test_tool_schema_has_nothing_strict_clients_reject(name: str) -> None:
    assert strict_schema_problems(TOOL_SCHEMAS[name]) == []


@pytest.mark.parametrize("name", sorted(TOOL_SCHEMAS))
def test_tool_schema_is_valid_json_schema_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(TOOL_SCHEMAS[name])
    assert TOOL_SCHEMAS[name]["type"] == "object"


def test_the_checker_catches_what_it_looks_for() -> None:
    bad = {
        "type": "object",
        "properties": {
            "a": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "b": {"type": ["string", "null"]},
            "c": {"$ref": "#/$defs/C"},
            "d": {"anyOf": [{"anyOf": [{"type": "string"}]}, {"enum": ["x"]}]},
        },
    }
    problems = strict_schema_problems(bad)
    assert any("/a/anyOf/1: null" in problem for problem in problems)
    assert any("/b: null type" in problem for problem in problems)
    assert any("/c: $ref" in problem for problem in problems)
    assert any("/d: anyOf inside anyOf" in problem for problem in problems)
    assert any("/d: enum inside anyOf" in problem for problem in problems)


def test_seed_request_fits_the_add_schema(seed_request: dict[str, Any]) -> None:
    validator = Draft202012Validator(
        TOOL_SCHEMAS["add_registry_server"], format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert list(validator.iter_errors(seed_request)) == []
    too_long = {**seed_request, "saved_name": "x" * 33}
    assert [error.validator for error in validator.iter_errors(too_long)] == ["maxLength", "pattern"]


class _Inner(BaseModel):
    """Inner doc."""

    size: int


class _Remote(BaseModel):
    url: str


class _Shapes(BaseModel):
    plain: str
    maybe_number: int | None = None
    maybe_kind: Literal["a", "b"] | None = None
    fixed: Literal["only"] = "only"
    inner: _Inner | None = None
    either: _Inner | _Remote | None = None
    items: list[_Inner] = []


def test_strict_schema_inlines_and_drops_nullable_unions() -> None:
    schema = strict_input_schema(_Shapes)
    properties = schema["properties"]
    assert schema["required"] == ["plain"]
    assert properties["maybe_number"] == {"type": "integer"}
    assert properties["maybe_kind"] == {"enum": ["a", "b"], "type": "string"}
    assert properties["fixed"]["enum"] == ["only"] and "const" not in properties["fixed"]
    assert properties["inner"]["properties"] == {"size": {"type": "integer"}}
    assert properties["inner"]["description"] == "Inner doc."
    assert [branch["required"] for branch in properties["either"]["anyOf"]] == [["size"], ["url"]]
    assert properties["items"]["items"]["required"] == ["size"]
    assert strict_schema_problems(schema) == []


def test_self_contained_schema_only_inlines() -> None:
    schema = self_contained_schema(_Shapes.model_json_schema())
    assert "$defs" not in schema and "$ref" not in str(schema)
    assert {"type": "null"} in schema["properties"]["maybe_number"]["anyOf"]


class _Tree(BaseModel):
    children: list[_Tree] = []


def test_a_recursive_model_cannot_be_inlined() -> None:
    with pytest.raises(ValueError, match="recursive"):
        strict_input_schema(_Tree)

"""Tool schemas that strict clients accept (Gemini, Vertex AI, Cursor), derived from the models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

from registry_mcp.mcp.schemas import record_schema, strict_input_schema
from registry_mcp.mcp.tools import TOOLS

TOOL_SCHEMAS = {tool.name: tool.to_mcp().parameters for tool in TOOLS}
OUTPUT_SCHEMAS = {tool.name: tool.to_mcp().output_schema for tool in TOOLS}


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


@pytest.mark.parametrize("name", sorted(OUTPUT_SCHEMAS))
def test_output_schema_is_valid_structure_only_and_strict(name: str) -> None:
    schema = OUTPUT_SCHEMAS[name]
    assert schema is not None
    Draft202012Validator.check_schema(schema)
    assert strict_schema_problems(schema) == []
    # Clients validate results against it; the model reads none of it, so it carries no words.
    worded = [
        path
        for path, node in _walk(schema)
        # A `properties` map's keys are field names (a record has one called "description").
        if not path.endswith("/properties") and {"description", "examples", "title", "default"} & set(node)
    ]
    assert worded == []


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
    """The shapes' docstring, for Python readers."""

    plain: str = Field(description="A described field.", examples=["x"])
    maybe_number: int | None = None
    maybe_kind: Literal["a", "b"] | None = None
    fixed: Literal["only"] = "only"
    inner: _Inner | None = None
    described_inner: _Inner = Field(default_factory=lambda: _Inner(size=1), description="The field's own words.")
    either: _Inner | _Remote | None = None
    items: list[_Inner] = []


def test_strict_schema_inlines_and_drops_nullable_unions() -> None:
    schema = strict_input_schema(_Shapes)
    properties = schema["properties"]
    assert schema["required"] == ["plain"]
    assert properties["maybe_number"] == {"type": "integer"}
    assert properties["maybe_kind"] == {"enum": ["a", "b"], "type": "string"}
    assert properties["fixed"]["enum"] == ["only"] and "const" not in properties["fixed"]
    assert properties["plain"] == {"type": "string", "description": "A described field.", "examples": ["x"]}
    # A model's docstring is not carried; the description of the field that uses it is.
    assert properties["inner"] == {"type": "object", "properties": {"size": {"type": "integer"}}, "required": ["size"]}
    assert properties["described_inner"]["description"] == "The field's own words."
    assert "description" not in schema
    assert [branch["required"] for branch in properties["either"]["anyOf"]] == [["size"], ["url"]]
    assert properties["items"]["items"]["required"] == ["size"]
    assert strict_schema_problems(schema) == []


def test_record_schema_is_the_strict_form_without_words() -> None:
    schema = record_schema(_Shapes)
    properties = schema["properties"]
    assert properties["plain"] == {"type": "string"}
    assert properties["maybe_number"] == {"type": "integer"}
    assert properties["fixed"] == {"enum": ["only"], "type": "string"}
    assert properties["described_inner"] == properties["inner"]
    assert "$defs" not in schema and "$ref" not in str(schema) and "description" not in str(schema)
    assert strict_schema_problems(schema) == []


class _Tree(BaseModel):
    children: list[_Tree] = []


def test_a_recursive_model_cannot_be_inlined() -> None:
    with pytest.raises(ValueError, match="recursive"):
        strict_input_schema(_Tree)

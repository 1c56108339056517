"""Tool schemas derived from the payload models, in a form every MCP client accepts.

Pydantic's JSON Schema is correct but uses constructs that several clients reject (Gemini and
Vertex AI, Cursor, some IDE clients): `$ref` into `$defs`, optional fields spelled as
`anyOf: [X, {type: null}]`, and `oneOf`. `strict_input_schema` rewrites a model's schema so that:

- every `$ref` is inlined and `$defs` is gone: the schema is self-contained;
- an optional field is a property left out of `required`, never a nullable union (`null` in the
  API is said by leaving the field out);
- a union becomes one flat `anyOf` (never an `anyOf` inside an `anyOf`, nor a bare `enum` branch);
  `oneOf` becomes `anyOf`, which strict clients support: the models themselves refuse input that
  matches more than one branch (a server `config` with both `command` and `url`);
- `const` becomes a one-value `enum` (several strict clients know only `enum`);
- pydantic's noise is dropped: `title`, `default: null`, `additionalProperties: true` (the JSON
  Schema default) and the OpenAPI-only `discriminator`.

Constraints (`maxLength`, `pattern`, `format`, `enum`, `minimum` ...) and descriptions are kept.
`self_contained_schema` does only the inlining (for output schemas, where `null` is a real value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

_REF_PREFIX = "#/$defs/"
# Keys whose values are schemas, and those whose values are maps or lists of schemas.
_SCHEMA_KEYS = ("items", "additionalProperties", "not", "contains", "propertyNames")
_SCHEMA_MAP_KEYS = ("properties", "patternProperties")
_SCHEMA_LIST_KEYS = ("prefixItems", "allOf")
_UNION_KEYS = ("anyOf", "oneOf")
_NOISE_KEYS = ("title", "discriminator")


def strict_input_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema, self-contained and in the subset strict clients accept."""
    schema = _Rewriter(model.model_json_schema(), strict=True).schema
    # The tool's own description says what the arguments are for.
    schema.pop("description", None)
    return schema


def self_contained_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with every local `$ref` inlined and no `$defs`; nothing else changes."""
    return _Rewriter(schema, strict=False).schema


class _Rewriter:
    def __init__(self, schema: dict[str, Any], *, strict: bool) -> None:
        self._definitions: dict[str, Any] = schema.get("$defs", {})
        self._strict = strict
        root = {key: value for key, value in schema.items() if key != "$defs"}
        self.schema = self._rewrite(root, expanding=())

    def _rewrite(self, node: dict[str, Any], expanding: tuple[str, ...]) -> dict[str, Any]:
        node = self._inline_ref(node, expanding)
        expanding = (*expanding, *node.pop("__expanding__", ()))
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key in _SCHEMA_KEYS and isinstance(value, dict):
                result[key] = self._rewrite(value, expanding)
            elif key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
                result[key] = {name: self._rewrite(sub, expanding) for name, sub in value.items()}
            elif key in (*_SCHEMA_LIST_KEYS, *_UNION_KEYS) and isinstance(value, list):
                result[key] = [self._rewrite(sub, expanding) for sub in value]
            else:
                result[key] = value
        return self._simplify(result) if self._strict else result

    def _inline_ref(self, node: dict[str, Any], expanding: tuple[str, ...]) -> dict[str, Any]:
        reference = node.get("$ref")
        if not isinstance(reference, str):
            return node
        if not reference.startswith(_REF_PREFIX):
            raise ValueError(f"cannot inline the non-local reference {reference!r}")
        name = reference.removeprefix(_REF_PREFIX)
        if name in expanding:
            raise ValueError(f"cannot inline the recursive definition {name!r}")
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        # The referring node's own keys (its description, say) win over the definition's.
        return {**self._definitions[name], **siblings, "__expanding__": (name,)}

    def _simplify(self, node: dict[str, Any]) -> dict[str, Any]:
        for key in _NOISE_KEYS:
            node.pop(key, None)
        if "const" in node:
            node["enum"] = [node.pop("const")]
        if "default" in node and node["default"] is None:
            del node["default"]
        if node.get("additionalProperties") is True:
            del node["additionalProperties"]
        node_type = node.get("type")
        if isinstance(node_type, list):
            kept = [kind for kind in node_type if kind != "null"]
            node["type"] = kept[0] if len(kept) == 1 else kept
        branches = node.pop("oneOf", None) or node.pop("anyOf", None)
        if branches is None:
            return node
        flat: list[dict[str, Any]] = []
        for branch in branches:
            if branch.get("type") == "null":
                continue
            # A branch that is itself a union (already simplified) is lifted into this one.
            flat.extend(branch["anyOf"] if set(branch) == {"anyOf"} else [branch])
        if len(flat) == 1:
            # `X | None` is just X, with the outer description and constraints.
            return {**flat[0], **node}
        node["anyOf"] = flat
        return node

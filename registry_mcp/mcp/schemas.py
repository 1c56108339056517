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

Constraints (`maxLength`, `pattern`, `format`, `enum`, `minimum` ...) are kept, and so are the
fields' descriptions; a model's docstring is not (it is written for Python readers: the field that
uses the model says what it is for).

`record_schema` is the same rewrite for output schemas, which clients only validate results
against: every description, example and default is dropped too, so a record's schema costs its
structure only. Results never hold `null` (they are dumped without `None` values), so the output
schemas need no nullable unions either.
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
# What an output schema leaves out besides: clients validate against it, the model reads none of it.
_WORDS_KEYS = ("description", "examples", "default")


def strict_input_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema, self-contained and in the subset strict clients accept."""
    return _Rewriter(model.model_json_schema(), noise=_NOISE_KEYS).schema


def record_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema as `strict_input_schema` makes it, structure only: no descriptions,
    examples or defaults (an output schema)."""
    schema = model.model_json_schema(mode="serialization")
    return _Rewriter(schema, noise=(*_NOISE_KEYS, *_WORDS_KEYS)).schema


class _Rewriter:
    def __init__(self, schema: dict[str, Any], *, noise: tuple[str, ...]) -> None:
        # A definition is a model: its docstring is not carried (see the module's docstring).
        self._definitions: dict[str, Any] = {
            name: {key: value for key, value in definition.items() if key != "description"}
            for name, definition in schema.get("$defs", {}).items()
        }
        self._noise = noise
        root = {key: value for key, value in schema.items() if key not in ("$defs", "description")}
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
        return self._simplify(result)

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
        for key in self._noise:
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

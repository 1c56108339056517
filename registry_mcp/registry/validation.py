"""How invalid input is described: one line per problem, naming the field, what is wrong and what is allowed.

Pydantic's own messages name regexes and Python types; these say the same in words a person (or an
assistant) can act on, and never repeat the rejected value (it may be a secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from registry_mcp.errors import InvalidRequest
from registry_mcp.registry.models import SAVED_NAME_MAX, SAVED_NAME_PATTERN, SERVER_VERSION_PATTERN, UUID_PATTERN
from registry_mcp.untrusted import escape
from registry_mcp.wording import counted

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

ModelT = TypeVar("ModelT", bound=BaseModel)

# Pydantic names a pattern by its regex; people read better words.
_PATTERN_WORDS = {
    SAVED_NAME_PATTERN: f"only ASCII letters, digits, '-' and '_' (1-{SAVED_NAME_MAX} characters, no spaces)",
    SERVER_VERSION_PATTERN: "only ASCII letters, digits, '.', '-' and '_' (1-32 characters), such as 'v1'",
    UUID_PATTERN: "a UUID, such as 123e4567-e89b-12d3-a456-426614174000",
}


# Pydantic's error kinds in words: its own name Python types and quote its parsers. A kind's family
# (int_parsing, int_from_float ... are "int") says the same as the kind.
_KIND_WORDS = {
    "int": "must be a whole number",
    "float": "must be a number",
    "bool": "must be true or false",
    "uuid": f"must be {_PATTERN_WORDS[UUID_PATTERN]}",
    "datetime": "must be a date and time, such as 2026-01-31T12:00:00Z",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "json_invalid": "must be valid JSON",
}
# Kinds that name a bound: the context key holding it, the words, and what it counts (if anything).
_BOUND_WORDS: dict[str, tuple[str, str, str | None]] = {
    "greater_than_equal": ("ge", "must be at least", None),
    "greater_than": ("gt", "must be more than", None),
    "less_than_equal": ("le", "must be at most", None),
    "less_than": ("lt", "must be less than", None),
    "string_too_short": ("min_length", "must be at least", "character"),
    "string_too_long": ("max_length", "must be at most", "character"),
    "too_short": ("min_length", "must have at least", "item"),
    "too_long": ("max_length", "must have at most", "item"),
}


def _words(kind: str, context: Mapping[str, Any]) -> str | None:
    """What pydantic's error `kind` means, said the way a person would (None: no words for it)."""
    if kind in ("literal_error", "enum"):
        return f"must be {context.get('expected')}"
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty"
    if kind in _BOUND_WORDS:
        key, words, unit = _BOUND_WORDS[kind]
        bound = context.get(key)
        return f"{words} {counted(bound, unit) if unit and isinstance(bound, int) else bound}"
    return _KIND_WORDS.get(kind) or _KIND_WORDS.get(kind.split("_", 1)[0])


# An error lists at most this many problems, then counts the rest: 20,000 wrong items in a list
# made a 1.35-million-character error.
MAX_PROBLEMS = 20
# A location names at most this many characters of each key (a key is input too).
_MAX_KEY = 64


def describe_validation_error(error: ValidationError, *, prefix: str = "", limit: int = MAX_PROBLEMS) -> list[str]:
    """One line per problem (the first `limit`, then one counting the rest): where it is, what is
    wrong, what is allowed.

    The rejected values themselves are never repeated: they may be secrets.
    """
    details = error.errors(include_url=False)
    lines = [_describe(detail, prefix) for detail in details[:limit]]
    if len(details) > limit:
        lines.append(f"and {counted(len(details) - limit, 'more problem')}")
    return lines


def _describe(detail: ErrorDetails, prefix: str) -> str:
    location = _location((prefix, *detail["loc"]) if prefix else detail["loc"])
    kind = detail["type"]
    context = detail.get("ctx") or {}
    if kind == "missing":
        text = "required, but missing"
    elif kind == "extra_forbidden":
        text = "not a known field"
    elif kind == "string_pattern_mismatch":
        pattern = str(context.get("pattern", ""))
        text = f"must contain {_PATTERN_WORDS.get(pattern, f'text matching {pattern}')}"
    elif kind == "union_tag_invalid":  # pydantic's text quotes the tag given
        text = f"must be one of: {context.get('expected_tags', '')}"
    elif (words := _words(kind, context)) is not None:
        text = words
    elif _quotes(detail["msg"], detail.get("input"), context):
        text = f"not valid here ({kind.replace('_', ' ')})"
    elif kind in ("value_error", "assertion_error"):
        # Our own validators' words, without pydantic's "Value error, " before them.
        text = detail["msg"].split(", ", 1)[-1]
    else:
        text = detail["msg"]
    return f"{location or '(input)'}: {text}"


# The tags pydantic puts in a location for the kind of `mcp_config.config`: not fields a caller sent.
_CONFIG_KINDS = frozenset({"local", "remote"})


def _location(parts: tuple[int | str, ...]) -> str:
    """('servers', 0, 'saved_name') -> 'servers[0].saved_name' (each key escaped and capped: it is input)."""
    text = ""
    for previous, part in zip((None, *parts), parts, strict=False):
        if previous == "config" and part in _CONFIG_KINDS:
            continue
        text += (
            f"[{part}]" if isinstance(part, int) else f".{escape(part, _MAX_KEY)}" if text else escape(part, _MAX_KEY)
        )
    return text


def _quotes(message: str, value: object, context: object) -> bool:
    """Whether `message` repeats the text of `value` beyond what it says is allowed (`context`):
    a guard for pydantic messages not worded above."""
    text = str(value)
    return isinstance(value, str | int | float) and len(text) >= 3 and text in message and text not in str(context)


def checked(model: type[ModelT], value: ModelT | Mapping[str, Any], *, what: str) -> ModelT:
    """`value` as a `model`, or `InvalidRequest` naming each field that is wrong: input is checked
    before it is sent, so the caller learns what to fix."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as invalid:
        raise InvalidRequest(f"Invalid {what}: " + "; ".join(describe_validation_error(invalid))) from None

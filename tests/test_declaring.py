"""Adding a tool is one declaration beside its run function: a throwaway tool declared
here is listed with its schemas, annotations and instruction line, runs, and fails the way the
others do, without touching any other file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mcp import Client
from pydantic import BaseModel, Field

from registry_mcp.errors import LocalRefusal
from registry_mcp.mcp.results import MAX_RESULT_CHARS, ToolResult
from registry_mcp.mcp.server import create_server
from registry_mcp.mcp.toolkit import ToolCall, ToolSet
from registry_mcp.settings import Settings

from .conftest import text_of

pytestmark = pytest.mark.anyio

EXAMPLE = ToolSet()


class EchoArguments(BaseModel):
    word: str = Field(max_length=20, description="The word to say back.")
    times: int = Field(default=1, ge=1, le=100_000, description="How many times.")


class EchoResult(ToolResult):
    echoed: list[str]
    note: str | None = None

    def smaller(self) -> Iterator[EchoResult]:
        yield self.model_copy(update={"echoed": self.echoed[:3], "note": "Cut to 3."})


@EXAMPLE.declare(title="Say a word back", hint="say a word back.", read_only=True, idempotent=True)
async def echo_word(arguments: EchoArguments, call: ToolCall) -> EchoResult:
    """Say the word back, as many times as asked.

    A second paragraph stays a paragraph."""
    if arguments.word == "refuse":
        raise LocalRefusal("This word is refused here: choose another.")
    return EchoResult(
        message=f"Said it {arguments.times} times.",
        registry=call.registry_info,
        echoed=[arguments.word] * arguments.times,
    )


class Unrelated(BaseModel):
    text: str


async def test_a_declared_tool_is_listed_with_its_schemas_annotations_and_instruction() -> None:
    async with Client(create_server(Settings(), EXAMPLE.tools)) as client:
        [tool] = (await client.list_tools()).tools
        instructions = client.instructions
    assert tool.name == "echo_word" and tool.title == "Say a word back"
    assert tool.description == "Say the word back, as many times as asked.\n\nA second paragraph stays a paragraph."
    assert tool.input_schema == {
        "type": "object",
        "properties": {
            "word": {"type": "string", "maxLength": 20, "description": "The word to say back."},
            "times": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100000,
                "default": 1,
                "description": "How many times.",
            },
        },
        "required": ["word"],
    }
    assert tool.output_schema is not None
    assert list(tool.output_schema["properties"]) == ["message", "registry", "echoed", "note"]
    assert tool.output_schema["required"] == ["message", "registry", "echoed"]
    assert tool.annotations is not None
    assert (tool.annotations.read_only_hint, tool.annotations.idempotent_hint, tool.annotations.destructive_hint) == (
        True,
        True,
        None,
    )
    assert instructions is not None and "- echo_word: say a word back." in instructions.splitlines()


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_declared_tool_runs_fits_the_budget_and_refuses_like_the_others(mode: str) -> None:
    async with Client(create_server(Settings(), EXAMPLE.tools), mode=mode) as client:  # type: ignore[call-overload]
        said = await client.call_tool("echo_word", {"word": "hello", "times": 2})
        long = await client.call_tool("echo_word", {"word": "x" * 20, "times": 5_000})
        refused = await client.call_tool("echo_word", {"word": "refuse"})
        invalid = await client.call_tool("echo_word", {"word": "hello", "times": 0})
    assert said.structured_content is not None and said.structured_content["echoed"] == ["hello", "hello"]
    # 5,000 x 22 characters is over the budget: `present` shows the result's smaller version.
    assert long.structured_content is not None and long.structured_content["note"] == "Cut to 3."
    assert len(text_of(long)) < MAX_RESULT_CHARS
    assert refused.is_error and text_of(refused).endswith("This word is refused here: choose another.")
    assert "send the request again" not in text_of(refused)
    assert invalid.is_error and "times:" in text_of(invalid) and "Nothing was changed" in text_of(invalid)


def test_a_declaration_reads_its_models_from_the_signature() -> None:
    [tool] = EXAMPLE.tools
    assert (tool.arguments, tool.result, tool.run) == (EchoArguments, EchoResult, echo_word)


def test_a_declaration_without_models_or_description_or_twice_is_refused() -> None:
    tools = ToolSet()

    async def no_result(arguments: EchoArguments, call: ToolCall) -> Unrelated:
        """Returns a model that is not a ToolResult."""
        return Unrelated(text="")

    async def no_description(arguments: EchoArguments, call: ToolCall) -> EchoResult:
        raise NotImplementedError

    async def untyped(arguments, call):  # type: ignore[no-untyped-def]
        """No type hints."""

    with pytest.raises(TypeError, match="ToolResult"):
        tools.declare(title="t", hint="h", read_only=True)(no_result)
    with pytest.raises(TypeError, match="pydantic model"):
        tools.declare(title="t", hint="h", read_only=True)(untyped)
    with pytest.raises(ValueError, match="description"):
        tools.declare(title="t", hint="h", read_only=True)(no_description)
    tools.declare(title="t", hint="h", read_only=True, name="echo")(echo_word)
    with pytest.raises(ValueError, match="declared twice"):
        tools.declare(title="t", hint="h", read_only=True, name="echo")(echo_word)

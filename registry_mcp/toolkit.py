"""How a registry tool becomes an MCP tool.

A `RegistryTool` names an argument model, a result model and a function of (arguments, client).
`RegistryTool.to_mcp` turns it into the SDK's `Tool` with three changes from the SDK's defaults:

- the advertised input schema is `strict_input_schema(arguments)` (self-contained, no nullable
  unions), and the output schema is inlined the same way;
- arguments are validated here, against the argument model, so a refusal names each field, what
  is wrong and what is allowed, and never repeats the rejected value (it may be a secret);
- a `RegistryError` becomes a tool error (`isError`) carrying its message.

A tool that must ask the person before it acts (a delete) names an `ask` function that looks up what
the person should know and words the question. Where the client declares elicitation the question is
put to the person (by the SDK's resolvers, so it works on every protocol version); `run` then sees
the answer as `call.consent`, and what `ask` looked up as `call.facts`.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Generic, Protocol, TypeVar

from mcp.server.elicitation import AcceptedElicitation, CancelledElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp_types import CallToolResult, LoggingLevel, ToolAnnotations
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .client import RegistryClient, RegistryLocation
from .errors import RegistryError, describe_validation_error
from .results import RegistryInfo, present
from .schemas import self_contained_schema, strict_input_schema

ArgsT = TypeVar("ArgsT", bound=BaseModel)
LOGGER_NAME = "registry-mcp"


class InvalidArguments(ToolError):
    """A tool call's arguments do not fit the tool's input schema."""


class Consent(StrEnum):
    """The person's answer to a tool's question."""

    GIVEN = "given"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    NOT_ASKED = "not asked"  # the client cannot put a question to the person


# Why a tool that asks first did nothing.
NOT_CONFIRMED: dict[Consent | None, str] = {
    Consent.DECLINED: "the person declined.",
    Consent.CANCELLED: "the person cancelled the confirmation.",
}


class ConsentForm(BaseModel):
    """What the person fills in to answer (elicitation allows only flat, primitive fields)."""

    confirm: bool = Field(title="Go ahead", description="Check to go ahead; leave unchecked to change nothing.")


@dataclass(frozen=True)
class Question:
    """What a tool asks the person before it acts, and the facts it looked up to ask it."""

    text: str
    facts: Any = None
    # False where the tool will not act whatever the answer (it says why): nobody is asked.
    asks_person: bool = True


ProgressReporter = Callable[[float, float | None, str | None], Awaitable[None]]


async def _no_progress(progress: float, total: float | None = None, message: str | None = None) -> None:
    return None


LogSender = Callable[[LoggingLevel, str], Awaitable[None]]


async def _no_log(level: LoggingLevel, text: str) -> None:
    return None


def client_log(ctx: Context[Any, Any]) -> LogSender:
    """Send MCP log messages (`notifications/message`) for this request, where the client asked.

    On the 2026-07-28 protocol a request opts in with a log level (the session drops the rest). The
    handshake-era protocols tie logging to a server capability this server does not declare (it
    has no `logging/setLevel`), so nothing is sent there: each message would also cost the call
    about a millisecond on stdio (benchmarks/RESULTS.md)."""
    if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
        return _no_log

    async def send(level: LoggingLevel, text: str) -> None:
        with warnings.catch_warnings():
            # The logging capability is deprecated from 2026-07-28; per-request log delivery is not.
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            sending = ctx.request_context.session.send_log_message(
                level, text, logger=LOGGER_NAME, related_request_id=ctx.request_id
            )
        await sending

    return send


@dataclass(frozen=True)
class ToolCall:
    """What a tool's `run` gets besides its arguments."""

    registry: RegistryClient
    consent: Consent | None = None  # None: the tool asks nothing
    facts: Any = None  # what the tool's `ask` looked up
    # Progress notifications to the client (nothing is sent unless it asked for them).
    report_progress: ProgressReporter = field(default=_no_progress, repr=False)
    # MCP log messages to the client: what the server did, never an input value.
    log: LogSender = field(default=_no_log, repr=False)
    # The user's setting that lets a tool launch commands or reach URLs where the client cannot ask.
    launch_without_asking: bool = False
    # Serving over HTTP: the caller is a remote client, not the person at this machine.
    over_http: bool = False

    def agreed(self, without_asking: bool) -> bool:
        """Whether the tool may act: the person said yes, or the client cannot ask and
        `without_asking` (an explicit argument or setting) stands in for the person."""
        return self.consent is Consent.GIVEN or (self.consent is Consent.NOT_ASKED and without_asking)

    @property
    def may_launch_commands(self) -> bool:
        """Whether a local command may be launched at all: over HTTP whoever answers a question is a
        remote client, so only where the user started the server with the launch setting."""
        return not self.over_http or self.launch_without_asking

    @property
    def location(self) -> RegistryLocation:
        return self.registry.location

    @property
    def registry_info(self) -> RegistryInfo:
        return RegistryInfo.of(self.registry.location)


@dataclass(frozen=True)
class RegistryTool(Generic[ArgsT]):
    name: str
    title: str
    description: str
    arguments: type[ArgsT]
    result: type[BaseModel]
    annotations: ToolAnnotations
    run: Callable[[ArgsT, ToolCall], Awaitable[BaseModel]]
    ask: Callable[[ArgsT, ToolCall], Awaitable[Question]] | None = None

    def to_mcp(
        self, *, reveal_secrets: bool = False, launch_without_asking: bool = False, over_http: bool = False
    ) -> Tool:
        def tool_call(ctx: Context[RegistryClient, Any], consent: Consent | None = None, facts: Any = None) -> ToolCall:
            return ToolCall(
                registry=ctx.request_context.lifespan_context,
                consent=consent,
                facts=facts,
                report_progress=ctx.report_progress,
                log=client_log(ctx),
                launch_without_asking=launch_without_asking,
                over_http=over_http,
            )

        async def finish(
            parsed: ArgsT, ctx: Context[RegistryClient, Any], consent: Consent | None = None, facts: Any = None
        ) -> CallToolResult:
            call = tool_call(ctx, consent, facts)
            try:
                result = await self.run(parsed, call)
            except RegistryError as failure:
                await call.log("error", f"{self.name}: {failure}")
                raise ToolError(str(failure)) from None
            await call.log("info", f"{self.name}: {getattr(result, 'message', 'done')}")
            return present(result, reveal_secrets=reveal_secrets)

        call = self._plain_call(finish) if self.ask is None else self._asking_call(self.ask, tool_call, finish)
        call.__name__ = self.name
        tool = Tool.from_function(
            call,
            name=self.name,
            title=self.title,
            description=self.description,
            # One title for the tool: clients read it from either place.
            annotations=self.annotations.model_copy(update={"title": self.title}),
        )
        tool.parameters = input_schema(self.arguments)
        tool.fn_metadata.arg_model = _AnyArguments
        # Published here, not derived by the SDK from the return annotation: the schema is built once
        # per result model, and the SDK does not re-validate each result against it, since every
        # result is built as that pydantic model already (`present` only dumps and masks it).
        tool.fn_metadata.output_schema = output_schema(self.result)
        return tool

    def _plain_call(self, finish: _Finish[ArgsT]) -> Callable[..., Awaitable[CallToolResult]]:
        async def call(arguments: dict[str, Any], ctx: Context[RegistryClient, Any]) -> CallToolResult:
            return await finish(parse_arguments(self.arguments, arguments, tool=self.name), ctx)

        # Annotations are set by hand, as objects: the SDK reads them with `get_type_hints`, which
        # cannot see this function's locals.
        call.__annotations__ = {"arguments": dict[str, Any], "ctx": Context, "return": CallToolResult}
        return call

    def _asking_call(
        self,
        ask: Callable[[ArgsT, ToolCall], Awaitable[Question]],
        tool_call: Callable[[Context[RegistryClient, Any]], ToolCall],
        finish: _Finish[ArgsT],
    ) -> Callable[..., Awaitable[CallToolResult]]:
        # Two resolvers run before the call: `question` looks up the facts and words the question,
        # `answer` puts it to the person where the client can elicit. Both re-run on each round of
        # a multi-round call, so the question always reflects the registry as it is.
        async def question(arguments: dict[str, Any], ctx: Context[RegistryClient, Any]) -> Question:
            parsed = parse_arguments(self.arguments, arguments, tool=self.name)
            try:
                return await ask(parsed, tool_call(ctx))
            except RegistryError as failure:
                raise ToolError(str(failure)) from None

        async def answer(asked: Question, ctx: Context[RegistryClient, Any]) -> Elicit[ConsentForm] | Consent:
            return Elicit(asked.text, ConsentForm) if asked.asks_person and can_elicit(ctx) else Consent.NOT_ASKED

        async def call(
            arguments: dict[str, Any],
            ctx: Context[RegistryClient, Any],
            asked: Question,
            answered: ElicitationResult[ConsentForm],
        ) -> CallToolResult:
            parsed = parse_arguments(self.arguments, arguments, tool=self.name)
            return await finish(parsed, ctx, _consent(answered), asked.facts)

        asked_type = Annotated[Question, Resolve(question)]
        question.__annotations__ = {"arguments": dict[str, Any], "ctx": Context, "return": Question}
        answer.__annotations__ = {"asked": asked_type, "ctx": Context, "return": Elicit[ConsentForm] | Consent}
        call.__annotations__ = {
            "arguments": dict[str, Any],
            "ctx": Context,
            "asked": asked_type,
            "answered": Annotated[ElicitationResult[ConsentForm], Resolve(answer)],
            "return": CallToolResult,
        }
        return call


@functools.cache
def input_schema(arguments: type[BaseModel]) -> dict[str, Any]:
    return strict_input_schema(arguments)


@functools.cache
def output_schema(result: type[BaseModel]) -> dict[str, Any]:
    return self_contained_schema(result.model_json_schema(mode="serialization"))


ArgsContraT = TypeVar("ArgsContraT", bound=BaseModel, contravariant=True)


class _Finish(Protocol[ArgsContraT]):
    """Runs a tool on parsed arguments and presents its result."""

    def __call__(
        self, parsed: ArgsContraT, ctx: Context[RegistryClient, Any], consent: Consent | None = ..., facts: Any = ...
    ) -> Awaitable[CallToolResult]: ...


def can_elicit(ctx: Context[Any, Any]) -> bool:
    """Whether the client declared form elicitation (a bare `elicitation: {}` counts as form)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _consent(answered: ElicitationResult[ConsentForm]) -> Consent:
    if isinstance(answered, AcceptedElicitation):
        if isinstance(answered.data, Consent):
            return answered.data
        return Consent.GIVEN if answered.data.confirm else Consent.DECLINED
    return Consent.CANCELLED if isinstance(answered, CancelledElicitation) else Consent.DECLINED


class _AnyArguments(ArgModelBase):
    """Lets every argument through the SDK's own check, to `parse_arguments`."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.model_extra or {})}


def parse_arguments(model: type[ArgsT], arguments: dict[str, Any], *, tool: str) -> ArgsT:
    """Validate a call's arguments, or raise `InvalidArguments` naming every problem."""
    try:
        return model.model_validate(_decode_json_strings(model, arguments))
    except ValidationError as invalid:
        problems = describe_validation_error(invalid)
        raise InvalidArguments("Invalid arguments: " + "; ".join(problems) + ". Nothing was changed.") from None


def _decode_json_strings(model: type[BaseModel], arguments: dict[str, Any]) -> dict[str, Any]:
    """Decode object and list arguments that a client sent as JSON text (some clients do)."""
    decoded = dict(arguments)
    for name, value in arguments.items():
        field = model.model_fields.get(name)
        if field is None or field.annotation is str or not isinstance(value, str):
            continue
        try:
            parsed = json.loads(value)
        except ValueError:
            continue
        if isinstance(parsed, dict | list):
            decoded[name] = parsed
    return decoded

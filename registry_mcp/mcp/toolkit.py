"""How a registry tool is declared, and how it becomes an MCP tool.

A tool is declared once, on its run function (see `ToolSet.declare`; `registry_tool` declares into
`DECLARED`, the tools registry-mcp serves):

    @registry_tool(title="...", hint="...", read_only=True, idempotent=True)
    async def get_registry_server(arguments: ServerSelector, call: ToolCall) -> ServerResult:
        ...  # its docstring is the description the model reads

`RegistryTool.to_mcp` turns it into the SDK's `Tool` (through `registry_mcp.mcp.sdk`) with these changes
from the SDK's defaults:

- the advertised input schema is `strict_input_schema(arguments)` (self-contained, no nullable
  unions), and the output schema is `record_schema(result)`: the same form, structure only;
- arguments are validated here, against the argument model, so a refusal names each field, what
  is wrong and what is allowed, and never repeats the rejected value (it may be a secret);
- a result is presented by `results.present` (masked, then held to the size budget);
- every failure (a `RegistryError`, a `LocalRefusal`, invalid arguments) becomes a tool error
  (`isError`) carrying its message, and is logged to the client in one place (`_failures`).

A tool that must ask the person before it acts (a delete) names an `ask` function that looks up what
the person should know and words the question. Where the client declares elicitation the question is
put to the person (by the SDK's resolvers, so it works on every protocol version); `run` then sees
the answer as `call.consent`, and what `ask` looked up as `call.facts`. What counts as consent, and
what a tool may do at all, is `registry_mcp.mcp.permissions`.
"""

from __future__ import annotations

import functools
import inspect
import json
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, get_type_hints

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp_types import CallToolResult, LoggingLevel, ToolAnnotations
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, ValidationError

from registry_mcp.errors import LocalRefusal, RegistryError, SourceRefused
from registry_mcp.mcp.permissions import (
    Consent,
    Question,
    agreed,
    may_act_on_this_machine,
    tool_annotations,
)
from registry_mcp.mcp.registries import ServedRegistry, open_public_registry
from registry_mcp.mcp.results import RegistryInfo, ToolResult, present
from registry_mcp.mcp.schemas import record_schema, strict_input_schema
from registry_mcp.mcp.sdk import function_tool
from registry_mcp.mcp.steps import Steps, sdk_function
from registry_mcp.registry.client import RegistryClient, RegistryLocation
from registry_mcp.registry.validation import describe_validation_error
from registry_mcp.secrets.sources import has_sources, resolve_sources
from registry_mcp.settings import Settings

if TYPE_CHECKING:
    from registry_mcp.public_registry.client import PublicRegistry

ArgsT = TypeVar("ArgsT", bound=BaseModel)
LOGGER_NAME = "registry-mcp"


class InvalidArguments(ToolError):
    """A tool call's arguments do not fit the tool's input schema."""


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
    # The server's settings: what the user allowed, and how the server is reached.
    settings: Settings = field(default_factory=Settings, repr=False)

    @property
    def launch_without_asking(self) -> bool:
        """The user's setting that lets a tool launch commands or reach URLs where the client cannot ask."""
        return self.settings.allow_launch

    @property
    def reaches_private_targets(self) -> bool:
        """Whether a URL may lead to loopback, private, link-local or metadata addresses: on stdio the
        caller is the person at this machine; over HTTP only where the user started the server so."""
        return not self.settings.over_http or self.settings.allow_private_targets

    @property
    def over_http(self) -> bool:
        """Serving over HTTP: the caller is a remote client, not the person at this machine."""
        return self.settings.over_http

    @property
    def reveal_secrets(self) -> bool:
        """The user's setting that shows secret values in results (otherwise `present` masks them)."""
        return self.settings.show_secrets

    def open_public_registry(self) -> PublicRegistry:
        """The official MCP Registry (or the mirror the settings name), opened for the call that needs it."""
        return open_public_registry(self.settings)

    def agreed(self, without_asking: bool) -> bool:
        """Whether the tool may act (see `permissions.agreed`)."""
        return agreed(self.consent, without_asking)

    @property
    def may_act_on_this_machine(self) -> bool:
        """Whether a tool may launch a command or write a file here (see `permissions`)."""
        return may_act_on_this_machine(self.settings)

    @property
    def location(self) -> RegistryLocation:
        return self.registry.location

    @property
    def registry_info(self) -> RegistryInfo:
        return RegistryInfo.of(self.registry.location)


RunT = TypeVar("RunT", bound=Callable[..., Awaitable[Any]])
Run = Callable[[ArgsT, ToolCall], Awaitable[ToolResult]]
Ask = Callable[[ArgsT, ToolCall], Awaitable[Question]]


@dataclass(frozen=True)
class RegistryTool(Generic[ArgsT]):
    """One MCP tool, as declared with `ToolSet.declare` beside its run function."""

    name: str
    title: str
    description: str
    hint: str  # one line of the server's instructions, shown only where the tool is exposed
    arguments: type[ArgsT]
    result: type[ToolResult]
    annotations: ToolAnnotations
    run: Run[ArgsT]
    ask: Ask[ArgsT] | None = None

    def to_mcp(self, settings: Settings | None = None) -> Tool:
        steps = self.steps(settings or Settings())
        return function_tool(
            sdk_function(steps),
            shared_signature=steps.question is None,
            name=self.name,
            title=self.title,
            description=self.description,
            # One title for the tool: clients read it from either place.
            annotations=self.annotations.model_copy(update={"title": self.title}),
            input_schema=input_schema(self.arguments),
            output_schema=output_schema(self.result),
        )

    def steps(self, settings: Settings) -> Steps:
        """What the SDK runs for this tool under `settings`: one step, or (for a tool that asks first)
        the question, then the act on the person's answer."""

        def tool_call(ctx: Context[ServedRegistry, Any], consent: Consent | None = None, facts: Any = None) -> ToolCall:
            return ToolCall(
                registry=ctx.request_context.lifespan_context.client,
                consent=consent,
                facts=facts,
                report_progress=ctx.report_progress,
                log=client_log(ctx),
                settings=settings,
            )

        async def finish(
            arguments: dict[str, Any],
            ctx: Context[ServedRegistry, Any],
            consent: Consent | None = None,
            facts: Any = None,
        ) -> CallToolResult:
            async with self._failures(ctx):
                call = tool_call(ctx, consent, facts)
                result = await self.run(self._parse(arguments, settings), call)
                presented = present(result, reveal_secrets=settings.show_secrets)
                await call.log("info", f"{self.name}: {result.message}")
                return presented

        if self.ask is None:
            return Steps(run=finish)
        ask = self.ask

        async def question(arguments: dict[str, Any], ctx: Context[ServedRegistry, Any]) -> Question:
            async with self._failures(ctx):
                return await ask(self._parse(arguments, settings), tool_call(ctx))

        async def act(
            arguments: dict[str, Any], ctx: Context[ServedRegistry, Any], consent: Consent, facts: Any
        ) -> CallToolResult:
            return await finish(arguments, ctx, consent, facts)

        return Steps(run=finish, question=question, act=act)

    @asynccontextmanager
    async def _failures(self, ctx: Context[Any, Any]) -> AsyncIterator[None]:
        """Every way this tool fails, told to the model as a tool error and logged the same way."""
        try:
            yield
        except (RegistryError, LocalRefusal) as failure:
            await _log_failure(self.name, ctx, str(failure))
            raise ToolError(str(failure)) from None
        except ToolError as failure:
            await _log_failure(self.name, ctx, str(failure))
            raise

    def _parse(self, arguments: dict[str, Any], settings: Settings) -> ArgsT:
        arguments = _decode_json_strings(self.arguments, arguments)
        if has_sources(arguments):
            arguments = read_sources(arguments, settings)
        return parse_arguments(self.arguments, arguments, tool=self.name)


async def _log_failure(tool: str, ctx: Context[Any, Any], text: str) -> None:
    # The SDK logs the failure on the server side (stderr); this tells a client that asked for logs.
    await client_log(ctx)("error", f"{tool}: {text}")


class ToolSet:
    """An ordered collection of tools, each declared by decorating its run function with `declare`.

    The argument and result models are read from the function's type hints, the description from
    `description` or the docstring, the name from the function. The function itself is returned
    unchanged."""

    def __init__(self) -> None:
        self._tools: dict[str, RegistryTool[Any]] = {}

    def declare(
        self,
        *,
        title: str,
        hint: str,
        read_only: bool,
        destructive: bool = False,
        idempotent: bool = False,
        ask: Ask[Any] | None = None,
        description: str | None = None,
        name: str | None = None,
    ) -> Callable[[RunT], RunT]:
        def register(run: RunT) -> RunT:
            arguments, result = _models_of(run)
            tool = RegistryTool(
                name=name or run.__name__,
                title=title,
                description=description or _unwrapped(run.__doc__ or ""),
                hint=hint,
                arguments=arguments,
                result=result,
                annotations=tool_annotations(read_only=read_only, destructive=destructive, idempotent=idempotent),
                run=run,
                ask=ask,
            )
            if not tool.description:
                raise ValueError(f"tool {tool.name!r} needs a description (a docstring or description=...)")
            if tool.name in self._tools:
                raise ValueError(f"tool {tool.name!r} is declared twice")
            self._tools[tool.name] = tool
            return run

        return register

    @property
    def tools(self) -> tuple[RegistryTool[Any], ...]:
        """The tools in the order they were declared."""
        return tuple(self._tools.values())


# Every tool registry-mcp serves (`registry_mcp.mcp.tools.catalog` imports the modules that declare them).
DECLARED = ToolSet()
registry_tool = DECLARED.declare


def _models_of(run: Callable[..., Any]) -> tuple[type[BaseModel], type[ToolResult]]:
    """The argument model (the first parameter's type) and result model (the return type) of `run`."""
    hints = get_type_hints(run)
    first = next(iter(inspect.signature(run).parameters), None)
    arguments, result = hints.get(first or ""), hints.get("return")
    if not (isinstance(arguments, type) and issubclass(arguments, BaseModel)):
        raise TypeError(f"{run.__name__}: its first parameter must be annotated with a pydantic model")
    if not (isinstance(result, type) and issubclass(result, ToolResult)):
        raise TypeError(f"{run.__name__}: its return type must be a ToolResult model")
    return arguments, result


def _unwrapped(docstring: str) -> str:
    """A docstring as the model reads it: the lines of each paragraph joined, paragraphs kept apart."""
    paragraphs = inspect.cleandoc(docstring).split("\n\n")
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


@functools.cache
def input_schema(arguments: type[BaseModel]) -> dict[str, Any]:
    return strict_input_schema(arguments)


@functools.cache
def output_schema(result: type[BaseModel]) -> dict[str, Any]:
    return record_schema(result)


# Over HTTP the caller is a remote client: it must not read this machine's environment or files.
_NO_SOURCES_OVER_HTTP = (
    "Invalid arguments: {from_env: ...} and {from_file: ...} values are read only when registry-mcp serves over "
    "stdio; over HTTP the caller is a remote client, which may not read this machine's environment or files. "
    "Give the value itself. Nothing was changed."
)


def read_sources(arguments: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The arguments with each `{from_env}` / `{from_file}` value read (see `registry_mcp.secrets.sources`)."""
    if settings.over_http:
        raise InvalidArguments(_NO_SOURCES_OVER_HTTP)
    try:
        resolved, _ = resolve_sources(arguments)
    except SourceRefused as refused:
        raise InvalidArguments(f"Invalid arguments: {refused}. Nothing was changed.") from None
    return dict(resolved)


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

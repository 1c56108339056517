"""What a tool may do, and who says so.

- The tool's declaration: its annotations (`tool_annotations`) say whether it only reads, and whether
  what it changes can be lost.
- The user, by the server's settings: `selected_tools` exposes only the allowed tools, and in
  read-only mode only those that only read; `may_act_on_this_machine` keeps a remote (HTTP) client
  from launching commands or writing files unless the server was started with the launch setting.
- The person, for a tool that asks first (a delete, a launch, a file write): the tool words a
  `Question`, `put_to_person` has the SDK put it where the client declared elicitation, and
  `consent_of` reads the answer (`asking_call` wires the three for the SDK). Only a yes is consent:
  no answer, a decline or a cancel change nothing. Where the client cannot ask, an explicit argument
  or setting stands in (`agreed`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar

from mcp.server.elicitation import AcceptedElicitation, CancelledElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from registry_mcp.mcp.sdk import annotate
from registry_mcp.settings import Settings


class Declared(Protocol):
    """What `selected_tools` reads of a declared tool (`toolkit.RegistryTool`)."""

    @property
    def name(self) -> str: ...

    @property
    def annotations(self) -> ToolAnnotations: ...


ToolT = TypeVar("ToolT", bound=Declared)


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
    # What the person fills in to answer a tool's question (elicitation allows only flat, primitive
    # fields). Clients show its title and descriptions to the person, so they are worded for them, and
    # it has no docstring (it would become the form's description).
    model_config = ConfigDict(title="Your answer")

    confirm: bool = Field(title="Go ahead", description="Check to go ahead; leave unchecked to change nothing.")


@dataclass(frozen=True)
class Question:
    """What a tool asks the person before it acts, and the facts it looked up to ask it."""

    text: str
    facts: Any = None
    # False where the tool will not act whatever the answer (it says why): nobody is asked.
    asks_person: bool = True


def tool_annotations(*, read_only: bool, destructive: bool, idempotent: bool) -> ToolAnnotations:
    # open_world: the registry is an outside system whose state others change too.
    return ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=destructive if not read_only else None,
        idempotent_hint=idempotent,
        open_world_hint=True,
    )


def selected_tools(settings: Settings, tools: Sequence[ToolT]) -> tuple[ToolT, ...]:
    """The `tools` that `settings` exposes: those matching its allow-list (all if it has none), and of
    those only the read-only ones in read-only mode, whatever the allow-list says."""
    return tuple(
        tool
        for tool in tools
        if (not settings.tools or any(fnmatch.fnmatchcase(tool.name, pattern) for pattern in settings.tools))
        and (tool.annotations.read_only_hint or not settings.read_only)
    )


def may_act_on_this_machine(settings: Settings) -> bool:
    """Whether a tool may launch a command or write a file on the machine the server runs on: over
    HTTP whoever answers a question is a remote client, so only where the user started the server
    with the launch setting."""
    return not settings.over_http or settings.allow_launch


def can_elicit(ctx: Context[Any, Any]) -> bool:
    """Whether the client declared form elicitation (a bare `elicitation: {}` counts as form)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def put_to_person(asked: Question, ctx: Context[Any, Any]) -> Elicit[ConsentForm] | Consent:
    """The question for the SDK to put to the person, or NOT_ASKED where the client cannot ask or the
    tool will not act whatever the answer."""
    return Elicit(asked.text, ConsentForm) if asked.asks_person and can_elicit(ctx) else Consent.NOT_ASKED


def consent_of(answered: ElicitationResult[ConsentForm]) -> Consent:
    """The person's answer: GIVEN only for an accepted form with 'Go ahead' checked."""
    if isinstance(answered, AcceptedElicitation):
        if isinstance(answered.data, Consent):
            return answered.data  # NOT_ASKED: the SDK hands a resolver's plain value back as accepted
        return Consent.GIVEN if answered.data.confirm else Consent.DECLINED
    return Consent.CANCELLED if isinstance(answered, CancelledElicitation) else Consent.DECLINED


def agreed(consent: Consent | None, without_asking: bool) -> bool:
    """Whether a tool that asks first may act: the person said yes, or the client cannot ask and
    `without_asking` (an explicit argument or setting) stands in for the person."""
    return consent is Consent.GIVEN or (consent is Consent.NOT_ASKED and without_asking)


Asking = Callable[[dict[str, Any], Context[Any, Any]], Awaitable[Question]]
Acting = Callable[[dict[str, Any], Context[Any, Any], Consent, Any], Awaitable[CallToolResult]]


def asking_call(question: Asking, act: Acting) -> Callable[..., Awaitable[CallToolResult]]:
    """A tool function for the SDK that asks first, from two steps: `question` looks up the facts and
    words the question (from the call's arguments), `act` acts on the arguments, the person's answer and
    those facts.

    The SDK's resolvers run `question`, then put the question to the person where the client can
    elicit (so it works on every protocol version). Both re-run on each round of a multi-round call,
    so the question always reflects the registry as it is."""

    async def answer(asked: Question, ctx: Context[Any, Any]) -> Elicit[ConsentForm] | Consent:
        return put_to_person(asked, ctx)

    async def call(
        arguments: dict[str, Any], ctx: Context[Any, Any], asked: Question, answered: ElicitationResult[ConsentForm]
    ) -> CallToolResult:
        return await act(arguments, ctx, consent_of(answered), asked.facts)

    asked_type = Annotated[Question, Resolve(question)]
    annotate(question, {"arguments": dict[str, Any], "ctx": Context, "return": Question})
    annotate(answer, {"asked": asked_type, "ctx": Context, "return": Elicit[ConsentForm] | Consent})
    return annotate(
        call,
        {
            "arguments": dict[str, Any],
            "ctx": Context,
            "asked": asked_type,
            "answered": Annotated[ElicitationResult[ConsentForm], Resolve(answer)],
            "return": CallToolResult,
        },
    )

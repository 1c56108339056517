"""Who lets a tool act (`registry_mcp.mcp.permissions`): only a checked "Go ahead" from the person is consent;
where the client cannot put a form to the person, an explicit argument or setting stands in; a remote
(HTTP) client acts on this machine only where the user started the server with the launch setting.

Through the protocol, these promises are proved by test_delete.py (asking, declining, cancelling),
test_http_launch.py (over HTTP) and test_instructions.py / test_server.py (read-only mode); here each
rule is stated whole, case by case."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from mcp import Client
from mcp.server.elicitation import AcceptedElicitation, CancelledElicitation, DeclinedElicitation
from mcp_types import (
    ClientCapabilities,
    ElicitationCapability,
    FormElicitationCapability,
    ToolAnnotations,
    UrlElicitationCapability,
)
from pydantic import BaseModel

from registry_mcp.cli import main
from registry_mcp.mcp.permissions import (
    Consent,
    ConsentForm,
    Question,
    agreed,
    can_elicit,
    consent_of,
    may_act_on_this_machine,
    put_to_person,
    selected_tools,
)
from registry_mcp.mcp.results import ToolResult
from registry_mcp.mcp.server import create_server
from registry_mcp.mcp.toolkit import ToolCall, ToolSet
from registry_mcp.mcp.tools import TOOLS
from registry_mcp.settings import Settings

FORM = ElicitationCapability(form=FormElicitationCapability())


def _context(elicitation: ElicitationCapability | None, *, declared: bool = True) -> Any:
    """What the asking code reads of a request's context: the capabilities the client declared."""
    return SimpleNamespace(client_capabilities=ClientCapabilities(elicitation=elicitation) if declared else None)


@pytest.mark.parametrize(
    ("answered", "consent"),
    [
        (AcceptedElicitation(data=ConsentForm(confirm=True)), Consent.GIVEN),
        (AcceptedElicitation(data=ConsentForm(confirm=False)), Consent.DECLINED),
        (DeclinedElicitation(), Consent.DECLINED),
        (CancelledElicitation(), Consent.CANCELLED),
        # The SDK hands a resolver's plain value back as accepted: "nobody was asked" stays that.
        (AcceptedElicitation[Any].model_construct(data=Consent.NOT_ASKED), Consent.NOT_ASKED),
    ],
    ids=["checked", "unchecked", "declined", "cancelled", "not-asked"],
)
def test_only_a_checked_form_is_consent(answered: Any, consent: Consent) -> None:
    assert consent_of(answered) is consent


@pytest.mark.parametrize(
    ("consent", "without_asking", "acts"),
    [
        (Consent.GIVEN, False, True),
        (Consent.GIVEN, True, True),
        (Consent.NOT_ASKED, True, True),
        (Consent.NOT_ASKED, False, False),
        # Where the person was asked, an argument from the model does not overrule their answer.
        (Consent.DECLINED, True, False),
        (Consent.CANCELLED, True, False),
        (None, True, False),  # a tool that asks nothing has no consent to give
    ],
)
def test_a_tool_acts_on_a_yes_or_where_nobody_can_be_asked_on_an_explicit_say_so(
    consent: Consent | None, without_asking: bool, acts: bool
) -> None:
    assert agreed(consent, without_asking) is acts


@pytest.mark.parametrize(
    ("over_http", "allow_launch", "may_act"),
    [(False, False, True), (False, True, True), (True, False, False), (True, True, True)],
)
def test_a_remote_client_acts_on_this_machine_only_with_the_launch_setting(
    over_http: bool, allow_launch: bool, may_act: bool
) -> None:
    settings = Settings(over_http=over_http, allow_launch=allow_launch)
    assert may_act_on_this_machine(settings) is may_act


@pytest.mark.parametrize(
    ("context", "can_ask"),
    [
        (_context(FORM), True),
        (_context(ElicitationCapability()), True),  # a bare `elicitation: {}` means form
        (_context(ElicitationCapability(form=FormElicitationCapability(), url=UrlElicitationCapability())), True),
        (_context(ElicitationCapability(url=UrlElicitationCapability())), False),  # opens URLs, shows no form
        (_context(None), False),
        (_context(None, declared=False), False),
    ],
    ids=["form", "bare", "form-and-url", "url-only", "none", "no-capabilities"],
)
def test_only_a_client_that_shows_forms_is_asked(context: Any, can_ask: bool) -> None:
    assert can_elicit(context) is can_ask
    asked = put_to_person(Question("Delete 'x' version 'v1'?"), context)
    if can_ask:
        assert not isinstance(asked, Consent)
        assert (asked.message, asked.schema) == ("Delete 'x' version 'v1'?", ConsentForm)
    else:
        assert asked is Consent.NOT_ASKED


def test_nobody_is_asked_where_the_tool_will_not_act_whatever_the_answer() -> None:
    refused = Question("Over HTTP nothing is launched.", asks_person=False)
    assert put_to_person(refused, _context(FORM)) is Consent.NOT_ASKED


@pytest.mark.parametrize(
    ("settings", "exposed"),
    [
        (Settings(tools=("get_registry_server", "list_*")), {"get_registry_server", "list_registry_servers"}),
        (Settings(tools=("delete_registry_server",), read_only=True), set()),
        (Settings(tools=("*_registry_server",), read_only=True), {"get_registry_server"}),
    ],
)
def test_the_allow_list_and_read_only_mode_pick_the_tools(settings: Settings, exposed: set[str]) -> None:
    two_read_only_one_destructive = [
        tool
        for tool in TOOLS
        if tool.name in {"get_registry_server", "list_registry_servers", "delete_registry_server"}
    ]
    assert {tool.name for tool in selected_tools(settings, two_read_only_one_destructive)} == exposed


class Named(BaseModel):
    name: str


@pytest.mark.anyio
async def test_a_tools_annotations_tell_clients_whether_it_reads_changes_or_destroys() -> None:
    tools = ToolSet()

    async def run(arguments: Named, call: ToolCall) -> ToolResult:
        """Does nothing."""
        raise NotImplementedError

    # Declared here, inside the test, so that the annotations are made while it runs.
    tools.declare(title="Read", hint="h", read_only=True, idempotent=True, name="reads")(run)
    tools.declare(title="Read anyway", hint="h", read_only=True, destructive=True, name="reads_anyway")(run)
    tools.declare(title="Add", hint="h", read_only=False, name="adds")(run)
    tools.declare(title="Delete", hint="h", read_only=False, destructive=True, idempotent=True, name="deletes")(run)
    async with Client(create_server(Settings(), tools.tools)) as client:
        listed = {tool.name: tool.annotations for tool in (await client.list_tools()).tools}

    def hints(title: str, read_only: bool, destructive: bool | None, idempotent: bool) -> ToolAnnotations:
        return ToolAnnotations(
            title=title,
            read_only_hint=read_only,
            destructive_hint=destructive,
            idempotent_hint=idempotent,
            open_world_hint=True,  # the registry is changed by others too
        )

    assert listed == {
        "reads": hints("Read", True, None, True),
        "reads_anyway": hints("Read anyway", True, None, False),  # only reading destroys nothing
        "adds": hints("Add", False, False, False),
        "deletes": hints("Delete", False, True, True),
    }


def test_a_read_only_server_whose_allow_list_leaves_no_tool_refuses_to_start(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_MCP_READ_ONLY", "1")
    with pytest.raises(SystemExit) as refused:
        main(["--tools", "delete_registry_server,write_registry_export"])
    assert refused.value.code == 2
    said = capsys.readouterr()
    assert said.out == ""
    assert "--tools 'delete_registry_server,write_registry_export' matches no read-only tool" in said.err

"""Property-based tests: thousands of tool calls through an in-memory MCP client, with arguments drawn
from each tool's own advertised input schema (hypothesis-jsonschema) and from arbitrary junk. Where a
schema says a field has the shape of another one (bulk add's servers, modify's mcp_config, inspect's
config and denied_tools, export's servers, the input and output guardrails), that shape is drawn.

Whatever arrives, every call ends in a result (an `isError` one where the input was refused, naming
what was wrong), a result always fits the tool's output schema, a refused add or bulk add writes
nothing, schema-valid registrations round-trip through the registry (the stored record, read
directly from the SQLite file, holds exactly what was sent), secrets are masked in what the tools
show, and the server still answers a ping at the end. Expected values are built here from what was
sent, not with the code under test.

`REGISTRY_MCP_RANDOM=1` draws new examples on each run (by default every run draws the same ones);
`REGISTRY_MCP_EXAMPLES` sets the examples per property (default 150; bulk adds get a fifth of it,
each being up to 100 registrations). With the defaults a run makes over 2,000 calls.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import _from_schema, from_schema
from jsonschema import Draft202012Validator
from mcp import Client
from mcp_types import CallToolResult, Tool

from registry_mcp import RegistryClient
from registry_mcp.mcp.server import create_server
from registry_mcp.mcp.tools import TOOLS
from registry_mcp.settings import Settings

from .conftest import text_of

# The SDK warns on every ping, even on the legacy connection where ping still exists.
pytestmark = pytest.mark.filterwarnings("ignore:ping is removed")

EXAMPLES = int(os.environ.get("REGISTRY_MCP_EXAMPLES", "150"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    # The same examples on every run, so CI cannot turn red by chance; REGISTRY_MCP_RANDOM=1 explores.
    derandomize=os.environ.get("REGISTRY_MCP_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def _built_once(build: Callable[..., Any]) -> Callable[..., Any]:
    built: dict[tuple[str, int, int], tuple[Any, Any, Any]] = {}

    def once(schema: Any, *, alphabet: Any, custom_formats: Any) -> Any:
        key = (json.dumps(schema, sort_keys=True), id(alphabet), id(custom_formats))
        if key not in built:  # alphabet and custom_formats kept alive, so that their ids stay theirs
            built[key] = (alphabet, custom_formats, build(schema, alphabet=alphabet, custom_formats=custom_formats))
        return built[key][2]

    return once


# hypothesis-jsonschema builds the strategy of an object's property afresh for every value it draws
# (`from_object_schema` calls these two on each draw): over half of this file's time. Built once per
# schema, the strategies draw the very same examples. Another version of the library is left as it is.
if all(hasattr(_from_schema, name) for name in ("merged_as_strategies", "__from_schema")):
    for _name in ("merged_as_strategies", "__from_schema"):
        setattr(_from_schema, _name, _built_once(getattr(_from_schema, _name)))


class Session:
    """One MCP client connection, held open across examples and driven from the test's thread."""

    def __init__(self, portal: BlockingPortal, client: Client, tools: dict[str, Tool], raw: RegistryClient) -> None:
        self.portal, self.client, self.tools = portal, client, tools
        # The same SQLite file, read directly: what is stored, unmasked.
        self.raw = raw
        self.calls = 0
        self.registered: set[tuple[str, str]] = set()

    def __repr__(self) -> str:
        return f"Session({self.calls} calls, {len(self.registered)} servers registered)"

    def call(self, name: str, arguments: Any) -> CallToolResult:
        self.calls += 1
        result: CallToolResult = self.portal.call(self.client.call_tool, name, arguments)
        if result.is_error:
            assert result.content and result.content[0].type == "text" and result.content[0].text
            assert "Traceback" not in result.content[0].text
        else:
            schema = self.tools[name].output_schema
            assert schema is not None and result.structured_content is not None
            Draft202012Validator(schema).validate(result.structured_content)
        return result

    def schema(self, name: str) -> dict[str, Any]:
        return self.tools[name].input_schema

    def stored(self, saved_name: str, server_version: str) -> dict[str, Any]:
        server = self.portal.call(self.raw.get_server, saved_name, server_version)
        # The fields the registry's answer held, as it held them.
        return server.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def count(self) -> int:
        return self.portal.call(self.raw.list_servers).pagination.total


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    # Legacy mode: every call crosses JSON-RPC streams as serialized messages, the way Claude
    # Desktop's do (the other tests cover the newer protocol's direct dispatch).
    database = tmp_path_factory.mktemp("properties") / "registry.db"
    with start_blocking_portal(backend="asyncio") as portal:
        connection = Client(create_server(Settings(database=str(database))), mode="legacy")
        with (
            portal.wrap_async_context_manager(connection) as client,
            portal.wrap_async_context_manager(RegistryClient.embedded(database)) as raw,
        ):
            tools = {tool.name: tool for tool in portal.call(client.list_tools).tools}
            session = Session(portal, client, tools, raw)
            yield session
            # After everything the properties threw at it, the server still serves.
            portal.call(client.send_ping)
            assert portal.call(client.list_tools).tools
            assert not portal.call(client.call_tool, "list_registry_servers", {}).is_error
            print(f"\n{session!r}")


def _registered_key(payload: dict[str, Any]) -> tuple[str, str]:
    return payload["saved_name"], payload.get("server_version", "v1")


# Written out here, not imported: what every secret value must read as in a tool result.
MASK_TEXT = "<masked secret"
# Objects whose every value is a secret, whatever its name (env and headers).
SECRET_MAPS = ("env", "headers", "OAUTH_CUSTOM_HEADERS")


# Fields the registry adds to what was sent.
DEFAULTS = {"server_version": "v1", "is_active": True}


def _check_round_trip(session: Session, payload: dict[str, Any]) -> None:
    saved_name, version = _registered_key(payload)
    stored = session.stored(saved_name, version)
    # The registry keeps exactly what was sent, and fills in only the documented defaults.
    for name, value in (DEFAULTS | _normalised(payload)).items():
        assert stored[name] == value, name
    read = session.call("get_registry_server", {"saved_name": saved_name} | _version(payload))
    assert not read.is_error, text_of(read)
    assert read.structured_content is not None
    shown = read.structured_content["server"]
    for name in payload:
        if stored[name] is not None:
            _check_masked(stored[name], shown[name], path=name, secret=False)


def _normalised(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` as the registry keeps it: a UUID in its canonical lower case."""
    job_id = payload.get("job_id")
    return payload | {"job_id": job_id.lower()} if isinstance(job_id, str) else payload


def _check_masked(stored: Any, shown: Any, *, path: str, secret: bool, in_map: bool = False) -> None:
    """`shown` is `stored` with every secret masked: each value of env and headers not named as a
    setting, and nothing else changed but for masks."""
    if isinstance(stored, dict):
        # Results may leave out null values, and show nothing that is not stored.
        assert isinstance(shown, dict), path
        assert {k for k, v in stored.items() if v is not None} <= shown.keys() <= stored.keys(), path
        for key, value in stored.items():
            if key not in shown:
                continue
            inside = secret or in_map
            _check_masked(value, shown[key], path=f"{path}.{key}", secret=inside, in_map=key in SECRET_MAPS)
    elif isinstance(stored, list):
        assert isinstance(shown, list) and len(shown) == len(stored), path
        for index, (value, masked) in enumerate(zip(stored, shown, strict=True)):
            _check_masked(value, masked, path=f"{path}.{index}", secret=secret)
    elif secret and isinstance(stored, str) and stored:
        assert isinstance(shown, str) and MASK_TEXT in shown and stored not in shown, path
    elif shown != stored:
        # Anything else is shown as stored, unless the masker recognised a secret in it.
        assert isinstance(shown, str) and MASK_TEXT in shown, path


def _version(payload: dict[str, Any]) -> dict[str, Any]:
    return {"server_version": payload["server_version"]} if "server_version" in payload else {}


def _advertised(tool: str) -> dict[str, Any]:
    [schema] = [registry_tool.to_mcp().parameters for registry_tool in TOOLS if registry_tool.name == tool]
    return copy.deepcopy(schema)


def _resolved(tool: str) -> dict[str, Any]:
    """The tool's input schema with the shapes its descriptions refer to filled in."""
    schema, add = _advertised(tool), _advertised("add_registry_server")
    mcp_config = add["properties"]["mcp_config"]
    # A value of env or headers is text or a source, said as any object (the description names the two
    # sources, which tests/test_secret_sources.py covers); here every value is text.
    for kind in mcp_config["properties"]["config"]["anyOf"]:
        for name in ("env", "headers"):
            if name in kind["properties"]:
                kind["properties"][name]["additionalProperties"] = {"type": "string"}
    guardrail = mcp_config["properties"]["tool_guardrails_config"]
    for name in ("input_guardrails_config", "output_guardrails_config"):
        mcp_config["properties"][name] = {**guardrail, "description": mcp_config["properties"][name]["description"]}
    properties = schema["properties"]
    if tool == "add_registry_server":
        properties["mcp_config"] = mcp_config
    elif tool == "bulk_add_registry_servers":
        del add["properties"]["dry_run"]
        properties["servers"]["items"] = add
    elif tool == "modify_registry_server":
        properties["mcp_config"] = {key: value for key, value in mcp_config.items() if key != "required"}
    elif tool == "export_registry_servers":
        properties["servers"]["items"] = _advertised("get_registry_server")
    elif tool == "inspect_mcp_server":
        properties["config"] = mcp_config["properties"]["config"]
        properties["denied_tools"] = mcp_config["properties"]["denied_tools"]
    return schema


def _schema_strategy(tool: str) -> st.SearchStrategy[dict[str, Any]]:
    return from_schema(_resolved(tool))


@PROPERTY
@given(payload=_schema_strategy("add_registry_server"))
def test_schema_valid_adds_round_trip(session: Session, payload: dict[str, Any]) -> None:
    before = session.count()
    result = session.call("add_registry_server", payload)
    key = _registered_key(payload)
    if payload.get("dry_run"):
        # A dry run writes nothing and says whether the name is free.
        assert not result.is_error and result.structured_content is not None, text_of(result)
        assert result.structured_content["can_register"] is (key not in session.registered)
        assert session.count() == before
        read = session.call("get_registry_server", {"saved_name": key[0], "server_version": key[1]})
        assert read.is_error is (key not in session.registered)
        return
    payload.pop("dry_run", None)  # false: not part of what is stored
    if key in session.registered:
        assert result.is_error and "HTTP 409" in text_of(result)
        assert session.count() == before
        return
    assert not result.is_error, text_of(result)
    session.registered.add(key)
    _check_round_trip(session, payload)


@settings(PROPERTY, max_examples=max(EXAMPLES // 5, 1))
@given(request=_schema_strategy("bulk_add_registry_servers"))
def test_schema_valid_bulk_adds_are_all_or_nothing(session: Session, request: dict[str, Any]) -> None:
    keys = [_registered_key(payload) for payload in request["servers"]]
    before = session.count()
    result = session.call("bulk_add_registry_servers", request)
    if len(set(keys)) < len(keys) or session.registered.intersection(keys):
        assert result.is_error and "HTTP 409" in text_of(result), text_of(result)
        assert session.count() == before
        fresh = [key for key in keys if key not in session.registered]
        for saved_name, version in fresh:
            missing = session.call("get_registry_server", {"saved_name": saved_name, "server_version": version})
            assert missing.is_error and "HTTP 404" in text_of(missing)
        return
    assert not result.is_error, text_of(result)
    session.registered.update(keys)
    for payload in request["servers"]:
        _check_round_trip(session, payload)


READ_AND_CHANGE_TOOLS = [
    "inspect_mcp_server",
    "import_client_config",
    "export_registry_servers",
    "get_registry_server",
    "modify_registry_server",
    "list_registry_servers",
    "list_registry_server_gateways",
    "delete_registry_server",
]


@pytest.mark.parametrize("tool", READ_AND_CHANGE_TOOLS)
def test_schema_valid_calls_end_in_a_result(session: Session, tool: str) -> None:
    @PROPERTY
    @given(arguments=_schema_strategy(tool))
    def property_holds(arguments: dict[str, Any]) -> None:
        result = session.call(tool, arguments)
        if result.is_error:
            # Schema-valid arguments are refused only for what the schema cannot say.
            assert any(reason in text_of(result) for reason in _ALLOWED_REFUSALS), text_of(result)

    property_holds()


# What a schema-valid call may still be refused for: a server that is not there, a change that
# changes nothing, one that leaves the merged mcp_config invalid (say, neither local nor remote),
# a config file that is not there, or what the arguments cannot say in a schema (one target of two).
_ALLOWED_REFUSALS = (
    "HTTP 404",
    "Nothing to modify",
    "Invalid mcp_config",
    "invalid changes: mcp_config",  # the same, found by a registry that merges the change itself
    "give exactly one of",
    "give one of 'config'",
    "write_tools needs a registered server",
    "pin needs a registered server",
    "No registered server has a pin",
    "Could not read the client config",
    "has no mcp_config to inspect",
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _junk_for(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects that use the tool's own argument names (so validation is reached) with any values."""
    names = st.sampled_from(sorted(schema["properties"])) | st.text(max_size=12)
    return st.dictionaries(names, JSON, max_size=6)


@pytest.mark.parametrize(
    "tool",
    [
        "add_registry_server",
        "bulk_add_registry_servers",
        *READ_AND_CHANGE_TOOLS,
    ],
)
def test_junk_arguments_end_in_a_result(session: Session, tool: str) -> None:
    @PROPERTY
    @given(arguments=_junk_for(session.schema(tool)))
    def property_holds(arguments: dict[str, Any]) -> None:
        before = session.count()
        result = session.call(tool, arguments)
        if result.is_error:
            # A refusal says what was wrong: the arguments, or one of the refusals valid arguments may get.
            text = text_of(result)
            assert "Invalid arguments: " in text or any(reason in text for reason in _ALLOWED_REFUSALS), text
            if tool in ("add_registry_server", "bulk_add_registry_servers"):
                assert session.count() == before  # nothing written half-way
        elif tool in ("add_registry_server", "bulk_add_registry_servers"):
            session.registered.update(_registered_key(item) for item in arguments.get("servers", [arguments]))

    property_holds()


@PROPERTY
@given(name=st.text(min_size=1, max_size=40), arguments=st.dictionaries(st.text(max_size=12), JSON, max_size=4))
def test_unknown_tools_end_in_an_error(session: Session, name: str, arguments: dict[str, Any]) -> None:
    if name in session.tools:
        name = name + "?"
    session.calls += 1
    result: CallToolResult = session.portal.call(session.client.call_tool, name, arguments)
    assert result.is_error and "Unknown tool" in text_of(result), text_of(result)


# Secrets in the places masking recognises by what they are, not by their key: whatever the
# secret's text, a tool result never shows it, and the registry keeps it.
SECRET_TEXT = st.from_regex(r"[A-Za-z0-9]{20,30}", fullmatch=True)
SECRET_PLACES = {
    "flag": lambda s: {"config": {"command": "npx", "args": ["-y", "srv", "--token", s]}},
    "flag=": lambda s: {"config": {"command": "npx", "args": ["-y", "srv", f"--api-key={s}"]}},
    "-e": lambda s: {"config": {"command": "docker", "args": ["run", "-e", f"GITHUB_TOKEN={s}", "img"]}},
    "dsn": lambda s: {"config": {"command": "uvx", "args": ["pg-mcp", f"postgres://app:{s}@db:5432/app"]}},
    "userinfo": lambda s: {"config": {"url": f"https://bot:{s}@mcp.example.com/mcp"}},
    "query": lambda s: {"config": {"url": f"https://mcp.example.com/mcp?api_key={s}"}},
    "additional params": lambda s: {
        "config": {"url": "https://mcp.example.com/mcp"},
        "oauth_config": {"OAUTH_ADDITIONAL_PARAMS": {"client_assertion": s}},
    },
    # A token known by its shape, under a flag whose name says nothing.
    "token shape": lambda s: {"config": {"command": "npx", "args": ["srv", "--name", _github_token(s)]}},
}


def _github_token(secret: str) -> str:
    return "ghp_" + (secret * 2)[:36]


@pytest.mark.parametrize("place", sorted(SECRET_PLACES))
def test_secrets_recognised_by_shape_never_show(session: Session, place: str) -> None:
    @settings(PROPERTY, max_examples=max(EXAMPLES // 5, 5))
    @given(secret=SECRET_TEXT)
    def property_holds(secret: str) -> None:
        session.calls += 1
        saved_name = f"shape-{session.calls}"
        payload = {"saved_name": saved_name, "mcp_config": SECRET_PLACES[place](secret)}
        hidden = _github_token(secret) if place == "token shape" else secret
        added = session.call("add_registry_server", payload)
        assert not added.is_error, text_of(added)
        session.registered.add((saved_name, "v1"))
        read = session.call("get_registry_server", {"saved_name": saved_name})
        for result in (added, read):
            shown = text_of(result) + json.dumps(result.structured_content)
            assert hidden not in shown and MASK_TEXT in shown
        assert hidden in json.dumps(session.stored(saved_name, "v1"))

    property_holds()

"""The API key, and the secrets of the record involved, never leave in what a registry says back.

Some registries quote what they received in their errors ("Invalid API key: sk-…", a 422 whose
`detail` holds the request body). `EchoingRegistry` is such a registry, served over real HTTP on
127.0.0.1: every answer quotes the `apikey` header it got, and a 422 quotes the whole body.
The key and a planted env secret must appear in no error, resource error, MCP log message or
stderr line (at DEBUG), and no error or log message quotes an argument's value.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from mcp_types import LoggingMessageNotificationParams
from starlette.types import Receive, Scope, Send

from registry_mcp import RegistryClient, RegistryError
from registry_mcp.logs import ScrubbingFormatter
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.retries import NO_RETRIES
from registry_mcp.secrets.scrubbing import scrub
from registry_mcp.settings import Settings

from .conftest import ServedApp, server_command, server_payload, text_of

pytestmark = pytest.mark.anyio

KEY = "sk-live-PLANTEDkey0123456789abcdef"
ENV_SECRET = "ghp_PLANTEDenvSecret0123456789"
ARGUMENT_SECRET = "sk-PLANTEDargument-0123456789"
SECRET_CONFIG = {"config": {"command": "npx", "args": ["-y", "@example/x"], "env": {"GITHUB_TOKEN": ENV_SECRET}}}


class EchoingRegistry:
    """Refuses every request, quoting back the `apikey` header it got (and a 422 quotes the body).

    The status comes from the server named in the selector header: `s401` answers 401, `pad422` a
    422 whose detail puts the key across the 300th character. Requests naming no server (add, list)
    answer 422 if they carry a body, else a plain-text 500; a delete of `s200` succeeds, quoting
    the key in its message."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return None
        headers = {name.decode(): value.decode() for name, value in scope["headers"]}
        key = headers.get("apikey", "")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        server = headers.get("x-enkrypt-mcp-registry-server", "")
        if server == "pad422":
            # str(detail) is cut to 300 characters for the error: the cut falls inside the key.
            detail: Any = [{"loc": ["header", "apikey"], "msg": "x" * 240 + f" key {key} refused"}]
            return await _answer(send, 422, json.dumps({"detail": detail}).encode())
        status = int(server[1:]) if server[1:].isdigit() else 422 if body else 500
        if status == 200:
            return await _answer(send, 200, json.dumps({"message": f"Deleted, with key {key}"}).encode())
        if status == 422:
            sent = json.loads(body) if body else None
            detail = [{"loc": ["header", "apikey"], "msg": f"key {key} not allowed", "input": sent}]
            return await _answer(send, 422, json.dumps({"detail": detail}).encode())
        if status == 500:
            return await _answer(send, 500, f"Internal error checking apikey={key}".encode(), "text/plain")
        return await _answer(send, status, json.dumps({"message": f"Invalid API key: {key}"}).encode())


async def _answer(send: Send, status: int, body: bytes, kind: str = "application/json") -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", kind.encode())]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def echoing() -> Iterator[str]:
    with ServedApp(EchoingRegistry()) as served:
        yield served.url


def _leaks(text: str) -> list[str]:
    # A prefix of the key counts too: a message cut short must not keep part of it.
    return [secret for secret in (KEY[:12], ENV_SECRET[:12], ARGUMENT_SECRET[:12]) if secret in text]


@pytest.mark.parametrize("status", ["s401", "s403", "s404", "s422", "s500", "pad422"])
async def test_a_registry_error_quoting_the_key_is_scrubbed(echoing: str, status: str) -> None:
    async with RegistryClient(KEY, base_url=echoing, retry=NO_RETRIES) as client:
        with pytest.raises(RegistryError) as failure:
            await client.get_server(status)
    assert _leaks(str(failure.value)) == [] and _leaks(failure.value.registry_message or "") == []
    assert "<redacted>" in str(failure.value)


async def test_a_422_quoting_the_sent_record_is_scrubbed_of_its_secrets(echoing: str) -> None:
    async with RegistryClient(KEY, base_url=echoing, retry=NO_RETRIES) as client:
        with pytest.raises(RegistryError) as added:
            await client.add_server(server_payload("echoed", mcp_config=SECRET_CONFIG))
        with pytest.raises(RegistryError) as listed:
            await client.list_servers()
        deleted = await client.delete_server("s200")
    assert "HTTP 422" in str(added.value) and "GITHUB_TOKEN" in str(added.value)
    assert _leaks(str(added.value)) == [] and _leaks(str(listed.value)) == [] and _leaks(deleted) == []
    assert deleted == "Deleted, with key <redacted>"


@pytest.mark.parametrize(
    "secret",
    [
        r"Pr0d\Passw0rd-XYZZY",  # DOMAIN\password: str() of the quoted record doubles the backslash
        "it's-XYZZY",
        'say "XYZZY" twice',
        "both ' and \" XYZZY",
        "two\nlines-XYZZY",
        "pässwörd-XYZZY-ü",
        "tab\tand\x07bell-XYZZY",
        "a/slash-XYZZY",
    ],
)
async def test_a_422_quoting_a_secret_in_its_escaped_form_is_scrubbed(echoing: str, secret: str) -> None:
    config = {"config": {"command": "npx", "args": ["-y", "@example/x"], "env": {"DB_PASSWORD": secret}}}
    async with RegistryClient(KEY, base_url=echoing, retry=NO_RETRIES) as client:
        with pytest.raises(RegistryError) as added:
            await client.add_server(server_payload("escaped", mcp_config=config))
    text = str(added.value)
    assert "'DB_PASSWORD': " in text and "<redacted>" in text and "@example/x" in text
    assert "XYZZY" not in text, text


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tool_errors_resource_errors_and_log_messages_hold_no_secret(echoing: str, mode: str) -> None:
    logged: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logged.append(params)

    texts: list[str] = []
    server = create_server(Settings(api_key=KEY, base_url=echoing))
    async with Client(server, mode=mode, logging_callback=on_log, log_level="debug") as client:  # type: ignore[arg-type]
        for name, arguments in [
            ("get_registry_server", {"saved_name": "s401"}),
            ("get_registry_server", {"saved_name": "s500"}),
            ("add_registry_server", server_payload("echoed", mcp_config=SECRET_CONFIG)),
            ("modify_registry_server", {"saved_name": "s403", "description": "changed"}),
        ]:
            result = await client.call_tool(name, arguments)
            assert result.is_error
            texts.append(text_of(result))
        for uri in ("registry://servers/s401/v1", "registry://servers/s500/v1"):
            with pytest.raises(MCPError) as failure:
                await client.read_resource(uri)
            texts.append(str(failure.value))
        with pytest.raises(MCPError) as listing:
            await client.list_resources()
        texts.append(str(listing.value))
    assert all("<redacted>" in text for text in texts), texts
    assert _leaks("\n".join(texts)) == []
    if mode == "auto":
        assert len(logged) == 4
    assert _leaks("\n".join(str(entry.data) for entry in logged)) == []


BAD_ARGUMENTS: list[tuple[str, dict[str, Any]]] = [
    ("add_registry_server", server_payload("planted", job_id=ARGUMENT_SECRET)),
    ("add_registry_server", server_payload("planted", server_version=ARGUMENT_SECRET + " !")),
    ("add_registry_server", server_payload("planted", is_active=ARGUMENT_SECRET)),
    ("add_registry_server", server_payload("planted", mcp_config=ARGUMENT_SECRET)),
    (
        "add_registry_server",
        server_payload("planted", mcp_config={"config": {"url": "https://x.example", "transport": ARGUMENT_SECRET}}),
    ),
    (
        "add_registry_server",
        server_payload("planted", mcp_config={"config": {"command": "npx", "env": {"TOKEN": [ARGUMENT_SECRET]}}}),
    ),
    ("get_registry_server", {"saved_name": ARGUMENT_SECRET + " !"}),
    ("list_registry_servers", {"page": ARGUMENT_SECRET}),
    ("delete_registry_server", {"saved_name": "x", "confirm": ARGUMENT_SECRET}),
]


@pytest.mark.parametrize(("tool", "arguments"), BAD_ARGUMENTS)
async def test_no_error_quotes_a_bad_arguments_value(client: Client, tool: str, arguments: dict[str, Any]) -> None:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert ARGUMENT_SECRET[:12] not in text_of(result), text_of(result)
    assert "found `" not in text_of(result)  # pydantic's UUID error quotes the first wrong character


async def test_stderr_and_log_messages_over_stdio_hold_no_secret(echoing: str, tmp_path: Path) -> None:
    """A real stdio process at DEBUG, fed registry errors quoting the key and bad arguments: its
    stderr, and the MCP log messages it sends a client that asks for them."""
    parameters = StdioServerParameters(
        command=server_command(),
        args=["--log-level", "DEBUG"],
        env={"PATH": os.environ.get("PATH", ""), "ENKRYPT_API_KEY": KEY, "ENKRYPT_BASE_URL": echoing},
    )
    logged: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logged.append(params)

    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        transport = stdio_client(parameters, errlog=stderr)
        async with Client(transport, logging_callback=on_log, log_level="debug") as client:  # type: ignore[arg-type]
            for name, arguments in [
                ("get_registry_server", {"saved_name": "s401"}),
                ("get_registry_server", {"saved_name": "s500"}),
                ("add_registry_server", server_payload("echoed", mcp_config=SECRET_CONFIG)),
                *BAD_ARGUMENTS,
            ]:
                assert (await client.call_tool(name, arguments)).is_error
            with pytest.raises(MCPError):
                await client.read_resource("registry://servers/s403/v1")
    lines = stderr_path.read_text()
    assert "DEBUG" in lines and "HTTP 401" in lines  # the failures were logged, at DEBUG
    assert _leaks(lines) == [], lines
    # And every MCP log message the client received over stdio: one per failed call.
    assert len(logged) == 3 + len(BAD_ARGUMENTS)
    assert _leaks("\n".join(str(entry.data) for entry in logged)) == []


def test_the_stderr_formatter_scrubs_whatever_reaches_a_log_line() -> None:
    """The last line of defence: a key in a message's arguments or an exception's text is replaced."""
    try:
        raise ValueError(f"refused key {KEY}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling with %s", (KEY,), sys.exc_info())
    line = ScrubbingFormatter([KEY]).format(record)
    assert "calling with <redacted>" in line and "ValueError: refused key <redacted>" in line
    assert KEY[:8] not in line


def test_the_stderr_formatter_scrubs_a_secret_in_the_forms_json_and_python_write_it() -> None:
    """A record logged as a dict, or as JSON, holds a secret escaped: `\\` doubled, `'` or `"` and a
    line break written with a backslash, non-ASCII as `\\u00e9` or `\\xe9`."""
    secrets = [r"Pr0d\Passw0rd-XYZZY", 'it\'s "XYZZY"', "two\nlines-XYZZY", "pässwörd-XYZZY", "a/b-XYZZY"]
    for secret in secrets:
        for shown in ({"DB_PASSWORD": secret}, json.dumps({"DB_PASSWORD": secret})):
            record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s", (shown,), None)
            line = ScrubbingFormatter(secrets).format(record)
            assert "DB_PASSWORD" in line and "<redacted>" in line and "XYZZY" not in line, line
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%s", (json.dumps("a/b-XYZZY").replace("/", "\\/"),), None
    )
    assert ScrubbingFormatter(secrets).format(record).endswith(' "<redacted>"')  # as some JSON encoders write `/`


@pytest.mark.parametrize(
    "render",
    [
        json.dumps,
        lambda value: json.dumps(value).replace("/", "\\/"),
        lambda value: json.dumps(value, ensure_ascii=False),
        repr,
        ascii,
    ],
    ids=["json", "json with escaped slashes", "json in UTF-8", "repr", "ascii"],
)
def test_a_secret_is_scrubbed_from_every_rendering_of_a_record(render: Any) -> None:
    # Non-ASCII letters, a slash, a backslash and a quote: each rendering writes it differently.
    secret = 'pä/ss\\wörd"x-0123'
    expected = render({"k": "<redacted>"})
    assert scrub(render({"k": secret}), {secret}) == expected

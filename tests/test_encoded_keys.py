"""The API key, in any reversible form a registry may quote it in, reaches no error, resource, MCP log
message or stderr line; and at the default log level a remote peer's body reaches no stderr line.

`EncodingRegistry` is served over real HTTP on 127.0.0.1. It refuses every request, quoting the
`apikey` header it got in the form and with the status the requested server's name says
(`b64-401`: base64, HTTP 401): as it is upper-cased, URL-encoded (also every byte %XX-escaped), base64
(also URL-safe, and inside `Basic base64(apikey:KEY)`), hex, every character `\\uXXXX`-escaped, split
in halves across two fields, or its first 24 characters.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from mcp_types import LoggingMessageNotificationParams
from starlette.types import Receive, Scope, Send

from registry_mcp import RegistryClient, RegistryError
from registry_mcp.logs import ScrubbingFormatter, WithoutQueries, log_to_stderr, summary
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.retries import NO_RETRIES
from registry_mcp.secrets import scrubbing
from registry_mcp.secrets.scrubbing import REDACTED, Scrubber, scrub
from registry_mcp.settings import Settings

from .conftest import (
    LiveRegistry,
    Person,
    ServedApp,
    free_port,
    mcp_over_http,
    server_command,
    stdio_parameters,
    text_of,
)
from .test_client_exchange import BASE, STORED, Scripted, _json
from .test_inspect import LEAKY_SERVER, NOT_MCP_SERVER

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def cold_caches() -> None:
    """Each test works out the key's forms afresh: the memo would otherwise answer from earlier tests."""
    scrubbing._key_forms.cache_clear()


# '+', '/' and '=' make its URL-encoded, JSON-escaped and base64 forms differ from it.
KEY = "sk-live+PLANTED/key=0123456789abcdefXYZ"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Each form: how the registry writes the key, and the texts that must not survive in what is shown
# (for base64, the characters only the key decides).
FORMS: dict[str, tuple[Callable[[str], str], Callable[[str], list[str]]]] = {
    "upper": (str.upper, lambda key: [key.upper()[:8], key.upper()[-8:]]),
    "lower": (str.lower, lambda key: [key.lower()[:8], key.lower()[-8:]]),
    "urlencoded": (lambda key: quote(key, safe=""), lambda key: ["PLANTED%2F", "%3D0123"]),
    "urlencoded-lower": (lambda key: quote(key, safe="").lower(), lambda key: ["planted%2f", "%3d0123"]),
    "form-encoded": (quote_plus, lambda key: ["PLANTED%2F", "live%2B"]),
    "base64": (_b64, lambda key: [_b64(key)[4:-4]]),
    "base64-inside": (  # more bytes after it: only the characters the key alone decides
        lambda key: _b64("{" + key + '", "more": "after"}'),
        lambda key: [_b64("{" + key + '", "more": "after"}')[4:50]],
    ),
    "base64-offset-2": (  # after two bytes: the third of the offsets base64 can put it at
        lambda key: base64.urlsafe_b64encode(b"xy" + key.encode()).decode(),
        lambda key: [base64.urlsafe_b64encode(b"xy" + key.encode()).decode()[4:-4]],
    ),
    "basic": (lambda key: "Basic " + _b64("apikey:" + key), lambda key: [_b64("apikey:" + key)[12:-4]]),
    "hex": (lambda key: key.encode().hex(), lambda key: [key.encode().hex()[:16], key.encode().hex()[-16:]]),
    "every-byte-urlencoded": (
        lambda key: "".join(f"%{byte:02X}" for byte in key.encode()),
        lambda key: ["".join(f"%{byte:02X}" for byte in key.encode()[:8]), "%58%59%5A"],
    ),
    "hex-upper": (lambda key: key.encode().hex().upper(), lambda key: [key.encode().hex().upper()[:16]]),
    "unicode-escaped": (
        lambda key: "".join(f"\\u{ord(c):04x}" for c in key),
        lambda key: ["\\u0073\\u006b\\u002d\\u006c", "\\u0058\\u0059\\u005a"],
    ),
    "slash-escaped": (lambda key: key.replace("/", "\\/"), lambda key: ["PLANTED\\/key", "PLANTED"]),
    "prefix24": (lambda key: key[:24], lambda key: [key[:8], key[16:24]]),
    "halves": (lambda key: key[: len(key) // 2], lambda key: [key[:8], key[len(key) // 2 - 8 : len(key) // 2]]),
}


def _leaks(text: str) -> list[str]:
    """Each piece of the key, in any of its forms, that `text` still holds."""
    evidence = {piece for _, shown in FORMS.values() for piece in shown(KEY)}
    evidence |= {KEY[at : at + 8] for at in range(len(KEY) - 7)}
    lowered = text.lower()
    return sorted(piece for piece in evidence if piece.lower() in lowered)


class EncodingRegistry:
    """Refuses every request, quoting the `apikey` header it got in the form its server names."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {name.decode(): value.decode() for name, value in scope["headers"]}
        key = headers.get("apikey", "")
        form, _, status = headers.get("x-enkrypt-mcp-registry-server", "upper-401").rpartition("-")
        if form not in FORMS:  # requests naming no server (list): every form at once
            form, status = "", "500"
        shown = FORMS[form][0](key) if form else " ".join(render(key) for render, _ in FORMS.values())
        if status == "422":
            # Split across two fields when it is "halves": the second half in the second.
            rest = key[len(key) // 2 :] if form == "halves" else "-"
            detail = [{"loc": ["header", "apikey"], "msg": f"bad key {shown}"}, {"input": rest}]
            body, kind = json.dumps({"detail": detail}).encode(), "application/json"
        elif status == "500":
            # Raw text, not JSON: what it holds is not decoded by any parser on the way.
            body, kind = f"Internal error checking apikey={shown}".encode(), "text/plain"
        else:
            body, kind = json.dumps({"message": f"Invalid API key: {shown}"}).encode(), "application/json"
        await send(
            {"type": "http.response.start", "status": int(status), "headers": [(b"content-type", kind.encode())]}
        )
        await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def encoding() -> Iterator[str]:
    with ServedApp(EncodingRegistry()) as served:
        yield served.url


@pytest.mark.parametrize("status", ["401", "422", "500"])
@pytest.mark.parametrize("form", sorted(FORMS))
async def test_a_registry_error_quoting_the_key_in_any_form_is_scrubbed(encoding: str, form: str, status: str) -> None:
    async with RegistryClient(KEY, base_url=encoding, retry=NO_RETRIES) as client:
        with pytest.raises(RegistryError) as failure:
            await client.get_server(f"{form}-{status}")
    shown = f"{failure.value}\n{failure.value.registry_message}"
    assert _leaks(shown) == [], shown
    assert REDACTED in shown


async def test_tool_errors_resources_and_log_messages_hold_the_key_in_no_form(encoding: str) -> None:
    logged: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logged.append(params)

    texts: list[str] = []
    server = create_server(Settings(api_key=KEY, base_url=encoding))
    async with Client(server, logging_callback=on_log, log_level="debug") as client:  # type: ignore[arg-type]
        for form in ("base64", "basic", "hex", "halves", "unicode-escaped"):
            result = await client.call_tool("get_registry_server", {"saved_name": f"{form}-422"})
            assert result.is_error
            texts.append(text_of(result))
        for uri in ("registry://servers/urlencoded-401/v1", "registry://servers/prefix24-500/v1"):
            with pytest.raises(MCPError) as failure:
                await client.read_resource(uri)
            texts.append(str(failure.value))
        with pytest.raises(MCPError) as listing:  # every form at once
            await client.list_resources()
        texts.append(str(listing.value))
    assert all(REDACTED in text for text in texts), texts
    assert _leaks("\n".join(texts)) == []
    assert len(logged) == 5
    assert _leaks("\n".join(str(entry.data) for entry in logged)) == []


async def test_stderr_at_debug_over_stdio_holds_the_key_in_no_form(encoding: str, tmp_path: Path) -> None:
    parameters = StdioServerParameters(
        command=server_command(),
        args=["--log-level", "DEBUG"],
        env={"PATH": os.environ.get("PATH", ""), "ENKRYPT_API_KEY": KEY, "ENKRYPT_BASE_URL": encoding},
    )
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        async with Client(stdio_client(parameters, errlog=stderr)) as client:
            for form in sorted(FORMS):
                assert (await client.call_tool("get_registry_server", {"saved_name": f"{form}-401"})).is_error
            assert (await client.call_tool("list_registry_servers", {})).is_error
    lines = stderr_path.read_text()
    assert "DEBUG" in lines and "HTTP 401" in lines and REDACTED in lines
    assert _leaks(lines) == [], lines


@pytest.mark.parametrize("form", ["base64", "basic", "hex-upper", "halves", "prefix24", "unicode-escaped"])
async def test_a_record_read_back_quoting_the_key_in_any_form_is_scrubbed(form: str) -> None:
    """A registry that puts the key (encoded) in a record it answers with: the record read is scrubbed."""
    record = {**STORED, "description": f"added with {FORMS[form][0](KEY)}", "server_name": KEY[:24]}
    transport = httpx2.MockTransport(Scripted(_json(200, record)))
    async with RegistryClient(KEY, base_url=BASE, transport=transport, retry=NO_RETRIES) as client:
        server = await client.get_server("files")
    shown = server.model_dump_json()
    assert _leaks(shown) == [], shown
    assert server.description is not None and server.description.startswith("added with ")
    assert REDACTED in server.description and server.server_name == REDACTED
    assert server.mcp_config is not None and server.mcp_config.config.model_dump(exclude_none=True)["args"] == [
        "-y",
        "@example/files",
    ]


@pytest.mark.parametrize("form", ["upper", "base64", "basic", "hex", "urlencoded", "halves", "unicode-escaped"])
async def test_an_inspected_server_saying_the_key_in_any_form_has_it_scrubbed(form: str, tmp_path: Path) -> None:
    """An inspected server that learned the registry's key (here, from a file) says it, encoded, in its
    name, instructions, tools and capabilities, or on stderr before failing: no form of it is shown."""
    held = tmp_path / "said"
    held.write_text(FORMS[form][0](KEY))
    config = {"command": sys.executable, "args": [LEAKY_SERVER, "echo", str(held)]}
    with LiveRegistry(tmp_path / "live.db", api_key=KEY) as live:
        settings = Settings(api_key=KEY, base_url=live.url, allow_launch=True)
        async with Client(create_server(settings)) as client:
            result = await client.call_tool("inspect_mcp_server", {"config": config})
            failing = {**config, "args": [LEAKY_SERVER, "fail", str(held)]}  # says it on stderr, and exits
            failed = await client.call_tool("inspect_mcp_server", {"config": failing})
    assert not result.is_error and result.structured_content is not None, text_of(result)
    said = text_of(result) + json.dumps(result.structured_content)
    assert REDACTED in said and _leaks(said) == [], said
    assert failed.is_error and "The server's stderr" in text_of(failed), text_of(failed)
    assert _leaks(text_of(failed)) == [], text_of(failed)


SHIFTING_SERVER = str(Path(__file__).parent / "servers" / "shifting_server.py")


async def test_a_pinned_server_saying_the_key_after_a_change_has_it_scrubbed_from_drift_checks_and_pins(
    tmp_path: Path,
) -> None:
    """A pinned server changes to say the key, base64 in a description and as its version, and split by
    a zero-width space in a new tool's name: drift, the batch check and the pin taken again show none."""
    offer = tmp_path / "offer.json"
    plain = {"name": "read", "description": "Read.", "inputSchema": {"type": "object"}}
    offer.write_text(json.dumps({"name": "notes", "version": "1", "tools": [plain]}))
    config = {"command": sys.executable, "args": [SHIFTING_SERVER, str(offer)]}
    split = KEY[:6] + "\u200b" + KEY[6:]
    with LiveRegistry(tmp_path / "live.db", api_key=KEY) as live:
        settings = Settings(api_key=KEY, base_url=live.url, allow_launch=True)
        async with Client(create_server(settings)) as client:
            added = await client.call_tool(
                "add_registry_server", {"saved_name": "notes", "mcp_config": {"config": config}}
            )
            assert not added.is_error, text_of(added)
            assert not (await client.call_tool("inspect_mcp_server", {"saved_name": "notes", "pin": True})).is_error
            changed = [
                {**plain, "description": f"Read. See https://x.example/{_b64(KEY)}"},
                {
                    "name": "t" + split,
                    "description": "https://x.example/?k=" + split,
                    "inputSchema": {"type": "object"},
                },
            ]
            offer.write_text(json.dumps({"name": "notes", "version": _b64(KEY), "tools": changed}))
            drift = await client.call_tool("inspect_mcp_server", {"saved_name": "notes"})
            batch = await client.call_tool("inspect_mcp_server", {})
            repinned = await client.call_tool(
                "inspect_mcp_server", {"saved_name": "notes", "pin": True, "accept_drift": True}
            )
    stored = (tmp_path / "live.db").read_bytes().decode(errors="replace")  # the registry's file, closed
    for result in (drift, batch, repinned):
        said = (text_of(result) + json.dumps(result.structured_content)).replace("\\u200b", "")
        assert REDACTED in said and _leaks(said) == [], said
    assert drift.structured_content is not None and drift.structured_content["drift"]
    assert _leaks(stored.replace("\\u200b", "")) == [], stored


# --- a remote peer's body at the default log level --------------------------------------------


@pytest.fixture
def not_mcp() -> Iterator[str]:
    port = free_port()
    with mcp_over_http([sys.executable, NOT_MCP_SERVER, str(port)], port, path="") as url:
        yield url


async def test_stderr_at_the_default_level_holds_no_remote_body(not_mcp: str, tmp_path: Path) -> None:
    """The SDK logs an answer that is no JSON-RPC message at ERROR with its traceback, whose pydantic
    error quotes the body (`input_value=...`): only the error's class and first line reach stderr."""
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        transport = stdio_client(stdio_parameters(tmp_path / "r.db"), errlog=stderr)
        async with Client(transport, elicitation_callback=Person()) as client:
            config = {"url": f"{not_mcp}/invalid", "transport": "streamable_http"}
            result = await client.call_tool("inspect_mcp_server", {"config": config})
    assert result.is_error
    lines = stderr_path.read_text()
    assert "ERROR mcp.client.streamable_http: Error parsing JSON response: ValidationError: " in lines, lines
    assert "(the traceback is logged at --log-level DEBUG)" in lines
    assert "SYSTEM" not in lines and "input_value" not in lines and "Traceback" not in lines, lines


def test_an_exception_is_summed_up_in_its_first_line_and_shortened() -> None:
    assert summary(None) == ""
    assert summary(KeyError()) == "KeyError"
    assert summary(ValueError("one\ntwo")) == "ValueError: one (the traceback is logged at --log-level DEBUG)"
    assert summary(ValueError(" one\ntwo\nthree ")) == "ValueError: one (the traceback is logged at --log-level DEBUG)"
    assert summary(ValueError("x" * 300)) == f"ValueError: {'x' * 200}… (the traceback is logged at --log-level DEBUG)"
    assert summary(ValueError("x" * 200)) == f"ValueError: {'x' * 200} (the traceback is logged at --log-level DEBUG)"


def test_below_debug_no_traceback_nor_stack_is_formatted() -> None:
    try:
        raise ValueError("first line\nsecond line input_value={'body': 1}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info(), sinfo="Stack (most")
    record.exc_text = "Traceback (from another handler)"
    line = ScrubbingFormatter([], tracebacks=False).format(record)
    assert line == "ERROR x: failed: ValueError: first line (the traceback is logged at --log-level DEBUG)"
    record.exc_text = None
    detailed = ScrubbingFormatter([]).format(record)
    assert "Traceback (most recent call last)" in detailed and "input_value" in detailed
    assert detailed.endswith("Stack (most")
    record.exc_info, record.msg = None, "no failure"
    assert ScrubbingFormatter([], tracebacks=False).format(record) == "ERROR x: no failure"  # its stack dropped
    record.stack_info, record.exc_text = None, "Traceback (from another handler)"
    assert ScrubbingFormatter([], tracebacks=False).format(record) == "ERROR x: no failure"  # its text dropped


@pytest.mark.parametrize(("level", "tracebacks"), [("WARNING", False), ("INFO", False), ("DEBUG", True)])
def test_log_to_stderr_scrubs_every_line_and_keeps_tracebacks_for_debug(level: str, tracebacks: bool) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers = []  # as at start-up: basicConfig configures only a root without handlers
    try:
        log_to_stderr(level, [KEY])
        [handler] = root.handlers
        assert isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr
        assert root.level == logging.getLevelName(level)
        formatter = handler.formatter
        assert isinstance(formatter, ScrubbingFormatter) and formatter.tracebacks is tracebacks
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "key %s", (KEY.upper(),), None)
        assert formatter.format(record) == "ERROR x: key <redacted>"
    finally:
        root.handlers, root.level = saved


def test_below_debug_an_exception_alone_is_summed_up() -> None:
    try:
        raise KeyError("k")
    except KeyError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = ScrubbingFormatter([], tracebacks=False).format(record)
    assert line == "ERROR x: failed: KeyError: 'k' (the traceback is logged at --log-level DEBUG)"


# --- the scrubber, as a table -------------------------------------------------------------------


@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_scrubber_finds_the_key_in_each_form(form: str) -> None:
    render, shown = FORMS[form]
    text = f"before {render(KEY)} after"
    scrubbed = scrub(text, (), keys=[KEY])
    assert scrubbed.startswith("before ") and scrubbed.endswith(" after") and REDACTED in scrubbed
    assert [piece for piece in shown(KEY) if piece.lower() in scrubbed.lower()] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key 01234567 here", "key <redacted> here"),  # a piece of 8: scrubbed
        ("key 0123456 here", "key 0123456 here"),  # of 7: too short to say it is the key's
        ("x bcdefgh0 y", "x <redacted> y"),  # 8 from the second character: between the form's chunks
        ("bcdefgh0 a", "<redacted> a"),  # at the text's very start (and its end no part of it)
        ("9abcdefgh0 y", "9<redacted> y"),  # at the key's very start (the key's end before it is not)
        ("key ABCDEFGH here", "key ABCDEFGH here"),  # of letters in one case: a word, not a piece
        ("key abcdefgh here", "key abcdefgh here"),
        ("key AbcdefgH here", "key <redacted> here"),  # both cases: a piece
        ("abcdefgh0123456789 or abcdefgh0", "<redacted> or <redacted>"),  # whole, or a piece with a digit
        ("ABCDEFGH0123456789", "<redacted>"),  # the whole key, upper-cased
        ("x6162636465666768y", "x<redacted>y"),  # hex of its first 8 characters
        ("YWJjZGVmZ2gwMTIzNDU2Nzg5", "<redacted>"),  # base64 of the whole key
        ("YWJjZGVmZ2gw", "<redacted>"),  # base64 of a 9-character prefix: 12 characters it decides
        ("YWJjZGVm", "YWJjZGVm"),  # base64 of 6: too short
        ("61626364656667", "61626364656667"),  # hex of 7 characters: too short
        ("\\u0061\\u0062\\u0063\\u0064\\u0065\\u0066\\u0067\\u0068", "<redacted>"),  # 8, escaped
        ("\\u0061\\u0062\\u0063\\u0064\\u0065\\u0066\\u0067", "\\u0061\\u0062\\u0063\\u0064\\u0065\\u0066\\u0067"),
    ],
)
def test_a_piece_of_a_key_is_scrubbed_from_its_eighth_character(text: str, expected: str) -> None:
    assert scrub(text, (), keys=["abcdefgh0123456789"]) == expected


def test_a_form_is_found_through_a_chunk_at_every_half_piece() -> None:
    """Few chunks, so few searches: one at every multiple of half a piece, each whole."""
    assert scrubbing._Form("0123456789abcdef", 8, any_case=False).anchors == {
        "0123": [0],
        "4567": [4],
        "89ab": [8],
        "cdef": [12],
    }
    assert scrubbing._Form("0123456789abcde", 8, any_case=False).anchors == {"0123": [0], "4567": [4], "89ab": [8]}
    assert scrubbing._Form("abababab", 7, any_case=True).anchors == {"abab": [0, 4]}


def test_a_key_made_of_words_is_scrubbed_whole_never_by_its_words() -> None:
    key = "test-live-registry-key"
    line = f"the registry refused {key.upper()} and {key[:12]}"
    assert scrub(line, (), keys=[key]) == "the registry refused <redacted> and test-live-re"


def test_a_keys_url_safe_base64_is_scrubbed() -> None:
    key = "k3y??>??>??>??>??>"  # its base64 holds '+' and '/', written '-' and '_' when URL-safe
    standard, url_safe = base64.b64encode(key.encode()).decode(), base64.urlsafe_b64encode(key.encode()).decode()
    assert "+" in standard and "-" in url_safe
    assert scrub(f"a {standard} b", (), keys=[key]) == "a <redacted> b"
    assert scrub(f"a {url_safe} b", (), keys=[key]) == "a <redacted> b"


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        # a key of six characters, base64-encoded with more text after it: what only its bytes decide
        ("Ab12cd", "echoed " + _b64('{"apikey":"Ab12cd"}'), "echoed eyJhcGlrZXkiOiJ<redacted>QifQ=="),
        ("Ab12cd", "echoed " + _b64("apikey:Ab12cd, registry"), "echoed YXBpa2V5Ok<redacted>CwgcmVnaXN0cnk="),
        ("Ab12cd", "echoed " + _b64("user:Ab12cd@registry"), "echoed dXNlcjp<redacted>RAcmVnaXN0cnk="),
        # a piece of a key whose characters repeat, inside a longer run of the same character
        ("Q7aaaaaaaaZ9x1y2", "x aaaaaaaZ y", "x <redacted> y"),
        ("Q7aaaaaaaaZ9x1y2", "x abaaaaaaaZ y", "x ab<redacted> y"),
        ("Q7aaaaaaaaZ9x1y2", "x aaaaaaaZb9x1 y", "x <redacted>b9x1 y"),
    ],
)
def test_a_short_key_and_a_key_of_repeated_characters_are_scrubbed(key: str, text: str, expected: str) -> None:
    assert scrub(text, (), keys=[key]) == expected


def test_two_secrets_side_by_side_are_each_redacted() -> None:
    assert scrub("aaaabbbb", ["aaaa", "bbbb"]) == "<redacted><redacted>"
    assert scrub("xaaaabbbx", ["aaaab", "abbb"]) == "x<redacted>x"  # overlapping: one


def test_a_records_secret_is_scrubbed_whole_never_by_its_pieces() -> None:
    """A record's secret may be a URL or a word: scrubbing a piece of it would redact ordinary text."""
    secret = "https://example.com/private-path"
    text = f"see https://example.com/docs and {secret}"
    assert scrub(text, [secret]) == "see https://example.com/docs and <redacted>"
    assert scrub(secret.upper(), [secret]) == secret.upper()  # a record's secret keeps its case
    assert scrub("abc", ["abc"], keys=["abc"]) == "abc"  # shorter than 4: never scrubbed


def test_a_key_that_is_also_a_records_secret_is_scrubbed_as_a_key() -> None:
    scrubber = Scrubber(["abcdefgh0123456789"], keys=["abcdefgh0123456789"])
    assert scrubber("x abcdefgh0 y") == "x <redacted> y"
    assert not Scrubber() and Scrubber(keys=["abcd"]) and not Scrubber(keys=["abc"])


def test_the_stderr_formatter_scrubs_the_key_of_the_caller_a_line_is_logged_for() -> None:
    """Over HTTP the server may hold no key (`--auth keys`): the formatter asks whose request a line
    is logged for, and scrubs that caller's key, in every form; outside a request it scrubs its own."""
    caller: list[str | None] = [KEY]
    formatter = ScrubbingFormatter(["own-token-QWERTYUIOPasdf"], caller_key=lambda: caller[0])
    rendered = " ".join(render(KEY) for render, _ in FORMS.values())
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "GET /mcp?k=%s %s", (rendered, "own-token-QWERTYUIOPasdf"), None
    )
    line = formatter.format(record)
    assert line.startswith("INFO x: GET /mcp?k=<redacted>") and line.endswith(" <redacted>") and _leaks(line) == [], (
        line
    )
    # Scrubbed in one pass with the server's own: a server key sharing a piece with the caller's does
    # not cut into the caller's forms before they are found.
    sharing = ScrubbingFormatter(["own-0123456789-token"], caller_key=lambda: KEY)
    assert _leaks(sharing.format(record)) == [], sharing.format(record)
    caller[0] = None  # a line logged outside any request
    assert formatter.format(record) == f"INFO x: GET /mcp?k={rendered} <redacted>"


def test_log_to_stderr_hands_the_formatter_the_callers_key() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers = []
    try:
        log_to_stderr("INFO", [], caller_key=lambda: KEY)
        [handler] = root.handlers
        assert isinstance(handler.formatter, ScrubbingFormatter)
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "key %s", (_b64(KEY),), None)
        assert handler.formatter.format(record) == "INFO x: key <redacted>"
    finally:
        root.handlers, root.level = saved


@pytest.mark.parametrize(
    ("path", "shown"), [("/mcp?apikey=" + KEY, "/mcp?…"), ("/mcp", "/mcp"), ("/v0.1/servers?a=1?b", "/v0.1/servers?…")]
)
def test_access_lines_leave_the_query_out(path: str, shown: str) -> None:
    """uvicorn's access record: (client, method, path with query, HTTP version, status)."""
    args = ("127.0.0.1:5000", "POST", path, "1.1", 401)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None)
    assert WithoutQueries().filter(record) is True
    assert record.getMessage() == f'127.0.0.1:5000 - "POST {shown} HTTP/1.1" 401'
    other = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "%s %s", ("a?b", "c?d"), None)
    assert WithoutQueries().filter(other) is True and other.getMessage() == "a?b c?d"  # not an access line


def test_the_stderr_formatter_scrubs_the_key_in_every_form() -> None:
    rendered = " ".join(render(KEY) for render, _ in FORMS.values())
    try:
        raise ValueError(f"refused {rendered}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling with %s", (rendered,), sys.exc_info())
    for tracebacks in (True, False):
        line = ScrubbingFormatter([KEY], tracebacks=tracebacks).format(record)
        assert line.startswith("ERROR x: calling with <redacted>") and "ValueError: refused <redacted>" in line
        assert _leaks(line) == [], line


@pytest.mark.parametrize("quoted", ["as read", "json", "repr"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("written", [KEY, KEY.upper(), KEY[:12]], ids=["whole", "upper", "prefix"])
def test_a_key_in_utf16_or_utf32_read_as_utf8_is_scrubbed(encoding: str, written: str, quoted: str) -> None:
    # A server's stderr, or any body, in UTF-16 or UTF-32 read as UTF-8: the key with NULs between its
    # characters, which a reader puts back together by dropping them; also as JSON or Python quote it.
    text = ("said: " + written + " (done)").encode(encoding).decode("utf-8", "replace")
    nul = {"as read": "\0", "json": "\\u0000", "repr": "\\x00"}[quoted]
    text = {"as read": text, "json": json.dumps(text)[1:-1], "repr": repr(text)[1:-1]}[quoted]
    scrubbed = scrub(text, (), keys=[KEY])
    assert REDACTED in scrubbed and written[:8].lower() not in scrubbed.replace(nul, "").lower()
    assert scrubbed.replace(nul, "").endswith(" (done)")

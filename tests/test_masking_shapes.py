"""Secrets of the shapes masking must also find, and mask variants every write refuses.

Shapes: JSON written inside an argument (masked by its keys), mysql's `-pPASSWORD`, an AWS secret
access key standing alone, and a number after a secret-named flag. Variants of the mask: a zero-width
space inside it, URL-encoded (once or twice), base64, any case, and a generic `<masked ...>`.
"""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_plus

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.registry.embedded.store import RegistryStore, Scope
from registry_mcp.secrets import masking
from registry_mcp.secrets.masking import (
    MASK,
    URL_DECODINGS,
    find_mask,
    holds_mask,
    mask_secrets,
    restore_masked,
    runs_mysql,
)
from registry_mcp.settings import Settings

from .conftest import Person, server_payload, text_of

pytestmark = pytest.mark.anyio

M = MASK
AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _args(command: str, *args: str) -> dict[str, Any]:
    return {"config": {"command": command, "args": list(args)}}


def _masked_args(command: str, *args: str) -> list[str]:
    masked: list[str] = mask_secrets(_args(command, *args))["config"]["args"]
    return masked


# (command, arguments, what masking shows)
SHAPES: list[tuple[str, list[str], list[str]]] = [
    # JSON inside an argument, masked by its keys, wherever it starts
    ("node", ['{"password": "jsonpw-123"}'], [f'{{"password": "{M}"}}']),
    ("node", ['--config={"db":{"pwd":"s3cr3t-pw","host":"db"}}'], [f'--config={{"db":{{"pwd":"{M}","host":"db"}}}}']),
    ("node", ["--config", '{"pin": 4321, "port": 5432}'], ["--config", f'{{"pin": {M}, "port": 5432}}']),
    (
        "node",
        ['{"note": "a \\"quoted\\" pass", "token": "t\\"k-1"}'],
        [f'{{"note": "a \\"quoted\\" pass", "token": "{M}"}}'],
    ),
    ("node", ['{"host": "db", "user": "me"}'], ['{"host": "db", "user": "me"}']),
    ("node", ["{not json} {also: not}"], ["{not json} {also: not}"]),
    ("node", ['[{"token": "tk-12345"}]'], ['[{"token": "' + M + '"}]']),  # an object inside a JSON list
    ("node", ['{{"token": "tk-12345"}}'], ['{{"token": "' + M + '"}}']),  # a template's doubled braces
    (
        "node",
        ['{"name": "a"} {"password": "pw-12345"} {"name": "b"}'],
        ['{"name": "a"} {"password": "' + M + '"} {"name": "b"}'],
    ),
    # one token under three names: each place is masked
    (
        "node",
        ['--env={"A_TOKEN": "t0k3n-1", "B_TOKEN": "t0k3n-1", "C_TOKEN": "t0k3n-1"}'],
        ['--env={"A_TOKEN": "' + M + '", "B_TOKEN": "' + M + '", "C_TOKEN": "' + M + '"}'],
    ),
    (
        "node",
        ['--config={"password": "pw-12345", "api_key": "k-67890", "port": 8080}'],
        ['--config={"password": "' + M + '", "api_key": "' + M + '", "port": 8080}'],
    ),
    # a password that is also the user name: masked inside the object only
    ("node", ['--user admin --config={"password": "admin"}'], ['--user admin --config={"password": "' + M + '"}']),
    ("node", ['--config={"password": "admin"} --user admin'], ['--config={"password": "' + M + '"} --user admin']),
    # a JSON object beside a URL with a password: both found
    (
        "node",
        ['--db=postgres://app:pa55word@db/x --opts={"ssl": true}'],
        ["--db=postgres://app:" + M + '@db/x --opts={"ssl": true}'],
    ),
    # mysql and mariadb: the password joined to -p
    ("mysql", ["-uroot", "-phunter2pass", "appdb"], ["-uroot", f"-p{M}", "appdb"]),
    ("/usr/bin/mariadb-dump", ["-p'quoted pw'"], [f"-p{M}"]),
    ("bash", ["-c", 'mysql -p"quoted pw" db'], ["-c", f"mysql -p{M} db"]),
    ("docker", ["exec", "db", "mysql", "-uroot", "-pS3cret"], ["exec", "db", "mysql", "-uroot", f"-p{M}"]),
    ("bash", ["-c", "mysqldump -uroot -pS3cret db > out.sql"], ["-c", f"mysqldump -uroot -p{M} db > out.sql"]),
    ("mysql", ["-p", "appdb"], ["-p", "appdb"]),  # -p alone prompts; appdb is the database
    ("docker", ["run", "-p8080:80", "nginx"], ["run", "-p8080:80", "nginx"]),  # not mysql: a port
    # AWS secret access keys, bare, anywhere
    ("node", [AWS], [M]),
    ("node", [f"--aws={AWS}"], [f"--aws={M}"]),
    ("node", [f"creds {AWS} here"], [f"creds {M} here"]),
    (
        "git",
        ["checkout", "0123456789abcdef0123456789abcdef01234567"],
        ["checkout", "0123456789abcdef0123456789abcdef01234567"],
    ),
    ("node", ["/home/User1/projects/Server2/dist/main.js"], ["/home/User1/projects/Server2/dist/main.js"]),
    ("node", [AWS + "A"], [AWS + "A"]),  # 41 characters: not one
    ("node", ["src/Components2/Button/IndexMain/Helper1"], [M]),  # 4 slashes: may be a key
    ("node", ["src/Components2/Button/Index/Main/Helper"], ["src/Components2/Button/Index/Main/Helper"]),  # 5
    ("node", ["/wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEab"], ["/wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEab"]),  # a path
    ("node", ["wJalrXUtnFEMIKxMDENGbPxRfiCYEXAMPLEKEYab"], ["wJalrXUtnFEMIKxMDENGbPxRfiCYEXAMPLEKEYab"]),  # no digit
    ("node", ["WJALRXUTNFEMIK7MDENGBPXRFICYEXAMPLEKEYAB"], ["WJALRXUTNFEMIK7MDENGBPXRFICYEXAMPLEKEYAB"]),  # one case
    ("node", ["wjalrxutnfemik7mdengbpxrficyexamplekeyab"], ["wjalrxutnfemik7mdengbpxrficyexamplekeyab"]),
    ("node", [AWS + "=="], [AWS + "=="]),  # a piece of longer base64
    ("node", [f"sha256:{'ab12' * 16} key {AWS}"], [f"sha256:{'ab12' * 16} key {M}"]),  # after a longer run
    # numbers after secret-named flags
    ("node", ["--pin", "987654"], ["--pin", M]),
    ("node", ["--pin=987654"], [f"--pin={M}"]),
    ("node", ["--otp", "123456", "--port", "8080"], ["--otp", M, "--port", "8080"]),
]


@pytest.mark.parametrize(("command", "args", "shown"), SHAPES)
def test_masking_finds_these_shapes_and_restores_them(command: str, args: list[str], shown: list[str]) -> None:
    assert _masked_args(command, *args) == shown
    stored = _args(command, *args)
    assert restore_masked(mask_secrets(stored), stored) == stored  # sent back as read: what is stored


def test_json_is_looked_for_at_the_first_twenty_braces_of_a_text() -> None:
    """Each `{` that starts no JSON is tried once: a bound, so code full of braces stays cheap to mask."""
    secret = '{"password": "pw-123"}'
    assert _masked_args("node", "{ " * 19 + secret) == ["{ " * 19 + f'{{"password": "{M}"}}']
    assert _masked_args("node", "{ " * 20 + secret) == ["{ " * 20 + secret]


def test_json_nested_too_deeply_to_read_by_its_keys_is_hidden_whole() -> None:
    deep = '{"a": ' + "[" * 700 + "1" + "]" * 700 + "}"
    assert _masked_args("node", f"x {deep} y") == [f"x {M} y"]


def test_a_bash_command_line_string_is_a_mysql_one_by_what_it_runs() -> None:
    assert mask_secrets({"command": "mysql -uroot -pS3cret db"}) == {"command": f"mysql -uroot -p{M} db"}
    assert mask_secrets({"command": "tool -pS3cret"}) == {"command": "tool -pS3cret"}


@pytest.mark.parametrize(
    ("command", "is_mysql"),
    [
        ("mysql", True),
        ("MySQL.exe", True),
        ("/usr/local/bin/mysqldump", True),
        ("C:\\mysql\\bin\\mysqladmin.exe", True),
        ("mariadb-dump", True),
        ("mysql:8", False),
        ("npx", False),
        ("my-mysql", False),
        (None, False),
    ],
)
def test_runs_mysql(command: Any, is_mysql: bool) -> None:
    assert runs_mysql(command) is is_mysql


async def test_a_record_holding_these_shapes_is_read_back_masked(client: Client) -> None:
    args = ["-uroot", "-phunter2pass", '--config={"db":{"pwd":"s3cr3t-pw"}}', AWS, "--pin", "987654"]
    added = await client.call_tool(
        "add_registry_server", server_payload("db", mcp_config=_args("mysql", *args) | {"description": "x"})
    )
    assert not added.is_error, text_of(added)
    read = await client.call_tool("get_registry_server", {"saved_name": "db"})
    assert read.structured_content is not None
    config = read.structured_content["server"]["mcp_config"]["config"]
    assert config["args"] == ["-uroot", f"-p{M}", f'--config={{"db":{{"pwd":"{M}"}}}}', M, "--pin", M]
    for secret in ("hunter2pass", "s3cr3t-pw", AWS, "987654"):
        assert secret not in text_of(read)


# --- mask variants ---------------------------------------------------------------------------------

VARIANTS = {
    "zero-width space": "<masked\u200b secret: unchanged when sent back>",
    "zero-width joiner": "<mas\u200dked secret: unchanged when sent back>",
    "variation selector": "<mas\ufe0fked secret: unchanged when sent back>",
    "combining grapheme joiner": "<masked\u034f secret: unchanged when sent back>",
    "url-encoded": quote(MASK),
    "url-encoded twice": quote(quote(MASK)),
    "url-encoded as many times as is undone": functools.reduce(lambda text, _: quote(text), range(URL_DECODINGS), MASK),
    "form-encoded": "%3Cmasked+secret%3A+unchanged+when+sent+back%3E",
    "base64": base64.b64encode(MASK.encode()).decode(),
    "base64 url-safe inside text": "x " + base64.urlsafe_b64encode(b"??" + MASK.encode()).decode() + " y",
    "base64 ending in a two-byte character": base64.b64encode((MASK + " 2×").encode()).decode(),
    "base64 after a hash that decodes to no text": "sha e3b0c44298fc1c14 " + base64.b64encode(MASK.encode()).decode(),
    "generic": "<masked>",
    "generic secret": "<masked secret>",
    "generic upper": "<MASKED VALUE>",
    "full-width": "＜ｍａｓｋｅｄ ｓｅｃｒｅｔ＞",
    "cut short": "masked secret: unchanged",
}


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=list(VARIANTS))
def test_holds_mask_sees_through_each_variant(variant: str) -> None:
    assert holds_mask(variant)
    assert find_mask({"env": {"K": variant}}) == "env.K"


def test_url_encoding_is_undone_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    # `%252525…25` loses one layer per pass: unbounded, a 100 kB text would be read 50,000 times.
    passes: list[str] = []
    monkeypatch.setattr(masking, "unquote_plus", lambda text: passes.append(text) or unquote_plus(text))
    assert not holds_mask("%" + "25" * 1000)
    assert len(passes) == URL_DECODINGS


@pytest.mark.parametrize(
    "text",
    ["a masked secret value", "hello world", "dGVzdA==", "%41%42", "%2541%2542", "<mask>", "unmasked", "<b>masked</b>"],
)
def test_holds_mask_passes_ordinary_text(text: str) -> None:
    assert not holds_mask(text)


def _config(value: str) -> dict[str, Any]:
    return {"config": {"command": "npx", "args": ["-y", "@example/x"], "env": {"API_TOKEN": value}}}


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=list(VARIANTS))
async def test_every_write_refuses_each_variant(client: Client, variant: str, tmp_path: Path) -> None:
    added = await client.call_tool("add_registry_server", server_payload("x", mcp_config=_config(variant)))
    bulk = await client.call_tool(
        "bulk_add_registry_servers", {"servers": [server_payload("y", mcp_config=_config(variant))]}
    )
    source = json.dumps({"mcpServers": {"z": _config(variant)["config"]}})
    imported = await client.call_tool("import_client_config", {"source": source, "confirm": True})
    assert not (await client.call_tool("add_registry_server", server_payload("m", mcp_config=_config("t-1")))).is_error
    modified = await client.call_tool(
        "modify_registry_server", {"saved_name": "m", "mcp_config": {"config": {"env": {"API_TOKEN": variant}}}}
    )
    for result in (added, bulk, modified):
        assert result.is_error, text_of(result)
        assert "holds the mask" in text_of(result) and "env.API_TOKEN" in text_of(result)
    assert imported.structured_content is not None and imported.structured_content["registered"] is False
    [batch] = imported.structured_content["batches"]
    assert batch["added"] == [] and "env.API_TOKEN: holds the mask" in batch["error"]
    listed = await client.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None and listed.structured_content["total"] == 1


@pytest.mark.parametrize("variant", [MASK, VARIANTS["base64"], VARIANTS["generic secret"]])
async def test_an_export_of_a_stored_mask_is_never_written_to_a_file(tmp_path: Path, variant: str) -> None:
    """A registry may hold a mask as a value (written by another client): writing it into a config would
    give the server the mask's text for its secret."""
    database = tmp_path / "r.db"
    store = RegistryStore(database)
    payload = {**server_payload("x", mcp_config=_config(variant)), "server_version": "v1", "is_active": True}
    store.add(Scope(project="default", registry_name="default"), [payload])
    store.close()
    target = tmp_path / "claude.json"
    arguments = {"format": "mcpServers", "path": str(target), "confirm": True}
    person = Person()
    async with Client(create_server(Settings(database=str(database))), elicitation_callback=person) as client:
        written = await client.call_tool("write_registry_export", arguments)
    assert written.is_error and not target.exists() and person.asked == []
    assert "mcpServers.x.env.API_TOKEN holds the mask" in text_of(written), text_of(written)

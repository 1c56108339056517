"""`registry-mcp --transport http`: who may call it (a shared token, each caller's own Enkrypt key, or
an identity provider's tokens), what it refuses to start without, and replicas serving one client."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from registry_mcp.registry.embedded import RegistryStore, create_app

from .conftest import (
    EVERY_TOOL,
    HTTP_TOKEN,
    Person,
    Served,
    ServedApp,
    free_port,
    http_environment,
    mcp_http_client,
    mcp_over_http,
    server_command,
    server_payload,
    serving,
    text_of,
)
from .servers.tiny_verifier import ISSUED_TOKEN

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ALICE_KEY = "enkrypt-key-of-alice-5b1f"
BOB_KEY = "enkrypt-key-of-bob-e03a"
MODES = ["auto", "legacy"]
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "curl", "version": "0"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
REPO = Path(__file__).parent.parent


def _refusal(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    argv = [server_command(), "--transport", "http", "--port", str(free_port()), *args]
    return subprocess.run(argv, env=http_environment(tmp_path, **env), capture_output=True, text=True, timeout=60)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- a shared token ------------------------------------------------------------------------------


@pytest.fixture
def token_server(tmp_path: Path) -> Iterator[Served]:
    with serving(tmp_path, REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN) as served:
        yield served


@pytest.mark.parametrize("mode", MODES)
async def test_the_tools_over_streamable_http(token_server: Served, mode: Any) -> None:
    async with mcp_http_client(token_server.url, headers=_bearer(HTTP_TOKEN), mode=mode) as client:
        names = sorted(tool.name for tool in (await client.list_tools()).tools)
        added = await client.call_tool("add_registry_server", server_payload("over-http"))
        read = await client.call_tool("get_registry_server", {"saved_name": "over-http"})
        refused = await client.call_tool("add_registry_server", {"saved_name": "bad name"})
    assert names == sorted(EVERY_TOOL)
    assert not added.is_error and read.structured_content is not None
    assert read.structured_content["server"]["saved_name"] == "over-http"
    assert refused.is_error and "saved_name" in text_of(refused)
    assert HTTP_TOKEN not in token_server.stderr


async def test_state_is_shared_between_http_sessions(token_server: Served) -> None:
    async with mcp_http_client(token_server.url, headers=_bearer(HTTP_TOKEN)) as first:
        await first.call_tool("add_registry_server", server_payload("shared"))
    async with mcp_http_client(token_server.url, headers=_bearer(HTTP_TOKEN)) as second:
        listed = await second.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None and listed.structured_content["total"] == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        _bearer("not-the-token"),
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": HTTP_TOKEN},
        {"apikey": HTTP_TOKEN},
    ],
    ids=["none", "wrong-token", "basic", "no-bearer-scheme", "apikey-header"],
)
async def test_a_request_without_the_token_gets_401_with_www_authenticate(
    token_server: Served, headers: dict[str, str]
) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        refused = await http.post(token_server.url, json=INITIALIZE, headers={**MCP_HEADERS, **headers})
        accepted = await http.post(token_server.url, json=INITIALIZE, headers={**MCP_HEADERS, **_bearer(HTTP_TOKEN)})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer ")
    assert "not-the-token" not in refused.text and HTTP_TOKEN not in refused.text
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        ((), {}, ["REGISTRY_MCP_HTTP_TOKEN", "--auth keys", "--auth oauth"]),
        (("--auth", "token"), {}, ["REGISTRY_MCP_HTTP_TOKEN"]),
        ((), {"REGISTRY_MCP_HTTP_TOKEN": "server-key-9d"}, ["at least 16 characters"]),
        (("--auth", "keys"), {"ENKRYPT_API_KEY": "server-key-9d"}, ["ENKRYPT_API_KEY", "each caller"]),
        (("--auth", "keys"), {"ENKRYPT_BASE_URL": "http://registry.example.com"}, ["must use https://"]),
        (("--auth", "none", "--host", "0.0.0.0"), {}, ["--auth none", "127.0.0.1"]),
        (("--auth", "none", "--allow-launch"), {}, ["--auth none", "--allow-launch", "never go together"]),
        (("--auth", "none"), {"REGISTRY_MCP_ALLOW_LAUNCH": "1"}, ["--auth none", "REGISTRY_MCP_ALLOW_LAUNCH"]),
        (("--auth", "oauth"), {}, ["--token-verifier"]),
        (
            (
                "--auth",
                "oauth",
                "--token-verifier",
                "tests.servers.tiny_verifier:missing",
                "--oauth-issuer",
                "https://a.b",
            ),
            {},
            ["'tests.servers.tiny_verifier:missing'", "cannot import"],
        ),
    ],
    ids=[
        "nothing",
        "token-unset",
        "token-short",
        "keys-server-key",
        "keys-plain-http",
        "none-off-loopback",
        "none-with-allow-launch",
        "none-with-allow-launch-variable",
        "oauth-none",
        "oauth-bad",
    ],
)
def test_http_without_a_way_to_authenticate_refuses_to_start(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], says: list[str]
) -> None:
    refused = _refusal(tmp_path, *args, **env)
    assert refused.returncode == 2, refused.stderr
    for words in says:
        assert words in refused.stderr
    assert "server-key-9d" not in refused.stderr


async def test_no_auth_serves_this_machine_only_and_says_so_loudly(tmp_path: Path) -> None:
    with serving(tmp_path, "--auth", "none") as served:
        async with mcp_http_client(served.url) as client:
            listed = await client.call_tool("list_registry_servers", {})
    assert not listed.is_error
    assert "WARNING" in served.stderr and "without authentication" in served.stderr


# --- each caller's own Enkrypt key -----------------------------------------------------------------


class KeyedCloudRegistry(ServedApp):
    """A cloud-style registry on loopback where each API key reaches its own registry (its own SQLite
    file), as each Enkrypt account sees only its own projects; any other key gets a 401."""

    def __init__(self, directory: Path, keys: list[str]) -> None:
        self.stores = [RegistryStore(directory / f"account-{index}.db") for index in range(len(keys))]
        self.apps = {key.encode(): create_app(store, api_key=key) for key, store in zip(keys, self.stores, strict=True)}
        self.requests: Counter[str] = Counter()

        async def route(scope: Any, receive: Any, send: Any) -> None:
            key = dict(scope.get("headers", [])).get(b"apikey", b"")
            self.requests[key.decode()] += 1
            first = next(iter(self.apps.values()))
            await self.apps.get(key, first)(scope, receive, send)

        super().__init__(route)

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        for store in self.stores:
            store.close()


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[KeyedCloudRegistry]:
    with KeyedCloudRegistry(tmp_path, [ALICE_KEY, BOB_KEY]) as registry:
        yield registry


@pytest.mark.parametrize("mode", MODES)
async def test_each_caller_acts_with_its_own_enkrypt_key(tmp_path: Path, cloud: KeyedCloudRegistry, mode: Any) -> None:
    with serving(tmp_path, "--auth", "keys", ENKRYPT_BASE_URL=cloud.url) as served:
        async with mcp_http_client(served.url, headers=_bearer(ALICE_KEY), mode=mode) as alice:
            added = await alice.call_tool("add_registry_server", server_payload("alices-server"))
            alice_sees = await alice.call_tool("list_registry_servers", {})
        async with mcp_http_client(served.url, headers={"apikey": BOB_KEY}, mode=mode) as bob:
            bob_sees = await bob.call_tool("list_registry_servers", {})
            bob_reads = await bob.call_tool("get_registry_server", {"saved_name": "alices-server"})
        async with httpx2.AsyncClient(timeout=30) as http:
            unknown = await http.post(served.url, json=INITIALIZE, headers={**MCP_HEADERS, **_bearer("made-up-key")})
            none = await http.post(served.url, json=INITIALIZE, headers=MCP_HEADERS)
            # A session is its opener's: Bob cannot ride Alice's.
            opened = await http.post(served.url, json=INITIALIZE, headers={**MCP_HEADERS, **_bearer(ALICE_KEY)})
            session = {"Mcp-Session-Id": opened.headers["Mcp-Session-Id"], "MCP-Protocol-Version": "2025-11-25"}
            listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
            ridden = await http.post(served.url, json=listing, headers={**MCP_HEADERS, **session, **_bearer(BOB_KEY)})
    assert not added.is_error, text_of(added)
    assert alice_sees.structured_content is not None and bob_sees.structured_content is not None
    assert [server["saved_name"] for server in alice_sees.structured_content["servers"]] == ["alices-server"]
    assert bob_sees.structured_content["total"] == 0
    assert bob_reads.is_error and "no such server (HTTP 404" in text_of(bob_reads)
    assert alice_sees.structured_content["registry"]["kind"] == "cloud"  # the registry field says where, once
    # A key the registry refuses is refused at the door, as is a request with none.
    assert unknown.status_code == 401 and unknown.headers["WWW-Authenticate"].startswith("Bearer ")
    assert none.status_code == 401 and cloud.requests["made-up-key"] >= 1
    assert opened.status_code == 200 and ridden.status_code == 404
    log = served.stderr
    assert "DEBUG" in log and ALICE_KEY not in log and BOB_KEY not in log and "made-up-key" not in log


async def test_callers_at_once_each_keep_their_own_key(tmp_path: Path, cloud: KeyedCloudRegistry) -> None:
    """Two callers' calls interleaved on one server: every registry request carries its own caller's key."""
    totals: dict[str, list[int]] = {ALICE_KEY: [], BOB_KEY: []}

    async def caller(key: str, url: str) -> None:
        async with mcp_http_client(url, headers=_bearer(key)) as client:
            for _ in range(15):
                listed = await client.call_tool("list_registry_servers", {})
                assert listed.structured_content is not None, text_of(listed)
                totals[key].append(listed.structured_content["total"])

    with serving(tmp_path, "--auth", "keys", ENKRYPT_BASE_URL=cloud.url) as served:
        async with mcp_http_client(served.url, headers=_bearer(ALICE_KEY)) as alice:
            assert not (await alice.call_tool("add_registry_server", server_payload("only-alices"))).is_error
        async with anyio.create_task_group() as group:
            for key in (ALICE_KEY, BOB_KEY, ALICE_KEY, BOB_KEY):
                group.start_soon(caller, key, served.url)
    assert totals == {ALICE_KEY: [1] * 30, BOB_KEY: [0] * 30}


async def test_a_callers_key_refused_later_is_the_callers_to_fix(tmp_path: Path, cloud: KeyedCloudRegistry) -> None:
    with serving(tmp_path, "--auth", "keys", ENKRYPT_BASE_URL=cloud.url) as served:
        async with mcp_http_client(served.url, headers=_bearer(ALICE_KEY)) as alice:
            assert not (await alice.call_tool("list_registry_servers", {})).is_error
            del cloud.apps[ALICE_KEY.encode()]  # the account's key revoked while the server remembers it
            refused = await alice.call_tool("list_registry_servers", {})
    assert refused.is_error
    assert text_of(refused).startswith(
        "Error executing tool list_registry_servers: Could not list servers: the API key was refused (HTTP 401)"
    )
    assert text_of(refused).endswith(
        ". Send an Enkrypt API key that is valid and has access to the project "
        "(Authorization: Bearer KEY, or an apikey header)."
    )
    assert "ENKRYPT_API_KEY" not in text_of(refused)


def echoing_keys(app: Any) -> Any:
    """`app` with every error answer, and every delete's message, replaced by one quoting the apikey the
    request carried, as a careless registry might."""

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        key = dict(scope["headers"]).get(b"apikey", b"").decode()
        started: dict[str, Any] = {}
        passed_on = False

        async def send_echoed(message: Any) -> None:
            nonlocal passed_on
            if message["type"] == "http.response.start":
                started.update(message)
            elif started["status"] < 400 and scope["method"] != "DELETE":
                if not passed_on:
                    await send(started)
                    passed_on = True
                await send(message)
            elif not message.get("more_body"):
                body = json.dumps({"message": f"Request made with apikey {key}", "detail": {"apikey": key}}).encode()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": started["status"], "headers": headers})
                await send({"type": "http.response.body", "body": body})

        await app(scope, receive, send_echoed)

    return echo


async def test_a_registry_echoing_a_callers_key_never_gets_it_into_an_answer_or_a_log(tmp_path: Path) -> None:
    """In keys mode the server holds no key of its own: the key to scrub is the one each request carried."""
    with (
        KeyedCloudRegistry(tmp_path, [ALICE_KEY]) as cloud,
        ServedApp(echoing_keys(cloud.server.config.app)) as echoing,
        serving(tmp_path, "--auth", "keys", ENKRYPT_BASE_URL=echoing.url) as served,
    ):
        async with mcp_http_client(served.url, headers=_bearer(ALICE_KEY)) as alice:
            assert not (await alice.call_tool("add_registry_server", server_payload("alices-server"))).is_error
            missing = await alice.call_tool("get_registry_server", {"saved_name": "no-such-server"})
            deleted = await alice.call_tool("delete_registry_server", {"saved_name": "alices-server", "confirm": True})
    assert missing.is_error and deleted.structured_content is not None, text_of(deleted)
    assert "Registry said: Request made with apikey <redacted>. Check the saved_name" in text_of(missing)
    assert ALICE_KEY not in text_of(missing)
    assert deleted.structured_content["deleted"] is True
    assert ALICE_KEY not in json.dumps(deleted.structured_content) and ALICE_KEY not in text_of(deleted)
    log = served.stderr
    assert "DEBUG" in log and ALICE_KEY not in log


async def test_uvicorns_lines_are_scrubbed_too_with_the_key_of_the_caller(
    tmp_path: Path, cloud: KeyedCloudRegistry
) -> None:
    """uvicorn's lines go to the same scrubbing stderr handler as registry-mcp's own, never to stdout,
    and in keys mode that handler also knows the key of the caller a line is logged for. Its access
    lines leave the query out, where a caller may put a key: even one refused, whose key no one knows."""
    with serving(tmp_path, "--auth", "keys", ENKRYPT_BASE_URL=cloud.url) as served:
        async with httpx2.AsyncClient() as http:
            answer = await http.post(
                f"{served.url}?apikey={ALICE_KEY}", json=INITIALIZE, headers={**MCP_HEADERS, **_bearer(ALICE_KEY)}
            )
            refused = await http.post(f"{served.url}?apikey={BOB_KEY}", json=INITIALIZE, headers=MCP_HEADERS)
            echoed = await http.post(
                served.url, json={**INITIALIZE, "id": ALICE_KEY}, headers={**MCP_HEADERS, **_bearer(ALICE_KEY)}
            )
    assert (answer.status_code, refused.status_code, echoed.status_code) == (200, 401, 200)
    log = served.stderr
    assert '"POST /mcp?… HTTP/1.1" 200' in log and '"POST /mcp?… HTTP/1.1" 401' in log, log
    assert log.count("INFO uvicorn.access: ") == 3
    assert ALICE_KEY not in log and BOB_KEY not in log


# --- an identity provider ------------------------------------------------------------------------


async def test_an_identity_provider_plugs_in_as_a_token_verifier(tmp_path: Path) -> None:
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    argv = [server_command(), "--transport", "http", "--port", str(port), "--auth", "oauth", "--log-level", "INFO"]
    argv += ["--token-verifier", "tests.servers.tiny_verifier:verifier", "--oauth-issuer", "https://idp.example.com"]
    argv += ["--resource-url", resource]
    with mcp_over_http(argv, port, http_environment(tmp_path), stderr=tmp_path / "log") as url:
        async with httpx2.AsyncClient(timeout=30) as http:
            refused = await http.post(url, json=INITIALIZE, headers={**MCP_HEADERS, **_bearer("forged")})
            metadata = await http.get(f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp")
        async with mcp_http_client(url, headers=_bearer(ISSUED_TOKEN)) as client:
            listed = await client.call_tool("list_registry_servers", {})
    assert refused.status_code == 401
    challenge = refused.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp"' in challenge
    assert metadata.status_code == 200
    assert json.loads(metadata.text)["authorization_servers"] == ["https://idp.example.com"]
    assert json.loads(metadata.text)["resource"] == resource
    assert not listed.is_error


# --- replicas --------------------------------------------------------------------------------------


class RoundRobin(httpx2.AsyncBaseTransport):
    """Sends each request to the next port in turn, as a load balancer in front of replicas might."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turn = 0
        self.inner = httpx2.AsyncHTTPTransport()
        self.served: list[tuple[int, str]] = []  # (port, JSON-RPC method) of each POST

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        request.url = request.url.copy_with(port=port)
        if request.method == "POST":
            self.served.append((port, json.loads(request.content).get("method", "(reply)")))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("mode", MODES)
async def test_stateless_replicas_serve_one_clients_requests_in_turn(
    tmp_path: Path, cloud: KeyedCloudRegistry, mode: Any
) -> None:
    args = ("--auth", "keys", "--stateless")
    with (
        serving(tmp_path, *args, ENKRYPT_BASE_URL=cloud.url) as first,
        serving(tmp_path, *args, ENKRYPT_BASE_URL=cloud.url) as second,
    ):
        ports = [httpx2.URL(first.url).port or 0, httpx2.URL(second.url).port or 0]
        balancer = RoundRobin(ports)
        async with mcp_http_client(first.url, headers=_bearer(ALICE_KEY), transport=balancer, mode=mode) as client:
            for index in range(3):
                added = await client.call_tool("add_registry_server", server_payload(f"replicated-{index}"))
                assert not added.is_error, text_of(added)
            listed = await client.call_tool("list_registry_servers", {})
            read = await client.call_tool("get_registry_server", {"saved_name": "replicated-0"})
    assert listed.structured_content is not None and listed.structured_content["total"] == 3
    assert not read.is_error
    calls = {port for port, method in balancer.served if method == "tools/call"}
    assert calls == set(ports)  # both replicas served tool calls of the one client
    if mode == "legacy":
        [(initialized_on, _)] = [entry for entry in balancer.served if entry[1] == "initialize"]
        assert initialized_on in ports


# --- this README's HTTP section, run as written ----------------------------------------------------


def _readme_http_section() -> str:
    readme = (REPO / "README.md").read_text()
    return readme.split("### Over HTTP", 1)[1].split("\n## ", 1)[0]


def _block(section: str, language: str) -> str:
    [block] = re.findall(rf"^```{language}\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    return block


def _on_port(text: str, url: str) -> str:
    return text.replace("http://127.0.0.1:8000/mcp", url)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
async def test_the_readme_http_lines_work(tmp_path: Path, cloud: KeyedCloudRegistry) -> None:
    section = _readme_http_section()
    lines = _block(section, "sh").splitlines()
    token_curl, key_curl, discover_curl = [line for line in lines if line.startswith("curl ")]
    [claude] = [line for line in lines if line.startswith("claude mcp add")]
    vscode = json.loads(_block(section, "jsonc"))["servers"]["enkrypt-registry"]

    def run(line: str, url: str, **env: str) -> str:
        shell = ["bash", "-c", _on_port(line, url)]
        return subprocess.run(shell, env=http_environment(tmp_path, **env), capture_output=True, text=True).stdout

    with serving(tmp_path, REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN) as served:
        assert '"serverInfo"' in run(token_curl, served.url, REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN)
        assert '"serverInfo"' not in run(token_curl, served.url, REGISTRY_MCP_HTTP_TOKEN="a-wrong-token-of-some-length")
        # The 2026-07-28 revision: no handshake, server/discover names the revisions and the server.
        discovered = run(discover_curl, served.url, REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN)
        assert '"supportedVersions"' in discovered and '"2026-07-28"' in discovered and "registry-mcp" in discovered
        # Claude Code's line: its URL and header, as the CLI would send them.
        words = shlex.split(_on_port(claude, served.url).replace("$REGISTRY_MCP_HTTP_TOKEN", HTTP_TOKEN))
        name, value = words[words.index("--header") + 1].split(": ", 1)
        assert words[3:7] == ["--transport", "http", "enkrypt-registry", served.url]
        async with mcp_http_client(words[6], headers={name: value}) as client:
            assert not (await client.call_tool("list_registry_servers", {})).is_error
        # VS Code's block, with the prompted input filled in.
        assert vscode["type"] == "http"
        prompted = "${input:registry-mcp-token}"
        headers = {key: text.replace(prompted, HTTP_TOKEN) for key, text in vscode["headers"].items()}
        async with mcp_http_client(_on_port(vscode["url"], served.url), headers=headers) as client:
            assert not (await client.call_tool("list_registry_servers", {})).is_error
    with serving(tmp_path, "--auth", "keys", ENKRYPT_BASE_URL=cloud.url) as served:
        assert '"serverInfo"' in run(key_curl, served.url, ENKRYPT_API_KEY=ALICE_KEY)


@pytest.mark.parametrize(("mode", "asked"), [("auto", True), ("legacy", False)])
async def test_stateless_asks_where_the_protocol_allows_and_never_acts_unasked(
    tmp_path: Path, mode: Any, asked: bool
) -> None:
    """Without sessions a question goes back to the client as a round of the call itself (2026-07-28);
    the handshake-era protocol cannot carry it, and then nothing is deleted without `confirm: true`."""
    person = Person()
    with serving(tmp_path, "--stateless", REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN) as served:
        connecting = mcp_http_client(served.url, headers=_bearer(HTTP_TOKEN), mode=mode, elicitation_callback=person)
        async with connecting as client:
            await client.call_tool("add_registry_server", server_payload("to-delete"))
            deleting = await client.call_tool("delete_registry_server", {"saved_name": "to-delete"})
    assert deleting.structured_content is not None and deleting.structured_content["deleted"] is asked
    assert len(person.asked) == (1 if asked else 0)
    if not asked:
        assert "call again with confirm: true" in text_of(deleting)

"""The generic MCP Registry API (v0.1) served beside /mcp, checked against its consumers' contracts: every
record against the official server.json schema, every answer against the official OpenAPI document (copies
in tests/data), the CORS preflight and headers IDEs need, credentials as for /mcp (or none where asked), no
secret value in any answer, and registry-mcp's own use_public_registry reading back what it serves."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import jsonschema
import pytest
import yaml
from mcp import Client
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from registry_mcp import RegistryClient
from registry_mcp.mcp.registry_api import CATALOG_SECONDS, RegistryApi, with_cors
from registry_mcp.mcp.server import create_server
from registry_mcp.public_registry.mapping import META_KEY
from registry_mcp.settings import Settings

from .conftest import DATA, HTTP_TOKEN, mcp_http_client, server_command, serving

pytestmark = pytest.mark.anyio

OPENAPI = yaml.safe_load((DATA / "registry-openapi.yaml").read_text())
SERVER_SCHEMA = json.loads((DATA / "server.schema.json").read_text())
NAMESPACE = "com.example.tools"
SECRETS = ("ghp_" + "S" * 36, "sekrit-header-value-77", "db-password-q1w2e3", "query-key-0a9b8c7d")

# One entry of each kind the catalog serves, and two it leaves out.
ENTRIES: list[dict[str, Any]] = [
    {
        "saved_name": "files",
        "description": "Reads and writes files under one folder.",
        "source_url": "https://github.com/modelcontextprotocol/servers",
        "source_version": "1.0.2",
        "mcp_config": {
            "config": {
                "command": "npx",
                "args": ["-y", "@modelcontextprotocol/server-filesystem@1.0.2", "/srv/data"],
                "env": {"LOG_LEVEL": "info"},
            },
            "denied_tools": ["write_*", {"name": "delete_file", "reason": "read-only here"}],
        },
    },
    {
        "saved_name": "github",
        "mcp_config": {
            "config": {
                "command": "docker",
                "args": ["run", "-i", "--rm", "-e", "GITHUB_TOKEN", "ghcr.io/github/github-mcp-server:0.20.1"],
                "env": {"GITHUB_TOKEN": SECRETS[0]},
            }
        },
    },
    {
        "saved_name": "weather",
        "server_version": "v1",
        "mcp_config": {"config": {"command": "uvx", "args": ["weather-mcp-server==0.4.0"]}},
    },
    {
        "saved_name": "weather",
        "server_version": "v2",
        "mcp_config": {
            "config": {
                "command": "uvx",
                "args": ["weather-mcp-server==0.5.0", "--units", "metric", "--db-password", SECRETS[2]],
            }
        },
    },
    {
        "saved_name": "search",
        "mcp_config": {
            "config": {
                "url": f"https://search.example.com/mcp?api_key={SECRETS[3]}",
                "transport": "streamable_http",
                "headers": {"Authorization": f"Bearer {SECRETS[1]}", "X-Region": "eu"},
            }
        },
    },
    {"saved_name": "script", "mcp_config": {"config": {"command": "node", "args": ["/opt/tools/server.js"]}}},
    {"saved_name": "nightly", "mcp_config": {"config": {"command": "npx", "args": ["-y", "some-server@latest"]}}},
    {"saved_name": "retired", "is_active": False, "mcp_config": {"config": {"command": "npx", "args": ["old@1.0.0"]}}},
]
SERVED = {
    f"{NAMESPACE}/files",
    f"{NAMESPACE}/github",
    f"{NAMESPACE}/weather",
    f"{NAMESPACE}/search",
}


SCHEMAS: Registry[Any] = Registry().with_resource(
    "urn:openapi", Resource.from_contents(OPENAPI, default_specification=DRAFT202012)
)


def check_answer(path: str, status: int, body: Any) -> None:
    """`body` as the OpenAPI document says `GET path` answers with `status`."""
    operation = OPENAPI["paths"][path]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator(
        {"$ref": "urn:openapi#" + _pointer(schema)} if "$ref" in schema else schema,
        registry=SCHEMAS,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body)]
    assert errors == [], errors
    for record in _records(body):
        check_record(record)


def _pointer(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).removeprefix("#")


def _records(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("servers"), list):
        return [item["server"] for item in body["servers"]]
    return [body["server"]] if isinstance(body, dict) and "server" in body else []


def check_record(record: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        SERVER_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(record)]
    assert errors == [], errors


async def _fill(database: Path) -> None:
    async with RegistryClient.embedded(database) as registry:
        for entry in ENTRIES:
            await registry.add_server(entry)


@pytest.fixture
async def api(tmp_path: Path) -> httpx2.AsyncClient:
    database = tmp_path / "catalog.db"
    await _fill(database)
    app = with_cors(RegistryApi(Settings(database=str(database), catalog_namespace=NAMESPACE)))
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://registry.test")


async def _get(api: httpx2.AsyncClient, url: str, params: dict[str, Any] | None = None) -> Any:
    response = await api.get(url, params=params)
    assert response.headers["access-control-allow-origin"] == "*"
    return response.status_code, response.json()


def _encoded(name: str) -> str:
    return quote(name, safe="")


async def test_every_answer_matches_the_openapi_document_and_every_record_the_schema(api: httpx2.AsyncClient) -> None:
    status, listed = await _get(api, "/v0.1/servers")
    check_answer("/v0.1/servers", status, listed)
    assert {item["server"]["name"] for item in listed["servers"]} == SERVED
    for item in listed["servers"]:
        name, version = item["server"]["name"], item["server"]["version"]
        for wanted in (version, "latest"):
            status, one = await _get(api, f"/v0.1/servers/{_encoded(name)}/versions/{_encoded(wanted)}")
            check_answer("/v0.1/servers/{serverName}/versions/{version}", status, one)
            assert one["server"]["name"] == name
        status, every = await _get(api, f"/v0.1/servers/{_encoded(name)}/versions")
        check_answer("/v0.1/servers/{serverName}/versions", status, every)
    script = _encoded(f"{NAMESPACE}/script")
    missing = {
        "/v0.1/servers/{serverName}/versions/{version}": f"/v0.1/servers/{script}/versions/latest",
        "/v0.1/servers/{serverName}/versions": "/v0.1/servers/x%2Fy/versions",
    }
    for template, url in missing.items():
        status, body = await _get(api, url)
        assert status == 404
        check_answer(template, status, body)


async def test_records_say_what_each_entry_runs(api: httpx2.AsyncClient) -> None:
    _, listed = await _get(api, "/v0.1/servers", {"version": "latest"})
    records = {item["server"]["name"].split("/")[1]: item["server"] for item in listed["servers"]}
    (npm,) = records["files"]["packages"]
    assert (npm["registryType"], npm["identifier"], npm["version"]) == (
        "npm",
        "@modelcontextprotocol/server-filesystem",
        "1.0.2",
    )
    assert npm["packageArguments"] == [{"type": "positional", "value": "/srv/data"}]
    assert npm["environmentVariables"] == [{"name": "LOG_LEVEL", "isRequired": True, "isSecret": False}]
    assert records["files"]["version"] == "1.0.2" and records["files"]["repository"]["source"] == "github"
    ours = records["files"]["_meta"][META_KEY]
    assert ours["saved_name"] == "files" and ours["denied_tools"][0] == "write_*"
    (oci,) = records["github"]["packages"]
    assert oci["identifier"] == "ghcr.io/github/github-mcp-server:0.20.1" and "runtimeArguments" not in oci
    assert oci["environmentVariables"] == [{"name": "GITHUB_TOKEN", "isRequired": True, "isSecret": True}]
    (pypi,) = records["weather"]["packages"]
    assert pypi["version"] == "0.5.0"  # v2, the newest, is the latest
    flags = {argument["name"]: argument for argument in pypi["packageArguments"]}
    assert flags["--units"]["value"] == "metric"
    assert flags["--db-password"]["value"] == "{db_password}"
    assert flags["--db-password"]["variables"]["db_password"]["isSecret"] is True
    (remote,) = records["search"]["remotes"]
    assert remote["url"] == "https://search.example.com/mcp?api_key={url_secret}"
    assert {header["name"]: header["isSecret"] for header in remote["headers"]} == {
        "Authorization": True,
        "X-Region": False,
    }


async def test_no_secret_value_ever_appears(api: httpx2.AsyncClient) -> None:
    answers = [await api.get("/v0.1/servers")]
    for name in SERVED:
        answers.append(await api.get(f"/v0.1/servers/{_encoded(name)}/versions"))
    for answer in answers:
        assert answer.status_code == 200
        assert not [secret for secret in SECRETS if secret in answer.text]
    assert "info" not in json.dumps(answers[0].json())  # nor a plain value (LOG_LEVEL's)


async def test_pages_follow_the_cursor_and_filters_apply(api: httpx2.AsyncClient) -> None:
    seen: list[tuple[str, str]] = []
    params: dict[str, Any] = {"limit": 2}
    for _ in range(10):
        status, page = await _get(api, "/v0.1/servers", params)
        check_answer("/v0.1/servers", status, page)
        assert page["metadata"]["count"] == len(page["servers"]) <= 2
        seen += [(item["server"]["name"], item["server"]["version"]) for item in page["servers"]]
        if "nextCursor" not in page["metadata"]:
            break
        params = {"limit": 2, "cursor": page["metadata"]["nextCursor"]}
    assert len(seen) == len(set(seen)) == 5  # weather twice: v1 and v2
    _, latest = await _get(api, "/v0.1/servers", {"version": "latest"})
    assert len(latest["servers"]) == 4 and all(item["_meta"][_OFFICIAL]["isLatest"] for item in latest["servers"])
    _, exact = await _get(api, "/v0.1/servers", {"version": "v2"})  # no source_version: the server_version
    assert [item["server"]["name"] for item in exact["servers"]] == [f"{NAMESPACE}/weather"]
    _, found = await _get(api, "/v0.1/servers", {"search": "WEATH"})
    assert {item["server"]["name"] for item in found["servers"]} == {f"{NAMESPACE}/weather"}
    _, future = await _get(api, "/v0.1/servers", {"updated_since": "2999-01-01T00:00:00Z"})
    assert future["servers"] == []
    _, past = await _get(api, "/v0.1/servers", {"updated_since": "2000-01-01T00:00:00Z"})
    assert len(past["servers"]) == 5


_OFFICIAL = "io.modelcontextprotocol.registry/official"


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"limit": "0"}, "limit must be"),
        ({"limit": "many"}, "limit must be"),
        ({"cursor": "not-a-cursor"}, "cursor is not one"),
        ({"updated_since": "yesterday"}, "updated_since must be"),
    ],
)
async def test_a_wrong_parameter_is_named(api: httpx2.AsyncClient, params: dict[str, str], says: str) -> None:
    status, body = await _get(api, "/v0.1/servers", params)
    assert status == 400 and says in body["error"]


async def test_it_is_read_only_and_answers_the_preflight(api: httpx2.AsyncClient) -> None:
    refused = await api.post("/v0.1/servers", json={})
    assert refused.status_code == 405 and refused.headers["access-control-allow-origin"] == "*"
    preflight = await api.options(
        "/v0.1/servers/x/versions/latest",
        headers={"Origin": "https://github.com", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "GET, OPTIONS"
    assert preflight.headers["access-control-allow-headers"] == "Authorization, Content-Type"


async def test_the_catalog_resource_lists_what_is_left_out_and_why(tmp_path: Path) -> None:
    database = tmp_path / "catalog.db"
    await _fill(database)
    settings = Settings(database=str(database), catalog_namespace=NAMESPACE)
    async with Client(create_server(settings)) as client:
        (content,) = (await client.read_resource("registry://catalog")).contents
    summary = json.loads(content.text)  # type: ignore[union-attr]
    assert {line.split(" ")[0] for line in summary["served"]} == SERVED
    left_out = "\n".join(summary["left_out"])
    assert "script v1: its command 'node' is not a package runner" in left_out
    assert "nightly v1: it runs 'some-server@latest', a tag or a range of some-server" in left_out
    assert "retired" not in left_out  # inactive: neither served nor reported


def test_the_schema_copy_is_the_openapi_documents_server_detail() -> None:
    """tests/data/server.schema.json is generated from the OpenAPI document: the same definitions, but for
    the one limit its later revision adds."""

    def local(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: local(item).replace("#/components/schemas/", "#/definitions/") if key == "$ref" else local(item)
                for key, item in value.items()
            }
        return [local(item) for item in value] if isinstance(value, list) else value

    components = local(OPENAPI["components"]["schemas"])
    # The one change of the later revision the schema copy was generated from.
    components["Package"]["properties"]["version"]["maxLength"] = 255
    for name, definition in SERVER_SCHEMA["definitions"].items():
        assert components[name] == definition, name


# --- over HTTP, as IDEs reach it ---------------------------------------------------------------


def _base(url: str) -> str:
    return url.removesuffix("/mcp")


def test_the_catalog_asks_for_the_credentials_mcp_asks_for_and_answers_the_preflight(tmp_path: Path) -> None:
    with serving(tmp_path, REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN) as served:
        base = _base(served.url)
        bare = httpx2.get(f"{base}/v0.1/servers")
        assert bare.status_code == 401 and bare.headers["access-control-allow-origin"] == "*"
        allowed = httpx2.get(f"{base}/v0.1/servers", headers={"Authorization": f"Bearer {HTTP_TOKEN}"})
        assert (
            allowed.status_code == 200
            and allowed.headers["access-control-allow-headers"] == "Authorization, Content-Type"
        )
        preflight = httpx2.options(f"{base}/v0.1/servers", headers={"Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 204 and preflight.headers["access-control-allow-methods"] == "GET, OPTIONS"
        assert "access-control-allow-origin" not in httpx2.get(served.url).headers  # /mcp is not the catalog


def test_a_public_catalog_needs_no_credentials_while_mcp_still_does(tmp_path: Path) -> None:
    with serving(tmp_path, "--public-catalog", REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN) as served:
        assert httpx2.get(f"{_base(served.url)}/v0.1/servers").status_code == 200
        assert httpx2.post(served.url, json={}).status_code == 401


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--catalog-namespace", "not reverse dns"], "--catalog-namespace: the catalog namespace"),
        (["--transport", "http", "--auth", "keys", "--public-catalog"], "--public-catalog serves the server's own"),
        (["--public-catalog"], "--public-catalog applies to --transport http only"),
    ],
)
def test_catalog_options_are_checked_at_start(tmp_path: Path, argv: list[str], says: str) -> None:
    finished = subprocess.run(
        [server_command(), *argv],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "REGISTRY_MCP_DB": str(tmp_path / "r.db")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 2 and says in finished.stderr, finished.stderr


async def test_use_public_registry_reads_back_what_the_catalog_serves(tmp_path: Path) -> None:
    """registry-mcp's own use_public_registry, pointed at another registry-mcp's /v0.1: what it would
    register is what the first registry holds, but for the values that never travel."""
    with serving(
        tmp_path, "--public-catalog", "--catalog-namespace", NAMESPACE, REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN
    ) as served:
        async with mcp_http_client(served.url, headers={"Authorization": f"Bearer {HTTP_TOKEN}"}) as first:
            for entry in ENTRIES:
                assert not (await first.call_tool("add_registry_server", entry)).is_error
        reader = create_server(Settings(public_registry_url=_base(served.url)))
        async with Client(reader) as second:
            found = await second.call_tool("use_public_registry", {"search": ["files", "weather", "search"]})
            names = {server["name"] for server in found.structured_content["found"]}  # type: ignore[index]
            assert names == {f"{NAMESPACE}/files", f"{NAMESPACE}/weather", f"{NAMESPACE}/search"}
            chosen = [{"name": name} for name in sorted(SERVED)]
            read = await second.call_tool("use_public_registry", {"servers": chosen})
    assert not read.is_error, read
    result = read.structured_content
    assert result is not None and not result.get("problems"), result
    entries = {entry["entry"]["saved_name"]: entry for entry in result["entries"]}
    files = entries["files"]["entry"]["mcp_config"]["config"]
    assert files["command"] == "npx"
    assert files["args"] == ["-y", "@modelcontextprotocol/server-filesystem@1.0.2", "/srv/data"]
    assert list(files["env"]) == ["LOG_LEVEL"]  # its value stays in the first registry: the person supplies it
    assert [wanted["name"] for wanted in entries["files"]["to_supply"]] == ["LOG_LEVEL"]
    assert entries["files"]["entry"]["source_version"] == "1.0.2"
    # The registry's own facts travel in the record's _meta, and come back.
    assert entries["files"]["entry"]["mcp_config"]["denied_tools"] == ENTRIES[0]["mcp_config"]["denied_tools"]
    github = entries["github"]["entry"]["mcp_config"]["config"]
    assert github["args"] == ["run", "-i", "--rm", "-e", "GITHUB_TOKEN", "ghcr.io/github/github-mcp-server:0.20.1"]
    weather = entries["weather"]
    assert weather["versions"] == ["v2", "v1"]
    assert weather["entry"]["mcp_config"]["config"]["args"] == [
        "weather-mcp-server==0.5.0",
        "--units",
        "metric",
        "--db-password",
        "<to be supplied: db_password>",
    ]
    search = entries["search"]["entry"]["mcp_config"]["config"]
    assert search["url"] == "https://search.example.com/mcp?api_key=<to be supplied: url_secret>"
    assert sorted(search["headers"]) == ["Authorization", "X-Region"]
    assert {wanted["name"] for wanted in entries["search"]["to_supply"]} == {"url_secret", "Authorization", "X-Region"}


async def test_with_each_callers_key_each_sees_its_own_catalog(tmp_path: Path) -> None:
    from .test_http import ALICE_KEY, BOB_KEY, KeyedCloudRegistry

    with (
        KeyedCloudRegistry(tmp_path, [ALICE_KEY, BOB_KEY]) as cloud,
        serving(tmp_path, "--auth", "keys", ENKRYPT_BASE_URL=cloud.url) as served,
    ):
        async with mcp_http_client(served.url, headers={"Authorization": f"Bearer {ALICE_KEY}"}) as alice:
            assert not (await alice.call_tool("add_registry_server", ENTRIES[0])).is_error
        catalog = f"{_base(served.url)}/v0.1/servers"
        alices = httpx2.get(catalog, headers={"Authorization": f"Bearer {ALICE_KEY}"})
        bobs = httpx2.get(catalog, headers={"apikey": BOB_KEY})
        unknown = httpx2.get(catalog, headers={"Authorization": "Bearer made-up-key"})
    assert [item["server"]["name"] for item in alices.json()["servers"]] == ["local.registry-mcp/files"]
    assert bobs.status_code == 200 and bobs.json()["servers"] == []
    assert unknown.status_code == 401 and unknown.headers["access-control-allow-origin"] == "*"
    assert ALICE_KEY not in served.stderr and BOB_KEY not in served.stderr


def test_with_an_identity_provider_the_catalog_needs_its_tokens(tmp_path: Path) -> None:
    from .servers.tiny_verifier import ISSUED_TOKEN

    args = ["--auth", "oauth", "--token-verifier", "tests.servers.tiny_verifier:verifier"]
    with serving(tmp_path, *args, "--oauth-issuer", "https://idp.example.com") as served:
        catalog = f"{_base(served.url)}/v0.1/servers"
        forged = httpx2.get(catalog, headers={"Authorization": "Bearer forged"})
        issued = httpx2.get(catalog, headers={"Authorization": f"Bearer {ISSUED_TOKEN}"})
    assert forged.status_code == 401 and issued.status_code == 200


async def test_a_change_in_the_registry_reaches_the_catalog_once_it_is_read_again(tmp_path: Path) -> None:
    database = tmp_path / "catalog.db"
    await _fill(database)
    now = [0.0]
    app = RegistryApi(Settings(database=str(database), catalog_namespace=NAMESPACE), clock=lambda: now[0])
    api = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://registry.test")

    async def names() -> set[str]:
        return {item["server"]["name"] for item in (await api.get("/v0.1/servers")).json()["servers"]}

    assert f"{NAMESPACE}/files" in await names()
    async with RegistryClient.embedded(database) as registry:
        await registry.modify_server("files", changes={"is_active": False})
    now[0] = CATALOG_SECONDS - 1
    assert f"{NAMESPACE}/files" in await names()  # within CATALOG_SECONDS: the catalog already read
    now[0] = CATALOG_SECONDS + 1
    assert f"{NAMESPACE}/files" not in await names()  # read again: deactivated, no longer served

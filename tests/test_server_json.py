"""The server.json that publishes registry-mcp to the official MCP Registry: valid against the
registry's schema (a copy in tests/data, as the tests run without a network) and in step with the
package, the README's ownership line and the settings it documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from registry_mcp import __version__
from registry_mcp import settings as settings_module

from .conftest import DATA

ROOT = Path(__file__).parent.parent
SERVER_JSON = json.loads((ROOT / "server.json").read_text())
SCHEMA = json.loads((DATA / "server.schema.json").read_text())


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_server_json_is_valid_against_the_published_schema() -> None:
    assert list(_validator().iter_errors(SERVER_JSON)) == []


def test_the_schema_copy_refuses_what_the_registry_refuses() -> None:
    # The registry's own invalid examples (docs/reference/server-json/examples/invalid): a name
    # without a namespace, a description over 100 characters, a package version 'latest'.
    bad_name = {**SERVER_JSON, "name": "registry-mcp"}
    long_description = {**SERVER_JSON, "description": "x" * 101}
    latest = json.loads(json.dumps(SERVER_JSON))
    latest["packages"][0]["version"] = "latest"
    for document in (bad_name, long_description, latest):
        assert list(_validator().iter_errors(document)), document


def test_every_published_record_in_the_fixtures_is_valid_too() -> None:
    for path in sorted((DATA / "public_registry").glob("*.json")):
        assert list(_validator().iter_errors(json.loads(path.read_text()))) == [], path.name


def test_it_describes_this_package() -> None:
    pypi, oci = SERVER_JSON["packages"]
    assert (pypi["registryType"], pypi["identifier"], pypi["transport"]) == ("pypi", "registry-mcp", {"type": "stdio"})
    assert SERVER_JSON["version"] == pypi["version"] == __version__
    assert SERVER_JSON["$schema"] == "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    # An OCI package carries its tag in the identifier (the registry refuses registryBaseUrl on one).
    assert (oci["registryType"], oci["identifier"], oci["transport"]) == (
        "oci",
        f"ghcr.io/enkryptai/registry-mcp:{__version__}",
        {"type": "stdio"},
    )
    assert "registryBaseUrl" not in oci and "version" not in oci


def test_the_image_carries_the_labels_the_registry_and_users_read() -> None:
    """The MCP Registry lists an OCI package only if the image's io.modelcontextprotocol.server.name
    label is the server's name; the OCI labels say where it comes from, which version, which licence."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    runtime = text[text.rindex("\nFROM ") :]
    labels = dict(re.findall(r'([\w.]+)="([^"]*)"', "".join(re.findall(r"^LABEL (.*)$", runtime, re.MULTILINE))))
    assert labels["io.modelcontextprotocol.server.name"] == SERVER_JSON["name"]
    assert labels["org.opencontainers.image.source"] == SERVER_JSON["repository"]["url"]
    assert labels["org.opencontainers.image.version"] == __version__
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'license = {{ text = "{labels["org.opencontainers.image.licenses"]}" }}' in pyproject


def test_the_api_key_is_secret_and_every_variable_is_one_the_server_reads() -> None:
    read = {value for name, value in vars(settings_module).items() if name.endswith("_VARIABLE")}
    read |= set(settings_module.API_KEY_VARIABLES)
    for package in SERVER_JSON["packages"]:
        variables = {variable["name"]: variable for variable in package["environmentVariables"]}
        assert [name for name, variable in variables.items() if variable.get("isSecret")] == ["ENKRYPT_API_KEY"]
        assert set(variables) <= read


def test_the_readme_carries_the_ownership_line_the_registry_checks_for_pypi() -> None:
    readme = (ROOT / "README.md").read_text()
    assert re.findall(r"<!-- mcp-name: (\S+) -->", readme) == [SERVER_JSON["name"]]

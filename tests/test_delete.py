"""Deleting asks first: the gateways that use the server are looked up and shown, the person confirms
through elicitation where the client can ask, and otherwise an explicit `confirm` is required.
Anything short of a yes deletes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.registry.embedded import RegistryStore
from registry_mcp.settings import Settings

from .conftest import Person, server_payload

pytestmark = pytest.mark.anyio

MODES = ["auto", "legacy"]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A registry file holding 'shared' (used by two gateways) and 'unused'."""
    path = tmp_path / "registry.db"
    store = RegistryStore(path)
    store.add_gateway("default", "team-gateway", [("default", "shared", "v1")])
    store.add_gateway("default", "ci-gateway", [("default", "shared", "v1")], version="v3")
    store.close()
    return path


async def _connect(database: Path, mode: str, person: Person | None = None) -> AsyncIterator[Client]:
    server = create_server(Settings(database=str(database)))
    async with Client(server, mode=mode, elicitation_callback=person) as client:  # type: ignore[call-overload]
        for name in ("shared", "unused"):
            await client.call_tool("add_registry_server", server_payload(name))
        yield client


async def _delete(client: Client, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool("delete_registry_server", arguments)
    assert not result.is_error, result
    assert result.structured_content is not None
    return result.structured_content


async def _exists(client: Client, saved_name: str) -> bool:
    return not (await client.call_tool("get_registry_server", {"saved_name": saved_name})).is_error


def _gateway_names(result: dict[str, Any]) -> list[str]:
    return [gateway["gateway_saved_name"] for gateway in result["gateways"]]


@pytest.mark.parametrize("mode", MODES)
async def test_without_elicitation_nothing_is_deleted_until_confirmed(database: Path, mode: str) -> None:
    async for client in _connect(database, mode):
        refused = await _delete(client, saved_name="shared")
        assert refused["deleted"] is False
        assert _gateway_names(refused) == ["team-gateway", "ci-gateway"]
        assert refused["message"].startswith("Nothing was deleted: this client cannot ask the person")
        assert "confirm: true" in refused["message"] and "team-gateway v1, ci-gateway v3" in refused["message"]
        assert await _exists(client, "shared")

        deleted = await _delete(client, saved_name="shared", confirm=True)
        assert deleted["deleted"] is True
        assert _gateway_names(deleted) == ["team-gateway", "ci-gateway"]
        assert "2 gateways used it and have lost it: team-gateway v1, ci-gateway v3." in deleted["message"]
        assert not await _exists(client, "shared")
        assert await _exists(client, "unused")


@pytest.mark.parametrize("mode", MODES)
async def test_the_person_is_asked_with_the_gateways_shown(database: Path, mode: str) -> None:
    person = Person()
    async for client in _connect(database, mode, person):
        deleted = await _delete(client, saved_name="shared")
        assert deleted["deleted"] is True
        assert not await _exists(client, "shared")
    [question] = person.asked
    assert question.message.startswith("Delete 'shared' version 'v1' from the embedded registry")
    assert "2 gateways use it and would lose it: team-gateway v1, ci-gateway v3." in question.message
    assert question.requested_schema["properties"]["confirm"]["type"] == "boolean"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"action": "decline"}, "the person declined."),
        ({"action": "cancel"}, "the person cancelled the confirmation."),
        ({"action": "accept", "confirm": False}, "the person declined."),
    ],
    ids=["declined", "cancelled", "unchecked"],
)
async def test_anything_but_yes_deletes_nothing(database: Path, mode: str, answer: dict[str, Any], reason: str) -> None:
    person = Person(**answer)
    async for client in _connect(database, mode, person):
        # confirm: true from the model does not stand in for the person where the person can be asked.
        refused = await _delete(client, saved_name="shared", confirm=True)
        assert refused["deleted"] is False
        assert refused["message"].startswith(f"Nothing was deleted: {reason}")
        assert _gateway_names(refused) == ["team-gateway", "ci-gateway"]
        assert await _exists(client, "shared")
    assert len(person.asked) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_server_no_gateway_uses_says_so(database: Path, mode: str) -> None:
    person = Person()
    async for client in _connect(database, mode, person):
        deleted = await _delete(client, saved_name="unused")
    assert deleted["gateways"] == [] and deleted["deleted"] is True
    assert person.asked[0].message.endswith("No gateway uses it.")


@pytest.mark.parametrize("mode", MODES)
async def test_a_missing_server_is_an_error_and_nobody_is_asked(database: Path, mode: str) -> None:
    person = Person()
    async for client in _connect(database, mode, person):
        result = await client.call_tool("delete_registry_server", {"saved_name": "missing"})
        invalid = await client.call_tool("delete_registry_server", {"saved_name": "bad name!"})
    said = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "HTTP 404" in said
    assert "Could not delete server 'missing' version 'v1'" in said and "does not exist" in said
    assert "gateway" not in said.lower()
    assert invalid.is_error and "saved_name" in invalid.content[0].text  # type: ignore[union-attr]
    assert person.asked == []

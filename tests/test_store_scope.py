"""The embedded registry keeps each project to itself and forgets deleted servers in every read and
write: two clients on one SQLite file, in projects `alpha` and `beta`, and soft-deleted rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from registry_mcp import RegistryClient, ServerNotFound

from .conftest import server_payload

pytestmark = pytest.mark.anyio


@pytest.fixture
async def alpha_and_beta(tmp_path: Path) -> AsyncIterator[tuple[RegistryClient, RegistryClient]]:
    database = tmp_path / "shared.db"
    async with (
        RegistryClient.embedded(database, project="alpha") as alpha,
        RegistryClient.embedded(database, project="beta") as beta,
    ):
        yield alpha, beta


async def test_one_name_lives_independently_in_two_projects(
    alpha_and_beta: tuple[RegistryClient, RegistryClient],
) -> None:
    alpha, beta = alpha_and_beta
    await alpha.add_server(server_payload("shared", description="alpha's"))
    await beta.add_server(server_payload("shared", description="beta's"))
    assert (await alpha.get_server("shared")).description == "alpha's"
    assert (await beta.get_server("shared")).description == "beta's"
    assert (await alpha.get_server("shared")).project_name == "alpha"


async def test_another_projects_server_cannot_be_read_changed_or_deleted(
    alpha_and_beta: tuple[RegistryClient, RegistryClient],
) -> None:
    alpha, beta = alpha_and_beta
    await alpha.add_server(server_payload("private", description="kept"))
    with pytest.raises(ServerNotFound):
        await beta.get_server("private")
    with pytest.raises(ServerNotFound):
        await beta.modify_server("private", changes={"description": "taken over"})
    with pytest.raises(ServerNotFound):
        await beta.delete_server("private")
    with pytest.raises(ServerNotFound):
        await beta.list_gateways("private")
    assert (await beta.list_servers()).pagination.total == 0
    kept = await alpha.get_server("private")
    assert (kept.description, kept.is_active) == ("kept", True)


async def test_lists_and_bulk_adds_stay_in_their_project(
    alpha_and_beta: tuple[RegistryClient, RegistryClient],
) -> None:
    alpha, beta = alpha_and_beta
    await alpha.bulk_add_servers([server_payload("a1"), server_payload("a2")])
    await beta.bulk_add_servers([server_payload("b1")])
    alpha_page, beta_page = await alpha.list_servers(), await beta.list_servers()
    assert sorted(s.saved_name for s in alpha_page.data) == ["a1", "a2"] and alpha_page.pagination.total == 2
    assert [s.saved_name for s in beta_page.data] == ["b1"] and beta_page.pagination.total == 1


async def test_a_deleted_server_is_gone_from_every_read_and_write(
    alpha_and_beta: tuple[RegistryClient, RegistryClient],
) -> None:
    alpha, _ = alpha_and_beta
    await alpha.add_server(server_payload("gone"))
    await alpha.add_server(server_payload("stays"))
    await alpha.delete_server("gone")
    with pytest.raises(ServerNotFound):
        await alpha.get_server("gone")
    with pytest.raises(ServerNotFound):
        await alpha.modify_server("gone", changes={"description": "revived"})
    with pytest.raises(ServerNotFound):
        await alpha.delete_server("gone")
    with pytest.raises(ServerNotFound):
        await alpha.list_gateways("gone")
    for is_active in (None, True, False):
        page = await alpha.list_servers(is_active=is_active)
        assert "gone" not in [s.saved_name for s in page.data]
    everything = await alpha.list_servers()
    assert [s.saved_name for s in everything.data] == ["stays"] and everything.pagination.total == 1


async def test_a_deleted_name_can_be_registered_again_as_a_new_server(
    alpha_and_beta: tuple[RegistryClient, RegistryClient],
) -> None:
    alpha, _ = alpha_and_beta
    first = await alpha.add_server(server_payload("again", description="first"))
    await alpha.delete_server("again")
    second = await alpha.add_server(server_payload("again", description="second"))
    assert (first.description, second.description) == ("first", "second")
    assert (await alpha.get_server("again")).description == "second"
    assert (await alpha.list_servers()).pagination.total == 1


async def test_versions_are_separate_servers(alpha_and_beta: tuple[RegistryClient, RegistryClient]) -> None:
    alpha, _ = alpha_and_beta
    await alpha.add_server(server_payload("multi", server_version="v1", description="one"))
    await alpha.add_server(server_payload("multi", server_version="v2", description="two"))
    await alpha.delete_server("multi", "v1")
    assert (await alpha.get_server("multi", "v2")).description == "two"
    with pytest.raises(ServerNotFound):
        await alpha.get_server("multi", "v1")

"""A modify merged on this side: where the registry cannot apply registry-mcp's rules itself.

The client reads the server, applies the changes to it (`registry_mcp.registry.patching`: a mask
keeps the stored value, stored secrets do not follow a change of what runs), and sends each
changed field whole. Modifies of one server take turns within this process (`one_at_a_time`), and
the server is read again just before writing: changed meanwhile, the changes are merged again.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio

from registry_mcp.errors import InvalidRequest, ModifyRefused, RegistryUnavailable
from registry_mcp.registry.models import McpConfig
from registry_mcp.registry.patching import apply_modify, full_patch, may_move
from registry_mcp.registry.validation import checked
from registry_mcp.secrets.masking import find_mask

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

MERGE_ATTEMPTS = 5
"""How often a modify merges again when the server changed between reading and writing it."""

_LOCKS: dict[tuple[str | None, ...], tuple[anyio.Lock, int]] = {}


@asynccontextmanager
async def one_at_a_time(server: tuple[str | None, ...]) -> AsyncIterator[None]:
    """Hold the lock of one server (in this process) while its modify reads, merges and writes."""
    lock, users = _LOCKS.get(server, (anyio.Lock(), 0))
    _LOCKS[server] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _LOCKS[server]
        if users == 1:
            del _LOCKS[server]
        else:
            _LOCKS[server] = (lock, users - 1)


async def merged(
    read: Callable[[], Awaitable[dict[str, Any]]],
    body: dict[str, Any],
    *,
    operation: str,
    replace_mcp_config: bool,
    registry_merges: bool,
) -> dict[str, Any]:
    """What to send for the changes `body` to the server that `read` reads: each changed field
    whole (or, where the registry merges, as the merge patch that makes it so)."""
    stored = await read()
    for _attempt in range(MERGE_ATTEMPTS):
        wanted = applied(stored, body, replace_mcp_config=replace_mcp_config)
        latest = await read()
        if latest == stored:
            break
        stored = latest  # changed by someone else since it was read: merge again
    else:
        raise RegistryUnavailable(
            f"Could not {operation}: the server kept changing while the changes were merged "
            f"({MERGE_ATTEMPTS} attempts); try again"
        )
    sent = {key: wanted.get(key) for key in body}
    if registry_merges:
        sent = {key: full_patch(stored.get(key), value) for key, value in sent.items()}
    return sent


def needs_stored(body: dict[str, Any]) -> bool:
    """Whether a merge patch can only be applied with the stored server at hand: a new `command`,
    `args`, `url` or env variable that changes what runs may move the server (its secrets must not
    follow), and a mask stands for a stored value. (A mask in an object could simply be left out,
    absent meaning unchanged, but then a mask with nothing stored behind it would pass unnoticed
    instead of being refused.)"""
    return may_move((body.get("mcp_config") or {}).get("config")) or find_mask(body) is not None


def applied(stored: dict[str, Any], body: dict[str, Any], *, replace_mcp_config: bool) -> dict[str, Any]:
    """The server after the changes, checked whole."""
    try:
        wanted = apply_modify(stored, body, replace_mcp_config=replace_mcp_config)
    except ModifyRefused as refused:
        raise InvalidRequest(f"Invalid changes: {refused}") from None
    if wanted.get("mcp_config") is not None:
        checked(McpConfig, wanted["mcp_config"], what="mcp_config")
    return wanted

"""One secret detector: the consent question of `inspect_mcp_server` hides what masking finds in an
environment value (a token's shape, a URL's password, a secret-named assignment) and nothing else; a
long run of letters and digits that is no known token's shape is shown, for it may change what runs."""

from __future__ import annotations

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.secrets.masking import MASK, mask_text
from registry_mcp.settings import Settings

from .conftest import Person

pytestmark = pytest.mark.anyio

SLACK = "xoxb-1234567890-abcdef"  # 22 characters: no 24-character run of letters and digits


async def _question(env: dict[str, str]) -> str:
    person = Person(action="decline")
    async with Client(create_server(Settings()), elicitation_callback=person) as client:
        config = {"command": "npx", "args": ["-y", "@example/server"], "env": env}
        result = await client.call_tool("inspect_mcp_server", {"config": config})
    assert not result.is_error
    [question] = person.asked
    return question.message


async def test_the_question_hides_what_masking_finds_and_shows_the_rest() -> None:
    text = await _question(
        {
            "BUILD_DIR": "evilbin0123456789abcdefghij",
            "CHAT": SLACK,
            "DATABASE": "host=db password=hunter2-xyz",
            "SERVICE_URL": "https://user:pw0rd-secret@db.example/path?q=1",
            "API_KEY": "not-shaped-but-named",
            "GITHUB": "ghp_" + "a1" * 18,
        }
    )
    environment = next(line for line in text.splitlines() if line.startswith("Environment: "))
    assert environment == (
        'Environment: API_KEY=(secret, not shown), BUILD_DIR="evilbin0123456789abcdefghij", '
        'CHAT=(secret, not shown), DATABASE="host=db password=(secret, not shown)", '
        'GITHUB=(secret, not shown), SERVICE_URL="https://***@db.example/path?***".'
    )
    assert "hunter2" not in text and "xoxb" not in text and "pw0rd" not in text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (SLACK, MASK),
        ("evilbin0123456789abcdefghij:/usr/bin", "evilbin0123456789abcdefghij:/usr/bin"),
        ("--token abc123 --verbose", f"--token {MASK} --verbose"),
        ("user=me password=s3cret", f"user=me password={MASK}"),
        ("Bearer abc.def-123456", f"Bearer {MASK}"),
        ("postgres://app:pa55@db/x", f"postgres://app:{MASK}@db/x"),
        ("plain words only", "plain words only"),
        ("ssh -p2222 host.example", "ssh -p2222 host.example"),  # -p joined to a value: a port, not mysql's
    ],
)
def test_mask_text_masks_by_shape_place_and_name(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert mask_text(text, "#") == masked.replace(MASK, "#")

"""A team's local gateway moved into the registry: secure-mcp-gateway's own files (its config file,
and what its `config export` writes) import as the registry entries they came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

from ..conftest import Person, text_of
from .oracle import Gateway

pytestmark = pytest.mark.anyio
STRICT = {"enabled": True, "guardrail_name": "strict", "additional_config": {}, "block": ["pii"]}
RECORDS: list[dict[str, Any]] = [
    {
        "saved_name": "files",
        "description": "Files",
        "mcp_config": {
            "config": {"command": "npx", "args": ["-y", "@m/files"], "env": {"API_TOKEN": "tok-migrate-1"}},
            "tools": {"read_file": {}},
            "denied_tools": ["write_*", {"name": "delete_file", "reason": "destructive"}],
            "input_guardrails_config": STRICT,
            "tool_guardrails_config": STRICT,
        },
    },
    {
        "saved_name": "web",
        "mcp_config": {
            "config": {
                "url": "https://web.example/sse",
                "transport": "sse",
                "headers": {"Authorization": "Bearer hdr-migrate-2"},
            },
        },
    },
]


async def test_the_gateways_config_export_imports_as_the_entries_it_came_from(gateway: Gateway, tmp_path: Path) -> None:
    import_file, exported_file = tmp_path / "to-gateway.json", tmp_path / "from-gateway.json"
    async with Client(create_server(Settings()), elicitation_callback=Person()) as client:
        for record in RECORDS:
            await client.call_tool("add_registry_server", record)
        written = await client.call_tool("write_registry_export", {"format": "gateway", "path": str(import_file)})
        assert written.structured_content is not None and written.structured_content["written"], text_of(written)
    generated, imported, exported = gateway.run(
        gateway.command("generate"),
        gateway.command("import", input_file=str(import_file), config="team"),
        gateway.command("export", config="team", output_file=str(exported_file)),
    )
    assert generated["exit"] == imported["exit"] == exported["exit"] == 0, exported["output"]

    for source in (exported_file, gateway.config_path):  # what `config export` wrote, and its own config file
        async with Client(create_server(Settings(show_secrets=True))) as client:
            shown = await client.call_tool("import_client_config", {"source": str(source)})
        assert shown.structured_content is not None, text_of(shown)
        payloads = {entry["entry_name"]: entry["payload"] for entry in shown.structured_content["servers"]}
        files, web = payloads["files"]["mcp_config"], payloads["web"]["mcp_config"]
        assert files["config"] == RECORDS[0]["mcp_config"]["config"]
        assert (files["tools"], files["denied_tools"]) == ({"read_file": {}}, RECORDS[0]["mcp_config"]["denied_tools"])
        assert files["input_guardrails_config"] == STRICT
        # The tool guardrails the export placed config-wide come back on the server.
        assert files["tool_guardrails_config"] == STRICT
        assert payloads["files"]["description"] == "Files"
        assert web["config"] == RECORDS[1]["mcp_config"]["config"]

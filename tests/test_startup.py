"""Start-up pays only for what it serves: the tools are listed from the catalog's listing without
importing their modules, and each feature's code is imported on its first use (a tool's module on
its first call; the embedded registry only without an API key). Each case runs in a fresh
interpreter, so what it imported is what that path imports. The figures are benchmarks/startup.py's."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from registry_mcp.mcp.tools import TOOL_NAMES

FEATURES = [
    "registry_mcp.importing",
    "registry_mcp.public_registry",
    "registry_mcp.servers.inspection",
    "registry_mcp.servers.launch",
    "registry_mcp.gateway.export",
    "registry_mcp.mcp.http_auth",
    "registry_mcp.registry.embedded",
    "registry_mcp.registry.models",
    "registry_mcp.mcp.toolkit",
]


TEMPLATE = """
import anyio, json, sys
from mcp import Client
from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

async def main():
    result = None
    async with Client(create_server(SETTINGS), mode="legacy") as client:
STEPS
    loaded = sorted(name for name in sys.modules if name.startswith("registry_mcp"))
    print(json.dumps({"loaded": loaded, "result": result}))

anyio.run(main)
"""


def _imported_after(settings: str, steps: str) -> dict[str, object]:
    """Run `steps` (async code with `client`, an MCP client of a server on `settings`, that sets
    `result`) in a fresh interpreter: which registry_mcp modules it imported, and `result`."""
    body = textwrap.indent(textwrap.dedent(steps).strip(), " " * 8)
    code = TEMPLATE.replace("SETTINGS", settings).replace("STEPS", body)
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:]
    answer: dict[str, object] = json.loads(finished.stdout.splitlines()[-1])
    return answer


def _loaded(answer: dict[str, object], names: list[str]) -> set[str]:
    loaded = answer["loaded"]
    assert isinstance(loaded, list)
    return {name for name in names if any(module == name or module.startswith(name + ".") for module in loaded)}


def test_listing_the_tools_imports_no_feature_and_no_tool_module() -> None:
    answer = _imported_after(
        'Settings(database=":memory:")', "result = [tool.name for tool in (await client.list_tools()).tools]"
    )
    assert answer["result"] == list(TOOL_NAMES)
    assert _loaded(answer, FEATURES) == set()
    assert _loaded(answer, ["registry_mcp.mcp.tools.servers", "registry_mcp.mcp.tools.configs"]) == set()


def test_a_call_imports_its_tools_module_and_not_the_other_features() -> None:
    answer = _imported_after(
        'Settings(database=":memory:")',
        """
        listed = await client.call_tool("list_registry_servers", {})
        result = listed.structured_content["total"]
        """,
    )
    assert answer["result"] == 0
    assert _loaded(answer, FEATURES) == {
        "registry_mcp.registry.embedded",
        "registry_mcp.registry.models",
        "registry_mcp.mcp.toolkit",
    }
    assert _loaded(answer, ["registry_mcp.mcp.tools.servers", "registry_mcp.mcp.tools.public"]) == {
        "registry_mcp.mcp.tools.servers"
    }


def test_with_an_api_key_the_embedded_registry_is_never_imported() -> None:
    answer = _imported_after(
        'Settings(api_key="sk-startup-test", base_url="https://127.0.0.1:9", timeout=5)',
        """
        listed = await client.call_tool("list_registry_servers", {})
        result = listed.is_error
        """,
    )
    assert answer["result"] is True  # nothing listens there: the call fails, as it should
    assert "registry_mcp.registry.embedded" not in _loaded(answer, FEATURES)
    assert "registry_mcp.mcp.tools.servers" in _loaded(answer, ["registry_mcp.mcp.tools.servers"])


def test_a_registry_that_cannot_be_opened_is_a_tool_error_and_the_server_keeps_serving(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database's folder should be")
    answer = _imported_after(
        f"Settings(database={str(blocked / 'registry.db')!r})",
        """
        first = await client.call_tool("list_registry_servers", {})
        again = await client.call_tool("get_registry_server", {"saved_name": "files"})
        result = [first.is_error, first.content[0].text, again.is_error]
        """,
    )
    failed, text, failed_again = answer["result"]  # type: ignore[misc]
    assert failed and failed_again
    assert f"Could not open the embedded registry in {blocked / 'registry.db'}" in text
    assert "REGISTRY_MCP_DB, or --db" in text

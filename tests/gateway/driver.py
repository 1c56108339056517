"""Runs secure-mcp-gateway's own code on what the tests send, inside the gateway's venv (never ours).

Reads one JSON list of operations on stdin and prints one JSON list of answers after the line
`--- answers ---` (the gateway's CLI prints its own lines to stdout). Each operation is
{"op": name, ...}; see the functions below. No gateway code is changed: its config path, chosen
by `is_docker()` (true wherever /.dockerenv exists, as on many CI machines), is handled by giving
the CLI functions the path explicitly and by the HOME / HOST_* variables the harness sets.
"""

import asyncio
import contextlib
import importlib.util
import io
import json
import sys
from pathlib import Path

import secure_mcp_gateway
from secure_mcp_gateway import cli
from secure_mcp_gateway.plugins.auth import enkrypt_provider, local_apikey_provider
from secure_mcp_gateway.plugins.auth.enkrypt_provider import EnkryptAuthProvider

PACKAGE = Path(secure_mcp_gateway.__file__).parent


def _module(relative):
    # deny_matcher is loaded from its file: its package's __init__ starts the execution service,
    # which needs the gateway's telemetry running.
    spec = importlib.util.spec_from_file_location("gateway_" + relative.stem, PACKAGE / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deny_matcher = _module(Path("services/execution/deny_matcher.py"))


def deny(op):
    return [deny_matcher.is_tool_denied(tool, denied, tools) for tool, denied, tools in op["cases"]]


def map_server(op):
    # `self` is not used by the mapping: the unbound function is the gateway's own code.
    return [
        EnkryptAuthProvider._map_server(None, server, op.get("local_overrides") or {}, op.get("common_overrides"))
        for server in op["servers"]
    ]


_CLI = {
    "validate": lambda op: cli.validate_config(op["config_path"], op["config"]),
    "list-servers": lambda op: cli.list_config_servers(op["config_path"], op["config"]),
    "import": lambda op: cli.import_config(op["config_path"], op["input_file"], op["config"]),
    "generate": lambda op: cli.save_config(op["config_path"], cli.generate_default_config()),
    "assign": lambda op: cli.assign_config_to_project(op["config_path"], op["project"], op["config"]),
    "export": lambda op: cli.export_config(op["config_path"], op["config"], op["output_file"]),
}


def run_cli(op):
    printed = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(printed):
        try:
            _CLI[op["command"]](op)
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
    return {"exit": code, "output": printed.getvalue()}


def load(op):
    """The local auth provider's loader: the runtime view of one API key's config, read from
    ~/.enkrypt/enkrypt_mcp_config.json under the HOME the harness gave."""
    # The loader reads the Docker path instead where the machine looks like a container: tell it
    # this is not one, so it reads the file under HOME (the path itself is the gateway's own).
    local_apikey_provider.is_docker = lambda: False
    config = asyncio.run(local_apikey_provider.LocalApiKeyProvider()._get_local_config(op["gateway_key"]))
    return {"path": local_apikey_provider.CONFIG_PATH, "config": config}


def cloud(op):
    """The cloud-mode provider's whole path for one API key: the cloud's answer (`response`, as
    GET /mcp-gateway/get-gateway-config gives it) mapped with the local_server_overrides the provider
    itself reads from ~/.enkrypt/enkrypt_mcp_config.json under the HOME the harness gave."""
    enkrypt_provider.is_docker = lambda: False  # as in `load`: read the file under HOME

    async def fetched(self, gateway_key, **_):
        return op["response"]

    provider = EnkryptAuthProvider(gateway_name=op.get("gateway_name", "gw"))
    provider._fetch_remote_gateway_config = fetched.__get__(provider)
    return asyncio.run(provider._get_local_config("tenant-key"))


def reads_key(op):
    """For each key, whether the gateway's code names it as a quoted string anywhere (its own files)."""
    code = [path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")]
    return {key: any(f'"{key}"' in text or f"'{key}'" in text for text in code) for key in op["keys"]}


OPERATIONS = {
    "deny": deny,
    "map_server": map_server,
    "cloud": cloud,
    "cli": run_cli,
    "load": load,
    "reads_key": reads_key,
}


def main():
    operations = json.load(sys.stdin)
    answers = []
    for op in operations:
        with contextlib.redirect_stdout(sys.stderr):
            answers.append(OPERATIONS[op["op"]](op))
    print("--- answers ---")
    print(json.dumps(answers))


if __name__ == "__main__":
    main()

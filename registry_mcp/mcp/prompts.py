"""Prompts: guided conversations a person can start from their client's prompt menu.

- `register_mcp_server`: register a server from a package name or a repository URL, asking the
  person for whatever cannot be worked out.
- `review_registry`: go through the registry and report what needs attention (deny lists,
  guardrails, OAuth, inactive servers), changing nothing without the person's say-so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from registry_mcp.mcp.registries import ServedRegistry

# Given a name in the official MCP Registry, its published record says how to run it.
PUBLIC_FIRST = """"{source}" has the form of a name in the official MCP Registry. First call use_public_registry
with servers: [{{"name": "{source}"}}]: a dry run that turns its published record into the entry and lists what
to ask me for (to_supply). Show me the entry; when I agree, call it again with confirm: true, then set what I
give as supply_with shows. Only if it is not found there, work the entry out as follows.

"""

REGISTER_TEMPLATE = """Register the MCP server "{source}" in the MCP registry with add_registry_server.

1. Work out what it is: from a package name (npm: run with `npx -y <package>`; PyPI: `uvx <package>`) or a
   repository URL (read its README for the install command and required environment variables), or, for a
   remote server, its URL and transport (streamable_http or sse).
2. Propose the registry entry and show it to me before adding anything:
   - saved_name: short, 1-32 characters of letters, digits, '-' and '_' (suggest one from the package name);
   - server_version: 'v1' unless I say otherwise; server_name: the package name; source_url: the repository;
   - description: one sentence on what the server does;
   - mcp_config.config: {{command, args, env}} for a local server or {{url, transport, headers}} for a remote one;
   - mcp_config.denied_tools: ask me whether to deny any tools (names or globs such as "write_*", "delete_*").
3. Ask me for everything you cannot work out, above all the values of required environment variables or
   headers (tokens, API keys). Never invent a secret; leave a clearly named placeholder if I do not give one.
4. When I confirm, call add_registry_server with the entry, then tell me what was registered.
"""

REVIEW_TEXT = """Review the MCP registry and report what needs attention. Change nothing unless I confirm each change.

1. Page through list_registry_servers (per_page 100) until there is no next_page.
2. For each server, read it with get_registry_server and check:
   - inactive servers (is_active false): still needed, or to delete? Check list_registry_server_gateways first;
   - an empty mcp_config.denied_tools on servers whose tools write, delete or execute;
   - input or output guardrails that are off, or enabled without a guardrail_name;
   - OAuth enabled without a client id, client secret or token URL, or an http:// token URL;
   - remote servers reached over plain http://, and secrets written inline in env or headers;
   - two entries for the same package or URL.
3. Give me a short table: server, version, finding, suggested change. Then ask which changes to make, and make
   them with modify_registry_server only once I agree.
"""


def add_prompts(server: MCPServer[ServedRegistry]) -> None:
    @server.prompt(
        name="register_mcp_server",
        title="Register an MCP server",
        description="Register an MCP server from its package name or repository URL, asking for what is missing.",
    )
    def register_mcp_server(
        source: str = Field(
            description="The server's package name (npm or PyPI), repository URL, or remote URL.",
            min_length=1,
            max_length=500,
        ),
    ) -> str:
        # Imported here: the public registry is a feature start-up does not pay for.
        from registry_mcp.public_registry.client import is_public_name

        named = source.strip()
        first = PUBLIC_FIRST.format(source=named) if is_public_name(named) else ""
        return first + REGISTER_TEMPLATE.format(source=named)

    @server.prompt(
        name="review_registry",
        title="Review the registry",
        description="Go through the registry: deny lists, guardrails, OAuth, inactive servers. Changes nothing alone.",
    )
    def review_registry() -> str:
        return REVIEW_TEXT

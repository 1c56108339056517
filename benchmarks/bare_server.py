"""The floor: a bare `MCPServer` with one trivial tool, over stdio, as any server on this SDK has it."""

from mcp.server import MCPServer

server = MCPServer("bare")


@server.tool()
async def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


if __name__ == "__main__":
    server.run()

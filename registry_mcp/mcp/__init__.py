"""The MCP surface: the server, its tools, resources and prompts, and the SDK seam."""

"""What secure-mcp-gateway and the MCP clients read: exports, config files, deny lists, lint."""

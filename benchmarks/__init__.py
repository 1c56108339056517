"""Benchmarks of registry-mcp against the bare MCP SDK: `python -m benchmarks` (see README)."""

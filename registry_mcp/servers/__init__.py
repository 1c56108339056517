"""Launching and inspecting MCP servers: what a command runs, the launch, its descendants."""

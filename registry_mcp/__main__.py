from registry_mcp.cli import main

main()

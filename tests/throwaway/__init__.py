"""A throwaway tool, added the way docs/adding-a-tool.md says (tests/test_adding_a_tool.py)."""

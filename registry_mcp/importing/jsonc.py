"""JSONC as JSON: VS Code and Cursor read their `mcp.json` with `//` and `/* */` comments and
trailing commas. One regular expression finds strings (kept as they are, so `"http://x"` stays
whole), comments and trailing commas (removed); a removed comment leaves its line breaks, so a
JSON error's line number still points at the right line of the file."""

from __future__ import annotations

import re

# A JSON string cannot hold a raw line break, so an unclosed quote is scanned to its line's end only.
_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_COMMENT = r"//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/"
_TOKEN = re.compile(rf"(?P<string>{_STRING})|(?P<comment>{_COMMENT})|,(?=(?:\s|{_COMMENT})*[}}\]])")


def strip_jsonc(text: str) -> str:
    """`text` without comments and trailing commas; strings and line breaks kept."""
    return _TOKEN.sub(_replace, text)


def _replace(token: re.Match[str]) -> str:
    if token.lastgroup == "string":
        return token.group()
    return "\n" * token.group().count("\n")

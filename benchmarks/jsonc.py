"""How long `strip_jsonc` takes on hostile JSONC, and on a large ordinary file: printed figures, no
target (`python -m benchmarks.jsonc`). Every shape should take time in proportion to its size."""

from __future__ import annotations

import time
from collections.abc import Callable

from registry_mcp.importing.jsonc import strip_jsonc

_ENTRY = (
    '  "srv{0}": {{ // server {0}\n    "command": "npx", "args": ["-y", "@scope/pkg-{0}", "--flag=a\\"b"], /* c */\n'
    '    "env": {{"TOKEN": "x{0}", "URL": "http://h/p"}},\n  }},\n'
)
SHAPES: dict[str, Callable[[int], str]] = {
    "unclosed /* comments": lambda n: "{" + "/* " * (n // 3),
    'an unterminated string of \\" escapes': lambda n: '{"a": "' + '\\"' * (n // 2),
    "a comma before each unclosed comment": lambda n: '{"a": 1,' + " /*," * (n // 4),
    "commas only": lambda n: "," * n,
    "an ordinary config with comments": lambda n: "{\n" + "".join(_ENTRY.format(i) for i in range(n // 160)) + "}",
}


def main() -> None:
    for label, make in SHAPES.items():
        for size in (100_000, 1_000_000):
            text = make(size)
            started = time.perf_counter()
            strip_jsonc(text)
            print(f"{label}, {len(text):,} characters: {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main()

"""How a consent question shows what the person agrees to: one renderer for every tool that asks.

- `shown(text)`: a value exactly and whole: quoted (`untrusted.quote`, so it cannot end the quote),
  each hidden character and each space but the plain one written as `\\uXXXX`, and a run of spaces
  (padding that pushes the rest of a line out of sight) written as its length.
- `command_line(command, args)`: every word shown; a secret that masking finds in the arguments
  (the value of a secret-named flag, a token, a URL's password) is replaced by `<redacted>`.
- `environment(env)`: each variable with its value. A variable that changes what runs
  (`registry.targets.changes_what_runs`: PATH, LD_*, PYTHON*, NODE_OPTIONS, BASH_ENV, GIT_*, ...) is
  shown whole, whatever it looks like, and named in `what_runs_warning`; any other value that looks
  secret (by its name, or by its shape) is not shown, and a URL is shown without its credentials.
- `code_warning(command, args)`: says so when the command runs a shell or an interpreter given code,
  code loaded beside its package, or arguments holding shell metacharacters (`what_runs`).
- `QUESTION_LIMIT`: the longest question put to a person. A longer one is refused, never cut: a cut
  would hide what runs (`whole_question`).
"""

from __future__ import annotations

import re
import sys
from typing import Any

from registry_mcp.errors import LocalRefusal
from registry_mcp.mcp.permissions import Question
from registry_mcp.registry.targets import changes_what_runs, what_runs
from registry_mcp.secrets.masking import looks_secret, scrub, secret_values
from registry_mcp.servers.launch import without_credentials
from registry_mcp.untrusted import escape, quote

QUESTION_LIMIT = 8_000
NOT_SHOWN = "(secret, not shown)"

# A long run of letters and digits (both) with no spaces, dots or slashes, outside a path: a token or key.
_TOKEN_SHAPED = re.compile(r"(?=[A-Za-z0-9_+=-]*[0-9])(?=[A-Za-z0-9_+=-]*[A-Za-z])[A-Za-z0-9_+=-]{24,}")
_PATH_STARTS = ("/", "~", "./", "../")
_PADDING = re.compile(r" {8,}")


def shown(text: str) -> str:
    """A value the person approves, exactly and whole (see the module's docstring)."""
    return _PADDING.sub(lambda run: f"⟨{len(run[0])} spaces⟩", escaped(quote(text)))


def escaped(text: str) -> str:
    """`text` unquoted (a name), with its hidden characters and odd spaces written as `\\uXXXX`."""
    return "".join(f"\\u{ord(c):04x}" if c.isspace() and c != " " else c for c in escape(text, sys.maxsize))


def command_line(command: str, args: list[str]) -> list[str]:
    """Each word of a command line, shown; the secrets masking finds in the arguments redacted."""
    secrets = secret_values([command, *args])
    return [shown(scrub(word, secrets)) for word in [command, *args]]


def environment(env: dict[str, str]) -> str:
    """`NAME=value, ...` in name order, each value as `value_shown` shows it."""
    return ", ".join(f"{escaped(name)}={value_shown(name, env[name])}" for name in sorted(env))


def value_shown(name: str, value: str) -> str:
    """An env value: whole where it changes what runs; else hidden where it looks secret."""
    if changes_what_runs(name):
        return shown(value)
    if looks_secret(name):
        return NOT_SHOWN
    if "://" in value:  # a URL: its user, password and query may be credentials
        return shown(without_credentials(value))
    if not value.startswith(_PATH_STARTS) and _TOKEN_SHAPED.search(value):
        return NOT_SHOWN
    return shown(value)


def what_runs_warning(names: list[str]) -> str | None:
    """The warning naming every variable (of `names`) that changes what runs, or None."""
    risky = sorted(name for name in names if changes_what_runs(name))
    if not risky:
        return None
    verb = "changes" if len(risky) == 1 else "change"
    return f"Warning: {', '.join(escaped(name) for name in risky)} {verb} what the process loads or runs."


def code_warning(command: str, args: list[str]) -> str | None:
    """The warning for a command that runs other code than its package or script, or None."""
    runs = what_runs(command, args)
    if not runs.runs_other_code:
        return None
    parts = []
    if runs.code:
        options = sorted({item.partition(" ")[0] for item in runs.code})
        parts.append(f"it is given code to run or load on its command line ({', '.join(options)})")
    if runs.metacharacters:
        parts.append("arguments hold shell metacharacters, which run commands where a shell starts it")
    return f"Warning: {'; '.join(parts)}."


def whole_question(text: str, facts: Any, *, nothing_done: str, advice: str) -> Question:
    """The question, or a refusal (nothing done, nobody asked) where it is too long to show whole."""
    if len(text) > QUESTION_LIMIT:
        raise LocalRefusal(
            f"{nothing_done}, and the person was not asked: shown whole, the question would be too long "
            f"({len(text):,} characters, more than a confirmation question shows ({QUESTION_LIMIT:,})). {advice}."
        )
    return Question(text, facts=facts)

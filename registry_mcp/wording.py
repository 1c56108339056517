"""Words that agree with a count, for messages a person reads: '1 server', '2 servers'."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """'1 server', '2 servers' (or the `plural` given: counted(2, 'entry', 'entries'))."""
    return f"{count} {agreeing(count, noun, plural or noun + 's')}"


def agreeing(count: int, singular: str, plural: str) -> str:
    """The word that agrees with `count`: agreeing(1, 'uses', 'use') is 'uses'."""
    return singular if count == 1 else plural

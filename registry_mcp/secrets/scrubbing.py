"""Scrubbing: text from elsewhere (a registry's error, an inspected server, a log line) freed of secrets.

Two kinds of secret are scrubbed, each as strictly as its nature allows:

- a record's secrets (env values, passwords): the whole value, as it is and as JSON or Python writes
  it inside a quoted string. Such a value may be a common word or a URL, so no piece of it is
  scrubbed on its own (that would redact every `https://` once a URL is secret);
- a key (the API key, a shared token): random by nature, so any piece of it is scrubbed too, in any
  reversible form a server could quote it in: as it is in any case, JSON- or Python-escaped, every
  character `\\uXXXX`-escaped, URL-encoded, hex, base64 (standard or URL-safe, at any offset, so
  also inside `Basic base64(apikey:KEY)`), and UTF-16 or UTF-32 read as UTF-8. A piece is any run of
  `KEY_PIECE` or more of its characters (of the encoded form's equivalent), so halves of a key split
  across two fields and a prefix of it are scrubbed as well; a piece shorter than the whole only if
  it holds a digit or both cases, as a random key's pieces do and words do not (a key
  `test-live-registry-key` does not take the word `registry` out of every log line).

A form is found through its anchors, the chunks of it at every multiple of half a piece's length:
every piece holds one whole, so `str.find` (which runs in C) finds every candidate, and each is
then extended both ways while the text goes on as the form does.
"""

from __future__ import annotations

import base64
import functools
import json
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

REDACTED = "<redacted>"
# Shorter secrets are too likely to occur by chance in ordinary text to be worth scrubbing.
MIN_SCRUBBED = 4
# The shortest run of a key's characters scrubbed on its own: half of a 16-character key.
KEY_PIECE = 8

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def escaped_forms(secret: str) -> set[str]:
    """`secret` as it is and as the inside of a JSON string (ASCII-only or not, `/` escaped or not)
    and of a Python repr or ascii(): the forms in which text that renders a record may hold it."""
    as_json = json.dumps(secret)[1:-1]
    return {
        secret,
        as_json,
        as_json.replace("/", "\\/"),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
    }


@dataclass(frozen=True)
class _Form:
    """One written form of a secret: scrubbed where a run of at least `piece` of its characters
    stands in a text (the ASCII-lowered text, if `any_case`)."""

    text: str
    piece: int
    any_case: bool
    anchors: dict[str, list[int]] = field(init=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        step = (self.piece + 1) // 2  # every run of `piece` characters holds one whole chunk of `step`
        anchors: dict[str, list[int]] = {}
        for at in range(0, len(self.text) - step + 1, step):
            anchors.setdefault(self.text[at : at + step], []).append(at)
        object.__setattr__(self, "anchors", anchors)

    def spans(self, view: str, text: str) -> Iterable[tuple[int, int]]:
        """Where runs of at least `piece` characters of this form stand in `view` (`text` as searched:
        lowered if `any_case`)."""
        form = self.text
        for anchor, offsets in self.anchors.items():
            at = view.find(anchor)
            while at != -1:
                for offset in offsets:
                    # From the anchor's place, both ways for as long as the text goes on as the form does.
                    start, back = at, offset
                    while start > 0 and back > 0 and view[start - 1] == form[back - 1]:
                        start, back = start - 1, back - 1
                    end, ahead = at, offset
                    while end < len(view) and ahead < len(form) and view[end] == form[ahead]:
                        end, ahead = end + 1, ahead + 1
                    if end - start >= len(form) or (end - start >= self.piece and _random(text, start, end)):
                        yield start, end
                at = view.find(anchor, at + 1)


def _random(text: str, start: int, end: int) -> bool:
    """Whether a run of text could be a piece of a random key rather than a word: a digit, or both cases."""
    run = text[start:end]
    return any(c.isdigit() for c in run) or (any(c.isupper() for c in run) and any(c.islower() for c in run))


def _whole(secret: str) -> list[_Form]:
    return [_Form(form, len(form), any_case=False) for form in escaped_forms(secret) if len(form) >= MIN_SCRUBBED]


def _base64_cores(data: bytes) -> set[str]:
    """The characters of base64 that only `data`'s bits decide, at each of the three offsets `data`
    may start at inside longer encoded bytes (`apikey:` before it puts it at offset 1)."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode()
        first, last = -(-8 * offset // 6), (8 * (offset + len(data))) // 6
        core = encoded[first:last]
        cores |= {core, core.translate(str.maketrans("+/", "-_"))}
    return cores


@functools.lru_cache(maxsize=64)
def _key_forms(key: str) -> tuple[_Form, ...]:
    data = key.encode()
    lowered = {form.translate(_ASCII_LOWER) for form in escaped_forms(key)}
    lowered.add(quote(key, safe="").lower())  # a key holds no space: quote_plus writes it the same
    forms = [_Form(form, min(KEY_PIECE, len(form)), any_case=True) for form in lowered]
    forms.append(_Form(data.hex(), min(2 * KEY_PIECE, 2 * len(data)), any_case=True))
    every_byte_quoted = "".join(f"%{byte:02x}" for byte in data)  # a URL that escapes letters and digits too
    forms.append(_Form(every_byte_quoted, min(3 * KEY_PIECE, len(every_byte_quoted)), any_case=True))
    unicode_escaped = "".join(f"\\u{ord(c):04x}" for c in key)  # JSON that escapes every character
    forms.append(_Form(unicode_escaped, min(6 * KEY_PIECE, len(unicode_escaped)), any_case=True))
    # UTF-16 and UTF-32 text read as UTF-8 (a server's stderr, a body in an unexpected encoding): the
    # key with one or three NULs between its characters, which any reader of it can put back together;
    # as read, and JSON- or Python-escaped (`\u0000`, `\x00`) as a text quoting it would be.
    for nul in ("\0", "\\u0000", "\\x00"):
        for separator in (nul, nul * 3):
            spread = separator.join(key.translate(_ASCII_LOWER))
            run = KEY_PIECE + (KEY_PIECE - 1) * len(separator)  # KEY_PIECE characters and what is between
            forms.append(_Form(spread, min(run, len(spread)), any_case=True))
    # A piece of KEY_PIECE bytes fully decides at least 10 characters of its base64, at any offset.
    piece = -(-8 * KEY_PIECE // 6) - 1
    forms += [_Form(core, min(piece, len(core)), any_case=False) for core in _base64_cores(data) if core]
    return tuple(form for form in forms if len(form.text) >= MIN_SCRUBBED)


class Scrubber:
    """Replaces `secrets` (whole, as written or escaped) and `keys` (in any reversible form, and any
    piece of one) with `REDACTED` wherever a text holds them."""

    def __init__(self, secrets: Iterable[str] = (), keys: Iterable[str] = ()) -> None:
        keys = frozenset(key for key in keys if len(key) >= MIN_SCRUBBED)
        forms = {form for key in keys for form in _key_forms(key)}
        forms |= {form for secret in set(secrets) - keys if len(secret) >= MIN_SCRUBBED for form in _whole(secret)}
        self._forms = tuple(forms)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where secrets stand in `text`, in order, overlaps merged."""
        lowered = text.translate(_ASCII_LOWER) if any(form.any_case for form in self._forms) else text
        found = sorted(span for form in self._forms for span in form.spans(lowered if form.any_case else text, text))
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def finds(self, text: str) -> bool:
        return bool(self.spans(text))

    def __call__(self, text: str) -> str:
        kept, last = [], 0
        for start, end in self.spans(text):
            kept += [text[last:start], REDACTED]
            last = end
        return "".join([*kept, text[last:]])


def scrub(text: str, secrets: Iterable[str], *, keys: Iterable[str] = ()) -> str:
    """`text` with each of `secrets` and `keys` replaced by `REDACTED` (see `Scrubber`)."""
    return Scrubber(secrets, keys)(text)


def scrub_json(value: Any, scrubber: Scrubber) -> Any:
    """A parsed JSON value with each of its texts (keys too) scrubbed."""
    if isinstance(value, str):
        return scrubber(value)
    if isinstance(value, dict):
        return {scrubber(str(key)): scrub_json(item, scrubber) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_json(item, scrubber) for item in value]
    return value

"""Secret values in registry records: masked in what an assistant reads, never lost on the way back.

A record's secrets are the values of a local server's `env`, of a remote server's `headers`, of
`OAUTH_CUSTOM_HEADERS`, and any text under a key that looks like a secret (`OAUTH_CLIENT_SECRET`,
`api_token`, `password`, ...). `mask_secrets` replaces each with `MASK`, which says what it is.

An assistant that read a masked record may send it back whole; `restore_masked` puts the stored
secret back wherever `MASK` stands, so a mask is never written as a value, and refuses a mask
where nothing is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

MASK = "<masked secret: unchanged when sent back>"

# Objects whose every value is a secret, whatever its key.
_SECRET_MAPS = frozenset({"env", "headers", "OAUTH_CUSTOM_HEADERS"})
_SECRET_WORDS = frozenset({"secret", "token", "password", "passwd", "key", "apikey", "credential", "credentials"})
# A key naming where a secret lives, or how it is used, is not itself a secret.
_NOT_SECRET_ENDINGS = frozenset({"path", "file", "url", "uri", "name", "id", "method", "type", "buffer", "only"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def looks_secret(key: str) -> bool:
    """Whether a key names a secret value: `OAUTH_CLIENT_SECRET`, `apiKey`, `db_password` (not `token_url`)."""
    words = [word.lower() for word in _WORD.findall(key)]
    return bool(words) and words[-1] not in _NOT_SECRET_ENDINGS and any(word in _SECRET_WORDS for word in words)


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON value with every secret text replaced by `MASK`."""
    return _mask(value, secret=False)


def _mask(value: Any, *, secret: bool) -> Any:
    if isinstance(value, dict):
        return {
            key: _mask(item, secret=secret or key in _SECRET_MAPS or looks_secret(str(key)))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask(item, secret=secret) for item in value]
    if secret and isinstance(value, str) and value:
        return MASK
    return value


def find_mask(value: Any, path: str = "") -> str | None:
    """The path of the first `MASK` in a JSON value, or None."""
    if value == MASK:
        return path or "(value)"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = find_mask(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


class MaskWithoutSecret(ValueError):
    """A `MASK` was sent where no secret is stored to stand for."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: holds the mask {MASK!r}, but no secret is stored there to keep; send the real value")


def restore_masked(sent: Any, stored: Any, path: str = "") -> Any:
    """`sent` with each `MASK` replaced by the value at the same place in `stored`."""
    if sent == MASK:
        if stored is None or stored == MASK or isinstance(stored, dict | list):
            raise MaskWithoutSecret(path or "(value)")
        return stored
    if isinstance(sent, dict):
        known = stored if isinstance(stored, dict) else {}
        return {
            key: restore_masked(item, known.get(key), f"{path}.{key}" if path else str(key))
            for key, item in sent.items()
        }
    if isinstance(sent, list):
        known_items = stored if isinstance(stored, list) else []
        return [
            restore_masked(item, known_items[index] if index < len(known_items) else None, f"{path}.{index}")
            for index, item in enumerate(sent)
        ]
    return sent


REDACTED = "<redacted>"
# Shorter values are too likely to occur by chance in ordinary text to be worth scrubbing.
_MIN_SCRUBBED = 4


def secret_values(value: Any) -> set[str]:
    """Every secret text a JSON value holds: whatever `mask_secrets` would hide in it."""
    found: set[str] = set()
    _collect(value, mask_secrets(value), found)
    return found


def _collect(original: Any, masked: Any, found: set[str]) -> None:
    if isinstance(original, dict) and isinstance(masked, dict):
        for key, item in original.items():
            _collect(item, masked.get(key), found)
    elif isinstance(original, list) and isinstance(masked, list):
        for item, masked_item in zip(original, masked, strict=False):
            _collect(item, masked_item, found)
    elif original != masked and original is not None:
        found.add(str(original))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` replaced by `REDACTED`, longest first: as it is, and as JSON or
    Python writes it inside a quoted string (`\\`, `\\"`, `\\'`, `\\n`, `\\u00e9`), since text that
    quotes a record often renders it so."""
    forms = {form for s in secrets if len(s) >= _MIN_SCRUBBED for form in escaped_forms(s)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


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

"""Secret values in registry records: masked in what an assistant reads, never lost on the way back.

A secret is recognised by where it sits or by what it is:

- by where: every value of a local server's `env`, of a remote server's `headers` and of
  `OAUTH_CUSTOM_HEADERS`, and any value (text or number, not a boolean) under a key that looks like
  a secret (`OAUTH_CLIENT_SECRET`, `api_keys`, `clientSecret`, `Authorization`, ...), lists and
  nested objects included, element by element;
- by what it is, inside any text: the password of a URL or DSN (`postgres://app:PASS@db`), the value
  of a secret-named query parameter, flag or variable (`?api_key=`, `--token X`, `--api-key=X`,
  `-e GITHUB_TOKEN=X`), an `Authorization: ...` header written as an argument, `Bearer` credentials,
  the well-known token shapes of the rule table below (taken from gitleaks' rules), an AWS secret
  access key standing alone, a mysql client's `-pPASSWORD`, and the secrets of a JSON object written
  inside a text (`--config={"db":{"pwd":"x"}}`), found by their keys.

`mask_secrets` replaces each secret, whole value or part of a text, with `MASK`, which says what it
is: `https://u:<masked secret: unchanged when sent back>@host/mcp` still shows where it goes.

An assistant that read a masked record may send it back whole; `restore_masked` puts the stored
secret back wherever `MASK` stands, so a mask is never written as a value, and refuses a mask where
nothing is stored, or one moved to another URL's host. `holds_mask` (through `find_mask`) finds the
mask in any variant (padded, quoted, re-cased, cut short, a zero-width character inside, URL-encoded,
base64, a generic `<masked ...>`), so that whatever `restore_masked` did not resolve is refused.

Scrubbing text that comes from elsewhere is `registry_mcp.secrets.scrubbing`'s.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import re
import unicodedata
from typing import Any, NamedTuple
from urllib.parse import unquote_plus

from registry_mcp.errors import MaskWithoutSecret

MASK = "<masked secret: unchanged when sent back>"

# Objects whose every value is a secret, whatever its key.
_SECRET_MAPS = frozenset({"env", "headers", "OAUTH_CUSTOM_HEADERS"})
# Values read as a command line: a flag names the argument after it.
_COMMAND_LINES = frozenset({"args", "command"})

# --- which keys name a secret --------------------------------------------------------------------

_SECRET_WORDS = frozenset(
    {"secret", "token", "password", "passwd", "passphrase", "pwd", "credential", "apikey", "authorization", "auth"}
    | {"cookie", "key", "pat", "pass", "dsn", "assertion", "private", "jwt", "signature", "sig", "pin", "otp"}
)
# Run-together words ending in one of these name a secret too ('accesstoken', 'clientsecret', 'xapikey').
_SECRET_ENDINGS = ("secret", "token", "password", "passwd", "credential", "apikey", "authorization", "privatekey")
# A key naming where a secret lives, how it is used, or how much of it, is not itself a secret.
_NOT_SECRET_ENDINGS = frozenset(
    {"path", "file", "url", "uri", "name", "id", "method", "type", "buffer", "only", "endpoint", "count", "limit"}
    | {"length", "size", "ttl", "expiry", "timeout", "format", "env", "var", "variable", "dir", "mode", "version"}
    | {"kind", "location", "prefix", "scheme", "enabled", "required"}
)
_NOT_SECRET_WORDS = frozenset({"max", "min", "num", "public"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


@functools.lru_cache(maxsize=4096)  # records repeat their keys (every tool has a 'description')
def looks_secret(key: str) -> bool:
    """Whether a key names a secret value, in any case, separator or plural form: `OAUTH_CLIENT_SECRET`,
    `api_keys`, `clientSecret`, `X-API-KEY` (not `token_url`, `key_path`, `api_key_name`, `max_tokens`)."""
    words = [_singular(word.lower()) for word in _WORD.findall(key)]
    if not words or words[-1] in _NOT_SECRET_ENDINGS or _NOT_SECRET_WORDS.intersection(words):
        return False
    return any(word in _SECRET_WORDS or word.endswith(_SECRET_ENDINGS) for word in words)


# --- which texts are secrets ---------------------------------------------------------------------

# A value that refers to a secret kept elsewhere rather than holding it, shown as it is (it tells the
# reader where the secret comes from): `${NAME}`, `${input:id}`, `${env:NAME}`, `${config:a.b}`,
# `${command:id}` (VS Code's prefixes only), `$NAME` (upper case: an environment variable),
# `{{ name }}`, `<placeholder>`. Not a default (the shell's `${NAME:-value}`, `${NAME-value}`, Spring's
# `${NAME:value}`): the value is a secret written out.
_REFERENCE = re.compile(
    r"^(\$\{(?:[A-Za-z_]\w*|(?:input|env|config|command):\w[\w.-]*)\}|\$[A-Z_][A-Z0-9_]*"
    r"|\{\{[^{}]+\}\}|<[^<>]+>)$"
)
# A value is read up to a space: one that is a `{{ name }}` or `<placeholder>` with spaces in it is
# such a reference only if the whole of it is there, and nothing follows it but the value's end.
_SPACED_REFERENCE = re.compile(r"(?:\{\{[^{}]+\}\}|<[^<>]+>)(?=$|[\s&#;\"'])")


def is_reference(value: str) -> bool:
    """Whether a value refers to a secret kept elsewhere (`${NAME}`, `$NAME`, `{{ name }}`, `<name>`)."""
    return bool(_REFERENCE.match(value.strip()))


# Well-known token shapes, after gitleaks' rules (config/gitleaks.toml): each is specific enough
# never to match ordinary text. A table rather than detect-secrets: its ad-hoc `scan_line` changes
# process-wide settings and yields values, not where they are, and its entropy plugins flag hashes
# and ids; gitleaks itself is a Go program.
_TOKEN_SHAPES = "|".join(
    (
        r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"  # a PEM private key block
        r"-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36}\b",  # GitHub tokens
        r"\bgithub_pat_\w{82}\b",  # GitHub fine-grained token
        r"\bglpat-[\w-]{20,}",  # GitLab
        r"\bxox[abeoprs]-[0-9A-Za-z-]{10,}|\bxapp-\d-[0-9A-Za-z-]{10,}",  # Slack
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",  # AWS access key id
        r"\bAIza[\w-]{35}\b",  # Google API key
        r"\bGOCSPX-[\w-]{28}\b",  # Google OAuth client secret
        r"\bsk-(?=[\w-]*\d)[\w-]{20,}",  # OpenAI, Anthropic and alike (a digit: not 'sk-learn-...')
        r"\b[rs]k_(?:live|test|prod)_[0-9A-Za-z]{10,}",  # Stripe
        r"\bntn_[0-9A-Za-z]{40,}|\bsecret_[0-9A-Za-z]{43}\b",  # Notion
        r"\blin_(?:api|oauth)_[0-9A-Za-z]{40}\b",  # Linear
        r"\bsntry[su]_[\w=+/-]{40,}",  # Sentry
        r"\bATATT3[\w=-]{150,}",  # Atlassian API token
        r"\bnpm_[0-9A-Za-z]{36}\b|\bhf_[A-Za-z]{34}\b|\bpypi-AgEIcHlwaS5vcmc[\w-]{50,}",  # npm, Hugging Face, PyPI
        r"\bSG\.[\w-]{22}\.[\w-]{43}\b|\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",  # SendGrid, Shopify
        r"(?<=hooks\.slack\.com/)(?:services|workflows|triggers)/[\w+/]{20,}",  # Slack webhook
        r"(?<=discord\.com/api/webhooks/)\d+/[\w-]{60,}",  # Discord webhook
        r"\beyJ[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",  # JWT (a JSON header: '{"')
        # Bearer or Basic credentials: a digit or punctuation in them, so 'Bearer authentication' is prose.
        r"(?<=\bBearer )(?=[\w.~+/=-]*[\d_.~+/=-])[\w.~+/=-]{8,}",
        r"(?<=\bBasic )[A-Za-z0-9+/]{8,}={0,2}",
    )
)


# Texts that can hold a token shape hold one of these: the table runs only on them, since running
# twenty alternatives at every position of every text would make masking a large record slow.
_TOKEN_HINTS = (
    *("-----BEGIN", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "xapp-"),
    *("AKIA", "ASIA", "ABIA", "ACCA", "A3T", "AIza", "GOCSPX-", "sk-", "k_live_", "k_test_", "k_prod_"),
    *("ntn_", "secret_", "lin_", "sntry", "ATATT3", "npm_", "hf_", "pypi-", "SG.", "shp", "hooks.slack.com/"),
    *("discord.com/api/webhooks/", "eyJ", "Bearer ", "Basic "),
)

_SHORTEST_TOKEN = 15  # 'xoxb-' and ten more, 'Bearer ' and eight more


@functools.cache
def _token_shapes() -> re.Pattern[str]:
    return re.compile(_TOKEN_SHAPES)  # on first use: compiling it would cost start-up ~10 ms


# The password of a URL or DSN (greedy up to the last '@' of the authority: passwords hold '@').
_URL_PASSWORD = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:(?P<value>[^\s/?#]+)@")
# NAME=VALUE: a query parameter, a `--flag=value`, an environment assignment.
_ASSIGNMENT = re.compile(
    r"(?:^|(?<=[\s?&;,'\"(]))(?:--?)?(?P<name>[A-Za-z_][\w.-]*)="
    r"(?:\"(?P<double>[^\"]+)\"|'(?P<single>[^']+)'|(?P<value>[^\s&#;\"']+))"
)
# On a command line only: `--token VALUE` in one string, and a header `Authorization: Bearer ...`.
_SPACED_FLAG = re.compile(r"(?:^|(?<=\s))--?(?P<name>[A-Za-z][\w-]*)\s+(?P<value>[^\s-]\S*)")
_HEADER = re.compile(r"^\s*(?P<name>[A-Za-z][\w-]*)\s*:\s*(?P<value>\S.*?)\s*$")
_FLAG = re.compile(r"^--?(?P<name>[A-Za-z][\w-]*)$")

_NAMED = (_ASSIGNMENT, _SPACED_FLAG, _HEADER)

# An AWS secret access key: 40 characters of base64 (30 random bytes), standing alone. A run of exactly
# 40 with upper case, lower case and a digit: not a git or SHA-1 hash (hex, one case), not a path
# (which has more slashes), not a piece of longer base64 (no '=' after it).
_BASE64_RUN = re.compile(r"[A-Za-z0-9/+]{40,}")
_AWS_SECRET_LENGTH = 40
_AWS_MAX_SLASHES = 4  # 1 in 1,500 AWS keys has more; a path of 40 characters has at least as many

# mysql and mariadb take the password joined to its flag: `-pPASSWORD` (`-p PASSWORD` names a database).
_MYSQL = r"(?:mysql|mariadb)[\w-]*(?:\.exe)?"
_MYSQL_COMMAND = re.compile(rf"(?:^|[\s/\\\"'])(?i:{_MYSQL})(?=[\s\"']|$)")
_MYSQL_PASSWORD = re.compile(r"(?:^|(?<=[\s\"']))-p(?P<value>'[^']*'|\"[^\"]*\"|[^\s\"']+)")
# Where in a text to try reading JSON, at most: a text with more braces is code, not a config.
_JSON_TRIES = 20


def runs_mysql(command: object) -> bool:
    """Whether a command (a program's name or path) is a mysql or mariadb client."""
    return isinstance(command, str) and re.fullmatch(_MYSQL, re.split(r"[/\\]", command)[-1], re.I) is not None


def _aws_secrets(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _BASE64_RUN.finditer(text):
        run = match[0]
        if len(run) != _AWS_SECRET_LENGTH or text.startswith("=", match.end()) or run.startswith("/"):
            continue
        cased = any(c.isupper() for c in run) and any(c.islower() for c in run) and any(c.isdigit() for c in run)
        if cased and run.count("/") <= _AWS_MAX_SLASHES:
            found.append(match.span())
    return found


def _json_secrets(text: str) -> list[tuple[int, int]]:
    """The secrets of each JSON object written inside a text (`--config={"db":{"pwd":"x"}}`), found by
    their keys as in a record, where the object's text writes them."""
    found: list[tuple[int, int]] = []
    decoder, at, tries = json.JSONDecoder(), text.find("{"), 0
    while at != -1 and tries < _JSON_TRIES:
        tries += 1
        try:
            value, end = decoder.raw_decode(text, at)
        except (ValueError, RecursionError):
            at = text.find("{", at + 1)
            continue
        secrets: list[Found] = []
        try:
            _mask(value, _TOP, found=secrets)
        except RecursionError:  # nested too deeply to read by its keys: all of it is hidden
            found.append((at, end))
        for secret in {item.text for item in secrets}:
            written = re.compile(re.escape(json.dumps(secret)[1:-1]))  # a number's text is written as it is
            found += [match.span() for match in written.finditer(text, at, end)]
        at = text.find("{", end)
    return found


def _spans(text: str, *, command_line: bool, mysql: bool = False) -> list[tuple[int, int]]:
    """Where the secrets are in `text`, in order, overlaps merged. `mysql`: the command line is a mysql
    client's, whose `-pPASSWORD` is a password (else the text says so itself)."""
    # The `in` tests only skip the regular expressions where they cannot match: they are for speed.
    long_enough = len(text) >= _SHORTEST_TOKEN
    shapes = _token_shapes().finditer(text) if long_enough and any(hint in text for hint in _TOKEN_HINTS) else ()
    found = [match.span() for match in shapes]
    if "://" in text:
        found += [match.span("value") for match in _URL_PASSWORD.finditer(text)]
    if len(text) >= _AWS_SECRET_LENGTH:
        found += _aws_secrets(text)
    if "{" in text:
        found += _json_secrets(text)
    if command_line and "-p" in text and (mysql or _MYSQL_COMMAND.search(text)):
        found += [match.span("value") for match in _MYSQL_PASSWORD.finditer(text)]
    named = _NAMED if command_line else _NAMED[:1] if "=" in text else ()
    for pattern in named:
        for match in pattern.finditer(text):
            group = next(name for name in ("double", "single", "value") if match.groupdict().get(name) is not None)
            value = match[group]
            # A reference ('${KEY}') holds no secret, but more after it may ('${KEY:-the password}').
            start = match.start(group)
            reference = is_reference(value) or _SPACED_REFERENCE.match(text, start) is not None
            if looks_secret(match["name"]) and not reference:
                found.append(match.span(group))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _flagged(items: list[Any]) -> set[int]:
    """The places in a list that follow a secret-named flag: `["--token", "X"]` -> {1} (read in any
    list: one holding flags is a command line wherever it is kept)."""
    flagged = set()
    for index, (flag, value) in enumerate(itertools.pairwise(items)):
        match = _FLAG.match(flag) if isinstance(flag, str) else None
        named = match is not None and looks_secret(match["name"])
        if named and isinstance(value, str) and value and not value.startswith("-") and not is_reference(value):
            flagged.add(index + 1)
    return flagged


# --- masking -------------------------------------------------------------------------------------


class _Where(NamedTuple):
    """What a value's place says about it."""

    secret: bool = False  # the whole value is a secret
    secret_map: bool = False  # every value here is a secret unless its name says it is a setting
    command_line: bool = False  # flags and headers are read as on a command line
    maps: bool = True  # `env` and `headers` are secret maps
    counts: bool = False  # a number here counts things: its key is a plural ('secret_values': 3)
    mysql: bool = False  # a command line of a mysql client: `-pPASSWORD` is a password

    def inside(self, key: object) -> _Where:
        return _inside(self, str(key))

    def within(self, mapping: dict[Any, Any], key: object) -> _Where:
        """The place of `mapping[key]`: the `args` of a mysql `command` are a mysql command line."""
        inner = self.inside(key)
        if inner.command_line and key == "args" and runs_mysql(mapping.get("command")):
            return inner._replace(mysql=True)
        return inner

    def elements(self, items: list[Any]) -> _Where:
        """The place of each element of `items`: one of them (not many), and on a mysql command line
        if one of them names the client (`docker exec db mysql -pX`)."""
        mysql = self.mysql or (self.command_line and any(runs_mysql(item) for item in items))
        return self._replace(counts=False, mysql=mysql)


@functools.lru_cache(maxsize=4096)  # a record's keys repeat, and so do the places they are in
def _inside(where: _Where, name: str) -> _Where:
    if where.secret or where.secret_map:
        # Every value of env and headers is a secret, whatever its name says (DATABASE_URL, a "region"
        # that is really a token): the name is the caller's, the promise is ours.
        return _Where(secret=True, maps=where.maps)
    words = _WORD.findall(name)
    return _Where(
        secret=looks_secret(name),
        secret_map=where.maps and name in _SECRET_MAPS,
        command_line=name in _COMMAND_LINES,
        maps=where.maps,
        counts=bool(words) and _singular(words[-1].lower()) != words[-1].lower(),
    )


_TOP = _Where()
_SECRET_HERE = _Where(secret=True)
_NO_MAPS = _Where(maps=False)


class Found(NamedTuple):
    """One secret found in a JSON value: where (keys and indexes), and its text."""

    path: tuple[str | int, ...]
    text: str


def _mask(value: Any, where: _Where, path: tuple[str | int, ...] = (), found: list[Found] | None = None) -> Any:
    if isinstance(value, dict):
        return {key: _mask(item, where.within(value, key), (*path, key), found) for key, item in value.items()}
    if isinstance(value, list):
        flagged, element = _flagged(value), where.elements(value)
        return [
            _mask(item, _SECRET_HERE if index in flagged else element, (*path, index), found)
            for index, item in enumerate(value)
        ]
    if where.secret:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if (number and not where.counts) or (isinstance(value, str) and value):
            if found is not None:
                found.append(Found(path, str(value)))
            return MASK
        return value
    if isinstance(value, str):
        spans = _spans(value, command_line=where.command_line, mysql=where.mysql)
        if found is not None:
            found.extend(Found(path, value[start:end]) for start, end in spans)
        return _masked_text(value, spans)
    return value


def _masked_text(text: str, spans: list[tuple[int, int]], mask: str = MASK) -> str:
    kept, last = [], 0
    for start, end in spans:
        kept += [text[last:start], mask]
        last = end
    return "".join([*kept, text[last:]])


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON value with every secret, whole value or part of a text, replaced by `MASK`."""
    return _mask(value, _TOP)


def mask_text(text: str, mask: str = MASK) -> str:
    """`text` with each secret it holds by what it is (a token's shape, a URL's password, the value of a
    secret-named assignment or flag) replaced by `mask`: the one test of whether a text is or holds a
    token, for a text whose place says nothing (an environment value shown in a consent question)."""
    return _masked_text(text, _spans(text, command_line=True), mask)


def secret_values(value: Any) -> set[str]:
    """Every secret text a JSON value holds: whatever `mask_secrets` would hide in it."""
    found: list[Found] = []
    _mask(value, _TOP, found=found)
    return {item.text for item in found}


def inline_secrets(value: Any) -> list[Found]:
    """The secrets a JSON value holds by their key or by what they are, in order; unlike
    `mask_secrets`, a value of `env` or `headers` counts only if its name or its text says it is
    secret, and a reference (`${NAME}`) is not a secret."""
    found: list[Found] = []
    _mask(value, _NO_MAPS, found=found)
    return [item for item in found if item.text.strip() and not is_reference(item.text)]


def secret_setting(name: str, value: str) -> bool:
    """Whether an environment variable or header is a secret by its name or by what its value holds
    (`GITHUB_TOKEN`, `Authorization`, a value shaped like a token): the line `inline_secrets` draws.
    Every value of `env` and `headers` is still masked when shown; this tells which ones a client
    that asks for them should treat as passwords."""
    return looks_secret(name) or bool(inline_secrets({name: value}))


# --- masks sent back -----------------------------------------------------------------------------

# The mask in any variant: re-cased, padded, quoted, cut short, pasted inside a longer text, or any
# mask-like placeholder (`<masked>`, `<masked secret>`, `<MASKED value>`).
_MASK_VARIANT = re.compile(r"masked[\s_-]*secret\s*:|<\s*masked\b")
# Text that may be base64 (standard or URL-safe) of a mask: long enough to hold `<masked`.
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_URL_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")
# How many times URL encoding is undone looking for a mask: deeper is no accident, and each pass reads
# the whole text again (a text of `%2525…` would take one pass per escape).
URL_DECODINGS = 8
# Unicode categories that hide inside a word without changing how it reads: format characters and marks.
_INVISIBLE = ("Cf", "Mn")


def holds_mask(text: str) -> bool:
    """Whether a text holds the mask in any variant: the one test of what is a mask, for every write.

    Variants are read through what hides them: compatibility forms and case (NFKC, casefold), invisible
    characters (a zero-width space or a variation selector inside), URL encoding (up to `URL_DECODINGS`
    times), and base64."""
    if MASK in text:
        return True
    views = [text]
    while len(views) <= URL_DECODINGS and _URL_ENCODED.search(views[-1]):
        views.append(unquote_plus(views[-1]))
    views += [decoded for view in list(views) for decoded in _base64_texts(view)]
    return any(_MASK_VARIANT.search(_visible(view)) for view in views)


def _visible(text: str) -> str:
    """`text` as read: compatibility forms folded, case folded, invisible characters dropped: format
    characters (a zero-width space) and the marks left over once composed (a variation selector, the
    combining grapheme joiner), which sit on a letter without changing how the word reads."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if unicodedata.category(c) not in _INVISIBLE) if not folded.isascii() else folded


def _base64_texts(text: str) -> list[str]:
    decoded = []
    for run in _BASE64_TEXT.findall(text):
        standard = run.rstrip("=").translate(_URL_SAFE)
        try:
            decoded.append(base64.b64decode(standard + "=" * (-len(standard) % 4)).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
    return decoded


_URL_SAFE = str.maketrans("-_", "+/")


def find_mask(value: Any, path: str = "", *, variants_only: bool = False) -> str | None:
    """The path of the first text holding the mask, in any variant, in a JSON value; or None.

    With `variants_only`, the exact mask (which `restore_masked` resolves or refuses) does not count:
    what is left is a mask no restore can resolve (re-cased, cut short, its spaces changed)."""
    if isinstance(value, str):
        text = value.replace(MASK, "") if variants_only else value
        return (path or "(value)") if holds_mask(text) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = find_mask(item, _join(path, key), variants_only=variants_only)
        if found is not None:
            return found
    return None


_CHANGED = "but the text around it is not what was read, so which stored secret it stands for is unknown"
_MOVED = "but the URL now points elsewhere (scheme, host or port), and a secret stays with the server it was given for"


def restore_masked(sent: Any, stored: Any, path: str = "") -> Any:
    """`sent` with each `MASK` replaced by the secret at the same place in `stored`.

    A text holding masks is restored when it reads as the stored text read masked; or when only
    its non-secret parts changed (another URL path, say), as long as each URL in it keeps its
    scheme, host and port and each secret lands where it is again recognised as one."""
    return _restore(sent, stored, path)


def _restore(sent: Any, stored: Any, path: str, where: _Where = _TOP) -> Any:
    if isinstance(sent, str) and MASK in sent:
        return _restore_text(sent, stored, path, where)
    if isinstance(sent, dict):
        known = stored if isinstance(stored, dict) else {}
        # A place is what it was when the stored record was read masked.
        return {
            key: _restore(item, known.get(key), _join(path, key), where.within(known or sent, key))
            for key, item in sent.items()
        }
    if isinstance(sent, list):
        return _restore_list(sent, stored if isinstance(stored, list) else [], path, where)
    return sent


def _restore_list(sent: list[Any], stored: list[Any], path: str, where: _Where) -> list[Any]:
    """Each element against the stored one it was read as: the one at the same place when the list
    kept its length, else the one a diff of the two lists pairs it with (an argument added in front
    does not shift which secret goes where)."""
    masked = _mask(stored, where)
    if len(sent) == len(stored):
        pairs = {index: index for index in range(len(sent))}
    else:
        import difflib  # only a modify sending back a list of another length needs it

        matcher = difflib.SequenceMatcher(None, _keys(sent), _keys(masked), autojunk=False)
        pairs = {a + step: b + step for a, b, size in matcher.get_matching_blocks() for step in range(size)}
    restored, element = [], where.elements(stored)
    for index, item in enumerate(sent):
        place = pairs.get(index, index)
        known = stored[place] if place < len(stored) else None
        restored.append(_restore(item, known, _join(path, index), element))
    return restored


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _keys(items: list[Any]) -> list[str]:
    return [json.dumps(item, sort_keys=True) for item in items]


def _restore_text(sent: str, stored: Any, path: str, where: _Where) -> Any:
    where_path = path or "(value)"
    found: list[Found] = []
    masked = _mask(stored, where, found=found)
    if stored is None or isinstance(stored, dict | list) or stored == "" or stored == MASK:
        raise MaskWithoutSecret(where_path, MASK)
    if sent == masked:
        return stored
    if sent == MASK:
        return stored  # a whole value sent back masked keeps what is stored
    secrets = [item.text for item in found]
    if not isinstance(stored, str) or sent.count(MASK) != len(secrets):
        raise MaskWithoutSecret(where_path, MASK, _CHANGED)
    if _origins(sent.replace(MASK, "x")) != _origins(stored):
        raise MaskWithoutSecret(where_path, MASK, _MOVED)
    parts = sent.split(MASK)
    candidate = parts[0] + "".join(secret + part for secret, part in zip(secrets, parts[1:], strict=True))
    if _mask(candidate, where) != sent:
        raise MaskWithoutSecret(where_path, MASK, _CHANGED)
    return candidate


_ORIGIN = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://(?:[^\s/?#]*@)?(\[[^\]\s]*\]|[^\s/?#:@]*)(?::(\d*))?")


def _origins(text: str) -> list[tuple[str, str, str]]:
    """Scheme, host and port of each URL in a text."""
    return [(scheme.casefold(), host.casefold(), port) for scheme, host, port in _ORIGIN.findall(text)]

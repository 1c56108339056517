"""Problems in a registry entry that the registry's API accepts but that will bite later.

`lint_server(payload)` returns findings, each naming the field, what is wrong and what to do:

- no `mcp_config` at all: nothing to run, so no export and no gateway can use the entry;
- a remote server reached over plain `http://` (not on this machine);
- a secret in `args`, `command` or `url`, where results cannot mask it by name, found by what it is
  (a secret-named flag or variable, a URL or DSN password, a secret-named query parameter, a
  well-known token shape): move it into `env` or `headers`. A secret there is not flagged: the
  gateway needs the real value, and results mask it by name;
- a reference (`${NAME}`, `Bearer ${TOKEN}`, `<your token>`) in `env` or `headers`: secure-mcp-gateway
  expands none, so the server would get the text;
- a guardrail enabled without a `guardrail_name`;
- OAuth enabled without a client id, client secret or token URL, and `OAUTH_ENFORCE_HTTPS` (or any
  OAuth endpoint) with an `http://` URL;
- deny patterns that deny nothing or not what they seem: empty (the gateway skips it), padded with
  spaces (the gateway matches the spaces too), or matching none of the listed tools;
- duplicate deny patterns;
- a `tools` map beside a `"*"` deny pattern: the gateway spares the tools it lists;
- a command that runs inline code or code loaded beside its package (`bash -c ...`, `node -e ...`,
  `npx --call ...`), or an argument holding shell metacharacters (`registry_mcp.registry.targets`);
- a value still to be supplied (`<to be supplied: NAME>`, as an entry from the public registry
  holds until the person gives the secret or setting it needs).

Findings are advice: `add_registry_server` returns them as warnings beside what it registered, or,
as a dry run, without writing anything. Past `MAX_FINDINGS`, the
rest are counted in one last finding rather than listed (10,000 mistyped patterns would otherwise
make a result of millions of characters), and a pattern is quoted at most `SHOWN_PATTERN` long.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import chain

from pydantic import BaseModel, Field

from registry_mcp.gateway.denylist import DENY_ALL, deny_patterns, matching, spared_by_listing
from registry_mcp.registry.models import (
    MISSING_VALUE,
    GuardrailConfig,
    LocalServerConfig,
    McpConfig,
    OAuthConfig,
    RemoteServerConfig,
    ServerPayload,
)
from registry_mcp.registry.targets import what_runs
from registry_mcp.secrets.masking import inline_secrets, is_reference
from registry_mcp.untrusted import cap
from registry_mcp.urls import is_cleartext

MAX_FINDINGS = 20
SHOWN_PATTERN = 60

_GUARDRAILS = ("tool_guardrails_config", "input_guardrails_config", "output_guardrails_config")


class Finding(BaseModel):
    """One problem in a registry entry."""

    field: str = Field(description="Where, as a dotted path such as 'mcp_config.config.url'.")
    problem: str = Field(description="What is wrong.")
    advice: str = Field(description="What to do about it.")


def lint_server(payload: ServerPayload) -> list[Finding]:
    """The findings for one add-server payload (the first `MAX_FINDINGS`, then a count of the rest)."""
    return _bounded(_findings(payload))


def lint_servers(payloads: list[ServerPayload]) -> list[Finding]:
    """The findings for a list of payloads, each field starting 'servers[i].' (bounded the same way)."""
    return _bounded(
        finding.model_copy(update={"field": f"servers[{index}]." + finding.field})
        for index, payload in enumerate(payloads)
        for finding in _findings(payload)
    )


def _findings(payload: ServerPayload) -> Iterator[Finding]:
    config = payload.mcp_config
    if config is None:
        yield _nothing_to_run()
    else:
        yield from chain(
            _config(config), _to_supply(config), _oauth(config.oauth_config), _guardrails(config), _denied(config)
        )


def _nothing_to_run() -> Finding:
    return Finding(
        field="mcp_config",
        problem="there is no mcp_config, so nothing to run: every export leaves the server out, and no gateway "
        "can use it",
        advice="add an mcp_config with a 'command' (a local server) or a 'url' (a remote one), now or later with "
        "modify_registry_server",
    )


def _bounded(findings: Iterable[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    rest: list[str] = []  # the fields of those left out
    for finding in findings:
        if len(kept) < MAX_FINDINGS:
            kept.append(finding)
        else:
            rest.append(finding.field)
    if rest:
        kept.append(
            Finding(
                field=_common_field(rest),
                problem=f"{len(rest):,} more findings like the ones above are not listed",
                advice="fix the ones shown, then check again (add with dry_run) to see the rest",
            )
        )
    return kept


def _common_field(fields: list[str]) -> str:
    """The longest whole-field prefix the fields share ('mcp_config.denied_tools' for its items)."""
    common = os.path.commonprefix(fields)  # noqa: RUF071 (character by character is what is meant)
    if any(len(field) > len(common) and field[len(common)] not in ".[" for field in fields):
        common = common[: max(common.rfind("."), common.rfind("["), 0)]
    return common or "(several fields)"


def _config(config: McpConfig) -> Iterator[Finding]:
    run = config.config
    if isinstance(run, LocalServerConfig):
        yield from _what_runs(run)
    if isinstance(run, RemoteServerConfig) and is_cleartext(run.url):
        yield Finding(
            field="mcp_config.config.url",
            problem="the remote server is reached over plain http://, so its traffic (and headers) can be read",
            advice="use an https:// URL",
        )
    seen: set[tuple[str | int, ...]] = set()
    for found in inline_secrets({"config": run.to_api()}):
        # env and headers must hold the real value (the gateway expands no reference), and results
        # mask them by name: a secret elsewhere is what is flagged.
        if found.path in seen or found.path[1] in ("env", "headers"):
            continue
        seen.add(found.path)
        field = "mcp_config" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in found.path)
        yield Finding(
            field=field,
            problem="a secret is written inline in the command line or the URL, where results cannot mask it by name",
            advice=f"move it into env (or headers) and {GIVE_REAL_VALUE}",
        )
    values = run.env if isinstance(run, LocalServerConfig) else run.headers
    where = "env" if isinstance(run, LocalServerConfig) else "headers"
    for name, value in values.items():
        if _refers(value):
            yield Finding(
                field=f"mcp_config.config.{where}.{name}",
                problem="a reference: secure-mcp-gateway expands none, so the server would get this text as it is",
                advice=GIVE_REAL_VALUE,
            )


# How to store a secret without it passing through the conversation (registry_mcp.secrets.sources).
GIVE_REAL_VALUE = (
    'set the real value there, given as {"from_env": "NAME"} or {"from_file": "PATH"} so registry-mcp reads it '
    "(on stdio) without it passing through the conversation"
)
_EMBEDDED_REFERENCE = re.compile(r"\$\{[^{}]+\}")


def _refers(value: str) -> bool:
    """Whether a value is, or holds, a reference the gateway would pass on as text (not a value still
    to be supplied, which `_to_supply` reports)."""
    if MISSING_VALUE.search(value):
        return False
    return is_reference(value) or _EMBEDDED_REFERENCE.search(value) is not None


def _what_runs(run: LocalServerConfig) -> Iterator[Finding]:
    """Inline code (a shell's or an interpreter's), code loaded beside the package, and shell
    metacharacters: read by the one rule, `registry.targets.what_runs`. Options are named, not their
    values (code may hold a secret)."""
    runs = what_runs(run.command, run.args)
    if runs.code:
        options = sorted({item.partition(" ")[0] for item in runs.code})
        what = "a shell" if runs.shell else "the program"
        yield Finding(
            field="mcp_config.config.args",
            problem=f"{what} is given code to run or load besides its package or script ({', '.join(options)}): "
            "whoever can change this entry can make every gateway that uses it run any command",
            advice="run a package or a script file instead, and register this only once the person has read the "
            "whole command",
        )
    for index, arg in enumerate(run.args):
        if arg in runs.metacharacters:
            yield Finding(
                field=f"mcp_config.config.args[{index}]",
                problem="holds shell metacharacters (; | & ` $( < >): where the runner is started through a shell "
                "(npx.cmd on Windows is), they run commands",
                advice="remove them, or check that the gateway starts this command without a shell",
            )


def _to_supply(config: McpConfig) -> Iterator[Finding]:
    run = config.config
    if isinstance(run, LocalServerConfig):
        places = [(f"env.{name}", value) for name, value in run.env.items()]
        places += [(f"args[{index}]", value) for index, value in enumerate(run.args)]
    else:
        places = [("url", run.url), *((f"headers.{name}", value) for name, value in run.headers.items())]
    for where, value in places:
        if MISSING_VALUE.search(value):
            yield Finding(
                field=f"mcp_config.config.{where}",
                problem="still to be supplied: the server cannot run until it is set",
                advice="set the real value with modify_registry_server (ask the person for it, never guess one; a "
                'secret can be given as {"from_env": "NAME"} or {"from_file": "PATH"})',
            )


def _oauth(oauth: OAuthConfig | None) -> Iterator[Finding]:
    if oauth is None or not oauth.enabled:
        return
    required = {"OAUTH_CLIENT_ID": oauth.OAUTH_CLIENT_ID, "OAUTH_CLIENT_SECRET": oauth.OAUTH_CLIENT_SECRET}
    required["OAUTH_TOKEN_URL"] = oauth.OAUTH_TOKEN_URL
    for name, value in required.items():
        if not (value or "").strip():
            yield Finding(
                field=f"mcp_config.oauth_config.{name}",
                problem="OAuth is enabled but this is missing, so the gateway cannot get a token",
                advice=f"set {name}, or turn OAuth off",
            )
    for name in ("OAUTH_TOKEN_URL", "OAUTH_AUTHORIZATION_URL", "OAUTH_REVOCATION_URL"):
        url = getattr(oauth, name)
        if url and is_cleartext(url):
            problem = "an OAuth endpoint over plain http://: credentials would travel in clear text"
            if oauth.OAUTH_ENFORCE_HTTPS:
                problem += ", and OAUTH_ENFORCE_HTTPS is on, so the gateway will refuse it"
            yield Finding(field=f"mcp_config.oauth_config.{name}", problem=problem, advice="use an https:// URL")


def _guardrails(config: McpConfig) -> Iterator[Finding]:
    for name in _GUARDRAILS:
        guardrail: GuardrailConfig | None = getattr(config, name)
        if guardrail is not None and guardrail.enabled and not guardrail.guardrail_name.strip():
            yield Finding(
                field=f"mcp_config.{name}.guardrail_name",
                problem="the guardrail is enabled without a guardrail_name, so there is no policy to apply",
                advice="name the Enkrypt guardrail policy to apply, or disable the guardrail",
            )


def _denied(config: McpConfig) -> Iterator[Finding]:
    patterns = deny_patterns(config.denied_tools)
    known = list(config.tools or {})
    for index, pattern in enumerate(patterns):
        where = f"mcp_config.denied_tools[{index}]"
        if not pattern:
            yield Finding(field=where, problem="the pattern is empty: the gateway skips it", advice="remove it")
        elif pattern != pattern.strip():
            # The gateway matches it as written (fnmatchcase), spaces included.
            yield Finding(
                field=where,
                problem="the pattern starts or ends with spaces, so it denies only tools whose names have them",
                advice="remove the spaces, unless a tool's name has them",
            )
        elif known and pattern != DENY_ALL and not matching(known, pattern):
            yield Finding(
                field=where,
                problem=f"{_shown(pattern)} matches none of the tools listed in mcp_config.tools (a typo?)",
                advice="check the name against the server's tools (inspect the server, or list them in 'tools')",
            )
    spared = spared_by_listing(config.denied_tools, known)
    if spared:
        yield Finding(
            field="mcp_config.tools",
            problem=f"the deny list holds '*', but the gateway does not apply '*' to the tools listed here, so "
            f"{len(spared)} stay visible: {', '.join(spared[:10])}{', …' if len(spared) > 10 else ''}",
            advice="keep in tools only the tools to offer, or deny them by name too",
        )
    for pattern, count in Counter(patterns).items():
        if count > 1:
            yield Finding(
                field="mcp_config.denied_tools",
                problem=f"{_shown(pattern)} is listed {count} times",
                advice="list each pattern once",
            )


def _shown(pattern: str) -> str:
    return repr(cap(pattern, SHOWN_PATTERN))

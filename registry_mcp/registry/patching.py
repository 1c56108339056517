"""What a modify does to a stored server: a JSON merge patch, and secrets that stay where they were put.

The changes a modify sends are a JSON merge patch of the server (RFC 7396): absent keys stay as
stored, `null` removes a key, objects merge key by key, lists and other values replace whole.
registry-mcp adds three rules, all applied by `apply_modify`:

- **Kind.** A `config` of the other kind (a `url` where a `command` was, or the reverse) replaces the
  stored config instead of merging into it: a config holding both would be neither.
- **Masks.** `MASK` (what a masked read shows) stands for the value stored at its place, so a record
  read masked can be sent back; a mask where nothing is stored is refused.
- **Targets.** A server's target is where a remote one lives (scheme, host and port of its `url`) or
  what a local one runs: its `command`, and what `registry_mcp.registry.targets.what_runs` reads in its
  `args` and `env` (the package but not its version, inline code and code-loading options, where
  packages come from, the env variables that change what runs). When a modify changes the
  target, the stored secrets of `config` and `oauth_config` (env and header values, the OAuth client
  secret: whatever `mask_secrets` hides) do not follow it: only those the call sends again are kept,
  and a mask there is refused, since the value it stands for was meant for the old target. The OAuth
  endpoints (`OAUTH_TOKEN_URL`, `OAUTH_AUTHORIZATION_URL`) are where the gateway sends the client
  secret: when the scheme, host or port of one changes, the secrets of `oauth_config` do not follow.

The embedded registry applies `apply_modify` inside the write's transaction; the client applies it
to a record it has read when the registry does not merge (see `endpoints.Endpoint.merges`).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

from registry_mcp.errors import MaskWithoutSecret, ModifyRefused
from registry_mcp.registry.targets import changes_what_runs, what_runs
from registry_mcp.secrets.masking import MASK, find_mask, mask_secrets, restore_masked

# The parts of an mcp_config whose secrets belong to the server's target.
_TARGET_BOUND = ("config", "oauth_config")
# Keys that say which kind a config is (the identifying key first).
_LOCAL_KEYS = ("command", "args", "env")
_REMOTE_KEYS = ("url", "transport", "headers")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# Where the gateway sends oauth_config's client secret (or the person, to sign in).
_OAUTH_ENDPOINTS = ("OAUTH_TOKEN_URL", "OAUTH_AUTHORIZATION_URL")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: `patch` applied to `target` (neither is changed)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def full_patch(stored: Any, wanted: Any) -> Any:
    """`wanted` as a merge patch of `stored`: all of `wanted`, with `null` for each key it drops.

    Every value of `wanted` is sent (so a registry applying the target rule sees it as sent again),
    and applying the patch to `stored` gives exactly `wanted`.
    """
    if not isinstance(wanted, dict) or not isinstance(stored, dict):
        return wanted
    patch: dict[str, Any] = {key: None for key in stored if key not in wanted}
    for key, value in wanted.items():
        patch[key] = full_patch(stored.get(key), value)
    return patch


def kind_of(config: Any) -> str | None:
    """'local' or 'remote' by the identifying key (a `null` one does not count); None if unclear."""
    if not isinstance(config, dict):
        return None
    has_command, has_url = config.get("command") is not None, config.get("url") is not None
    if has_command == has_url:
        return None
    return "local" if has_command else "remote"


def target_of(config: Any) -> tuple[Any, ...] | None:
    """Where a remote server lives or what a local one runs, or None for no (or an unclear) config.

    A local server's target is its command and what that runs (`registry.targets.what_runs`): the
    package, module, script or image (not its version), the inline code and code-loading options, where
    packages are fetched from, and the env variables that change what runs, with their values."""
    kind = kind_of(config)
    if kind == "remote":
        return ("remote", *_origin(config["url"]))
    if kind == "local":
        args = config.get("args")
        runs = what_runs(str(config["command"]), args if isinstance(args, list) else [])
        env = config.get("env")
        loading = tuple(
            sorted((str(name), str(value)) for name, value in env.items() if changes_what_runs(str(name)))
            if isinstance(env, dict)
            else ()
        )
        return ("local", str(config["command"]).strip(), runs.package, runs.code, runs.origin, loading)
    return None


def may_move(changes: Any) -> bool:
    """Whether changes to an `mcp_config.config` may change the server's target: a new kind key,
    new `args`, or an env variable that changes what runs."""
    if not isinstance(changes, dict):
        return False
    env = changes.get("env")
    return (
        kind_of(changes) is not None
        or "args" in changes
        or (isinstance(env, dict) and any(changes_what_runs(str(name)) for name in env))
    )


def _origin(url: Any) -> tuple[str, str, str]:
    """Scheme, host and port of a URL (the default port written out)."""
    parts = urlsplit(str(url).strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), str(port)


def _oauth_target(oauth: Any) -> tuple[tuple[str, str, str] | None, ...]:
    """The origin of each OAuth endpoint (None where it has none)."""
    settings = oauth if isinstance(oauth, dict) else {}
    return tuple(None if settings.get(name) is None else _origin(settings[name]) for name in _OAUTH_ENDPOINTS)


def apply_modify(
    stored: dict[str, Any], changes: dict[str, Any], *, replace_mcp_config: bool = False
) -> dict[str, Any]:
    """The server's fields after `changes` (a merge patch, or with `replace_mcp_config` a whole new
    `mcp_config`) are applied to `stored`, with the kind, mask and target rules above.

    Raises `ModifyRefused` for a mask with no stored value behind it, or one at a new target.
    """
    changes = dict(changes)
    stored_config = stored.get("mcp_config")
    sent_config = changes.pop("mcp_config", _ABSENT)
    updated: dict[str, Any] = merge_patch(stored, _restored(changes, stored, ""))
    if sent_config is _ABSENT:
        return updated
    if not isinstance(sent_config, dict) or not isinstance(stored_config, dict):
        # Removing mcp_config, or setting one where none was: nothing stored to keep or to carry.
        updated.pop("mcp_config", None)
        if isinstance(sent_config, dict):
            updated["mcp_config"] = _restored(_nulls_dropped(sent_config), None, "mcp_config")
        return updated
    new_config = _merged_config(stored_config, sent_config, replace=replace_mcp_config)
    moved = target_of(stored_config.get("config")) != target_of(_unmasked(new_config.get("config"), stored_config))
    oauth_moved = _oauth_target(stored_config.get("oauth_config")) != _oauth_target(new_config.get("oauth_config"))
    bound = _TARGET_BOUND if moved else ("oauth_config",) if oauth_moved else ()
    if bound:
        what = (
            _what_moved(stored_config.get("config"), new_config.get("config"))
            if moved
            else "the scheme, host or port of an OAuth endpoint changes"
        )
        for part in bound:
            masked_at = find_mask(sent_config.get(part))
            if masked_at is not None:
                raise ModifyRefused(
                    f"mcp_config.{part}.{masked_at}: holds the mask {MASK!r}, but this call changes the server's "
                    f"target ({what}), and a stored secret does not follow its server to a new target; send the "
                    "value again"
                )
        masked = mask_secrets(new_config)
        for part in bound:
            if part in new_config:
                new_config[part] = _without_unsent_secrets(
                    new_config[part], masked.get(part), sent_config.get(part), f"mcp_config.{part}"
                )
    updated["mcp_config"] = _restored(new_config, stored_config, "mcp_config")
    return updated


_ABSENT: Any = object()


def _merged_config(stored: dict[str, Any], sent: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    if replace:
        return dict(_nulls_dropped(sent))
    merged: dict[str, Any] = merge_patch(stored, sent)
    new_kind = kind_of(sent.get("config"))  # None unless a config of a clear kind was sent
    if new_kind is not None and new_kind != kind_of(stored.get("config")):
        merged["config"] = _nulls_dropped(sent["config"])  # the other kind replaces instead of merging
    return merged


def _nulls_dropped(sent: Any) -> Any:
    """A value sent where nothing is kept: as a merge patch applied to nothing, without its nulls."""
    return merge_patch(None, sent)


def _unmasked(config: Any, stored_config: dict[str, Any]) -> Any:
    """`config` with the masks that stand for stored values restored, to tell its target: a masked
    argument (a token given as the first argument, say) is the stored one, not a new package."""
    try:
        return restore_masked(config, stored_config.get("config"))
    except MaskWithoutSecret:
        return config


def _restored(sent: Any, stored: Any, path: str) -> Any:
    """`sent` with each mask replaced by the stored value at its place."""
    try:
        return restore_masked(sent, stored, path)
    except MaskWithoutSecret as missing:
        raise ModifyRefused(str(missing)) from None


def _without_unsent_secrets(value: Any, masked: Any, sent: Any, path: str) -> Any:
    """`value` without the stored secrets the call did not send again (a dict entry is dropped).

    `masked` is `value` as `mask_secrets` shows it in its place in the record (a dict where `value` is
    one): where they differ, `value` holds a secret."""
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for key, item in value.items():
        sent_item = sent.get(key, _ABSENT) if isinstance(sent, dict) else _ABSENT
        if isinstance(item, dict):
            kept[key] = _without_unsent_secrets(item, masked.get(key), sent_item, f"{path}.{key}")
        elif masked.get(key) == item or sent_item is not _ABSENT:
            kept[key] = item  # not a secret, or sent by this call
        elif isinstance(item, list):
            raise ModifyRefused(
                f"{path}.{key}: holds a stored secret and this call changes the server's target; send {key} again "
                "in full so that no stored secret follows the server to its new target"
            )
    return kept


def what_moved(old: Any, new: Any) -> str | None:
    """Why a server's target differs between two configs, in words (None: the same target). Names
    no value: a package or an argument may be a secret."""
    old_target, new_target = target_of(old), target_of(new)
    if old_target == new_target:
        return None
    if old_target is None or new_target is None or old_target[0] != new_target[0]:
        return "a local server becomes a remote one, or the reverse"
    if new_target[0] == "remote":
        return "the scheme, host or port of url changes"
    reasons = [
        why
        for index, why in enumerate(_LOCAL_CHANGES, start=1)
        if old_target[index] != new_target[index] and why is not None
    ]
    changed_env = sorted({name for name, _ in {*old_target[5]} ^ {*new_target[5]}})
    if changed_env:
        reasons.append(f"{', '.join(changed_env)}, which {'change' if len(changed_env) > 1 else 'changes'} what runs")
    return " and ".join(reasons[:1] if reasons[:1] == ["command changes"] else reasons)


# Why each part of a local target changed (the env variables are named apart).
_LOCAL_CHANGES = (
    "command changes",
    "the package in args changes",
    "the inline code or code-loading options in args change",
    "where args fetch packages from changes",
    None,
)


def _what_moved(old: Any, new: Any) -> str:
    return what_moved(old, new) or "the target changes"


def may_drop_secrets(mcp_config_changes: Any, *, replace: bool = False) -> bool:
    """Whether changes to `mcp_config` may leave stored secrets behind: they may move the server
    (`may_move`), move an OAuth endpoint, or replace `mcp_config` whole."""
    if not isinstance(mcp_config_changes, dict):
        return False
    oauth = mcp_config_changes.get("oauth_config")
    return (
        replace
        or may_move(mcp_config_changes.get("config"))
        or (isinstance(oauth, dict) and any(name in oauth for name in _OAUTH_ENDPOINTS))
    )


def why_secrets_move(before: Any, after: Any) -> str | None:
    """Why the secrets of one `mcp_config` do not follow to the other, or None if they may."""
    old, new = (value if isinstance(value, dict) else {} for value in (before, after))
    moved = what_moved(old.get("config"), new.get("config"))
    if moved is None and _oauth_target(old.get("oauth_config")) != _oauth_target(new.get("oauth_config")):
        return "the scheme, host or port of an OAuth endpoint changes"
    return moved


def dropped_secrets(before: Any, after: Any) -> list[str]:
    """The places in `mcp_config` (`config.env.API_KEY`) where `before` held a secret of its target
    (of `config` or `oauth_config`) that `after` no longer holds: what a modify that moved the server
    dropped. No value is named."""
    if not isinstance(before, dict):
        return []
    masked = mask_secrets(before)
    dropped: list[str] = []

    def walk(value: Any, shown: Any, kept: Any, path: str) -> None:
        if isinstance(value, dict) and isinstance(shown, dict):
            for key, item in value.items():
                walk(item, shown.get(key), kept.get(key) if isinstance(kept, dict) else None, f"{path}.{key}")
        elif value != shown and kept != value:
            dropped.append(path)

    for part in _TARGET_BOUND:
        walk(before.get(part), masked.get(part), after.get(part) if isinstance(after, dict) else None, part)
    return dropped

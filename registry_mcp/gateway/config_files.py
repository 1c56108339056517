"""Writing an export straight into a config file, so secret values never pass through the conversation.

    plan = plan_write("~/.enkrypt/enkrypt_mcp_config.json", export(servers, "gateway"), "gateway", "registry_mcp")
    backup = write(plan)

A gateway export goes into a secure-mcp-gateway config (`mcp_configs`, the config named `config_name`,
servers merged by `server_name`); where the file does not exist yet it becomes a file for the
gateway's `config import`. A `gateway_overrides` export is merged by saved name into the top-level
`local_server_overrides` of a gateway's config file. A client export is merged by name into the
file's block for that client (`registry_mcp.gateway.clients.CLIENT_BLOCK`: `mcpServers`, `servers`,
`context_servers`; Codex's `config.toml` is TOML, rewritten whole and refused if it has comments);
other keys are kept. Claude Code's managed allowlist replaces the file's `allowedMcpServers` whole (the
registry is the list) and sets `allowManagedMcpServersOnly`; a new one is readable by every user
(0644), as Claude Code must read it.

The plan is what the person is asked about, and `write` writes exactly it: the bytes are fixed when
planning, and `write` refuses (writing nothing) when the file is no longer as planned: it appeared,
changed, was removed, or its permissions or owner changed. The plan keeps what each entry it writes
replaces and any config-wide policy it changes, so the question can show them.

The write is atomic (a temporary file in the same folder, then `os.replace`), keeps a backup of a
file it changes (same permissions), gives a new file mode 0600 and an existing one its own mode (or
0600 with its group and others' permissions removed, when asked to make it private), and refuses a
symbolic link (the file or any folder on its path), anything but a regular file (saying what it is),
a relative path, a folder that does not exist, a file over `MAX_EXISTING_BYTES` (before reading it),
and a file it cannot rewrite exactly: comments, not an object, a key twice in one object. The file's
numbers are written back as they were written (`1e400`, `1.0`, a 40-digit integer), never re-formatted.
A file another user owns is named in the plan (`other_owner`): it gives that user the secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import pwd
import stat
import tempfile
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from registry_mcp.errors import WriteRefused
from registry_mcp.gateway import claude_managed
from registry_mcp.gateway.clients import CLIENT_BLOCK
from registry_mcp.gateway.cloud_mode import OVERRIDES
from registry_mcp.gateway.export import TOOL_GUARDRAILS, Export, ExportFormat
from registry_mcp.gateway.toml_text import dumps, has_comments
from registry_mcp.secrets.masking import MASK, find_mask, secret_values

NEW_FILE_MODE = 0o600
# The largest file rewritten: it is read and parsed whole (about ten times its size in memory).
MAX_EXISTING_BYTES = 16 * 1024 * 1024
_CLIENT_KEY = {**CLIENT_BLOCK, "gateway_overrides": OVERRIDES}
# Top-level keys of a secure-mcp-gateway config file, one of which an existing file must have to get overrides.
_GATEWAY_FILE_KEYS = ("mcp_configs", "plugins", OVERRIDES)


@dataclass(frozen=True)
class FileState:
    """An existing file as it was read: any difference at write time means someone changed it."""

    identity: tuple[int, int, int, int]  # inode, size, mtime_ns, ctime_ns (ctime moves on chmod and chown too)
    mode: int
    owner: tuple[int, int]

    @classmethod
    def of(cls, status: os.stat_result) -> FileState:
        identity = (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
        return cls(identity, stat.S_IMODE(status.st_mode), (status.st_uid, status.st_gid))


@dataclass
class WritePlan:
    """What writing will do, worked out before anyone is asked; `write` writes exactly this."""

    path: Path
    content: dict[str, Any]
    what: str  # what the file is, for people
    original: bytes | None = None  # the file as read (None: a new file)
    state: FileState | None = None  # the file as read (None: a new file)
    mode: int = NEW_FILE_MODE  # what the written file gets
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # entries of the file's list the write drops
    entries: dict[str, Any] = field(default_factory=dict)  # name -> the entry written (real values)
    previous: dict[str, Any] = field(default_factory=dict)  # name -> the file's entry it replaces
    policy: tuple[Any, Any] | None = None  # the config-wide tool guardrails (before, after) where they change
    kept: int = 0  # entries of the file left as they were
    secrets: int = 0  # secret values the file gets
    next_step: str = ""
    other_owner: str | None = None  # the user owning the file, where that is not the user writing it
    data: bytes = b""  # the exact bytes written, fixed when planning
    source: str = ""  # digest of the export the plan was made from

    @property
    def fingerprint(self) -> str:
        """A short name for this exact plan (the bytes and the file's state), safe to show: keyed
        with a per-process secret, so it tells nothing about the secret values it covers."""
        state = repr((self.path, self.state, self.mode)).encode()
        return hmac.new(_FINGERPRINT_KEY, self.data + b"\0" + state, hashlib.sha256).hexdigest()[:12]


_FINGERPRINT_KEY = os.urandom(32)


def digest(value: Any) -> str:
    """A digest of a JSON value, to tell whether two renderings are the same."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def entries_of(config: dict[str, Any], export_format: ExportFormat) -> dict[str, Any]:
    """An export's entries by the name they are written under."""
    if export_format == "gateway":
        return {entry["server_name"]: entry for entry in config["mcp_config"]}
    if export_format == "claude_managed":
        return {claude_managed.label(entry): entry for entry in config[claude_managed.ALLOWED]}
    return dict(config[_CLIENT_KEY[export_format]])


RELATIVE_PATH = "give an absolute path (or one starting with ~/), not a relative one"
"""Why a relative path is refused: it would resolve against the server's working directory, which is
wherever the assistant happened to start it."""


def target_path(text: str) -> Path:
    """The absolute path a person gave (`~` expanded), checked for what can be written safely."""
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise WriteRefused(f"path: {RELATIVE_PATH}")
    path = Path(os.path.normpath(path))  # '..' taken away here, so every folder checked is one written through
    _no_links(path)
    if not path.parent.is_dir():
        raise WriteRefused("path: its folder does not exist; create it first")
    try:
        kind = not_a_file(os.stat(path).st_mode)
    except FileNotFoundError:
        return path
    if kind:
        raise WriteRefused(f"path: it is {kind}, not a regular file")
    return path


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_a_file(mode: int) -> str | None:
    """What a path with this `st_mode` is, in words, if it is not a regular file (else None)."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "a special file")


def owner_name(uid: int) -> str:
    """A user by name and uid, as a person recognises them."""
    try:
        return f"the user '{pwd.getpwuid(uid).pw_name}' (uid {uid})"
    except KeyError:
        return f"uid {uid}, which names no user of this machine"


def _no_links(path: Path) -> None:
    """Refuse a path through a symbolic link: the file written would not be the one the person was shown."""
    for folder in reversed(path.parents):
        try:
            if stat.S_ISLNK(os.lstat(folder).st_mode):
                raise WriteRefused(
                    "path: one of its folders is a symbolic link; registry-mcp does not write through links. Give "
                    "the real path (as `realpath` prints it), if that is the file to change"
                )
        except FileNotFoundError:
            return  # the folder check that follows says so
    if path.is_symlink():
        raise WriteRefused(
            "path: it is a symbolic link; registry-mcp does not write through links. Give the path of the file "
            "it points to, if that is the file to change"
        )


def plan_write(
    text: str, rendered: Export, export_format: ExportFormat, config_name: str, *, private: bool = False
) -> WritePlan:
    """What writing `rendered` into the file at `text` will do. `private`: an existing file loses its
    group and others' permissions (a new one is 0600 anyway)."""
    masked_at = find_mask(rendered.config)
    if masked_at is not None:
        raise WriteRefused(
            f"{masked_at} holds the mask {MASK!r} (or a variant of it) where the registry should hold a value; "
            "nothing was written. Give the server its real value first (modify_registry_server)"
        )
    path = target_path(text)
    plan = WritePlan(path=path, content={}, what="", source=digest(rendered.config))
    toml = export_format == "codex"  # Codex CLI's config.toml
    # Whatever a parser accepts, reading, walking and writing back the file's content is refused
    # here, whole and before anything is written, where it cannot be done.
    try:
        _plan_content(plan, rendered, export_format, config_name, toml=toml)
        plan.data = (dumps(plan.content) if toml else _dumps(plan.content) + "\n").encode("utf-8")
    except RecursionError:
        raise WriteRefused("path: the file nests objects too deeply to be rewritten") from None
    except UnicodeEncodeError:
        raise WriteRefused(
            "path: the file holds a lone surrogate (a \\ud800-\\udfff escape without its pair), which cannot "
            "be written back as UTF-8; remove it, or write to a new file"
        ) from None
    if plan.state is not None and plan.state.owner[0] != os.geteuid():
        plan.other_owner = owner_name(plan.state.owner[0])
    if private:
        plan.mode &= 0o700
    return plan


def _plan_content(
    plan: WritePlan, rendered: Export, export_format: ExportFormat, config_name: str, *, toml: bool
) -> None:
    existing = _read(plan.path, plan, toml=toml) if plan.path.exists() else None
    if export_format == "gateway":
        _gateway(plan, existing, rendered.config, config_name)
    elif export_format == "claude_managed":
        _managed_settings(plan, existing, rendered.config)
    elif export_format == "gateway_overrides":
        _overrides(plan, existing, rendered.config)
    else:
        _client(plan, existing, rendered.config, _CLIENT_KEY[export_format])
    plan.entries = entries_of(rendered.config, export_format)
    plan.secrets = len(secret_values(rendered.config))
    # What the question shows of the file's own entries: its numbers as values.
    plan.previous = _plain(plan.previous)
    plan.policy = (_plain(plan.policy[0]), plan.policy[1]) if plan.policy is not None else None


def _read(path: Path, plan: WritePlan, *, toml: bool = False) -> dict[str, Any]:
    # Opened without blocking (a FIFO put there since the path was checked) and never through a link.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(descriptor)
        kind = not_a_file(status.st_mode)
        if kind:
            raise WriteRefused(f"path: it is {kind}, not a regular file")
        if status.st_size > MAX_EXISTING_BYTES:
            raise WriteRefused(
                f"path: the file holds {status.st_size:,} bytes, more than the {MAX_EXISTING_BYTES // 2**20} MiB "
                "registry-mcp rewrites; write to a new file, or export_registry_servers and add the block by hand"
            )
        original = file.read(MAX_EXISTING_BYTES + 1)
    if len(original) > MAX_EXISTING_BYTES:  # it grew since fstat
        raise WriteRefused(f"path: the file is larger than {MAX_EXISTING_BYTES // 2**20} MiB")
    content = _read_toml(original) if toml else _load(original)
    plan.original = original
    plan.state = FileState.of(status)
    plan.mode = plan.state.mode
    return content


def _read_toml(original: bytes) -> dict[str, Any]:
    try:
        text = original.decode("utf-8-sig")
        content = tomllib.loads(text)
    except ValueError:  # not UTF-8, not TOML, or an integer longer than Python reads
        raise WriteRefused("path: the file is not TOML, so not a Codex config.toml") from None
    if has_comments(text, content):
        raise WriteRefused(
            "path: the file has comments, which rewriting it would lose; remove them, or write to a new file"
        )
    return content


@dataclass(frozen=True)
class _Number:
    """A number of the file, kept as written there: `1e400` is no float, `1.0` no `1`."""

    text: str


def _load(original: bytes) -> dict[str, Any]:
    """The file's JSON object, its numbers kept as written; refused where a rewrite could not keep it."""
    try:
        content = json.loads(
            original.decode("utf-8-sig"),
            object_pairs_hook=_unique_keys,
            parse_float=_Number,
            parse_int=_Number,
            parse_constant=_Number,
        )
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WriteRefused(
            "path: the file is not plain JSON (comments or trailing commas?), so it cannot be rewritten without "
            "losing them; remove them, or write to a new file"
        ) from None
    if not isinstance(content, dict):
        raise WriteRefused("path: the file does not hold a JSON object")
    return content


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise WriteRefused(
                f"path: the file has the key {json.dumps(key, ensure_ascii=False)[:100]} twice in one object; "
                "readers differ on which one counts, so it is not rewritten: remove one of them"
            )
        found[key] = value
    return found


def _plain(value: Any) -> Any:
    """A value of the file with its numbers as Python numbers (for showing, never for writing)."""
    if isinstance(value, _Number):
        try:
            return json.loads(value.text, parse_constant=float)
        except ValueError:  # an integer longer than Python reads (4,300 digits): shown as written
            return value.text
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _dumps(value: Any, indent: str = "") -> str:
    """`value` as `json.dumps(value, indent=2, ensure_ascii=False)` writes it, but each of the file's
    numbers as it was written there."""
    if isinstance(value, _Number):
        return value.text
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = (f"{inner}{json.dumps(key, ensure_ascii=False)}: {_dumps(item, inner)}" for key, item in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(f"{inner}{_dumps(item, inner)}" for item in value) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)


def _gateway(plan: WritePlan, existing: dict[str, Any] | None, block: dict[str, Any], name: str) -> None:
    if existing is None:
        plan.content = {"config": {"mcp_config_name": name, **block}}
        plan.added = [entry["server_name"] for entry in block["mcp_config"]]
        if TOOL_GUARDRAILS in block.get("common_overrides", {}):
            plan.policy = (None, block["common_overrides"][TOOL_GUARDRAILS])
        plan.what = "a secure-mcp-gateway import file"
        plan.next_step = (
            f"Import it into the gateway with: secure-mcp-gateway config import --input-file {plan.path} "
            f"--config-name {name}"
        )
        return
    configs = existing.get("mcp_configs")
    if not isinstance(configs, dict):
        raise WriteRefused("path: the file is not a secure-mcp-gateway config (it has no mcp_configs object)")
    plan.what = "a secure-mcp-gateway config"
    found = next(
        (
            key
            for key, value in configs.items()
            if key == name or (isinstance(value, dict) and value.get("mcp_config_name") == name)
        ),
        None,
    )
    if found is None:
        # The same id each time this is planned, so the plan (and the question) is the same each round.
        found = next(
            key
            for key in (str(uuid.uuid5(uuid.NAMESPACE_URL, f"registry-mcp:{name}:{n}")) for n in itertools.count())
            if key not in configs
        )
        configs[found] = {"mcp_config_name": name, "mcp_config": []}
        plan.next_step = (
            f"The config '{name}' is new: no project uses it until you assign it, for example with "
            f"secure-mcp-gateway project assign-config --project-name <project> --config-name {name}"
        )
    target = configs[found]
    servers = target.get("mcp_config")
    if not isinstance(servers, list):
        raise WriteRefused(f"path: mcp_configs.{found}.mcp_config is not a list")
    merged = _merge_list(servers, block["mcp_config"], plan)
    target["mcp_config"] = merged
    if TOOL_GUARDRAILS in block.get("common_overrides", {}):
        overrides = target.setdefault("common_overrides", {})
        if not isinstance(overrides, dict):
            raise WriteRefused(f"path: mcp_configs.{found}.common_overrides is not an object")
        before, after = overrides.get(TOOL_GUARDRAILS), block["common_overrides"][TOOL_GUARDRAILS]
        if _plain(before) != after:
            plan.policy = (before, after)
        overrides[TOOL_GUARDRAILS] = after
    plan.content = existing


def _merge_list(servers: list[Any], ours: list[dict[str, Any]], plan: WritePlan) -> list[Any]:
    by_name = {entry["server_name"]: entry for entry in ours}
    merged = []
    for server in servers:
        name = server.get("server_name") if isinstance(server, dict) else None
        if isinstance(name, str) and name in by_name:
            merged.append(by_name.pop(name))
            plan.replaced.append(name)
            plan.previous[name] = server
        else:
            merged.append(server)
            plan.kept += 1
    plan.added = list(by_name)
    return merged + list(by_name.values())


def _client(plan: WritePlan, existing: dict[str, Any] | None, block: dict[str, Any], key: str) -> None:
    content = existing if existing is not None else {}
    servers = content.setdefault(key, {})
    if not isinstance(servers, dict):
        raise WriteRefused(f"path: the file's {key} is not an object")
    for name, entry in block[key].items():
        if name in servers:
            plan.replaced.append(name)
            plan.previous[name] = servers[name]
        else:
            plan.added.append(name)
        servers[name] = entry
    plan.kept = len(servers) - len(block[key])
    plan.content = content
    plan.what = f"an MCP client config ({key})"


def _managed_settings(plan: WritePlan, existing: dict[str, Any] | None, block: dict[str, Any]) -> None:
    content = existing if existing is not None else {}
    before = content.get(claude_managed.ALLOWED, [])
    if not isinstance(before, list):
        raise WriteRefused(f"path: the file's {claude_managed.ALLOWED} is not a list")
    # The file's entries with its numbers as values: json.dumps cannot write a number kept as written.
    had = {
        claude_managed.label(entry) if isinstance(entry, dict) else json.dumps(entry): entry for entry in _plain(before)
    }
    ours = entries_of(block, "claude_managed")
    plan.added = [name for name in ours if name not in had]
    plan.kept = len(ours) - len(plan.added)
    plan.removed = [name for name in had if name not in ours]
    content[claude_managed.ONLY_MANAGED] = True
    content[claude_managed.ALLOWED] = block[claude_managed.ALLOWED]
    plan.content = content
    plan.what = "Claude Code's managed settings"
    if existing is None:
        plan.mode = claude_managed.FILE_MODE
    plan.next_step = f"Claude Code reads it at {claude_managed.DEPLOYED_AT}"


def _overrides(plan: WritePlan, existing: dict[str, Any] | None, block: dict[str, Any]) -> None:
    if existing is not None and not any(key in existing for key in _GATEWAY_FILE_KEYS):
        raise WriteRefused(
            "path: the file is not a secure-mcp-gateway config (it has none of mcp_configs, plugins, "
            f"{OVERRIDES}); give the gateway's own config file"
        )
    _client(plan, existing, block, OVERRIDES)
    plan.what = f"the {OVERRIDES} of a secure-mcp-gateway config" if existing else f"a file holding {OVERRIDES}"
    if existing is None:
        plan.next_step = (
            f"The gateway reads {OVERRIDES} only from its own config file: merge this block into it at the top level"
        )


def write(plan: WritePlan) -> Path | None:
    """Write the planned bytes atomically; return the backup of the file it replaced, if any. Refuses,
    writing nothing, where the file or its path is no longer as planned."""
    path = plan.path
    _as_planned(plan)
    backup = _backup(plan) if plan.original is not None else None
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(descriptor, plan.mode)
        if plan.state is not None and os.geteuid() == 0:
            os.fchown(descriptor, *plan.state.owner)  # root changing someone's file leaves it theirs
        with os.fdopen(descriptor, "wb") as file:
            file.write(plan.data)
            file.flush()
            os.fsync(file.fileno())
        _as_planned(plan)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return backup


def _as_planned(plan: WritePlan) -> None:
    """Refuse unless the path and the file are as they were when planned (and as the person was told)."""
    _no_links(plan.path)
    try:
        status = os.lstat(plan.path)
    except FileNotFoundError:
        if plan.state is None:
            return
        raise WriteRefused("path: the file was removed meanwhile; nothing was written, try again") from None
    if plan.state is None:
        raise WriteRefused("path: a file appeared there meanwhile; nothing was written, try again")
    now = FileState.of(status)
    if now.mode != plan.state.mode:
        raise WriteRefused(
            f"path: the file's permissions changed meanwhile ({plan.state.mode:04o} to {now.mode:04o}); nothing "
            "was written, try again"
        )
    if now.owner != plan.state.owner:
        raise WriteRefused("path: the file's owner changed meanwhile; nothing was written, try again")
    if now.identity != plan.state.identity:
        raise WriteRefused("path: the file changed meanwhile; nothing was written, try again")


def _backup(plan: WritePlan) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    backup = plan.path.with_name(f"{plan.path.name}.{stamp}.bak")
    # O_EXCL | O_NOFOLLOW: never through a link, never over a file already there.
    descriptor = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, plan.mode)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), plan.mode)  # the umask may have narrowed it; never wider than the original
        file.write(plan.original or b"")
        file.flush()
        os.fsync(file.fileno())
    return backup

"""Writing an export straight into a config file, so secret values never pass through the conversation.

    plan = plan_write("~/.enkrypt/enkrypt_mcp_config.json", export(servers, "gateway"), "gateway", "registry_mcp")
    backup = write(plan)

A gateway export goes into a secure-mcp-gateway config (`mcp_configs`, the config named `config_name`,
servers merged by `server_name`); where the file does not exist yet it becomes a file for the
gateway's `config import`. A client export is merged by name into the file's `mcpServers` (Claude
Desktop, Cursor, Claude Code) or `servers` (VS Code) object; other keys are kept.

The write is atomic (a temporary file in the same folder, then `os.replace`), keeps a backup of a
file it changes (same permissions), gives a new file mode 0600 and an existing one its own mode, and
refuses a symbolic link, anything but a regular file, a relative path, a folder that does not exist,
a file it cannot rewrite exactly (comments, not an object), and a file that changed meanwhile.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .export import TOOL_GUARDRAILS, Export, ExportFormat
from .masking import secret_values

NEW_FILE_MODE = 0o600
MAX_EXISTING_BYTES = 256 * 1024 * 1024  # a real ~/.claude.json reaches 100 MB
_CLIENT_KEY = {"mcpServers": "mcpServers", "vscode": "servers"}


class WriteRefused(ValueError):
    """The file cannot be written safely; the message says why (never a value from it)."""


@dataclass
class WritePlan:
    """What writing will do, worked out before anyone is asked."""

    path: Path
    content: dict[str, Any]
    what: str  # what the file is, for people
    original: bytes | None = None  # the file as read (None: a new file)
    identity: tuple[int, int, int] | None = None  # (inode, size, mtime_ns) when read
    mode: int = NEW_FILE_MODE
    owner: tuple[int, int] | None = None
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    kept: int = 0  # entries of the file left as they were
    secrets: int = 0  # secret values the file gets
    next_step: str = ""


def target_path(text: str) -> Path:
    """The absolute path a person gave (`~` expanded), checked for what can be written safely."""
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise WriteRefused("path: give an absolute path (or one starting with ~/), not a relative one")
    if not path.parent.is_dir():
        raise WriteRefused("path: its folder does not exist; create it first")
    if path.is_symlink():
        raise WriteRefused(
            "path: it is a symbolic link; registry-mcp does not write through links. Give the path of the file "
            "it points to, if that is the file to change"
        )
    if path.exists() and not path.is_file():
        raise WriteRefused("path: it exists and is not a regular file")
    return path


def plan_write(text: str, rendered: Export, export_format: ExportFormat, config_name: str) -> WritePlan:
    path = target_path(text)
    plan = WritePlan(path=path, content={}, what="")
    existing = _read(path, plan) if path.exists() else None
    if export_format == "gateway":
        _gateway(plan, existing, rendered.config, config_name)
    else:
        _client(plan, existing, rendered.config, _CLIENT_KEY[export_format])
    plan.secrets = len(secret_values(rendered.config))
    return plan


def _read(path: Path, plan: WritePlan) -> dict[str, Any]:
    with path.open("rb") as file:
        status = os.fstat(file.fileno())
        if status.st_size > MAX_EXISTING_BYTES:
            raise WriteRefused(f"path: the file is larger than {MAX_EXISTING_BYTES // 2**20} MB")
        original = file.read()
    try:
        content = json.loads(original.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WriteRefused(
            "path: the file is not plain JSON (comments or trailing commas?), so it cannot be rewritten without "
            "losing them; remove them, or write to a new file"
        ) from None
    if not isinstance(content, dict):
        raise WriteRefused("path: the file does not hold a JSON object")
    plan.original = original
    plan.identity = (status.st_ino, status.st_size, status.st_mtime_ns)
    plan.mode = stat.S_IMODE(status.st_mode)
    plan.owner = (status.st_uid, status.st_gid)
    return content


def _gateway(plan: WritePlan, existing: dict[str, Any] | None, block: dict[str, Any], name: str) -> None:
    if existing is None:
        plan.content = {"config": {"mcp_config_name": name, **block}}
        plan.added = [entry["server_name"] for entry in block["mcp_config"]]
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
        found = str(uuid.uuid4())
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
        overrides[TOOL_GUARDRAILS] = block["common_overrides"][TOOL_GUARDRAILS]
    plan.content = existing


def _merge_list(servers: list[Any], ours: list[dict[str, Any]], plan: WritePlan) -> list[Any]:
    by_name = {entry["server_name"]: entry for entry in ours}
    merged = []
    for server in servers:
        name = server.get("server_name") if isinstance(server, dict) else None
        if isinstance(name, str) and name in by_name:
            merged.append(by_name.pop(name))
            plan.replaced.append(name)
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
        (plan.replaced if name in servers else plan.added).append(name)
        servers[name] = entry
    plan.kept = len(servers) - len(block[key])
    plan.content = content
    plan.what = f"an MCP client config ({key})"


def write(plan: WritePlan) -> Path | None:
    """Write the planned content atomically; return the backup of the file it replaced, if any."""
    path = plan.path
    if plan.original is not None:
        _unchanged(plan)
    backup = _backup(plan) if plan.original is not None else None
    data = (json.dumps(plan.content, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(descriptor, plan.mode)
        if plan.owner is not None and os.geteuid() == 0:
            os.fchown(descriptor, *plan.owner)  # root changing someone's file leaves it theirs
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if plan.original is not None:
            _unchanged(plan)
        elif path.exists() or path.is_symlink():
            raise WriteRefused("path: a file appeared there meanwhile; nothing was written, try again")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return backup


def _unchanged(plan: WritePlan) -> None:
    try:
        status = os.lstat(plan.path)
    except FileNotFoundError:
        raise WriteRefused("path: the file was removed meanwhile; nothing was written, try again") from None
    if stat.S_ISLNK(status.st_mode) or (status.st_ino, status.st_size, status.st_mtime_ns) != plan.identity:
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

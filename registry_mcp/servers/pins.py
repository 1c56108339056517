"""A pin: what a registered server offered when a person approved it, and how it has drifted since.

    pin = pin_of(inspected, package)                # recorded in the entry at mcp_config.pinned
    drift = drift_from(Pin.model_validate(stored), inspected, package)   # None: unchanged

A pin holds the server's name and version, each tool's description and a digest of its definition
(`digest`: name, description, input and output schemas, annotations, as the server sent them), and
the package at an exact version (`registry_mcp.packages.PackagePin`). Drift names the tools added,
removed and changed; for a changed tool, its new description as quoted untrusted text with the added
words marked, the schema fields added or removed, the annotations that flipped, and `FLAGS` that its
text gained: what an instruction aimed at the model looks like (tool poisoning).

Where the pin lives is `PIN_KEY` inside `mcp_config`, an assumption like those of the endpoint table:
the registry keeps keys of mcp_config it does not know (the API says they round-trip), and the
gateway does not read it (its export leaves it out with a note).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mcp_types import Tool
from pydantic import BaseModel, Field, ValidationError

from registry_mcp.packages.spec import PackagePin
from registry_mcp.registry.models import PIN_KEY, RegistryServer
from registry_mcp.registry.validation import describe_validation_error
from registry_mcp.servers.inspection import InspectedServer
from registry_mcp.untrusted import escape, quote

DESCRIPTION_KEPT = 2_000  # characters of a description a pin keeps (the digest covers it whole)
NAME_KEPT = 128
SHOWN = 600  # characters of a changed description shown in a drift
ADDED, REMOVED = ("⟦+", "⟧"), ("⟦-", "⟧")

# What a description that carries instructions for the model looks like: a flag is raised when the
# new text holds more matches than the pinned one. Matched on the escaped text (hidden characters
# written as \uXXXX), so the pinned and the new text are read alike.
FLAGS: dict[str, re.Pattern[str]] = {
    "hidden tag": re.compile(r"<\s*/?\s*[A-Za-z][\w:-]*(?:\s[^<>]*)?>"),
    "'ignore'": re.compile(r"\b(?:ignore|disregard|forget)\b", re.IGNORECASE),
    "'before calling'": re.compile(r"\b(?:before|prior to|after)\s+(?:calling|using|invoking|running|any)\b", re.I),
    "file path": re.compile(
        r"(?:~[/\\]|(?<![\w.])/(?:etc|home|Users|root|var|tmp|proc)/|\.ssh\b|\.aws\b|\.env\b|id_rsa|[A-Za-z]:\\)"
    ),
    "URL": re.compile(r"\b(?:https?|ftp|file|data|wss?)://|\bwww\.", re.IGNORECASE),
    "invisible characters": re.compile(r"\\u[0-9a-f]{4}"),
}


class PinnedServer(BaseModel):
    name: str
    version: str


class PinnedTool(BaseModel):
    name: str
    description: str | None = None
    digest: str = Field(description="sha256 of its definition: name, description, schemas, annotations.")
    input_fields: list[str] = Field(default_factory=list)
    output_fields: list[str] = Field(default_factory=list)
    annotations: dict[str, Any] = Field(default_factory=dict)


class Checked(BaseModel):
    """The last inspection compared with the pin: when, and what drifted (one line each)."""

    at: datetime
    drifted: list[str] = Field(default_factory=list)


class Pin(BaseModel):
    pinned_at: datetime
    server: PinnedServer
    tools: list[PinnedTool]
    package: PackagePin | None = None
    checked: Checked | None = None


class ToolDrift(BaseModel):
    name: str
    description: str | None = Field(
        default=None, description="The new text, quoted untrusted text; ⟦+added⟧ and ⟦-removed⟧ words marked."
    )
    flags: list[str] | None = Field(default=None, description="What its text gained that addresses the model.")
    fields_added: list[str] | None = None
    fields_removed: list[str] | None = None
    annotations: list[str] | None = Field(default=None, description="Flipped, such as 'readOnlyHint: true→false'.")
    otherwise: bool | None = Field(default=None, description="Its definition changed in other ways too.")


class Drift(BaseModel):
    """How the server differs from its pin."""

    pinned_at: datetime
    added: list[str]
    removed: list[str]
    changed: list[str]
    tools: list[ToolDrift] = Field(default_factory=list, description="Each changed tool, and added ones flagged.")
    flagged: list[str] = Field(default_factory=list, description="Tools whose text gained instructions.")
    server: list[str] = Field(default_factory=list, description="Changes of the server's name or version.")
    package: list[str] = Field(default_factory=list, description="Changes of the package it runs.")

    def summary(self) -> list[str]:
        """One line per kind of drift, for the entry's `checked` and the registry-wide report."""
        lines = [*self.server, *self.package]
        for what, names in (("added", self.added), ("removed", self.removed), ("changed", self.changed)):
            if names:
                lines.append(f"tools {what}: {', '.join(names[:20])}{', …' if len(names) > 20 else ''}")
        if self.flagged:
            lines.append(f"instructions for the model gained by: {', '.join(self.flagged[:20])}")
        return lines


def digest(tool: Tool) -> str:
    """sha256 of a tool's definition as the server sent it: its name, description, input and output
    schemas and annotations, as canonical JSON (keys sorted)."""
    wire = tool.model_dump(mode="json", by_alias=True, exclude_none=True)
    kept = {key: wire.get(key) for key in ("name", "description", "inputSchema", "outputSchema", "annotations")}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def pinned_tool(tool: Tool, server: InspectedServer) -> PinnedTool:
    """`tool`, one of `server.definitions`, as a pin keeps it (its texts as the inspection shows them)."""
    annotations = tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True) if tool.annotations else {}
    return PinnedTool(
        name=_said(tool.name, NAME_KEPT, server),
        description=_said(tool.description, DESCRIPTION_KEPT, server) if tool.description else None,
        digest=digest(tool),
        input_fields=_fields(tool.input_schema),
        output_fields=_fields(tool.output_schema),
        annotations={key: value for key, value in annotations.items() if isinstance(value, bool)},
    )


def pin_of(server: InspectedServer, package: PackagePin | None) -> Pin:
    """The pin of what `server` offers now (its tools as it sent them; secrets scrubbed from texts)."""
    return Pin(
        pinned_at=datetime.now(UTC).replace(microsecond=0),
        server=PinnedServer(name=server.name, version=server.version),
        tools=[pinned_tool(tool, server) for tool in server.definitions],
        package=package,
    )


def drift_from(pin: Pin, server: InspectedServer, package: PackagePin | None) -> Drift | None:
    """How `server` (and the package it runs now) differs from `pin`; None when it does not."""
    now = {tool.name: tool for tool in (pinned_tool(tool, server) for tool in server.definitions)}
    before = {tool.name: tool for tool in pin.tools}
    added = [name for name in now if name not in before]
    removed = [name for name in before if name not in now]
    changed = [name for name in now if name in before and now[name].digest != before[name].digest]
    details = [_tool_drift(before[name], now[name]) for name in changed]
    details += [drift for name in added if (drift := _added_drift(now[name])).flags]
    server_changes = [
        f"server {what} {quote(old)} → {quote(new)}"
        for what, old, new in (("name", pin.server.name, server.name), ("version", pin.server.version, server.version))
        if old != new
    ]
    package_changes = package_drift(pin.package, package)
    if not (added or removed or changed or server_changes or package_changes):
        return None
    return Drift(
        pinned_at=pin.pinned_at,
        added=added,
        removed=removed,
        changed=changed,
        tools=details,
        flagged=[drift.name for drift in details if drift.flags],
        server=server_changes,
        package=package_changes,
    )


def package_drift(pinned: PackagePin | None, now: PackagePin | None) -> list[str]:
    """What changed in the package a command runs: another package, version or hash."""
    if pinned is None or now is None:
        return []
    old, new = pinned.model_dump(exclude_none=True), now.model_dump(exclude_none=True)
    return [
        f"package {key} {quote(str(old.get(key, '')))} → {quote(str(new.get(key, '')))}"
        for key in ("registry", "name", "version", "integrity", "digest", "url")
        if key in new and old.get(key) != new.get(key)
    ] + (["package files' sha256 changed"] if pinned.files and now.files and pinned.files != now.files else [])


def flags_gained(before: str | None, after: str | None) -> list[str]:
    """The kinds of model-aimed instruction that `after` holds more of than `before`."""
    return [
        kind
        for kind, pattern in FLAGS.items()
        if len(pattern.findall(after or "")) > len(pattern.findall(before or ""))
    ]


def marked(before: str, after: str) -> str:
    """`after` with the words not in `before` marked ⟦+…⟧ and those gone marked ⟦-…⟧ (quoted by the caller)."""
    old, new = _words(before), _words(after)
    shown: list[str] = []
    for op, start, end, new_start, new_end in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            shown.append(REMOVED[0] + " ".join(old[start:end]) + REMOVED[1])
        if op in ("replace", "insert"):
            shown.append(ADDED[0] + " ".join(new[new_start:new_end]) + ADDED[1])
        if op == "equal":
            shown.append(" ".join(new[new_start:new_end]))
    return " ".join(shown)


def _tool_drift(before: PinnedTool, after: PinnedTool) -> ToolDrift:
    text_changed = before.description != after.description
    flags = flags_gained(before.description, after.description)
    fields_added = [f for f in after.input_fields if f not in before.input_fields]
    fields_added += [f"output.{f}" for f in after.output_fields if f not in before.output_fields]
    fields_removed = [f for f in before.input_fields if f not in after.input_fields]
    fields_removed += [f"output.{f}" for f in before.output_fields if f not in after.output_fields]
    flipped = [
        f"{key}: {_json(before.annotations.get(key))}→{_json(after.annotations.get(key))}"
        for key in sorted(before.annotations.keys() | after.annotations.keys())
        if before.annotations.get(key) != after.annotations.get(key)
    ]
    explained = text_changed or fields_added or fields_removed or flipped
    return ToolDrift(
        name=after.name,
        description=_shown(marked(before.description or "", after.description or "")) if text_changed else None,
        flags=flags or None,
        fields_added=fields_added or None,
        fields_removed=fields_removed or None,
        annotations=flipped or None,
        otherwise=None if explained else True,
    )


def _added_drift(tool: PinnedTool) -> ToolDrift:
    return ToolDrift(
        name=tool.name,
        description=_shown(tool.description) if tool.description else None,
        flags=flags_gained(None, tool.description) or None,
    )


def _said(text: str | None, limit: int, server: InspectedServer) -> str:
    """A server's text as a pin keeps it: as the inspection shows it (secrets scrubbed, hidden
    characters written as \\uXXXX), the marks drift uses written so too, capped."""
    shown = server.shown(text or "", limit * 2)
    return (shown.replace("⟦", "\\u27e6").replace("⟧", "\\u27e7"))[:limit]


def _shown(text: str) -> str:
    return quote(text if len(text) <= SHOWN else text[: SHOWN - 1] + "…")


def _words(text: str) -> list[str]:
    return text.split()


def _fields(schema: dict[str, Any] | None) -> list[str]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return [escape(str(name), NAME_KEPT) for name in properties][:200] if isinstance(properties, dict) else []


def _json(value: Any) -> str:
    return "unset" if value is None else json.dumps(value)


def stored_pin_of(server: RegistryServer) -> Any:
    """The entry's `mcp_config.pinned` as stored (unchecked), or None."""
    if server.mcp_config is None:
        return None
    return (server.mcp_config.model_extra or {}).get(PIN_KEY)


@dataclass
class Pinning:
    """An inspected registered server and its pin: what it offers now, as a pin, and the drift."""

    now: Pin
    pin: Pin | None = None  # the entry's pin, where it has one that reads
    unreadable: str | None = None  # why the stored pin could not be read
    drift: Drift | None = None
    incomplete: bool = False  # the listing stopped at a bound: no pin, and removals not told
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        server: InspectedServer,
        stored: Any,
        package: PackagePin | None,
        notes: list[str],
    ) -> Pinning:
        """`server` (running `package` now, as looked up with `notes`) against the `stored` pin."""
        pinning = cls(now=pin_of(server, package), incomplete=bool(server.stopped), notes=notes)
        if stored is None:
            return pinning
        try:
            pinning.pin = Pin.model_validate(stored)
        except ValidationError as invalid:
            pinning.unreadable = "; ".join(describe_validation_error(invalid, limit=3))
            return pinning
        pinning.drift = drift_from(pinning.pin, server, package)
        if pinning.drift is not None and pinning.incomplete:
            pinning.drift.removed = []  # a partial listing leaves out tools that are there
        return pinning

    def changes(self, pin: bool) -> dict[str, Any]:
        """The mcp_config change to write: a new pin, or the check of the one there."""
        if pin and not self.incomplete:
            # A merge keeps keys it is not sent: null removes the old pin's check (and package, if none now).
            return {
                PIN_KEY: self.now.model_dump(mode="json", exclude_none=True)
                | {"checked": None}
                | ({} if self.now.package else {"package": None})
            }
        if self.pin is None:
            return {}
        checked = Checked(at=self.now.pinned_at, drifted=self.drift.summary() if self.drift else [])
        return {PIN_KEY: {"checked": checked.model_dump(mode="json")}}

"""What the MCP tools return: structured results, a short text for people, and a size budget.

Every result is a `ToolResult` (a message and the registry it came from, then its own fields). It is
presented (`present`) as the structured data, which fits the tool's output schema, and, as the MCP
specification asks for clients that read text only, one text block holding the same data as compact
JSON: its `message` is the sentence to read first, so nothing is said twice. Messages say what
happened in words; where it happened is the `registry` field, said once.
Some clients cap a tool result (Claude Code at about 25,000 tokens), so no result's JSON, once masked,
exceeds `MAX_RESULT_CHARS`: `present` tries the result's `smaller` versions in turn (each saying
in its `note` what was cut), and refuses the call (`LocalRefusal`) if none fits. Each tool's own result
model sits beside the tool (`registry_mcp.mcp.tools`); the ones several tools share are here.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Self, TypeVar

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from registry_mcp.errors import LocalRefusal
from registry_mcp.gateway.lint import Finding
from registry_mcp.registry.models import RegistryServer
from registry_mcp.secrets.masking import mask_secrets
from registry_mcp.wording import counted

if TYPE_CHECKING:
    from registry_mcp.registry.client import RegistryLocation

# About 15,000 tokens of JSON: room under a 25,000-token cap for the text beside it.
MAX_RESULT_CHARS = 60_000
SUMMARY_TEXT_LIMIT = 160


class RegistryInfo(BaseModel):
    """The registry a result came from."""

    kind: Literal["cloud", "embedded"]
    project: str
    base_url: str | None = Field(default=None, description="The cloud registry's URL.")
    path: str | None = Field(default=None, description="The embedded registry's SQLite file.")

    @classmethod
    def of(cls, location: RegistryLocation) -> RegistryInfo:
        return cls(kind=location.kind, project=location.project, base_url=location.base_url, path=location.path)


class ServerSummary(BaseModel):
    """One line's worth of a registry server."""

    saved_name: str
    server_version: str
    is_active: bool
    server_name: str | None = None
    description: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, server: RegistryServer) -> ServerSummary:
        return cls(
            saved_name=server.saved_name,
            server_version=server.server_version,
            is_active=server.is_active,
            server_name=_shorten(server.server_name),
            description=_shorten(server.description),
            updated_at=server.updated_at,
        )


class ToolResult(BaseModel):
    """The fields every tool result starts with."""

    message: str
    registry: RegistryInfo

    def smaller(self) -> Iterator[ToolResult]:
        """Ever smaller versions of this result, tried in turn when it is over the size budget."""
        return iter(())

    def too_large(self) -> str:
        """Why the call is refused when no version of this result fits in one tool result."""
        return "The result is too large for one tool result."


class RecordResult(ToolResult):
    """A result that may hold one registry server's record."""

    server: RegistryServer | None = None
    note: str | None = Field(default=None, description="Set when part of the record was left out to fit.")
    warnings: list[Finding] | None = Field(
        default=None, description="Problems the registry accepts but that will bite later (add and modify)."
    )

    def smaller(self) -> Iterator[Self]:
        """First without the tools' details, then cut to the record's summary."""
        server = self.server
        if server is None:
            return
        config = server.mcp_config
        if config is not None and config.tools:
            names_only = config.model_copy(update={"tools": {name: {} for name in config.tools}})
            yield self.model_copy(
                update={
                    "server": server.model_copy(update={"mcp_config": names_only}),
                    "note": (
                        f"mcp_config.tools lists its {counted(len(config.tools), 'tool')} by name only: their details "
                        f"are too large for one tool result. {_WHOLE_RECORD}"
                    ),
                }
            )
        summary = RegistryServer.model_validate(ServerSummary.of(server).model_dump(exclude_none=True))
        yield self.model_copy(
            update={
                "server": summary,
                "note": f"The record is too large for one tool result: only its summary is shown. {_WHOLE_RECORD}",
            }
        )


class ServerResult(RecordResult):
    """One registry server, whole."""

    server: RegistryServer


_WHOLE_RECORD = "The registry keeps it whole; the Python client reads it (RegistryClient.get_server)."


def present(result: ToolResult, *, reveal_secrets: bool = False) -> CallToolResult:
    """A tool result: the structured data, and the same data as JSON text.

    Secret values are masked unless `reveal_secrets`; then the first of `result` and its smaller
    versions whose JSON fits in `MAX_RESULT_CHARS` is shown."""
    for candidate in itertools.chain((result,), result.smaller()):
        # Only what the registry holds: no pydantic defaults, no nulls.
        data = candidate.model_dump(mode="json", exclude_unset=True, exclude_none=True)
        if not reveal_secrets:
            data = mask_secrets(data)
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(text) <= MAX_RESULT_CHARS:
            return CallToolResult(
                content=[TextContent(type="text", text=text)],
                structured_content=data,
            )
    raise LocalRefusal(result.too_large())


ListedT = TypeVar("ListedT", bound=ToolResult)


def fewer_items(result: ListedT, field: str, advice: str) -> Iterator[ListedT]:
    """`result` with ever fewer items of its list `field` (three quarters each time), and a `note`
    saying how many are shown; `advice` says how to get the rest (`{kept}` is how many are shown)."""
    items: list[object] = list(getattr(result, field))
    kept = items
    while kept:
        kept = kept[: len(kept) * 3 // 4]
        yield result.model_copy(
            update={
                field: kept,
                "note": f"Only the first {len(kept)} of {len(items)} {field} fit in one result: "
                + advice.format(kept=len(kept)),
            }
        )


def _shorten(text: str | None, limit: int = SUMMARY_TEXT_LIMIT) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"

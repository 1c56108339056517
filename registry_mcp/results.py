"""What the MCP tools return: structured results, a short text for people, and a size budget.

Each tool result carries the structured data (validated against the tool's output schema) and a
text block: one plain sentence, then the same data as compact JSON for clients that read text
only. Some clients cap a tool result (Claude Code at about 25,000 tokens), so no result's JSON
exceeds `MAX_RESULT_CHARS`; what had to be cut is said in the result's `note`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from .inspection import DenyReport, InspectedServer
from .lint import Finding
from .masking import mask_secrets
from .models import Gateway, RegistryServer

if TYPE_CHECKING:
    from .client import RegistryLocation

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


class ServerResult(BaseModel):
    """One registry server, whole."""

    message: str
    registry: RegistryInfo
    server: RegistryServer
    note: str | None = Field(default=None, description="Set when part of the record was left out to fit.")
    warnings: list[Finding] | None = Field(
        default=None, description="Problems the registry accepted but that will bite later (add only)."
    )


class BulkAddResult(BaseModel):
    message: str
    registry: RegistryInfo
    added: list[ServerSummary]
    warnings: list[Finding] | None = Field(
        default=None, description="Problems the registry accepted but that will bite later; fields start servers[i]."
    )


class ValidationResult(BaseModel):
    """What add_registry_server would do with a payload, and what to fix first."""

    message: str
    registry: RegistryInfo
    saved_name: str
    server_version: str
    can_register: bool = Field(description="false when the name and version are already registered.")
    warnings: list[Finding] = Field(description="Problems the registry would accept but that will bite later.")


class ServerListResult(BaseModel):
    """One page of registry servers, in summary; get_registry_server gives a whole record."""

    message: str
    registry: RegistryInfo
    servers: list[ServerSummary]
    page: int
    per_page: int
    total: int = Field(description="How many servers match, on all pages.")
    next_page: int | None = Field(default=None, description="The page to ask for next, if there are more.")
    note: str | None = None


class DeleteResult(BaseModel):
    message: str
    registry: RegistryInfo
    saved_name: str
    server_version: str
    deleted: bool = Field(description="false when the person declined or has not yet confirmed.")
    gateways: list[Gateway] = Field(description="The gateways that use (or used) the server.")
    note: str | None = None


class ExportResult(BaseModel):
    """Registry servers rendered as a config block to paste."""

    message: str
    registry: RegistryInfo
    format: str
    servers: list[str] = Field(description="The servers exported, as 'saved_name server_version'.")
    config: dict[str, Any] = Field(description="The config block, ready to paste (secrets masked unless shown).")
    masked: list[str] = Field(
        default_factory=list,
        description="Where config holds a mask instead of the real value: replace each before use.",
    )
    renamed: dict[str, str] = Field(
        default_factory=dict, description="'saved_name server_version' -> its name in config, where they differ."
    )
    skipped: list[str] = Field(default_factory=list, description="Servers left out, and why.")
    notes: list[str] = Field(
        default_factory=list, description="What the gateway or client will not apply, or applies config-wide."
    )


class WriteResult(BaseModel):
    """An export written to a file: the path and counts only, never a value."""

    message: str
    registry: RegistryInfo
    format: str
    path: str
    written: bool = Field(description="false when the person declined or has not yet confirmed.")
    servers: int = Field(description="Servers exported into the file.")
    added: int = 0
    replaced: int = Field(default=0, description="Entries of the file replaced by the export's.")
    kept: int = Field(default=0, description="Entries of the file left as they were.")
    secret_values: int = Field(default=0, description="Secret values written into the file (not shown).")
    backup: str | None = Field(default=None, description="A copy of the file as it was before.")
    mode: str | None = Field(default=None, description="The file's permissions, such as '0600'.")
    skipped: list[str] = Field(default_factory=list, description="Servers left out, and why.")
    notes: list[str] = Field(default_factory=list)


class ImportedEntry(BaseModel):
    entry_name: str = Field(description="The entry's name in the client's config.")
    saved_name: str
    renamed: bool = Field(description="true when the key had to change to be a valid saved_name.")
    payload: dict[str, Any] = Field(description="The add-server payload (secrets masked unless shown).")


class ImportBatch(BaseModel):
    batch: int
    added: list[str] = Field(description="saved_names registered by this bulk add (none if it was refused).")
    error: str | None = Field(default=None, description="Why the registry refused this batch (it added none).")


class ImportResult(BaseModel):
    """A client config turned into registry payloads: shown (dry run), or registered."""

    message: str
    registry: RegistryInfo
    registered: bool
    servers: list[ImportedEntry]
    problems: list[str] = Field(description="Entries that could not be imported, and why.")
    warnings: list[Finding] = Field(description="Lint findings; fields start servers[i].")
    batches: list[ImportBatch] | None = Field(default=None, description="One per bulk add, when registering.")


class InspectResult(BaseModel):
    """What an MCP server said about itself, and how a deny list would treat its tools."""

    message: str
    registry: RegistryInfo
    launched: bool = Field(description="false when nothing was started or reached (not confirmed).")
    target: str = Field(description="The command line (environment variable names only) or URL.")
    server: InspectedServer | None = None
    denied: DenyReport | None = None
    wrote_tools: bool = False
    note: str | None = None


class GatewayListResult(BaseModel):
    message: str
    registry: RegistryInfo
    saved_name: str
    server_version: str
    gateways: list[Gateway]
    note: str | None = None


def present(result: BaseModel, *, reveal_secrets: bool = False) -> CallToolResult:
    """A tool result: the structured data, and the message followed by the same data as JSON.

    Secret values are masked unless `reveal_secrets`."""
    # Only what the registry holds: no pydantic defaults, no nulls.
    data = result.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    if not reveal_secrets:
        data = mask_secrets(data)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(
        content=[TextContent(type="text", text=f"{data['message']}\n{text}")],
        structured_content=data,
    )


def fit_server(result: ServerResult) -> ServerResult:
    """`result`, made to fit: first the tools' details are dropped, then, if that is not enough,
    the record is cut to its summary. The note says what was left out."""
    if _size(result) <= MAX_RESULT_CHARS:
        return result
    server, config = result.server, result.server.mcp_config
    if config is not None and config.tools:
        names_only = config.model_copy(update={"tools": {name: {} for name in config.tools}})
        fitted = result.model_copy(
            update={
                "server": server.model_copy(update={"mcp_config": names_only}),
                "note": (
                    f"mcp_config.tools lists its {len(config.tools)} tools by name only: their details are too "
                    f"large for one tool result. {_WHOLE_RECORD}"
                ),
            }
        )
        if _size(fitted) <= MAX_RESULT_CHARS:
            return fitted
    summary = RegistryServer.model_validate(ServerSummary.of(server).model_dump(exclude_none=True))
    return result.model_copy(
        update={
            "server": summary,
            "note": f"The record is too large for one tool result: only its summary is shown. {_WHOLE_RECORD}",
        }
    )


_WHOLE_RECORD = "The registry keeps it whole; the Python client reads it (RegistryClient.get_server)."
ListResultT = TypeVar("ListResultT", ServerListResult, GatewayListResult, DeleteResult)


def fit_items(result: ListResultT, field: str, advice: str) -> ListResultT:
    """`result`, with items of its list `field` cut from the end if the whole would be too large.

    `advice` says how to get the rest; `{kept}` in it is replaced by how many fitted.
    """
    items = list(getattr(result, field))
    kept = items
    while kept and _size(result.model_copy(update={field: kept})) > MAX_RESULT_CHARS:
        kept = kept[: len(kept) * 3 // 4]
    if len(kept) == len(items):
        return result
    return result.model_copy(
        update={
            field: kept,
            "note": f"Only the first {len(kept)} of {len(items)} {field} fit in one result: "
            + advice.format(kept=len(kept)),
        }
    )


def _size(result: BaseModel) -> int:
    return len(result.model_dump_json(exclude_unset=True, exclude_none=True))


def _shorten(text: str | None, limit: int = SUMMARY_TEXT_LIMIT) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"

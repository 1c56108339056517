"""Payload and response models of the Enkrypt AI MCP Registry API.

These models are the single source of truth: the registry client sends and parses them, the
embedded registry validates against them, and the MCP tools derive their input and output schemas
from them (see `registry_mcp.mcp.schemas`).

Two rules hold throughout:

- Keys the models do not know are kept (``extra="allow"``) and dumped back untouched, because the
  service adds fields over time and a client must not drop what it does not understand.
- Dump with ``exclude_unset=True`` (`RegistryModel.to_api`): a field the caller did not give is
  left out of the request, so the registry applies its own default.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, WithJsonSchema, field_validator, model_validator

# A saved_name, decided here only: its pattern, its length, and how any text becomes one.
SAVED_NAME_MAX = 32
SAVED_NAME_PATTERN = rf"^[A-Za-z0-9_-]{{1,{SAVED_NAME_MAX}}}$"
_NOT_IN_SAVED_NAMES = re.compile(r"[^A-Za-z0-9_-]+")
UUID_PATTERN = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
# Versions travel in an HTTP header: keep them short, printable and free of separators.
SERVER_VERSION_PATTERN = r"^[A-Za-z0-9._-]{1,32}$"
DEFAULT_SERVER_VERSION = "v1"
# A value a person still has to supply (the public mapping writes it; lint and registering look for it).
MISSING_PREFIX = "<to be supplied: "
MISSING_VALUE = re.compile(r"<to be supplied: [^>]*>")
MAX_BULK_SERVERS = 100


SavedName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=SAVED_NAME_MAX,
        pattern=SAVED_NAME_PATTERN,
        description="Its name in the registry, such as 'my-files'.",
    ),
]
ServerVersion = Annotated[
    str,
    # No description, nor a length: the name, the default 'v1' and the pattern (1-32 characters) say it all.
    Field(pattern=SERVER_VERSION_PATTERN),
]


def saved_name_from(text: str) -> str:
    """`text` as a valid saved_name: each run of other characters becomes '-', no '-' at either end,
    at most `SAVED_NAME_MAX` characters ('server' if nothing is left). A valid name stays as it is."""
    name = _NOT_IN_SAVED_NAMES.sub("-", text).strip("-")
    if len(name) > SAVED_NAME_MAX:
        name = name[:SAVED_NAME_MAX].rstrip("-")
    return name or "server"


class RegistryModel(BaseModel):
    """Base of every API model: unknown keys round-trip, and only what was set is sent."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_api(self) -> dict[str, Any]:
        """The JSON body for the API: fields the caller set, unknown keys included."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


# --- mcp_config.config: a local (command) or a remote (url) server ------------------------------


# A value is text, or where registry-mcp reads it ({from_env} / {from_file}, read before validation:
# registry_mcp.secrets.sources).
# Said as any object: strict clients refuse a list of types and an anyOf inside the config's anyOf, so the
# config's description says what a value may be (the property tests take text).
_TEXT_OR_SOURCE = WithJsonSchema({"type": "object"})


class LocalServerConfig(RegistryModel):
    """A server the gateway starts as a subprocess and talks to over stdio."""

    command: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    env: Annotated[dict[str, str], _TEXT_OR_SOURCE] = Field(default_factory=dict)


class RemoteServerConfig(RegistryModel):
    """A server the gateway reaches over the network."""

    url: str = Field(min_length=1)
    transport: Literal["streamable_http", "sse"] = "streamable_http"
    headers: Annotated[dict[str, str], _TEXT_OR_SOURCE] = Field(default_factory=dict)


def _server_kind(value: Any) -> str | None:
    """Tell a local config from a remote one by its identifying key; ambiguous is neither."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if not isinstance(value, dict):
        return None
    has_command, has_url = "command" in value, "url" in value
    if has_command == has_url:
        return None
    return "local" if has_command else "remote"


ServerConfig = Annotated[
    Annotated[LocalServerConfig, Tag("local")] | Annotated[RemoteServerConfig, Tag("remote")],
    Discriminator(
        _server_kind,
        custom_error_type="server_config_kind",
        custom_error_message=(
            "give exactly one of 'command' (a local server: command, args, env) "
            "or 'url' (a remote server: url, transport, headers)"
        ),
    ),
    Field(
        description="How the gateway runs it: {command, args, env} (local) or {url, transport, headers} (remote); "
        "env/headers values may be {from_env: NAME} or {from_file: PATH}."
    ),
]


# --- mcp_config's other parts -------------------------------------------------------------------


class OAuthConfig(RegistryModel):
    """OAuth settings the gateway uses to authenticate to the server; keys keep the API's names."""

    enabled: bool = False
    is_remote: bool = False
    OAUTH_VERSION: Literal["2.0", "2.1"] | None = None
    OAUTH_GRANT_TYPE: Literal["client_credentials", "authorization_code"] | None = None
    OAUTH_CLIENT_ID: str | None = None
    OAUTH_CLIENT_SECRET: str | None = None
    OAUTH_TOKEN_URL: str | None = None
    OAUTH_AUTHORIZATION_URL: str | None = None
    OAUTH_REDIRECT_URI: str | None = None
    OAUTH_AUDIENCE: str | None = None
    OAUTH_ORGANIZATION: str | None = None
    OAUTH_SCOPE: str | None = None
    OAUTH_RESOURCE: str | None = None
    OAUTH_USE_PKCE: bool | None = None
    OAUTH_CODE_CHALLENGE_METHOD: Literal["S256"] | None = None
    OAUTH_TOKEN_EXPIRY_BUFFER: int | None = Field(default=None, ge=0)
    OAUTH_USE_BASIC_AUTH: bool | None = None
    OAUTH_ENFORCE_HTTPS: bool | None = None
    OAUTH_TOKEN_IN_HEADER_ONLY: bool | None = None
    OAUTH_VALIDATE_SCOPES: bool | None = None
    OAUTH_USE_MTLS: bool | None = None
    OAUTH_CLIENT_CERT_PATH: str | None = None
    OAUTH_CLIENT_KEY_PATH: str | None = None
    OAUTH_CA_BUNDLE_PATH: str | None = None
    OAUTH_REVOCATION_URL: str | None = None
    OAUTH_ADDITIONAL_PARAMS: dict[str, Any] | None = None
    OAUTH_CUSTOM_HEADERS: dict[str, Any] | None = None


class DeniedTool(RegistryModel):
    """A denied tool with the reason it is denied."""

    name: str = Field(min_length=1)
    reason: str | None = None


DeniedToolEntry = Annotated[str | DeniedTool, Field(union_mode="left_to_right")]


class GuardrailConfig(RegistryModel):
    """One guardrail policy applied by the gateway."""

    enabled: bool = False
    guardrail_name: str = ""
    additional_config: dict[str, Any] = Field(default_factory=dict)
    block: list[str] = Field(default_factory=list)


# A guardrail's schema is stated once, on tool_guardrails_config; the other two say "an object" and refer to it.
_SameAsToolGuardrails = Annotated[GuardrailConfig | None, WithJsonSchema({"type": "object"})]

# mcp_config.pinned: what inspect_mcp_server recorded of the server when a person approved it
# (`registry_mcp.servers.pins`). Kept as an unknown key, as the API keeps them (an assumption, as the
# endpoint table's are); the gateway does not read it. Not 'pin': masking hides a key named so (a PIN).
PIN_KEY = "pinned"


class McpConfig(RegistryModel):
    """The gateway's configuration for one server (one entry of its `mcp_config[]`)."""

    config: ServerConfig
    # The OAuth keys and the guardrail keys are described once each, here, not key by key.
    oauth_config: OAuthConfig | None = Field(
        default=None,
        description=(
            "OAuth for the gateway to reach it: OAUTH_SCOPE space separated, OAUTH_TOKEN_EXPIRY_BUFFER in seconds."
        ),
    )
    tools: dict[str, Any] | None = Field(
        default=None, description="Known tools by name; {} discovers them at run time."
    )
    denied_tools: list[DeniedToolEntry] | None = Field(
        default=None,
        description=(
            "Tools the gateway hides: names, case-sensitive globs such as 'write_*', or {name, reason}; '*' "
            "denies all but the keys of tools."
        ),
    )
    enable_server_info_validation: bool | None = Field(
        default=None, description="The gateway checks the server at start."
    )
    tool_guardrails_config: GuardrailConfig | None = Field(
        default=None,
        description=(
            "Guardrail on tool calls: guardrail_name is the Enkrypt policy, block the detections that block "
            "(injection_attack, pii ...)."
        ),
    )
    input_guardrails_config: _SameAsToolGuardrails = Field(
        default=None, description="Guardrail on what is sent to the server, with tool_guardrails_config's keys."
    )
    output_guardrails_config: _SameAsToolGuardrails = Field(
        default=None, description="Guardrail on what the server returns, with tool_guardrails_config's keys."
    )


# --- the server object ---------------------------------------------------------------------------


class ServerIdentity(RegistryModel):
    """What names one registry server within a project."""

    saved_name: SavedName
    server_version: ServerVersion = DEFAULT_SERVER_VERSION


class ServerDetails(RegistryModel):
    """The fields of a registry server that describe it (all of them can be modified)."""

    is_active: bool = Field(default=True, description="false hides it from gateways (it is not deleted).")
    job_id: uuid.UUID | None = Field(
        default=None,
        description="Its MCP Hub server id.",
        # Said as a pattern too: many clients (and generators) ignore `format`.
        json_schema_extra={"pattern": UUID_PATTERN},
    )
    source_url: str | None = Field(default=None, description="Its source repository's URL.")
    source_version: str | None = Field(default=None, description="Source version, tag or commit.")
    server_name: str | None = Field(default=None, description="Its package name.")
    description: str | None = Field(default=None, description="What it does.")
    # An output schema (serialization mode) says only "an object" here: the shape is the input schema's, and
    # clients merely validate results against it, so repeating the whole structure in each result costs for nothing.
    mcp_config: Annotated[McpConfig | None, WithJsonSchema({"type": "object"}, mode="serialization")] = Field(
        default=None, description="How the gateway runs and restricts it."
    )


class ServerPayload(ServerDetails, ServerIdentity):
    """The body of add-server: one registry server as the caller describes it."""


class _StoredIdentity(RegistryModel):
    # Read leniently: a name the registry holds must never make reading it fail.
    saved_name: str
    server_version: str = DEFAULT_SERVER_VERSION


class RegistryServer(ServerDetails, _StoredIdentity):
    """A registry server as the registry stores and returns it."""

    registry_id: str | None = None
    registry_name: str | None = None
    project_name: str | None = None
    is_sample: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None
    updated_by: str | None = None


class Pagination(RegistryModel):
    page: int = Field(ge=1)
    per_page: int = Field(ge=1)
    total: int = Field(ge=0)


class ServerPage(RegistryModel):
    """One page of list-servers."""

    data: list[RegistryServer]
    pagination: Pagination


class Gateway(RegistryModel):
    """A gateway that references a registry server, as Enkrypt's gateway resources describe one:
    `gateway_id`, `gateway_saved_name`, `gateway_version`. An older `gateway_name` is read as the
    saved name."""

    gateway_id: str | None = None
    gateway_saved_name: str | None = None
    gateway_version: str | None = None
    gateway_name: str | None = Field(default=None, description="Older name of gateway_saved_name.")

    @model_validator(mode="after")
    def _saved_name_from_old_name(self) -> Gateway:
        if self.gateway_saved_name is None and self.gateway_name is not None:
            self.gateway_saved_name = self.gateway_name
        return self

    @property
    def label(self) -> str:
        """How a person knows it: 'saved-name version', or its id."""
        name = self.gateway_saved_name or self.gateway_id or "(unnamed)"
        return f"{name} {self.gateway_version}" if self.gateway_version else name


class GatewayConfig(RegistryModel):
    """A gateway's config as get-gateway-config answers it, in the shape secure-mcp-gateway's cloud
    provider reads (assumed, see the endpoint table): each `expanded_servers[]` item is a registry
    record with this gateway's `gateway_overrides` and `is_active`."""

    gateway_id: str | int | None = None
    common_overrides: dict[str, Any] | None = None
    expanded_servers: list[dict[str, Any]] = Field(default_factory=list)


class BulkAddRequest(RegistryModel):
    servers: list[ServerPayload] = Field(min_length=1, max_length=MAX_BULK_SERVERS)


# --- modify-server --------------------------------------------------------------------------------


class ServerConfigChanges(RegistryModel):
    """Part of a server's config, merged into the stored one; the merged config is checked whole."""

    command: str | None = Field(default=None, min_length=1)
    args: list[str] | None = None
    env: dict[str, str | None] | None = None  # null removes a variable
    url: str | None = Field(default=None, min_length=1)
    transport: Literal["streamable_http", "sse"] | None = None
    headers: dict[str, str | None] | None = None  # null removes a header


class McpConfigChanges(McpConfig):
    """Part of an mcp_config, merged into the stored one."""

    config: ServerConfigChanges | None = Field(  # type: ignore[assignment]
        default=None,
        description=(
            "Changes to how the gateway runs it (env and headers merge key by key); a 'url' where a 'command' "
            "was, or the reverse, replaces the stored config."
        ),
    )


class ServerChanges(ServerDetails):
    """The body of modify-server: only the fields given change."""

    is_active: bool | None = Field(  # type: ignore[assignment]
        default=None, description="false deactivates it, true activates it."
    )
    mcp_config: McpConfigChanges | None = Field(
        default=None,
        description="Changes merged into the stored mcp_config: objects key by key; lists and values replace.",
    )

    @field_validator("is_active", mode="before")
    @classmethod
    def _is_active_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must be true or false")
        return value

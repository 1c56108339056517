"""Payload and response models of the Enkrypt AI MCP Registry API.

These models are the single source of truth: the registry client sends and parses them, the
embedded registry validates against them, and the MCP tools derive their input and output schemas
from them (see `registry_mcp.schemas`).

Two rules hold throughout:

- Keys the models do not know are kept (``extra="allow"``) and dumped back untouched, because the
  service adds fields over time and a client must not drop what it does not understand.
- Dump with ``exclude_unset=True`` (`RegistryModel.to_api`): a field the caller did not give is
  left out of the request, so the registry applies its own default.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

SAVED_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
UUID_PATTERN = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
# Versions travel in an HTTP header: keep them short, printable and free of separators.
SERVER_VERSION_PATTERN = r"^[A-Za-z0-9._-]{1,32}$"
DEFAULT_SERVER_VERSION = "v1"
MAX_BULK_SERVERS = 100

SavedName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=SAVED_NAME_PATTERN,
        description=(
            "Your name for this server, unique per project and version: 1-32 characters, "
            "ASCII letters, digits, '-' and '_' only (no spaces). Example: 'my-filesystem-server'."
        ),
        examples=["my-filesystem-server"],
    ),
]
ServerVersion = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=SERVER_VERSION_PATTERN,
        description="Version label of this registry entry, such as 'v1' or 'v2'. Defaults to 'v1'.",
        examples=["v1"],
    ),
]


class RegistryModel(BaseModel):
    """Base of every API model: unknown keys round-trip, and only what was set is sent."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_api(self) -> dict[str, Any]:
        """The JSON body for the API: fields the caller set, unknown keys included."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


# --- mcp_config.config: a local (command) or a remote (url) server ------------------------------


class LocalServerConfig(RegistryModel):
    """A server the gateway starts as a subprocess and talks to over stdio."""

    command: str = Field(
        min_length=1,
        description="Executable that starts the server, such as 'npx', 'uvx', 'docker' or a path.",
        examples=["npx"],
    )
    args: list[str] = Field(
        default_factory=list,
        description="Arguments for the command, one string each.",
        examples=[["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]],
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment variables for the server process, name to value.",
    )


class RemoteServerConfig(RegistryModel):
    """A server the gateway reaches over the network."""

    url: str = Field(
        min_length=1,
        description="Endpoint of the remote MCP server, such as 'https://example.com/mcp'.",
        examples=["https://example.com/mcp"],
    )
    transport: Literal["streamable_http", "sse"] = Field(
        default="streamable_http",
        description="How to talk to it: 'streamable_http' (default) or 'sse'.",
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="HTTP headers sent with every request, name to value.",
    )


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
        description=(
            "How the gateway runs the server. Local: {command, args, env}. "
            "Remote: {url, transport, headers}. Give 'command' or 'url', not both."
        )
    ),
]


# --- mcp_config's other parts -------------------------------------------------------------------


class OAuthConfig(RegistryModel):
    """OAuth settings the gateway uses to authenticate to the server; keys keep the API's names."""

    enabled: bool = Field(default=False, description="Turn OAuth on for this server.")
    is_remote: bool = Field(default=False, description="True when the server is a remote one.")
    OAUTH_VERSION: Literal["2.0", "2.1"] | None = Field(default=None, description="'2.0' or '2.1'.")
    OAUTH_GRANT_TYPE: Literal["client_credentials", "authorization_code"] | None = Field(
        default=None, description="'client_credentials' or 'authorization_code'."
    )
    OAUTH_CLIENT_ID: str | None = Field(default=None, description="OAuth client id.")
    OAUTH_CLIENT_SECRET: str | None = Field(default=None, description="OAuth client secret.")
    OAUTH_TOKEN_URL: str | None = Field(default=None, description="Token endpoint URL.")
    OAUTH_AUTHORIZATION_URL: str | None = Field(default=None, description="Authorization endpoint URL.")
    OAUTH_REDIRECT_URI: str | None = Field(default=None, description="Redirect URI.")
    OAUTH_AUDIENCE: str | None = Field(default=None, description="Audience of the token.")
    OAUTH_ORGANIZATION: str | None = Field(default=None, description="Organization, where the provider needs one.")
    OAUTH_SCOPE: str | None = Field(default=None, description="Scopes, space separated, such as 'read write'.")
    OAUTH_RESOURCE: str | None = Field(default=None, description="Resource indicator (RFC 8707).")
    OAUTH_USE_PKCE: bool | None = Field(default=None, description="Use PKCE.")
    OAUTH_CODE_CHALLENGE_METHOD: Literal["S256"] | None = Field(default=None, description="PKCE method: 'S256'.")
    OAUTH_TOKEN_EXPIRY_BUFFER: int | None = Field(
        default=None, ge=0, description="Seconds before expiry at which a token is refreshed (300 is usual)."
    )
    OAUTH_USE_BASIC_AUTH: bool | None = Field(default=None, description="Send client credentials as HTTP Basic.")
    OAUTH_ENFORCE_HTTPS: bool | None = Field(default=None, description="Refuse non-HTTPS OAuth URLs.")
    OAUTH_TOKEN_IN_HEADER_ONLY: bool | None = Field(default=None, description="Send the token in a header only.")
    OAUTH_VALIDATE_SCOPES: bool | None = Field(default=None, description="Check granted scopes.")
    OAUTH_USE_MTLS: bool | None = Field(default=None, description="Use mutual TLS.")
    OAUTH_CLIENT_CERT_PATH: str | None = Field(default=None, description="Client certificate path (mTLS).")
    OAUTH_CLIENT_KEY_PATH: str | None = Field(default=None, description="Client key path (mTLS).")
    OAUTH_CA_BUNDLE_PATH: str | None = Field(default=None, description="CA bundle path.")
    OAUTH_REVOCATION_URL: str | None = Field(default=None, description="Token revocation endpoint URL.")
    OAUTH_ADDITIONAL_PARAMS: dict[str, Any] | None = Field(
        default=None, description="Extra parameters sent to the token endpoint."
    )
    OAUTH_CUSTOM_HEADERS: dict[str, Any] | None = Field(
        default=None, description="Extra headers sent to the token endpoint."
    )


class DeniedTool(RegistryModel):
    """A denied tool with the reason it is denied."""

    name: str = Field(min_length=1, description="Tool name or fnmatch glob (case-sensitive), such as 'delete_*'.")
    reason: str | None = Field(default=None, description="Why it is denied, for people reading the registry.")


DeniedToolEntry = Annotated[
    str | DeniedTool,
    Field(
        union_mode="left_to_right",
        description="A tool name or fnmatch glob such as 'write_*', or {name, reason}.",
    ),
]


class GuardrailConfig(RegistryModel):
    """One guardrail policy applied by the gateway."""

    enabled: bool = Field(default=False, description="Turn this guardrail on.")
    guardrail_name: str = Field(default="", description="Name of the Enkrypt guardrail policy to apply.")
    additional_config: dict[str, Any] = Field(default_factory=dict, description="Policy-specific settings.")
    block: list[str] = Field(
        default_factory=list,
        description=(
            "Detections that block: for example policy_violation, injection_attack, topic_detector, "
            "nsfw, toxicity, pii, keyword_detector, bias, sponge_attack."
        ),
    )


class McpConfig(RegistryModel):
    """The gateway's configuration for one server (one entry of its `mcp_config[]`)."""

    config: ServerConfig
    oauth_config: OAuthConfig | None = Field(default=None, description="OAuth settings, where the server needs them.")
    tools: dict[str, Any] | None = Field(
        default=None,
        description="Known tools, keyed by tool name. {} (the usual value) means discover them at run time.",
    )
    denied_tools: list[DeniedToolEntry] | None = Field(
        default=None,
        description=(
            "Tools the gateway hides and refuses: names or fnmatch globs (case-sensitive), or {name, reason}. "
            "'*' denies every tool except the keys of 'tools'."
        ),
    )
    enable_server_info_validation: bool | None = Field(
        default=None, description="Let the gateway check the server's identity and tools when it starts."
    )
    tool_guardrails_config: GuardrailConfig | None = Field(
        default=None, description="Guardrail on tool descriptions and calls."
    )
    input_guardrails_config: GuardrailConfig | None = Field(
        default=None, description="Guardrail on what is sent to the server."
    )
    output_guardrails_config: GuardrailConfig | None = Field(
        default=None, description="Guardrail on what the server returns."
    )


# --- the server object ---------------------------------------------------------------------------


class ServerIdentity(RegistryModel):
    """What names one registry server within a project."""

    saved_name: SavedName
    server_version: ServerVersion = DEFAULT_SERVER_VERSION


class ServerDetails(RegistryModel):
    """The fields of a registry server that describe it (all of them can be modified)."""

    is_active: bool = Field(
        default=True,
        description="Whether gateways may use the server. Inactive servers are hidden from gateways, not deleted.",
    )
    job_id: uuid.UUID | None = Field(
        default=None,
        description="MCP Hub server id (a UUID), where the server came from the Hub. Usually omitted.",
        # Said as a pattern too: many clients (and generators) ignore `format`.
        json_schema_extra={"pattern": UUID_PATTERN},
    )
    source_url: str | None = Field(
        default=None,
        description="Where the server's source lives, such as its GitHub repository URL.",
        examples=["https://github.com/modelcontextprotocol/servers"],
    )
    source_version: str | None = Field(default=None, description="Source version, tag or commit.", examples=["v0.6.2"])
    server_name: str | None = Field(
        default=None,
        description="The server's package name.",
        examples=["@modelcontextprotocol/server-filesystem"],
    )
    description: str | None = Field(default=None, description="What the server does, for people.")
    mcp_config: McpConfig | None = Field(default=None, description="How the gateway runs and restricts the server.")


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


class BulkAddRequest(RegistryModel):
    servers: list[ServerPayload] = Field(min_length=1, max_length=MAX_BULK_SERVERS)


# --- modify-server --------------------------------------------------------------------------------


def _described_as(model: type[BaseModel], field: str) -> str | None:
    return model.model_fields[field].description


class ServerConfigChanges(RegistryModel):
    """Part of a server's config, merged into the stored one; the merged config is checked whole."""

    command: str | None = Field(default=None, min_length=1, description=_described_as(LocalServerConfig, "command"))
    args: list[str] | None = Field(default=None, description=_described_as(LocalServerConfig, "args"))
    env: dict[str, str | None] | None = Field(
        default=None,
        description="Environment variables to set or change, name to value; null removes one; the others are kept.",
    )
    url: str | None = Field(default=None, min_length=1, description=_described_as(RemoteServerConfig, "url"))
    transport: Literal["streamable_http", "sse"] | None = Field(
        default=None, description=_described_as(RemoteServerConfig, "transport")
    )
    headers: dict[str, str | None] | None = Field(
        default=None, description="HTTP headers to set or change, name to value; null removes one; the others are kept."
    )


class McpConfigChanges(McpConfig):
    """Part of an mcp_config, merged into the stored one."""

    config: ServerConfigChanges | None = Field(  # type: ignore[assignment]
        default=None,
        description=(
            "Changes to how the gateway runs the server, merged into the stored config. A 'url' where a "
            "'command' was (or the reverse) replaces the stored config instead."
        ),
    )


class ServerChanges(ServerDetails):
    """The body of modify-server: only the fields given change."""

    is_active: bool | None = Field(  # type: ignore[assignment]
        default=None, description="true to let gateways use the server, false to deactivate it."
    )
    mcp_config: McpConfigChanges | None = Field(
        default=None,
        description=(
            "Changes to the server's mcp_config. Merged into the stored one: objects merge key by key, "
            "lists and values replace, and a 'config' of the other kind (local/remote) replaces the old one."
        ),
    )

    @field_validator("is_active", mode="before")
    @classmethod
    def _is_active_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must be true or false")
        return value

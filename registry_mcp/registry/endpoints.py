"""The registry's endpoints, as data.

This table is the one place that records how each action is called. Only the add-server and
get-server calls are published in full; every fact marked in `assumed` was read from Enkrypt's
gateway code or inferred, and may be wrong. A correction is a one-line change here: the client
and the embedded registry both read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DEFAULT_BASE_URL = "https://api.enkryptai.com"

# Headers. apikey is published; the project and registry headers come from Enkrypt's gateway code.
API_KEY_HEADER = "apikey"
PROJECT_HEADER = "X-Enkrypt-Project"
REGISTRY_HEADER = "X-Enkrypt-MCP-Registry"
# Selector headers naming one server: published for get-server, assumed for the others.
SERVER_HEADER = "X-Enkrypt-MCP-Registry-Server"
VERSION_HEADER = "X-Enkrypt-MCP-Registry-Server-Version"

# Selector headers naming one gateway, for its config (from secure-mcp-gateway's cloud provider).
GATEWAY_HEADER = "X-Enkrypt-MCP-Gateway"
GATEWAY_VERSION_HEADER = "X-Enkrypt-MCP-Gateway-Version"
DEFAULT_GATEWAY_VERSION = "v1"

DEFAULT_PROJECT = "default"
DEFAULT_REGISTRY = "default"


@dataclass(frozen=True, slots=True)
class RegistryLocation:
    """Which registry a client talks to, safe to show (it holds no secret)."""

    kind: Literal["cloud", "embedded"]
    project: str
    base_url: str | None = None
    path: str | None = None

    def __str__(self) -> str:
        if self.kind == "embedded":
            return f"the embedded registry in {self.path} (project '{self.project}')"
        return f"the Enkrypt AI registry at {self.base_url} (project '{self.project}')"


# list-servers query parameters (names assumed; pagination and the is_active filter are published).
PAGE_PARAM = "page"
PER_PAGE_PARAM = "per_page"
IS_ACTIVE_PARAM = "is_active"
MAX_PER_PAGE = 100
# A client's limits, unless told otherwise (`registry_mcp.registry.transport` applies them).
DEFAULT_TIMEOUT = 30.0
"""Seconds for one whole call: connecting, sending, its complete answer, and any retries."""
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024

# Our own bound (the API publishes none): pages past it are empty in any real registry, and it keeps
# offsets well inside the 64-bit integers databases use.
MAX_PAGE = 1_000_000

Action = Literal["add", "bulk_add", "get", "modify", "delete", "list", "list_gateways", "gateway_config"]

# How a call names the server it is about: by the selector headers, by query parameters, or by fields
# of the JSON body (`saved_name`, `server_version`; an add's body is the server itself); "none" for lists;
# "gateway" for a call about one gateway, named by the gateway headers. The client and the embedded
# registry both read it.
Selector = Literal["body", "headers", "query", "none", "gateway"]
SAVED_NAME_FIELD = "saved_name"
VERSION_FIELD = "server_version"

# How the response is shaped:
#   envelope  {"message": ..., "data": <payload>}
#   bare      <payload> with no envelope
#   page      {"data": [...], "pagination": {"page", "per_page", "total"}}
#   message   {"message": ...} only
ResponseShape = Literal["envelope", "bare", "page", "message"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    action: Action
    method: str
    path: str
    selector: Selector
    response: ResponseShape
    assumed: str = ""
    """What of this row is not published; empty when all of it is."""
    merges: bool = False
    """For modify: whether the registry applies the body as a JSON merge patch (RFC 7396), so that
    the client can send only the changes without reading the server first. When False the client
    reads, merges and sends each changed top-level field whole (see `RegistryClient.modify_server`)."""


ENDPOINTS: dict[Action, Endpoint] = {
    e.action: e
    for e in (
        Endpoint("add", "POST", "/mcp-registry/add-server", "body", "envelope"),
        Endpoint(
            "bulk_add",
            "POST",
            "/mcp-registry/bulk-add-servers",
            "body",
            "envelope",
            assumed="method, body {servers: [...]}, response {message, data: [...]}",
        ),
        Endpoint("get", "GET", "/mcp-registry/get-server", "headers", "bare"),
        Endpoint(
            "modify",
            "PATCH",
            "/mcp-registry/modify-server",
            "headers",
            "envelope",
            assumed="method, selector headers, response {message, data}; whether mcp_config is merged",
            # Not published: Enkrypt's modify-gateway is a merge patch, but modify-server is not said to be.
            merges=False,
        ),
        Endpoint(
            "delete",
            "DELETE",
            "/mcp-registry/delete-server",
            "headers",
            "message",
            assumed="method, selector headers, response {message}",
        ),
        Endpoint(
            "list",
            "GET",
            "/mcp-registry/list-servers",
            "none",
            "page",
            assumed="method, query names page/per_page/is_active, response {data, pagination}",
        ),
        Endpoint(
            "list_gateways",
            "GET",
            "/mcp-registry/list-gateways-by-server",
            "headers",
            "envelope",
            assumed="method, selector headers, response {message, data: [gateway]}",
        ),
        Endpoint(
            "gateway_config",
            "GET",
            "/mcp-gateway/get-gateway-config",
            "gateway",
            "bare",
            assumed=(
                "read from secure-mcp-gateway 2.2.4's cloud provider, not published: gateway headers, a bare "
                "answer {gateway_id, common_overrides, expanded_servers: [{saved_name, description, mcp_config, "
                "gateway_overrides, is_active}], request_context}"
            ),
        ),
    )
}

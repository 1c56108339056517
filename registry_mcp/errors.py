"""Every error registry-mcp raises that a caller can catch, in one tree.

The tree::

    Error                          the root: anything registry-mcp raises on purpose
    ├── RegistryError              any failure talking to the registry; .status and .registry_message
    │   ├── InvalidRequest         400 / 422: the registry (or the local check before sending) refused the input
    │   ├── AuthenticationError    401 / 403: the API key is wrong, or lacks access to the project
    │   │   └── CallersKeyRefused  over HTTP in keys mode: the caller's own key was refused
    │   ├── ServerNotFound         404: no such server (also after it was deleted)
    │   ├── ServerConflict         409: a server with that name and version already exists
    │   ├── RateLimited            429: too many requests; .retry_after in seconds where the registry said
    │   ├── RegistryUnavailable    5xx, or no connection
    │   │   ├── RegistryUnreachable  no connection: refused, not found, timed out connecting, or dropped
    │   │   └── RegistryTimeout    no whole answer within the deadline (REGISTRY_MCP_TIMEOUT)
    │   ├── UnexpectedResponse     the registry answered with something this client cannot read
    │   │   └── ResponseTooLarge   an answer past the size limit (REGISTRY_MCP_MAX_RESPONSE_BYTES)
    │   └── NotInPublicRegistry    the public MCP Registry has no server (or version) of that name
    ├── LocalRefusal               registry-mcp refused the call itself, without the registry: a result
    │                              too large to return, nothing to inspect
    ├── ConfigError                a text that is not an MCP client config it can read (also a ValueError)
    │   └── FileNotRead            a path given where only JSON text may be (over HTTP)
    ├── MappingError               a public-registry record that cannot become an entry (also a ValueError)
    ├── ModifyRefused              changes that cannot be applied as sent (also a ValueError)
    ├── InspectionFailed           a server that could not be started, reached or asked
    ├── WriteRefused               a config file that cannot be written safely (also a ValueError)
    ├── SourceRefused              a from_env / from_file value that cannot be read (also a ValueError)
    ├── NotExpressible             an entry that cannot be said as a server.json (also a ValueError)
    ├── CatalogQueryError          a /v0.1 query parameter that cannot be honoured (also a ValueError)
    ├── ImageNotFound              an image registry without that image or tag
    ├── MaskWithoutSecret          a mask sent where no secret is stored to keep (also a ValueError)
    ├── DatabaseUnusable           the embedded registry's file cannot be opened; says why and what to do
    ├── StoreError                 the embedded registry's store refused; its app answers with the status
    │   ├── NotFound               404
    │   └── Conflict               409
    ├── DeadlinePassed             BoundedTransport: the whole call outlived its deadline (an httpx2 timeout)
    └── AnswerTooLarge             BoundedTransport: an answer past the size limit (an httpx2 request error)

The transport's two are also httpx2's exceptions, so that it composes like any httpx2 transport (the
client turns them into `RegistryTimeout` and `ResponseTooLarge`). Two kinds stay outside the tree:
`InvalidArguments` (`registry_mcp.mcp.toolkit`) is the SDK's `ToolError`, and the tree is imported
where the SDK's server is not; and control flow that never leaves its module (the subreaper's `Ended`,
the embedded app's `_Refusal`, inspection's `_ReadLimitReached`).

Every message says what happened, the HTTP status and the registry's own words where there are
some, and what to try next, so it can be shown to a person (or an assistant) as it is. The
registry's words are scrubbed of the API key and of the secrets of the record sent before they get
here (see `RegistryClient`), since some registries quote what they received.
"""

from __future__ import annotations

import httpx2


class Error(Exception):
    """The root of every error registry-mcp raises on purpose."""


class RegistryError(Error):
    """Base class of every registry failure."""

    hint = "Check the request and try again."

    def __init__(self, message: str, *, status: int | None = None, registry_message: str | None = None) -> None:
        self.status = status
        self.registry_message = registry_message
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        text = " ".join(parts)
        if self.registry_message and self.registry_message not in self.message:
            text += f". Registry said: {self.registry_message}"
        return f"{text.rstrip('.')}. {self.hint}"


class InvalidRequest(RegistryError):
    hint = "Correct what is described and send the request again."


class AuthenticationError(RegistryError):
    hint = (
        "Check ENKRYPT_API_KEY (and ENKRYPT_PROJECT): the key must be valid and have access to the project. "
        "Unset the key to use the embedded local registry instead."
    )


class CallersKeyRefused(AuthenticationError):
    """The registry refused the key an HTTP caller sent (`--auth keys`): the caller's to fix, not the server's."""

    hint = (
        "Send an Enkrypt API key that is valid and has access to the project "
        "(Authorization: Bearer KEY, or an apikey header)."
    )


class ServerNotFound(RegistryError):
    hint = "Check the saved_name and server_version with list_registry_servers."


class ServerConflict(RegistryError):
    hint = "Choose another saved_name or server_version, or change the existing server with modify_registry_server."


class RateLimited(RegistryError):
    hint = "Wait a little and try again."

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        registry_message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        if retry_after is not None:
            self.hint = f"Wait {retry_after:g} seconds and try again."
        super().__init__(message, status=status, registry_message=registry_message)


class RegistryUnavailable(RegistryError):
    hint = "The registry may be down or unreachable: try again in a moment, and check ENKRYPT_BASE_URL."


class RegistryUnreachable(RegistryUnavailable):
    hint = (
        "Check the registry's URL (ENKRYPT_BASE_URL), this machine's network connection and its proxy "
        "settings (HTTPS_PROXY, NO_PROXY), then try again."
    )


class RegistryTimeout(RegistryUnavailable):
    hint = (
        "The registry may be slow or overloaded: try again in a moment, or allow more time with "
        "REGISTRY_MCP_TIMEOUT (or --timeout)."
    )


class UnexpectedResponse(RegistryError):
    hint = "The registry's API may have changed: check for a newer registry-mcp, or report this response."


class ResponseTooLarge(UnexpectedResponse):
    _RAISE = "raise REGISTRY_MCP_MAX_RESPONSE_BYTES (or --max-response-bytes)"
    hint = f"If the registry's answers are really this large, {_RAISE}."

    def __init__(self, message: str, *, status: int | None = None, paged: bool = False) -> None:
        if paged:  # only a call that pages can ask for less
            self.hint = (
                f"Ask for fewer at a time (a smaller per_page), or, if answers are really this large, {self._RAISE}."
            )
        super().__init__(message, status=status)


class LocalRefusal(Error):
    """registry-mcp itself refused the call (the registry was not asked, or its answer cannot be shown).

    Not a `RegistryError`: the registry did not refuse the input, and sending it again changes nothing.
    The message says what to do instead."""


class ConfigError(Error, ValueError):
    """The text is not an MCP client config this module can read."""


class FileNotRead(ConfigError):
    """The source is a path, and the caller may give only JSON text."""


class MappingError(Error, ValueError):
    """The record cannot become an entry; the message says why and what can be chosen instead."""


class ModifyRefused(Error, ValueError):
    """The changes cannot be applied as sent; the message names the field and says why."""


class InspectionFailed(Error):
    """The server could not be started, reached or asked; the message says why (and quotes its stderr)."""


class StoreError(Error):
    """Base of the embedded store's refusals; the embedded app turns them into HTTP statuses."""


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    pass


class WriteRefused(Error, ValueError):
    """The file cannot be written safely; the message says why (never a value from it)."""


class ImageNotFound(Error):
    """The registry has no such image or tag."""


class SourceRefused(Error, ValueError):
    """A source cannot be read; the message names the field and why (never a value)."""


class NotExpressible(Error, ValueError):
    """The entry cannot be said as a `server.json`; the message says why."""


class CatalogQueryError(Error, ValueError):
    """A query parameter the API cannot honour; the message says which and why."""


class MaskWithoutSecret(Error, ValueError):
    """A mask was sent where no secret is stored for it to stand for (or where it would move one)."""

    def __init__(self, path: str, mask: str, why: str = "but no secret is stored there to keep") -> None:
        self.path = path
        super().__init__(f"{path}: holds the mask {mask!r}, {why}; send the real value")


class DatabaseUnusable(Error):
    """The embedded registry's file cannot be opened; the message says why and what to do."""


class DeadlinePassed(Error, httpx2.TimeoutException):
    """The whole call did not end within its deadline."""


class AnswerTooLarge(Error, httpx2.RequestError):
    """An answer past the size limit, announced as such (`declared`) or found so while reading."""

    def __init__(self, request: httpx2.Request, status: int, declared: int | None = None) -> None:
        super().__init__("the answer is larger than the limit", request=request)
        self.status = status
        self.declared = declared


class NotInPublicRegistry(RegistryError):
    """The public MCP Registry has no server (or version) of that name."""

    hint = "Check the exact name (and version) with a search of the public registry."

"""Which URLs are safe to send secrets to, or to take from what a gateway will run; the public registry's own."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import httpx2

DEFAULT_PUBLIC_REGISTRY_URL = "https://registry.modelcontextprotocol.io"


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback address: traffic that never leaves this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_cleartext(url: str) -> bool:
    """A plain `http://` URL to another machine: what is sent to it can be read on the way."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() == "http" and not is_loopback(parts.hostname or "")


def require_safe_base_url(
    base_url: str, *, what: str = "registry", why: str = "so that the API key is never sent in clear text"
) -> None:
    """Refuse to send an API key in clear text: HTTPS, unless the registry is on this machine."""
    url = httpx2.URL(base_url)
    if url.scheme == "https" or (url.scheme == "http" and is_loopback(url.host)):
        return
    raise ValueError(
        f"The {what} URL {base_url!r} must use https:// (plain http:// is allowed only for a loopback "
        f"address such as 127.0.0.1 or localhost), {why}."
    )


def require_trusted_url(base_url: str) -> None:
    """The public registry's URL: HTTPS (or on this machine), since its records say what a gateway runs."""
    require_safe_base_url(
        base_url,
        what="public registry",
        why="since entries built from its answers say what a gateway runs",
    )


def without_credentials(url: str) -> str:
    """A URL with any user name and password, and its query, replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    if "@" in parts.netloc:
        parts = parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2])
    if parts.query:
        parts = parts._replace(query="***")
    return parts.geturl()

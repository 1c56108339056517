"""Which URLs are safe to send secrets to."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


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

"""The digest an image's tag points to now, asked of its registry (the OCI distribution API).

`HEAD /v2/<repository>/manifests/<tag>` answers with the digest in `Docker-Content-Digest`. A registry
that wants a token first answers 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`; an
anonymous token is fetched from that realm (Docker Hub, GHCR and most public registries give one for
a public image). Nothing else is sent: no credentials of the user's.
"""

from __future__ import annotations

import re

import httpx2

from registry_mcp.errors import ImageNotFound
from registry_mcp.urls import is_loopback

DOCKER_HUB = "registry-1.docker.io"
ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


def registry_of(image: str) -> tuple[str, str]:
    """(registry host, repository) of an image name: 'mcp/fs' is Docker Hub's, 'ubuntu' its 'library/ubuntu'."""
    first, slash, rest = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        host = DOCKER_HUB if first in ("docker.io", "index.docker.io") else first
        repository = rest
    else:
        host, repository = DOCKER_HUB, image
    if host == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return host, repository


async def digest_of(image: str, tag: str, *, seconds: float = 10.0) -> str | None:
    """The digest `image:tag` points to now; None if the registry does not say. Raises
    `ImageNotFound`, or `httpx2.HTTPError` when the registry cannot be asked."""
    host, repository = registry_of(image)
    scheme = "http" if is_loopback(host.rsplit(":", 1)[0]) else "https"
    url = f"{scheme}://{host}/v2/{repository}/manifests/{tag}"
    async with httpx2.AsyncClient(timeout=seconds, follow_redirects=False) as http:
        answer = await http.head(url, headers={"Accept": ACCEPT})
        if answer.status_code == 401:
            token = await _anonymous_token(http, answer.headers.get("WWW-Authenticate", ""))
            if token is None:
                return None
            answer = await http.head(url, headers={"Accept": ACCEPT, "Authorization": f"Bearer {token}"})
        if answer.status_code == 404:
            raise ImageNotFound(f"{image}:{tag}")
        answer.raise_for_status()
        digest = answer.headers.get("Docker-Content-Digest")
        return digest if digest and digest.startswith("sha256:") else None


async def _anonymous_token(http: httpx2.AsyncClient, challenge: str) -> str | None:
    if not challenge.lower().startswith("bearer "):
        return None
    fields = dict(_CHALLENGE.findall(challenge))
    realm = fields.pop("realm", "")
    url = httpx2.URL(realm) if realm else None
    if url is None or not (url.scheme == "https" or (url.scheme == "http" and is_loopback(url.host))):
        return None  # a token only over HTTPS, as a registry on another machine must give it
    answer = await http.get(realm, params=fields)
    answer.raise_for_status()
    body = answer.json()
    token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else None

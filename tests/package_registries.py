"""Loopback fakes of an npm registry, a PyPI simple index, OSV and an image registry, answering with the
recorded answers in tests/data/packages (see its README): what registry-mcp's package lookups read. The
image registry answers as Docker Hub does: 401 with a Bearer challenge, an anonymous token from the
realm, then the digest in `Docker-Content-Digest`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from registry_mcp.packages.sources import PackageSources

from .conftest import ServedApp

DATA = Path(__file__).parent / "data" / "packages"
NPM = {"@modelcontextprotocol/server-memory": json.loads((DATA / "npm-server-memory.json").read_text())}
PYPI = {"mcp-server-fetch": json.loads((DATA / "pypi-mcp-server-fetch.json").read_text())}
VULNERABLE = json.loads((DATA / "osv-query-vulnerable.json").read_text())
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
IMAGES = {("mcp/fs", "1.0"): "sha256:" + "ab" * 32}
TOKEN = "anonymous-pull-token"


class PackageRegistries(ServedApp):
    """npm at /npm, a PyPI index at /simple, OSV at /osv; `vulnerable` holds the (ecosystem, name,
    version) OSV knows a vulnerability of. `requests` records what was asked."""

    def __init__(self, vulnerable: set[tuple[str, str, str]] | None = None) -> None:
        self.requests: list[str] = []
        self.vulnerable = vulnerable or set()
        routes = [
            Route("/npm/{name:path}", self._npm),
            Route("/simple/{name}/", self._pypi),
            Route("/osv/v1/query", self._osv, methods=["POST"]),
            Route("/v2/{repository:path}/manifests/{reference}", self._manifest, methods=["HEAD", "GET"]),
            Route("/token", self._token),
        ]
        super().__init__(Starlette(routes=routes))

    @property
    def images(self) -> str:
        """Where an image name starts to be looked up here: '127.0.0.1:PORT/'."""
        return f"127.0.0.1:{self.port}/"

    @property
    def sources(self) -> PackageSources:
        base = f"http://127.0.0.1:{self.port}"
        return PackageSources(npm=f"{base}/npm", pypi=f"{base}/simple", osv=f"{base}/osv")

    async def _npm(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.requests.append(f"npm {name}")
        found = NPM.get(name)
        return JSONResponse(found) if found else JSONResponse({"error": "Not found"}, status_code=404)

    async def _pypi(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.requests.append(f"pypi {name} {request.headers.get('accept')}")
        found = PYPI.get(name)
        if found is None or request.headers.get("accept") != SIMPLE_JSON:
            return Response("Not Found", status_code=404)
        return Response(json.dumps(found), media_type=SIMPLE_JSON)

    async def _osv(self, request: Request) -> Response:
        query: dict[str, Any] = await request.json()
        package = query["package"]
        self.requests.append(f"osv {package['ecosystem']} {package['name']} {query['version']}")
        known = (package["ecosystem"], package["name"], query["version"]) in self.vulnerable
        return JSONResponse(VULNERABLE if known else {})

    async def _manifest(self, request: Request) -> Response:
        repository, reference = request.path_params["repository"], request.path_params["reference"]
        authorized = request.headers.get("authorization") == f"Bearer {TOKEN}"
        self.requests.append(f"{request.method} manifest {repository}:{reference}{' (token)' if authorized else ''}")
        if not authorized:
            realm = f"http://127.0.0.1:{self.port}/token"
            challenge = f'Bearer realm="{realm}",service="fake-registry",scope="repository:{repository}:pull"'
            return JSONResponse(
                {"errors": [{"code": "UNAUTHORIZED"}]}, status_code=401, headers={"WWW-Authenticate": challenge}
            )
        digest = IMAGES.get((repository, reference))
        if digest is None:
            return JSONResponse({"errors": [{"code": "MANIFEST_UNKNOWN"}]}, status_code=404)
        media = "application/vnd.oci.image.index.v1+json"
        return Response(b"", media_type=media, headers={"Docker-Content-Digest": digest})

    async def _token(self, request: Request) -> Response:
        self.requests.append(f"token {request.query_params.get('service')} {request.query_params.get('scope')}")
        return JSONResponse({"token": TOKEN, "access_token": TOKEN, "expires_in": 300})

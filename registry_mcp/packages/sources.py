"""Where packages are looked up: the registries the user's own tools use, and OSV.

npm reads `npm_config_registry` (as npm does, any case); PyPI reads `UV_DEFAULT_INDEX`, `UV_INDEX_URL`
or `PIP_INDEX_URL`, a simple index; OSV is `REGISTRY_MCP_OSV_URL`. A `.npmrc` or `pip.conf` is not
read: set the variable where a mirror is configured there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

NPM_REGISTRY = "https://registry.npmjs.org"
PYPI_INDEX = "https://pypi.org/simple"
OSV_API = "https://api.osv.dev"
OSV_VARIABLE = "REGISTRY_MCP_OSV_URL"
_NPM_VARIABLES = ("npm_config_registry", "NPM_CONFIG_REGISTRY")
_PYPI_VARIABLES = ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL")


@dataclass(frozen=True)
class PackageSources:
    npm: str = NPM_REGISTRY
    pypi: str = PYPI_INDEX
    osv: str | None = OSV_API  # None: vulnerabilities are not looked up
    timeout: float = 10.0  # seconds for one whole answer
    max_bytes: int = 32_000_000  # a packument of a package with thousands of versions runs to megabytes

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PackageSources:
        env = os.environ if environ is None else environ
        npm = next((env[name] for name in _NPM_VARIABLES if env.get(name)), NPM_REGISTRY)
        pypi = next((env[name] for name in _PYPI_VARIABLES if env.get(name)), PYPI_INDEX)
        return cls(npm=npm.rstrip("/"), pypi=pypi.rstrip("/"), osv=(env.get(OSV_VARIABLE) or OSV_API).rstrip("/"))

"""Every exception registry-mcp defines lives in one tree in `registry_mcp/errors.py`, under `Error`,
but for the few its docstring names and says why."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import registry_mcp
from registry_mcp import errors

# Outside the tree, as errors.py says: the SDK's ToolError, and control flow that never leaves its module.
OUTSIDE = {
    "registry_mcp.mcp.toolkit.InvalidArguments",
    "registry_mcp.servers.subreaper.Ended",
    "registry_mcp.registry.embedded.app._Refusal",
    "registry_mcp.servers.inspection._ReadLimitReached",
}


def _defined_exceptions() -> set[str]:
    found = set()
    for module_info in pkgutil.walk_packages(registry_mcp.__path__, "registry_mcp."):
        if module_info.name.endswith("__main__"):  # runs the command when imported
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                found.add(f"{module.__name__}.{name}")
    return found


def test_every_exception_is_in_the_tree_but_the_named_few() -> None:
    outside = {name for name in _defined_exceptions() if not name.startswith("registry_mcp.errors.")}
    assert outside == OUTSIDE
    for name in OUTSIDE:
        assert name.rpartition(".")[2] in (errors.__doc__ or ""), f"errors.py does not say why {name} is outside"


def test_the_tree_has_one_root_and_draws_every_branch() -> None:
    tree = [value for value in vars(errors).values() if inspect.isclass(value) and issubclass(value, BaseException)]
    own = [kind for kind in tree if kind.__module__ == errors.__name__]
    assert all(issubclass(kind, errors.Error) for kind in own)
    drawn = (errors.__doc__ or "").split("The tree::")[1]
    assert [kind.__name__ for kind in own if f" {kind.__name__} " not in drawn] == []

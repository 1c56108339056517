"""What a registry entry's command runs, as a package, and that package's facts in its own registry.

    facts = await look_up(ref, args, sources)   # exists, published, deprecated/yanked, integrity, provenance, OSV

Which package a command runs is the caller's to say (`registry_mcp.mcp.launch_target`).

The modules:

    spec.py     a package at a version as a command names it, and the arguments that pin it
    sources.py  where packages are looked up: the user's npm and PyPI mirrors, OSV (from the environment)
    npm.py      the npm registry's packument
    pypi.py     a PyPI index's simple JSON API (PEP 691, 700 and 740)
    oci.py      an image registry: the digest a tag points to now
    versions.py one release as any registry describes it; the newest of a list
    facts.py    the facts of one package (OSV's known vulnerabilities too), and the warnings they call for

A registry that cannot be reached is a note in the facts, never a failure.
"""

from __future__ import annotations

from registry_mcp.packages.facts import PackageFacts, facts_findings, facts_of_commands, look_up, look_up_all
from registry_mcp.packages.sources import PackageSources
from registry_mcp.packages.spec import PackagePin, PackageRef, image_in, pinned_args, ref_in

__all__ = [
    "PackageFacts",
    "PackagePin",
    "PackageRef",
    "PackageSources",
    "facts_findings",
    "facts_of_commands",
    "image_in",
    "look_up",
    "look_up_all",
    "pinned_args",
    "ref_in",
]

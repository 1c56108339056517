"""What a registry entry's command runs, as a package, and that package's facts in its own registry.

    facts = await facts_of(config, sources)       # exists, published, deprecated/yanked, integrity, provenance, OSV
    package, notes = await package_pin(config, sources)   # what a pin records: one exact version

Which package a command runs is `registry_mcp.registry.targets.what_runs`, read through `package_of`.

The modules:

    spec.py     a package at a version as a command names it, and the arguments that pin it
    sources.py  where packages are looked up: the user's npm and PyPI mirrors, OSV (from the environment)
    npm.py      the npm registry's packument
    pypi.py     a PyPI index's simple JSON API (PEP 691, 700 and 740)
    oci.py      an image registry: the digest a tag points to now
    versions.py one release as any registry describes it; the newest of a list
    facts.py    the facts of one package (OSV's known vulnerabilities too), and the warnings they call for

A registry that cannot be reached is a note in the facts, never a failure. Import from the modules
(`registry_mcp.packages.facts`, `.spec`, `.sources`): this package's own module imports nothing, so
that settings can read `sources` at start-up without the lookups' code.
"""

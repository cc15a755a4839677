"""Import the collection's plugins by their full name, as Ansible loads them, without an install.

The module_utils import each other as ``ansible_collections.graphops.neo4j.plugins.module_utils.<name>``;
``register_collection_packages()`` registers the three namespace packages above the repository root in
``sys.modules`` so those imports resolve to this checkout.  Used by the unit tests and the benchmark.
"""

import pathlib
import sys
import types

COLLECTION_ROOT = pathlib.Path(__file__).resolve().parents[1]


def register_collection_packages():
    """Make ``ansible_collections.graphops.neo4j`` resolve to this repository (no-op when already set up)."""
    for name, path in (("ansible_collections", []), ("ansible_collections.graphops", []),
                       ("ansible_collections.graphops.neo4j", [str(COLLECTION_ROOT)])):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = path
            sys.modules[name] = package

"""Unit tests import the collection's plugins by their full name, as Ansible loads them, without an install.

The module_utils import each other as ``ansible_collections.graphops.neo4j.plugins.module_utils.<name>``, so
this registers the three namespace packages above the repository root in ``sys.modules``.  pytest imports
this file before the test modules, which then use plain imports::

    from ansible_collections.graphops.neo4j.plugins.module_utils import connection
"""

import pathlib
import sys
import types

COLLECTION_ROOT = pathlib.Path(__file__).resolve().parents[2]


def register_collection_packages():
    """Make ``ansible_collections.graphops.neo4j`` resolve to this repository (no-op when already set up)."""
    for name, path in (("ansible_collections", []), ("ansible_collections.graphops", []),
                       ("ansible_collections.graphops.neo4j", [str(COLLECTION_ROOT)])):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = path
            sys.modules[name] = package


register_collection_packages()

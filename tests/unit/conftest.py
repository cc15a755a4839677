"""Unit tests import the collection's plugins by their full name, as Ansible loads them, without an install.

The module_utils import each other as ``ansible_collections.graphops.neo4j.plugins.module_utils.<name>``, so
this registers the three namespace packages above the repository root in ``sys.modules``.  pytest imports
this file before the test modules, which then use plain imports::

    from ansible_collections.graphops.neo4j.plugins.module_utils import connection
"""

from collection_path import register_collection_packages

register_collection_packages()

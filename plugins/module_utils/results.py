# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The keys modules return: Neo4j's result columns turned into snake_case, one key per concept.

The rule, for every module of the collection:

- Every key a module returns is snake_case, as Ansible's own modules and community.postgresql's
  ``postgresql_info`` return them.  Neo4j's camelCase columns (``SHOW DATABASES``, ``SHOW SERVERS``,
  ``SHOW ALIASES``, ``SHOW USERS``) are converted mechanically with ansible-core's
  ``camel_dict_to_snake_dict``, the way amazon.aws converts boto3's answers: ``requestedStatus`` ->
  ``requested_status``, ``serverID`` and ``serverId`` -> ``server_id``.  So a column's key is predictable
  from Neo4j's documentation, and columns added by later releases follow the same rule.
- Where a module option already names a concept, the result uses the option's name: the database an alias
  points at is ``target`` (the ``database`` column of ``SHOW ALIASES``), as in ``neo4j_alias``'s option,
  its ``diff``, ``previous_target`` and ``expected_target``.
- Values are never renamed: names used as keys (databases, servers, aliases, users), map-valued columns that
  hold Neo4j's own option names or the user's data (``options``, ``driver``, ``properties``) and the rows of
  ``neo4j_query`` stay as they are.

The logic in the other module_utils keeps Neo4j's column names (they are also the names in the Cypher it
sends); these functions shape what leaves a module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

# Columns that are concepts some module option names already: {column: the option's name}.
ALIAS_RENAMES = {"database": "target"}


def snake_columns(row, renames=None):
    """One result row with its column names in snake_case; values (maps and lists included) untouched."""
    if row is None:
        return None
    converted = camel_dict_to_snake_dict(dict(row), ignore_list=list(row))
    for old, new in (renames or {}).items():
        if old in converted:
            converted[new] = converted.pop(old)
    return converted


def database_result(database):
    """A database as ``databases.summarize`` shapes it (``members`` keyed by server name) -> result keys."""
    if database is None:
        return None
    out = snake_columns(dict((k, v) for k, v in database.items() if k != "members"))
    if "members" in database:
        out["members"] = dict((name, snake_columns(member)) for name, member in database["members"].items())
    return out


def alias_result(alias):
    """A ``SHOW ALIASES`` row (or None) -> result keys; its target database is ``target``."""
    return snake_columns(alias, ALIAS_RENAMES)


def keyed_results(rows_by_name, shape=snake_columns):
    """{name: row} -> {name: shaped row}; the names are values and keep their spelling."""
    return dict((name, shape(row)) for name, row in rows_by_name.items())

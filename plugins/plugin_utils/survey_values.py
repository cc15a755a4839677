# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role variables that may arrive as YAML/JSON strings (AWX surveys and ``-e key=value`` send strings).

``check_values(values, kinds)`` parses every value of ``values`` (label -> value) as its kind says and returns
``{"values": {label: parsed}, "errors": [message, ...]}`` with one message per bad variable, each naming it, so a
role can report all of them at once before it reads or changes anything.  Controller side only (PyYAML).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import yaml

from ansible_collections.graphops.neo4j.plugins.module_utils.cypher import (
    InvalidName, validate_alias_name, validate_database_name)

RELEASE = re.compile(r"^[0-9]{14}$")
# Keys a bg_deployments entry may carry: the per-alias settings of a single deployment.
DEPLOYMENT_KEYS = ("alias", "release", "nodes", "relationships", "topology", "validation_queries", "keep")


class _Bad(Exception):
    pass


def _short(value, limit=60):
    text = str(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _parse(value, empty):
    """A string is read as YAML (JSON is YAML); None or a blank string is ``empty``."""
    if value is None:
        return empty
    if isinstance(value, str):
        if not value.strip():
            return empty
        try:
            return yaml.safe_load(str(value))
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise _Bad("the string '%s' is not valid YAML or JSON (%s)" % (_short(value), problem))
    return value


def _type_name(value):
    return {dict: "a dict", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


def _dict(value):
    value = _parse(value, {})
    if not isinstance(value, dict):
        raise _Bad("expected a dict (or a YAML/JSON string of one), got %s" % _type_name(value))
    return value


def _topology(value):
    """{primaries: N >= 1, secondaries: M >= 0}, either left out for the server's default."""
    value = _dict(value)
    unknown = sorted(set(value) - {"primaries", "secondaries"})
    if unknown:
        raise _Bad("unknown key%s %s (known: primaries, secondaries)" % ("s" if len(unknown) > 1 else "", ", ".join(unknown)))
    for key, minimum in (("primaries", 1), ("secondaries", 0)):
        if value.get(key) is not None:
            try:
                _count(value[key], minimum)
            except _Bad as exc:
                raise _Bad("%s %s" % (key, exc))
    return value


def _list_of_dicts(value, required=False):
    value = _parse(value, [])
    if isinstance(value, dict):
        value = [value]  # one source given on its own
    if not isinstance(value, list):
        raise _Bad("expected a list of dicts (or a YAML/JSON string of one), got %s" % _type_name(value))
    wrong = [i for i, item in enumerate(value) if not isinstance(item, dict)]
    if wrong:
        raise _Bad("expected a list of dicts, but item %d is %s" % (wrong[0], _type_name(value[wrong[0]])))
    if required and not value:
        raise _Bad("must name at least one source, got an empty list")
    return value


def _queries(value):
    value = _list_of_dicts(value)
    for i, item in enumerate(value):
        missing = [key for key in ("query", "expect") if key not in item]
        if missing:
            raise _Bad("item %d has no %s (each is {query, parameters, expect})" % (i, " and no ".join(missing)))
        if not isinstance(item["expect"], list):
            raise _Bad("item %d: expect must be the list of rows the query returns, got %s"
                       % (i, _type_name(item["expect"])))
    return value


def _count(value, minimum):
    if isinstance(value, bool):
        raise _Bad("expected an integer >= %d, got a boolean" % minimum)
    if isinstance(value, str) and re.match(r"^\s*-?[0-9]+\s*$", value):
        value = int(value)
    if not isinstance(value, int) or value < minimum:
        shown = "'%s'" % _short(value) if isinstance(value, str) else _short(value)
        raise _Bad("expected an integer >= %d, got %s" % (minimum, shown))
    return value


def _release(value):
    value = "" if value is None else str(value).strip()
    if value and not RELEASE.match(value):
        raise _Bad("must be 14 digits (YYYYMMDDHHMMSS), got '%s'" % _short(value))
    return value


def _alias(value):
    value = "" if value is None else str(value).strip().lower()
    if not value:
        raise _Bad("must be set (the alias applications read)")
    # Neo4j's rules for the alias, and for the release databases named after it (<alias>-<14 digits>), checked here
    # so that a bad name stops the run before anything is read or changed.
    try:
        validate_alias_name(value, option="alias")
        validate_database_name(value + "-20000101000000", option="the release databases <alias>-<release>")
    except InvalidName as exc:
        raise _Bad(str(exc).rstrip("."))
    return value


def _database(value):
    """Empty, or a name Neo4j accepts for a database."""
    value = "" if value is None else str(value).strip()
    if value:
        try:
            return validate_database_name(value, option="database")
        except InvalidName as exc:
            raise _Bad(str(exc).rstrip("."))
    return value


def _deployments(value):
    """Each entry: alias (required), nodes (required), release, relationships, topology, validation_queries, keep."""
    entries = _list_of_dicts(value)
    problems, seen, parsed = [], {}, []
    for i, entry in enumerate(entries):
        label = "[%d]" % i + (" (alias '%s')" % entry["alias"] if entry.get("alias") else "")
        unknown = sorted(set(entry) - set(DEPLOYMENT_KEYS))
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            problems.append("%s: unknown key%s %s (known: %s)" % (label, plural, ", ".join(unknown),
                                                                  ", ".join(DEPLOYMENT_KEYS)))
        one = {}
        checks = (("alias", _alias), ("release", _release), ("nodes", lambda v: _list_of_dicts(v, required=True)),
                  ("relationships", _list_of_dicts), ("topology", _topology), ("validation_queries", _queries),
                  ("keep", lambda v: None if v is None else _count(v, 0)))
        for key, check in checks:
            try:
                one[key] = check(entry.get(key))
            except _Bad as exc:
                problems.append("%s: %s %s" % (label, key, exc))
        if one.get("alias"):
            if one["alias"] in seen:
                problems.append("%s: alias '%s' is deployed by entry [%d] already; one entry per alias"
                                % (label, one["alias"], seen[one["alias"]]))
            seen.setdefault(one["alias"], i)
        parsed.append(one)
    if problems:
        raise _Bad("; ".join(problems))
    return parsed


KINDS = {
    "dict": _dict,
    "topology": _topology,
    "list": _list_of_dicts,
    "nodes": lambda value: _list_of_dicts(value, required=True),
    "queries": _queries,
    "count": lambda value: _count(value, 0),
    "positive": lambda value: _count(value, 1),
    "release": _release,
    "alias": _alias,
    "database": _database,
    "deployments": _deployments,
}


def check_values(values, kinds):
    """Parse each ``values[label]`` as ``kinds[label]`` (a key of KINDS); see the module docstring."""
    parsed, errors = {}, []
    for label, kind in kinds.items():
        try:
            parsed[label] = KINDS[kind](values.get(label))
        except _Bad as exc:
            errors.append("%s: %s." % (label, exc))
    return {"values": parsed, "errors": errors}

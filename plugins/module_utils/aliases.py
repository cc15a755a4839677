# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database aliases: read (SHOW ALIASES), plan, and switch with an optional compare-and-swap.

Pure logic over a client with ``read``, ``admin``, ``transaction`` and ``require_enterprise``
(``connection.Neo4jClient``), so it is unit-testable with a fake.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from . import cypher
from .connection import SCHEMES, Neo4jModuleError
from .databases import MIN_VERSION, describe_members, read_database, read_servers, redact, server_names

ALIAS_COLUMNS = ("name", "composite", "database", "location", "url", "user", "driver", "properties")
# Neo4j refuses to mix statement types in one transaction with GQL status 25N01 (older servers:
# Neo.ClientError.Transaction.ForbiddenDueToTransactionType).
MIXED_TRANSACTION = ("25N01", "Neo.ClientError.Transaction.ForbiddenDueToTransactionType")
_ISO = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?\Z")


class CompareAndSwapFailed(Neo4jModuleError):
    """The alias no longer points where ``expected_target`` says; nothing was changed."""


def _fail(msg):
    raise Neo4jModuleError(msg)


def _name(validator, value, option):
    try:
        return validator(value, option)
    except cypher.InvalidName as exc:
        raise Neo4jModuleError(str(exc))


# ----- reading -----------------------------------------------------------------------------------

def read_alias(client, name, tx=None):
    stmt = cypher.show_alias(name)
    rows = (tx.run(stmt.query, stmt.params) if tx else client.read(stmt.query, stmt.params, database="system")).rows
    if not rows:
        return None
    row = rows[0]
    return dict((k, row.get(k)) for k in ALIAS_COLUMNS)


def duration_seconds(value):
    """An ISO 8601 duration without months/years (as SHOW ALIASES reports DRIVER settings) -> seconds."""
    match = _ISO.match(str(value).upper()) if value is not None else None
    if not match:
        return value
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


def comparable_driver(settings):
    return dict((k, duration_seconds(v) if k in cypher.DURATION_SETTINGS else v) for k, v in (settings or {}).items())


def view(alias):
    if alias is None:
        return dict(state="absent")
    out = dict(state="present", name=alias["name"], target=alias["database"], location=alias["location"])
    if alias["location"] == "remote":
        out.update(url=alias.get("url"), user=alias.get("user"), driver=alias.get("driver") or {})
    out["properties"] = alias.get("properties") or {}
    return out


# ----- validating --------------------------------------------------------------------------------

def validate(params):
    name = _name(cypher.validate_alias_name, params.get("name"), "name")
    state = params.get("state") or "present"
    remote_keys = ("url", "remote_user", "remote_password", "driver")
    if state == "absent":
        for key in ("target",) + remote_keys + ("properties",):
            if params.get(key) is not None:
                hint = " (use expected_target to remove the alias only while it points there)" if key == "target" else ""
                _fail("%s cannot be used with state=absent%s." % (key, hint))
        target = None
    else:
        if not params.get("target"):
            _fail("target is required with state=present: name the database the alias points to.")
        target = _name(cypher.validate_database_name, params["target"], "target")
    expected = params.get("expected_target")
    if expected is not None:
        expected = _name(cypher.validate_database_name, expected, "expected_target")

    url = params.get("url")
    remote = url is not None
    if remote:
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme not in SCHEMES or not url.split("://", 1)[1].strip("/"):
            _fail("url: %r is not a Neo4j URI such as neo4j+s://remote.example.com:7687." % url)
        for key in ("remote_user", "remote_password"):
            if not params.get(key):
                _fail("%s is required for a remote alias (url is set)." % key)
    else:
        for key in remote_keys[1:]:
            if params.get(key) is not None:
                _fail("%s only applies to remote aliases; set url too." % key)
    try:
        driver = cypher.normalize_driver_settings(params.get("driver"), "driver") if params.get("driver") is not None else None
        properties = params.get("properties")
        if properties is not None:
            cypher._map_clause("PROPERTIES", properties, "property", {})  # validates the keys
    except ValueError as exc:
        raise Neo4jModuleError(str(exc))
    return dict(name=name, state=state, target=target, expected_target=expected, remote=remote, url=url,
                user=params.get("remote_user"), password=params.get("remote_password"), driver=driver,
                properties=properties, require_online=params.get("require_online", True) is not False,
                update_password=params.get("update_password") or "on_create")


# ----- checks against the server -----------------------------------------------------------------

def check_name_free(client, name):
    """An alias cannot share its name with a database."""
    database = read_database(client, name)
    if database is not None:
        _fail("name: '%s' is the name of an existing database, not an alias; choose another alias name." % name)


def check_target(client, desired):
    """A local alias must point at an existing standard database, online everywhere unless require_online=false."""
    target = desired["target"]
    # The member names (SHOW SERVERS) are read once, for the message naming members that are not online.
    database = read_database(client, target, server_names(read_servers(client, required=False)))
    if database is None:
        alias = read_alias(client, target)
        if alias is not None:
            _fail("target: '%s' is itself an alias (for '%s'); Neo4j does not allow alias chains. Point at the database."
                  % (target, alias["database"]))
        _fail("target: database '%s' does not exist." % target)
    if database.get("type") not in (None, "standard"):
        _fail("target: '%s' is a %s database; an alias can only point at a standard database." % (target, database["type"]))
    if desired["require_online"]:
        offline = dict((k, m) for k, m in database["members"].items() if m.get("currentStatus") != "online")
        if offline or database.get("requestedStatus") != "online":
            _fail("target: database '%s' is not online on every member that hosts it (%s). Start it and wait, "
                  "or set require_online=false." % (target, describe_members(offline or database["members"])))
    return database


# ----- planning ----------------------------------------------------------------------------------

def plan(desired, current):
    """Statements that take ``current`` (SHOW ALIASES row or None) to ``desired``, the expected view after,
    and whether the change retargets an existing alias (the compare-and-swap case)."""
    name = desired["name"]
    if desired["state"] == "absent":
        if current is None:
            return [], view(None), False
        return [cypher.drop_alias(name)], view(None), False

    if current is None:
        if desired["remote"]:
            stmt = cypher.create_remote_alias(name, desired["target"], desired["url"], desired["user"], desired["password"],
                                              desired["driver"], desired["properties"])
        else:
            stmt = cypher.create_local_alias(name, desired["target"], desired["properties"])
        after = dict(state="present", name=name, target=desired["target"], location="remote" if desired["remote"] else "local")
        if desired["remote"]:
            after.update(url=desired["url"], user=desired["user"], driver=desired["driver"] or {})
        after["properties"] = desired["properties"] or {}
        return [stmt], after, False

    location = "remote" if desired["remote"] else "local"
    if current["location"] != location:
        _fail("name: alias '%s' is a %s alias and Neo4j cannot turn it into a %s one; remove it first (state=absent)."
              % (name, current["location"], location))
    after = view(current)
    retarget = current["database"] != desired["target"]
    properties = None
    if desired["properties"] is not None and desired["properties"] != (current.get("properties") or {}):
        properties = desired["properties"]
        after["properties"] = properties
    if retarget:
        after["target"] = desired["target"]

    if location == "local":
        if not retarget and properties is None:
            return [], after, False
        return [cypher.alter_local_alias(name, desired["target"] if retarget else None, properties)], after, retarget

    move = retarget or current.get("url") != desired["url"]
    user = desired["user"] if desired["user"] != current.get("user") else None
    password = desired["password"] if desired["update_password"] == "always" else None
    driver = None
    if desired["driver"] is not None and comparable_driver(desired["driver"]) != comparable_driver(current.get("driver")):
        driver = desired["driver"]
        after["driver"] = driver
    if move:
        after["url"] = desired["url"]
    if user is not None:
        after["user"] = user
    if not (move or user is not None or password is not None or driver is not None or properties is not None):
        return [], after, False
    stmt = cypher.alter_remote_alias(name, desired["target"] if move else None, desired["url"] if move else None,
                                     user, password, driver, properties)
    return [stmt], after, retarget


def check_expected(desired, current):
    """Refuse a switch when the alias does not point at ``expected_target`` (nothing changed yet)."""
    expected = desired["expected_target"]
    if expected is None:
        return
    if current is None:
        raise CompareAndSwapFailed("expected_target: alias '%s' does not exist, so it does not point at '%s'; nothing was changed."
                                   % (desired["name"], expected))
    if current["database"] != expected:
        raise CompareAndSwapFailed("expected_target: alias '%s' points at '%s', not at '%s'; nothing was changed."
                                   % (desired["name"], current["database"], expected))


# ----- applying ----------------------------------------------------------------------------------

def apply_with_compare(client, desired, statement):
    """Run ``statement`` only if the alias still points at ``expected_target``.

    Neo4j has no conditional ALTER ALIAS, so the check and the change run in one write transaction on
    ``system``: both are administration commands, which Neo4j allows to share a transaction, and the
    driver retries the pair as a whole on a leader switch.  This narrows the window to one transaction
    on the system leader but is not a lock: SHOW takes no lock, so a concurrent ALTER committed between
    the two statements could still win.  If the server refuses to combine them (25N01), the check is
    repeated immediately before a separate ALTER.
    """
    def work(tx):
        check_expected(desired, read_alias(client, desired["name"], tx))
        return tx.run(statement.query, statement.params)

    try:
        return client.transaction(work, database="system", write=True, query=statement.query)
    except CompareAndSwapFailed:
        raise
    except Neo4jModuleError as exc:
        if exc.gql_status not in MIXED_TRANSACTION and exc.code not in MIXED_TRANSACTION:
            raise
    check_expected(desired, read_alias(client, desired["name"]))
    return client.admin(statement.query, statement.params)


def ensure(client, params, check_mode=False):
    """Bring one alias to the state the options describe; return the module result."""
    desired = validate(params)
    name = desired["name"]
    current = read_alias(client, name)
    if current is None:
        check_name_free(client, name)
    statements, after, retarget = plan(desired, current)
    # The compare-and-swap guards switching, dropping, or creating (an alias that does not exist does
    # not point at expected_target); other edits (properties, driver) leave the target alone.
    guarded = desired["expected_target"] is not None and bool(statements) and (retarget or current is None or desired["state"] == "absent")
    if guarded:
        check_expected(desired, current)
    if statements and desired["state"] == "present" and not desired["remote"] and (current is None or retarget):
        check_target(client, desired)

    previous = current["database"] if current else None
    result = dict(changed=bool(statements), queries=[redact(s) for s in statements],
                  diff=dict(before=view(current), after=after), previous_target=previous)
    if check_mode or not statements:
        result["alias"] = current
        return result
    client.require_enterprise("Managing database aliases", MIN_VERSION)
    for stmt in statements:
        if guarded:
            apply_with_compare(client, desired, stmt)
        else:
            client.admin(stmt.query, stmt.params)
    result["alias"] = read_alias(client, name)
    return result

# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database aliases: read (SHOW ALIASES), plan, and switch them under the alias's own write lock.

Pure logic over a client with ``read``, ``admin``, ``transaction`` and ``require_enterprise``
(``connection.Neo4jClient``), so it is unit-testable with a fake.

Switching (or removing) an existing alias is a locked compare-and-swap, in one write transaction on
``system`` that the driver retries as a whole on transient errors (deadlock, leader switch):

1. ``SHOW ALIAS``; if this run's token is already there, an earlier attempt committed: done.
2. ``ALTER ALIAS ... SET DATABASE PROPERTIES`` with the current properties plus this run's token.  A
   write locks the alias until commit (Neo4j operations manual, concurrent data access), so a second
   client doing the same waits here.  ``SHOW ALIAS`` takes no lock, so reading first is not enough.
3. ``SHOW ALIAS`` again, under the lock: its ``database`` column is the latest committed target
   (community ShowAliasesExecutionPlanner reads it outside the transaction).  Not ``expected_target``:
   fail, and the rollback releases the lock having changed nothing.
4. ``ALTER ALIAS ... TARGET new PROPERTIES {..., token}`` (or ``DROP ALIAS``); commit.
5. After commit, read again: the alias must carry this run's token (or be gone).  Anything else means a
   writer that ignores the protocol got in, and the task fails instead of reporting success.

Creating an alias uses ``CREATE ALIAS`` without ``IF NOT EXISTS``: the name's uniqueness decides, and the
client that loses gets an error, which is reported with the winner's target.  Sources and caveats:
shared reference ``neo4j-alias-cas.md``; docs/modules/neo4j_alias.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import uuid

from . import cypher
from .connection import SCHEMES, Neo4jModuleError
from .databases import MIN_VERSION, describe_members, read_database, read_servers, redact, server_names
from .results import alias_result

ALIAS_COLUMNS = ("name", "composite", "database", "location", "url", "user", "driver", "properties")
_ISO = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?\Z")


# The alias property a locked switch writes: this run's token, so a retry after an uncertain commit and
# the check after commit can tell this run's change from anyone else's.  Hidden from `properties`.
SWITCH_TOKEN = "graphops_switch"
# How a CREATE that lost the race for a name fails: the command's own check, or the system graph's
# uniqueness constraint on the name (which one Neo4j reports is not documented).
NAME_TAKEN = ("Neo.ClientError.Database.ExistingDatabaseFound", "Neo.ClientError.Schema.ConstraintValidationFailed")


class CompareAndSwapFailed(Neo4jModuleError):
    """The alias no longer points where ``expected_target`` says; nothing was changed."""


class _NoChange(Neo4jModuleError):
    """Under the lock the alias turned out to be as desired already; the transaction is rolled back.

    ``ours`` when it is so because this run's own earlier attempt committed."""

    def __init__(self, alias, ours=False):
        super(_NoChange, self).__init__("no change")
        self.alias = alias
        self.ours = ours


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
    out["properties"] = user_properties(alias.get("properties"))
    return out


def user_properties(properties):
    """Alias properties without the switch token this module keeps there."""
    return dict((k, v) for k, v in (properties or {}).items() if k != SWITCH_TOKEN)


def stamped(properties, token):
    out = dict(properties or {})
    out[SWITCH_TOKEN] = token
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

def plan(desired, current, token=None):
    """Statements that take ``current`` (SHOW ALIASES row or None) to ``desired``, the expected view after,
    and whether the change retargets an existing alias (the compare-and-swap case).

    With ``token``, a create or retarget also writes it as the alias's switch token; otherwise a token
    already on the alias is kept whenever properties are rewritten.
    """
    name = desired["name"]
    if desired["state"] == "absent":
        if current is None:
            return [], view(None), False
        return [cypher.drop_alias(name)], view(None), False

    if current is None:
        properties = stamped(desired["properties"], token) if token else desired["properties"]
        if desired["remote"]:
            stmt = cypher.create_remote_alias(name, desired["target"], desired["url"], desired["user"], desired["password"],
                                              desired["driver"], properties)
        else:
            stmt = cypher.create_local_alias(name, desired["target"], properties)
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
    wanted = user_properties(current.get("properties"))
    if desired["properties"] is not None and desired["properties"] != wanted:
        wanted = desired["properties"]
        after["properties"] = wanted
    properties = None
    if wanted != user_properties(current.get("properties")) or (retarget and token):
        kept = token if retarget and token else (current.get("properties") or {}).get(SWITCH_TOKEN)
        properties = stamped(wanted, kept) if kept else wanted
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

def _token_of(alias):
    return ((alias or {}).get("properties") or {}).get(SWITCH_TOKEN)


def switch(client, desired, token):
    """``locked_change``, run once more when the connection died during COMMIT: the change may have landed,
    and the second run recognises this run's token instead of doing it twice."""
    try:
        return locked_change(client, desired, token)
    except Neo4jModuleError as exc:
        if not getattr(exc, "uncertain_commit", False):
            raise
    return locked_change(client, desired, token, retrying=True)


def locked_change(client, desired, token, retrying=False):
    """Switch or remove an existing alias under its write lock (steps 1-4 of the module docstring).

    Returns ``(previous, statements)``: the alias as it was under the lock and the statements that ran.
    Raises ``CompareAndSwapFailed`` when it does not point at ``expected_target``, ``_NoChange`` when it
    is already as desired.
    """
    name = desired["name"]

    def work(tx):
        alias = read_alias(client, name, tx)
        if alias is None:
            if desired["state"] == "absent":
                raise _NoChange(None, ours=retrying)
            raise CompareAndSwapFailed("name: alias '%s' was removed by another client while this task ran; nothing was "
                                       "changed." % name)
        if desired["state"] == "present" and _token_of(alias) == token and alias["database"] == desired["target"]:
            raise _NoChange(alias, ours=True)  # this run's earlier attempt committed
        lock = _lock_statement(desired, alias, token)
        tx.run(lock.query, lock.params)
        locked = read_alias(client, name, tx)
        if desired["state"] == "present" and locked["database"] == desired["target"]:
            raise _NoChange(locked)  # another client made this very change first
        check_expected(desired, locked)
        statements = plan(desired, locked, token)[0]
        for stmt in statements:
            tx.run(stmt.query, stmt.params)
        return locked, [lock] + statements

    return client.transaction(work, database="system", write=True, query="ALTER ALIAS %s" % cypher.quote_name(name))


def _lock_statement(desired, alias, token):
    """A write to the alias that changes nothing but its switch token: it takes the alias's write lock."""
    properties = stamped(alias.get("properties"), token)
    if alias["location"] == "remote":
        return cypher.alter_remote_alias(desired["name"], properties=properties)
    return cypher.alter_local_alias(desired["name"], properties=properties)


def verify_after_commit(client, desired, token):
    """Step 5: the alias must now be this run's work; returns it as read."""
    alias = read_alias(client, desired["name"])
    if desired["state"] == "absent":
        if alias is not None:
            _fail("name: alias '%s' was removed, but exists again right after, pointing at '%s': another client created "
                  "it meanwhile." % (desired["name"], alias["database"]))
        return None
    if alias is None or _token_of(alias) != token or alias["database"] != desired["target"]:
        _fail("name: alias '%s' was switched to '%s', but right after it %s: another client changed it without the "
              "compare-and-swap. Check the alias before retrying." % (
                  desired["name"], desired["target"],
                  "no longer exists" if alias is None else "points at '%s'" % alias["database"]))
    return alias


def create(client, desired, statement, token):
    """CREATE ALIAS; when another client created the name first, report its target and change nothing.

    Returns whether this run created the alias (False when the winner made exactly the wanted alias).
    """
    try:
        client.admin(statement.query, statement.params)
        return True
    except Neo4jModuleError as exc:
        uncertain = getattr(exc, "uncertain_commit", False)
        if exc.code not in NAME_TAKEN and not uncertain:
            raise
        winner = read_alias(client, desired["name"])
        if winner is None:
            if uncertain:
                return create(client, desired, statement, token)  # the CREATE did not land: send it again
            raise
        if _token_of(winner) == token:
            return True  # this run's own CREATE landed before the connection died
        if winner["database"] == desired["target"] and winner["location"] == ("remote" if desired["remote"] else "local"):
            return False
        raise CompareAndSwapFailed("name: alias '%s' was created by another client while this task ran and points at '%s'; "
                                   "nothing was changed." % (desired["name"], winner["database"]))


def ensure(client, params, check_mode=False):
    """Bring one alias to the state the options describe; return the module result.

    The result's ``alias`` shows the user's properties only: the switch token stays out of sight.  Its keys are
    the result keys (``results.alias_result``): the database it points at is ``target``, as in the diff."""
    result = _ensure(client, params, check_mode)
    alias = result.get("alias")
    if alias is not None:
        result["alias"] = alias_result(dict(alias, properties=user_properties(alias.get("properties"))))
    return result


def _ensure(client, params, check_mode):
    desired = validate(params)
    name = desired["name"]
    current = read_alias(client, name)
    if current is None:
        check_name_free(client, name)
    statements, after, retarget = plan(desired, current)
    # Switching or removing goes through the lock; so does any create, by the name's uniqueness.  Other
    # edits (properties, driver) leave the target alone and are sent as they are.
    locked = current is not None and bool(statements) and (retarget or desired["state"] == "absent")
    if desired["expected_target"] is not None and bool(statements) and (locked or current is None):
        check_expected(desired, current)
    if statements and desired["state"] == "present" and not desired["remote"] and (current is None or retarget):
        check_target(client, desired)

    result = dict(changed=bool(statements), queries=[redact(s) for s in statements],
                  diff=dict(before=view(current), after=after), previous_target=current["database"] if current else None)
    if check_mode or not statements:
        result["alias"] = current
        return result
    client.require_enterprise("Managing database aliases", MIN_VERSION)
    token = uuid.uuid4().hex
    if locked:
        try:
            previous, sent = switch(client, desired, token)
        except _NoChange as same:
            if same.ours:
                return dict(result, alias=same.alias)
            return dict(result, changed=False, queries=[], alias=same.alias,
                        previous_target=same.alias["database"] if same.alias else None,
                        diff=dict(before=view(same.alias), after=view(same.alias)))
        result.update(queries=[redact(s) for s in sent], previous_target=previous["database"],
                      diff=dict(before=view(previous), after=after))
        result["alias"] = verify_after_commit(client, desired, token)
        return result
    if current is None:
        statement = plan(desired, None, token)[0][0]
        result["queries"] = [redact(statement)]
        if not create(client, desired, statement, token):
            return dict(result, changed=False, queries=[], alias=read_alias(client, name))
    else:
        for stmt in statements:
            client.admin(stmt.query, stmt.params)
    result["alias"] = read_alias(client, name)
    return result

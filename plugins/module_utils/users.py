# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users: read one (SHOW USERS WITH AUTH), plan the CREATE / ALTER / DROP USER that makes it as wanted, apply it.

Pure logic over a client with ``read``, ``admin`` and ``transaction`` (``connection.Neo4jClient``).

Passwords.  Neo4j never returns a password or its hash, so a wanted password cannot be compared by reading.
It can be compared without revealing it: Neo4j refuses ``ALTER USER ... SET PASSWORD`` with the password the
user already has ("Old password and new password cannot be the same.", GQL 22N89; manage-users.adoc and
Neo4j's AlterUser checks).  With ``update_password: always`` the module sends that ALTER in a transaction it
always rolls back: refused with 22N89 means unchanged, accepted means it differs (and Neo4j's own password
rules, such as ``dbms.security.auth_minimum_password_length``, are checked on the way).  Passwords travel as
``$password`` only, never in query text, results or diffs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from . import cypher
from .connection import Neo4jModuleError

SAME_PASSWORD = "22N89"
ALREADY_EXISTS = "42N12"
MASK = "********"
BUILTIN_USER = "neo4j"


class _RolledBack(Neo4jModuleError):
    """Raised inside a probe transaction to roll it back after its statement succeeded."""

    def __init__(self):
        super(_RolledBack, self).__init__("rolled back")


def _fail(msg):
    raise Neo4jModuleError(msg)


def redact(statement):
    params = dict(statement.params)
    if "password" in params:
        params["password"] = MASK
    return dict(query=statement.query, params=params)


# ----- reading -----------------------------------------------------------------------------------

def read_user(client, name):
    """The user as ``SHOW USERS WITH AUTH`` reports it (one row per auth provider), folded into one dict; None
    when it does not exist."""
    stmt = cypher.show_user(name)
    rows = client.read(stmt.query, stmt.params, database="system").rows
    if not rows:
        return None
    first = rows[0]
    user = dict(name=first.get("user"), roles=list(first.get("roles") or []), suspended=bool(first.get("suspended")),
                home=first.get("home"), native=False, password_change_required=None, providers={})
    for row in rows:
        provider = row.get("provider")
        auth = row.get("auth") or {}
        if provider == "native":
            user["native"] = True
            user["password_change_required"] = bool(row.get("passwordChangeRequired"))
        elif provider:
            user["providers"][provider] = auth.get("id")
    return user


def view(user, password_changed=False):
    """The user for results and diffs: never a password, only whether it was changed."""
    if user is None:
        return dict(state="absent")
    out = dict(state="present", name=user["name"], roles=sorted(user.get("roles") or []),
               status="suspended" if user.get("suspended") else "active", home_database=user.get("home"),
               native_auth=bool(user.get("native")), password_change_required=user.get("password_change_required"),
               auth_providers=[dict(provider=p, id=i) for p, i in sorted((user.get("providers") or {}).items())])
    if password_changed:
        out["password_changed"] = True
    return out


# ----- validating --------------------------------------------------------------------------------

def validate(params):
    """The options, checked against each other before anything is sent; the desired state."""
    try:
        name = cypher.validate_user_name(params.get("name"), "name")
        home = params.get("home_database")
        if home:
            home = cypher.validate_alias_name(home, "home_database")
    except cypher.InvalidName as exc:
        raise Neo4jModuleError(str(exc))
    state = params.get("state") or "present"
    password = params.get("password")
    if password is not None and password == "":
        _fail("password: an empty password is not allowed; Neo4j refuses it (\"A password cannot be empty.\").")
    providers = None
    if params.get("auth_providers") is not None:
        providers = {}
        for index, entry in enumerate(params["auth_providers"]):
            where = "auth_providers[%d]" % index
            if not isinstance(entry, dict) or not entry.get("provider") or not entry.get("id"):
                _fail("%s: give provider and id, for example {provider: oidc1, id: jake@example.com}." % where)
            provider = entry["provider"]
            if provider == "native":
                _fail("%s: the native provider is set with password (and password_change_required), not here."
                      % where)
            try:
                cypher.validate_auth_provider(provider, where)
            except cypher.InvalidName as exc:
                raise Neo4jModuleError(str(exc))
            if provider in providers:
                _fail("%s: provider '%s' is listed twice." % (where, provider))
            providers[provider] = str(entry["id"])
    if state == "absent":
        for key in ("password", "password_change_required", "status", "home_database", "auth_providers"):
            if params.get(key) is not None:
                _fail("%s cannot be used with state=absent." % key)
        if name == BUILTIN_USER:
            _fail("name: refusing to remove the built-in user 'neo4j'; it is the DBMS's initial administrator. "
                  "Suspend it (status: suspended) instead, or drop it by hand if you really mean to.")
    status = params.get("status")
    return dict(name=name, state=state, password=password, update_password=params.get("update_password") or "always",
                change_required=params.get("password_change_required"),
                suspended=None if status is None else status == "suspended",
                home=home, remove_home=params.get("home_database") == "", providers=providers,
                login_user=params.get("login_user"))


# ----- planning ----------------------------------------------------------------------------------

def plan_create(desired):
    if desired["password"] is None and not desired["providers"]:
        _fail("password is required to create user '%s' (or auth_providers for a user that logs in through an "
              "external provider only)." % desired["name"])
    stmt = cypher.create_user(desired["name"], password=desired["password"],
                              change_required=desired["change_required"], suspended=desired["suspended"],
                              home=desired["home"] or None, providers=desired["providers"])
    native = desired["password"] is not None
    after = dict(name=desired["name"], roles=["PUBLIC"], suspended=bool(desired["suspended"]),
                 home=desired["home"] or None, native=native,
                 password_change_required=(desired["change_required"] if desired["change_required"] is not None
                                           else True) if native else None,
                 providers=dict(desired["providers"] or {}))
    return stmt, after


def plan_alter(desired, current, password_differs):
    """The ALTER USER that takes ``current`` to ``desired`` (None when nothing changes) and the user after it.

    ``password_differs`` is the probe's answer (None when the password is not managed)."""
    after = dict(current, providers=dict(current["providers"]), roles=list(current["roles"]))
    changes = {}
    adding_native = desired["password"] is not None and not current["native"]
    if adding_native or password_differs:
        changes["password"] = desired["password"]
        after["native"] = True
    wanted_required = desired["change_required"]
    if after["native"]:
        if wanted_required is not None and (adding_native or wanted_required != current["password_change_required"]):
            changes["change_required"] = wanted_required
            after["password_change_required"] = wanted_required
        elif adding_native:
            after["password_change_required"] = True  # Neo4j's default when native auth is added
    elif wanted_required is not None:
        _fail("password_change_required: user '%s' has no native auth (no password); give password too."
              % desired["name"])
    if desired["suspended"] is not None and desired["suspended"] != current["suspended"]:
        changes["suspended"] = desired["suspended"]
        after["suspended"] = desired["suspended"]
    if desired["home"] and desired["home"] != current["home"]:
        changes["home"] = desired["home"]
        after["home"] = desired["home"]
    elif desired["remove_home"] and current["home"] is not None:
        changes["remove_home"] = True
        after["home"] = None
    if desired["providers"] is not None:
        wanted = desired["providers"]
        changed = dict((p, i) for p, i in wanted.items() if current["providers"].get(p) != i)
        removed = sorted(p for p in current["providers"] if p not in wanted)
        if changed:
            changes["providers"] = changed
        if removed:
            changes["remove_providers"] = removed
        after["providers"] = dict(wanted)
    if not after["native"] and not after["providers"]:
        _fail("auth_providers: user '%s' would be left without any auth provider (it has no password); keep one "
              "provider or give password." % desired["name"])
    if not changes:
        return None, after
    return cypher.alter_user(desired["name"], **changes), after


# ----- applying ----------------------------------------------------------------------------------

def password_differs(client, name, password):
    """Whether ``password`` differs from the user's own, told by Neo4j's refusal of an unchanged password in a
    transaction that is rolled back either way (see the module docstring)."""
    stmt = cypher.alter_user(name, password=password)

    def probe(tx):
        tx.run(stmt.query, stmt.params)
        raise _RolledBack()

    try:
        client.transaction(probe, database="system", write=True, query=stmt.query)
    except _RolledBack:
        return True
    except Neo4jModuleError as exc:
        if _same_password(exc):
            return False
        raise Neo4jModuleError("password: Neo4j refused the password for user '%s': %s" % (name, _reason(exc)),
                               code=exc.code, gql_status=exc.gql_status, query=stmt.query)
    return True


def _same_password(exc):
    return exc.gql_status == SAME_PASSWORD or "cannot be the same" in (exc.msg or "")


def _reason(exc):
    """Neo4j's own words from a translated failure (after "Neo4j returned <code>: ")."""
    text = exc.msg or ""
    return text.split(": ", 1)[1] if text.startswith("Neo4j returned ") and ": " in text else text


def _already_exists(exc):
    return exc.gql_status == ALREADY_EXISTS or "already exists" in (exc.msg or "")


def _run(client, stmt, option):
    """One administration statement; Neo4j's refusal becomes a message naming the option it concerns."""
    try:
        client.admin(stmt.query, stmt.params)
    except Neo4jModuleError as exc:
        if _already_exists(exc):
            raise
        raise Neo4jModuleError("%s: Neo4j refused %s: %s" % (option, stmt.query.split(" $")[0], _reason(exc)),
                               code=exc.code, gql_status=exc.gql_status, query=stmt.query)


def ensure(client, params, check_mode=False):
    """Bring one user to the state the options describe; return the module result."""
    desired = validate(params)
    current = read_user(client, desired["name"])
    return _ensure(client, desired, current, check_mode, retry=True)


def _ensure(client, desired, current, check_mode, retry):
    name = desired["name"]
    if desired["state"] == "absent":
        if current is None:
            return _result(False, [], None, None)
        if desired["login_user"] and name == desired["login_user"]:
            _fail("name: user '%s' is the user this task logs in as (login_user); Neo4j does not let a user remove "
                  "itself." % name)
        stmt = cypher.drop_user(name)
        if not check_mode:
            _run(client, stmt, "name")
        return _result(True, [stmt], current, None)

    if current is None:
        stmt, after = plan_create(desired)
        if not check_mode:
            try:
                _run(client, stmt, "password" if desired["password"] is not None else "name")
            except Neo4jModuleError as exc:
                if not (retry and _already_exists(exc)):
                    raise
                # Another client created the user meanwhile: continue as with an existing user.
                return _ensure(client, desired, read_user(client, name), check_mode, retry=False)
            after = read_user(client, name) or after
        return _result(True, [stmt], None, after, password_changed=desired["password"] is not None)

    differs = None
    if desired["password"] is not None and current["native"] and desired["update_password"] == "always":
        differs = password_differs(client, name, desired["password"])
    stmt, after = plan_alter(desired, current, differs)
    if stmt is None:
        return _result(False, [], current, current)
    if not check_mode:
        try:
            _run(client, stmt, "password" if "password" in stmt.params else "name")
        except Neo4jModuleError as exc:
            if not (retry and _same_password(exc)):
                raise
            # The password was set to this value between the probe and the change: plan again.
            return _ensure(client, desired, read_user(client, name), check_mode, retry=False)
        after = read_user(client, name) or after
    return _result(True, [stmt], current, after, password_changed="password" in stmt.params)


def _result(changed, statements, before, after, password_changed=False):
    return dict(changed=changed, queries=[redact(s) for s in statements], user=view(after) if after else None,
                diff=dict(before=view(before), after=view(after, password_changed)))

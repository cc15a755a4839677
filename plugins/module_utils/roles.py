# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Roles: create (optionally as a copy), drop, membership, and privileges compared with what
``SHOW ROLE ... PRIVILEGES AS COMMANDS`` lists.

Pure logic over a client with ``read`` and ``transaction`` (``connection.Neo4jClient``).  Every change of one
task (CREATE ROLE, GRANT/REVOKE ROLE, GRANT/DENY/REVOKE of privileges) runs in one transaction on ``system``,
so a refusal part way leaves the role exactly as it was.

Privileges name databases; a name that is a local alias is replaced by its target before comparing, because
Neo4j stores the privilege on the target ("Privileges are defined on the database, and not the local database
alias", manage-aliases-standard-databases.adoc; "When using an alias, the command will be executed on the
resolved graph", manage-privileges.adoc).  So a grant made through an alias does not follow the alias to a new
database: see ``privileges_copy`` and docs/modules/neo4j_role.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from . import cypher, privileges
from .connection import Neo4jModuleError
from .users import read_user

PUBLIC = "PUBLIC"
ALREADY_EXISTS = "42N13"
SHOW_GRAPHS = "SHOW ALIASES FOR DATABASES YIELD name, database, location, composite"
SHOW_DATABASE_NAMES = "SHOW DATABASES YIELD name"


def _fail(msg):
    raise Neo4jModuleError(msg)


# ----- reading -----------------------------------------------------------------------------------

def read_role(client, name):
    """``{name, members}`` from SHOW ROLES WITH USERS, or None."""
    stmt = cypher.show_role(name)
    rows = client.read(stmt.query, stmt.params, database="system").rows
    if not rows:
        return None
    return dict(name=name, members=sorted(r["member"] for r in rows if r.get("member")))


def read_privileges(client, name):
    """The role's privileges as ``{Privilege: immutable}``, from SHOW ROLE ... PRIVILEGES AS COMMANDS."""
    stmt = cypher.show_role_privileges(name)
    out = {}
    for row in client.read(stmt.query, stmt.params, database="system").rows:
        parsed = privileges.listed(row.get("command"), row.get("immutable"))
        if parsed is not None:
            out[parsed[0]] = parsed[2]
    return out


def read_graphs(client):
    """(database names, local alias -> target database)."""
    names = set(r["name"] for r in client.read(SHOW_DATABASE_NAMES, database="system").rows)
    targets = dict((r["name"], r["database"]) for r in client.read(SHOW_GRAPHS, database="system").rows
                   if r.get("location") == "local" and r.get("database") and r.get("composite") is None)
    return names, targets


def view(role, held=None, members=None):
    if role is None:
        return dict(state="absent")
    out = dict(state="present", name=role["name"], members=sorted(members if members is not None else role["members"]))
    if held is not None:
        out["privileges"] = sorted(privileges.text(p, role["name"]) for p in held)
    return out


# ----- validating --------------------------------------------------------------------------------

def validate(params):
    try:
        name = cypher.validate_role_name(params.get("name"), "name")
        copy_from = params.get("copy_from")
        if copy_from is not None:
            copy_from = cypher.validate_role_name(copy_from, "copy_from")
        members = [cypher.validate_user_name(u, "members[%d]" % i) for i, u in enumerate(params.get("members") or [])]
    except cypher.InvalidName as exc:
        raise Neo4jModuleError(str(exc))
    state = params.get("state") or "present"
    wanted = None
    if params.get("privileges") is not None:
        wanted = []
        for index, item in enumerate(params["privileges"]):
            try:
                wanted.extend(privileges.parse(item, "privileges[%d]" % index))
            except privileges.PrivilegeError as exc:
                raise Neo4jModuleError(str(exc))
    if state == "absent":
        for key in ("copy_from", "members", "privileges"):
            if params.get(key) is not None:
                _fail("%s cannot be used with state=absent." % key)
        if name == PUBLIC:
            _fail("name: the PUBLIC role cannot be removed; every user holds it. Revoke its privileges instead "
                  "(privileges: [] with privileges_exclusive: true).")
    if name == PUBLIC and params.get("members") is not None:
        _fail("members: every user holds the PUBLIC role; its membership cannot be managed.")
    if name == PUBLIC and copy_from is not None:
        _fail("copy_from: the PUBLIC role always exists; it cannot be created as a copy.")
    if params.get("privileges_exclusive") and wanted is None:
        _fail("privileges_exclusive needs privileges (give [] to remove every privilege of the role).")
    if params.get("members_exclusive") and params.get("members") is None:
        _fail("members_exclusive needs members (give [] to remove every member).")
    return dict(name=name, state=state, copy_from=copy_from, members=members if params.get("members") is not None
                else None, members_exclusive=bool(params.get("members_exclusive")), privileges=wanted,
                privileges_exclusive=bool(params.get("privileges_exclusive")))


# ----- checks against the server -----------------------------------------------------------------

def resolve_privileges(client, desired):
    """Desired privileges with alias names replaced by their targets; names that are neither a database nor a
    local alias are refused, naming the privilege."""
    names, targets = read_graphs(client)
    out = []
    for priv in desired["privileges"]:
        if priv.graph not in (None, "*", privileges.HOME) and priv.graph not in names and priv.graph not in targets:
            _fail("privileges: database or alias '%s' does not exist (in '%s %s'); create it first."
                  % (priv.graph, priv.access, priv.body))
        out.append(privileges.resolve(priv, targets))
    return out


def check_members(client, members):
    for index, user in enumerate(members):
        if read_user(client, user) is None:
            _fail("members[%d]: user '%s' does not exist; create it first (graphops.neo4j.neo4j_user)." % (index, user))


# ----- planning and applying ---------------------------------------------------------------------

def plan(desired, role, held, wanted):
    """Statements (in order) that take the role (None: missing) with privileges ``held`` to ``desired``."""
    name = desired["name"]
    statements = []
    if desired["state"] == "absent":
        return [cypher.drop_role(name)] if role is not None else []
    if role is None:
        statements.append(cypher.create_role(name, desired["copy_from"]))
    current_members = role["members"] if role is not None else []
    if desired["members"] is not None:
        for user in sorted(set(desired["members"]) - set(current_members)):
            statements.append(cypher.grant_role(name, user))
        if desired["members_exclusive"]:
            for user in sorted(set(current_members) - set(desired["members"])):
                statements.append(cypher.revoke_role(name, user))
    if wanted is not None:
        wanted_set = set(wanted)
        for priv in sorted(wanted_set - set(held), key=lambda p: (p.access, p.body)):
            statements.append(cypher.Statement(privileges.text(priv, name), {}))
        if desired["privileges_exclusive"]:
            for priv in sorted(set(held) - wanted_set, key=lambda p: (p.access, p.body)):
                if held[priv]:
                    continue  # immutable: only removable with auth disabled
                statements.append(cypher.Statement(privileges.revoke_text(priv, name), {}))
    return statements


class _RoleTaken(Neo4jModuleError):
    """CREATE ROLE lost a race: another client created the role between the read and the change."""


def apply(client, statements, name):
    """Every statement in one transaction on system: all of them or none."""
    def work(tx):
        for stmt in statements:
            tx.run(stmt.query, stmt.params)
    try:
        client.transaction(work, database="system", write=True, query=statements[0].query)
    except Neo4jModuleError as exc:
        creating = statements[0].query.startswith("CREATE ROLE")
        if creating and (exc.gql_status == ALREADY_EXISTS or "already exists" in (exc.msg or "")):
            raise _RoleTaken(exc.msg, code=exc.code, gql_status=exc.gql_status, query=exc.query)
        raise Neo4jModuleError("Neo4j refused a change to role '%s', and nothing was changed: %s" % (name, exc.msg),
                               code=exc.code, gql_status=exc.gql_status, query=exc.query)


def ensure(client, params, check_mode=False):
    """Bring one role to the state the options describe; return the module result.

    CREATE ROLE has no IF NOT EXISTS, so of two runs creating one role at once Neo4j refuses the second; that
    run then reads the role again and goes on as for an existing one."""
    desired = validate(params)
    try:
        return _ensure(client, desired, check_mode)
    except _RoleTaken:
        return _ensure(client, desired, check_mode)


def _ensure(client, desired, check_mode):
    name = desired["name"]
    role = read_role(client, name)
    copy = None
    if desired["state"] == "present" and role is None and desired["copy_from"] is not None:
        copy = read_role(client, desired["copy_from"])
        if copy is None:
            _fail("copy_from: role '%s' does not exist, so role '%s' cannot be created as its copy."
                  % (desired["copy_from"], name))
    wanted = None
    if desired["state"] == "present" and desired["privileges"] is not None:
        wanted = resolve_privileges(client, desired)
    if desired["state"] == "present" and desired["members"]:
        check_members(client, [u for u in desired["members"] if role is None or u not in role["members"]])
    if role is not None:
        held = read_privileges(client, name)
    elif copy is not None:
        held = read_privileges(client, copy["name"])  # what the copy starts with
    else:
        held = {}
    statements = plan(desired, role, held, wanted)
    before = view(role, held if role is not None else None)
    if desired["state"] == "absent":
        after_view = view(None)
    else:
        members = set(role["members"] if role is not None else [])
        if desired["members"] is not None:
            members = (set(desired["members"]) if desired["members_exclusive"] else members | set(desired["members"]))
        after_priv = dict(held)
        if wanted is not None:
            for priv in wanted:
                after_priv.setdefault(priv, False)
            if desired["privileges_exclusive"]:
                after_priv = dict((p, imm) for p, imm in after_priv.items() if p in set(wanted) or imm)
        after_view = view(dict(name=name, members=sorted(members)), after_priv)
    result = dict(changed=bool(statements), queries=[dict(query=s.query, params=dict(s.params)) for s in statements],
                  diff=dict(before=before, after=after_view))
    if statements and not check_mode:
        apply(client, statements, name)
        role = read_role(client, name)
        result["role"] = view(role, read_privileges(client, name)) if role is not None else None
    else:
        result["role"] = after_view if after_view.get("state") == "present" else None
    return result

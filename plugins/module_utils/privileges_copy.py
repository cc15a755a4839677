# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Give one database the privileges another database has: the step a blue/green switch needs before it moves
an alias, because privileges stay on the database they were granted on.

Neo4j defines privileges on databases, not on local aliases ("Privileges are defined on the database, and not
the local database alias", Operations Manual 5.26 and current, manage-aliases-standard-databases.adoc; "When
using an alias, the command will be executed on the resolved graph", manage-privileges.adoc).  A grant made
through an alias lands on the alias's target of that moment and stays there when the alias moves.  So before
an alias is switched from blue to green, every privilege any role holds on blue is granted on green too (and,
with ``exclusive``, privileges green holds that blue does not are revoked): readers through the alias keep
exactly their access, and there is no moment after the switch when the alias leads to a database they may not
use.  A rollback copies back the other way before it switches.

What a role holds is read from ``SHOW PRIVILEGES AS COMMANDS`` (one command per graph, segment and property,
the database name in backticks); a command on the source becomes the same command on the target by replacing
its ``ON GRAPH `source``` / ``ON DATABASE `source``` and nothing else, so every kind of privilege is copied,
including ones this collection does not otherwise manage.  Privileges on ``*`` or on HOME are not tied to
either database and are left alone; immutable ones cannot be granted with auth enabled and are reported.
All changes run in one transaction on ``system``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from . import cypher, privileges
from .connection import Neo4jModuleError
from .roles import read_graphs


def _fail(msg):
    raise Neo4jModuleError(msg)


def _database(names, targets, value, option):
    try:
        name = cypher.validate_alias_name(value, option)
    except cypher.InvalidName as exc:
        raise Neo4jModuleError(str(exc))
    if name in targets:
        return targets[name]
    if name not in names:
        _fail("%s: database or alias '%s' does not exist." % (option, name))
    return name


def read_all(client):
    """Every privilege as ``[(role, Privilege, immutable)]`` from SHOW PRIVILEGES AS COMMANDS."""
    stmt = cypher.show_privileges()
    out = []
    for row in client.read(stmt.query, stmt.params, database="system").rows:
        parsed = privileges.listed(row.get("command"), row.get("immutable"))
        if parsed is not None and parsed[1] is not None:
            out.append((parsed[1], parsed[0], parsed[2]))
    return out


def plan(listed, source, target, roles=None, exclusive=False):
    """(grants, revokes, skipped): ``(role, Privilege)`` pairs to grant on target and to revoke from it, and the
    immutable privileges of source that cannot be copied."""
    chosen = (lambda role: role in roles) if roles is not None else (lambda role: True)
    wanted, skipped = set(), []
    for role, priv, immutable in listed:
        if priv.graph != source or not chosen(role):
            continue
        if immutable:
            skipped.append((role, priv))
            continue
        wanted.add((role, privileges.retarget(priv, target)))
    held = dict(((role, priv), immutable) for role, priv, immutable in listed
                if priv.graph == target and chosen(role))
    grants = sorted(wanted - set(held), key=_order)
    revokes = sorted((pair for pair, immutable in held.items() if pair not in wanted and not immutable),
                     key=_order) if exclusive else []
    return grants, revokes, sorted(skipped, key=_order)


def _order(pair):
    role, priv = pair
    return (role, priv.access, priv.body)


def _commands(pairs, revoke=False):
    render = privileges.revoke_text if revoke else privileges.text
    return [render(priv, role) for role, priv in pairs]


def ensure(client, params, check_mode=False):
    names, targets = read_graphs(client)
    source = _database(names, targets, params.get("source"), "source")
    target = _database(names, targets, params.get("target"), "target")
    roles = None
    if params.get("roles") is not None:
        try:
            roles = set(cypher.validate_role_name(r, "roles[%d]" % i) for i, r in enumerate(params["roles"]))
        except cypher.InvalidName as exc:
            raise Neo4jModuleError(str(exc))
    exclusive = bool(params.get("exclusive"))
    result = dict(changed=False, source_database=source, target_database=target, granted=[], revoked=[],
                  skipped=[], queries=[])
    if source == target:
        result["diff"] = dict(before=dict(privileges=[]), after=dict(privileges=[]))
        return result
    listed = read_all(client)
    grants, revokes, skipped = plan(listed, source, target, roles, exclusive)
    before = sorted(privileges.text(p, r) for r, p, dummy in listed if p.graph == target
                    and (roles is None or r in roles))
    after = sorted(set(before) - set(privileges.text(p, r) for r, p in revokes)
                   | set(privileges.text(p, r) for r, p in grants))
    statements = _commands(grants) + _commands(revokes, revoke=True)
    result.update(changed=bool(statements), granted=_commands(grants), revoked=_commands(revokes, revoke=True),
                  skipped=_commands(skipped), queries=[dict(query=q, params={}) for q in statements],
                  diff=dict(before=dict(privileges=before), after=dict(privileges=after)))
    if statements and not check_mode:
        def work(tx):
            for query in statements:
                tx.run(query)
        try:
            client.transaction(work, database="system", write=True, query=statements[0])
        except Neo4jModuleError as exc:
            raise Neo4jModuleError("Neo4j refused to copy the privileges of '%s' to '%s', and nothing was changed: %s"
                                   % (source, target, exc.msg), code=exc.code, gql_status=exc.gql_status,
                                   query=exc.query)
    return result

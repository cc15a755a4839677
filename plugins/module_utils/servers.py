# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster servers: read one (SHOW SERVERS), plan its lifecycle change, apply it, wait until databases have moved.

Neo4j's server lifecycle (Operations Manual, clustering/servers.adoc): Free -> Enabled (ENABLE SERVER) <->
Cordoned (``CALL dbms.cluster.cordonServer``, back with ENABLE SERVER) -> Deallocating (DEALLOCATE DATABASES FROM
SERVER, irreversible) -> Deallocated (every user database has moved) -> Dropped (DROP SERVER).  ``ALTER SERVER ... SET
OPTIONS`` replaces *all* options, so the module always sends the full set.  Commands name the server by its id,
which never changes ("Either the server ID or its name can be used").

Pure logic over a client with ``read(query, params, database)`` and ``admin(query, params)``
(``connection.Neo4jClient``), so it is unit-testable with a fake.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .connection import Neo4jModuleError
from .cypher import validate_database_name
from .results import snake_columns
from .wait import WaitTimeout, poll

STATES = ("enabled", "cordoned", "deallocated", "dropped")
MODE_CONSTRAINTS = ("PRIMARY", "SECONDARY", "NONE")
# SHOW SERVERS state -> the module's state names.
NEO4J_STATES = {"Free": "free", "Enabled": "enabled", "Cordoned": "cordoned", "Deallocating": "deallocating",
                "Deallocated": "deallocated", "Dropped": "dropped"}
OPTION_COLUMNS = (("mode_constraint", "modeConstraint"), ("allowed_databases", "allowedDatabases"),
                  ("denied_databases", "deniedDatabases"), ("tags", "tags"))

SHOW_SERVERS = "SHOW SERVERS YIELD *"
SHOW_DATABASES = ("SHOW DATABASES YIELD name, type, serverID, currentStatus, requestedStatus, requestedPrimariesCount, "
                  "requestedSecondariesCount")
ENABLE = "ENABLE SERVER $server"
ENABLE_WITH_OPTIONS = "ENABLE SERVER $server OPTIONS $options"
CORDON = "CALL dbms.cluster.cordonServer($server)"
ALTER = "ALTER SERVER $server SET OPTIONS $options"
RENAME = "RENAME SERVER $server TO $name"
DEALLOCATE = "DEALLOCATE DATABASES FROM SERVER $server"
DRYRUN_DEALLOCATE = "DRYRUN DEALLOCATE DATABASES FROM SERVER $server"
REALLOCATE = "REALLOCATE DATABASES"
DRYRUN_REALLOCATE = "DRYRUN REALLOCATE DATABASES"
DROP = "DROP SERVER $server"


class ServerRefused(Neo4jModuleError):
    """The module refuses a change before sending anything."""


class WaitFailed(Neo4jModuleError):
    """Databases did not settle in time; ``result`` carries the partial module result."""


# ----- options -------------------------------------------------------------------------------------

def validate(params):
    """Refuse contradictory options before connecting; returns the desired options (None = leave alone)."""
    if not params.get("server"):
        raise ValueError("server: give the server's name, id or Bolt address (SHOW SERVERS).")
    if params.get("name") is not None and not str(params["name"]).strip():
        raise ValueError("name: the new server name must not be empty.")
    for option in ("allowed_databases", "denied_databases"):
        for name in params.get(option) or []:
            validate_database_name(name, option)  # an InvalidName is a ValueError: run_module reports it
    if params.get("allowed_databases") and params.get("denied_databases"):
        raise ValueError("allowed_databases and denied_databases are mutually exclusive (Neo4j refuses both on one server).")
    tags = params.get("tags") or []
    if len(set(tags)) != len(tags) or any("," in t for t in tags):
        raise ValueError("tags: Neo4j refuses duplicate tags and tags that contain a comma; got %s." % tags)
    if params.get("state") in ("deallocated", "dropped") and any(
            params.get(o) is not None for o, _c in OPTION_COLUMNS):
        raise ValueError("mode_constraint, allowed_databases, denied_databases and tags cannot be set with state=%s: "
                         "the server will host no databases." % params["state"])
    return params


def desired_options(params, row):
    """The full option map for ALTER SERVER (it replaces all options): current values, overridden by the given ones."""
    options = dict((column, row.get(column)) for _opt, column in OPTION_COLUMNS)
    options["modeConstraint"] = options.get("modeConstraint") or "NONE"
    for column in ("allowedDatabases", "deniedDatabases", "tags"):
        options[column] = list(options.get(column) or [])
    for option, column in OPTION_COLUMNS:
        if params.get(option) is not None:
            options[column] = params[option] if column == "modeConstraint" else sorted(set(params[option]))
    # allowed and denied are mutually exclusive: setting one clears the other
    if params.get("allowed_databases"):
        options["deniedDatabases"] = []
    if params.get("denied_databases"):
        options["allowedDatabases"] = []
    return options


def _same_options(a, b):
    return all((sorted(a[c]) if isinstance(a[c], list) else a[c]) == (sorted(b[c]) if isinstance(b[c], list) else b[c])
               for c in a)


# ----- reading -------------------------------------------------------------------------------------

def read_servers(client):
    return client.read(SHOW_SERVERS, {}, database="system").rows


def read_databases(client):
    return client.read(SHOW_DATABASES, {}, database="system").rows


def find(servers, wanted, new_name=None):
    """The SHOW SERVERS row whose name, id or address is ``wanted``; else, after a rename, the one called ``new_name``."""
    for key in ("serverId", "name", "address"):
        for row in servers:
            if row.get(key) == wanted:
                return row
    if new_name:
        for row in servers:
            if row.get("name") == new_name:
                return row
    return None


def hosted(row):
    """User databases a server hosts or should host (everything but system)."""
    names = set(row.get("hosting") or []) | set(row.get("requestedHosting") or [])
    return sorted(n for n in names if n != "system")


def can_host_primaries(row):
    return row.get("state") == "Enabled" and (row.get("modeConstraint") or "NONE") != "SECONDARY"


def view(row):
    """The managed state of a server for --diff."""
    if row is None:
        return dict(state="absent")
    out = dict(name=row.get("name"), state=NEO4J_STATES.get(row.get("state"), row.get("state")))
    for option, column in OPTION_COLUMNS:
        value = row.get(column)
        out[option] = sorted(value) if isinstance(value, list) else value
    return out


# ----- refusals ------------------------------------------------------------------------------------

def refuse(msg):
    return ServerRefused(msg)


def check_last_primary_host(servers, row, action):
    """Cordoning or deallocating the last server that can host a primary would leave new databases nowhere to go."""
    others = [r for r in servers if r.get("serverId") != row.get("serverId") and can_host_primaries(r)]
    if not others:
        raise refuse("Refusing to %s server %s: it is the last Enabled server that can host a primary (the others are "
                     "cordoned, deallocated, free or constrained to SECONDARY). Enable another server first. "
                     "Nothing was changed." % (action, row.get("name")))


def check_deallocation(servers, databases, row):
    """Neo4j's documented blocks (servers.adoc), named per database; Neo4j's DRYRUN then checks the rest."""
    mine = hosted(row)
    rows_of = {}
    for db in databases:
        rows_of.setdefault(db.get("name"), []).append(db)
    single = sorted(n for n in mine if any((r.get("requestedPrimariesCount") or 0) == 1 for r in rows_of.get(n, [])))
    if single:
        raise refuse("Refusing to deallocate server %s: it hosts %s with a single primary, which Neo4j cannot move; "
                     "raise the topology (neo4j_database topology.primaries) first. Nothing was changed."
                     % (row.get("name"), ", ".join(single)))
    offline = sorted(n for n in mine if any(r.get("currentStatus") != "online" for r in rows_of.get(n, [])))
    if offline:
        raise refuse("Refusing to deallocate server %s: database(s) %s are not online everywhere; Neo4j cannot move "
                     "them. Nothing was changed." % (row.get("name"), ", ".join(offline)))
    remaining = [r for r in servers if r.get("serverId") != row.get("serverId") and r.get("state") == "Enabled"]
    short = []
    for name in mine:
        first = rows_of.get(name, [{}])[0]
        needed = (first.get("requestedPrimariesCount") or 0) + (first.get("requestedSecondariesCount") or 0)
        if needed > len(remaining):
            short.append("%s (needs %d servers, %d other Enabled)" % (name, needed, len(remaining)))
    if short:
        raise refuse("Refusing to deallocate server %s: the other servers cannot hold every copy of %s. Add and enable "
                     "a server, or lower the topology. Nothing was changed." % (row.get("name"), "; ".join(short)))


# ----- waiting -------------------------------------------------------------------------------------

def unsettled(servers, databases, server_id=None, until=None):
    """What is not yet settled: a server whose hosting differs from its requested hosting (the Operations Manual's
    health check), a database copy not at its requested status, a database with fewer copies than its topology, and
    the managed server not yet in state ``until``."""
    problems = []
    for row in servers:
        if row.get("health") == "Available" and set(row.get("hosting") or []) != set(row.get("requestedHosting") or []):
            problems.append("server %s hosts %s but should host %s" % (
                row.get("name"), sorted(row.get("hosting") or []), sorted(row.get("requestedHosting") or [])))
        if until and row.get("serverId") == server_id and row.get("state") != until:
            problems.append("server %s is %s, not yet %s" % (row.get("name"), row.get("state"), until))
    copies = {}
    for db in databases:
        if db.get("type") != "standard":
            continue
        copies.setdefault(db.get("name"), []).append(db)
        if db.get("currentStatus") != db.get("requestedStatus"):
            problems.append("database %s is %s on server %s, requested %s" % (
                db.get("name"), db.get("currentStatus"), db.get("serverID"), db.get("requestedStatus")))
    for name, rows in sorted(copies.items()):
        wanted = (rows[0].get("requestedPrimariesCount") or 0) + (rows[0].get("requestedSecondariesCount") or 0)
        if wanted and len(rows) < wanted:
            problems.append("database %s has %d of its %d copies" % (name, len(rows), wanted))
    return problems


def wait_settled(client, timeout, server_id=None, until=None):
    def fetch():
        return read_servers(client), read_databases(client)

    try:
        return poll(fetch, lambda v: not unsettled(v[0], v[1], server_id, until), timeout)
    except WaitTimeout as exc:
        servers, databases = exc.last
        raise WaitFailed("Timed out after %ss waiting for the databases to move: %s"
                         % (timeout, "; ".join(unsettled(servers, databases, server_id, until))))


# ----- planning and applying -------------------------------------------------------------------------

def plan(params, servers, databases, row):
    """(statements, target state) for one server; raises ServerRefused for what must not be done."""
    statements = []
    sid = row["serverId"]
    state = row.get("state")
    wanted = params.get("state")
    rename = None
    if params.get("name") and params["name"] != row.get("name") and state != "Dropped":
        taken = [r for r in servers if r.get("name") == params["name"] and r.get("serverId") != sid]
        if taken:
            raise refuse("Refusing to rename server %s to %s: another server has that name. Nothing was changed."
                         % (row.get("name"), params["name"]))
        rename = (RENAME, dict(server=sid, name=params["name"]))
    if wanted == "enabled":
        if state in ("Deallocating", "Deallocated", "Dropped"):
            raise refuse("Refusing to enable server %s: it is %s, which Neo4j cannot undo (deallocation is irreversible; "
                         "a dropped server must be unbound or reinstalled to rejoin)." % (row.get("name"), state))
        if state in ("Free", "Cordoned"):
            statements.append((ENABLE, dict(server=sid)))
    elif wanted == "cordoned":
        if state in ("Free", "Deallocating", "Deallocated", "Dropped"):
            raise refuse("Refusing to cordon server %s: it is %s; only an Enabled server can be cordoned."
                         % (row.get("name"), state))
        if state == "Enabled":
            check_last_primary_host(servers, row, "cordon")
            statements.append((CORDON, dict(server=sid)))
    elif wanted == "deallocated":
        if state in ("Free", "Dropped"):
            raise refuse("Refusing to deallocate server %s: it is %s." % (row.get("name"), state))
        if state in ("Enabled", "Cordoned"):
            check_last_primary_host(servers, row, "deallocate")
            check_deallocation(servers, databases, row)
            statements.append((DEALLOCATE, dict(server=sid)))
    elif wanted == "dropped":
        if state in ("Free", "Enabled", "Cordoned"):
            databases_here = hosted(row)
            raise refuse("Refusing to drop server %s: it is %s%s. Deallocate it first (state: deallocated). "
                         "Nothing was changed." % (row.get("name"), state, " and still hosts " + ", ".join(databases_here)
                                                   if databases_here else ""))
        if state in ("Deallocating", "Deallocated"):
            statements.append((DROP, dict(server=sid)))
    leaving = state in ("Dropped", "Deallocated", "Deallocating")
    if any(params.get(o) is not None for o, _c in OPTION_COLUMNS) and not leaving:
        options = desired_options(params, row)
        current = desired_options({}, row)
        if not _same_options(options, current):
            enable = (ENABLE, dict(server=sid))
            if enable in statements and state == "Free":
                # a Free server takes its options with ENABLE SERVER (servers.adoc, "Enabled state")
                statements[statements.index(enable)] = (ENABLE_WITH_OPTIONS, dict(server=sid, options=options))
            else:
                statements.insert(0, (ALTER, dict(server=sid, options=options)))
    if rename:
        # "as long as the server is enabled" its name can change (servers.adoc): after ENABLE, before DEALLOCATE/DROP
        enabling = any(q in (ENABLE, ENABLE_WITH_OPTIONS) for q, _p in statements)
        statements.insert(len(statements) if enabling else 0, rename)
    return statements


def dry_run(client, query, params):
    rows = client.admin(query, params).rows
    return [snake_columns(r) for r in rows]


def ensure(client, params, check_mode=False):
    """Bring one server to the state the options describe; return the module result (without ``failed``)."""
    validate(params)
    servers = read_servers(client)
    databases = read_databases(client)
    row = find(servers, params["server"], params.get("name"))
    result = dict(changed=False, queries=[], plan=[], diff=dict(before=view(row), after=view(row)))
    if row is None:
        if params.get("state") == "dropped":
            result["server"] = None  # a dropped server disappears once its process stops
            return result
        raise refuse("No server called %s: SHOW SERVERS lists %s." % (
            params["server"], ", ".join("%s (%s, %s)" % (r.get("name"), r.get("address"), r.get("state")) for r in servers)))
    statements = plan(params, servers, databases, row)
    sid = row["serverId"]
    # Neo4j's own dry run says where the databases go, and refuses what it would refuse for real.
    if any(q == DEALLOCATE for q, _p in statements):
        try:
            result["plan"] = dry_run(client, DRYRUN_DEALLOCATE, dict(server=sid))
        except Neo4jModuleError as exc:
            raise ServerRefused("Neo4j refuses to deallocate server %s: %s Nothing was changed."
                                % (row.get("name"), exc.msg), exc.code, exc.gql_status, DRYRUN_DEALLOCATE)
    reallocate = params.get("reallocate") and params.get("state") not in ("deallocated", "dropped")
    if reallocate and not statements:
        result["plan"] = dry_run(client, DRYRUN_REALLOCATE, {})
        if result["plan"]:
            statements.append((REALLOCATE, {}))
    after = view(row)
    for query, values in statements:
        if query == RENAME:
            after["name"] = values["name"]
        elif query in (ALTER, ENABLE_WITH_OPTIONS):
            after.update(dict((o, values["options"][c] if c == "modeConstraint" else sorted(values["options"][c]))
                              for o, c in OPTION_COLUMNS))
    if params.get("state"):
        after["state"] = params["state"]
    result.update(changed=bool(statements), queries=[dict(query=q, params=p) for q, p in statements],
                  diff=dict(before=view(row), after=after))
    if check_mode:
        result["server"] = snake_columns(row)
        return result
    for query, values in statements:
        if query == DROP and row.get("state") == "Deallocating" and params["wait"]:
            wait_settled(client, params["wait_timeout"], sid, "Deallocated")  # drop only once everything moved
        client.admin(query, values)
    if reallocate and statements and statements[-1][0] != REALLOCATE:
        # the change may have freed servers (enable, options): rebalance now, with the plan Neo4j gives
        moves = dry_run(client, DRYRUN_REALLOCATE, {})
        if moves:
            client.admin(REALLOCATE, {})
            result["plan"] = result["plan"] + moves
            result["queries"].append(dict(query=REALLOCATE, params={}))
    if params["wait"] and (statements or row.get("state") == "Deallocating"):
        until = "Deallocated" if params.get("state") == "deallocated" else None
        try:
            wait_settled(client, params["wait_timeout"], sid, until)
        except WaitFailed as exc:
            exc.result = dict(result, server=snake_columns(find(read_servers(client), sid)))
            raise
    result["server"] = snake_columns(find(read_servers(client), sid))
    return result

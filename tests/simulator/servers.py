"""Server lifecycle in the simulated cluster: cordon, enable, alter, rename, deallocate, reallocate, drop.

Sources: Neo4j Operations Manual 5.x and dev, clustering/servers.adoc ("Server lifecycle": Free, Enabled,
Cordoned, Deallocating, Deallocated (5.15+), Dropped; "Removing a server", "Altering server options",
"Renaming a server", "Error handling") and clustering/databases.adoc (REALLOCATE, DRYRUN), and
procedures/built-in-procedures.adoc (dbms.cluster.cordonServer).  Error GQL codes and their descriptions are
docs-status-codes dev errors/gql-errors/51N43 (cannot deallocate servers), 51N44 (cannot drop server), 51N45
(cannot cordon server), 51N46 (cannot alter server), 51N47 (cannot rename server), 51N48 (cannot enable
server).  Neo4j publishes neither the Neo.* code nor the legacy message text that goes with them; the
simulator uses Neo.ClientError.Statement.ArgumentError (as for ENABLE SERVER already) and a message that
names the server and the reason, and the collection never parses either.

Moves take time: "foo must be successfully copied and started on a new server before it is stopped on
135ad202... in order to preserve the availability and fault tolerance of foo" (servers.adoc, "Dropping a
server").  A moved copy is added to its new server (``starting`` for ``model.move_delay`` seconds) and the
old copy is marked ``leaving_at`` that moment; :func:`settle` removes it once the time has passed, and a
Deallocating server with no user database left becomes Deallocated.  State is settled lazily, whenever a
statement or a routing request arrives.
"""

import time

from . import errors

DRYRUN_COLUMNS = ["database", "fromServerName", "fromServerId", "toServerName", "toServerId", "mode"]
SERVER_OPTIONS = ("modeConstraint", "allowedDatabases", "deniedDatabases", "tags")
MODE_CONSTRAINTS = ("PRIMARY", "SECONDARY", "NONE")
# States from which a server can no longer be given databases.
LEAVING = ("Deallocating", "Deallocated", "Dropped")


def server_error(gql, action, name, reason):
    """A refusal with the GQL status of docs-status-codes (51N43..51N48) and a message naming the reason."""
    return errors.Neo4jError(
        "Neo.ClientError.Statement.ArgumentError", "Cannot %s server `%s`: %s" % (action, name, reason), gql,
        "error: system configuration or operation exception - cannot %s server. Cannot %s server `%s`."
        % (action, action, name))


def find(model, name, gql, action):
    """The server a command names: "Either the server ID or its name can be used" (servers.adoc)."""
    for server in model.servers.values():
        if name in (server.shown_name, server.server_id):
            return server
    raise server_error(gql, action, name, "server does not exist.")


def user_allocations(model, server_name):
    """(database, allocation) of every standard database on ``server_name`` that is not already leaving it."""
    out = []
    for db in sorted(model.databases.values(), key=lambda d: d.name):
        if db.type != "standard":
            continue
        alloc = db.allocations.get(server_name)
        if alloc is not None and not alloc.leaving_at:
            out.append((db, alloc))
    return out


def load(model, server_name):
    return sum(1 for db in model.databases.values() if db.type == "standard" and server_name in db.allocations)


def _target(model, db, role, excluded, planned):
    """The least-loaded Enabled server that may host ``db`` in ``role`` and does not host it yet."""
    taken = set(db.allocations) | {to for (name, to) in planned if name == db.name}
    options = [s for s in model.servers.values()
               if s.state == "Enabled" and s.name not in excluded and s.name not in taken and s.may_host(db.name, role)]
    if not options:
        return None
    extra = {}
    for _name, to in planned:
        extra[to] = extra.get(to, 0) + 1
    return min(options, key=lambda s: (load(model, s.name) + extra.get(s.name, 0), list(model.servers).index(s.name)))


def plan_moves(model, allocations, excluded, gql, action, name):
    """Where each (database, allocation) goes; raises (changing nothing) when one has nowhere to go."""
    planned = []
    moves = []
    for db, alloc in allocations:
        target = _target(model, db, alloc.role, excluded, planned)
        if target is None:
            raise server_error(gql, action, name,
                               "database `%s` would not have enough servers left to satisfy its topology of %d "
                               "primaries and %d secondaries." % (db.name, db.primaries, db.secondaries))
        planned.append((db.name, target.name))
        moves.append((db, alloc.server, target.name, alloc.role))
    return moves


def move_rows(model, moves):
    rows = []
    for db, source, target, role in moves:
        rows.append({"database": db.name,
                     "fromServerName": model.servers[source].shown_name,
                     "fromServerId": model.servers[source].server_id,
                     "toServerName": model.servers[target].shown_name,
                     "toServerId": model.servers[target].server_id,
                     "mode": role})
    return rows


def apply_moves(model, moves):
    """New copies start on their targets; the old ones leave once the new ones are up."""
    from .model import Allocation  # the model imports this module's users lazily too
    ready = time.monotonic() + model.move_delay
    for db, source, target, role in moves:
        failure = model.start_failure(db, target)
        db.allocations[target] = Allocation(server=target, role=role, status="offline" if failure else "online",
                                            transition="starting", ready_at=ready, message=failure,
                                            moving_in=True)
        db.allocations[source].leaving_at = ready
    model.changed.notify_all()


def settle(model, now=None):
    """Finish moves whose new copy is up, and Deallocating servers with nothing left (called under the lock)."""
    now = time.monotonic() if now is None else now
    changed = False
    for db in model.databases.values():
        for server_name, alloc in list(db.allocations.items()):
            if alloc.leaving_at and now >= alloc.leaving_at:
                del db.allocations[server_name]
                changed = True
    for server in model.servers.values():
        if server.state == "Deallocating" and not any(
                server.name in db.allocations for db in model.databases.values() if db.type == "standard"):
            server.state = "Deallocated"
            changed = True
    if changed:
        model._reelect()
        model.changed.notify_all()


# ----- the commands ------------------------------------------------------------------------------------

def cordon(model, name):
    """dbms.cluster.cordonServer: an Enabled server gets no new allocations and keeps what it hosts."""
    server = find(model, name, "51N45", "cordon")
    if server.state == "Cordoned":
        return False
    if server.state != "Enabled":
        raise server_error("51N45", "cordon", name, "server is in state '%s'; only an Enabled server can be "
                           "cordoned." % server.state)
    server.state = "Cordoned"
    model.changed.notify_all()
    return True


def deallocate(model, names, dryrun=False):
    """[DRYRUN] DEALLOCATE DATABASES FROM SERVERS: every user database leaves the servers, or nothing changes.

    Refused (servers.adoc note) when a hosted database is offline, when one is hosted with a single primary,
    when a quorum of a database's primary hosts is cordoned, and when the remaining servers cannot satisfy a
    topology."""
    shown = ", ".join(names)
    servers = [find(model, n, "51N43", "deallocate") for n in names]
    leaving = {s.name for s in servers}
    wanted = []
    for server in servers:
        if server.state in ("Dropped", "Free"):
            raise server_error("51N43", "deallocate", shown, "server `%s` is in state '%s'."
                               % (server.shown_name, server.state))
        for db, alloc in user_allocations(model, server.name):
            staying = [a for a in db.allocations.values() if not a.leaving_at]
            if db.requested_status != "online" or any(a.current() != "online" for a in staying):
                raise server_error("51N43", "deallocate", shown, "database `%s` is not online." % db.name)
            if db.primaries == 1:
                raise server_error("51N43", "deallocate", shown, "database `%s` has an allocation of one "
                                   "primary." % db.name)
            primary_hosts = [a.server for a in db.allocations.values() if a.role == "primary"]
            cordoned = [h for h in primary_hosts if model.servers[h].state == "Cordoned"]
            if len(cordoned) * 2 > len(primary_hosts):
                raise server_error("51N43", "deallocate", shown, "a quorum of the primaries of database `%s` is "
                                   "on cordoned servers." % db.name)
            wanted.append((db, alloc))
    moves = plan_moves(model, wanted, leaving, "51N43", "deallocate", shown)
    if not dryrun:
        apply_moves(model, moves)
        for server in servers:
            if server.state not in ("Deallocating", "Deallocated"):
                server.state = "Deallocating"
        settle(model)
    return move_rows(model, moves)


def reallocate(model, dryrun=False):
    """[DRYRUN] REALLOCATE DATABASES: spread databases over the Enabled servers ("rebalance", databases.adoc).

    The manual does not give Neo4j's balancing rule; the simulator moves one copy at a time from the most to the
    least loaded Enabled server while they differ by more than one."""
    enabled = [s for s in model.servers.values() if s.state == "Enabled"]
    loads = {s.name: load(model, s.name) for s in enabled}
    hosts = {db.name: set(db.allocations) for db in model.databases.values() if db.type == "standard"}
    moves = []
    for _round in range(100):
        if len(loads) < 2:
            break
        order = sorted(loads, key=lambda n: (loads[n], list(model.servers).index(n)))
        low, high = order[0], order[-1]
        if loads[high] - loads[low] <= 1:
            break
        candidate = None
        for db, alloc in user_allocations(model, high):
            if low not in hosts[db.name] and model.servers[low].may_host(db.name, alloc.role) and \
                    all(m[0].name != db.name for m in moves):
                candidate = (db, high, low, alloc.role)
                break
        if candidate is None:
            break
        moves.append(candidate)
        hosts[candidate[0].name] |= {low}
        loads[high] -= 1
        loads[low] += 1
    if not dryrun:
        apply_moves(model, moves)
    return move_rows(model, moves)


def drop(model, name):
    """DROP SERVER: only a Deallocated server ("Once a server is in the deallocated state and is only hosting
    the system database, it is safe to remove it"); it stays visible as Dropped while its process runs."""
    server = find(model, name, "51N44", "drop")
    if server.state != "Deallocated":
        raise server_error("51N44", "drop", name, "server is in state '%s'; only a Deallocated server can be "
                           "dropped." % server.state)
    server.state = "Dropped"
    model.changed.notify_all()


def rename(model, name, new_name):
    """RENAME SERVER: "the name of the server must be unique among existing servers"."""
    server = find(model, name, "51N47", "rename")
    if server.state == "Dropped":
        raise server_error("51N47", "rename", name, "server is Dropped.")
    if server.shown_name == new_name:
        return False
    if any(s.shown_name == new_name or s.server_id == new_name for s in model.servers.values() if s is not server):
        raise server_error("51N47", "rename", name, "a server named `%s` already exists." % new_name)
    server.renamed = new_name
    model.changed.notify_all()
    return True


def check_options(options, gql, action, name):
    unknown = sorted(set(options) - set(SERVER_OPTIONS))
    if unknown:
        raise server_error(gql, action, name, "unrecognised option(s) %s; expected one of %s."
                           % (", ".join(unknown), ", ".join(SERVER_OPTIONS)))
    if options.get("allowedDatabases") and options.get("deniedDatabases"):
        raise server_error(gql, action, name, "allowedDatabases and deniedDatabases are mutually exclusive.")
    mode = str(options.get("modeConstraint", "NONE")).upper()
    if mode not in MODE_CONSTRAINTS:
        raise server_error(gql, action, name, "modeConstraint must be one of %s, not '%s'."
                           % (", ".join(MODE_CONSTRAINTS), options["modeConstraint"]))
    tags = list(options.get("tags") or [])
    # "They cannot contain duplicates ... Server tags also cannot contain commas" (servers.adoc)
    if len(set(tags)) != len(tags) or any("," in str(t) for t in tags):
        raise server_error(gql, action, name, "tags cannot contain duplicates or commas.")
    return mode, list(options.get("allowedDatabases") or []), list(options.get("deniedDatabases") or []), tags


def set_options(server, values):
    server.mode_constraint, server.allowed_databases, server.denied_databases, server.tags = values


def alter(model, name, options):
    """ALTER SERVER ... SET OPTIONS: replaces all options; copies the server may no longer host move away, and
    if they cannot, "the command fails and no changes are made" (servers.adoc)."""
    server = find(model, name, "51N46", "alter")
    if server.state == "Dropped":
        raise server_error("51N46", "alter", name, "server is Dropped.")
    values = check_options(options, "51N46", "alter", name)
    before = (server.mode_constraint, list(server.allowed_databases), list(server.denied_databases),
              list(server.tags))
    set_options(server, values)
    try:
        evicted = [(db, a) for db, a in user_allocations(model, server.name) if not server.may_host(db.name, a.role)]
        moves = plan_moves(model, evicted, {server.name}, "51N46", "alter", name)
    except errors.Neo4jError:
        set_options(server, before)
        raise
    apply_moves(model, moves)
    return before != values


def enable(model, name, options):
    """ENABLE SERVER: Free or Cordoned -> Enabled; "If the server is already enabled and the command is executed
    with the same options, nothing is changed" (servers.adoc)."""
    server = find(model, name, "51N48", "enable")
    if server.state in LEAVING:
        raise server_error("51N48", "enable", name, "server is in state '%s'." % server.state)
    changed = server.state != "Enabled"
    if options:
        values = check_options(options, "51N48", "enable", name)
        current = (server.mode_constraint, server.allowed_databases, server.denied_databases, server.tags)
        changed = changed or tuple(values) != current
        set_options(server, values)
    server.state = "Enabled"
    model.changed.notify_all()
    return changed

"""SHOW/CREATE/DROP/ALTER/START/STOP DATABASE, SHOW SERVERS, and WAIT results.

Columns, states and messages follow the Neo4j 5.26 Operations Manual (listing-databases.adoc,
clustering/servers.adoc, wait-options.adoc) and the messages of Neo4j's own sources/tests.  What changes in
the calendar releases (2025.x/2026.x) is marked where it happens and dated in ``simulator/versions.py``.
"""

import re
import time

from .. import errors, notifications, versions
from .context import argument_error, invalid_arguments, rows_result, system_result
from .projection import apply_tail

# SHOW DATABASES: default columns, then YIELD * in the documented order.
DB_DEFAULT_COLUMNS = ["name", "type", "aliases", "access", "address", "role", "writer", "requestedStatus",
                      "currentStatus", "statusMessage", "default", "home", "constituents"]
DB_ALL_COLUMNS = ["name", "type", "aliases", "access", "databaseID", "serverID", "address", "role", "writer",
                  "requestedStatus", "currentStatus", "statusMessage", "default", "home", "currentPrimariesCount",
                  "currentSecondariesCount", "requestedPrimariesCount", "requestedSecondariesCount", "creationTime",
                  "lastStartTime", "lastStopTime", "store", "lastCommittedTxn", "replicationLag", "constituents",
                  "options"]
# SHOW DEFAULT/HOME DATABASE return neither `default` nor `home`.
SINGLE_DEFAULT_COLUMNS = [c for c in DB_DEFAULT_COLUMNS if c not in ("default", "home")]
SINGLE_ALL_COLUMNS = [c for c in DB_ALL_COLUMNS if c not in ("default", "home")]
# The YIELD * columns added since 5.26, each after the column it follows in the table of docs-operations dev
# listing-databases.adoc (whose 2025.06-era YIELD * example ends "constituents, defaultLanguage, options").
ADDED_DB_COLUMNS = [
    (versions.SHARD_COLUMNS, "currentSecondariesCount", "currentPropertyShardReplicas"),
    (versions.SHARD_COLUMNS, "requestedSecondariesCount", "requestedPropertyShardReplicas"),
    (versions.SHARD_COLUMNS, "replicationLag", "shardTxnLag"),
    (versions.SHARD_COLUMNS, "constituents", "graphShards"),
    (versions.SHARD_COLUMNS, "graphShards", "propertyShards"),
    (versions.CYPHER_25, "propertyShards", "defaultLanguage"),
    (versions.CYPHER_25, "constituents", "defaultLanguage"),
]


def database_columns(version, single=False):
    """(default columns, YIELD * columns) of SHOW DATABASES on ``version`` (``single``: DEFAULT/HOME)."""
    all_columns = list(DB_ALL_COLUMNS)
    for release, after, column in ADDED_DB_COLUMNS:
        if versions.at_least(version, release) and after in all_columns and column not in all_columns:
            all_columns.insert(all_columns.index(after) + 1, column)
    default_columns = list(DB_DEFAULT_COLUMNS)
    if single:
        default_columns = [c for c in default_columns if c not in ("default", "home")]
        all_columns = [c for c in all_columns if c not in ("default", "home")]
    return default_columns, all_columns


SERVER_DEFAULT_COLUMNS = ["name", "address", "state", "health", "hosting"]
SERVER_ALL_COLUMNS = ["serverId", "name", "address", "httpAddress", "httpsAddress", "state", "health", "hosting",
                      "requestedHosting", "tags", "allowedDatabases", "deniedDatabases", "modeConstraint",
                      "version"]

WAIT_COLUMNS = ["address", "state", "message", "success"]

# CREATE DATABASE options of Cypher 5 (OM5 create-databases.adoc); matched case-insensitively like Neo4j.
CREATE_OPTIONS = ["existingData", "existingDataSeedInstance", "existingDataSeedServer", "seedURI", "seedConfig",
                  "seedCredentials", "storeFormat", "txLogEnrichment"]
# Cypher 25 (docs-operations dev create-databases.adoc, Cypher 25 tab; deprecations.adoc "Neo4j 2025.06": "In
# Cypher 25, `existingData` option is deprecated and has no effect, while the options `seedCredentials` and
# `existingDataSeedInstance` have been removed").  A removed option is refused like any unknown one.
CREATE_OPTIONS_25 = ["existingData", "existingDataSeedServer", "seedURI", "seedConfig", "txLogEnrichment",
                     "storeFormat", "seedRestoreUntil", "seedSourceDatabase"]
# Values that are not strings: seedRestoreUntil takes a datetime or a transaction id.
NON_STRING_OPTIONS = {"seedRestoreUntil"}
SEED_OPTIONS = {"existingData", "existingDataSeedInstance", "existingDataSeedServer", "seedURI", "seedConfig",
                "seedCredentials"}
STORE_FORMATS = ("aligned", "standard", "high_limit", "block")
LOG_ENRICHMENT = ("FULL", "DIFF", "OFF")

NAME_PATTERN = re.compile(r"^[a-z0-9.\-]+$")


# ----- naming -------------------------------------------------------------------------------------

def validate_database_name(name):
    """Neo4j 5 database name rules; messages as in Neo4j's NameValidator."""
    if not name:
        raise argument_error("The provided database name is empty.", "22N85")
    if len(name) < 3 or len(name) > 63:
        raise argument_error("The provided database name must have a length between 3 and 63 characters.",
                             "22N84" if len(name) > 63 else "22N85")
    if not ("a" <= name[0] <= "z"):
        raise argument_error("Database name '%s' is not starting with an ASCII alphabetic character." % name,
                             "22N82")
    if not NAME_PATTERN.match(name) or name.endswith((".", "-")):
        raise argument_error("Database name '%s' contains illegal characters. Use simple ascii characters, "
                             "numbers, dots and dashes." % name, "22N82")
    if name.startswith("system"):
        raise argument_error("Database name '%s' is invalid, due to the prefix 'system'." % name, "22N82")


def not_found(action, name):
    return errors.database_not_found(
        name, "Failed to %s the specified database '%s': Database does not exist." % (action, name))


def system_immutable(action):
    return errors.Neo4jError(
        "Neo.ClientError.Statement.UnsupportedAdministrationCommand",
        "Not allowed to %s system database." % action.lower(), "51N69",
        "error: system configuration or operation exception - system database is immutable. "
        "It is not possible to perform `%s` on the system database." % action)


def local_aliases_of(model, name):
    return sorted(a.name for a in model.aliases.values() if a.location == "local" and a.database == name)


# ----- SHOW DATABASES -----------------------------------------------------------------------------

def _home_of(model, user_name):
    user = model.users.get(user_name)
    if user is not None and user.home:
        target = model.resolve(user.home)
        return target.name if target is not None else user.home.lower()
    for db in model.databases.values():
        if db.default:
            return db.name
    return None


def database_rows(model, user_name, now=None):
    now = time.monotonic() if now is None else now
    home = _home_of(model, user_name)
    rows = []
    for db in sorted(model.databases.values(), key=lambda d: d.name):
        aliases = local_aliases_of(model, db.name)
        views = {s: model.allocation_view(db, s, now) for s in db.allocations}
        online = {s: v[1] == "online" for s, v in views.items()}
        current_primaries = sum(1 for s, a in db.allocations.items() if a.role == "primary" and online[s])
        current_secondaries = sum(1 for s, a in db.allocations.items() if a.role == "secondary" and online[s])
        for server_name in sorted(db.allocations, key=lambda s: list(model.servers).index(s)):
            alloc = db.allocations[server_name]
            server = model.servers[server_name]
            address, status, message = views[server_name]
            is_online = status == "online"
            failed_start = status == "offline" and bool(message) and db.requested_status == "online"
            rows.append({
                "name": db.name,
                "type": db.type,
                "aliases": aliases,
                "access": db.access,
                "databaseID": db.database_id if is_online else None,
                "serverID": server.server_id,
                "address": address,
                # A copy that failed to start has no role (seed-from-uri.adoc's example: "unknown").
                "role": "unknown" if not server.available or failed_start else alloc.role,
                "writer": bool(is_online and db.writer == server_name),
                "requestedStatus": db.requested_status,
                "currentStatus": status,
                "statusMessage": message,
                "default": db.default,
                "home": db.name == home,
                "currentPrimariesCount": current_primaries,
                "currentSecondariesCount": current_secondaries,
                "requestedPrimariesCount": db.primaries,
                "requestedSecondariesCount": db.secondaries,
                "creationTime": db.creation_time,
                "lastStartTime": db.last_start_time,
                "lastStopTime": db.last_stop_time,
                "store": db.store if is_online else None,
                "lastCommittedTxn": db.last_committed_txn if is_online else None,
                "replicationLag": 0 if is_online else None,
                "constituents": [],
                "options": shown_options(model, db),
                # 2025.06+: the language statements without a CYPHER prefix run in on this database.
                "defaultLanguage": versions.language_name(model.language_of(db)),
                # 2025.12+: a standard database "has a single graph shard with the same name as the database";
                # the replica counts and shard lag are documented for sharded databases only: NULL here.
                "currentPropertyShardReplicas": None,
                "requestedPropertyShardReplicas": None,
                "shardTxnLag": None,
                "graphShards": [db.name] if db.type == "standard" else [],
                "propertyShards": [],
            })
    return rows


def show_databases(model, ctx, cmd, db):
    rows = database_rows(model, ctx.user)
    if cmd.scope == "default":
        rows = [r for r in rows if r["default"]]
    elif cmd.scope == "home":
        home = _home_of(model, ctx.user)
        rows = [r for r in rows if r["name"] == home]
    elif cmd.name is not None:
        target = model.resolve(cmd.name)
        rows = [r for r in rows if target is not None and r["name"] == target.name]
    default_columns, all_columns = database_columns(model.version, single=cmd.scope in ("default", "home"))
    fields, records = apply_tail(rows, default_columns, all_columns, cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)


# Options the operations manual shows in SHOW DATABASES' `options` column: only txLogEnrichment (set by
# CREATE or ALTER DATABASE; alter-databases.adoc "SHOW DATABASES YIELD name, options").  Whether creation-only
# options (seedURI, existingData, ...) stay visible is not documented: switch `database_options_shown`.
DOCUMENTED_SHOWN_OPTIONS = ("txLogEnrichment",)


def shown_options(model, db):
    if model.database_options_shown == "set":
        return dict(db.options)
    return {k: v for k, v in db.options.items() if k in DOCUMENTED_SHOWN_OPTIONS}


# ----- SHOW SERVERS -------------------------------------------------------------------------------

def show_servers(model, ctx, cmd, db):
    rows = []
    for server in model.servers.values():
        # During a move (simulator/servers.py) the new copy is requested at once and hosted once it is up; the
        # old one is hosted until it is removed and no longer requested, so the manual's health check
        # (requestedHosting <> hosting) sees the move until it is over.
        now = time.monotonic()
        allocated = [(d.name, d.allocations[server.name]) for d in sorted(model.databases.values(), key=lambda d: d.name)
                     if server.name in d.allocations]
        hosting = [name for name, a in allocated if not (a.moving_in and a.current(now) == "starting")]
        requested = [name for name, a in allocated if not a.leaving_at]
        rows.append({
            "serverId": server.server_id,
            "name": server.shown_name,
            "address": server.address,
            "httpAddress": server.http_address,
            "httpsAddress": None,
            "state": server.state,
            "health": server.health,
            "hosting": hosting if server.available else ["system"] if server.up else [],
            "requestedHosting": requested,
            "tags": list(server.tags),
            "allowedDatabases": list(server.allowed_databases),
            "deniedDatabases": list(server.denied_databases),
            "modeConstraint": server.mode_constraint,
            "version": server.version or model.version,
        })
    fields, records = apply_tail(rows, SERVER_DEFAULT_COLUMNS, SERVER_ALL_COLUMNS, cmd.tail, cmd.params,
                                 cmd.query)
    return rows_result(fields, records, db)


# ----- WAIT -----------------------------------------------------------------------------------------

def wait_result(model, result, name, servers, target, timeout, language=5):
    """Turn an admin result into a WAIT result: one row (Cypher 5) or one notification (Cypher 25) per server.

    Cypher 5 rows have the documented columns and state "CaughtUp"; for the cases the docs leave open the
    rows say "CatchingUp" on a timeout, "Failed" when the database failed on that server and "Unavailable"
    for a server that is down, named after the Cypher 25 notifications.  Cypher 25 (2025.06+) returns no
    rows but the notifications 03N85 ServerCaughtUp, 01N81 ServerCatchingUp, 01N80 ServerFailed and 01N82
    ServerNotAvailable (docs-operations dev create-databases.adoc "Create a database with WAIT", Cypher 25
    tab; docs-status-codes all-notifications.adoc).
    """
    def settled():
        db = model.databases.get(name)
        if target == "dropped":
            return db is None
        if db is None:
            return True
        now = time.monotonic()
        for server_name, alloc in db.allocations.items():
            if model.servers[server_name].available and now < alloc.ready_at:
                return False
        return True

    def outcomes():
        """(server, state, message) per server, once settled or timed out."""
        model.wait_for(settled, timeout)
        with model.lock:
            db = model.databases.get(name)
            out = []
            for server_name in servers:
                server = model.servers[server_name]
                if not server.available:
                    out.append((server, "Unavailable", "server is unavailable"))
                    continue
                if target == "dropped":
                    ok = db is None
                    out.append((server, "CaughtUp" if ok else "CatchingUp",
                                "caught up" if ok else "server is still catching up"))
                    continue
                alloc = db.allocations.get(server_name) if db is not None else None
                if alloc is None:
                    out.append((server, "CaughtUp", "caught up"))
                    continue
                current = alloc.current()
                if current == target:
                    out.append((server, "CaughtUp", "caught up"))
                elif alloc.message and current != alloc.transition:
                    out.append((server, "Failed", alloc.message))
                else:
                    out.append((server, "CatchingUp", "server is still catching up"))
            return out

    def rows():
        out = outcomes()
        success = all(state == "CaughtUp" for _server, state, _message in out)
        # success: the aggregate outcome, the same on every row (wait-options.adoc)
        return WAIT_COLUMNS, [[server.address, state, message, success] for server, state, message in out]

    def notes():
        made = {
            "CaughtUp": lambda server, message: notifications.server_caught_up(server.server_id, server.address),
            "CatchingUp": lambda server, message: notifications.server_catching_up(server.server_id, server.address),
            "Failed": lambda server, message: notifications.server_failed(server.server_id, server.address, message),
            "Unavailable": lambda server, message: notifications.server_not_available(server.server_id,
                                                                                      server.address),
        }
        result.notifications = [made[state](server, message) for server, state, message in outcomes()]
        return [], []

    result.waiter = notes if language == 25 else rows
    result.fields = [] if language == 25 else list(WAIT_COLUMNS)
    return result


def _finish(model, cmd, db, name, target, servers=None):
    result = system_result(db)
    if cmd.wait:
        if servers is None:
            target_db = model.databases.get(name)
            servers = list(target_db.allocations) if target_db is not None else []
        order = list(model.servers)
        servers = sorted(servers, key=order.index)
        wait_result(model, result, name, servers, target, cmd.timeout, getattr(cmd, "language", 5))
    return result


# ----- CREATE DATABASE ----------------------------------------------------------------------------

def _is_calver(version):
    return versions.is_calver(version)


def create_options(version, language=5):
    """The CREATE DATABASE option keys of ``version`` in Cypher ``language``."""
    if language == 25:
        return list(CREATE_OPTIONS_25)
    keys = list(CREATE_OPTIONS)
    if versions.at_least(version, versions.SEED_RESTORE_UNTIL):
        keys.append("seedRestoreUntil")  # create-databases.adoc, Cypher 5 tab: "Introduced in 2025.01"
    return keys


def validate_create_options(model, name, options, replace, language=5):
    """Check keys and values as Neo4j does; returns the options normalised for storage."""
    known = create_options(model.version, language)
    canonical = {k.lower(): k for k in known}
    normalised = {}
    for key, value in options.items():
        real = canonical.get(key.lower())
        if real is None:
            raise invalid_arguments(
                "Could not create database with unrecognised option: '%s'. Expected %s."
                % (key, ", ".join("'%s'" % k for k in known)))
        if value is None:
            continue
        if real in NON_STRING_OPTIONS:
            normalised[real] = value
            continue
        if not isinstance(value, str):
            raise invalid_arguments("Could not create database with specified %s '%s', String expected."
                                    % (real, value), "22G03")
        if real == "existingData" and value.lower() != "use":
            raise invalid_arguments("Could not create database with specified existingData '%s'. Expected 'use'."
                                    % value)
        if real == "storeFormat" and value.lower() not in STORE_FORMATS:
            raise invalid_arguments("Could not create database with specified storeFormat '%s'. Unknown format, "
                                    "supported formats are 'aligned', 'block', 'high_limit' or 'standard'" % value)
        if real == "txLogEnrichment" and value.upper() not in LOG_ENRICHMENT:
            raise invalid_arguments("Could not create database with specified txLogEnrichment '%s'. Expected "
                                    "'FULL', 'DIFF', 'OFF'." % value)
        if real in ("existingDataSeedServer", "existingDataSeedInstance"):
            known = {s.server_id for s in model.servers.values()}
            if value not in known:
                raise errors.Neo4jError(
                    "Neo.ClientError.Statement.ArgumentError",
                    "Failed to create the specified database '%s': The specified seeding server with id '%s' "
                    "was not found." % (name, value), "52N19",
                    "error: procedure exception - no such seeder. The specified seeding server with id `%s` was "
                    "not found. Verify that the spelling is correct." % value)
        normalised[real] = value.lower() if real == "existingData" else (
            value.upper() if real == "txLogEnrichment" else value)
    if replace:
        # 5.26 (OM5): no seed option with OR REPLACE; 2025.01+ (OMdev) allows all but existingDataSeed*.
        forbidden = (SEED_OPTIONS if not _is_calver(model.version)
                     else {"existingDataSeedInstance", "existingDataSeedServer"})
        for key in normalised:
            if key in forbidden:
                raise invalid_arguments("Failed to create the specified database '%s': The option '%s' cannot be "
                                        "used together with `OR REPLACE`." % (name, key), "42N14")
    return normalised


def create_database(model, ctx, cmd, db):
    name = cmd.name.lower()
    validate_database_name(name)
    options = validate_create_options(model, name, cmd.options or {}, cmd.replace, getattr(cmd, "language", 5))
    existing = model.databases.get(name)
    alias = model.aliases.get(name)
    if existing is not None or alias is not None:
        if cmd.if_not_exists:
            return system_result(db, updates=0)
        if alias is not None:
            raise errors.existing_database("Failed to create the specified database '%s': Database name or alias "
                                           "already exists." % name)
        if not cmd.replace:
            raise errors.existing_database("Failed to create the specified database '%s': Database already "
                                           "exists." % name)
        if existing.type == "system":
            raise system_immutable("DROP DATABASE")
    primaries = model.default_primaries if cmd.primaries is None else cmd.primaries
    secondaries = model.default_secondaries if cmd.secondaries is None else cmd.secondaries
    _check_topology_numbers(model, "create", primaries, secondaries)
    model.place(primaries, secondaries)  # raises before anything changes when it cannot be placed
    # In a transaction the handler runs on a private copy first; the files are taken when it runs for real.
    files = _arrow_store_files(model, name, options, take=model is ctx.model)
    if existing is not None:  # OR REPLACE = DROP DATABASE x IF EXISTS + CREATE DATABASE x
        model.drop_database(name)
    if options.get("seedCredentials"):
        _require_keystore(model, ctx, "seedCredentials")
    stored = {k: v for k, v in options.items() if k != "seedCredentials"}  # a secret: never shown back
    # seedURI: fetched and checked as the database starts (simulator.seeding); a bad seed leaves it offline.
    created = model.create_database(name, primaries=primaries, secondaries=secondaries, options=stored,
                                    graph=files.graph if files else None,
                                    default_language=getattr(cmd, "default_language", None),
                                    seed=options if options.get("seedURI") else None,
                                    fetch_seed=model is ctx.model)
    if files is not None and files.store:
        created.store = files.store
    return _finish(model, cmd, db, name, "online")


def keystore_missing(what):
    """Secrets stored in the system graph (remote alias passwords, seedCredentials) are encrypted with the key in
    dbms.security.keystore.*; without it the command fails.  Message and GQL status as a live 5.26/2025.x server
    answers a remote alias without a keystore (quoted in priyolahiri/neo4j-kubernetes-operator, "verified live":
    "50N09 ... Internal exception raised TransactionStateTransitionException: Failed to create alias for remote
    database: the required setting(s) [dbms.security.keystore.path, dbms.security.keystore.password] are
    missing"); the Neo.* code was not published, UnknownError is the simulator's choice.  For seedCredentials
    the docs only say the option "fails" without the keystore: the same wording is used."""
    message = ("Failed to %s: the required setting(s) [dbms.security.keystore.path, dbms.security.keystore.password] "
               "are missing" % what)
    return errors.Neo4jError(
        "Neo.DatabaseError.General.UnknownError", message, "50N09",
        "error: general processing exception - internal error. Internal exception raised "
        "TransactionStateTransitionException: " + message)


def _require_keystore(model, ctx, option):
    """The member running the command encrypts the secret: it needs the keystore (the others need it to decrypt,
    ``ClusterModel.start_failure``)."""
    server = model.servers.get(ctx.member)
    if server is not None and not server.keystore:
        raise keystore_missing("create database with %s" % option)


def _arrow_store_files(model, name, options, take=True):
    """The store files an Arrow import left on the seed server (existingDataSeedServer/-Instance), taken.

    Mounting such files without naming the seed server (plain CREATE DATABASE, which "will attempt to mount any
    pre-existing store files in place") is not modelled: the simulator says so instead of guessing.
    """
    seed = options.get("existingDataSeedServer") or options.get("existingDataSeedInstance")
    if seed:
        return model.seed_from_server(name, seed, take)
    holder = model.local_store_of(name)
    if holder is not None and "seedURI" not in options:
        raise errors.unsupported(
            "The simulator does not model CREATE DATABASE mounting the store files an Arrow import left on %s "
            "without OPTIONS {existingData: 'use', existingDataSeedServer: '<its serverId>'}." % holder)
    return None


def _check_topology_numbers(model, action, primaries, secondaries):
    """Neo4j's allowed ranges: 1..11 primaries, 0..20 secondaries."""
    if primaries < 1 or primaries > 11:
        raise errors.Neo4jError(
            "Neo.ClientError.Statement.ArgumentError",
            "Failed to %s the specified database: The number of primaries must be between 1 and 11." % action,
            "51N52")
    if secondaries < 0 or secondaries > 20:
        raise errors.Neo4jError(
            "Neo.ClientError.Statement.ArgumentError",
            "Failed to %s the specified database: The number of secondaries must be between 0 and 20." % action,
            "51N53")


def _aliases_block_drop(name, aliases):
    joined = ", ".join("'%s'" % a for a in sorted(aliases))
    return errors.Neo4jError(
        "Neo.ClientError.Database.ExistingAliasFound",
        "Failed to delete the specified database '%s': Database has one or more aliases. Drop the aliases: [%s] "
        "before dropping the database." % (name, joined), "42N82",
        "error: syntax error or access rule violation - cannot drop database with aliases. The database "
        "identified by `%s` has one or more aliases. Drop the aliases `%s` before dropping the database."
        % (name, sorted(aliases)))


# ----- DROP DATABASE ------------------------------------------------------------------------------

def drop_database(model, ctx, cmd, db):
    name = cmd.name.lower()
    target = model.databases.get(name)
    if target is None:
        if cmd.if_exists:
            return system_result(db, updates=0)
        raise not_found("delete", name)
    if target.type == "system":
        raise system_immutable("DROP DATABASE")
    aliases = local_aliases_of(model, name)
    if aliases and not cmd.cascade:
        raise _aliases_block_drop(name, aliases)
    for alias_name in aliases:  # CASCADE ALIASES; remote aliases never block (OM5 delete-databases.adoc)
        del model.aliases[alias_name]
    servers = list(target.allocations)
    if cmd.dump:
        dumps = getattr(model, "dumps", None)
        if dumps is not None:
            dumps.append(name)
    model.drop_database(name)
    return _finish(model, cmd, db, name, "dropped", servers)


# ----- ALTER / START / STOP -----------------------------------------------------------------------

def _lookup(model, name, action, if_exists=False):
    target = model.resolve(name)
    if target is None:
        if if_exists:
            return None
        raise not_found(action, name.lower())
    return target


def alter_database(model, ctx, cmd, db):
    target = _lookup(model, cmd.name, "alter", cmd.if_exists)
    if target is None:
        return system_result(db, updates=0)
    if target.type == "system":
        raise system_immutable("ALTER DATABASE")
    if cmd.access is not None:
        target.access = cmd.access
    if getattr(cmd, "default_language", None):  # SET DEFAULT LANGUAGE CYPHER n (2025.06+)
        target.default_language = cmd.default_language
    if cmd.primaries is not None or cmd.secondaries is not None:
        primaries = target.primaries if cmd.primaries is None else cmd.primaries
        secondaries = target.secondaries if cmd.secondaries is None else cmd.secondaries
        _check_topology_numbers(model, "alter", primaries, secondaries)
        if target.primaries > 1 and primaries == 1:
            # OM5 clustering/databases.adoc: no automatic transition to a single primary.
            raise errors.Neo4jError(
                "Neo.ClientError.Statement.ArgumentError",
                "Failed to alter the specified database '%s': It is not possible to automatically transition to a "
                "topology with a single primary host." % target.name, "51N49")
        # A placement that breaks a server's mode constraint (an Arrow import registered on its importer,
        # ClusterModel "importer-only") is reallocated by the rules, even to the same numbers.
        if (primaries, secondaries) != (target.primaries, target.secondaries) or model.breaks_mode_constraints(target):
            model.set_topology(target.name, primaries, secondaries)
    for key, value in cmd.set_options.items():
        if key.lower() != "txlogenrichment":
            raise invalid_arguments("Could not alter database with unrecognised option: '%s'. Expected "
                                    "'txLogEnrichment'." % key)
        if not isinstance(value, str) or value.upper() not in LOG_ENRICHMENT:
            raise invalid_arguments("Could not alter database with specified txLogEnrichment '%s'. Expected "
                                    "'FULL', 'DIFF', 'OFF'." % value)
        target.options["txLogEnrichment"] = value.upper()
    for key in cmd.remove_options:
        if key.lower() != "txlogenrichment":
            raise invalid_arguments("Could not alter database with unrecognised option: '%s'. Expected "
                                    "'txLogEnrichment'." % key)
        target.options.pop("txLogEnrichment", None)
    expected = "online" if target.requested_status == "online" else "offline"
    return _finish(model, cmd, db, target.name, expected)


def start_database(model, ctx, cmd, db):
    target = _lookup(model, cmd.name, "start")
    if target.type != "system":
        settled_online = target.requested_status == "online" and all(
            a.current() == "online" for a in target.allocations.values())
        if not settled_online:
            model.start_database(target.name)
    return _finish(model, cmd, db, target.name, "online")


def stop_database(model, ctx, cmd, db):
    target = _lookup(model, cmd.name, "stop")
    if target.type == "system":
        raise system_immutable("STOP DATABASE")
    model.stop_database(target.name)
    return _finish(model, cmd, db, target.name, "offline")

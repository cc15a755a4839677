# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Standard databases: read their state (SHOW DATABASES), plan a change, apply it, wait for it.

Pure logic over a client with ``read(query, params, database)``, ``admin(query, params)`` and
``require_enterprise(feature)`` (``connection.Neo4jClient``), so it is unit-testable with a fake.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from . import cypher, progress
from .connection import Neo4jModuleError, check_timeouts, version_tuple
from .results import database_result
from .wait import WaitTimeout, poll

STATES = ("present", "absent", "started", "stopped")
# The database name and topology travel as parameters, which Neo4j documents from 5.26 on.
MIN_VERSION = (5, 26)
ACCESS = ("read-write", "read-only")
DROP_DATA = ("dump", "destroy")

# SHOW DATABASES gives one row per allocation (the database on one server); these columns describe the
# allocation, the others are the same on every row of a database.
MEMBER_COLUMNS = ("serverID", "address", "role", "writer", "requestedStatus", "currentStatus", "statusMessage",
                  "lastCommittedTxn", "replicationLag", "shardTxnLag")
# From 2025.06 a statement runs in Cypher 5 or Cypher 25, by default in the language of the database it is sent
# to (system, for these commands), which the neo4j.conf of 2026.02 and later sets to Cypher 25.  Cypher 25
# removed the seedCredentials option (Operations Manual, deprecations: "In Cypher 25, ... the options
# seedCredentials and existingDataSeedInstance have been removed"), so a CREATE DATABASE that needs it says
# CYPHER 5; older releases know no CYPHER prefix and get none.
CYPHER_VERSIONS = (2025, 6)
CYPHER_5_ONLY_OPTIONS = ("seedCredentials",)
FAILED_STATUSES = ("offline", "dirty", "quarantined")
# A start that ends offline with a message is a failure once it has been seen on this many polls in a row
# (the first poll after START may still show the previous status).
FAILED_POLLS = 3
# Seed URI schemes of Neo4j's seed providers (Operations Manual, seed-from-uri.adoc): CloudSeedProvider (s3, gs, azb),
# FileSeedProvider (file), URLConnectionSeedProvider (ftp, http, https), ServerSeedProvider (server, 2026.04).
SEED_SCHEMES = ("s3", "gs", "azb", "file", "ftp", "http", "https", "server")
SEED_HINT = ("Neo4j fetches and checks a seed as the database starts and writes the cause to the servers' debug.log. "
             "Check that %s exists and every server hosting the database can read it (cloud credentials, "
             "AWS_ENDPOINT_URL_S3, the file on each server), and that dbms.databases.seed_from_uri_providers enables a "
             "provider for its scheme: the 5.26 default S3SeedProvider,CloudSeedProvider hands s3: seeds to "
             "S3SeedProvider, which needs seed_config and seed_credentials, and no default list has FileSeedProvider "
             "(file:).")
# SHOW SERVERS refusals that only cost the member names (see read_servers).
SHOW_SERVERS_REFUSED = ("Neo.ClientError.Security.Forbidden", "Neo.ClientError.Statement.UnsupportedAdministrationCommand")


# ----- reading -----------------------------------------------------------------------------------

def member_key(row, names_by_id=None):
    """The member an allocation row belongs to: its server name (from SHOW SERVERS), else its address, else its id."""
    server_id = row.get("serverID")
    return (names_by_id or {}).get(server_id) or row.get("address") or server_id or "unknown"


def summarize(rows, names_by_id=None):
    """SHOW DATABASES rows of one database -> one dict (None when no rows).

    The columns shared by every row are at the top; ``members`` maps each member (``member_key``, with
    ``names_by_id`` = {serverId: server name}) to its allocation columns, in key order; ``writer`` is the
    member that accepts writes, or None.
    """
    if not rows:
        return None
    first = rows[0]
    database = dict((k, v) for k, v in first.items() if k not in MEMBER_COLUMNS)
    database["requestedStatus"] = first.get("requestedStatus")
    database["writer"] = None
    members = {}
    for row in sorted(rows, key=lambda r: member_key(r, names_by_id)):
        key = member_key(row, names_by_id)
        members[key] = dict((k, row.get(k)) for k in MEMBER_COLUMNS if k in row)
        if row.get("writer"):
            database["writer"] = key
    database["members"] = members
    return database


def read_database(client, name, names_by_id=None):
    stmt = cypher.show_database(name)
    return summarize(client.read(stmt.query, stmt.params, database="system").rows, names_by_id)


def read_alias(client, name):
    stmt = cypher.show_alias(name)
    rows = client.read(stmt.query, stmt.params, database="system").rows
    return rows[0] if rows else None


def read_servers(client, required=True):
    """SHOW SERVERS rows.

    It needs the SHOW SERVERS privilege, which a user allowed to manage databases may lack (and a
    server without clustering may not support it); when the rows only name members (not ``required``),
    such a refusal gives [] and members are keyed by address.
    """
    stmt = cypher.show_servers()
    try:
        return client.read(stmt.query, stmt.params, database="system").rows
    except Neo4jModuleError as exc:
        if required or exc.code not in SHOW_SERVERS_REFUSED:
            raise
        return []


def enabled_servers(servers):
    """Servers that can host new allocations (SHOW SERVERS state Enabled)."""
    return [r for r in servers if r.get("state") == "Enabled"]


def server_names(servers):
    """SHOW SERVERS rows -> {serverId: name}, for ``member_key``."""
    return dict((r.get("serverId"), r.get("name")) for r in servers if r.get("serverId") and r.get("name"))


def topology_of(database):
    """(primaries, secondaries) as requested; counted from the members when the columns are missing."""
    if database.get("requestedPrimariesCount") is not None:
        return database["requestedPrimariesCount"], database.get("requestedSecondariesCount") or 0
    roles = [m.get("role") for m in database["members"].values()]
    return roles.count("primary"), roles.count("secondary")


def status_of(database):
    if database is None:
        return "absent"
    return "stopped" if database.get("requestedStatus") == "offline" else "started"


def view(database):
    """The part of a database the module manages, for diff before/after."""
    if database is None:
        return dict(state="absent")
    primaries, secondaries = topology_of(database)
    return dict(name=database["name"], state=status_of(database), access=database.get("access"),
                topology=dict(primaries=primaries, secondaries=secondaries))


# ----- validating --------------------------------------------------------------------------------

def _fail(msg):
    raise Neo4jModuleError(msg)


def validate(params):
    """Check the module options against each other; return the normalised desired state."""
    try:
        name = cypher.validate_database_name(params.get("name"), "name")
    except cypher.InvalidName as exc:
        raise Neo4jModuleError(str(exc))
    state = params.get("state") or "present"
    creation = [k for k in ("seed_uri", "seed_config", "seed_credentials", "existing_data", "existing_data_seed_server")
                if params.get(k) is not None]
    if state == "absent":
        for key in ["topology", "access"] + creation:
            if params.get(key) is not None:
                _fail("%s cannot be used with state=absent." % key)
    elif params.get("drop_data") is not None:
        _fail("drop_data only applies to state=absent (got state=%s)." % state)
    for key in ("seed_config", "seed_credentials"):
        if params.get(key) is not None and not params.get("seed_uri"):
            _fail("%s needs seed_uri." % key)
    if params.get("seed_uri"):
        check_seed_uri(params["seed_uri"])
    if params.get("existing_data_seed_server") and not params.get("existing_data") and not params.get("seed_uri"):
        _fail("existing_data_seed_server needs existing_data=use or seed_uri.")
    if params.get("existing_data") is not None and not (params.get("seed_uri") or params.get("existing_data_seed_server")):
        _fail("existing_data needs seed_uri or existing_data_seed_server: Neo4j only uses existing data when told where it comes from.")

    topology = params.get("topology")
    if topology is not None:
        primaries = topology.get("primaries")
        secondaries = topology.get("secondaries") or 0
        if isinstance(primaries, bool) or not isinstance(primaries, int) or primaries < 1:
            _fail("topology.primaries must be an integer of at least 1 (got %r)." % (primaries,))
        if isinstance(secondaries, bool) or not isinstance(secondaries, int) or secondaries < 0:
            _fail("topology.secondaries must be an integer of at least 0 (got %r)." % (secondaries,))
        topology = dict(primaries=primaries, secondaries=secondaries)
    check_timeouts(params, ("wait_timeout",))
    wrong_interval = progress.check_interval(params.get("progress_interval"))
    if wrong_interval:
        _fail(wrong_interval)
    wait_timeout = params.get("wait_timeout")

    options = {}
    if params.get("seed_uri"):
        options.update(seedURI=params["seed_uri"], existingData=params.get("existing_data") or "use")
    if params.get("seed_config") is not None:
        options["seedConfig"] = params["seed_config"]
    if params.get("seed_credentials") is not None:
        options["seedCredentials"] = params["seed_credentials"]
    if params.get("existing_data_seed_server"):
        options.update(existingDataSeedServer=params["existing_data_seed_server"], existingData=params.get("existing_data") or "use")
    return dict(name=name, state=state, topology=topology, access=params.get("access"), options=options,
                drop_data=params.get("drop_data") or "destroy", wait=params.get("wait", True) is not False,
                wait_timeout=float(wait_timeout if wait_timeout is not None else 300))


def check_seed_uri(uri):
    """A seed URI Neo4j can use: a known scheme, and an absolute path for file: (seed-from-uri.adoc)."""
    scheme, sep, rest = uri.partition(":")
    if not sep or scheme.lower() not in SEED_SCHEMES:
        _fail("seed_uri: %r is not a seed URI; Neo4j seeds from %s URIs, for example s3://bucket/backups/movies.backup or "
              "file:/var/backups/movies.backup." % (uri, ", ".join(s + ":" for s in SEED_SCHEMES)))
    scheme = scheme.lower()
    if scheme == "file" and not (rest.startswith("/") and rest.strip("/")):
        _fail("seed_uri: %r must name an absolute path (file:/path/to/backup), as Neo4j requires." % uri)
    if scheme in ("s3", "gs", "azb") and not (rest.startswith("//") and rest[2:].split("/")[0]):
        _fail("seed_uri: %r names no bucket; write %s://bucket/path." % (uri, scheme))


# ----- planning ----------------------------------------------------------------------------------

def plan(desired, current, servers=None, alias=None, language=None):
    """Statements that take ``current`` (summary or None) to ``desired``, and the expected view after.

    ``servers`` (enabled servers) and ``alias`` (an alias named like the database) are used to refuse
    impossible requests before anything is sent.  ``language`` (5) pins the Cypher version of the
    CREATE DATABASE (``creation_language``).
    """
    name = desired["name"]
    statements = []
    if desired["state"] == "absent":
        if current is None:
            return statements, view(None)
        aliases = [a for a in (current.get("aliases") or []) if a]
        if aliases:
            _fail("name: database '%s' is the target of the alias(es) %s; drop or retarget them first (graphops.neo4j.neo4j_alias)."
                  % (name, ", ".join(sorted(aliases))))
        _check_type(current)
        statements.append(cypher.drop_database(name, desired["drop_data"]))
        return statements, view(None)

    topology = desired["topology"]
    if topology and servers is not None and topology["primaries"] + topology["secondaries"] > len(servers):
        _fail("topology: %d primaries and %d secondaries need %d enabled servers, but the cluster has %d (%s)."
              % (topology["primaries"], topology["secondaries"], topology["primaries"] + topology["secondaries"], len(servers),
                 ", ".join(sorted(s.get("name") or s.get("address") or "?" for s in servers)) or "none"))

    if current is None:
        if alias is not None:
            _fail("name: '%s' is already an alias for database '%s'; a database cannot have the name of an alias."
                  % (name, alias.get("database")))
        statements.append(cypher.create_database(name, topology and topology["primaries"], topology and topology["secondaries"],
                                                 desired["options"], language))
        if desired["access"] == "read-only":
            statements.append(cypher.alter_database_access(name, "read-only"))
        if desired["state"] == "stopped":
            statements.append(cypher.stop_database(name))
        after = dict(name=name, state="stopped" if desired["state"] == "stopped" else "started",
                     access=desired["access"] or "read-write")
        if topology:
            after["topology"] = topology
        return statements, after

    _check_type(current)
    after = view(current)
    if topology and (topology["primaries"], topology["secondaries"]) != topology_of(current):
        if topology["primaries"] == 1 and topology_of(current)[0] > 1:
            _fail("topology.primaries: Neo4j cannot move database '%s' from %d primaries to a single primary automatically."
                  % (name, topology_of(current)[0]))
        statements.append(cypher.alter_database_topology(name, topology["primaries"], topology["secondaries"]))
        after["topology"] = topology
    if desired["access"] and desired["access"] != current.get("access"):
        statements.append(cypher.alter_database_access(name, desired["access"]))
        after["access"] = desired["access"]
    if desired["state"] == "started" and status_of(current) == "stopped":
        statements.append(cypher.start_database(name))
        after["state"] = "started"
    elif desired["state"] == "stopped" and status_of(current) == "started":
        statements.append(cypher.stop_database(name))
        after["state"] = "stopped"
    return statements, after


def creation_language(client, desired):
    """5 when the CREATE DATABASE uses an option that only Cypher 5 has and the server can select Cypher 5."""
    if not any(key in desired["options"] for key in CYPHER_5_ONLY_OPTIONS):
        return None
    return 5 if version_tuple(client.server_info().get("version")) >= CYPHER_VERSIONS else None


def _check_type(current):
    if current.get("type") not in (None, "standard"):
        _fail("name: '%s' is a %s database; neo4j_database manages standard databases only." % (current["name"], current["type"]))


# ----- waiting -----------------------------------------------------------------------------------

def unsettled_members(database):
    """{member: allocation} of the members whose currentStatus differs from requestedStatus."""
    return dict((k, m) for k, m in database["members"].items() if m.get("currentStatus") != m.get("requestedStatus"))


def settled(database):
    if database is None or not database["members"]:
        return False
    if unsettled_members(database):
        return False
    primaries, secondaries = topology_of(database)
    roles = [m.get("role") for m in database["members"].values()]
    if database.get("requestedPrimariesCount") is not None and (roles.count("primary"), roles.count("secondary")) != (primaries, secondaries):
        return False  # a topology change is still moving allocations
    return True


def describe_member(key, member):
    """How a message names a member (``member_key``): server name and address when both are known."""
    address = member.get("address")
    if not address:
        return "%s (address unknown)" % ("server " + key if key == member.get("serverID") else key)
    return address if key == address else "%s (%s)" % (key, address)


def describe_members(members):
    """``members`` ({member: allocation}) as text for error messages, one part per member."""
    parts = []
    for key, m in members.items():
        text = "%s: current_status '%s', requested_status '%s'" % (describe_member(key, m), m.get("currentStatus"), m.get("requestedStatus"))
        if m.get("statusMessage"):
            text += ", status_message '%s'" % m["statusMessage"]
        parts.append(text)
    return "; ".join(parts)


class WaitFailed(Neo4jModuleError):
    """The database did not settle; ``database`` is its last observed state; ``failed_start``: it failed to start
    (rather than ran out of time)."""

    def __init__(self, msg, database, failed_start=False):
        super(WaitFailed, self).__init__(msg)
        self.database = database
        self.failed_start = failed_start


def waiting_members(database, absent=False):
    """The members a wait is still waiting for, as progress lines show them (all of them while a topology change
    moves allocations: their statuses agree, their number or roles not yet)."""
    if database is None:
        return []
    members = database["members"] if absent else (unsettled_members(database) or database["members"])
    return [dict(member=describe_member(key, m), current_status=m.get("currentStatus"),
                 requested_status=None if absent else m.get("requestedStatus"), status_message=m.get("statusMessage") or None)
            for key, m in members.items()]


def wait_settled(client, name, timeout, absent=False, sleep=None, names_by_id=None, reporter=None):
    """Poll SHOW DATABASES until every member's currentStatus equals requestedStatus (or the database is gone).

    ``names_by_id`` (``server_names``) is read once by the caller, so polling costs one query per poll.
    ``reporter`` (a ``progress.Reporter``) hears of the members not settled yet after every poll.
    """
    failed_polls = [0]
    if reporter is not None:
        goal = "be dropped on every member" if absent else "reach its requested status on every member"
        reporter.phase("waiting for database '%s' to %s" % (name, goal), unit=None)

    def done(database):
        finished = arrived(database)
        if reporter is not None and not finished:
            reporter.members(waiting_members(database, absent))
        return finished

    def arrived(database):
        if absent:
            return database is None
        if database is None:
            return False
        failed = dict((k, m) for k, m in database["members"].items()
                      if m.get("requestedStatus") == "online" and m.get("currentStatus") in FAILED_STATUSES and m.get("statusMessage"))
        failed_polls[0] = failed_polls[0] + 1 if failed else 0
        if failed_polls[0] >= FAILED_POLLS:
            raise WaitFailed("Database '%s' failed to start: %s" % (name, describe_members(failed)), database, True)
        return settled(database)

    kwargs = dict(sleep=sleep) if sleep else {}
    try:
        return poll(lambda: read_database(client, name, names_by_id), done, timeout, **kwargs)
    except WaitTimeout as exc:
        database = exc.last
        if absent:
            raise WaitFailed("Database '%s' was still listed after wait_timeout=%s s: %s"
                             % (name, timeout, describe_members(database["members"])), database)
        if database is None:
            raise WaitFailed("Database '%s' did not appear in SHOW DATABASES within wait_timeout=%s s." % (name, timeout), None)
        members = unsettled_members(database) or database["members"]
        raise WaitFailed("Database '%s' did not reach its requested status on every member within wait_timeout=%s s: %s"
                         % (name, timeout, describe_members(members)), database)


def _roll_back_seed(client, name, desired, exc):
    """A database this task created from a seed that could not be used is dropped again: nothing was there before."""
    uri = desired["options"]["seedURI"]
    stmt = cypher.drop_database(name, "destroy")
    try:
        client.admin(stmt.query, stmt.params)
        wait_settled(client, name, min(desired["wait_timeout"], 60.0), absent=True)
        undone = "The database was dropped again (it did not exist before this task)."
        exc.result["queries"] = exc.result["queries"] + [redact(stmt)]
    except Neo4jModuleError as drop_failed:
        undone = "Dropping the database again failed, drop it by hand: %s" % drop_failed.msg
    exc.msg = "%s. Seeding from %s failed. %s %s" % (exc.msg.rstrip("."), uri, SEED_HINT % uri, undone)
    exc.args = (exc.msg,)


# ----- the whole run -----------------------------------------------------------------------------

def redact(statement):
    """A statement for the result, with secrets replaced."""
    params = dict(statement.params)
    for key in list(params):
        if key in ("password", "option_seedCredentials"):
            params[key] = "********"
    return dict(query=statement.query, params=params)


def ensure(client, params, check_mode=False, reporter=None):
    """Bring one database to the state the options describe; return the module result (without ``failed``).

    ``reporter`` (a ``progress.Reporter``) hears where the wait is."""
    desired = validate(params)
    name = desired["name"]
    check_topology = bool(desired["topology"]) and desired["state"] != "absent"
    servers = read_servers(client, required=check_topology)
    names_by_id = server_names(servers)
    current = read_database(client, name, names_by_id)
    servers = enabled_servers(servers) if check_topology else None
    creating = current is None and desired["state"] != "absent"
    alias = read_alias(client, name) if creating else None
    language = creation_language(client, desired) if creating else None
    statements, after = plan(desired, current, servers, alias, language)
    result = dict(changed=bool(statements), queries=[redact(s) for s in statements],
                  diff=dict(before=view(current), after=after))
    if check_mode:
        result["database"] = database_result(current)
        return result
    if statements:
        client.require_enterprise("Managing databases", MIN_VERSION)
    for stmt in statements:
        client.admin(stmt.query, stmt.params)
    if desired["wait"] and (statements or desired["state"] != "absent"):
        try:
            database = wait_settled(client, name, desired["wait_timeout"], absent=desired["state"] == "absent",
                                    names_by_id=names_by_id, reporter=reporter)
        except WaitFailed as exc:
            exc.result = dict(result, database=database_result(exc.database))
            if creating and exc.failed_start and "seedURI" in desired["options"]:
                _roll_back_seed(client, name, desired, exc)
            raise
    else:
        database = read_database(client, name, names_by_id)
    result["database"] = database_result(database)
    return result

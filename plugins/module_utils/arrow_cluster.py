# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GDS in a Neo4j cluster, for neo4j_arrow_load: find the GDS member and its Arrow Flight endpoint, and bring an
imported database online on its topology whatever the import left behind.

Where GDS runs.  "In order for GDS to function, all databases on the instance it is installed have to be
Secondary, including the system database" and "The driver connection to operated GDS should be made using the
bolt:// protocol to the Secondary instance" (GDS manual, "GDS with Neo4j cluster",
https://neo4j.com/docs/graph-data-science/current/production-deployment/neo4j-cluster/).  Other members have no
gds.* procedures (Neo.ClientError.Procedure.ProcedureNotFound).

How clients ask for the endpoint.  The GDS Python client runs ``CALL gds.debug.arrow() YIELD listenAddress,
enabled, running, versions`` in a session on its configured database, by default the user's home database
(neo4j/graph-data-science-client, src/graphdatascience/arrow_client/arrow_info.py and
query_runner/neo4j_query_runner.py ``run_cypher``: ``database = self._database``); neo4j-field/bigquery-connector
does the same with ``driver.execute_query``.  The system database runs system procedures only.  So discovery runs
it over a direct bolt connection to each member, on a user database that member hosts, SECONDARY-constrained
members first; SHOW SERVERS gives the members' Bolt addresses, the ones a routing driver connects to anyway.

What an import leaves in a cluster is not documented (the Arrow pages never mention clusters; the server is
closed source).  ``settle_import`` therefore looks at what is there after RELATIONSHIP_LOAD_DONE:

* not registered (store files left on the importing server, as with gds.graph.export, whose docs say the new
  database "needs to be created manually"): ``CREATE DATABASE $name [TOPOLOGY ...] OPTIONS {existingData: 'use',
  existingDataSeedServer: $id}``, the Operations Manual's way to create a database from store files on one
  server (clustering/databases.adoc; ``existingDataSeedServer`` since 5.25, which replaced
  ``existingDataSeedInstance``; Cypher 25 keeps it, ``existingData`` is deprecated there but accepted).
  ``IF NOT EXISTS`` keeps it harmless when the import registers the database at the same moment;
* registered on the importing server only, or on another topology than the one wanted:
  ``ALTER DATABASE $name SET TOPOLOGY ...`` (to ``topology``, else the default that ``CALL
  dbms.showTopologyGraphConfig()`` reports), then the caller waits as for any topology change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from . import arrow, cypher, databases
from .connection import Neo4jClient, Neo4jModuleError, connection_settings

GDS_DEBUG_ARROW = ("CALL gds.debug.arrow() YIELD running, enabled, listenAddress "
                   "RETURN running, enabled, listenAddress")
TOPOLOGY_CONFIG = ("CALL dbms.showTopologyGraphConfig() YIELD defaultPrimariesCount, defaultSecondariesCount "
                   "RETURN defaultPrimariesCount, defaultSecondariesCount")
PROCEDURE_NOT_FOUND = "Neo.ClientError.Procedure.ProcedureNotFound"


class GdsError(Exception):
    def __init__(self, msg):
        super(GdsError, self).__init__(msg)
        self.msg = msg


class GdsMember:
    """The member that answered ``gds.debug.arrow()``: its SHOW SERVERS row (None when unknown) and the answer."""

    def __init__(self, server, info, database):
        self.server = server or {}
        self.info = info
        self.database = database

    @property
    def server_id(self):
        return self.server.get("serverId")

    @property
    def name(self):
        return self.server.get("name") or self.server.get("address") or self.server_id

    @property
    def bolt_host(self):
        address = self.server.get("address")
        return _split_address(address)[0] if address else None


def _split_address(address):
    match = re.match(r"^\[?(?P<host>[^\]]+?)\]?(?::(?P<port>\d+))?$", address or "")
    return (match.group("host"), match.group("port")) if match else (address, None)


def direct_params(params, address):
    """Module params for a direct (bolt) connection to one member, with the same TLS settings as ``uri``."""
    uri = params.get("uri")
    match = re.match(r"^([A-Za-z0-9+]+)://", uri or "")
    scheme = (match.group(1).lower() if match else None) or params.get("scheme") or "neo4j"
    scheme = "bolt" + scheme[len("neo4j"):] if scheme.startswith("neo4j") else scheme
    return dict(params, uri="%s://%s" % (scheme, address), host=None, scheme=None, bolt_port=None, endpoints=None)


def hosted_user_databases(client):
    """{serverID: [names of standard databases online there]}, the default database first."""
    rows = client.read(cypher.show_databases().query, database="system").rows
    hosted = {}
    for row in sorted(rows, key=lambda r: (not r.get("default"), r.get("name") or "")):
        if row.get("type") == "standard" and row.get("currentStatus") == "online" and row.get("serverID"):
            hosted.setdefault(row["serverID"], []).append(row["name"])
    return hosted


def find_gds(params, client, servers):
    """The GDS member: ``gds.debug.arrow()`` on a user database of each member until one has the procedure.

    ``servers`` are SHOW SERVERS rows; without them (SHOW SERVERS refused, or not a cluster) the procedure runs
    on the home database over the module's connection, as the GDS clients do.
    """
    if not servers:
        try:
            rows = client.read(GDS_DEBUG_ARROW).rows
        except Neo4jModuleError as exc:
            raise GdsError("Could not find the GDS Arrow Flight server: CALL gds.debug.arrow() on the home database "
                           "of %s failed: %s It needs the GDS Enterprise plugin; or set arrow_host and arrow_port."
                           % (client.target, exc.msg))
        return GdsMember(None, rows[0] if rows else {}, None)
    hosted = hosted_user_databases(client)
    tried = []
    for server in sorted(servers, key=lambda r: r.get("modeConstraint") != "SECONDARY"):
        name = server.get("name") or server.get("address")
        if server.get("health") not in (None, "Available") or not server.get("address"):
            tried.append("%s is %s" % (name, server.get("health") or "without an address"))
            continue
        names = hosted.get(server.get("serverId"))
        if not names:
            tried.append("%s hosts no user database" % name)
            continue
        try:
            with Neo4jClient(direct_params(params, server["address"])) as direct:
                rows = direct.read(GDS_DEBUG_ARROW, database=names[0]).rows
        except Neo4jModuleError as exc:
            tried.append("%s has no GDS (%s)" % (name, "gds.debug.arrow not found" if exc.code == PROCEDURE_NOT_FOUND
                                                 else exc.msg))
            continue
        return GdsMember(server, rows[0] if rows else {}, names[0])
    raise GdsError("Could not find the GDS Arrow Flight server. CALL gds.debug.arrow() runs on a user database of "
                   "the member with the GDS plugin (in a cluster a Secondary server, which hosts secondary copies of "
                   "the databases it analyses); tried every member: %s. Set arrow_host and arrow_port, or give the "
                   "GDS server a copy of a database (a topology with secondaries)." % "; ".join(tried))


def endpoint_of(member, params):
    """(host, port) from a ``gds.debug.arrow()`` answer; a wildcard host is the member's Bolt host."""
    info = member.info or {}
    where = member.name or "the server"
    if not info.get("enabled"):
        raise GdsError("GDS Arrow Flight is disabled on %s (gds.arrow.enabled=false); enable it and restart the "
                       "server." % where)
    if not info.get("running"):
        raise GdsError("The GDS Arrow Flight server on %s is enabled but not running; check the Neo4j log." % where)
    try:
        host, port = arrow.parse_address(info.get("listenAddress"))
    except arrow.ArrowError as exc:
        raise GdsError("gds.debug.arrow() on %s reported listenAddress %r: %s"
                       % (where, info.get("listenAddress"), exc.msg))
    if host is None:
        host = member.bolt_host or bolt_host(params)
    return host, port


def bolt_host(params):
    """The host of the Bolt URI."""
    uri = connection_settings(dict(params, login_password="x", token="x"))[0]
    return _split_address(uri.split("://", 1)[1])[0]


# ----- after the import --------------------------------------------------------------------------


def eligible_servers(servers):
    """(servers that may host primaries, servers that may host anything): Enabled, by mode constraint."""
    enabled = databases.enabled_servers(servers)
    return [s for s in enabled if s.get("modeConstraint") != "SECONDARY"], enabled


def check_topology(topology, servers):
    """Refuse a topology the enabled servers cannot hold, before anything is sent."""
    if not topology or not servers:
        return
    primary_ok, enabled = eligible_servers(servers)
    need = topology["primaries"] + topology["secondaries"]
    if topology["primaries"] > len(primary_ok) or need > len(enabled):
        raise GdsError("topology: %d primaries and %d secondaries need %d enabled servers, %d of them allowed to host "
                       "primaries (mode constraint not SECONDARY), but the cluster has %d enabled (%s), %d allowed to "
                       "host primaries." % (topology["primaries"], topology["secondaries"], need, topology["primaries"],
                                            len(enabled), ", ".join(sorted(s.get("name") or "?" for s in enabled)),
                                            len(primary_ok)))


def breaks_mode_constraints(database, servers):
    """Whether an allocation has a role its server's mode constraint forbids (a primary on a SECONDARY server)."""
    constraint = dict((s.get("serverId"), s.get("modeConstraint") or "NONE") for s in servers or [])
    for member in database["members"].values():
        mode = constraint.get(member.get("serverID"), "NONE")
        if mode != "NONE" and member.get("role") and mode.lower() != member["role"]:
            return True
    return False


def default_topology(client):
    """(primaries, secondaries) a CREATE DATABASE without TOPOLOGY gets, or None when it cannot be read."""
    try:
        rows = client.read(TOPOLOGY_CONFIG, database="system").rows
    except Neo4jModuleError:
        return None
    if not rows:
        return None
    return rows[0].get("defaultPrimariesCount") or 1, rows[0].get("defaultSecondariesCount") or 0


def settle_import(client, name, topology, servers, names_by_id, importer):
    """Make the imported database registered and on its topology.  Returns what was done (list of text).

    ``importer()`` returns the GDS member the import ran on (it may have to be found first); it is only called
    when the database is not registered.
    """
    done = []
    database = databases.read_database(client, name, names_by_id)
    if database is None:
        member = importer()
        options = dict(existingData="use", existingDataSeedServer=member.server_id)
        stmt = cypher.create_database(name, topology and topology["primaries"], topology and topology["secondaries"],
                                      options)
        client.admin(stmt.query, stmt.params)
        done.append("created from the store files the import left on %s" % member.name)
        database = databases.read_database(client, name, names_by_id)
        if database is None:
            raise GdsError("Database '%s' is not listed after CREATE DATABASE with existingDataSeedServer '%s'."
                           % (name, member.server_id))
    wanted = (topology["primaries"], topology["secondaries"]) if topology else None
    if wanted is None and len(database["members"]) == 1:
        # Registered on one server only (maybe the importer, bypassing the allocator): the default topology is
        # what a CREATE DATABASE would have given it.
        wanted = default_topology(client)
    if wanted and (databases.topology_of(database) != wanted or breaks_mode_constraints(database, servers)):
        stmt = cypher.alter_database_topology(name, wanted[0], wanted[1])
        client.admin(stmt.query, stmt.params)
        done.append("topology set to %d primaries, %d secondaries" % wanted)
    return done

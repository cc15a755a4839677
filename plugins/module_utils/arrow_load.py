# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What neo4j_arrow_load does: check its options, open the sources, validate them (check mode) or load
them into a new database through the GDS Arrow Flight server and wait until it is online.

No Ansible imports: failures are :class:`LoadError` (message plus the partial result) or
``Neo4jModuleError``, which the module turns into ``fail_json``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import ssl
import time

from . import arrow, arrow_cluster, arrow_sources, cypher, databases, progress
from .connection import Neo4jClient, Neo4jModuleError, _tls_cause, neo4j_exceptions

# Options that belong to one kind of source only.
NODE_ONLY = ("id_column", "label", "label_column")
REL_ONLY = ("source_column", "target_column", "type", "type_column")


class LoadError(Exception):
    def __init__(self, msg, **extra):
        super(LoadError, self).__init__(msg)
        self.msg = msg
        self.extra = extra


def check_ca_file(path, option):
    """A CA file that is given must hold certificates Python's ssl can load, whether TLS is on or not."""
    if not path:
        return
    if not os.path.isfile(path):
        raise LoadError("%s: %s is not a file." % (option, path))
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise LoadError("%s: %s holds no certificate Python's ssl can load: %s" % (option, path, exc))


def check_params(params):
    try:
        name = cypher.validate_database_name(params["database"], option="database")
    except ValueError as exc:
        raise LoadError(str(exc))
    name = name.lower()
    for key in ("batch_size", "concurrency"):
        if params[key] < 1:
            raise LoadError("%s must be at least 1." % key)
    if params["server_concurrency"] is not None and params["server_concurrency"] < 1:
        raise LoadError("server_concurrency must be at least 1.")
    check_timeouts(params, ("timeout", "wait_timeout"))
    if not 0 < params["arrow_port"] < 65536:
        raise LoadError("arrow_port: %s is not a port number (1 to 65535)." % params["arrow_port"])
    check_ca_file(params.get("arrow_ca_file"), "arrow_ca_file")
    wrong_interval = progress.check_interval(params.get("progress_interval"))
    if wrong_interval:
        raise LoadError(wrong_interval)
    check_topology_option(params.get("topology"))
    if not params["nodes"]:
        raise LoadError("nodes: give at least one node source.")
    for kind, specs, wrong in (("nodes", params["nodes"], REL_ONLY), ("relationships", params["relationships"], NODE_ONLY)):
        for index, spec in enumerate(specs):
            bad = [k for k in wrong if spec.get(k) is not None]
            if bad:
                other = "relationships" if kind == "nodes" else "nodes"
                raise LoadError("%s[%d]: %s can only be used with %s." % (kind, index, ", ".join(bad), other))
            check_delimiter("%s[%d]" % (kind, index), spec.get("delimiter"))
            if kind == "relationships" and spec.get("type") and spec.get("type_column"):
                raise LoadError("relationships[%d]: type and type_column are mutually exclusive." % index)
            props = spec.get("properties")
            if props is not None and not (isinstance(props, dict) and all(isinstance(v, str) for v in props.values())
                                          or isinstance(props, list) and all(isinstance(v, str) for v in props)):
                raise LoadError("%s[%d]: properties must be a list of column names or a mapping of column to property name."
                                % (kind, index))
    if params["auth_type"] != "basic":
        raise LoadError("The GDS Arrow server authenticates with user name and password: use auth_type basic.")
    return name


def check_topology_option(topology):
    """Neo4j's ranges for CREATE/ALTER DATABASE ... TOPOLOGY: 1 to 11 primaries, 0 to 20 secondaries."""
    if topology is None:
        return
    for key, low, high in (("primaries", 1, 11), ("secondaries", 0, 20)):
        value = topology.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise LoadError("topology.%s: must be an integer from %d to %d (got %s)." % (key, low, high, value))


def check_timeouts(params, keys):
    """Every ``*timeout`` option is a number of seconds greater than 0 (0 used to mean "no limit" for
    ``timeout`` and made ``wait_timeout`` drop the database it had just loaded)."""
    for key in keys:
        value = params.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise LoadError("%s: must be a number of seconds greater than 0 (got %s)." % (key, value))


# pyarrow.csv.ParseOptions takes one ASCII character; line breaks and the quote character (") cannot
# separate fields.
CSV_DELIMITER_REFUSED = ("\n", "\r", '"')


def check_delimiter(where, value):
    if value is None:
        return
    if len(value) != 1 or ord(value) > 127 or value in CSV_DELIMITER_REFUSED:
        raise LoadError("%s.delimiter: must be one character (ASCII, not a line break or the quote character \"), "
                        "such as ',', ';', '|' or a tab; got %s." % (where, json.dumps(value)))


def open_all(params):
    s3 = params.get("s3")
    id_type = params["id_type"]
    try:
        nodes = arrow_sources.open_sources("node", params["nodes"], id_type, s3)
        rels = arrow_sources.open_sources("relationship", params["relationships"], id_type, s3)
    except arrow_sources.SourceError as exc:
        raise LoadError(exc.msg)
    return nodes, rels


def files_of(nodes, rels):
    return dict(nodes=sum(len(s.files) for s in nodes), relationships=sum(len(s.files) for s in rels))


def validate_only(params, name, nodes, rels):
    check = arrow_sources.Validation()
    try:
        check.nodes(nodes, params["batch_size"])
        check.relationships(rels, params["batch_size"])
    except arrow_sources.SourceError as exc:
        raise LoadError(exc.msg)
    return dict(changed=True, database=name, node_count=check.node_count, relationship_count=check.relationship_count,
                bytes_sent=0, seconds=0.0, rows_per_second=0.0, replaced=False, files=files_of(nodes, rels),
                labels=sorted(check.labels), relationship_types=sorted(check.types))


def read_existing(client, name):
    """The database ``name`` (summary) or None; refuses the name of an alias before anything happens.

    Neo4j keeps databases and aliases in one namespace; SHOW DATABASES lists no alias, so without this check
    the import would create a database under the alias's name (as neo4j_database's plan() refuses it).
    """
    alias = databases.read_alias(client, name)
    if alias is not None:
        raise LoadError("database: '%s' is already an alias for database '%s'; a database cannot have the name of an "
                        "alias. Choose another name, or drop the alias first (graphops.neo4j.neo4j_alias)."
                        % (name, alias.get("database")), changed=False)
    return databases.read_database(client, name)


def unreachable(exc):
    """Whether a Neo4jModuleError says the server could not be reached at all (not TLS, not auth)."""
    cause = exc.__context__
    if neo4j_exceptions is None or cause is None:
        return False
    if not isinstance(cause, (neo4j_exceptions.ServiceUnavailable, neo4j_exceptions.SessionExpired)):
        return False
    return _tls_cause(cause) is None and not isinstance(cause, neo4j_exceptions.IncompleteCommit)


def left_alone(result, name):
    return dict(result, database_exists=True,
                msg="Database '%s' already exists; left alone (set replace: true to reload it)." % name)


def new_result(name, nodes, rels):
    return dict(changed=False, database=name, node_count=0, relationship_count=0, bytes_sent=0, seconds=0.0,
                rows_per_second=0.0, replaced=False, files=files_of(nodes, rels))


def check(params, name, nodes, rels):
    """Check mode: what a real run would do, without changing anything.

    It runs every read-only step of a real run: whether an alias or the database exists (an existing database
    with ``replace: false`` is left alone: changed false, the files are only opened), whether the cluster can hold
    ``topology``, where the GDS Arrow server is and whether it accepts the connection (handshake, authentication,
    protocol v1); then the files are read in full and validated.  When Neo4j cannot be reached at all the files
    are still validated, the result says ``database_exists: null`` and a warning says the prediction assumed the
    database does not exist.
    """
    result = new_result(name, nodes, rels)
    try:
        with Neo4jClient(params) as client:
            existing = read_existing(client, name)
            if existing is not None and not params["replace"]:
                return left_alone(result, name)
            servers = databases.read_servers(client, required=False)
            host, port, _member = arrow_target(params, client, servers, result)
            arrow_client = new_arrow_client(params, host, port)
            try:
                arrow_client.connect()
            except arrow.ArrowError as exc:
                raise LoadError(exc.msg, **result)
            finally:
                arrow_client.close()
    except Neo4jModuleError as exc:
        if not unreachable(exc):
            raise
        checked = validate_only(params, name, nodes, rels)
        checked.update(database_exists=None, warnings=[
            "Check mode could not reach Neo4j (%s), so it could not tell whether database '%s' exists; it validated the "
            "files and assumed it does not. A real run needs the server." % (exc.msg, name)])
        return checked
    checked = validate_only(params, name, nodes, rels)
    checked.update(database_exists=existing is not None, replaced=existing is not None,
                   arrow_address=result["arrow_address"])
    return checked


def arrow_target(params, client, servers, result):
    """Check ``topology`` against the servers, then (host, port, GDS member or None) of the Arrow server: the
    options, or what the GDS member's ``gds.debug.arrow()`` says."""
    try:
        arrow_cluster.check_topology(params.get("topology"), servers)
        if params.get("arrow_host"):
            host, port, member = params["arrow_host"], params["arrow_port"], None
        else:
            member = arrow_cluster.find_gds(params, client, servers)
            host, port = arrow_cluster.endpoint_of(member, params)
    except arrow_cluster.GdsError as exc:
        raise LoadError(exc.msg, **result)
    result["arrow_address"] = "%s:%d" % (host, port)
    return host, port, member


def load(params, name, nodes, rels, reporter=None):
    """The real run; ``reporter`` (a ``progress.Reporter``) hears of every phase: the drop for replace, the rows
    sent, the server's build, the wait."""
    result = new_result(name, nodes, rels)
    with Neo4jClient(params) as client:
        existing = read_existing(client, name)
        if existing is not None and not params["replace"]:
            return left_alone(result, name)
        result["database_exists"] = existing is not None
        # Read once: member names for the wait messages (as neo4j_database's), mode constraints, Bolt addresses.
        servers = databases.read_servers(client, required=False)
        names_by_id = databases.server_names(servers)
        host, port, member = arrow_target(params, client, servers, result)
        gds = dict(member=member)
        stats = import_through_arrow(params, name, nodes, rels, client, existing, host, port, result, names_by_id,
                                     reporter)
        result.update(changed=True, node_count=stats["node_count"], relationship_count=stats["relationship_count"],
                      bytes_sent=stats["bytes_sent"], seconds=round(stats["seconds"], 3))
        rows = stats["nodes_sent"] + stats["relationships_sent"]
        result["rows_per_second"] = round(rows / stats["seconds"], 1) if stats["seconds"] > 0 else float(rows)

        def importer():
            if gds["member"] is None:
                gds["member"] = arrow_cluster.find_gds(params, client, servers)
            if gds["member"].server_id is None:
                raise arrow_cluster.GdsError("SHOW SERVERS gave no server id for the GDS server.")
            return gds["member"]

        # What the import left in the cluster is undocumented: register it / give it its topology as needed.
        try:
            result["placement"] = arrow_cluster.settle_import(client, name, params.get("topology"), servers,
                                                              names_by_id, importer)
            if params["wait"]:
                databases.wait_settled(client, name, params["wait_timeout"], names_by_id=names_by_id, reporter=reporter)
        except (Neo4jModuleError, arrow_cluster.GdsError) as exc:
            raise LoadError("The import finished but %s %s" % (exc.msg, drop_again(client, name)), **result)
    return result


def new_arrow_client(params, host, port):
    return arrow.GdsArrowClient(
        host, port, params.get("login_user"), params.get("login_password"), tls=params["arrow_tls"],
        ca_file=params.get("arrow_ca_file") or params.get("trusted_ca_file"),
        validate_certs=params["validate_certs"], check_hostname=params["check_hostname"],
        deadline=time.monotonic() + params["timeout"], connect_timeout=params["connection_timeout"])


def import_through_arrow(params, name, nodes, rels, client, existing, host, port, result, names_by_id, reporter=None):
    """Connect to the Arrow server, drop the existing database for replace, run the import; returns its stats."""
    arrow_client = new_arrow_client(params, host, port)
    try:
        # Connect (and authenticate) before dropping anything for replace: an unreachable Arrow
        # server must not cost the existing database.
        try:
            arrow_client.connect()
        except arrow.ArrowError as exc:
            raise LoadError(exc.msg, **result)
        if existing is not None:
            stmt = cypher.drop_database(name)
            client.admin(stmt.query, stmt.params)
            databases.wait_settled(client, name, params["wait_timeout"], absent=True, names_by_id=names_by_id,
                                   reporter=reporter)
            result.update(replaced=True, changed=True)
        try:
            return arrow.import_database(
                arrow_client, name,
                arrow_sources.chain(nodes, params["batch_size"]),
                arrow_sources.chain(rels, params["batch_size"]),
                concurrency=params["concurrency"], id_type=params["id_type"], force=params["replace"],
                server_concurrency=params.get("server_concurrency"), id_property=params.get("id_property"),
                db_format=params.get("db_format"), high_io=params["high_io"], progress=reporter,
                totals=(arrow_sources.total_rows(nodes), arrow_sources.total_rows(rels)))
        except arrow.ArrowError as exc:
            raise LoadError(describe_failure(name, exc), **with_abort(result, exc))
        except arrow_sources.SourceError as exc:
            raise LoadError("%s The import was aborted." % exc.msg, **with_abort(result, exc))
    finally:
        arrow_client.close()


def drop_again(client, name):
    """Roll back a database that an import created but that did not come online as asked."""
    try:
        if databases.read_database(client, name) is None:
            return ("It is not registered, so nothing was dropped; the import's store files may be left on the GDS "
                    "server, where the next import of that name with replace: true deletes them.")
        stmt = cypher.drop_database(name)
        client.admin(stmt.query, stmt.params)
    except Neo4jModuleError as exc:
        return "Dropping it failed too: %s" % exc.msg
    return "It was dropped again."


def with_abort(result, exc):
    """The result plus what the ABORT did, when one was sent (not when CREATE_DATABASE itself failed)."""
    status = getattr(exc, "abort_status", None)
    return dict(result, aborted=status) if status else dict(result)


def describe_failure(name, exc):
    if exc.kind == "already_exists":
        return ("The GDS Arrow server refused to start the import of '%s': %s Another import of that name may be "
                "running, or the database exists; nothing was changed." % (name, exc.msg))
    if exc.kind == "unauthenticated":
        return exc.msg
    if exc.kind == "timeout":
        return "Import of '%s' timed out (timeout option) and was aborted: %s" % (name, exc.msg)
    if exc.kind == "unavailable":
        return "Lost the connection to the GDS Arrow server while importing '%s'; the import was aborted: %s" % (name, exc.msg)
    return "Import of '%s' failed and was aborted: %s" % (name, exc.msg)

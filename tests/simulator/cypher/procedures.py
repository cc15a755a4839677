"""The procedures the collection calls: dbms.components, dbms.queryJmx, gds.debug.arrow, db.labels,
db.relationshipTypes, db.propertyKeys, db.ping, dbms.cluster.statusCheck and dbms.showTopologyGraphConfig.
Others fail with ``Neo.ClientError.Procedure.ProcedureNotFound`` and Neo4j's message; so do gds.* procedures
on a member without the GDS plugin (``ClusterModel.has_gds``)."""

import fnmatch

from .. import errors, servers
from ..packstream import Duration
from .context import rows_result
from .expressions import Scope, evaluate
from .projection import apply_tail


def _components(model, ctx, db, args):
    # Per member: during a rolling upgrade each one reports the release it runs.
    return [{"name": "Neo4j Kernel", "versions": [model.server_version(ctx.member)], "edition": model.edition}]


# Dynamic settings dbms.setConfigValue changes here; others fail loudly (not simulated, never a guess).
DYNAMIC_SETTINGS = ("server.databases.read_only",)


def _set_config_value(model, ctx, db, args):
    """dbms.setConfigValue(setting, value) on the member it runs on (built-in-procedures.adoc: "affects only the
    cluster member it is run against"; "Passing an empty value results in removing the configured value")."""
    setting, value = args
    if setting not in DYNAMIC_SETTINGS:
        raise errors.Neo4jError("Neo.ClientError.Procedure.ProcedureCallFailed",
                                "Failed to invoke procedure `dbms.setConfigValue`: Caused by: "
                                "java.lang.IllegalArgumentException: the simulator does not model setting '%s'"
                                % setting, "52N37")
    names = [n.strip() for n in str(value or "").split(",") if n.strip()]
    if "system" in [n.lower() for n in names]:
        # configuration-settings.adoc: each element is a database name "but not with the name system".
        raise errors.Neo4jError("Neo.ClientError.Procedure.ProcedureCallFailed",
                                "Failed to invoke procedure `dbms.setConfigValue`: Caused by: "
                                "java.lang.IllegalArgumentException: Invalid value '%s' for setting '%s'"
                                % (value, setting), "52N37")
    model.set_read_only(ctx.member, names)
    return []


def _memory_usage(used, maximum):
    return {"committed": maximum, "init": min(maximum, 256 * 1024 * 1024), "max": maximum, "used": used}


def _jmx_beans(model, ctx):
    used, maximum = model.heap.get(ctx.member, (256 * 1024 * 1024, 1024 * 1024 * 1024))
    # JMX CompositeData comes back as {description, properties}; attributes as {description, value}.
    heap = {"description": "java.lang.management.MemoryUsage",
            "properties": _memory_usage(used, maximum)}
    non_heap = {"description": "java.lang.management.MemoryUsage",
                "properties": {"committed": 128 * 1024 * 1024, "init": 7667712, "max": -1,
                               "used": 120 * 1024 * 1024}}
    beans = {
        "java.lang:type=Memory": {
            "description": "Information on the management interface of the MBean",
            "attributes": {
                "HeapMemoryUsage": {"description": "HeapMemoryUsage", "value": heap},
                "NonHeapMemoryUsage": {"description": "NonHeapMemoryUsage", "value": non_heap},
                "ObjectPendingFinalizationCount": {"description": "ObjectPendingFinalizationCount", "value": 0},
                "Verbose": {"description": "Verbose", "value": False},
                "ObjectName": {"description": "ObjectName", "value": "java.lang:type=Memory"},
            },
        },
    }
    beans.update(_page_cache_beans(model, ctx.member))
    return beans


METRICS_MBEAN_KEYS = ("name", "name,type")


def _page_cache_beans(model, member):
    """The page-cache gauges as Neo4j's JMX metrics reporter registers them (domain ``neo4j.metrics``, metric names
    ``<server.metrics.prefix>.dbms.page_cache.<metric>`` from the metrics reference, the value in the attribute
    ``Value``, a ratio from 0 to 1 as Neo4j Browser reads it).  None for a member: metrics off, no beans."""
    figures = model.page_cache.get(member)
    if figures is None:
        return {}
    if model.metrics_mbean_keys not in METRICS_MBEAN_KEYS:
        raise ValueError("metrics_mbean_keys %r is not one of %s" % (model.metrics_mbean_keys, METRICS_MBEAN_KEYS))
    out = {}
    for metric, value in zip(("usage_ratio", "hit_ratio"), figures):
        metric_name = "%s.dbms.page_cache.%s" % (model.metrics_prefix, metric)
        object_name = "neo4j.metrics:name=" + metric_name
        if model.metrics_mbean_keys == "name,type":
            object_name += ",type=gauges"
        out[object_name] = {"description": "Information on the management interface of the MBean",
                            "attributes": {"Value": {"description": "Attribute exposed for management",
                                                     "value": float(value)}}}
    return out


def _query_jmx(model, ctx, db, args):
    pattern = args[0] if args else None
    if not isinstance(pattern, str):
        raise errors.Neo4jError("Neo.ClientError.Procedure.ProcedureCallFailed",
                                "Failed to invoke procedure `dbms.queryJmx`: Caused by: "
                                "javax.management.MalformedObjectNameException: Key properties cannot be empty",
                                "52N37")
    rows = []
    for name, bean in _jmx_beans(model, ctx).items():
        if _object_name_matches(pattern, name):
            rows.append({"name": name, "description": bean["description"], "attributes": bean["attributes"]})
    return rows


def _object_name_matches(pattern, name):
    """JMX ObjectName patterns: ``domain:key=value[,*]`` with * and ? wildcards in the domain."""
    if ":" not in pattern:
        return False
    p_domain, p_keys = pattern.split(":", 1)
    domain, keys = name.split(":", 1)
    if not fnmatch.fnmatchcase(domain, p_domain):
        return False
    wanted = [k for k in p_keys.split(",") if k]
    have = dict(kv.split("=", 1) for kv in keys.split(","))
    wildcard = "*" in wanted
    for item in wanted:
        if item == "*":
            continue
        if "=" not in item:
            return False
        key, value = item.split("=", 1)
        if key not in have or not fnmatch.fnmatchcase(have[key], value):
            return False
    return wildcard or len([w for w in wanted if w != "*"]) == len(have)


def _arrow(model, ctx, db, args):
    """gds.debug.arrow(), columns and types as the GDS manual's Monitoring table documents them
    (installation/configure-apache-arrow-server.adoc): abortionTimeout is a Duration (the YIELD block above that
    table still says Integer, from when it was a number of minutes), advertisedListenAddress "Same as
    listenAddress", serverLocation "Always NULL"."""
    info = dict(model.arrow)
    address = info.get("listenAddress")
    return [{
        "running": bool(info.get("running")),
        "enabled": bool(info.get("enabled")),
        "versions": list(info.get("versions") or []),
        "listenAddress": address,
        "batchSize": info.get("batchSize"),
        "abortionTimeout": _duration(info.get("abortionTimeout")),
        "advertisedListenAddress": address,
        "serverLocation": None,
    }]


def _duration(text):
    """``10m``/``30s``/``1h`` (or a bare number of minutes, as older GDS took it) -> Duration."""
    text = str(text or "10m").strip()
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    unit = next((u for u in ("ms", "s", "m", "h") if text.endswith(u)), "m")
    seconds = float(text[:-len(unit)] if text.endswith(unit) else text) * units[unit]
    return Duration(0, 0, int(seconds), int(round((seconds - int(seconds)) * 1e9)))


def _topology_graph_config(model, ctx, db, args):
    return [model.topology_graph_config()]


def _set_default_allocation_numbers(model, ctx, db, args):
    """dbms.setDefaultAllocationNumbers(primaries, secondaries): the topology of databases created without one
    (clustering/databases.adoc; procedures/built-in-procedures.adoc: admin, WRITE, no result columns)."""
    primaries, secondaries = args
    if not isinstance(primaries, int) or not isinstance(secondaries, int) or primaries < 1 or secondaries < 0:
        raise errors.Neo4jError("Neo.ClientError.Procedure.ProcedureCallFailed",
                                "Failed to invoke procedure `dbms.setDefaultAllocationNumbers`: the number of "
                                "primaries must be at least 1 and of secondaries at least 0.", "52N37")
    model.default_primaries, model.default_secondaries = primaries, secondaries
    return []


def _labels(model, ctx, db, args):
    return [{"label": label} for label, count in sorted(db.graph.label_counts.items()) if count > 0]


def _relationship_types(model, ctx, db, args):
    return [{"relationshipType": t} for t, count in sorted(db.graph.type_counts.items()) if count > 0]


def _property_keys(model, ctx, db, args):
    keys = sorted(set(db.graph.node_properties) | set(db.graph.relationship_properties))
    return [{"propertyKey": k} for k in keys]


def _ping(model, ctx, db, args):
    return [{"success": True}]


def _status_check(model, ctx, db, args):
    """dbms.cluster.statusCheck(databases, timeoutMilliseconds) for this member (5.24+)."""
    wanted = args[0] if args else []
    if wanted is not None and not isinstance(wanted, list):
        raise errors.Neo4jError("Neo.ClientError.Statement.TypeError",
                                "Type mismatch: expected List<String> but was %s" % type(wanted).__name__, "22G03")
    rows = []
    for target in sorted(model.databases.values(), key=lambda d: d.name):
        if wanted and target.name not in wanted:
            continue
        for server_name, alloc in target.allocations.items():
            if alloc.role != "primary":
                continue
            server = model.servers[server_name]
            available = server.available and alloc.current() == "online"
            leader = target.writer
            rows.append({
                "database": target.name,
                "serverId": server.server_id,
                "serverName": server.shown_name,
                "address": server.address,
                "replicationSuccessful": bool(available and leader),
                "memberStatus": ("REPLICATING" if server_name == leader else "APPLYING") if available
                else "UNAVAILABLE",
                "recognisedLeader": model.servers[leader].server_id if leader else None,
                "recognisedLeaderTerm": 1 if leader else None,
                "requester": server_name == ctx.member,
                "error": None if available else "Server is unavailable",
            })
    return rows


def _cordon_server(model, ctx, db, args):
    """dbms.cluster.cordonServer(server): Neo4j has no CORDON SERVER command; cordoning is this procedure
    (clustering/servers.adoc "Error handling"; procedures/built-in-procedures.adoc: admin, WRITE, no columns)."""
    servers.cordon(model, str(args[0]))
    return []


# name -> (columns, where it runs: "any" | "user" | "system", implementation)
PROCEDURES = {
    "dbms.components": (["name", "versions", "edition"], "any", _components),
    "dbms.queryJmx": (["name", "description", "attributes"], "any", _query_jmx),
    "gds.debug.arrow": (["running", "enabled", "versions", "listenAddress", "batchSize", "abortionTimeout",
                         "advertisedListenAddress", "serverLocation"], "user", _arrow),
    "db.labels": (["label"], "user", _labels),
    "db.relationshipTypes": (["relationshipType"], "user", _relationship_types),
    "db.propertyKeys": (["propertyKey"], "user", _property_keys),
    "db.ping": (["success"], "any", _ping),
    "dbms.cluster.statusCheck": (["database", "serverId", "serverName", "address", "replicationSuccessful",
                                  "memberStatus", "recognisedLeader", "recognisedLeaderTerm", "requester",
                                  "error"], "any", _status_check),
    # Operations Manual 5.x procedures/built-in-procedures.adoc: admin only, READ.
    "dbms.showTopologyGraphConfig": (["allocator", "defaultPrimariesCount", "defaultSecondariesCount",
                                      "defaultDatabase", "autoEnableFreeServers"], "system", _topology_graph_config),
    "dbms.setDefaultAllocationNumbers": ([], "system_write", _set_default_allocation_numbers),
    "dbms.cluster.cordonServer": ([], "system_write", _cordon_server),
    # built-in-procedures.adoc (5.x and dev): dbms.setConfigValue(setting, value), mode DBMS, admin only.
    "dbms.setConfigValue": ([], "system", _set_config_value),
}
ARITY = {"dbms.setConfigValue": (2, 2), "dbms.cluster.cordonServer": (1, 1), "dbms.queryJmx": (1, 1),
         "dbms.cluster.statusCheck": (1, 2), "dbms.setDefaultAllocationNumbers": (2, 2)}
SIGNATURES = {"dbms.setConfigValue": ["setting", "value"], "dbms.cluster.cordonServer": ["server"],
              "dbms.queryJmx": ["query"], "dbms.cluster.statusCheck": ["databases", "timeoutMilliseconds"],
              "dbms.setDefaultAllocationNumbers": ["primaries", "secondaries"]}


def not_found(name):
    return errors.Neo4jError(
        "Neo.ClientError.Procedure.ProcedureNotFound",
        "There is no procedure with the name `%s` registered for this database instance. Please ensure you've "
        "spelled the procedure name correctly and that the procedure is properly deployed." % name, "42N08",
        "error: syntax error or access rule violation - no such procedure. The procedure `%s` was not found. "
        "Verify that the spelling is correct." % name)


def classify(cmd, ctx=None):
    entry = PROCEDURES.get(cmd.procedure)
    if entry is None:
        raise not_found(cmd.procedure)
    runs_on = entry[1]
    if cmd.procedure.startswith("gds.") and ctx is not None:
        # The GDS plugin is installed on the GDS member only: elsewhere its procedures do not exist.
        if not ctx.model.has_gds(ctx.member):
            raise not_found(cmd.procedure)
        # gds.debug.arrow on system: undocumented (gds.debug.sysInfo is a @SystemProcedure), a switch.
        runs_on = "any" if ctx.model.gds_debug_arrow_on_system == "allowed" else "user"
    return {"any": "any", "user": "read", "system": "admin_read", "system_write": "admin_write"}[runs_on]


def call(model, ctx, cmd, db):
    columns, _runs_on, impl = PROCEDURES[cmd.procedure]
    low, high = ARITY.get(cmd.procedure, (0, 0))
    if cmd.args is None:  # CALL name without parentheses: arguments come from same-named parameters
        args = [cmd.params[p] for p in SIGNATURES.get(cmd.procedure, []) if p in cmd.params]
    else:
        args = [evaluate(a, Scope({}, cmd.params)) for a in cmd.args]
    if not low <= len(args) <= high:
        raise errors.syntax_error(
            "Procedure call does not provide the required number of arguments: got %d expected at least %d "
            "(total: %d, %d of which have default values)." % (len(args), low, high, high - low), "42N05")
    rows = impl(model, ctx, db, args)
    fields, records = apply_tail(rows, columns, columns, cmd.tail, cmd.params, cmd.query)
    return rows_result(fields, records, db)

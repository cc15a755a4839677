# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What neo4j_info gathers: cluster facts read with SHOW commands and procedures, plus a health verdict.

The row-shaping and the health verdict are pure functions over result rows, so they are unit-tested
without a server.  ``gather`` runs the statements through a ``connection.Neo4jClient``.

The health verdict follows the cluster health checks of Neo4j's rolling-upgrade procedure: every
server ``Enabled`` and ``Available``, every server hosting what it is requested to host, and no
database allocation whose ``currentStatus`` differs from its ``requestedStatus``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from .databases import server_names, summarize
from .results import alias_result, database_result, keyed_results

SUBSETS = ("servers", "databases", "aliases", "users", "roles", "version", "memory", "health")
SUBSET_ALIASES = {"jmx": "memory"}

SHOW_SERVERS = "SHOW SERVERS YIELD *"
SHOW_DATABASES = "SHOW DATABASES YIELD *"
SHOW_ALIASES = "SHOW ALIASES FOR DATABASE YIELD *"
SHOW_USERS = "SHOW USERS YIELD *"
SHOW_ROLES = "SHOW ROLES WITH USERS YIELD role, member"
QUERY_JMX = "CALL dbms.queryJmx($query) YIELD name, attributes RETURN name, attributes"
MEMORY_MBEAN = "java.lang:type=Memory"
# Neo4j Enterprise's page-cache gauges over JMX (server.metrics.jmx.enabled, default true): MBeans in the domain
# neo4j.metrics named after the metric, <server.metrics.prefix>.dbms.page_cache.usage_ratio and .hit_ratio
# (Operations Manual, monitoring/metrics/reference.adoc and expose.adoc).  The pattern leaves the prefix open and,
# with the trailing `,*`, any further key of the ObjectName, which the manual does not fix.
PAGE_CACHE_MBEANS = "neo4j.metrics:name=*.page_cache.*_ratio,*"
PAGE_CACHE_OFF = ("dbms.queryJmx found no page-cache metrics (neo4j.metrics:name=*.page_cache.*_ratio): metrics are "
                  "off on this member (server.metrics.enabled, server.metrics.jmx.enabled), filtered out "
                  "(server.metrics.filter) or not in this edition")


class SubsetError(ValueError):
    """gather_subset names something unknown."""


def parse_gather_subset(values):
    """``gather_subset`` -> the set of subsets to gather.

    ``all`` selects everything; ``!name`` excludes a subset; a list of exclusions only starts from
    ``all``, like ``gather_subset`` of other ``*_info`` modules.  ``jmx`` is another name for ``memory``.
    """
    values = [v.strip().lower() for v in (values or ["all"]) if v and v.strip()]
    if not values:
        values = ["all"]
    include, exclude = set(), set()
    for value in values:
        negate = value.startswith("!")
        name = value[1:] if negate else value
        name = SUBSET_ALIASES.get(name, name)
        if name == "all":
            names = set(SUBSETS)
        elif name in SUBSETS:
            names = {name}
        else:
            raise SubsetError("gather_subset: unknown subset '%s'; use all, %s or jmx, optionally prefixed with '!'."
                              % (name, ", ".join(SUBSETS)))
        (exclude if negate else include).update(names)
    if not include:
        include = set(SUBSETS)
    return include - exclude


# ----- shaping rows ----------------------------------------------------------------------------

def _without(row, *keys):
    return dict((k, v) for k, v in row.items() if k not in keys)


def servers_from_rows(rows):
    """SHOW SERVERS rows -> {name: row without name}, in the order the server lists them."""
    return dict((row["name"], _without(row, "name")) for row in rows)


def server_names_by_id(servers):
    """``servers_from_rows`` output -> {serverId: name}."""
    return server_names(dict(info, name=name) for name, info in servers.items())


def databases_from_rows(rows, names_by_id=None):
    """SHOW DATABASES rows (one per allocation) -> {name: database facts}.

    Each database is shaped by ``databases.summarize`` (``members`` keyed by server name, ``writer``),
    the shape neo4j_database returns too, plus ``healthy``: whether every member has reached the
    requested status.
    """
    grouped = {}
    for row in rows:
        grouped.setdefault(row["name"], []).append(row)
    out = {}
    for name, db_rows in grouped.items():
        db = summarize(db_rows, names_by_id)
        del db["name"]
        db["healthy"] = not database_problems(name, db)
        out[name] = db
    return out


def database_problems(name, db):
    """Reasons a database is not where it was asked to be, one per member."""
    requested = db.get("requestedStatus")
    reasons = []
    for member, alloc in db["members"].items():
        current = alloc.get("currentStatus")
        if current != requested:
            reason = "database %s on %s: current_status %s, requested_status %s" % (name, member, current, requested)
            if alloc.get("statusMessage"):
                reason += " (%s)" % alloc["statusMessage"]
            reasons.append(reason)
    return reasons


def aliases_from_rows(rows):
    return dict((row["name"], _without(row, "name")) for row in rows)


def users_from_rows(rows):
    return dict((row["user"], _without(row, "user")) for row in rows)


def roles_from_rows(rows):
    """SHOW ROLES WITH USERS rows (one per role and member) -> {role: {"members": [...]}}."""
    out = {}
    for row in rows:
        members = out.setdefault(row["role"], {"members": []})["members"]
        if row.get("member") is not None and row["member"] not in members:
            members.append(row["member"])
    for role in out.values():
        role["members"].sort()
    return out


def _usage(value):
    """A JMX MemoryUsage as dbms.queryJmx returns it: CompositeData -> {description, properties}."""
    if isinstance(value, dict) and isinstance(value.get("value"), dict):
        value = value["value"]
    if isinstance(value, dict) and isinstance(value.get("properties"), dict):
        value = value["properties"]
    if not isinstance(value, dict):
        return None
    return dict((k, value.get(k)) for k in ("init", "used", "committed", "max"))


def heap_from_jmx_rows(rows):
    """dbms.queryJmx('java.lang:type=Memory') rows -> heap and non-heap use in bytes."""
    for row in rows:
        attributes = row.get("attributes") or {}
        heap = _usage(attributes.get("HeapMemoryUsage"))
        if heap is None:
            continue
        out = dict(heap=heap, non_heap=_usage(attributes.get("NonHeapMemoryUsage")), heap_used_percent=None)
        if heap.get("used") is not None and heap.get("max") and heap["max"] > 0:
            out["heap_used_percent"] = round(100.0 * heap["used"] / heap["max"], 1)
        return out
    return None


def _object_name_key(object_name, key):
    """The value of ``key`` in a JMX ObjectName string ``domain:k=v,k2=v2`` (None when absent)."""
    for item in object_name.partition(":")[2].split(","):
        name, equals, value = item.partition("=")
        if equals and name == key:
            return value.strip('"')
    return None


def page_cache_from_jmx_rows(rows):
    """dbms.queryJmx(PAGE_CACHE_MBEANS) rows -> {usage_ratio, hit_ratio} (0 to 1), or None when there is neither."""
    found = {}
    for row in rows:
        metric = _object_name_key(row.get("name") or "", "name") or ""
        for ratio in ("usage_ratio", "hit_ratio"):
            if metric.endswith(".page_cache." + ratio):
                value = ((row.get("attributes") or {}).get("Value") or {}).get("value")
                # A ratio with nothing to divide (no page-cache lookups yet) can be NaN: no figure, not a zero.
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                    found[ratio] = float(value)
    if not found:
        return None
    return dict(usage_ratio=found.get("usage_ratio"), hit_ratio=found.get("hit_ratio"))


def _percent(ratio):
    return None if ratio is None else round(100.0 * ratio, 1)


# ----- health ----------------------------------------------------------------------------------

def server_problems(servers):
    """Reasons from SHOW SERVERS: state, health and hosting versus requestedHosting."""
    reasons = []
    for name, info in servers.items():
        where = "server %s (%s)" % (name, info.get("address")) if info.get("address") else "server %s" % name
        if info.get("state") != "Enabled":
            reasons.append("%s: state is %s, not Enabled" % (where, info.get("state")))
        if info.get("health") != "Available":
            reasons.append("%s: health is %s, not Available" % (where, info.get("health")))
        hosting, requested = info.get("hosting"), info.get("requestedHosting")
        if hosting is not None and requested is not None and sorted(hosting) != sorted(requested):
            missing = sorted(set(requested) - set(hosting))
            extra = sorted(set(hosting) - set(requested))
            detail = []
            if missing:
                detail.append("not yet hosting %s" % ", ".join(missing))
            if extra:
                detail.append("still hosting %s" % ", ".join(extra))
            reasons.append("%s: %s" % (where, "; ".join(detail)))
    return reasons


def health_verdict(servers, databases):
    """(healthy, reasons) for the cluster, from ``servers_from_rows`` and ``databases_from_rows`` output."""
    reasons = server_problems(servers)
    for name, db in databases.items():
        reasons.extend(database_problems(name, db))
    return not reasons, reasons


# ----- gathering -------------------------------------------------------------------------------

def gather(client, subsets, member_client=None):
    """Run what ``subsets`` needs through ``client`` and return the facts.

    ``member_client(address)`` returns a client connected to exactly one member (for JMX, which is
    per JVM); its failures are reported per member, never raised.
    """
    facts = {}
    servers = databases = None

    def read(query, params=None):
        return client.read(query, params, database="system").rows

    if subsets & {"servers", "health", "memory", "databases"}:
        servers = servers_from_rows(read(SHOW_SERVERS))
    if subsets & {"databases", "health"}:
        databases = databases_from_rows(read(SHOW_DATABASES), server_names_by_id(servers))
    # Neo4j's columns leave the module as snake_case result keys (results.py).
    if "servers" in subsets:
        facts["servers"] = keyed_results(servers)
    if "databases" in subsets:
        facts["databases"] = keyed_results(databases, database_result)
    if "aliases" in subsets:
        facts["aliases"] = keyed_results(aliases_from_rows(read(SHOW_ALIASES)), alias_result)
    if "users" in subsets:
        facts["users"] = keyed_results(users_from_rows(read(SHOW_USERS)))
    if "roles" in subsets:
        facts["roles"] = roles_from_rows(read(SHOW_ROLES))
    if "version" in subsets:
        info = client.server_info()
        facts["version"] = info.get("version")
        facts["edition"] = info.get("edition")
    if "memory" in subsets:
        facts["memory"] = gather_memory(servers, member_client)
    if "health" in subsets:
        facts["healthy"], facts["health_reasons"] = health_verdict(servers, databases)
    return facts


def gather_memory(servers, member_client):
    """JMX heap use of every member, read over a direct connection to its Bolt address."""
    out = {}
    for name, info in servers.items():
        address = info.get("address")
        entry = dict(address=address, reachable=False, heap=None, non_heap=None, heap_used_percent=None, error=None,
                     page_cache=None, page_cache_usage_percent=None, page_cache_hit_percent=None,
                     page_cache_error=None)
        out[name] = entry
        if not address or member_client is None:
            entry["error"] = entry["page_cache_error"] = "no Bolt address known for this server"
            continue
        try:
            with member_client(address) as member:
                rows = member.read(QUERY_JMX, {"query": MEMORY_MBEAN}, database="system").rows
                cache_rows = member.read(QUERY_JMX, {"query": PAGE_CACHE_MBEANS}, database="system").rows
        except Exception as exc:  # an unreachable member is a fact to report, not a failure
            entry["error"] = entry["page_cache_error"] = str(exc)
            continue
        entry["reachable"] = True
        memory = heap_from_jmx_rows(rows)
        if memory is None:
            entry["error"] = "dbms.queryJmx returned no HeapMemoryUsage for %s" % MEMORY_MBEAN
        else:
            entry.update(memory)
        cache = page_cache_from_jmx_rows(cache_rows)
        if cache is None:
            entry["page_cache_error"] = PAGE_CACHE_OFF
        else:
            entry.update(page_cache=cache, page_cache_usage_percent=_percent(cache["usage_ratio"]),
                         page_cache_hit_percent=_percent(cache["hit_ratio"]))
    return out


def member_params(params, address):
    """Connection params for exactly one member at ``address`` (host:port from SHOW SERVERS).

    Same credentials and TLS settings, a ``bolt`` scheme with the same security suffix (no routing,
    so the statement runs on that member).  Build the client with ``retries=False``: an unreachable
    member is reported at once.
    """
    uri = params.get("uri") or ""
    scheme = (uri.split("://", 1)[0] if "://" in uri else params.get("scheme") or "neo4j").lower()
    security = scheme.partition("+")[2]
    out = dict(params)
    out.update(uri="bolt%s://%s" % ("+" + security if security else "", address), host=None, bolt_port=None,
               scheme=None, endpoints=None)
    return out

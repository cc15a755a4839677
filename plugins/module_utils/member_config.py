# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The neo4j.conf settings of one cluster member, for the release it runs (5.26 LTS or 2025.01 and later).

Sources (neo4j/docs-operations, branch 5.x for 5.26 and dev for the calendar releases):

* discovery: ``clustering/setup/discovery.adoc``.  5.26 runs discovery v2 only with
  ``dbms.cluster.discovery.version=V2_ONLY`` and ``dbms.cluster.discovery.v2.endpoints`` (the default version is
  V1_ONLY, ``configuration/configuration-settings.adoc``); 2025.01 removed discovery v1 and
  ``dbms.cluster.discovery.version`` and renamed the endpoints setting ``dbms.cluster.endpoints``
  (dev ``breaking-changes.adoc``).  Endpoints are the members' ``server.cluster.advertised_address`` (port 6000).
* the analytics (GDS) and other secondaries: ``initial.server.mode_constraint=SECONDARY`` and
  ``server.cluster.system_database_mode=SECONDARY`` (``clustering/setup/analytics-cluster.adoc``).
* ``dbms.cluster.minimum_initial_system_primaries_count`` must be the number of primaries when it is not 3
  (``clustering/setup/deploy.adoc``).
* TLS policies ``dbms.ssl.policy.<scope>.*``, ``server.bolt.tls_level``, ``server.https.enabled``
  (``security/ssl-framework.adoc``); client_auth NONE for bolt and https, REQUIRE for cluster and backup, as there.
* memory: :func:`memory_recommendation` is ``neo4j-admin server memory-recommendation``.
* GDS Arrow: ``gds.arrow.enabled``, ``gds.arrow.listen_address``, ``gds.arrow.advertised_listen_address``
  (GDS manual, installation/configuration-settings); GDS procedures need ``dbms.security.procedures.unrestricted``.

Pure Python: the filter plugin ``graphops.neo4j.neo4j_member_settings`` and the unit tests call it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
TIB = 1024 * GIB

# neo4j-admin server memory-recommendation (neo4j/neo4j community/dbms, org.neo4j.dbms.MemoryRecommendation):
# {system memory GiB, OS reserve GiB, heap GiB}; the page cache gets what is left, at least 8 MiB, at most 16 TiB;
# values between two brackets are interpolated linearly.
_BRACKETS = (
    (0.01, 0.007, 0.002), (1.0, 0.65, 0.3), (2.0, 1, 0.5), (4.0, 1.5, 2), (6.0, 2, 3), (8.0, 2.5, 3.5),
    (10.0, 3, 4), (12.0, 3.5, 4.5), (16.0, 4, 5), (24.0, 6, 8), (32.0, 8, 12), (64.0, 12, 24),
    (128.0, 16, 31), (256.0, 20, 31), (512.0, 24, 31), (1024.0, 30, 31),
)

CALVER_FIRST = (2025, 1)
LTS = (5, 26)

TLS_SCOPES = ("bolt", "https", "cluster", "backup")
# security/ssl-framework.adoc examples: clients of bolt and https are not asked for certificates, members are.
_CLIENT_AUTH = {"bolt": "NONE", "https": "NONE", "cluster": "REQUIRE", "backup": "REQUIRE"}

MODES = ("PRIMARY", "SECONDARY", "NONE")


class MemberConfigError(ValueError):
    """Input that cannot make a valid configuration; the message names the variable and the problem."""


def _recommend(total_bytes, column):
    gib = float(total_bytes) / GIB
    lower = upper = _BRACKETS[-1]
    for i in range(1, len(_BRACKETS)):
        if gib < _BRACKETS[i][0]:
            lower, upper = _BRACKETS[i - 1], _BRACKETS[i]
            break
    factor = 0.0 if lower is upper else (gib - lower[0]) / (upper[0] - lower[0])
    value = lower[column] + (upper[column] - lower[column]) * factor
    return int(value * 1024.0) * MIB


def format_size(size):
    """Neo4j's ``MemoryRecommendation.bytesToString``: ``5g``, ``5200m``, ``800m``, ``300k``."""
    size = float(size)
    if size >= GIB:
        if size % GIB >= 100 * MIB:
            return "%dm" % (int(math.floor(size / (100 * MIB) + 0.5)) * 100)
        return "%.0fg" % (size / GIB)
    if size >= MIB:
        if size % MIB >= 100 * KIB:
            return "%dk" % (int(math.floor(size / (100 * KIB) + 0.5)) * 100)
        return "%.0fm" % (size / MIB)
    return "%dk" % int(math.ceil(size / KIB))


def memory_recommendation(total_bytes):
    """Heap and page cache for a host with ``total_bytes`` dedicated to Neo4j, as
    ``neo4j-admin server memory-recommendation --memory=<total>`` prints them (transaction state on heap, the
    default, so nothing is set aside off heap).  16 GiB gives heap 5g and page cache 7g, the manual's example
    (tools/neo4j-admin/neo4j-admin-memrec.adoc)."""
    if total_bytes <= 0:
        raise MemberConfigError("the memory must be more than 0 bytes, got %r" % total_bytes)
    heap = _recommend(total_bytes, 2)
    os_reserve = _recommend(total_bytes, 1)
    pagecache = min(max(total_bytes - os_reserve - heap, 8 * MIB), 16 * TIB)
    return {
        "server.memory.heap.initial_size": format_size(heap),
        "server.memory.heap.max_size": format_size(heap),
        "server.memory.pagecache.size": format_size(pagecache),
    }


def parse_version(version):
    """``5.26.3`` -> (5, 26); ``2026.07.0`` -> (2026, 7).  Only the releases this collection runs are accepted."""
    match = re.match(r"^(\d+)\.(\d+)(\.\d+)?$", str(version).strip())
    if not match:
        raise MemberConfigError("neo4j_cluster_version: %r is not a Neo4j version such as 5.26.0 or 2026.07.0"
                                % (version,))
    parsed = (int(match.group(1)), int(match.group(2)))
    if parsed[0] == 5 and parsed[1] == 26 or parsed >= CALVER_FIRST:
        return parsed
    raise MemberConfigError("neo4j_cluster_version: %s is not supported; use 5.26 LTS or a 2025.x/2026.x release"
                            % version)


def is_calver(version):
    return parse_version(version) >= CALVER_FIRST


def _address(host, port):
    host = str(host)
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host  # an IPv6 literal
    return "%s:%d" % (host, int(port))


def _mode(value, what):
    value = str(value).upper()
    if value not in MODES:
        raise MemberConfigError("%s: %r is not one of %s" % (what, value, ", ".join(MODES)))
    return value


def member_settings(member, cluster):
    """The settings (name -> value) of one member.

    ``member``: ``advertised_host``, ``listen_host``, ``ports`` (bolt, http, https, cluster, raft, routing, backup,
    arrow), ``role`` (primary or secondary), ``gds`` (bool), ``backup`` (bool), ``mode_constraint`` (optional),
    ``memory`` (bytes), ``heap_size`` / ``pagecache_size`` (optional overrides), ``data_directory`` (optional: an
    existing data directory the member starts from, ``server.directories.data``).
    ``cluster``: ``version``, ``endpoints`` (cluster advertised addresses of the members), ``primaries_count``,
    ``tls`` (scope -> bool), ``tls_directory``, ``gds_license_file``, ``settings`` (extra settings, which win).
    """
    version = cluster["version"]
    calver = is_calver(version)
    ports = member["ports"]
    adv = member["advertised_host"]
    listen = member.get("listen_host") or "0.0.0.0"
    role = member.get("role", "primary")
    if role not in ("primary", "secondary"):
        raise MemberConfigError("role: %r is not primary or secondary" % (role,))
    endpoints = list(cluster.get("endpoints") or [])
    if not endpoints:
        raise MemberConfigError("the cluster has no members to list in its discovery endpoints")

    s = {
        "server.default_listen_address": listen,
        "server.default_advertised_address": adv,
        "dbms.cluster.discovery.resolver_type": "LIST",
        "server.bolt.enabled": "true",
        "server.bolt.listen_address": _address(listen, ports["bolt"]),
        "server.bolt.advertised_address": _address(adv, ports["bolt"]),
        "server.http.listen_address": _address(listen, ports["http"]),
        "server.http.advertised_address": _address(adv, ports["http"]),
        "server.cluster.listen_address": _address(listen, ports["cluster"]),
        "server.cluster.advertised_address": _address(adv, ports["cluster"]),
        "server.cluster.raft.listen_address": _address(listen, ports["raft"]),
        "server.cluster.raft.advertised_address": _address(adv, ports["raft"]),
        "server.routing.listen_address": _address(listen, ports["routing"]),
        "server.routing.advertised_address": _address(adv, ports["routing"]),
        "dbms.cluster.minimum_initial_system_primaries_count": str(int(cluster.get("primaries_count") or 3)),
    }
    if calver:
        s["dbms.cluster.endpoints"] = ",".join(endpoints)
    else:
        s["dbms.cluster.discovery.v2.endpoints"] = ",".join(endpoints)
        s["dbms.cluster.discovery.version"] = "V2_ONLY"

    if role == "secondary":
        s["initial.server.mode_constraint"] = _mode(member.get("mode_constraint") or "SECONDARY",
                                                    "neo4j_cluster_mode_constraint")
        s["server.cluster.system_database_mode"] = "SECONDARY"
    else:
        s["initial.server.mode_constraint"] = _mode(member.get("mode_constraint") or "NONE",
                                                    "neo4j_cluster_mode_constraint")
        s["server.cluster.system_database_mode"] = "PRIMARY"

    # A member may start from an existing data directory (a restored or copied volume); its store files become
    # databases with CREATE DATABASE ... OPTIONS {existingData: 'use', existingDataSeedServer: ...}.
    if member.get("data_directory"):
        s["server.directories.data"] = str(member["data_directory"])

    memory = member.get("memory")
    if memory:
        s.update(memory_recommendation(int(memory)))
    if member.get("heap_size"):
        s["server.memory.heap.initial_size"] = s["server.memory.heap.max_size"] = str(member["heap_size"])
    if member.get("pagecache_size"):
        s["server.memory.pagecache.size"] = str(member["pagecache_size"])

    tls = cluster.get("tls") or {}
    unknown = sorted(set(tls) - set(TLS_SCOPES))
    if unknown:
        raise MemberConfigError("neo4j_cluster_tls: unknown scope %s; the scopes are %s"
                                % (", ".join(unknown), ", ".join(TLS_SCOPES)))
    tls_dir = cluster.get("tls_directory") or "certificates"
    for scope in TLS_SCOPES:
        if not tls.get(scope):
            continue
        prefix = "dbms.ssl.policy.%s." % scope
        s[prefix + "enabled"] = "true"
        s[prefix + "base_directory"] = "%s/%s" % (tls_dir.rstrip("/"), scope)
        s[prefix + "private_key"] = "private.key"
        s[prefix + "public_certificate"] = "public.crt"
        s[prefix + "client_auth"] = _CLIENT_AUTH[scope]
    s["server.bolt.tls_level"] = "REQUIRED" if tls.get("bolt") else "DISABLED"
    if tls.get("https"):
        s["server.https.enabled"] = "true"
        s["server.https.listen_address"] = _address(listen, ports["https"])
        s["server.https.advertised_address"] = _address(adv, ports["https"])
        s["server.http.enabled"] = "false"
    else:
        s["server.https.enabled"] = "false"
        s["server.http.enabled"] = "true"

    # server.backup.enabled defaults to true on 127.0.0.1:6362: only the backup member listens, on its address.
    if member.get("backup"):
        s["server.backup.enabled"] = "true"
        s["server.backup.listen_address"] = _address(listen, ports["backup"])
    else:
        s["server.backup.enabled"] = "false"

    if member.get("gds"):
        s["gds.arrow.enabled"] = "true"
        s["gds.arrow.listen_address"] = _address(listen, ports["arrow"])
        s["gds.arrow.advertised_listen_address"] = _address(adv, ports["arrow"])
        s["dbms.security.procedures.unrestricted"] = "gds.*"
        if cluster.get("gds_license_file"):
            s["gds.enterprise.license_file"] = str(cluster["gds_license_file"])

    for name, value in (cluster.get("settings") or {}).items():
        if name == "server.jvm.additional":
            raise MemberConfigError("neo4j_cluster_settings: set server.jvm.additional with neo4j_cluster_jvm_additional "
                                    "(a list: it is the one setting neo4j.conf may repeat)")
        if member.get("gds") is False and str(name).startswith("gds."):
            raise MemberConfigError("neo4j_cluster_settings: %s is a GDS setting; only the GDS member has the plugin, "
                                    "and strict validation refuses settings no plugin declares" % name)
        s[str(name)] = _conf_value(value)
    return s


def _conf_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)

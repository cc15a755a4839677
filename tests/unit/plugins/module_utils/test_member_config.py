"""A member's neo4j.conf settings per release, and Neo4j's memory recommendation (module_utils/member_config.py)."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils.member_config import (
    GIB,
    MIB,
    MemberConfigError,
    format_size,
    member_settings,
    memory_recommendation,
)

PORTS = dict(bolt=7687, http=7474, https=7473, cluster=6000, raft=7000, routing=7688, backup=6362, arrow=8491)
ENDPOINTS = ["db1.example.com:6000", "db2.example.com:6000", "db3.example.com:6000"]


def member(**kw):
    values = dict(advertised_host="db1.example.com", ports=PORTS, role="primary")
    values.update(kw)
    return values


def cluster(version="5.26.0", **kw):
    values = dict(version=version, endpoints=ENDPOINTS, primaries_count=3)
    values.update(kw)
    return values


@pytest.mark.parametrize("total, heap, pagecache", [
    # tools/neo4j-admin/neo4j-admin-memrec.adoc: --memory=16g gives heap 5g, page cache 7g
    (16 * GIB, "5g", "7g"),
    (8 * GIB, "3600m", "2g"),  # 3.5 GiB prints as 3600m (Math.round(35.84) * 100)
    (32 * GIB, "12g", "12g"),
    (64 * GIB, "24g", "28g"),
    (256 * GIB, "31g", "205g"),
    (2048 * GIB, "31g", "1987g"),  # beyond the last bracket: heap stays at 31g
    (20 * GIB, "6700m", "8700m"),  # between brackets: interpolated
])
def test_memory_recommendation_follows_neo4j_admin(total, heap, pagecache):
    rec = memory_recommendation(total)
    assert rec == {"server.memory.heap.initial_size": heap, "server.memory.heap.max_size": heap,
                   "server.memory.pagecache.size": pagecache}


def test_memory_recommendation_page_cache_floor():
    assert memory_recommendation(64 * MIB)["server.memory.pagecache.size"] == "8m"
    with pytest.raises(MemberConfigError):
        memory_recommendation(0)


@pytest.mark.parametrize("size, text", [(5 * GIB, "5g"), (5 * GIB + 512 * MIB, "5600m"), (7 * MIB, "7m"),
                                        (1536 * 1024, "1500k"), (1000, "1k")])
def test_format_size_is_neo4j_bytes_to_string(size, text):
    assert format_size(size) == text


def test_526_uses_discovery_v2_settings():
    s = member_settings(member(), cluster("5.26.0"))
    assert s["dbms.cluster.discovery.v2.endpoints"] == ",".join(ENDPOINTS)
    assert s["dbms.cluster.discovery.version"] == "V2_ONLY"
    assert "dbms.cluster.endpoints" not in s
    assert s["dbms.cluster.discovery.resolver_type"] == "LIST"


@pytest.mark.parametrize("version", ["2025.01.0", "2025.10.1", "2026.07.0"])
def test_calendar_releases_use_cluster_endpoints(version):
    s = member_settings(member(), cluster(version))
    assert s["dbms.cluster.endpoints"] == ",".join(ENDPOINTS)
    assert "dbms.cluster.discovery.version" not in s
    assert "dbms.cluster.discovery.v2.endpoints" not in s


@pytest.mark.parametrize("version", ["5.25.0", "4.4.30", "2024.12.0", "latest", "5"])
def test_unsupported_versions_are_refused(version):
    with pytest.raises(MemberConfigError, match="neo4j_cluster_version"):
        member_settings(member(), cluster(version))


def test_addresses_and_modes():
    s = member_settings(member(listen_host="10.0.0.1"), cluster())
    assert s["server.bolt.listen_address"] == "10.0.0.1:7687"
    assert s["server.bolt.advertised_address"] == "db1.example.com:7687"
    assert s["server.cluster.advertised_address"] == "db1.example.com:6000"
    assert s["server.cluster.raft.advertised_address"] == "db1.example.com:7000"
    assert s["server.routing.advertised_address"] == "db1.example.com:7688"
    assert s["initial.server.mode_constraint"] == "NONE"
    assert s["server.cluster.system_database_mode"] == "PRIMARY"
    assert s["server.backup.enabled"] == "false"
    assert not any(k.startswith("gds.") for k in s)
    sec = member_settings(member(role="secondary"), cluster())
    assert sec["initial.server.mode_constraint"] == "SECONDARY"
    assert sec["server.cluster.system_database_mode"] == "SECONDARY"


def test_gds_and_backup_members():
    s = member_settings(member(role="secondary", gds=True, backup=True), cluster(gds_license_file="/l/gds.license"))
    assert s["gds.arrow.enabled"] == "true"
    assert s["gds.arrow.listen_address"] == "0.0.0.0:8491"
    assert s["gds.arrow.advertised_listen_address"] == "db1.example.com:8491"
    assert s["gds.enterprise.license_file"] == "/l/gds.license"
    assert s["dbms.security.procedures.unrestricted"] == "gds.*"
    assert s["server.backup.enabled"] == "true"
    assert s["server.backup.listen_address"] == "0.0.0.0:6362"


def test_tls_policies():
    s = member_settings(member(), cluster(tls={"bolt": True, "https": True, "cluster": True, "backup": True},
                                          tls_directory="/etc/neo4j/certificates"))
    for scope, auth in (("bolt", "NONE"), ("https", "NONE"), ("cluster", "REQUIRE"), ("backup", "REQUIRE")):
        assert s["dbms.ssl.policy.%s.enabled" % scope] == "true"
        assert s["dbms.ssl.policy.%s.base_directory" % scope] == "/etc/neo4j/certificates/" + scope
        assert s["dbms.ssl.policy.%s.client_auth" % scope] == auth
    assert s["server.bolt.tls_level"] == "REQUIRED"
    assert s["server.https.enabled"] == "true" and s["server.http.enabled"] == "false"
    plain = member_settings(member(), cluster())
    assert not any(k.startswith("dbms.ssl.policy") for k in plain)
    assert plain["server.bolt.tls_level"] == "DISABLED"
    with pytest.raises(MemberConfigError, match="neo4j_cluster_tls: unknown scope fabric"):
        member_settings(member(), cluster(tls={"fabric": True}))


def test_memory_from_host_and_overrides():
    s = member_settings(member(memory=16 * GIB), cluster())
    assert (s["server.memory.heap.max_size"], s["server.memory.pagecache.size"]) == ("5g", "7g")
    s = member_settings(member(memory=16 * GIB, heap_size="4g", pagecache_size="9g"), cluster())
    assert (s["server.memory.heap.initial_size"], s["server.memory.pagecache.size"]) == ("4g", "9g")


def test_extra_settings_win_but_jvm_additional_and_gds_elsewhere_are_refused():
    s = member_settings(member(), cluster(settings={"db.transaction.timeout": "60s", "server.bolt.tls_level": "OPTIONAL",
                                                    "dbms.security.auth_enabled": True}))
    assert s["db.transaction.timeout"] == "60s"
    assert s["server.bolt.tls_level"] == "OPTIONAL"
    assert s["dbms.security.auth_enabled"] == "true"
    with pytest.raises(MemberConfigError, match="neo4j_cluster_jvm_additional"):
        member_settings(member(), cluster(settings={"server.jvm.additional": "-Dx=y"}))
    with pytest.raises(MemberConfigError, match="gds.arrow.batch_size is a GDS setting"):
        member_settings(member(gds=False), cluster(settings={"gds.arrow.batch_size": 1000}))


def test_mode_constraint_is_validated():
    with pytest.raises(MemberConfigError, match="neo4j_cluster_mode_constraint"):
        member_settings(member(mode_constraint="ANALYTICS"), cluster())

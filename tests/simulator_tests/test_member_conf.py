"""The simulator starts members from their neo4j.conf files (simulator/member_conf.py) and refuses what Neo4j
refuses: unknown or repeated settings under strict validation, discovery of the wrong release, endpoints that
cannot form a cluster."""

import json
import os
import socket
import subprocess
import sys

import neo4j
import pytest

from simulator.member_conf import ConfigRefused, cluster_from_configs, parse_conf

CALVER = "2026.07.0"
LTS = "5.26.0"
STRICT_TAIL = "Cleanup the config or disable 'server.config.strict_validation.enabled' to continue."


def free_ports(count):
    socks = [socket.socket() for dummy in range(count)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def discovery(version, endpoints):
    if version == LTS:  # clustering/setup/deploy.adoc, discovery v2 tab
        return {"dbms.cluster.discovery.v2.endpoints": endpoints, "dbms.cluster.discovery.version": "V2_ONLY"}
    return {"dbms.cluster.endpoints": endpoints}  # dev discovery.adoc


def layout(tmp_path, version, roles=("primary",) * 3 + ("gds", "backup"), extra=None):
    """One neo4j.conf per member, in the form of the Operations Manual's examples; returns (paths, bolt ports)."""
    ports = [free_ports(5) for dummy in roles]
    endpoints = ",".join("127.0.0.1:%d" % p[2] for p in ports)
    paths = []
    for i, (role, (bolt, http, cluster, backup, arrow)) in enumerate(zip(roles, ports)):
        settings = {
            "server.default_listen_address": "127.0.0.1",
            "server.default_advertised_address": "127.0.0.1",
            "server.bolt.listen_address": ":%d" % bolt,
            "server.http.listen_address": ":%d" % http,
            "server.cluster.listen_address": ":%d" % cluster,
            "server.cluster.advertised_address": "127.0.0.1:%d" % cluster,
            "server.backup.enabled": "false",
        }
        settings.update(discovery(version, endpoints))
        if role in ("gds", "backup"):  # clustering/setup/analytics-cluster.adoc
            settings["initial.server.mode_constraint"] = "SECONDARY"
            settings["server.cluster.system_database_mode"] = "SECONDARY"
        if role == "gds":
            settings.update({"gds.arrow.enabled": "true", "gds.arrow.listen_address": "127.0.0.1:%d" % arrow})
        if role == "backup":
            settings.update({"server.backup.enabled": "true", "server.backup.listen_address": "127.0.0.1:%d" % backup})
        settings.update((extra or {}).get(i, {}))
        path = tmp_path / ("member%d.conf" % (i + 1))
        path.write_text("# member %d\n" % (i + 1) + "".join("%s=%s\n" % kv for kv in settings.items() if kv[1] is not None))
        paths.append(str(path))
    return paths, ports


def servers(cluster):
    driver = neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password"))
    try:
        return driver.execute_query("SHOW SERVERS YIELD *", database_="system").records
    finally:
        driver.close()


@pytest.mark.parametrize("version", [LTS, CALVER])
def test_members_start_from_their_files(tmp_path, version):
    paths, ports = layout(tmp_path, version)
    with cluster_from_configs(paths, version) as cluster:
        rows = {r["address"]: r for r in servers(cluster)}
        assert sorted(rows) == sorted("127.0.0.1:%d" % p[0] for p in ports)
        assert all(r["health"] == "Available" and r["version"] == version for r in rows.values())
        gds, backup = rows["127.0.0.1:%d" % ports[3][0]], rows["127.0.0.1:%d" % ports[4][0]]
        assert gds["modeConstraint"] == backup["modeConstraint"] == "SECONDARY"
        # analytics-cluster.adoc: the secondaries join Free (the default of secondaries_at_formation)
        assert gds["state"] == backup["state"] == "Free"
        assert all(rows["127.0.0.1:%d" % p[0]]["state"] == "Enabled" for p in ports[:3])
        assert cluster.arrow_address == ("127.0.0.1", ports[3][4])
        assert cluster.backup_address("server5") == "127.0.0.1:%d" % ports[4][3]
        socket.create_connection(("127.0.0.1", ports[4][3]), timeout=2).close()
        assert cluster.backup_address("server1") is None


def test_secondaries_at_formation_enabled(tmp_path):
    paths, _ports = layout(tmp_path, LTS)
    with cluster_from_configs(paths, LTS, secondaries_at_formation="enabled") as cluster:
        assert {r["state"] for r in servers(cluster)} == {"Enabled"}


def test_enable_server_and_default_allocation(tmp_path):
    paths, _ports = layout(tmp_path, CALVER)
    with cluster_from_configs(paths, CALVER) as cluster:
        driver = neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password"))
        try:
            free = [r["name"] for r in servers(cluster) if r["state"] == "Free"]
            for name in free:
                summary = driver.execute_query("ENABLE SERVER $name", name=name, database_="system").summary
                assert summary.counters.system_updates == 1
            again = driver.execute_query("ENABLE SERVER $name", name=free[0], database_="system").summary
            assert again.counters.system_updates == 0  # "nothing is changed" (clustering/servers.adoc)
            assert {r["state"] for r in servers(cluster)} == {"Enabled"}
            driver.execute_query("CALL dbms.setDefaultAllocationNumbers(3, 1)", database_="system")
            config = driver.execute_query("CALL dbms.showTopologyGraphConfig()", database_="system").records[0]
            assert (config["defaultPrimariesCount"], config["defaultSecondariesCount"]) == (3, 1)
        finally:
            driver.close()


@pytest.mark.parametrize("written, started, setting", [
    (LTS, CALVER, "dbms.cluster.discovery.version"),  # removed in 2025.01 (breaking-changes.adoc)
    (CALVER, LTS, "dbms.cluster.endpoints"),  # introduced in 2025.01
])
def test_the_other_release_line_discovery_is_refused(tmp_path, written, started, setting):
    paths, _ports = layout(tmp_path, written)
    with pytest.raises(ConfigRefused) as refused:
        cluster_from_configs(paths, started)
    assert refused.value.message == ("Failed to read config: Unrecognized setting. No declared setting with name: "
                                     "%s. %s" % (setting, STRICT_TAIL))


def test_calendar_release_still_reads_the_526_endpoints_name(tmp_path):
    paths, _ports = layout(tmp_path, CALVER)
    for path in paths:
        text = open(path).read().replace("dbms.cluster.endpoints=", "dbms.cluster.discovery.v2.endpoints=")
        open(path, "w").write(text)
    with cluster_from_configs(paths, CALVER) as cluster:
        assert len(servers(cluster)) == 5


def test_526_defaults_to_discovery_v1(tmp_path):
    paths, _ports = layout(tmp_path, LTS, extra={0: {"dbms.cluster.discovery.version": None}})
    with pytest.raises(ConfigRefused, match=r"member1.conf: dbms.cluster.discovery.version is V1_ONLY \(the default\)"):
        cluster_from_configs(paths, LTS)


def test_unknown_and_repeated_settings_under_strict_validation(tmp_path):
    paths, _ports = layout(tmp_path, LTS, extra={1: {"server.memory.heap.max.size": "1g"}})
    with pytest.raises(ConfigRefused, match="No declared setting with name: server.memory.heap.max.size"):
        cluster_from_configs(paths, LTS)
    paths, _ports = layout(tmp_path, LTS, extra={1: {"server.memory.heap.max.size": "1g",
                                                     "server.config.strict_validation.enabled": "false"}})
    with cluster_from_configs(paths, LTS) as cluster:  # a warning only, when strict validation is off
        assert len(servers(cluster)) == 5
    paths, _ports = layout(tmp_path, LTS)
    with open(paths[2], "a") as handle:
        handle.write("server.bolt.enabled=true\nserver.bolt.enabled=true\nserver.jvm.additional=-Da=1\n"
                     "server.jvm.additional=-Db=2\n")
    with pytest.raises(ConfigRefused, match="member3.conf: .*server.bolt.enabled is declared more than once"):
        cluster_from_configs(paths, LTS)


def test_gds_settings_need_the_plugin(tmp_path):
    paths, _ports = layout(tmp_path, LTS, extra={0: {"gds.arrow.batch_size": "1000"}})
    with pytest.raises(ConfigRefused, match="member1.conf: .*No declared setting with name: gds.arrow.batch_size"):
        cluster_from_configs(paths, LTS)


def test_ssl_policy_group_settings_are_declared(tmp_path):
    paths, _ports = layout(tmp_path, CALVER, extra={0: {"dbms.ssl.policy.cluster.client_auth": "REQUIRE"}})
    cluster_from_configs(paths, CALVER)  # validated, not started
    paths, _ports = layout(tmp_path, CALVER, extra={0: {"dbms.ssl.policy.cluster.client_authentication": "x"}})
    with pytest.raises(ConfigRefused, match="dbms.ssl.policy.cluster.client_authentication"):
        cluster_from_configs(paths, CALVER)


def test_endpoints_must_list_every_system_primary(tmp_path):
    paths, ports = layout(tmp_path, CALVER)
    third = "127.0.0.1:%d" % ports[2][2]
    text = open(paths[4]).read()
    open(paths[4], "w").write(text.replace("," + third, ""))
    with pytest.raises(ConfigRefused, match="member5.conf: dbms.cluster.endpoints does not list %s, which hosts system "
                                            "as a primary: the cluster does not form" % third):
        cluster_from_configs(paths, CALVER)


def test_too_few_system_primaries(tmp_path):
    paths, _ports = layout(tmp_path, LTS, roles=("primary", "primary", "backup"))
    with pytest.raises(ConfigRefused, match="minimum_initial_system_primaries_count is 3 but only 2"):
        cluster_from_configs(paths, LTS)
    paths, _ports = layout(tmp_path, LTS, roles=("primary", "primary", "backup"),
                           extra={i: {"dbms.cluster.minimum_initial_system_primaries_count": "2"} for i in range(3)})
    with cluster_from_configs(paths, LTS) as cluster:
        assert len(servers(cluster)) == 3


def test_what_the_simulator_cannot_serve(tmp_path):
    paths, _ports = layout(tmp_path, LTS, extra={0: {"server.default_advertised_address": "db1.example.com"}})
    with pytest.raises(ConfigRefused, match="db1.example.com: the simulator serves 127.0.0.1 only"):
        cluster_from_configs(paths, LTS)


def test_parse_conf():
    settings, duplicates = parse_conf("# c\n\na = 1\nserver.jvm.additional=-Da\nserver.jvm.additional=-Db\na=2\n")
    assert settings == {"a": "1", "server.jvm.additional": ["-Da", "-Db"]}
    assert duplicates == ["a"]


def test_command_line_starts_from_files_and_refuses(tmp_path):
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=tests_dir)
    paths, ports = layout(tmp_path, CALVER)
    args = [sys.executable, "-m", "simulator", "--version", CALVER] + [a for p in paths for a in ("--conf", p)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = json.loads(proc.stdout.readline())
        assert [m["bolt"] for m in line["members"]] == ["bolt://127.0.0.1:%d" % p[0] for p in ports]
        assert line["backup"] == {"server5": "127.0.0.1:%d" % ports[4][3]}
        assert line["arrow"] == "grpc://127.0.0.1:%d" % ports[3][4]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    refused = subprocess.run(args[:3] + ["--version", LTS] + args[5:], env=env, capture_output=True, text=True,
                             timeout=60, check=False)
    assert refused.returncode == 1
    assert "No declared setting with name: dbms.cluster.endpoints" in refused.stderr

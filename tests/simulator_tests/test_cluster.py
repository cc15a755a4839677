"""The Cluster facade, routing tables computed from the model, and ``python -m simulator``."""

import json
import os
import select
import signal
import subprocess
import sys

import neo4j
import pytest

from simulator import errors
from simulator.bolt import routing_table
from simulator.cluster import Cluster
from simulator.model import Alias

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def roles(table):
    return {entry["role"]: entry["addresses"] for entry in table["servers"]}


def address(cluster, member):
    return cluster.model.server(member).address


def test_cluster_exposes_members_ports_and_users(cluster):
    assert cluster.members == ["server1", "server2", "server3"]
    ports = [cluster.bolt_server(m).port for m in cluster.members]
    assert len(set(ports)) == 3
    assert [cluster.model.server(m).port for m in cluster.members] == ports
    assert cluster.bolt_uri() == "bolt://127.0.0.1:%d" % ports[0]
    assert cluster.bolt_uri("server2") == "bolt://127.0.0.1:%d" % ports[1]
    assert cluster.routing_uri() == "neo4j://127.0.0.1:%d" % ports[0]
    assert cluster.leader() == "server1"
    assert "admin" in cluster.model.users["neo4j"].roles
    assert set(cluster.model.databases) == {"system", "neo4j"}
    assert set(cluster.model.databases["system"].allocations) == set(cluster.members)


def test_move_leader_changes_the_system_writer(cluster):
    new = cluster.move_leader()
    assert new != "server1" and cluster.leader() == new
    assert cluster.move_leader("server3") == "server3"
    assert roles(routing_table(cluster.model, "system", "neo4j"))["WRITE"] == [address(cluster, "server3")]


def test_context_manager_and_options(tmp_path):
    with Cluster(members=2, users={"admin": "secret"}, version="2025.01.0", arrow=False, auth=False) as c:
        assert c.arrow_address is None
        with neo4j.GraphDatabase.driver(c.bolt_uri(), auth=None) as d:
            info = d.get_server_info()
        assert info.agent == "Neo4j/2025.01.0"
        assert "admin" in c.model.users["admin"].roles
        server = c.bolt_server("server1")
    assert not server.running


def test_arrow_endpoint_is_started_when_available(cluster):
    pytest.importorskip("simulator.arrow_server")
    host, port = cluster.arrow_address
    assert host == "127.0.0.1" and port > 0


# ----- routing tables ------------------------------------------------------------------------


def test_routing_table_of_a_database_with_three_primaries(cluster):
    db = cluster.model.create_database("triple", primaries=3, start_delay=0.0)
    table = routing_table(cluster.model, "triple", "neo4j")
    assert table["ttl"] == 300 and table["db"] == "triple"
    assert roles(table)["WRITE"] == [address(cluster, db.writer)]
    assert sorted(roles(table)["READ"]) == sorted(address(cluster, m) for m in cluster.members if m != db.writer)
    assert roles(table)["ROUTE"] == [address(cluster, m) for m in cluster.members]


def test_routing_table_leaves_out_unavailable_members(cluster):
    cluster.isolate_member("server1")
    cluster.stop_member("server2")
    table = routing_table(cluster.model, "system", "neo4j")
    assert roles(table) == {"ROUTE": [address(cluster, "server3")], "READ": [address(cluster, "server3")],
                            "WRITE": [address(cluster, "server3")]}
    # neo4j lives on server1 only, which is cut off: no reader, no writer
    assert roles(routing_table(cluster.model, None, "neo4j"))["READ"] == []


def test_routing_table_follows_aliases_and_home_databases(cluster):
    cluster.model.create_database("green", start_delay=0.0)
    cluster.model.aliases["current"] = Alias(name="current", database="green")
    table = routing_table(cluster.model, "current", "neo4j")
    writer = cluster.model.databases["green"].writer
    assert table["db"] == "current" and roles(table)["WRITE"] == [address(cluster, writer)]
    cluster.model.users["neo4j"].home = "green"
    assert routing_table(cluster.model, None, "neo4j")["db"] == "green"


def test_routing_table_errors(cluster):
    with pytest.raises(errors.Neo4jError) as missing:
        routing_table(cluster.model, "nowhere", "neo4j")
    assert missing.value.code == "Neo.ClientError.Database.DatabaseNotFound"
    cluster.model.stop_database("neo4j")
    with pytest.raises(errors.Neo4jError) as stopped:
        routing_table(cluster.model, "neo4j", "neo4j")
    assert stopped.value.code == "Neo.TransientError.General.DatabaseUnavailable"


def test_routed_driver_uses_the_alias_target_host(cluster):
    cluster.model.create_database("blue", start_delay=0.0)
    cluster.model.aliases["live"] = Alias(name="live", database="blue")
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as d:
        d.execute_query("RETURN 1", database_="live")
    (entry,) = cluster.statements
    assert entry.database == "live" and entry.member == cluster.model.databases["blue"].writer


# ----- python -m simulator -------------------------------------------------------------------


def read_line(proc, timeout):
    ready, _writable, _failed = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline() if ready else ""


def test_command_line_prints_endpoints_and_stops_on_sigterm():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tests"))
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "--members", "2", "--password", "pw"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = read_line(proc, 30)
        assert line, proc.stderr.read() if proc.poll() is not None else "no output"
        info = json.loads(line)
        assert [m["name"] for m in info["members"]] == ["server1", "server2"]
        assert info["routing"].startswith("neo4j://127.0.0.1:")
        assert (info["username"], info["password"]) == ("neo4j", "pw") and info["version"] == "5.26.0"
        assert info["arrow"] is None or info["arrow"].startswith("grpc://127.0.0.1:")
        with neo4j.GraphDatabase.driver(info["routing"], auth=("neo4j", "pw")) as d:
            records = d.execute_query("SHOW DATABASES YIELD name", database_="system").records
        assert {"system", "neo4j"} <= {r["name"] for r in records}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        proc.stdout.close()
        proc.stderr.close()


def test_command_line_chooses_the_release_and_its_default_language():
    from simulator.__main__ import parse_args
    args = parse_args(["--version", "2026.07.0", "--default-language", "5"])
    assert (args.version, args.default_language) == ("2026.07.0", 5)
    assert parse_args([]).default_language is None

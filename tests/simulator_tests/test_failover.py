"""Failover as the real driver sees it: a leader that dies, steps down or is cut off mid-transaction."""

import socket
import threading

import neo4j
import pytest
from neo4j.exceptions import DatabaseUnavailable

AUTH = ("neo4j", "password")
FAST_RETRIES = {"initial_retry_delay": 0.05, "max_transaction_retry_time": 5}


@pytest.fixture
def routed(cluster):
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=AUTH, **FAST_RETRIES) as d:
        yield d


def write_with_fault(driver, name, fault):
    """execute_write of CREATE DATABASE on system; ``fault`` runs once, inside the first attempt."""
    attempts = []

    def work(tx):
        attempts.append(1)
        if len(attempts) == 1:
            fault()
        return tx.run("CREATE DATABASE %s" % name).consume()

    with driver.session(database="system") as session:
        summary = session.execute_write(work)
    return summary, len(attempts)


def creates(cluster, name):
    return [s for s in cluster.statements if s.query == "CREATE DATABASE %s" % name]


@pytest.mark.parametrize("how", ["kill_member", "stop_member"])
def test_write_is_retried_on_the_new_leader_when_the_leader_goes_down(cluster, routed, how):
    routed.execute_query("SHOW DATABASES", database_="system")  # warm the routing table and pool
    old = cluster.leader()
    summary, attempts = write_with_fault(routed, "afterfail", lambda: getattr(cluster, how)(old))
    new = cluster.leader()
    assert new != old and attempts == 2
    assert summary.counters.system_updates == 1
    assert "afterfail" in cluster.model.databases
    # the first attempt died with its connection before the statement reached the old leader
    assert [s.member for s in creates(cluster, "afterfail")] == [new]


def test_write_follows_a_leadership_move(cluster, routed):
    routed.execute_query("SHOW DATABASES", database_="system")
    old = cluster.leader()
    moved = []
    summary, attempts = write_with_fault(routed, "aftermove", lambda: moved.append(cluster.move_leader()))
    assert attempts == 2 and moved == [cluster.leader()] and moved[0] != old
    # first attempt: NotALeader from the old leader; the retry reached the new one
    log = [(s.member, s.error) for s in creates(cluster, "aftermove")]
    assert log == [(old, "Neo.ClientError.Cluster.NotALeader"), (moved[0], None)]
    assert "aftermove" in cluster.model.databases


def test_isolated_leader_loses_leadership_but_accepts_connections(cluster, routed):
    old = cluster.leader()
    cluster.isolate_member(old)
    assert cluster.leader() != old
    routed.execute_query("CREATE DATABASE whileisolated", database_="system")
    assert [s.member for s in creates(cluster, "whileisolated")] == [cluster.leader()]
    with neo4j.GraphDatabase.driver(cluster.bolt_uri(old), auth=AUTH) as direct:
        direct.verify_connectivity()  # the process is up...
        with direct.session(database="system") as session:
            with pytest.raises(DatabaseUnavailable):  # ...but cut off from the cluster
                session.run("SHOW DATABASES").consume()
    cluster.heal_member(old)
    with neo4j.GraphDatabase.driver(cluster.bolt_uri(old), auth=AUTH) as direct:
        records = direct.execute_query("SHOW DATABASES YIELD name", database_="system").records
    assert "whileisolated" in {r["name"] for r in records}


def test_killed_member_comes_back_on_the_same_port(cluster):
    member = cluster.members[2]
    uri = cluster.bolt_uri(member)
    cluster.kill_member(member)
    assert not cluster.model.server(member).up
    with neo4j.GraphDatabase.driver(uri, auth=AUTH, connection_timeout=2) as d:
        with pytest.raises(neo4j.exceptions.ServiceUnavailable):
            d.verify_connectivity()
    cluster.restart_member(member)
    assert cluster.bolt_uri(member) == uri and cluster.model.server(member).up
    with neo4j.GraphDatabase.driver(uri, auth=AUTH) as d:
        records = d.execute_query("SHOW DATABASES YIELD name", database_="system").records
    assert {"system", "neo4j"} <= {r["name"] for r in records}
    assert [s.member for s in cluster.statements] == [member]


def test_stop_closes_pooled_connections_and_leaves_no_threads(cluster):
    drivers = [neo4j.GraphDatabase.driver(cluster.bolt_uri(m), auth=AUTH) for m in cluster.members]
    try:
        for d in drivers:
            with d.session(database="system") as session:
                session.run("SHOW DATABASES").consume()  # the connection stays idle in the pool
        assert sum(cluster.bolt_server(m).connection_count() for m in cluster.members) == 3
        leftovers = cluster.stop()
    finally:
        for d in drivers:
            d.close()
    assert leftovers == []
    assert [t.name for t in threading.enumerate() if t.name.startswith("bolt-")] == []


def test_kill_resets_open_connections_while_stop_closes_them(cluster):
    def connect(member):
        sock = socket.create_connection(("127.0.0.1", cluster.bolt_server(member).port), timeout=5)
        sock.sendall(bytes.fromhex("6060B017 00000805 00000000 00000000 00000000"))
        assert sock.recv(4) == bytes.fromhex("00000805")
        return sock

    killed, stopped = connect("server2"), connect("server3")
    try:
        cluster.kill_member("server2")
        cluster.stop_member("server3")
        with pytest.raises(ConnectionResetError):
            killed.recv(1)  # a crash: RST, no orderly close
        assert stopped.recv(1) == b""  # a shutdown: FIN
    finally:
        killed.close()
        stopped.close()

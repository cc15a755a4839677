"""Readers through an alias while it is switched back and forth.

Neo4j documents that transactions running against an alias while it is switched "may be aborted and
rolled back for safety" (operations manual, aliases page); the error is 51N35 /
Neo.TransientError.Transaction.Outdated, which the driver's managed transactions retry.  Whether a given
transaction is aborted is not documented, so the simulator's ``alias_switch_transactions`` switch offers
both (abort it, or let it finish on the database it started on), and readers must see no failure under
either.  docs/modules/neo4j_alias.md says which client patterns survive a switch.
"""

import threading
import time

import neo4j
import pytest

from collection_path import register_collection_packages

register_collection_packages()

from ansible_collections.graphops.neo4j.plugins.module_utils import aliases  # noqa: E402
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jClient  # noqa: E402

SWITCHES = 50
READERS = 3
OUTDATED = "Neo.TransientError.Transaction.Outdated"


def load(model, name, nodes):
    model.create_database(name, start_delay=0.0)
    model.databases[name].graph.node_count = nodes


def two_reads(tx):
    """One transaction, two statements: a switch in between is what Neo4j may abort."""
    first = tx.run("MATCH (n) RETURN count(n) AS c").single()["c"]
    time.sleep(0.002)
    second = tx.run("MATCH (n) RETURN count(n) AS c").single()["c"]
    return first, second


@pytest.mark.parametrize("behaviour", ["abort", "continue"])
def test_managed_reads_through_an_alias_never_fail_across_switches(cluster, behaviour):
    model = cluster.model
    model.alias_switch_transactions = behaviour
    load(model, "blue", 10)
    load(model, "green", 20)
    params = dict(uri=cluster.routing_uri(), login_user="neo4j", login_password="password", retry_timeout=10.0)
    with Neo4jClient(params) as client:
        aliases.ensure(client, dict(name="live", target="blue"))
    stop = threading.Event()
    tally = {"reads": 0, "failed": [], "torn": []}
    lock = threading.Lock()

    def reader():
        with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password"),
                                        max_transaction_retry_time=10) as driver:
            while not stop.is_set():
                try:
                    with driver.session(database="live") as session:
                        first, second = session.execute_read(two_reads)
                except Exception as exc:  # any failure a reader sees is counted, none may happen
                    with lock:
                        tally["failed"].append(repr(exc))
                    continue
                with lock:
                    tally["reads"] += 1
                    if first != second or first not in (10, 20):
                        tally["torn"].append((first, second))
    threads = [threading.Thread(target=reader, daemon=True) for reader_number in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        with Neo4jClient(params) as client:
            target = "blue"
            for switch_number in range(SWITCHES):
                nxt = "green" if target == "blue" else "blue"
                result = aliases.ensure(client, dict(name="live", target=nxt, expected_target=target))
                assert result["changed"] is True
                target = nxt
                time.sleep(0.02)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    aborted = [s for s in cluster.statements if s.error == OUTDATED]
    assert tally["failed"] == [] and tally["torn"] == []
    assert tally["reads"] >= READERS  # every reader got through; a retry after an abort waits about a second
    if behaviour == "abort":
        assert aborted, "no reader transaction was ever caught by a switch: the fault was not exercised"
    else:
        assert aborted == []


def test_an_explicit_transaction_caught_by_a_switch_fails_with_outdated(cluster):
    """What a client that manages its own transaction sees (and must retry itself) when Neo4j aborts it."""
    model = cluster.model
    load(model, "blue", 10)
    load(model, "green", 20)
    params = dict(uri=cluster.routing_uri(), login_user="neo4j", login_password="password")
    with Neo4jClient(params) as client:
        aliases.ensure(client, dict(name="live", target="blue"))
        with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as driver:
            with driver.session(database="live", default_access_mode=neo4j.READ_ACCESS) as session:
                tx = session.begin_transaction()
                assert tx.run("MATCH (n) RETURN count(n) AS c").single()["c"] == 10
                aliases.ensure(client, dict(name="live", target="green", expected_target="blue"))
                with pytest.raises(neo4j.exceptions.TransientError) as info:
                    tx.run("MATCH (n) RETURN count(n) AS c").single()
                assert info.value.code == OUTDATED and info.value.is_retryable()
                tx.close()
                assert session.run("MATCH (n) RETURN count(n) AS c").single()["c"] == 20  # auto-commit: new target

"""Readers query through the alias over neo4j:// (the driver's managed read transactions) the whole time deployments and
a rollback switch it: not one read fails. Whether Neo4j aborts a transaction caught by a switch is not documented
(``alias_switch_transactions``), so the cutovers alternate between both behaviours. Short variant: 3 cutovers (two
deployments, one rollback); heavy: 20."""

import threading
import time

import neo4j
import pytest

from test_blue_green import ALIAS, PART1, db, deploy_vars, point, seed, target_of

RELEASES = ["20250101000001", "20250101000002", "20250101000003"]
BEHAVIOURS = ["abort", "continue"]


def two_reads(tx):
    """One transaction, two statements: a switch in between is what Neo4j may abort (51N35, retried by the driver)."""
    first = tx.run("MATCH (n) RETURN count(n) AS c").single()["c"]
    time.sleep(0.002)
    return first, tx.run("MATCH (n) RETURN count(n) AS c").single()["c"]


def reader(cluster, stop, tally, lock):
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password"),
                                    max_transaction_retry_time=15) as driver:
        while not stop.is_set():
            try:
                with driver.session(database=ALIAS) as session:
                    first, second = session.execute_read(two_reads)
                with lock:
                    tally["reads"] += 1
                    tally["wrong"] += (first, second) != (PART1["nodes"], PART1["nodes"])
            except Exception as exc:  # every failure a reader sees is counted; none may happen
                with lock:
                    tally["failed"].append(repr(exc))
            time.sleep(0.005)


def cutovers(cluster, run_playbook, count):
    model = cluster.model
    for release in RELEASES:
        seed(model, db(release))
    point(model, ALIAS, db(RELEASES[0]))
    target = {"uri": cluster.routing_uri(), "username": "neo4j", "password": "password", "simulated": True,
              "cluster": cluster}
    stop, lock, tally = threading.Event(), threading.Lock(), {"reads": 0, "wrong": 0, "failed": []}
    threads = [threading.Thread(target=reader, args=(cluster, stop, tally, lock), daemon=True) for n in range(2)]
    for thread in threads:
        thread.start()
    live = RELEASES[0]
    try:
        for n in range(count):
            model.alias_switch_transactions = BEHAVIOURS[n % 2]
            if n % 3 == 2:  # every third cutover is a rollback to the release before
                run = run_playbook("playbooks/rollback.yml", extra_vars=dict(
                    neo4j_uri=target["uri"], neo4j_username="neo4j", neo4j_password="password", bg_alias=ALIAS,
                    bg_rollback_to=db(previous)))
                live, previous = previous, live
            else:
                nxt = [r for r in RELEASES if r != live][n % 2]
                run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(target, nxt, bg_keep=10))
                previous, live = live, nxt
            assert run.rc == 0, (n, str(run))
            assert target_of(model) == db(live), n
            with lock:
                reads = tally["reads"]
            time.sleep(0.2)  # some reads on the new target before the next cutover
            with lock:
                assert tally["reads"] > reads, "readers stopped reading"
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert tally["failed"] == [] and tally["wrong"] == 0, tally
    switches = [s for s in cluster.statements if s.error is None and s.query.startswith("ALTER ALIAS `%s` SET DATABASE TARGET" % ALIAS)]
    assert len(switches) == count
    return tally


def test_readers_through_the_alias_see_no_failed_read_across_3_cutovers(cluster, run_playbook):
    tally = cutovers(cluster, run_playbook, 3)
    assert tally["reads"] > 20


@pytest.mark.heavy
@pytest.mark.timeout(3600)  # pytest.ini bounds a test at 300 s; this one runs many playbooks
def test_readers_through_the_alias_see_no_failed_read_across_20_cutovers(cluster, run_playbook):
    cutovers(cluster, run_playbook, 20)

"""A failure injected at each phase of a deployment (preflight, load, validate, backup, switch), and a member killed
while a deployment runs: blue keeps serving behind the alias, and no green database or backup is left behind.

Every run configures a backup of blue, so "no stray backup" is checked at every phase: a failure before the backup
leaves the folder empty; a failure after it (the switch) keeps the one backup of blue it took, which is a valid backup of
the database still serving. Load and switch run in make test; preflight, validate and backup failures have tests of
their own there (test_blue_green_preflight.py, test_blue_green_status.py, test_blue_green_backup.py), so their rows
here are heavy."""

import os
import re
import threading
import time

import neo4j
import pytest

from simulator.cluster import NEO4J_ADMIN
from simulator.cypher import ExecContext, execute
from simulator.model import GraphData

from test_blue_green import ALIAS, PART1, R1, R2, db, deploy_vars, graph_of, point, releases, target_of

STOP = "Stop, blue keeps serving"


@pytest.fixture
def cluster(make_cluster):
    return blue_serving(make_cluster)


def blue_serving(make_cluster):
    """Three members, server3 the backup member; blue (R1) on every member (so server3 can back it up) behind the
    alias (also the reliability suite's starting point, tests/reliability/fault_kinds.py)."""
    c = make_cluster(3, backup_members=["server3"])
    with c.model.lock:
        c.model.create_database(db(R1), primaries=1, secondaries=2, start_delay=0.0, graph=GraphData(
            label_counts=dict(PART1["labels"]), type_counts=dict(PART1["types"]),
            node_count=PART1["nodes"], relationship_count=PART1["relationships"]))
    point(c.model, ALIAS, db(R1))
    return c


def target(cluster):
    return {"uri": cluster.routing_uri(), "username": "neo4j", "password": "password", "simulated": True,
            "cluster": cluster}


def backups(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".backup")) if os.path.isdir(folder) else []


def inject(phase, cluster):
    """Arrange for ``phase`` to fail; returns (extra variables, the task that fails, a pattern of its message)."""
    model = cluster.model
    if phase == "preflight":
        gib = 1 << 30
        with model.lock:
            model.heap["server2"] = (int(0.97 * gib), gib)
        return {}, "Preflight, heap use on every member is below bg_max_heap_used_percent", "uses 97"
    if phase == "load":
        model.arrow_server.faults.fail_action("RELATIONSHIP_LOAD_DONE", "Simulated out of memory")
        return {}, STOP, "Simulated out of memory"
    if phase == "validate":
        return ({"bg_validation_queries": [{"query": "MATCH (m:Movie) RETURN count(m) AS movies", "expect": [{"movies": 1}]}]},
                STOP, r"returned \[\{'movies': 60\}\], expected \[\{'movies': 1\}\]")
    if phase == "backup":
        cluster.disable_backup("server3")
        return {}, STOP, "Back up blue before the switch"
    # switch: a role may read blue, so green gets the grant first; right after that commit someone stops green, and
    # the alias module refuses a target that is not online on every member.
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as driver:
        driver.execute_query("CREATE ROLE reader IF NOT EXISTS", database_="system")
        driver.execute_query("GRANT MATCH {*} ON GRAPH `%s` TO reader" % db(R1), database_="system")
    rogue = ExecContext(model=model, member=cluster.leader(), user="neo4j", database="system")
    model.after_commit(r"^GRANT .*%s" % db(R2), lambda: execute(rogue, "STOP DATABASE `%s`" % db(R2)))
    return {}, STOP, "is not online on every member"


PHASES = [pytest.param("preflight", marks=pytest.mark.heavy), "load", pytest.param("validate", marks=pytest.mark.heavy),
          pytest.param("backup", marks=pytest.mark.heavy), "switch"]


@pytest.mark.parametrize("phase", PHASES)
def test_a_failure_at_each_phase_leaves_blue_serving_and_nothing_stray(cluster, run_playbook, tmp_path, phase):
    folder = tmp_path / "backups"
    backup = {"from": [cluster.backup_address("server3")], "to_path": str(folder), "neo4j_admin": NEO4J_ADMIN}
    extra, task, pattern = inject(phase, cluster)
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(target(cluster), R2, bg_backup=backup, **extra))
    assert run.rc != 0, run
    result = run.results[task]
    # A looped task (the heap check, per member) carries its message in the item that failed.
    messages = [result["msg"]] + [r.get("msg", "") for r in result.get("results", []) if r.get("failed")]
    assert result["failed"] is True and any(re.search(pattern, m) for m in messages), messages
    if task == STOP:
        assert "The alias %s points at %s." % (ALIAS, db(R1)) in result["msg"]
    model = cluster.model
    assert target_of(model) == db(R1) and graph_of(model, db(R1)) == PART1
    assert releases(model) == [db(R1)]
    if phase == "switch":
        [taken] = backups(folder)
        assert taken.startswith(db(R1) + "-")
    else:
        assert backups(folder) == []


def reads_through_alias(cluster, stop, tally):
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password"),
                                    max_transaction_retry_time=15) as driver:
        while not stop.is_set():
            try:
                with driver.session(database=ALIAS) as session:
                    session.execute_read(lambda tx: tx.run("MATCH (n) RETURN count(n) AS c").single()["c"])
                tally["reads"] += 1
            except Exception as exc:  # counted: the assertion says which
                tally["failed"].append(repr(exc))
            time.sleep(0.01)


def test_a_member_killed_during_the_deployment_ends_in_a_switch_or_a_clean_failure(cluster, run_playbook):
    """server2 dies while green is being loaded: the run either completes (alias on green) or fails with blue serving
    and green dropped; never half of each."""
    model = cluster.model
    model.arrow_server.faults.delay_action("RELATIONSHIP_LOAD_DONE", 1.0)
    proc = run_playbook("playbooks/blue_green.yml", start=True,
                        extra_vars=deploy_vars(target(cluster), R2, bg_wait_timeout=10))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and db(R2) not in releases(model) and proc.poll() is None:
        time.sleep(0.05)
    assert db(R2) in releases(model), "the load never started"
    cluster.kill_member("server2")
    assert proc.wait(300) is not None
    if proc.returncode == 0:
        assert target_of(model) == db(R2) and releases(model) == [db(R1), db(R2)]
    else:
        assert target_of(model) == db(R1) and releases(model) == [db(R1)]
    cluster.restart_member("server2")
    stop, tally = threading.Event(), {"reads": 0, "failed": []}
    reader = threading.Thread(target=reads_through_alias, args=(cluster, stop, tally), daemon=True)
    reader.start()
    time.sleep(1.0)
    stop.set()
    reader.join(30)
    assert tally["failed"] == [] and tally["reads"] > 0

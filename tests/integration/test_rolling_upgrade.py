"""playbooks/rolling_upgrade.yml against a simulated 3-primary + 1-secondary cluster, members upgraded through the
simulator's control endpoint (tests/integration/files/simulator_upgrade_member.yml), with a reader querying through
an alias over neo4j:// the whole time.

- an upgrade to a newer release: zero failed reads, every member on the new release, the order secondaries first
  and the member holding most leaderships last; a rerun changes nothing;
- a member stuck on rejoin (both ways the simulator offers) stops the run within the timeout, naming it and its
  stuck databases, touching no later member, with the cluster still serving reads and writes;
- --check prints the plan and changes nothing.

The release lines: the cluster starts on the suite's simulated release (5.26 or a calendar one) and goes to a
newer one (2026.07.0 from 5.26; the next month's release from a calendar one).
"""

import os
import threading
from pathlib import Path

import neo4j
import pytest

from simulator.versions import DEFAULT_VERSION, version_key

SIM_VERSION = os.environ.get("GRAPHOPS_SIM_VERSION") or DEFAULT_VERSION
AUTH = ("neo4j", "password")
TASKS_FILE = str(Path(__file__).resolve().parent / "files" / "simulator_upgrade_member.yml")
TARGET = "2026.07.0" if version_key(SIM_VERSION)[0] < 2025 else "%d.%02d.0" % (
    version_key(SIM_VERSION)[0] + version_key(SIM_VERSION)[1] // 12, version_key(SIM_VERSION)[1] % 12 + 1)
MEMBERS = ("server1", "server2", "server3", "server4")


def build(make_cluster):
    """server1-3 primaries, server4 a secondary (mode constraint and system); movies 3+1 behind the alias films; the
    leaderships set so that server1 holds most (system, movies) and server3 none."""
    cluster = make_cluster(4, server_names="member",
                           member_setup={"server4": {"mode_constraint": "SECONDARY", "system_mode": "SECONDARY"}})
    model = cluster.model
    model.rejoin_delay = 0.3  # a restarted member's databases take a moment: the wait step really waits
    model.set_topology("neo4j", 3, 0)
    model.create_database("movies", primaries=3, secondaries=1, start_delay=0.0)
    model.databases["movies"].graph.node_count = 42
    model.move_leader("server1", "system")
    model.move_leader("server1", "movies")
    model.move_leader("server2", "neo4j")
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=AUTH) as driver:
        driver.execute_query("CREATE ALIAS films FOR DATABASE movies", database_="system")
    return cluster


def inventory():
    lines = ["[neo4j]"]
    lines += ["db%s ansible_connection=local neo4j_rolling_upgrade_server=%s simulator_member=%s" % (m[-1], m, m)
              for m in MEMBERS]
    return "\n".join(lines) + "\n"


def upgrade_vars(cluster, **extra):
    addresses = [cluster.model.servers[m].address for m in MEMBERS]
    values = dict(neo4j_uri=cluster.routing_uri(), neo4j_endpoints=addresses, neo4j_username="neo4j",
                  neo4j_password="password", neo4j_rolling_upgrade_version=TARGET,
                  neo4j_rolling_upgrade_method="tasks", neo4j_rolling_upgrade_tasks_file=TASKS_FILE,
                  neo4j_rolling_upgrade_settle_timeout=10,
                  neo4j_rolling_upgrade_wait_timeout=20, neo4j_rolling_upgrade_progress_interval=0.5,
                  simulator_control_url=cluster.start_control())
    values.update(extra)
    return values


class Reader:
    """Reads through the alias over neo4j:// with the driver's managed retries until stopped; counts failures."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.reads, self.failures = 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        addresses = [neo4j.Address((self.cluster.model.servers[m].host, self.cluster.model.servers[m].port))
                     for m in MEMBERS]
        with neo4j.GraphDatabase.driver(self.cluster.routing_uri(), auth=AUTH, max_transaction_retry_time=15,
                                        resolver=lambda _address: addresses) as driver:
            while not self._stop.is_set():
                try:
                    records, _summary, _keys = driver.execute_query("MATCH (n) RETURN count(n) AS n",
                                                                    database_="films",
                                                                    routing_=neo4j.RoutingControl.READ)
                    assert records[0]["n"] == 42
                    self.reads += 1
                except Exception as exc:  # noqa: BLE001 (every failure counts)
                    self.failures.append(repr(exc))
                self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)


def versions(cluster):
    with cluster.model.lock:
        return {m: cluster.model.server_version(m) for m in MEMBERS}


def changed_tasks(run):
    return [(t["task"], t["host"]) for t in run.tasks if isinstance(t["result"], dict) and t["result"].get("changed")]


def test_upgrade_under_live_reads_then_rerun_is_a_no_op(make_cluster, run_playbook):
    cluster = build(make_cluster)
    with Reader(cluster) as reader:
        run = run_playbook("playbooks/rolling_upgrade.yml", extra_vars=upgrade_vars(cluster), inventory=inventory())
    assert run.rc == 0, run
    assert reader.failures == [] and reader.reads > 0, reader.failures
    assert versions(cluster) == {m: TARGET for m in MEMBERS}
    assert cluster.model.version == TARGET  # every member upgraded: the cluster runs the new release
    # secondaries first, then by leaderships held (server3: none, server2: neo4j, server1: system and movies)
    stops = [member for action, member, _v in cluster.control_log if action == "stop"]
    assert stops == ["server4", "server3", "server2", "server1"]
    assert [v for action, _m, v in cluster.control_log if action == "start"] == [TARGET] * 4
    plan = run.results["Plan the upgrade to %s" % TARGET]
    assert [m["host"] for m in plan["order"]] == ["db4", "db3", "db2", "db1"]
    assert plan["order"][-1]["leaderships"] == ["movies", "system"]
    drain_task = "move the member's leaderships to other members"
    drained = {r["host"]: r["result"] for r in run.tasks if r["task"].endswith(drain_task)}
    assert "movies" in drained["db1"]["moved"] and drained["db1"]["changed"] is True, drained
    assert drained["db3"]["changed"] is False and drained["db4"]["moved"] == []
    with cluster.model.lock:
        assert all(not s.read_only for s in cluster.model.servers.values())
        assert cluster.model.databases["movies"].writer is not None

    again = run_playbook("playbooks/rolling_upgrade.yml", extra_vars=upgrade_vars(cluster), inventory=inventory())
    assert again.rc == 0, again
    assert changed_tasks(again) == []
    assert "Every member already runs %s" % TARGET in again.stdout
    assert [a for a, _m, _v in cluster.control_log].count("stop") == 4


@pytest.mark.parametrize("mode", ["unavailable", "starting"])
def test_a_member_stuck_on_rejoin_stops_the_upgrade_with_the_cluster_serving(make_cluster, run_playbook, mode):
    cluster = build(make_cluster)
    cluster.stick_on_rejoin("server3", mode)  # second in the order
    old = versions(cluster)["server1"]
    with Reader(cluster) as reader:
        run = run_playbook("playbooks/rolling_upgrade.yml", inventory=inventory(),
                           extra_vars=upgrade_vars(cluster, neo4j_rolling_upgrade_wait_timeout=2))
    assert run.rc != 0, run
    assert reader.failures == [] and reader.reads > 0, reader.failures
    waited = {r["host"]: r["result"] for r in run.tasks if r["task"].endswith("Wait until the member is back on " + TARGET)}
    assert waited["db3"]["failed"], run
    message = waited["db3"]["msg"]
    assert message.startswith("Server server3 (%s) did not rejoin within 2.0 s" % cluster.model.servers["server3"].address)
    assert "movies (" in message and "neo4j (" in message, message
    if mode == "unavailable":
        assert "health is Unavailable, not Available" in message
    # the wait printed progress lines naming what it waits for
    assert "neo4j_rolling_upgrade: waiting for server server3 to rejoin:" in run.stdout, run.stdout
    stopped = run.all_results("Stop the rolling upgrade at this member")
    assert stopped and "Rolling upgrade stopped at db3 (server server3)" in stopped[-1]["msg"], run
    # the members after it in the order were never touched
    assert [m for a, m, _v in cluster.control_log if a == "stop"] == ["server4", "server3"]
    assert versions(cluster) == {"server1": old, "server2": old, "server3": TARGET, "server4": TARGET}
    # the cluster still serves reads and writes through the alias
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=AUTH) as driver:
        driver.execute_query("CREATE (:Probe)", database_="films")
        records, _s, _k = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_="films",
                                               routing_=neo4j.RoutingControl.READ)
        assert records[0]["n"] >= 42


def test_check_mode_prints_the_plan_and_changes_nothing(make_cluster, run_playbook):
    cluster = build(make_cluster)
    with cluster.model.lock:
        writers = {name: db.writer for name, db in cluster.model.databases.items()}
    before = versions(cluster)
    run = run_playbook("playbooks/rolling_upgrade.yml", extra_vars=upgrade_vars(cluster), inventory=inventory(),
                       check=True)
    assert run.rc == 0, run
    assert cluster.control_log == []
    assert versions(cluster) == before
    with cluster.model.lock:
        assert {name: db.writer for name, db in cluster.model.databases.items()} == writers
        assert all(not s.read_only for s in cluster.model.servers.values())
    for position, host in enumerate(["db4", "db3", "db2", "db1"], start=1):
        assert "%d. %s (server server%s" % (position, host, host[-1]) in run.stdout, run.stdout
    assert "db1: would move the leadership of movies away" in run.stdout, run.stdout

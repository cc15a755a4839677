"""Access granted with the neo4j_access role survives blue/green switches and rollbacks, with no refused read.

Neo4j defines privileges on the database, not on a local alias (Operations Manual, aliases page), so a grant
made through the alias stays on the database it pointed at.  playbooks/blue_green.yml and rollback.yml give the
new target the privileges of the old one before they switch (neo4j_privileges_copy); here readers read
through the alias as the read-only user, over neo4j://, the whole time a switch and a rollback run, and none is
refused.  The control: a switch without the copy leaves the reader refused.
"""

import threading
import time

import neo4j
import pytest

from plays import connection_vars
from test_blue_green import PART1, deploy_vars
from test_neo4j_access import (ACCESS_PLAY, ADMIN, ALIAS, FORBIDDEN, R1, RO_PASSWORD, access_vars, assert_exact_access,
                               count, first_release, release, target)

R2, R3 = "20250101000002", "20250101000003"


@pytest.fixture
def cluster(make_cluster):
    return make_cluster(3, users={"neo4j": ADMIN})


class Readers:
    """Threads reading through the alias as the read-only user, over neo4j://, counting every failure."""

    def __init__(self, cluster, threads=3):
        self.cluster = cluster
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.reads = 0
        self.failures = []
        self.seen = set()
        self.threads = [threading.Thread(target=self.read, daemon=True) for dummy in range(threads)]

    def read(self):
        with neo4j.GraphDatabase.driver(self.cluster.routing_uri(), auth=("catalog_ro", RO_PASSWORD),
                                        max_transaction_retry_time=15) as driver:
            while not self.stop.is_set():
                try:
                    with driver.session(database=ALIAS) as session:
                        nodes = session.execute_read(lambda tx: tx.run("MATCH (n) RETURN count(n) AS c").single()["c"])
                except Exception as exc:  # every failure a reader sees is counted: none may happen
                    with self.lock:
                        self.failures.append(repr(exc))
                    continue
                with self.lock:
                    self.reads += 1
                    self.seen.add(nodes)
                time.sleep(0.005)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def snapshot(self):
        with self.lock:
            return self.reads, set(self.seen)


@pytest.mark.parametrize("behaviour", ["abort", "continue"])
def test_access_survives_a_switch_and_a_rollback_with_no_refused_read(cluster, run_playbook, behaviour):
    model = cluster.model
    model.alias_switch_transactions = behaviour
    first_release(cluster)
    model.create_database("other", start_delay=0.0)
    setup = run_playbook(ACCESS_PLAY, extra_vars=access_vars(cluster))
    assert setup.rc == 0, setup

    with Readers(cluster) as readers:
        deployment = deploy_vars(target(cluster), R2, part="*", bg_alias=ALIAS)
        switch = run_playbook("playbooks/blue_green.yml", extra_vars=deployment)
        assert switch.rc == 0, switch
        assert model.aliases[ALIAS].database == release(R2)
        copied = switch.results["Give green the privileges blue has"]
        assert copied["changed"] is True and copied["source_database"] == release(R1)
        reads_after_switch, dummy_seen = readers.snapshot()
        rollback = run_playbook("playbooks/rollback.yml", extra_vars=dict(connection_vars(target(cluster)),
                                                                          bg_alias=ALIAS))
        assert rollback.rc == 0, rollback
        assert model.aliases[ALIAS].database == release(R1)
        time.sleep(0.5)  # a few reads on blue again
    assert readers.failures == []
    assert reads_after_switch > 0 and readers.reads > reads_after_switch
    assert {PART1["nodes"], 210} <= readers.seen  # the readers really read blue and green

    # Each user holds exactly the same privileges on blue and on green, and uses them.
    def privileges_on(database):
        with model.lock:
            from simulator.privileges import command
            return sorted(set(command(p).replace(database, "X") for p in model.privileges
                              if p.graph == database))
    assert privileges_on(release(R1)) == privileges_on(release(R2))
    assert any("catalog_reader" in c for c in privileges_on(release(R2)))
    assert_exact_access(cluster)
    # A second run of the role changes nothing after all this.
    again = run_playbook(ACCESS_PLAY, extra_vars=access_vars(cluster))
    assert [t["task"] for t in again.tasks if t["result"].get("changed")] == []


def test_without_the_copy_the_grants_stay_behind_on_blue(cluster, run_playbook):
    """The control: a switch with bg_copy_privileges=false leaves the read-only user refused through the alias."""
    first_release(cluster)
    setup = run_playbook(ACCESS_PLAY, extra_vars=access_vars(cluster))
    assert setup.rc == 0, setup
    switch = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(
        target(cluster), R3, bg_alias=ALIAS, bg_copy_privileges=False))
    assert switch.rc == 0, switch
    assert switch.results["Give green the privileges blue has"].get("skipped") is True
    with pytest.raises(neo4j.exceptions.ClientError) as info:
        count(cluster, "catalog_ro", RO_PASSWORD)
    assert info.value.code == FORBIDDEN
    assert info.value.message == ("Database access is not allowed for user 'catalog_ro' with roles "
                                  "[PUBLIC, catalog_reader].")

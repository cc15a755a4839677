"""The neo4j_access role: application users with read-only and read-write access that survives blue/green switches.

Neo4j defines privileges on the database, not on a local alias (Operations Manual, aliases page), so a grant
made through the alias stays on the database it pointed at.  playbooks/blue_green.yml and rollback.yml give the
new target the privileges of the old one before they switch (neo4j_privileges_copy); here readers read
through the alias as the read-only user the whole time a switch and a rollback run, and none is refused.
"""

import json
import threading
import time

import neo4j
import pytest

from plays import connection_vars
from simulator.model import Alias
from test_blue_green import PART1, deploy_vars, seed

ADMIN = "admin-s3cret-pw"
RO_PASSWORD = "ro-Pa55-4-catalog"
RW_PASSWORD = "rw-Pa55-4-catalog"
NEW_RO_PASSWORD = "ro-Pa55-4-catalog-2"
ALIAS = "catalog"
ROLE = "graphops.neo4j.neo4j_access : "  # how task names of the role appear in results
R1, R2, R3 = "20250101000001", "20250101000002", "20250101000003"
FORBIDDEN = "Neo.ClientError.Security.Forbidden"

ACCESS_PLAY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/graphops.neo4j.neo4j:
      uri: "{{ neo4j_uri }}"
      login_user: "{{ neo4j_username }}"
      login_password: "{{ neo4j_password }}"
  roles:
    - role: graphops.neo4j.neo4j_access
      vars:
        neo4j_access_applications:
          - name: catalog
            alias: catalog
            read_only: {user: catalog_ro, password: "{{ ro_password }}"}
            read_write: {user: catalog_rw, password: "{{ rw_password }}"}
"""


@pytest.fixture
def cluster(make_cluster):
    return make_cluster(3, users={"neo4j": ADMIN})


def target(cluster):
    return {"uri": cluster.routing_uri(), "username": "neo4j", "password": ADMIN, "simulated": True,
            "cluster": cluster}


def access_vars(cluster, ro_password=RO_PASSWORD):
    values = connection_vars(target(cluster))
    values.update(ro_password=ro_password, rw_password=RW_PASSWORD)
    return values


def release(name):
    return "%s-%s" % (ALIAS, name)


def first_release(cluster):
    seed(cluster.model, release(R1))
    with cluster.model.lock:
        cluster.model.aliases[ALIAS] = Alias(name=ALIAS, database=release(R1))


def count(cluster, user, password, database=ALIAS):
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=(user, password)) as driver:
        records, dummy_summary, dummy_keys = driver.execute_query("MATCH (n) RETURN count(n) AS c", database_=database,
                                                                  routing_="r")
        return records[0]["c"]


def write(cluster, user, password, database=ALIAS):
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=(user, password)) as driver:
        driver.execute_query("CREATE (:Probe)", database_=database)


def refused(action):
    """The Neo4j code of the failure ``action()`` raises (None if it succeeds)."""
    try:
        action()
    except neo4j.exceptions.Neo4jError as exc:
        return exc.code
    return None


def assert_exact_access(cluster):
    """The read-only user reads through the alias and cannot write; the read-write user writes; neither reaches a
    database the application was not given."""
    ro, rw = ("catalog_ro", RO_PASSWORD), ("catalog_rw", RW_PASSWORD)
    model = cluster.model
    with model.lock:
        live = model.aliases[ALIAS].database
        before = model.databases[live].graph.node_count
    assert count(cluster, *ro) == before
    assert refused(lambda: write(cluster, *ro)) == FORBIDDEN
    assert refused(lambda: write(cluster, *rw)) is None
    with model.lock:
        assert model.databases[live].graph.node_count == before + 1
        model.databases[live].graph.node_count = before  # leave the release as it was loaded
        model.databases[live].graph.label_counts.pop("Probe", None)
    for user in (ro, rw):
        assert refused(lambda u=user: count(cluster, *u, database="other")) == FORBIDDEN


def test_the_role_creates_both_users_and_a_second_run_changes_nothing(cluster, run_playbook):
    first_release(cluster)
    cluster.model.create_database("other", start_delay=0.0)
    first = run_playbook(ACCESS_PLAY, extra_vars=access_vars(cluster))
    assert first.rc == 0, first
    changed = [t["task"] for t in first.tasks if t["result"].get("changed")]
    assert changed == [ROLE + "Application catalog: the read-only user", ROLE + "Application catalog: the read-write user",
                       ROLE + "Application catalog: the read-only role", ROLE + "Application catalog: the read-write role"]
    assert first.results[ROLE + "Application catalog: the read-only role"]["role"]["privileges"] == [
        "GRANT ACCESS ON DATABASE `catalog-20250101000001` TO `catalog_reader`",
        "GRANT MATCH {*} ON GRAPH `catalog-20250101000001` NODE * TO `catalog_reader`",
        "GRANT MATCH {*} ON GRAPH `catalog-20250101000001` RELATIONSHIP * TO `catalog_reader`"]
    assert_exact_access(cluster)
    # PUBLIC lets every user into its home database (neo4j), where these users see nothing.
    assert count(cluster, "catalog_ro", RO_PASSWORD, database="neo4j") == 0

    # A second run at -vvv with --diff: nothing changes, and no password appears anywhere in the output.
    again = run_playbook(ACCESS_PLAY, extra_vars=access_vars(cluster), diff=True, env={"ANSIBLE_VERBOSITY": "3"})
    assert again.rc == 0, again
    # -vvv prints every module's arguments: the password argument is there, masked.
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in again.stdout and "catalog_ro" in again.stdout
    assert [t["task"] for t in again.tasks if t["result"].get("changed")] == []
    for secret in (RO_PASSWORD, RW_PASSWORD):
        for run in (first, again):
            assert secret not in run.stdout + run.stderr and secret not in json.dumps(run.tasks)

    # Check mode with a new password: reported, not done, not shown.
    check = run_playbook(ACCESS_PLAY, extra_vars=access_vars(cluster, NEW_RO_PASSWORD), check=True, diff=True,
                         env={"ANSIBLE_VERBOSITY": "3"})
    assert check.rc == 0, check
    assert [t["task"] for t in check.tasks if t["result"].get("changed")] == [
        ROLE + "Application catalog: the read-only user"]
    assert NEW_RO_PASSWORD not in check.stdout + check.stderr and NEW_RO_PASSWORD not in json.dumps(check.tasks)
    assert check.results[ROLE + "Application catalog: the read-only user"]["diff"]["after"]["password_changed"] is True
    assert cluster.model.users["catalog_ro"].password == RO_PASSWORD
    # The simulator received the passwords as parameters only.
    for statement in cluster.statements:
        for secret in (RO_PASSWORD, RW_PASSWORD, NEW_RO_PASSWORD):
            assert secret not in statement.query


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
        switch = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(target(cluster), R2, part="*",
                                                                                  bg_alias=ALIAS))
        assert switch.rc == 0, switch
        assert model.aliases[ALIAS].database == release(R2)
        copied = switch.results["Give green the privileges blue has"]
        assert copied["changed"] is True and copied["source_database"] == release(R1)
        reads_after_switch, seen = readers.snapshot()
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

"""The neo4j_access role: application users with read-only and read-write access to an alias.

Access across blue/green switches is in test_access_blue_green.py (it runs the blue/green playbooks, which the
release-line matrix leaves out, see docs/testing.md).
"""

import json

import neo4j
import pytest

from plays import connection_vars
from simulator.model import Alias
from test_blue_green import seed

ADMIN = "admin-s3cret-pw"
RO_PASSWORD = "ro-Pa55-4-catalog"
RW_PASSWORD = "rw-Pa55-4-catalog"
NEW_RO_PASSWORD = "ro-Pa55-4-catalog-2"
ALIAS = "catalog"
ROLE = "graphops.neo4j.neo4j_access : "  # how task names of the role appear in results
R1 = "20250101000001"
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
    assert changed == [ROLE + "The read-only user of application catalog", ROLE + "The read-write user of application catalog",
                       ROLE + "The read-only role of application catalog", ROLE + "The read-write role of application catalog"]
    assert first.results[ROLE + "The read-only role of application catalog"]["role"]["privileges"] == [
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
        ROLE + "The read-only user of application catalog"]
    assert NEW_RO_PASSWORD not in check.stdout + check.stderr and NEW_RO_PASSWORD not in json.dumps(check.tasks)
    assert check.results[ROLE + "The read-only user of application catalog"]["diff"]["after"]["password_changed"] is True
    assert cluster.model.users["catalog_ro"].password == RO_PASSWORD
    # The simulator received the passwords as parameters only.
    for statement in cluster.statements:
        for secret in (RO_PASSWORD, RW_PASSWORD, NEW_RO_PASSWORD):
            assert secret not in statement.query

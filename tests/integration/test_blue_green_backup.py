"""Backup of blue before the cutover (neo4j_blue_green role, playbooks/blue_green.yml with bg_backup): taken with
neo4j_backup from the simulator's backup member through the neo4j-admin stand-in before the switch; a failed backup
stops the deployment before the switch, drops green, and blue keeps serving."""

import json
import os

import pytest

from simulator.cluster import NEO4J_ADMIN
from simulator.model import Alias, GraphData

from test_blue_green import ALIAS, PART1, R1, R2, db, deploy_vars, releases, target_of

BACKUP = "Back up blue before the switch"
SWITCH = "Switch the alias to green, only if it still points at blue"
STOP = "Stop, blue keeps serving"
ROLLBACK_BACKUP = BACKUP  # the rollback entry point runs the same backup task on the release it leaves


@pytest.fixture
def cluster(make_cluster):
    """Three members, server3 the backup member; blue (R1) on every member (one primary, two secondaries) behind the
    alias."""
    c = make_cluster(3, backup_members=["server3"])
    with c.model.lock:
        c.model.create_database(db(R1), primaries=1, secondaries=2, start_delay=0.0, graph=GraphData(
            label_counts=dict(PART1["labels"]), type_counts=dict(PART1["types"]),
            node_count=PART1["nodes"], relationship_count=PART1["relationships"]))
        c.model.aliases[ALIAS] = Alias(name=ALIAS, database=db(R1))
    return c


def target(cluster):
    return {"uri": cluster.routing_uri(), "username": "neo4j", "password": "password", "simulated": True,
            "cluster": cluster}


def backups(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".backup")) if os.path.isdir(folder) else []


def test_blue_is_backed_up_from_the_backup_member_before_the_switch(cluster, run_playbook, tmp_path):
    folder = tmp_path / "backups"
    backup = {"from": [cluster.backup_address("server3")], "to_path": str(folder), "neo4j_admin": NEO4J_ADMIN}
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(target(cluster), R2, part="*", bg_backup=backup))
    assert run.rc == 0, run
    result = run.results[BACKUP]
    assert result["changed"] is True and result["databases"][db(R1)]["status"] == "backed_up"
    assert backups(folder) == [result["databases"][db(R1)]["name"]]
    assert result["databases"][db(R1)]["name"].startswith(db(R1) + "-")
    # Only the backup member served it, and it was taken before the alias moved.
    with cluster.model.lock:
        served = {(member, database) for member, op, database in cluster.model.backup_requests if database}
    assert served and {member for member, dummy in served} == {"server3"}
    names = [t["task"].split(" : ", 1)[-1] for t in run.tasks]
    assert names.index(BACKUP) < names.index(SWITCH)
    assert target_of(cluster.model) == db(R2)
    summary = run.results["Summary"]["msg"]
    assert "backup of %s: %s (FULL)" % (db(R1), result["databases"][db(R1)]["name"]) in summary


def test_a_failed_backup_stops_before_the_switch_drops_green_and_blue_keeps_serving(cluster, run_playbook, tmp_path):
    folder = tmp_path / "backups"
    address = cluster.backup_address("server3")
    cluster.disable_backup("server3")  # the backup port refuses connections
    backup = {"from": [address], "to_path": str(folder), "neo4j_admin": NEO4J_ADMIN}
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(target(cluster), R2, part="*", bg_backup=backup))
    assert run.rc != 0, run
    assert run.results[BACKUP]["failed"] is True
    assert SWITCH not in run.results
    message = run.results[STOP]["msg"]
    assert message.startswith("Blue/green deployment of %s failed at '%s': " % (db(R2), BACKUP)), message
    assert "The alias %s points at %s." % (ALIAS, db(R1)) in message
    assert "The green database %s was dropped." % db(R2) in message
    assert target_of(cluster.model) == db(R1) and releases(cluster.model) == [db(R1)]
    assert backups(folder) == []


def test_no_backup_target_and_a_first_deployment_take_no_backup(make_cluster, run_playbook, tmp_path):
    cluster = make_cluster(3, backup_members=["server3"])
    backup = {"from": [cluster.backup_address("server3")], "to_path": str(tmp_path / "b"), "neo4j_admin": NEO4J_ADMIN}
    first = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(target(cluster), R1, bg_backup=backup))
    assert first.rc == 0, first
    assert first.results[BACKUP].get("skipped") is True  # no blue yet
    plain = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(target(cluster), R2))
    assert plain.rc == 0, plain
    assert plain.results[BACKUP].get("skipped") is True
    assert target_of(cluster.model) == db(R2) and backups(tmp_path / "b") == []


def test_a_rollback_backs_up_the_release_it_leaves_and_a_failed_backup_keeps_the_alias(cluster, run_playbook, tmp_path):
    """A rollback is a cutover too: with bg_backup the live release is backed up first; when that backup fails the alias
    stays where it was. The backup target arrives as a JSON string, as an AWX survey sends it."""
    with cluster.model.lock:
        cluster.model.create_database(db(R2), primaries=1, secondaries=2, start_delay=0.0, graph=GraphData(
            label_counts=dict(PART1["labels"]), type_counts=dict(PART1["types"]),
            node_count=PART1["nodes"], relationship_count=PART1["relationships"]))
        cluster.model.aliases[ALIAS] = Alias(name=ALIAS, database=db(R2))
    folder = tmp_path / "backups"
    address = cluster.backup_address("server3")
    backup = json.dumps({"from": [address], "to_path": str(folder), "neo4j_admin": NEO4J_ADMIN})
    rollback_vars = {"neo4j_uri": cluster.routing_uri(), "neo4j_username": "neo4j", "neo4j_password": "password",
                     "bg_alias": ALIAS, "bg_backup": backup}
    cluster.disable_backup("server3")
    refused = run_playbook("playbooks/rollback.yml", extra_vars=rollback_vars)
    assert refused.rc != 0 and refused.results[ROLLBACK_BACKUP]["failed"] is True, refused
    assert target_of(cluster.model) == db(R2) and backups(folder) == []

    cluster.enable_backup("server3")
    run = run_playbook("playbooks/rollback.yml", extra_vars=rollback_vars)
    assert run.rc == 0, run
    taken = run.results[ROLLBACK_BACKUP]["databases"][db(R2)]["name"]
    assert backups(folder) == [taken] and taken.startswith(db(R2) + "-")
    names = [t["task"].split(" : ", 1)[-1] for t in run.tasks]
    assert names.index(ROLLBACK_BACKUP) < names.index("Switch the alias back, only if it still points at the current release")
    assert target_of(cluster.model) == db(R1)
    assert "backup of %s before the switch: %s" % (db(R2), taken) in run.results["Summary"]["msg"]

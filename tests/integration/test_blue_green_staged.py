"""The staged load path of the neo4j_blue_green role (bg_load_path=staged): green is imported through the Arrow
server of a standalone loader (a second, single-member simulator with its backup listener on), backed up there with
neo4j_backup and shipped to S3 (moto), and created on the cluster with CREATE DATABASE ... OPTIONS {seedURI}; the
cluster runs no GDS at all, so nothing can reach it through Arrow. A failed staged backup leaves no database on the
cluster or the loader, and no backup."""

import json
import os

import pytest

from simulator.cluster import NEO4J_ADMIN
from simulator.model import Alias, GraphData

from test_blue_green import ALIAS, ALL_PARTS, PART1, R1, R2, db, deploy_vars, graph_of, releases, target_of

LOAD = "Load green into the standalone loader through GDS Arrow Flight"
BACKUP = "Back up green on the loader (the staged backup)"
SEED = "Create green on the cluster seeded from the staged backup, wait until it is online on every member"
DROP_LOADER = "Drop green from the loader"
DELETE_STAGE = "Delete the staged backup"
STOP = "Stop, blue keeps serving"


@pytest.fixture
def cluster(make_cluster, moto_s3):
    """Three members without GDS, seeding from S3 (moto) and files; blue (R1) behind the alias."""
    c = make_cluster(3, arrow=False, seed_providers=["CloudSeedProvider", "FileSeedProvider"],
                     cloud_env=moto_s3.environment())
    with c.model.lock:
        c.model.create_database(db(R1), primaries=1, secondaries=2, start_delay=0.0, graph=GraphData(
            label_counts=dict(PART1["labels"]), type_counts=dict(PART1["types"]),
            node_count=PART1["nodes"], relationship_count=PART1["relationships"]))
        c.model.aliases[ALIAS] = Alias(name=ALIAS, database=db(R1))
    return c


@pytest.fixture
def loader(make_cluster):
    """The standalone loader: one member with GDS Arrow and its backup listener on."""
    return make_cluster(1, backup_members=["server1"])


def staged_vars(cluster, loader, folder, s3=None, **stage):
    target = {"uri": cluster.routing_uri(), "username": "neo4j", "password": "password"}
    stage = dict({"from": loader.backup_address("server1"), "to_path": str(folder), "neo4j_admin": NEO4J_ADMIN}, **stage)
    if s3:
        stage["s3"] = s3
    return deploy_vars(target, R2, part="*", bg_load_path="staged", bg_topology={"primaries": 3},
                       # The loader as an AWX survey sends it: a JSON string.
                       bg_loader=json.dumps({"uri": loader.bolt_uri("server1"), "username": "neo4j", "password": "password"}),
                       bg_stage=stage)


def s3_options(moto_s3, bucket):
    return dict(bucket=bucket, prefix="staging", region=moto_s3.region, endpoint_url=moto_s3.endpoint,
                access_key=moto_s3.access_key, secret_key=moto_s3.secret_key)


def backups(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".backup")) if os.path.isdir(folder) else []


def user_databases(sim):
    with sim.model.lock:
        return sorted(name for name in sim.model.databases if name not in ("system", "neo4j"))


def test_staged_load_seeds_green_from_s3_switches_and_cleans_up(cluster, loader, run_playbook, moto_s3, s3_bucket,
                                                                tmp_path):
    folder = tmp_path / "stage"
    run = run_playbook("playbooks/blue_green.yml",
                       extra_vars=staged_vars(cluster, loader, folder, s3=s3_options(moto_s3, s3_bucket)))
    assert run.rc == 0, run
    results = run.results
    # Loaded on the loader, backed up there in full and shipped, then seeded on every cluster member.
    assert results[LOAD]["changed"] is True and results[LOAD]["node_count"] == ALL_PARTS["nodes"]
    staged = results[BACKUP]["databases"][db(R2)]
    assert staged["status"] == "backed_up" and staged["type"] == "FULL"
    seed_uri = "s3://%s/staging/%s" % (s3_bucket, staged["name"])
    created = results[SEED]
    assert created["changed"] is True
    assert created["queries"][0]["params"]["option_seedURI"] == seed_uri
    with cluster.model.lock:
        states = {name: a.status for name, a in cluster.model.databases[db(R2)].allocations.items()}
    assert states == {"server1": "online", "server2": "online", "server3": "online"}
    assert graph_of(cluster.model, db(R2)) == ALL_PARTS
    # The same validation as the arrow path, then the switch; blue is kept for a rollback.
    assert target_of(cluster.model) == db(R2) and releases(cluster.model) == [db(R1), db(R2)]
    assert "Green holds what was loaded" in results
    # Nothing is left behind: the loader's copy, the local artefact and the S3 object are gone.
    assert results[DROP_LOADER]["changed"] is True and user_databases(loader) == []
    assert results[DELETE_STAGE]["removed"] == {"local": [str(folder / staged["name"])], "s3": [seed_uri]}
    assert backups(folder) == [] and moto_s3.keys(s3_bucket) == []
    summary = results["Staged load, summary"]["msg"]
    assert "cluster seeded from %s; loader copy dropped, staged backup deleted" % seed_uri in summary
    # bg_stage's S3 secret key is in no output and no task result (set_fact printed it, and handed it to callbacks).
    assert moto_s3.secret_key not in run.stdout + run.stderr + json.dumps(run.tasks)


def test_a_failed_staged_backup_leaves_no_database_and_blue_serving(cluster, loader, run_playbook, tmp_path):
    folder = tmp_path / "stage"
    address = loader.backup_address("server1")
    loader.disable_backup("server1")  # the loader's backup port refuses connections
    run = run_playbook("playbooks/blue_green.yml", extra_vars=staged_vars(cluster, loader, folder, **{"from": address}))
    assert run.rc != 0, run
    results = run.results
    assert results[LOAD]["changed"] is True
    assert results[BACKUP]["failed"] is True and SEED not in results
    message = results[STOP]["msg"]
    assert message.startswith("Blue/green deployment of %s failed at '%s': " % (db(R2), BACKUP)), message
    assert "The alias %s points at %s." % (ALIAS, db(R1)) in message
    # No green on the cluster or the loader, no staged backup; blue serves.
    assert releases(cluster.model) == [db(R1)] and target_of(cluster.model) == db(R1)
    assert user_databases(loader) == [] and backups(folder) == []

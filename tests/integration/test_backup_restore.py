"""playbooks/backup.yml and playbooks/restore.yml end to end: two databases backed up from the simulator's backup
member, shipped to S3 (moto), pruned by retention without breaking a chain, and one restored into a new database
behind its alias while a reader sees no failed read."""

import json
import os
import threading

import neo4j
import pytest

from simulator.cluster import NEO4J_ADMIN
from simulator.model import GraphData

ALIAS = "catalog"


@pytest.fixture
def shop(make_cluster, moto_s3):
    """Three members (server3 the backup member), movies behind the alias `catalog`, people; the servers seed with
    CloudSeedProvider and FileSeedProvider (what docs/backup-restore.md asks for) from moto."""
    c = make_cluster(3, backup_members=["server3"], seed_providers=["CloudSeedProvider", "FileSeedProvider"],
                     cloud_env=moto_s3.environment())
    with c.model.lock:
        c.model.create_database("movies", primaries=1, secondaries=2, start_delay=0.0,
                                graph=GraphData(label_counts={"Movie": 3}, node_count=3))
        c.model.create_database("people", primaries=1, secondaries=2, start_delay=0.0,
                                graph=GraphData(label_counts={"Person": 2}, node_count=2))
    with neo4j.GraphDatabase.driver(c.routing_uri(), auth=("neo4j", "password")) as driver:
        driver.execute_query("CREATE ALIAS %s FOR DATABASE movies" % ALIAS, database_="system")
    return c


def write(cluster, database, nodes, label):
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as driver:
        driver.execute_query("UNWIND range(1, $n) AS i CREATE (:%s {i: i})" % label, {"n": nodes}, database_=database)


def connection(cluster):
    return dict(neo4j_uri=cluster.routing_uri(), neo4j_username="neo4j", neo4j_password="password")


def backup_vars(cluster, moto_s3, bucket, folder, **extra):
    values = dict(backup_databases=["movies", "people"], backup_from=[cluster.backup_address("server3")],
                  backup_to_path=str(folder), neo4j_admin=NEO4J_ADMIN,
                  backup_s3=dict(bucket=bucket, prefix="nightly", region=moto_s3.region, endpoint_url=moto_s3.endpoint,
                                 access_key=moto_s3.access_key, secret_key=moto_s3.secret_key),
                  backup_retention=dict(keep_full=1))
    values.update(extra)
    return values


def artefacts(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".backup"))


class Reader:
    """Reads through the alias with managed transactions until stopped; every failure is kept."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.counts = []
        self.failures = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        with neo4j.GraphDatabase.driver(self.cluster.routing_uri(), auth=("neo4j", "password"),
                                        max_transaction_retry_time=15) as driver:
            while not self._stop.is_set():
                try:
                    with driver.session(database=ALIAS) as session:
                        count = session.execute_read(lambda tx: tx.run("MATCH (n) RETURN count(n) AS c").single()["c"])
                    self.counts.append(count)
                except Exception as exc:  # none may happen
                    self.failures.append(repr(exc))
                self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)


def test_back_up_ship_prune_and_restore_behind_the_alias_while_reading(
        run_playbook, shop, moto_s3, s3_bucket, tmp_path):
    folder = tmp_path / "backups"
    runs = []
    for backup_type, movies_added in (("FULL", 2), ("AUTO", 1), ("FULL", 4), ("AUTO", 0)):
        run = run_playbook("playbooks/backup.yml",
                           extra_vars=backup_vars(shop, moto_s3, s3_bucket, folder, backup_type=backup_type))
        assert run.rc == 0, run
        runs.append(run.results["Back up, ship and prune"])
        if movies_added:
            write(shop, "movies", movies_added, "Movie")
    # Two chains per database; keep_full 1 pruned the first, locally and in S3, and kept the second whole.
    movies = [r["databases"]["movies"] for r in runs]
    assert [m["type"] for m in movies] == ["FULL", "DIFF", "FULL", "DIFF"]
    kept = sorted([movies[2]["name"], movies[3]["name"], runs[2]["databases"]["people"]["name"],
                   runs[3]["databases"]["people"]["name"]])
    assert artefacts(folder) == kept
    assert moto_s3.keys(s3_bucket) == ["nightly/" + n for n in kept]
    first_chain = sorted([movies[0]["name"], movies[1]["name"], runs[0]["databases"]["people"]["name"],
                          runs[1]["databases"]["people"]["name"]])
    assert sorted(os.path.basename(p) for p in runs[2]["pruned"]["local"]) == first_chain  # as the new chain began
    assert sorted(p.rsplit("/", 1)[-1] for p in runs[2]["pruned"]["s3"]) == first_chain
    assert runs[3]["pruned"] == {"local": [], "s3": []}
    assert {member for member, _op, _db in shop.model.backup_requests} == {"server3"}
    # The newest backup holds 3 + 2 + 1 + 4 = 10 movies.  Then someone deletes some: a restore is needed.
    with neo4j.GraphDatabase.driver(shop.routing_uri(), auth=("neo4j", "password")) as driver:
        driver.execute_query("MATCH (n:Movie) DETACH DELETE n", database_="movies")
    write(shop, "movies", 1, "Movie")

    restore_vars = dict(connection(shop), restore_alias=ALIAS, restore_name="catalog-restored",
                        restore_s3=backup_vars(shop, moto_s3, s3_bucket, folder)["backup_s3"],
                        restore_topology=dict(primaries=1, secondaries=2),
                        restore_expected_counts=dict(nodes=10, relationships=0))
    with Reader(shop) as reader:
        restore = run_playbook("playbooks/restore.yml", extra_vars=restore_vars)
    assert restore.rc == 0, restore
    assert reader.failures == [] and reader.counts, reader.failures
    assert reader.counts[0] == 1 and reader.counts[-1] == 10 and set(reader.counts) <= {1, 10}
    results = restore.results
    created = results["Seed the new database from the backup, wait until it is online on every member"]
    assert created["changed"] is True
    assert created["queries"][0]["params"]["option_seedURI"] == "s3://%s/nightly/%s" % (s3_bucket, movies[3]["name"])
    assert results["Switch the alias to the restored database, only if it still points where it did"]["changed"]
    assert shop.model.aliases[ALIAS].database == "catalog-restored"
    restored = shop.model.databases["catalog-restored"]
    assert restored.graph.label_counts == {"Movie": 10} and len(restored.allocations) == 3
    assert all(a.current() == "online" for a in restored.allocations.values())
    assert "movies" in shop.model.databases  # the old database is kept for a switch back


@pytest.mark.parametrize("chains", ["chains", "full-only"])
def test_restore_from_a_local_folder_aggregates_a_differential_chain_first(run_playbook, shop, tmp_path, chains):
    shop.model.file_seed_chains = chains
    folder = tmp_path / "backups"
    for _round in range(2):
        run = run_playbook("playbooks/backup.yml", extra_vars=dict(
            backup_databases=["movies"], backup_from=[shop.backup_address("server3")], backup_to_path=str(folder),
            neo4j_admin=NEO4J_ADMIN))
        assert run.rc == 0, run
        write(shop, "movies", 2, "Movie")
    restore = run_playbook("playbooks/restore.yml", extra_vars=dict(
        connection(shop), restore_alias=ALIAS, restore_path=str(folder), neo4j_admin=NEO4J_ADMIN,
        restore_expected_counts=dict(nodes=5)))
    assert restore.rc == 0, restore
    aggregated = restore.results["Aggregate the chain of a local differential backup into one full backup"]
    assert aggregated["changed"] is True
    target = shop.model.aliases[ALIAS].database
    assert target.startswith("catalog-") and shop.model.databases[target].graph.node_count == 5
    assert len(artefacts(folder)) == 3  # the old chain is kept next to the aggregated full backup


def test_a_restore_that_fails_drops_its_database_and_leaves_the_alias(run_playbook, shop, moto_s3, s3_bucket,
                                                                      tmp_path):
    run = run_playbook("playbooks/backup.yml",
                       extra_vars=backup_vars(shop, moto_s3, s3_bucket, tmp_path, backup_databases=["movies"]))
    assert run.rc == 0, run
    restore_s3 = backup_vars(shop, moto_s3, s3_bucket, tmp_path)["backup_s3"]
    wrong_counts = run_playbook("playbooks/restore.yml", extra_vars=dict(
        connection(shop), restore_alias=ALIAS, restore_s3=restore_s3, restore_name="catalog-wrong",
        restore_expected_counts=dict(nodes=99)))
    assert wrong_counts.rc != 0
    failure = wrong_counts.results["Stop, the alias keeps its database"]["msg"]
    assert "holds 3 nodes and 0 relationships; expected 99" in failure
    assert "The alias catalog points at movies" in failure and "catalog-wrong was dropped" in failure
    assert "catalog-wrong" not in shop.model.databases and shop.model.aliases[ALIAS].database == "movies"

    shop.model.cloud_environment = dict(moto_s3.environment(), AWS_SECRET_ACCESS_KEY="not-the-secret")
    unreadable = run_playbook("playbooks/restore.yml", extra_vars=dict(
        connection(shop), restore_alias=ALIAS, restore_s3=restore_s3, restore_name="catalog-unreadable"))
    assert unreadable.rc != 0
    message = unreadable.results["Stop, the alias keeps its database"]["msg"]
    assert "Unable to start database `DatabaseId{" in message and "Seeding from s3://" in message
    assert "catalog-unreadable" not in shop.model.databases and shop.model.aliases[ALIAS].database == "movies"
    assert any("SignatureDoesNotMatch" in line for line in shop.model.debug_log)

    missing = run_playbook("playbooks/restore.yml", extra_vars=dict(
        connection(shop), restore_alias=ALIAS, restore_s3=restore_s3, restore_backup="movies-1999-01-01T00-00-00.backup"))
    assert missing.rc != 0
    assert "No backup named movies-1999-01-01T00-00-00.backup of movies was found" in \
        missing.results["There is a backup to restore"]["msg"]
    assert sorted(shop.model.databases) == ["movies", "neo4j", "people", "system"]
    assert json.dumps(missing.tasks).count(moto_s3.secret_key) == 0

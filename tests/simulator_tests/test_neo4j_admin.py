"""The neo4j-admin stand-in (tests/simulator/bin/neo4j-admin) against a simulated cluster's backup listener.

Command lines, exit codes, log lines, artefact names and the inspect table follow the sources in
``simulator/neo4j_admin.py``; these tests run the executable as a module would.
"""

import os
import re
import subprocess

import pytest

from simulator import backups
from simulator.cluster import NEO4J_ADMIN, Cluster
from simulator.model import GraphData

NAME = re.compile(r"^(?P<db>[a-z0-9.-]+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.backup$")


def admin(*args, env=None, cwd=None):
    environment = dict(os.environ)
    environment.pop("GRAPHOPS_SIM_ADMIN_VERSION", None)
    environment.update(env or {})
    return subprocess.run([NEO4J_ADMIN, *args], capture_output=True, text=True, env=environment, cwd=cwd,
                          timeout=60, check=False)


@pytest.fixture
def backup_cluster():
    """Three members, backups served by server3 only (the backup member); ``movies`` on every member."""
    c = Cluster(members=3, backup_members=["server3"]).start()
    with c.model.lock:
        db = c.model.create_database("movies", primaries=1, secondaries=2, start_delay=0.0,
                                     graph=GraphData(label_counts={"Movie": 3}, node_count=3, node_properties={"title"}))
        db.last_committed_txn = 5
    try:
        yield c
    finally:
        c.stop()


def write(cluster, database, nodes, label="Movie"):
    """A committed write: ``nodes`` more nodes, one more transaction."""
    with cluster.model.lock:
        db = cluster.model.databases[database]
        db.graph.node_count += nodes
        db.graph.label_counts[label] = db.graph.label_counts.get(label, 0) + nodes
        db.last_committed_txn += 1


def artefacts(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".backup"))


def backup(cluster, folder, *extra, database="movies", member="server3"):
    return admin("database", "backup", "--from=%s" % cluster.backup_address(member), "--to-path=%s" % folder,
                 *extra, database)


def test_version_is_printed_bare_and_follows_the_simulated_release():
    assert admin("--version").stdout == "5.26.0\n"
    assert admin("-V", env={"GRAPHOPS_SIM_ADMIN_VERSION": "2025.10.1"}).stdout == "2025.10.1\n"


def test_full_then_differential_then_empty_backup_and_the_inspect_table(backup_cluster, tmp_path):
    first = backup(backup_cluster, tmp_path)
    assert first.returncode == 0, first
    assert "Falling back to full backup of database 'movies'." in first.stdout
    assert "Finished full backup of database 'movies'. Downloaded from tx -1 to tx 5." in first.stdout
    assert re.search(r"^\S+ \S+ INFO  \[c\.n\.b\.b\.BackupOutputMonitor\] Starting backup of database 'movies' from "
                     r"servers: \[127\.0\.0\.1:\d+\]$", first.stdout, re.M)
    write(backup_cluster, "movies", 2)
    second = backup(backup_cluster, tmp_path)
    assert second.returncode == 0 and "Finished differential backup of database 'movies'." in second.stdout
    third = backup(backup_cluster, tmp_path, "--type=DIFF")
    assert third.returncode == 0 and "has not any recent data for database 'DatabaseId{" in third.stdout
    names = artefacts(tmp_path)
    assert len(names) == 3 and all(NAME.match(n).group("db") == "movies" for n in names)

    listed = admin("backup", "inspect", str(tmp_path), "--show-metadata", "--empty")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert re.fullmatch(r"\| +FILE \| DATABASE \| +DATABASE ID \| +TIME \(UTC\) \|  FULL \| COMPRESSED \| LOWEST TX \| "
                        r"HIGHEST TX \|", lines[0])
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[1:]]
    assert [c[4:] for c in cells] == [["false", "true", "0", "0"], ["false", "true", "6", "6"],
                                      ["true", "true", "1", "5"]]  # newest first
    assert cells[2][0] == "file://%s/%s" % (tmp_path, names[0])
    assert len({len(line) for line in lines}) == 1  # right-aligned columns
    # Without --empty the empty differential backup is left out.
    assert len(admin("backup", "inspect", str(tmp_path), "--show-metadata").stdout.splitlines()) == 3
    # Only the backup member served: serving members feel nothing.
    assert {member for member, _op, _db in backup_cluster.model.backup_requests} == {"server3"}


def test_the_chain_restores_the_database_content(backup_cluster, tmp_path):
    backup(backup_cluster, tmp_path)
    write(backup_cluster, "movies", 4, label="Person")
    backup(backup_cluster, tmp_path)
    found = backups.scan_local(str(tmp_path))
    chain = backups.latest_chain(found, "movies")
    graph = backups.restore_graph(chain, {a.name: backups.read_local(a.location)[1] for a in chain})
    assert graph["node_count"] == 7 and graph["label_counts"] == {"Movie": 3, "Person": 4}
    # A differential backup alone is useless: its payload is a change, not the graph.
    assert backups.read_local(chain[-1].location)[1]["node_count"] == 4


def test_diff_without_a_full_backup_fails(backup_cluster, tmp_path):
    result = backup(backup_cluster, tmp_path, "--type=DIFF")
    assert result.returncode == 1
    assert ("Differential backup of database 'movies' failed. Reason: Differential backups require that a full backup "
            "of the same database exists in the folder defined in --to-path.") in result.stdout
    assert artefacts(tmp_path) == []


def test_a_recreated_database_gets_a_new_full_backup(backup_cluster, tmp_path):
    backup(backup_cluster, tmp_path)
    with backup_cluster.model.lock:
        backup_cluster.model.drop_database("movies")
        backup_cluster.model.create_database("movies", primaries=1, secondaries=2, start_delay=0.0)
    again = backup(backup_cluster, tmp_path)
    assert again.returncode == 0 and "Falling back to full backup" in again.stdout


def test_an_unreachable_server_in_from_makes_the_exit_code_1_even_when_the_backup_succeeded(backup_cluster, tmp_path):
    backup_cluster.enable_backup("server2")
    down = backup_cluster.backup_address("server2")
    backup_cluster.disable_backup("server2")
    result = admin("database", "backup", "--from=%s,%s" % (down, backup_cluster.backup_address("server3")),
                   "--to-path=%s" % tmp_path, "movies")
    assert result.returncode == 1
    assert len(artefacts(tmp_path)) == 1  # succeeded, with problems


def test_backup_port_off_or_member_down_fails_the_backup(backup_cluster, tmp_path):
    address = backup_cluster.backup_address("server3")
    backup_cluster.kill_member("server3")
    result = admin("database", "backup", "--from=%s" % address, "--to-path=%s" % tmp_path, "movies")
    assert result.returncode == 1 and artefacts(tmp_path) == []
    assert "Backup failed for database(s): movies" in result.stderr
    backup_cluster.restart_member("server3")  # the listener comes back on the same port
    assert admin("database", "backup", "--from=%s" % address, "--to-path=%s" % tmp_path, "movies").returncode == 0


def test_patterns_back_up_every_matching_database_the_servers_host(backup_cluster, tmp_path):
    result = backup(backup_cluster, tmp_path, database="*")
    assert result.returncode == 0, result
    assert sorted(NAME.match(n).group("db") for n in artefacts(tmp_path)) == ["movies", "system"]


def test_one_missing_database_of_several_gives_exit_1_and_the_others_are_backed_up(backup_cluster, tmp_path):
    result = admin("database", "backup", "--from=%s" % backup_cluster.backup_address("server3"),
                   "--to-path=%s" % tmp_path, "movies", "nope")
    assert result.returncode == 1
    assert [NAME.match(n).group("db") for n in artefacts(tmp_path)] == ["movies"]


def test_wrong_options_exit_64_with_picocli_messages(tmp_path):
    unknown = admin("database", "backup", "--to-path=%s" % tmp_path, "--bogus", "movies")
    assert unknown.returncode == 64 and unknown.stderr.startswith("Unknown option: '--bogus'")
    bad_type = admin("database", "backup", "--to-path=%s" % tmp_path, "--type=weekly", "movies")
    assert bad_type.returncode == 64 and "expected one of [FULL, DIFF, AUTO]" in bad_type.stderr
    missing = admin("database", "backup", "movies")
    assert missing.returncode == 64 and "Missing required option: '--to-path=<path>'" in missing.stderr


def test_a_full_disk_fails_the_backup_and_leaves_no_artefact(backup_cluster, tmp_path):
    backup_cluster.model.backup_store_bytes["movies"] = 4 * 1024 * 1024
    env = {"GRAPHOPS_SIM_DISK_FREE": str(1024 * 1024)}
    result = admin("database", "backup", "--from=%s" % backup_cluster.backup_address("server3"),
                   "--to-path=%s" % tmp_path, "movies", env=env)
    assert result.returncode == 1 and "No space left on device" in result.stdout
    assert os.listdir(tmp_path) == []
    kept = admin("database", "backup", "--from=%s" % backup_cluster.backup_address("server3"),
                 "--to-path=%s" % tmp_path, "--keep-failed", "movies", env=env)
    assert kept.returncode == 1 and artefacts(tmp_path) == []
    assert [n for n in os.listdir(tmp_path) if n.endswith(".failed")]


def test_store_bytes_make_large_incompressible_artefacts(backup_cluster, tmp_path):
    backup_cluster.model.backup_store_bytes["movies"] = 3 * 1024 * 1024
    assert backup(backup_cluster, tmp_path, "--compress=false").returncode == 0
    [name] = artefacts(tmp_path)
    assert os.path.getsize(tmp_path / name) > 3 * 1024 * 1024
    artifact, payload = backups.read_local(str(tmp_path / name))
    assert artifact.compressed is False and payload["node_count"] == 3


def test_aggregate_names_by_release_and_the_aggregated_full_restores_the_chain(backup_cluster, tmp_path):
    chain, kept = tmp_path / "chain", tmp_path / "kept"
    for folder in (chain, kept):
        folder.mkdir()
        backup(backup_cluster, folder)
    write(backup_cluster, "movies", 2)
    for folder in (chain, kept):
        backup(backup_cluster, folder)
    new_name = admin("backup", "aggregate", "--from-path=%s" % chain, "movies")
    assert new_name.returncode == 64  # 5.26: the command is `database aggregate-backup`
    result = admin("backup", "aggregate", "--from-path=%s" % chain, "movies",
                   env={"GRAPHOPS_SIM_ADMIN_VERSION": "2025.01.0"})
    assert result.returncode == 0, result
    [name] = artefacts(chain)  # the chain went, one full artefact is left
    artifact, payload = backups.read_local(str(chain / name))
    assert artifact.full and (artifact.lowest_tx, artifact.highest_tx) == (1, 6) and payload["node_count"] == 5

    old_name = admin("database", "aggregate-backup", "--from-path=%s" % kept, "--keep-old-backup", "movies")
    assert old_name.returncode == 0, old_name
    assert len(artefacts(kept)) == 3
    deprecated = admin("database", "aggregate-backup", "--from-path=%s" % kept, "movies",
                       env={"GRAPHOPS_SIM_ADMIN_VERSION": "2025.01.0"})
    assert deprecated.returncode == 0 and "deprecated" in deprecated.stderr


def test_consistency_check_of_a_backup(backup_cluster, tmp_path):
    reports = tmp_path / "reports"
    folder = tmp_path / "backups"
    folder.mkdir()
    backup(backup_cluster, folder)
    assert admin("database", "check", "--from-path=%s" % folder, "movies").returncode == 0
    write(backup_cluster, "movies", 1)
    backup(backup_cluster, folder)
    diff = admin("database", "check", "--from-path=%s" % folder, "movies")
    assert diff.returncode == 1 and "not supported for differential backups" in diff.stderr

    bad = tmp_path / "bad"
    bad.mkdir()
    backup_cluster.model.backup_inconsistent.add("movies")
    backup(backup_cluster, bad, "--type=FULL")
    result = admin("database", "check", "--from-path=%s" % bad, "--report-path=%s" % reports, "movies")
    assert result.returncode == 1
    [report] = os.listdir(reports)
    assert re.fullmatch(r"inconsistencies-\d{4}-\d{2}-\d{2}\.\d{2}\.\d{2}\.\d{2}\.report", report)


def test_backup_to_s3_and_inspect_there(backup_cluster, moto_s3, s3_bucket):
    env = moto_s3.environment()
    result = admin("database", "backup", "--from=%s" % backup_cluster.backup_address("server3"),
                   "--to-path=s3://%s/nightly/" % s3_bucket, "movies", env=env)
    assert result.returncode == 0, result
    [key] = moto_s3.keys(s3_bucket)
    assert key.startswith("nightly/movies-") and key.endswith(".backup")
    write(backup_cluster, "movies", 1)
    assert admin("database", "backup", "--from=%s" % backup_cluster.backup_address("server3"),
                 "--to-path=s3://%s/nightly/" % s3_bucket, "movies", env=env).returncode == 0
    listed = admin("backup", "inspect", "s3://%s/nightly/" % s3_bucket, "--show-metadata", env=env)
    assert listed.returncode == 0
    assert [line.split("|")[5].strip() for line in listed.stdout.splitlines()[1:]] == ["false", "true"]
    assert "s3://%s/nightly/movies-" % s3_bucket in listed.stdout


def test_restore_and_json_inspect_are_refused_as_not_modelled(tmp_path):
    restore = admin("database", "restore", "--from-path=%s" % tmp_path, "movies")
    assert restore.returncode == 70 and "not modelled" in restore.stderr
    json_format = admin("backup", "inspect", str(tmp_path), "--format=JSON")
    assert json_format.returncode == 70

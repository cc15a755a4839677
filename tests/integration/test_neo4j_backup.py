"""neo4j_backup and neo4j_backup_info through ansible-playbook: the simulator's backup member and neo4j-admin
stand-in, S3 on moto (server mode, 127.0.0.1).

Every test asserts outcomes: artefacts on disk, objects and checksums in the bucket, what the backup
listeners served, and the task results.
"""

import base64
import hashlib
import json
import os
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest

from moto_s3 import CuttingProxy
from simulator import backups, versions
from simulator.cluster import NEO4J_ADMIN
from simulator.model import GraphData

MIB = 1024 * 1024


def play(tasks):
    """A play on localhost (neo4j_backup takes no Bolt connection options)."""
    body = "\n".join("    " + line if line else line for line in tasks.strip("\n").splitlines())
    return "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + body + "\n"


@pytest.fixture
def backup_cluster(make_cluster):
    return backup_serving(make_cluster)


def backup_serving(make_cluster):
    """Three members; server3 is the backup member (its backup listener is on); movies and people are hosted on
    every member (1 primary, 2 secondaries).  Also the reliability suite's (tests/reliability/fault_kinds.py)."""
    c = make_cluster(3, backup_members=["server3"])
    with c.model.lock:
        movies = c.model.create_database("movies", primaries=1, secondaries=2, start_delay=0.0,
                                         graph=GraphData(label_counts={"Movie": 3}, node_count=3))
        movies.last_committed_txn = 5
        people = c.model.create_database("people", primaries=1, secondaries=2, start_delay=0.0,
                                         graph=GraphData(label_counts={"Person": 2}, node_count=2))
        people.last_committed_txn = 3
    return c


def write(cluster, database, nodes, label="Movie"):
    with cluster.model.lock:
        db = cluster.model.databases[database]
        db.graph.node_count += nodes
        db.graph.label_counts[label] = db.graph.label_counts.get(label, 0) + nodes
        db.last_committed_txn += 1


def s3_options(moto_s3, bucket, **extra):
    options = dict(bucket=bucket, prefix="prod", region=moto_s3.region, endpoint_url=moto_s3.endpoint,
                   access_key=moto_s3.access_key, secret_key=moto_s3.secret_key)
    options.update(extra)
    return options


def backup_task(cluster, folder, name="Back up", **options):
    spec = dict(database=["movies", "people"], to_path=str(folder), neo4j_admin=NEO4J_ADMIN,
                **{"from": [cluster.backup_address("server3")]})
    spec.update(options)
    spec = dict((k, v) for k, v in spec.items() if v is not None)
    return "- name: %s\n  graphops.neo4j.neo4j_backup: %s\n  ignore_errors: true\n" % (name, json.dumps(spec))


def with_environment(task, **variables):
    """``task`` (from backup_task) run with these environment variables."""
    return task + "  environment: %s\n" % json.dumps(variables)


def local_sha256(path, part=None):
    """The checksum S3 stores: base64 SHA-256, or the composite over parts of ``part`` bytes (computed here, apart
    from the module)."""
    data = open(path, "rb").read()
    if part is None:
        return base64.b64encode(hashlib.sha256(data).digest()).decode()
    digests = [hashlib.sha256(data[i:i + part]).digest() for i in range(0, len(data), part)]
    return base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode()


def stored_sha256(moto_s3, bucket, key):
    return moto_s3.client().head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")["ChecksumSHA256"]


def artefacts(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".backup")) if os.path.isdir(folder) else []


# ----- back up, ship, run again ---------------------------------------------------------------------------------

def test_backup_from_the_backup_member_ships_to_s3_and_a_second_run_is_differential(
        run_playbook, backup_cluster, moto_s3, s3_bucket, tmp_path):
    folder = tmp_path / "backups"
    task = backup_task(backup_cluster, folder, s3=s3_options(moto_s3, s3_bucket))
    first = run_playbook(play(task))
    result = first.results["Back up"]
    assert first.rc == 0 and result.get("failed") is not True, first
    assert result["changed"] is True and result["rc"] == 0
    assert result["neo4j_admin_version"] == backup_cluster.version
    for database in ("movies", "people"):
        entry = result["databases"][database]
        assert entry["status"] == "backed_up" and entry["type"] == "FULL" and entry["lowest_tx"] == 1
        assert os.path.getsize(entry["artifact"]) == entry["size"] > 0
        assert entry["duration"] is not None
    assert result["databases"]["movies"]["highest_tx"] == 5
    assert os.stat(folder).st_mode & 0o777 == 0o750  # created
    uploads = result["uploads"]
    assert [u["changed"] for u in uploads] == [True, True]
    for upload in uploads:
        path = str(folder / upload["artifact"])
        assert upload["key"] == "prod/" + upload["artifact"]
        assert stored_sha256(moto_s3, s3_bucket, upload["key"]) == local_sha256(path) == upload["checksum"]
        assert upload["checksum_algorithm"] == "SHA256"
    assert {m for m, _op, _db in backup_cluster.model.backup_requests} == {"server3"}  # serving members feel nothing

    write(backup_cluster, "movies", 2)
    second = run_playbook(play(task)).results["Back up"]
    assert second["databases"]["movies"]["type"] == "DIFF"
    assert (second["databases"]["movies"]["lowest_tx"], second["databases"]["movies"]["highest_tx"]) == (6, 6)
    assert second["databases"]["people"]["type"] == "DIFF" and second["databases"]["people"]["empty"] is True
    changed = {u["artifact"]: u["changed"] for u in second["uploads"]}
    assert sorted(changed.values()) == [False, False, True, True]  # the first two were there, same checksum
    assert sorted(moto_s3.keys(s3_bucket)) == sorted("prod/" + n for n in artefacts(folder))
    head = moto_s3.client().head_object(Bucket=s3_bucket, Key="prod/" + second["databases"]["movies"]["name"])
    assert head["Metadata"]["neo4j-database"] == "movies" and head["Metadata"]["neo4j-full"] == "false"


def test_check_mode_reports_the_command_and_runs_nothing(run_playbook, backup_cluster, tmp_path):
    folder = tmp_path / "backups"
    run = run_playbook(play(backup_task(backup_cluster, folder, type="FULL", pagecache="1G", compress=False)),
                       check=True)
    result = run.results["Back up"]
    assert result["changed"] is True and result.get("created_to_path") is True
    assert result["command"][1:] == ["database", "backup", "--from=%s" % backup_cluster.backup_address("server3"),
                                     "--to-path=%s" % folder, "--type=FULL", "--compress=false", "--pagecache=1G",
                                     "movies", "people"]
    assert not folder.exists() and backup_cluster.model.backup_requests == []


def test_multipart_upload_is_verified_with_the_composite_checksum(run_playbook, backup_cluster, moto_s3, s3_bucket,
                                                                  tmp_path):
    backup_cluster.model.backup_store_bytes["movies"] = 12 * MIB
    s3 = s3_options(moto_s3, s3_bucket, multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB,
                    storage_class="STANDARD_IA", sse="AES256")
    result = run_playbook(play(backup_task(backup_cluster, tmp_path, database=["movies"], s3=s3))).results["Back up"]
    [upload] = result["uploads"]
    assert upload["checksum"].endswith("-3") and upload["size"] > 12 * MIB
    assert upload["checksum"].split("-")[0] == local_sha256(str(tmp_path / upload["artifact"]), 5 * MIB)
    head = moto_s3.client().head_object(Bucket=s3_bucket, Key=upload["key"], ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"].split("-")[0] == upload["checksum"].split("-")[0]
    assert head["ServerSideEncryption"] == "AES256" and head["StorageClass"] == "STANDARD_IA"


# ----- failures -------------------------------------------------------------------------------------------------

def test_neo4j_admin_exit_1_fails_the_task_with_its_output_and_uploads_nothing(
        run_playbook, backup_cluster, moto_s3, s3_bucket, tmp_path):
    task = backup_task(backup_cluster, tmp_path, database=["movies", "nope"], s3=s3_options(moto_s3, s3_bucket))
    result = run_playbook(play(task)).results["Back up"]
    assert result["failed"] is True and result["rc"] == 1
    assert result["databases"]["movies"]["status"] == "backed_up"  # reported as such, not as total success
    assert result["databases"]["nope"]["status"] == "failed"
    assert any("'nope'" in line for line in result["databases"]["nope"]["output"])
    assert "nope failed" in result["msg"] and "Backed up: movies" in result["msg"]
    assert "Nothing was uploaded" in result["msg"] and result["output"]
    assert moto_s3.keys(s3_bucket) == []


def test_an_unreachable_backup_port_fails_clearly(run_playbook, backup_cluster, tmp_path):
    backup_cluster.disable_backup("server3")
    result = run_playbook(play(backup_task(backup_cluster, tmp_path, database=["movies"]))).results["Back up"]
    assert result["failed"] is True and result["rc"] == 1
    assert result["databases"]["movies"]["status"] == "failed"
    assert any("Unable to connect to %s" % backup_cluster.backup_address("server3") in line
               for line in result["output"])
    assert artefacts(tmp_path) == []


def test_a_second_from_address_that_does_not_answer_is_a_problem_even_when_the_backup_succeeded(
        run_playbook, backup_cluster, tmp_path):
    backup_cluster.enable_backup("server2")
    down = backup_cluster.backup_address("server2")
    backup_cluster.disable_backup("server2")
    task = backup_task(backup_cluster, tmp_path, database=["movies"],
                       **{"from": [down, backup_cluster.backup_address("server3")]})
    result = run_playbook(play(task)).results["Back up"]
    assert result["failed"] is True and result["databases"]["movies"]["status"] == "backed_up"
    assert "succeeded with problems" in result["msg"]


def test_a_full_disk_fails_the_backup(run_playbook, backup_cluster, tmp_path):
    backup_cluster.model.backup_store_bytes["movies"] = 2 * MIB
    run = run_playbook(play(with_environment(backup_task(backup_cluster, tmp_path, database=["movies"]),
                                             GRAPHOPS_SIM_DISK_FREE=str(MIB))))
    result = run.results["Back up"]
    assert result["failed"] is True
    assert any("No space left on device" in line for line in result["databases"]["movies"]["output"])
    assert artefacts(tmp_path) == []


def test_a_failed_consistency_check_fails_and_uploads_nothing(
        run_playbook, backup_cluster, moto_s3, s3_bucket, tmp_path):
    backup_cluster.model.backup_inconsistent.add("movies")
    task = backup_task(backup_cluster, tmp_path, consistency_check=True, s3=s3_options(moto_s3, s3_bucket))
    result = run_playbook(play(task)).results["Back up"]
    assert result["failed"] is True and "consistency check" in result["msg"]
    assert result["databases"]["movies"]["consistency_check"] == "failed"
    assert result["databases"]["people"]["consistency_check"] == "passed"
    assert os.path.isfile(result["databases"]["movies"]["consistency_report"])
    assert moto_s3.keys(s3_bucket) == []


def test_wrong_bucket_wrong_credentials_and_missing_neo4j_admin_give_clear_errors(run_playbook, backup_cluster,
                                                                                  moto_s3, s3_bucket, tmp_path):
    tasks = (backup_task(backup_cluster, tmp_path, name="Wrong bucket",
                         s3=s3_options(moto_s3, "no-such-bucket-anywhere"))
             + backup_task(backup_cluster, tmp_path, name="Wrong secret",
                           s3=s3_options(moto_s3, s3_bucket, secret_key="not-the-secret"))
             + backup_task(backup_cluster, tmp_path, name="Unknown key",
                           s3=s3_options(moto_s3, s3_bucket, access_key="AKIAIOSFODNN7EXAMPLE"))
             + backup_task(backup_cluster, tmp_path, name="No neo4j-admin", neo4j_admin=str(tmp_path / "nowhere")))
    run = run_playbook(play(tasks))
    results = run.results
    assert "s3.bucket: bucket 'no-such-bucket-anywhere' does not exist" in results["Wrong bucket"]["msg"]
    assert "S3 refused the credentials (SignatureDoesNotMatch)" in results["Wrong secret"]["msg"]
    assert "S3 refused the credentials (InvalidAccessKeyId)" in results["Unknown key"]["msg"]
    assert results["No neo4j-admin"]["msg"] == "neo4j_admin: %s is not an executable file." % (tmp_path / "nowhere")
    assert all(r["failed"] for r in results.values())
    assert artefacts(tmp_path) == [] and backup_cluster.model.backup_requests == []  # nothing ran
    missing = run_playbook(play(with_environment(backup_task(backup_cluster, tmp_path, name="Not on PATH",
                                                             neo4j_admin=None), PATH=str(tmp_path))))
    assert missing.results["Not on PATH"]["msg"].startswith("neo4j_admin: neo4j-admin was not found on PATH")


def test_secrets_never_appear_in_output_at_vvv(run_playbook, backup_cluster, moto_s3, s3_bucket, tmp_path):
    tasks = (backup_task(backup_cluster, tmp_path, database=["movies"], s3=s3_options(moto_s3, s3_bucket))
             + backup_task(backup_cluster, tmp_path, database=["movies"], name="With a token",
                           s3=s3_options(moto_s3, s3_bucket, session_token="token-that-must-not-leak")))
    run = run_playbook(play(tasks), verbosity=3)
    assert run.results["Back up"].get("failed") is not True, run
    assert "S3 refused the credentials (InvalidToken)" in run.results["With a token"]["msg"]
    everything = run.stdout + run.stderr + json.dumps(run.tasks)
    assert moto_s3.secret_key not in everything and "token-that-must-not-leak" not in everything
    assert moto_s3.access_key not in everything


# ----- interrupted uploads --------------------------------------------------------------------------------------

def test_an_upload_cut_midway_leaves_nothing_visible_and_a_rerun_ships_it(run_playbook, backup_cluster, moto_s3,
                                                                          s3_bucket, tmp_path):
    backup_cluster.model.backup_store_bytes["movies"] = 12 * MIB
    with CuttingProxy(moto_s3.address, budget=2 * MIB) as proxy:
        s3 = s3_options(moto_s3, s3_bucket, endpoint_url=proxy.endpoint, multipart_threshold=5 * MIB,
                        multipart_chunksize=5 * MIB)
        cut = run_playbook(play(backup_task(backup_cluster, tmp_path, database=["movies"], s3=s3))).results["Back up"]
    assert cut["failed"] is True and proxy.cut > 0
    assert "nothing was left in the bucket" in cut["msg"]
    assert moto_s3.keys(s3_bucket) == [] and moto_s3.pending_uploads(s3_bucket) == []
    [name] = artefacts(tmp_path)
    ship = json.dumps(dict(state="shipped", database=["movies"], to_path=str(tmp_path), neo4j_admin=NEO4J_ADMIN,
                           s3=s3_options(moto_s3, s3_bucket, multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)))
    rerun = run_playbook(play("- name: Ship\n  graphops.neo4j.neo4j_backup: %s\n" % ship)).results["Ship"]
    assert rerun["changed"] is True and [u["artifact"] for u in rerun["uploads"]] == [name]
    assert stored_sha256(moto_s3, s3_bucket, "prod/" + name).split("-")[0] == local_sha256(str(tmp_path / name), 5 * MIB)
    again = run_playbook(play("- name: Ship\n  graphops.neo4j.neo4j_backup: %s\n" % ship)).results["Ship"]
    assert again["changed"] is False


def test_a_killed_upload_leaves_no_object_and_the_rerun_clears_its_parts(run_playbook, backup_cluster, moto_s3,
                                                                         s3_bucket, tmp_path):
    backup_cluster.model.backup_store_bytes["movies"] = 12 * MIB
    proxy = CuttingProxy(moto_s3.address, budget=6 * MIB, mode="stall")
    s3 = s3_options(moto_s3, s3_bucket, endpoint_url=proxy.endpoint, multipart_threshold=5 * MIB,
                    multipart_chunksize=5 * MIB, max_concurrency=1)
    proc = run_playbook(play(backup_task(backup_cluster, tmp_path, database=["movies"], s3=s3)), start=True)
    try:
        deadline = time.monotonic() + 120
        while not (proxy.cut and moto_s3.pending_uploads(s3_bucket)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proxy.cut, "the upload never reached the cut"
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGKILL)  # the module dies mid-upload: nothing can abort the multipart upload
        proc.wait(30)
    finally:
        proxy.close()
    assert moto_s3.keys(s3_bucket) == []  # an incomplete multipart upload is invisible
    assert len(moto_s3.pending_uploads(s3_bucket)) == 1
    ship = json.dumps(dict(state="shipped", database=["movies"], to_path=str(tmp_path), neo4j_admin=NEO4J_ADMIN,
                           s3=s3_options(moto_s3, s3_bucket, multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)))
    result = run_playbook(play("- name: Ship\n  graphops.neo4j.neo4j_backup: %s\n" % ship)).results["Ship"]
    assert result["changed"] is True and result["uploads"][0]["aborted_uploads"] == 1
    assert moto_s3.pending_uploads(s3_bucket) == [] and len(moto_s3.keys(s3_bucket)) == 1


# ----- retention --------------------------------------------------------------------------------------------------

def old_chain(folder, database, full_age_days, diff_age_days, database_id, tx=(3, 4)):
    """A full backup (transactions 1 to tx[0]) and a differential backup (the next ones up to tx[1]) of ``database``,
    taken that many days ago (simulator format)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    made = []
    for age, full, low, high in ((full_age_days, True, 1, tx[0]), (diff_age_days, False, tx[0] + 1, tx[1])):
        when = now - timedelta(days=age)
        artifact = backups.Artifact(name=backups.artifact_name(database, when), location="", database=database,
                                    database_id=backups.uuid_form(database_id), time=when, full=full, compressed=True,
                                    lowest_tx=low, highest_tx=high)
        payload = {"node_count": 1, "relationship_count": 0, "label_counts": {"Movie": 1}, "type_counts": {},
                   "node_properties": [], "relationship_properties": []}
        (folder / artifact.name).write_bytes(backups.encode(artifact, payload))
        made.append(artifact.name)
    return made


def test_retention_never_breaks_a_chain_locally_or_in_s3_and_check_mode_only_reports(
        run_playbook, backup_cluster, moto_s3, s3_bucket, tmp_path):
    ancient = old_chain(tmp_path, "movies", 60, 50, database_id="11111111111111111111111111111111")
    # The diff is young: its 40-day-old full must stay.  Same database id as movies, so backups continue it.
    needed = old_chain(tmp_path, "movies", 40, 3, backup_cluster.model.databases["movies"].database_id)
    s3 = s3_options(moto_s3, s3_bucket)
    ship = json.dumps(dict(state="shipped", database=["movies"], to_path=str(tmp_path), neo4j_admin=NEO4J_ADMIN, s3=s3))
    run_playbook(play("- name: Ship\n  graphops.neo4j.neo4j_backup: %s\n" % ship))
    assert len(moto_s3.keys(s3_bucket)) == 4
    task = backup_task(backup_cluster, tmp_path, database=["movies"], s3=s3, retention=dict(keep_days=7))

    preview = run_playbook(play(task), check=True, diff=True).results["Back up"]
    assert sorted(os.path.basename(p) for p in preview["pruned"]["local"]) == sorted(ancient)
    assert preview["diff"]["before"] == {"local": sorted(ancient + needed), "s3": sorted(ancient + needed)}
    assert preview["diff"]["after"] == {"local": sorted(needed), "s3": sorted(needed)}
    assert sorted(p.rsplit("/", 1)[-1] for p in preview["pruned"]["s3"]) == sorted(ancient)
    assert len(artefacts(tmp_path)) == 4 and len(moto_s3.keys(s3_bucket)) == 4  # nothing went

    result = run_playbook(play(task), diff=True).results["Back up"]
    assert result.get("failed") is not True, result
    new = result["databases"]["movies"]["name"]
    assert result["diff"]["after"] == {"local": sorted(needed + [new]), "s3": sorted(needed + [new])}
    assert result["databases"]["movies"]["type"] == "DIFF"  # continues the kept chain
    assert sorted(artefacts(tmp_path)) == sorted(needed + [new])
    assert sorted(moto_s3.keys(s3_bucket)) == sorted("prod/" + n for n in needed + [new])

    keep_one = backup_task(backup_cluster, tmp_path, database=["movies"], s3=s3, type="FULL",
                           retention=dict(keep_full=1))
    last = run_playbook(play(keep_one)).results["Back up"]
    assert artefacts(tmp_path) == [last["databases"]["movies"]["name"]]
    assert moto_s3.keys(s3_bucket) == ["prod/" + last["databases"]["movies"]["name"]]


# ----- inspected, aggregated, neo4j_backup_info ---------------------------------------------------------------------

def test_inspect_aggregate_and_backup_info(run_playbook, backup_cluster, moto_s3, s3_bucket, tmp_path):
    s3 = s3_options(moto_s3, s3_bucket)
    run_playbook(play(backup_task(backup_cluster, tmp_path, s3=s3)))
    write(backup_cluster, "movies", 2)
    run_playbook(play(backup_task(backup_cluster, tmp_path, s3=s3)))
    tasks = """
- name: Inspect
  graphops.neo4j.neo4j_backup: {state: inspected, to_path: "%(path)s", neo4j_admin: "%(admin)s"}
- name: Info
  graphops.neo4j.neo4j_backup_info: {path: "%(path)s", neo4j_admin: "%(admin)s", s3: %(s3)s, database: [movies]}
- name: Aggregate preview
  graphops.neo4j.neo4j_backup: {state: aggregated, database: [movies], to_path: "%(path)s", neo4j_admin: "%(admin)s"}
  check_mode: true
- name: Aggregate
  graphops.neo4j.neo4j_backup: {state: aggregated, database: [movies], to_path: "%(path)s", neo4j_admin: "%(admin)s"}
- name: Aggregate again
  graphops.neo4j.neo4j_backup: {state: aggregated, database: [movies], to_path: "%(path)s", neo4j_admin: "%(admin)s"}
""" % dict(path=tmp_path, admin=NEO4J_ADMIN, s3=json.dumps(s3))
    run = run_playbook(play(tasks))
    results = run.results
    listed = results["Inspect"]["backups"]
    assert results["Inspect"]["changed"] is False and len(listed) == 4
    assert listed[0]["time"] >= listed[-1]["time"]
    movies = results["Info"]["backups"]["movies"]
    assert [e["source"] for e in movies] == ["s3", "local", "s3", "local"]  # newest first, both places
    newest = movies[0]
    assert newest["type"] == "DIFF" and newest["restorable"] is True and len(newest["chain"]) == 2
    assert newest["seed_uri"] == "s3://%s/prod/%s" % (s3_bucket, newest["name"])
    assert movies[1]["seed_uri"] == "file:%s/%s" % (tmp_path, newest["name"])
    assert results["Info"]["latest"]["movies"]["name"] == newest["name"]
    preview = results["Aggregate preview"]
    assert preview["changed"] is True and preview["aggregated"]["movies"]["chain"] == newest["chain"]
    # neo4j-admin's version is the simulated release's: 2025.01 renamed the command (aggregate.adoc).
    command = (["backup", "aggregate"] if versions.at_least(backup_cluster.version, (2025, 1))
               else ["database", "aggregate-backup"])
    assert preview["commands"][0][1:] == command + ["--from-path=%s" % tmp_path, "--keep-old-backup=false", "movies"]
    aggregated = results["Aggregate"]["aggregated"]["movies"]
    assert results["Aggregate"]["changed"] is True and len(aggregated["chain"]) == 2
    assert results["Aggregate again"]["changed"] is False
    movies_files = [n for n in artefacts(tmp_path) if n.startswith("movies-")]
    assert movies_files == [aggregated["result"]]
    artifact, payload = backups.read_local(str(tmp_path / aggregated["result"]))
    assert artifact.full and payload["node_count"] == 5


def test_bad_options_are_refused_before_anything_runs(run_playbook, backup_cluster, tmp_path):
    cases = [
        ("Bad name", dict(database=["Movies DB"]), "database: 'Movies DB' is neither"),
        ("Bad from", dict(**{"from": ["db3.example.com"]}), "from: 'db3.example.com' is not a host:port"),
        ("No rules", dict(retention={}), "retention needs keep_full, keep_days or both"),
        ("Zero timeout", dict(timeout=0), "timeout must be greater than 0 seconds"),
        ("Cloud and s3", dict(to_path="s3://b/p/", s3=dict(bucket="b")), "s3 ships backups neo4j-admin wrote locally"),
        ("Tiny parts", dict(s3=dict(bucket="b", multipart_chunksize=1024)), "s3.multipart_chunksize: 1024 bytes"),
    ]
    tasks = "".join(backup_task(backup_cluster, tmp_path, name=label, **options) for label, options, _message in cases)
    run = run_playbook(play(tasks))
    for label, _options, message in cases:
        assert run.results[label]["failed"] is True and message in run.results[label]["msg"], run.results[label]
    assert backup_cluster.model.backup_requests == [] and not artefacts(tmp_path)

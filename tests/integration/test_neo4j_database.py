"""neo4j_database through real ansible-playbook runs against the simulated cluster."""

import json
import re
import threading
import time
from datetime import datetime, timezone

from plays import assert_refused, play as neo4j_play, refusal_tasks, target_vars
from simulator import backups
from simulator.versions import version_key

ADMIN_WORDS = ("CREATE ", "DROP ", "ALTER ", "START ", "STOP ")


def play(tasks):
    """The tasks under the shared header, with 5-second connection and retry timeouts."""
    return neo4j_play(tasks, retry_timeout=5, connection_timeout=5)


def show_servers_count(cluster):
    return sum(1 for s in cluster.statements if s.query.lstrip().upper().startswith("SHOW SERVERS"))


def admin_statements(cluster):
    """Statements that would change the server (everything but SHOW and CALL ... reads), CYPHER n prefix or not."""
    return [s.query for s in cluster.statements
            if re.sub(r"^CYPHER \d+ ", "", s.query.lstrip().upper()).startswith(ADMIN_WORDS)]


def test_create_wait_idempotent_and_returned_members(cluster, run_playbook):
    run = run_playbook(play("""
- name: create
  graphops.neo4j.neo4j_database:
    name: Movies-2025
    topology: {primaries: 2, secondaries: 1}
- name: again
  graphops.neo4j.neo4j_database:
    name: movies-2025
    topology: {primaries: 2, secondaries: 1}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    created, again = run.results["create"], run.results["again"]
    assert created["changed"] is True and again["changed"] is False
    assert again["queries"] == []
    db = cluster.model.databases["movies-2025"]
    assert (db.primaries, db.secondaries) == (2, 1)
    members = created["database"]["members"]
    assert set(members) <= set(map(cluster.server_name, cluster.members))  # keyed by server name
    assert sorted(m["role"] for m in members.values()) == ["primary", "primary", "secondary"]
    assert all(m["current_status"] == "online" and m["requested_status"] == "online" for m in members.values())
    assert sum(m["writer"] for m in members.values()) == 1
    assert members[created["database"]["writer"]]["writer"] is True
    assert set(again["database"]["members"]) == set(members)
    assert show_servers_count(cluster) == 2  # once per task, however many times the wait polled
    assert created["database"]["name"] == "movies-2025"
    assert created["diff"] == {"before": {"state": "absent"},
                               "after": {"name": "movies-2025", "state": "started", "access": "read-write",
                                         "topology": {"primaries": 2, "secondaries": 1}}}


def test_check_mode_changes_nothing_and_diff_shows_the_change(cluster, run_playbook):
    run = run_playbook(play("""
- name: would create
  graphops.neo4j.neo4j_database:
    name: movies
    access: read-only
- name: would stop neo4j
  graphops.neo4j.neo4j_database:
    name: neo4j
    state: stopped
"""), extra_vars=target_vars(cluster), check=True, diff=True)
    assert run.rc == 0, run
    create = run.results["would create"]
    assert create["changed"] is True
    assert [q["query"] for q in create["queries"]] == ["CREATE DATABASE $name IF NOT EXISTS", "ALTER DATABASE `movies` SET ACCESS READ ONLY"]
    assert create["database"] is None
    stop = run.results["would stop neo4j"]
    assert stop["changed"] is True and stop["diff"]["before"]["state"] == "started" and stop["diff"]["after"]["state"] == "stopped"
    assert "movies" not in cluster.model.databases
    assert cluster.model.databases["neo4j"].requested_status == "online"
    assert admin_statements(cluster) == []
    assert '-    "state": "started",' in run.stdout and '+    "state": "stopped",' in run.stdout  # the --diff rendering


def test_stop_start_access_topology_and_drop(cluster, run_playbook):
    run = run_playbook(play("""
- name: create
  graphops.neo4j.neo4j_database: {name: movies}
- name: stop
  graphops.neo4j.neo4j_database: {name: movies, state: stopped}
- name: read-only while stopped
  graphops.neo4j.neo4j_database: {name: movies, access: read-only, state: stopped}
- name: start
  graphops.neo4j.neo4j_database: {name: movies, state: started}
- name: grow
  graphops.neo4j.neo4j_database: {name: movies, topology: {primaries: 3}}
- name: drop
  graphops.neo4j.neo4j_database: {name: movies, state: absent, drop_data: dump}
- name: drop again
  graphops.neo4j.neo4j_database: {name: movies, state: absent}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    r = run.results
    assert r["stop"]["changed"] and all(m["current_status"] == "offline" for m in r["stop"]["database"]["members"].values())
    assert r["read-only while stopped"]["database"]["access"] == "read-only"
    assert r["start"]["changed"] and all(m["current_status"] == "online" for m in r["start"]["database"]["members"].values())
    assert set(r["grow"]["database"]["members"]) == set(map(cluster.server_name, cluster.members))
    assert [q["query"] for q in r["drop"]["queries"]] == ["DROP DATABASE `movies` IF EXISTS DUMP DATA"]
    assert r["drop"]["database"] is None and r["drop again"]["changed"] is False
    assert "movies" not in cluster.model.databases


def test_slow_start_is_waited_for(cluster, run_playbook):
    cluster.model.start_delays["slow"] = 1.5
    run = run_playbook(play("""
- name: create slow
  graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 60}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    [(member, allocation)] = run.results["create slow"]["database"]["members"].items()
    assert member in map(cluster.server_name, cluster.members) and allocation["current_status"] == "online"


def test_wait_timeout_reports_members_still_starting(cluster, run_playbook):
    cluster.model.start_delays["slow"] = 120
    run = run_playbook(play("""
- name: create slow
  graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 1}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 2, run
    result = run.results["create slow"]
    assert result["failed"] is True and result["changed"] is True
    assert "Database 'slow' did not reach its requested status on every member within wait_timeout=1.0 s" in result["msg"]
    [(member, allocation)] = result["database"]["members"].items()
    assert allocation["current_status"] == "starting"
    assert "%s (%s): current_status 'starting'" % (member, allocation["address"]) in result["msg"]


def test_failed_start_reports_the_status_message(cluster, run_playbook):
    cluster.model.start_failures["broken"] = "Unable to start database: the store is corrupt"
    run = run_playbook(play("""
- name: create broken
  graphops.neo4j.neo4j_database: {name: broken, wait_timeout: 60}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 2, run
    result = run.results["create broken"]
    assert result["msg"].startswith("Database 'broken' failed to start: ")
    assert "status_message 'Unable to start database: the store is corrupt'" in result["msg"]
    for member, allocation in result["database"]["members"].items():
        assert "%s (%s): current_status 'offline'" % (member, allocation["address"]) in result["msg"]


def test_member_killed_during_the_wait(cluster, run_playbook):
    cluster.model.start_delays["movies"] = 2.0
    victim = next(m for m in cluster.members if m != cluster.leader())
    outcome = {}

    def run():
        outcome["run"] = run_playbook(play("""
- name: create on every member
  graphops.neo4j.neo4j_database: {name: movies, topology: {primaries: 3}, wait_timeout: 6}
"""), extra_vars=target_vars(cluster))

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 60
    while "movies" not in cluster.model.databases and time.monotonic() < deadline and worker.is_alive():
        time.sleep(0.02)
    assert "movies" in cluster.model.databases
    cluster.kill_member(victim)
    worker.join(120)
    result = outcome["run"].results["create on every member"]
    assert result["failed"] is True
    assert "status_message 'Server is unavailable'" in result["msg"]
    assert "current_status 'unknown'" in result["msg"]
    down = {k: m for k, m in result["database"]["members"].items() if m["address"] is None}
    dead = cluster.server_name(victim)
    assert list(down) == [dead] and down[dead]["status_message"] == "Server is unavailable"
    assert "%s (address unknown): current_status 'unknown'" % dead in result["msg"]


BAD_INPUT = [
    ("too short", "name: ab", r"^name: database name 'ab' is 2 characters long; Neo4j needs 3 to 63"),
    ("too long", "name: " + "a" * 64, r"^name: database name 'a+' is 64 characters long"),
    ("illegal", "name: \"movies`; DROP DATABASE neo4j\"", r"^name: database name .* contains the character '`'"),
    ("newline", "name: \"movies\\nx\"", r"^name: database name .* contains whitespace"),
    ("unicode", "name: \"m\u00f6vies\"", r"^name: database name .* contains the non-ASCII character"),
    ("reserved", "name: system-copy", r"^name: database name 'system-copy' is reserved"),
    ("impossible topology", "name: movies\n  topology: {primaries: 3, secondaries: 2}",
     r"^topology: 3 primaries and 2 secondaries need 5 enabled servers, but the cluster has 3"),
    ("contradictory", "name: movies\n  state: absent\n  topology: {primaries: 1}", r"^topology cannot be used with state=absent"),
    ("seed without uri", "name: movies\n  seed_config: region=eu", r"^seed_config needs seed_uri"),
    ("alias name", "name: live", r"^name: 'live' is already an alias for database 'neo4j'"),
    ("wrong password", "name: movies\n  login_password: Wr0ngPa55", r"^Authentication failed at neo4j://127\.0\.0\.1:\d+ for user 'neo4j'"),
    ("unreachable", "name: movies\n  uri: bolt://127.0.0.1:1\n  retry_timeout: 0.1", r"^Could not reach Neo4j at bolt://127\.0\.0\.1:1"),
    ("uri and host", "name: movies\n  host: 127.0.0.1", r"parameters are mutually exclusive: uri\|host"),
]


def test_bad_input_fails_clearly_and_changes_nothing(cluster, run_playbook):
    from simulator.model import Alias
    cluster.model.aliases["live"] = Alias(name="live", database="neo4j")
    before = sorted(cluster.model.databases)
    run = run_playbook(play(refusal_tasks("neo4j_database", BAD_INPUT)), extra_vars=target_vars(cluster))
    assert_refused(run, BAD_INPUT)
    assert sorted(cluster.model.databases) == before
    assert admin_statements(cluster) == []
    assert "Wr0ngPa55" not in json.dumps(run.tasks)  # the source excerpt in stdout may show it; results never do


def test_connection_from_environment_variables(cluster, run_playbook):
    run = run_playbook("""\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: from env
      graphops.neo4j.neo4j_database: {name: envdb}
""", env={"NEO4J_URI": cluster.routing_uri(), "NEO4J_USERNAME": "neo4j", "NEO4J_PASSWORD": "password"})
    assert run.rc == 0, run
    assert "envdb" in cluster.model.databases


def test_seeded_creation_sends_options_as_parameters(cluster, run_playbook, moto_s3, s3_bucket):
    # The seed is a real backup artefact in S3 (moto), read by the simulated servers' seed provider: S3SeedProvider
    # with seed_config and seed_credentials on 5.26, CloudSeedProvider with the servers' credentials on 2025.01+.
    moto_s3.client().put_object(Bucket=s3_bucket, Key="movies.backup", Body=seed_artifact())
    cluster.model.cloud_environment = moto_s3.environment()
    run = run_playbook(play("""
- name: seed
  graphops.neo4j.neo4j_database:
    name: seeded
    seed_uri: s3://%s/movies.backup
    seed_config: region=%s
    seed_credentials: "%s;%s"
""" % (s3_bucket, moto_s3.region, moto_s3.access_key, moto_s3.secret_key)), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    result = run.results["seed"]
    assert result["queries"][0]["params"]["option_seedCredentials"] == "********"
    create = next(s for s in cluster.statements if "CREATE DATABASE" in s.query)
    # seedCredentials is gone from Cypher 25, so from 2025.06 (Cypher versions) the creation pins Cypher 5.
    prefix = "CYPHER 5 " if version_key(cluster.model.version) >= (2025, 6) else ""
    assert create.query.startswith(prefix + "CREATE DATABASE $name IF NOT EXISTS OPTIONS {")
    assert result["queries"][0]["query"] == create.query
    assert create.parameters["option_seedURI"] == "s3://%s/movies.backup" % s3_bucket
    assert cluster.model.databases["seeded"].options.get("seedURI") == "s3://%s/movies.backup" % s3_bucket
    assert cluster.model.databases["seeded"].graph.label_counts == {"Movie": 3}
    assert moto_s3.secret_key not in run.stdout


def seed_artifact(nodes=3):
    """A full backup artefact (simulator format) of a database with ``nodes`` Movie nodes."""
    when = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)
    artifact = backups.Artifact(name=backups.artifact_name("movies", when), location="", database="movies",
                                database_id=backups.uuid_form("9d5ecc08f54a4749839661cfdb03d486"), time=when,
                                full=True, compressed=True, lowest_tx=1, highest_tx=5)
    return backups.encode(artifact, {"node_count": nodes, "relationship_count": 0, "label_counts": {"Movie": nodes},
                                     "type_counts": {}, "node_properties": ["title"], "relationship_properties": []})


def test_a_seed_that_cannot_be_used_fails_with_neo4js_message_and_is_dropped_again(cluster, run_playbook, tmp_path):
    cluster.model.seed_providers = ["CloudSeedProvider", "FileSeedProvider"]
    good = tmp_path / "movies-2026-01-05T02-00-00.backup"
    good.write_bytes(seed_artifact(4))
    run = run_playbook(play("""
- name: missing seed
  graphops.neo4j.neo4j_database: {name: restored, seed_uri: "file:%(missing)s", wait_timeout: 60}
  ignore_errors: true
- name: not a URI
  graphops.neo4j.neo4j_database: {name: restored, seed_uri: "/var/backups/movies.backup"}
  ignore_errors: true
- name: relative file
  graphops.neo4j.neo4j_database: {name: restored, seed_uri: "file:backups/movies.backup"}
  ignore_errors: true
- name: good seed
  graphops.neo4j.neo4j_database: {name: restored, seed_uri: "file:%(good)s", topology: {primaries: 3}}
""" % dict(missing=tmp_path / "gone.backup", good=good)), extra_vars=target_vars(cluster))
    missing = run.results["missing seed"]
    assert missing["failed"] is True and missing["changed"] is True
    assert "status_message 'Unable to start database `DatabaseId{" in missing["msg"]
    assert "Seeding from file:%s failed" % (tmp_path / "gone.backup") in missing["msg"]
    assert "dbms.seed_from_uri_providers" not in missing["msg"] and "seed_from_uri_providers" in missing["msg"]
    assert "The database was dropped again" in missing["msg"]
    assert missing["queries"][-1]["query"] == "DROP DATABASE `restored` IF EXISTS DESTROY DATA"
    assert "does not exist" in cluster.model.debug_log[0]
    assert run.results["not a URI"]["msg"].startswith("seed_uri: '/var/backups/movies.backup' is not a seed URI")
    assert "must name an absolute path" in run.results["relative file"]["msg"]
    assert run.results["good seed"]["changed"] is True
    restored = cluster.model.databases["restored"]
    assert restored.graph.label_counts == {"Movie": 4} and len(restored.allocations) == 3

"""neo4j_query through ansible-playbook against a simulated cluster."""

import json
import time

import pytest

from lint_collector import deliberately_malformed
from plays import header, play, target_vars


def query_play(*tasks):
    """A playbook whose tasks are neo4j_query calls given as dicts (name plus module options)."""
    body = ""
    for task in tasks:
        options = {k: v for k, v in task.items() if k not in ("name", "check_mode", "ignore_errors")}
        body += "    - name: %s\n      graphops.neo4j.neo4j_query: %s\n" % (task["name"], json.dumps(options))
        for key in ("check_mode", "ignore_errors"):
            if key in task:
                body += "      %s: %s\n" % (key, json.dumps(task[key]))
    return header() + body


def run(run_playbook, cluster, *tasks, check=False):
    return run_playbook(query_play(*tasks), extra_vars=target_vars(cluster), check=check)


def movies_db(cluster):
    with cluster.model.lock:
        return cluster.model.create_database("movies", primaries=3, start_delay=0.0)


def test_write_with_parameters_on_a_named_database_then_count(run_playbook, cluster):
    db = movies_db(cluster)
    create = "CREATE (m:Movie {title: $title, released: $year})"
    count = "MATCH (m:Movie) RETURN count(m) AS movies"
    result = run(run_playbook, cluster,
                 {"name": "first", "query": create, "database": "movies", "parameters": {"title": "Heat", "year": 1995}},
                 {"name": "second", "query": create, "database": "movies",
                  "parameters": {"title": "Ronin", "year": 1998}},
                 {"name": "count", "query": count, "database": "movies", "routing": "read"},
                 {"name": "count elsewhere", "query": count, "routing": "read"})
    assert result.rc == 0, result
    first = result.results["first"]
    assert first["changed"] is True
    assert first["rows"] == [] and first["row_count"] == 0
    assert first["counters"]["nodes_created"] == 1
    assert first["counters"]["labels_added"] == 1
    assert first["counters"]["properties_set"] == 2
    assert first["counters"]["contains_updates"] is True
    assert result.results["second"]["counters"]["nodes_created"] == 1
    counted = result.results["count"]
    assert counted["changed"] is False
    assert counted["rows"] == [{"movies": 2}] and counted["row_count"] == 1
    assert counted["counters"]["contains_updates"] is False
    # The default database holds none of them.
    assert result.results["count elsewhere"]["rows"] == [{"movies": 0}]
    with cluster.model.lock:
        assert db.graph.label_counts.get("Movie") == 2
        assert cluster.model.databases["neo4j"].graph.label_counts.get("Movie", 0) == 0


def test_read_and_write_routing_reach_different_members(run_playbook, cluster):
    db = movies_db(cluster)
    result = run(run_playbook, cluster,
                 {"name": "write", "query": "CREATE (:Probe)", "database": "movies"},
                 {"name": "read", "query": "MATCH (p:Probe) RETURN count(p) AS probes", "database": "movies",
                  "routing": "read"},
                 {"name": "write in a read transaction", "query": "CREATE (:Probe)", "database": "movies",
                  "routing": "read", "ignore_errors": True})
    assert result.rc == 0, result
    assert result.results["write"]["changed"] is True
    assert result.results["read"]["rows"] == [{"probes": 1}]
    refused = result.results["write in a read transaction"]
    assert refused["failed"] is True
    assert refused["neo4j_code"].startswith("Neo.ClientError.")
    with cluster.model.lock:
        assert db.graph.label_counts.get("Probe") == 1
        writer = db.writer
    ran = [(s.member, s.query) for s in cluster.statements if s.database == "movies"]
    writes = [m for m, q in ran if q == "CREATE (:Probe)"]
    reads = [m for m, q in ran if q.startswith("MATCH (p:Probe)")]
    assert writes[0] == writer
    assert reads and reads[0] != writer  # the driver sends reads to a follower


def test_failing_query_gives_a_clear_error(run_playbook, cluster):
    result = run(run_playbook, cluster,
                 {"name": "broken", "query": deliberately_malformed("MATCH (n RETURN n"), "ignore_errors": True},
                 {"name": "missing database", "query": "RETURN 1 AS one", "database": "nosuchdb",
                  "ignore_errors": True})
    assert result.rc == 0, result
    broken = result.results["broken"]
    assert broken["failed"] is True
    assert broken["neo4j_code"] == "Neo.ClientError.Statement.SyntaxError"
    assert broken["query"] == "MATCH (n RETURN n"
    assert "SyntaxError" in broken["msg"]
    missing = result.results["missing database"]
    assert missing["failed"] is True
    assert missing["neo4j_code"] == "Neo.ClientError.Database.DatabaseNotFound"
    assert "nosuchdb" in missing["msg"]


def test_check_mode_runs_reads_and_skips_writes(run_playbook, cluster):
    db = movies_db(cluster)
    result = run(run_playbook, cluster,
                 {"name": "write", "query": "CREATE (:Movie {title: 'Heat'})", "database": "movies"},
                 {"name": "read", "query": "MATCH (m:Movie) RETURN count(m) AS movies", "database": "movies",
                  "routing": "read"},
                 check=True)
    assert result.rc == 0, result
    write = result.results["write"]
    assert write["changed"] is False
    assert write["skipped_in_check_mode"] is True
    assert "not run" in write["msg"]
    assert result.results["read"]["rows"] == [{"movies": 0}]
    with cluster.model.lock:
        assert db.graph.label_counts.get("Movie", 0) == 0
    assert not [s for s in cluster.statements if s.query.startswith("CREATE (:Movie")]


def test_delete_counts_and_idempotence(run_playbook, cluster):
    db = movies_db(cluster)
    count = "MATCH (m:Movie) RETURN count(m) AS movies"
    result = run(run_playbook, cluster,
                 {"name": "create", "database": "movies",
                  "query": "CREATE (:Movie {id: 1}), (:Movie {id: 2})-[:SEQUEL]->(:Movie:Remake {id: 3})"},
                 {"name": "count", "query": count, "database": "movies", "routing": "read"},
                 {"name": "delete", "query": "MATCH (n) DETACH DELETE n", "database": "movies"},
                 {"name": "delete again", "query": "MATCH (n) DETACH DELETE n", "database": "movies"},
                 {"name": "count again", "query": count, "database": "movies", "routing": "read"})
    assert result.rc == 0, result
    created = result.results["create"]["counters"]
    assert (created["nodes_created"], created["relationships_created"], created["labels_added"]) == (3, 1, 4)
    assert result.results["count"]["rows"] == [{"movies": 3}]
    deleted = result.results["delete"]
    assert deleted["changed"] is True
    assert (deleted["counters"]["nodes_deleted"], deleted["counters"]["relationships_deleted"]) == (3, 1)
    assert result.results["delete again"]["changed"] is False
    assert result.results["delete again"]["counters"]["nodes_deleted"] == 0
    assert result.results["count again"]["rows"] == [{"movies": 0}]
    with cluster.model.lock:
        assert db.graph.node_count == 0 and db.graph.relationship_count == 0


def test_administration_command_reports_a_system_change(run_playbook, cluster):
    result = run(run_playbook, cluster,
                 {"name": "create user", "query": "CREATE USER alice IF NOT EXISTS SET PASSWORD $pw CHANGE NOT REQUIRED",
                  "database": "system", "parameters": {"pw": "secret-password"}},
                 {"name": "again", "query": "CREATE USER alice IF NOT EXISTS SET PASSWORD $pw CHANGE NOT REQUIRED",
                  "database": "system", "parameters": {"pw": "secret-password"}})
    assert result.rc == 0, result
    assert result.results["create user"]["changed"] is True
    assert result.results["create user"]["counters"]["contains_system_updates"] is True
    assert result.results["again"]["changed"] is False
    with cluster.model.lock:
        assert "alice" in cluster.model.users


# ----- stopped and unavailable databases ----------------------------------------------------------

OFFLINE = ("is offline: it was stopped (requested_status offline), so it cannot run statements. Start it "
           "(graphops.neo4j.neo4j_database with state: started, or START DATABASE `%s`) and run this again.")
UNAVAILABLE = "Neo.TransientError.General.DatabaseUnavailable"

STOPPED_PLAY = """\
- name: stop movies
  graphops.neo4j.neo4j_database: {name: movies, state: stopped}
- name: alias films for movies
  graphops.neo4j.neo4j_alias: {name: films, target: movies, require_online: false}
- name: write to the stopped database
  graphops.neo4j.neo4j_query: {database: movies, query: "CREATE (:Movie)", retry_timeout: 600}
  ignore_errors: true
- name: read from the stopped database
  graphops.neo4j.neo4j_query: {database: movies, routing: read, query: "MATCH (m) RETURN count(m) AS n", retry_timeout: 600}
  ignore_errors: true
- name: read through the alias
  graphops.neo4j.neo4j_query: {database: films, routing: read, query: "MATCH (m) RETURN count(m) AS n", retry_timeout: 600}
  ignore_errors: true
- name: stop the home database
  graphops.neo4j.neo4j_database: {name: neo4j, state: stopped}
- name: read from the home database
  graphops.neo4j.neo4j_query: {routing: read, query: "RETURN 1 AS one", retry_timeout: 600}
  ignore_errors: true
- name: facts with stopped databases
  graphops.neo4j.neo4j_info: {gather_subset: [databases, aliases, health]}
- name: start movies again
  graphops.neo4j.neo4j_database: {name: movies, state: started}
- name: read after the start
  graphops.neo4j.neo4j_query: {database: films, routing: read, query: "MATCH (m) RETURN count(m) AS n"}
"""


@pytest.mark.parametrize("uri", ["routing", "direct"])
def test_a_stopped_database_is_reported_as_offline_at_once(run_playbook, cluster, uri):
    """Not as an unreachable server, and without spending retry_timeout (600 s here) on it."""
    movies_db(cluster)
    with cluster.model.lock:
        writer = cluster.model.databases["movies"].writer
    target = cluster.routing_uri() if uri == "routing" else cluster.bolt_uri(writer)
    started = time.monotonic()
    run = run_playbook(play(STOPPED_PLAY), extra_vars=target_vars(cluster, neo4j_uri=target))
    assert time.monotonic() - started < 120, "a task waited for retry_timeout"
    assert run.rc == 0, run
    for task, which, name in (("write to the stopped database", "Database 'movies'", "movies"),
                              ("read from the stopped database", "Database 'movies'", "movies"),
                              ("read through the alias", "Database 'movies' (the target of alias 'films')", "movies"),
                              ("read from the home database", "The home database 'neo4j'", "neo4j")):
        result = run.results[task]
        assert result["failed"] is True, task
        assert result["msg"] == "%s %s" % (which, OFFLINE % name), (task, result["msg"])
        assert result["neo4j_code"] == UNAVAILABLE, task
    facts = run.results["facts with stopped databases"]
    assert facts["databases"]["movies"]["requested_status"] == "offline"
    assert facts["healthy"] is True, facts["health_reasons"]
    assert facts["aliases"]["films"]["target"] == "movies"
    assert run.results["read after the start"]["rows"] == [{"n": 0}]


def test_a_starting_database_is_still_retried_and_then_called_unavailable(run_playbook, cluster):
    """Requested online but not there yet: the retries are worth it, and their end names the database."""
    with cluster.model.lock:
        cluster.model.create_database("slow", primaries=3, start_delay=3.0)
        cluster.model.create_database("slower", primaries=3, start_delay=600.0)
    run = run_playbook(play("""\
- name: read while it starts
  graphops.neo4j.neo4j_query: {database: slow, routing: read, query: "RETURN 1 AS one", retry_timeout: 60}
- name: give up on it
  graphops.neo4j.neo4j_query: {database: slower, routing: read, query: "RETURN 1 AS one", retry_timeout: 1}
  ignore_errors: true
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    assert run.results["read while it starts"]["rows"] == [{"one": 1}]
    gave_up = run.results["give up on it"]
    assert gave_up["msg"].startswith("Database 'slower' is unavailable (retried for 1.0 s, see retry_timeout): "
                                     "Database 'slower' is unavailable. Check its current_status"), gave_up["msg"]
    assert gave_up["neo4j_code"] == UNAVAILABLE


# ----- secret parameters --------------------------------------------------------------------------

SECRET = "Pa55-word-that-must-not-leak"
SECRET_PLAY = """\
- name: store an account
  graphops.neo4j.neo4j_query:
    database: movies
    query: "CREATE (a:Account {name: $name, hash: $hash}) RETURN a.name AS name, a.hash AS hash"
    parameters: {name: alice-visible}
    secret_parameters: {hash: "{{ account_secret }}"}
- name: fail with the secret
  graphops.neo4j.neo4j_query:
    database: movies
    routing: read
    query: "CREATE (a:Account {hash: $hash})"
    secret_parameters: {hash: "{{ account_secret }}"}
  ignore_errors: true
- name: give a parameter twice
  graphops.neo4j.neo4j_query:
    query: "RETURN $hash AS hash"
    parameters: {hash: 1}
    secret_parameters: {hash: "{{ account_secret }}"}
  ignore_errors: true
"""


@pytest.mark.parametrize("flags", [dict(), dict(diff=True), dict(check=True)], ids=["run", "diff", "check"])
def test_secret_parameters_never_appear_in_the_output_at_vvv(run_playbook, cluster, flags):
    db = movies_db(cluster)
    run = run_playbook(play(SECRET_PLAY), extra_vars=target_vars(cluster, account_secret=SECRET),
                       env={"ANSIBLE_VERBOSITY": "3"}, **flags)
    assert run.rc == 0, run
    output = run.stdout + run.stderr
    assert "alice-visible" in output  # -vvv shows the module arguments...
    assert SECRET not in output and SECRET not in json.dumps(run.tasks)  # ...but not the secret, anywhere
    stored = run.results["store an account"]
    assert stored["invocation"]["module_args"]["secret_parameters"] == {"hash": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}
    assert run.results["fail with the secret"]["failed"] is True
    assert run.results["give a parameter twice"]["msg"] == (
        "parameters and secret_parameters both give 'hash'; give each parameter in one of them.")
    if flags.get("check"):
        assert stored["skipped_in_check_mode"] is True
        return
    # the server got the real value; the result shows it masked
    assert stored["rows"] == [{"name": "alice-visible", "hash": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}]
    sent = [s.parameters for s in cluster.statements if s.query.startswith("CREATE (a:Account {name")]
    assert sent == [{"name": "alice-visible", "hash": SECRET}]
    with cluster.model.lock:
        assert db.graph.label_counts.get("Account") == 1


def test_wait_outcome_is_rows_in_cypher_5_and_notifications_in_cypher_25(run_playbook, cluster):
    # Cypher 25 (2025.06+; system's language where neo4j.conf sets CYPHER_25, as 2026.02+ ships it) reports a
    # WAIT with one notification per server instead of rows (Operations Manual, "Create a database with WAIT").
    result = run(run_playbook, cluster,
                 {"name": "create", "query": "CREATE DATABASE waited TOPOLOGY 2 PRIMARIES WAIT", "database": "system"})
    assert result.rc == 0, result
    created = result.results["create"]
    assert created["changed"] is True
    with cluster.model.lock:
        language = cluster.model.language_of(cluster.model.databases["system"])
    if language == 25:
        assert created["rows"] == []
        assert [n["gql_status"] for n in created["notifications"]] == ["03N85", "03N85"]
        assert all(n["description"].startswith("info: server has caught up. Server `ServerId{")
                   for n in created["notifications"])
    else:
        assert [(r["state"], r["success"]) for r in created["rows"]] == [("CaughtUp", True)] * 2
        assert created["notifications"] == []

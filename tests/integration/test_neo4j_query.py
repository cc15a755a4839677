"""neo4j_query through ansible-playbook against a simulated cluster."""

import json

from plays import header, target_vars


def play(*tasks):
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
    return run_playbook(play(*tasks), extra_vars=target_vars(cluster), check=check)


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
                 {"name": "broken", "query": "MATCH (n RETURN n", "ignore_errors": True},
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

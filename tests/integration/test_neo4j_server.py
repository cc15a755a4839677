"""neo4j_server through real ansible-playbook runs against a simulated 4-server cluster: each state transition and
its idempotent rerun, check mode, refusals that leave the cluster as it was, and a scale-in (cordon, deallocate,
drop) under live reads through an alias that keeps every database's copies."""

import threading

import neo4j
import pytest

from plays import play as neo4j_play, target_vars


def play(tasks):
    return neo4j_play(tasks, retry_timeout=5, connection_timeout=5)


@pytest.fixture
def four(make_cluster):
    """Four servers named server1..server4 (RENAME SERVER), ``neo4j`` with 2 primaries, ``movies`` 2P+1S on
    server1..3; moves take 0.5 s."""
    cluster = make_cluster(4, server_names="member")
    model = cluster.model
    model.move_delay = 0.5
    model.set_topology("neo4j", 2, 0)
    model.create_database("movies", primaries=2, secondaries=1, start_delay=0.0)
    model.databases["movies"].graph.node_count = 42
    return cluster


def show(cluster):
    """SHOW SERVERS and SHOW DATABASES as a client sees them (for before/after comparisons)."""
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as driver:
        servers = driver.execute_query("SHOW SERVERS YIELD name, state, hosting, requestedHosting, modeConstraint, "
                                       "allowedDatabases, deniedDatabases, tags", database_="system").records
        databases = driver.execute_query("SHOW DATABASES YIELD name, address, role, currentStatus",
                                         database_="system").records
    return (sorted(tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in r.items()) for r in servers),
            sorted(tuple(r.values()) for r in databases))


def copies(cluster):
    """database -> sorted roles of its copies."""
    return {name: sorted(a.role for a in db.allocations.values())
            for name, db in cluster.model.databases.items() if db.type == "standard"}


def host_of(cluster, database):
    return sorted(cluster.model.databases[database].allocations)[0]


def test_transitions_and_idempotent_reruns(four, run_playbook):
    run = run_playbook(play("""
- name: cordon
  graphops.neo4j.neo4j_server: {server: server4, state: cordoned}
- name: cordon again
  graphops.neo4j.neo4j_server: {server: server4, state: cordoned}
- name: enable
  graphops.neo4j.neo4j_server: {server: server4, state: enabled}
- name: enable again
  graphops.neo4j.neo4j_server: {server: server4, state: enabled}
- name: options
  graphops.neo4j.neo4j_server: {server: server4, mode_constraint: SECONDARY, tags: [eu, eu-west]}
- name: options again
  graphops.neo4j.neo4j_server: {server: server4, mode_constraint: SECONDARY, tags: [eu-west, eu]}
- name: deny movies, keeping the other options
  graphops.neo4j.neo4j_server: {server: server4, denied_databases: [movies]}
- name: rename
  graphops.neo4j.neo4j_server: {server: server4, name: eu-4}
- name: rename again
  graphops.neo4j.neo4j_server: {server: server4, name: eu-4}
"""), extra_vars=target_vars(four), diff=True)
    assert run.rc == 0, run
    changed = {name: run.results[name]["changed"] for name in run.results}
    assert changed == {"cordon": True, "cordon again": False, "enable": True, "enable again": False,
                       "options": True, "options again": False, "deny movies, keeping the other options": True,
                       "rename": True, "rename again": False}
    assert run.results["cordon"]["diff"]["before"]["state"] == "enabled"
    assert run.results["cordon"]["diff"]["after"]["state"] == "cordoned"
    assert run.results["cordon"]["queries"][0]["query"] == "CALL dbms.cluster.cordonServer($server)"
    server = run.results["rename again"]["server"]
    assert (server["name"], server["state"], server["mode_constraint"], server["tags"], server["denied_databases"]) == \
        ("eu-4", "Enabled", "SECONDARY", ["eu", "eu-west"], ["movies"])
    assert run.results["cordon again"]["queries"] == []


def test_check_mode_changes_nothing_and_shows_the_plan(four, run_playbook):
    before = show(four)
    run = run_playbook(play("""
- name: deallocate
  graphops.neo4j.neo4j_server: {server: server1, state: deallocated}
"""), extra_vars=target_vars(four), check=True, diff=True)
    assert run.rc == 0, run
    result = run.results["deallocate"]
    assert result["changed"] is True
    assert {m["database"] for m in result["plan"]} == {"movies", "neo4j"}
    assert all(m["from_server_name"] == "server1" and m["to_server_name"] != "server1" for m in result["plan"])
    assert [m["to_server_name"] for m in result["plan"] if m["database"] == "movies"] == ["server4"]
    assert result["queries"] == [{"query": "DEALLOCATE DATABASES FROM SERVER $server",
                                  "params": {"server": four.model.servers["server1"].server_id}}]
    assert result["diff"]["after"]["state"] == "deallocated"
    assert show(four) == before


def test_refusals_leave_the_cluster_as_it_was(four, run_playbook):
    four.model.create_database("single", primaries=1, start_delay=0.0)
    single_host = host_of(four, "single")
    before = show(four)
    cases = [
        ("drop an enabled server", "{server: server1, state: dropped}",
         r"Refusing to drop server server1: it is Enabled and still hosts .*movies"),
        ("deallocate a single primary", "{server: %s, state: deallocated}" % single_host,
         r"hosts single with a single primary"),
        ("unknown server", "{server: nope, state: cordoned}", r"No server called nope"),
        ("both lists", "{server: server1, allowed_databases: [db1], denied_databases: [db2]}", r"mutually exclusive"),
    ]
    tasks = "\n".join("- name: %s\n  graphops.neo4j.neo4j_server: %s\n  ignore_errors: true" % (label, options)
                      for label, options, _pattern in cases)
    run = run_playbook(play(tasks), extra_vars=target_vars(four))
    assert run.rc == 0, run
    for label, _options, pattern in cases:
        result = run.results[label]
        assert result["failed"] is True and result["changed"] is False, label
        assert __import__("re").search(pattern, result["msg"]), (label, result["msg"])
    assert show(four) == before


def test_refuses_to_cordon_the_last_server_that_can_host_a_primary(four, run_playbook):
    for name in ("server2", "server3", "server4"):
        four.model.servers[name].mode_constraint = "SECONDARY"
    before = show(four)
    run = run_playbook(play("""
- name: cordon
  graphops.neo4j.neo4j_server: {server: server1, state: cordoned}
  ignore_errors: true
- name: deallocate
  graphops.neo4j.neo4j_server: {server: server1, state: deallocated}
  ignore_errors: true
"""), extra_vars=target_vars(four))
    assert run.rc == 0, run
    for label in ("cordon", "deallocate"):
        assert run.results[label]["failed"] is True and run.results[label]["changed"] is False
        assert "last Enabled server that can host a primary" in run.results[label]["msg"]
    assert show(four) == before


@pytest.mark.parametrize("routing", ["routed", "excluded"])
def test_scale_in_keeps_every_copy_and_readers_see_no_failure(four, run_playbook, routing):
    four.model.leaving_copy_routing = routing
    four.model.aliases["movies-live"] = __import__("simulator.model", fromlist=["Alias"]).Alias(
        name="movies-live", database="movies")
    topology = copies(four)
    stop = threading.Event()
    tally = {"reads": 0, "failed": []}

    def reader():
        with neo4j.GraphDatabase.driver(four.routing_uri(), auth=("neo4j", "password"),
                                        max_transaction_retry_time=10) as driver:
            while not stop.is_set():
                try:
                    with driver.session(database="movies-live") as session:
                        count = session.execute_read(lambda tx: tx.run("MATCH (n) RETURN count(n) AS c").single()["c"])
                    assert count == 42
                    tally["reads"] += 1
                except Exception as exc:  # every failure a reader sees is counted; none may happen
                    tally["failed"].append(repr(exc))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        run = run_playbook(play("""
- name: cordon
  graphops.neo4j.neo4j_server: {server: server1, state: cordoned}
- name: deallocate
  graphops.neo4j.neo4j_server: {server: server1, state: deallocated}
- name: drop
  graphops.neo4j.neo4j_server: {server: server1, state: dropped}
- name: drop again
  graphops.neo4j.neo4j_server: {server: server1, state: dropped}
"""), extra_vars=target_vars(four))
    finally:
        stop.set()
        thread.join(30)
    assert run.rc == 0, run
    assert [run.results[n]["changed"] for n in ("cordon", "deallocate", "drop", "drop again")] == [True, True, True, False]
    assert run.results["deallocate"]["server"]["state"] == "Deallocated"
    assert run.results["deallocate"]["server"]["hosting"] == ["system"]
    assert run.results["drop"]["server"]["state"] == "Dropped"
    assert copies(four) == topology  # every database kept its copies
    assert all("server1" not in db.allocations for db in four.model.databases.values() if db.type == "standard")
    assert tally["failed"] == [] and tally["reads"] > 0


def test_enable_a_free_server_and_reallocate(make_cluster, run_playbook):
    cluster = make_cluster(4, server_names="member")
    model = cluster.model
    model.move_delay = 0.3
    model.servers["server4"].state = "Free"
    model.set_topology("neo4j", 2, 0)
    for name in ("a-db", "b-db", "c-db"):
        model.create_database(name, primaries=2, start_delay=0.0)
    run = run_playbook(play("""
- name: plan
  graphops.neo4j.neo4j_server: {server: server4, state: enabled, reallocate: true}
  check_mode: true
- name: enable and reallocate
  graphops.neo4j.neo4j_server: {server: server4, state: enabled, reallocate: true}
- name: again
  graphops.neo4j.neo4j_server: {server: server4, state: enabled, reallocate: true}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    assert run.results["plan"]["changed"] is True and model.servers["server4"].state == "Enabled"
    done = run.results["enable and reallocate"]
    # server3 is Enabled but empty too (the databases were placed on server1 and server2)
    assert done["changed"] is True and "server4" in {m["to_server_name"] for m in done["plan"]}
    assert {m["from_server_name"] for m in done["plan"]} <= {"server1", "server2"}
    assert [q["query"] for q in done["queries"]] == ["ENABLE SERVER $server", "REALLOCATE DATABASES"]
    assert run.results["again"]["changed"] is False and run.results["again"]["plan"] == []
    assert len(done["server"]["hosting"]) > 1

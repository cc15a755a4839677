"""playbooks/blue_green.yml and playbooks/rollback.yml against the simulator: switch, refusals, cleanup, rollback.

Each test prepares what it needs directly in the cluster model (earlier releases, aliases) so that one
or two playbook runs exercise the path under test. The data are the demo's CSV files: part 1 holds 60
movies, 100 persons, 180 ACTED_IN and 60 DIRECTED; all parts hold 80, 130, 240 and 80.
"""

from pathlib import Path

import pytest

from plays import connection_vars, real_server_cleanup

from simulator.model import Alias, GraphData

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "playbooks" / "files" / "demo"
BLUE_GREEN = "playbooks/blue_green.yml"
ROLLBACK = "playbooks/rollback.yml"
ALIAS = "bgtest"
R1, R2, R3 = "20250101000001", "20250101000002", "20250101000003"
LOAD = "Load green through GDS Arrow Flight"
SWITCH = "Switch the alias to green, only if it still points at blue"
STOP = "Stop, blue keeps serving"
PART1 = {"nodes": 160, "relationships": 240, "labels": {"Movie": 60, "Person": 100},
         "types": {"ACTED_IN": 180, "DIRECTED": 60}}
ALL_PARTS = {"nodes": 210, "relationships": 320, "labels": {"Movie": 80, "Person": 130},
             "types": {"ACTED_IN": 240, "DIRECTED": 80}}


def db(release, alias=ALIAS):
    return f"{alias}-{release}"


def deploy_vars(target, release, part="part-1", **extra):
    """Variables for one deployment of the demo files: `part-1` only, or `*` for every part."""
    suffix = f"/{part}.csv" if part != "*" else ""
    values = connection_vars(target)
    values.update({
        "bg_alias": ALIAS,
        "bg_release": release,
        "bg_nodes": [
            {"path": f"{DATA}/movies{suffix}", "label": ["Movie"], "id_column": "movie_id"},
            {"path": f"{DATA}/persons{suffix}", "label": ["Person"], "id_column": "person_id"},
        ],
        "bg_relationships": [
            {"path": f"{DATA}/acted_in{suffix}", "type": "ACTED_IN", "source_column": "person_id", "target_column": "movie_id"},
            {"path": f"{DATA}/directed{suffix}", "type": "DIRECTED", "source_column": "person_id", "target_column": "movie_id"},
        ],
    })
    values.update(extra)
    return values


def seed(model, name, graph=None):
    """A release database that is online on its members, holding `graph`'s counts (default: part 1)."""
    graph = graph or PART1
    with model.lock:
        model.create_database(name, start_delay=0, graph=GraphData(
            label_counts=dict(graph["labels"]), type_counts=dict(graph["types"]),
            node_count=graph["nodes"], relationship_count=graph["relationships"]))


def point(model, alias, database):
    with model.lock:
        model.aliases[alias] = Alias(name=alias, database=database)


def graph_of(model, name):
    with model.lock:
        g = model.databases[name].graph
        return {"nodes": g.node_count, "relationships": g.relationship_count,
                "labels": dict(g.label_counts), "types": dict(g.type_counts)}


def target_of(model, alias=ALIAS):
    with model.lock:
        return model.aliases[alias].database if alias in model.aliases else None


def releases(model):
    with model.lock:
        return sorted(name for name in model.databases if name.startswith(ALIAS + "-"))


def simulated(target):
    if not target["simulated"]:
        pytest.skip("needs the simulator: prepares releases and aliases directly in the cluster model")
    return target["cluster"].model


@pytest.fixture
def real_cleanup(run_playbook, neo4j_target):
    """On a real server, remove what the deployments create, before and after the test."""
    yield from real_server_cleanup(run_playbook, neo4j_target, ALIAS, [db(R1), db(R2)])


@pytest.mark.usefixtures("real_cleanup")
def test_first_deploy_creates_the_alias_the_next_switches_it_and_a_rerun_changes_nothing(run_playbook, neo4j_target):
    first = run_playbook(BLUE_GREEN, extra_vars=deploy_vars(neo4j_target, R1, bg_topology={"primaries": 3}))
    assert first.rc == 0, first
    assert first.results[LOAD]["changed"] is True
    assert (first.results[LOAD]["node_count"], first.results[LOAD]["relationship_count"]) == (160, 240)
    assert first.results[SWITCH]["changed"] is True
    assert first.results[SWITCH]["previous_target"] is None
    assert first.results["Count nodes through the alias"]["rows"] == [{"nodes": 160}]

    second = run_playbook(BLUE_GREEN, extra_vars=deploy_vars(neo4j_target, R2, part="*"))
    assert second.rc == 0, second
    assert second.results[SWITCH]["changed"] is True
    assert second.results[SWITCH]["invocation"]["module_args"]["expected_target"] == db(R1)
    assert second.results[SWITCH]["previous_target"] == db(R1)
    assert second.results["Count relationships through the alias"]["rows"] == [{"relationships": 320}]

    cluster = neo4j_target["cluster"]
    before_rerun = len(cluster.statements) if cluster else 0
    again = run_playbook(BLUE_GREEN, extra_vars=deploy_vars(neo4j_target, R2, part="*"))
    assert again.rc == 0, again
    assert again.results[LOAD]["changed"] is False
    # Nothing reloaded, yet the existing green is still checked against what the files hold.
    assert again.results["Count what the files hold (green was loaded before)"]["node_count"] == 210
    assert again.results["Count nodes on green"]["rows"] == [{"nodes": 210}]
    assert again.results[SWITCH]["changed"] is False
    assert [t["task"] for t in again.tasks if t["result"].get("changed")] == []

    if cluster:
        model = cluster.model
        assert target_of(model) == db(R2)
        assert releases(model) == [db(R1), db(R2)]
        assert graph_of(model, db(R1)) == PART1
        assert graph_of(model, db(R2)) == ALL_PARTS
        with model.lock:
            r1 = model.databases[db(R1)]
            assert r1.primaries == 3
            assert {a.current() for a in r1.allocations.values()} == {"online"} and len(r1.allocations) == 3
        # The rerun only read: no CREATE, ALTER or DROP reached the cluster.
        sent = [s.query.lstrip().split(None, 1)[0].upper() for s in cluster.statements[before_rerun:]]
        assert sent and not {"CREATE", "ALTER", "DROP"} & set(sent), sent


def test_a_failing_validation_query_drops_green_and_leaves_blue_serving(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    seed(model, db(R1))
    point(model, ALIAS, db(R1))
    run = run_playbook(BLUE_GREEN, extra_vars=deploy_vars(neo4j_target, R2, part="*", bg_validation_queries=[
        {"query": "MATCH (m:Movie) RETURN count(m) AS movies", "expect": [{"movies": 80}]},
        {"query": "MATCH ()-[r:DIRECTED]->() RETURN count(r) AS directed", "expect": [{"directed": 99}]},
    ]))
    assert run.rc != 0, run
    assert run.results[LOAD]["changed"] is True
    assert SWITCH not in run.results
    message = run.results[STOP]["msg"]
    assert "Green passes the validation queries" in message
    assert "returned [{'directed': 80}], expected [{'directed': 99}]" in message
    assert f"The alias {ALIAS} points at {db(R1)}." in message
    assert f"The green database {db(R2)} was dropped." in message
    assert target_of(model) == db(R1)
    assert releases(model) == [db(R1)]
    assert graph_of(model, db(R1)) == PART1


def test_an_alias_moved_during_the_deployment_is_not_switched(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    seed(model, db(R1))
    seed(model, "bgtest-hotfix")
    point(model, ALIAS, db(R1))
    create = model.create_database

    def create_and_move_the_alias(name, *args, **kwargs):
        # Someone else switches the alias at the moment green appears: after preflight, before the switch.
        created = create(name, *args, **kwargs)
        if name == db(R2):
            point(model, ALIAS, "bgtest-hotfix")
        return created

    model.create_database = create_and_move_the_alias
    run = run_playbook(BLUE_GREEN, extra_vars=deploy_vars(neo4j_target, R2))
    assert run.rc != 0, run
    assert run.results[SWITCH]["failed"] is True
    assert f"points at 'bgtest-hotfix', not at '{db(R1)}'; nothing was changed" in run.results[SWITCH]["msg"]
    assert f"The alias {ALIAS} points at bgtest-hotfix." in run.results[STOP]["msg"]
    assert target_of(model) == "bgtest-hotfix"
    assert releases(model) == [db(R1), "bgtest-hotfix"]


def test_cleanup_keeps_bg_keep_previous_releases_and_any_database_an_alias_points_at(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    old = [db(f"2024010100000{n}") for n in range(1, 5)]
    for name in old:
        seed(model, name)
    point(model, ALIAS, old[3])
    point(model, "bgtest-archive", old[0])
    run = run_playbook(BLUE_GREEN, extra_vars=deploy_vars(neo4j_target, R1, bg_keep=2))
    assert run.rc == 0, run
    assert target_of(model) == db(R1)
    # Newest first: 04 and 03 are kept, 02 is dropped, 01 stays because bgtest-archive points at it.
    assert releases(model) == [old[0], old[2], old[3], db(R1)]
    assert target_of(model, "bgtest-archive") == old[0]
    summary = run.results["Summary"]["msg"]
    assert f"kept: {old[3]}, {old[2]}, {old[0]}; dropped: {old[1]}" in summary


def test_rollback_switches_to_the_newest_older_release_or_the_one_named(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    seed(model, db(R1))
    seed(model, db(R2), graph=ALL_PARTS)
    seed(model, db(R3), graph=ALL_PARTS)
    point(model, ALIAS, db(R2))  # R3 is newer but not live (an earlier rollback)
    switch = "Switch the alias back, only if it still points at the current release"

    back = run_playbook(ROLLBACK, extra_vars=dict(connection_vars(neo4j_target), bg_alias=ALIAS))
    assert back.rc == 0, back
    assert back.results[switch]["changed"] is True
    assert back.results[switch]["invocation"]["module_args"]["expected_target"] == db(R2)
    assert back.results["Count nodes through the alias"]["rows"] == [{"nodes": 160}]
    assert target_of(model) == db(R1)

    forward = run_playbook(ROLLBACK, extra_vars=dict(connection_vars(neo4j_target), bg_alias=ALIAS, bg_rollback_to=db(R3)))
    assert forward.rc == 0, forward
    assert forward.results["Count relationships through the alias"]["rows"] == [{"relationships": 320}]
    assert target_of(model) == db(R3)
    assert releases(model) == [db(R1), db(R2), db(R3)]


def test_an_unhealthy_cluster_is_refused_before_anything_changes(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    neo4j_target["cluster"].kill_member("server3")
    run = run_playbook(BLUE_GREEN, extra_vars=deploy_vars(neo4j_target, R1))
    assert run.rc != 0, run
    message = run.results["Preflight, the cluster is healthy"]["msg"]
    assert message.startswith("The cluster is not healthy, nothing was changed: ")
    assert neo4j_target["cluster"].server_name("server3") in message
    assert LOAD not in run.results
    assert releases(model) == []
    assert target_of(model) is None


# ----- check mode, tags, the host the play runs on -----------------------------------------------------

CHANGES = {"CREATE", "ALTER", "DROP", "START", "STOP"}


def changes_sent(cluster, since=0):
    """Statements that would change the cluster, of those it received after ``since``."""
    sent = [s.query.lstrip() for s in cluster.statements[since:]]
    return [q for q in sent if q.split(None, 1)[0].upper() in CHANGES or q.upper().startswith("CYPHER 5 CREATE")]


def test_check_mode_reads_and_validates_everything_and_says_what_it_would_do(run_playbook, neo4j_target):
    """A new release under --check: the preflight, every file read and validated, the cleanup planned; nothing sent
    that changes anything, no Arrow import, and a summary of what a real run would do."""
    model = simulated(neo4j_target)
    cluster = neo4j_target["cluster"]
    old = [db("20240101000001"), db("20240101000002")]
    for name in old + [db(R1)]:
        seed(model, name)
    point(model, ALIAS, db(R1))
    run = run_playbook(BLUE_GREEN, check=True, extra_vars=deploy_vars(neo4j_target, R2, part="*", bg_keep=1, bg_validation_queries=[
        {"query": "MATCH (m:Movie) RETURN count(m) AS movies", "expect": [{"movies": 80}]}]))
    assert run.rc == 0, run
    load = run.results[LOAD]
    assert load["changed"] is True and (load["node_count"], load["relationship_count"]) == (210, 320)
    assert load["database_exists"] is False
    for skipped in ("Count nodes on green", SWITCH, "Count nodes through the alias", "Reads through the alias come from green"):
        assert run.results[skipped].get("skipped") is True, skipped
    summary = run.results["Summary"]["msg"]
    assert summary == [
        "Check mode, nothing was changed. %s: %s -> %s (would switch)" % (ALIAS, db(R1), db(R2)),
        "would load 210 nodes, 320 relationships (every file read and validated)",
        "would validate: counts and 1 validation query on green once it is loaded, then counts through the alias",
        "privileges: those of %s would be copied to green once it is loaded" % db(R1),
        "would keep: %s; would drop: %s" % (db(R1), ", ".join(sorted(old, reverse=True))),
    ]
    assert changes_sent(cluster) == []
    assert releases(model) == sorted(old + [db(R1)]) and target_of(model) == db(R1)


def test_check_mode_on_a_loaded_release_runs_its_validation_and_the_switch_checks(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    seed(model, db(R1))
    seed(model, db(R2), graph=ALL_PARTS)
    point(model, ALIAS, db(R1))
    run = run_playbook(BLUE_GREEN, check=True, extra_vars=deploy_vars(neo4j_target, R2, part="*", bg_validation_queries=[
        {"query": "MATCH (m:Movie) RETURN count(m) AS movies", "expect": [{"movies": 80}]}]))
    assert run.rc == 0, run
    assert run.results[LOAD]["changed"] is False
    assert run.results["Count nodes on green"]["rows"] == [{"nodes": 210}]
    assert run.results["Run the validation queries on green"]["results"][0]["rows"] == [{"movies": 80}]
    switch = run.results[SWITCH]
    assert switch["changed"] is True and switch["previous_target"] == db(R1)  # predicted, under the same checks
    assert run.results["Summary"]["msg"][0] == "Check mode, nothing was changed. %s: %s -> %s (would switch)" % (
        ALIAS, db(R1), db(R2))
    assert changes_sent(neo4j_target["cluster"]) == []
    assert target_of(model) == db(R1)


def test_check_mode_with_a_broken_file_fails_in_the_load_and_changes_nothing(run_playbook, neo4j_target, tmp_path):
    model = simulated(neo4j_target)
    seed(model, db(R1))
    point(model, ALIAS, db(R1))
    broken = tmp_path / "movies.csv"
    broken.write_text("movie_id,title\n1,Alien\n,Heat\n", encoding="utf-8")
    values = deploy_vars(neo4j_target, R2)
    values["bg_nodes"][0]["path"] = str(broken)
    run = run_playbook(BLUE_GREEN, check=True, extra_vars=values)
    assert run.rc != 0, run
    assert run.results[LOAD]["failed"] is True
    message = run.results[STOP]["msg"]
    assert message.startswith("Blue/green deployment of %s failed at '%s': " % (db(R2), LOAD)), message
    assert "The alias %s points at %s." % (ALIAS, db(R1)) in message and "dropped" not in message
    assert changes_sent(neo4j_target["cluster"]) == []


def test_rollback_in_check_mode_checks_the_switch_and_changes_nothing(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    seed(model, db(R1))
    seed(model, db(R2), graph=ALL_PARTS)
    point(model, ALIAS, db(R2))
    run = run_playbook(ROLLBACK, check=True, extra_vars=dict(connection_vars(neo4j_target), bg_alias=ALIAS))
    assert run.rc == 0, run
    switch = run.results["Switch the alias back, only if it still points at the current release"]
    assert switch["changed"] is True and switch["previous_target"] == db(R2)
    assert run.results["Count nodes through the alias"].get("skipped") is True
    assert run.results["Summary"]["msg"] == [
        "Check mode, nothing was changed. %s: %s -> %s (would roll back)" % (ALIAS, db(R2), db(R1))]
    assert changes_sent(neo4j_target["cluster"]) == []
    assert target_of(model) == db(R2)


def test_the_demo_refuses_check_mode_before_anything(run_playbook, neo4j_target):
    simulated(neo4j_target)
    run = run_playbook("playbooks/demo.yml", check=True, extra_vars=connection_vars(neo4j_target))
    assert run.rc != 0, run
    refusal = run.results["The demo needs a real run"]
    assert refusal["failed"] is True
    assert refusal["msg"].startswith("playbooks/demo.yml does not run in check mode: each step acts on what the one "
                                     "before it did")
    assert [t["task"] for t in run.tasks] == ["The demo needs a real run"]
    assert neo4j_target["cluster"].statements == []


def test_preflight_tag_only_checks_the_cluster(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    run = run_playbook(BLUE_GREEN, args=["--tags", "preflight"], extra_vars=deploy_vars(neo4j_target, R1))
    assert run.rc == 0, run
    # The play is a wrapper over the role graphops.neo4j.neo4j_blue_green: its tasks carry the role's name.
    role = "graphops.neo4j.neo4j_blue_green : "
    assert [t["task"] for t in run.tasks] == [
        role + "Validating arguments against arg spec 'main' - Deploy a new release of a Neo4j database behind an alias "
        "(blue/green)"] + [role + name for name in (
            "Several deployments in one run", "Fix the release id", "Check the deployment variables",
            "Take the checked variables", "Name the green database", "Look up the local source paths",
            "Check the local source paths",
            "Preflight, read the cluster's health, databases and aliases", "Preflight, the cluster is healthy",
            "Preflight, read dbms.max_databases", "Preflight, room for one more database",
            "Preflight, read the heap of every member", "Preflight, heap use on every member is below bg_max_heap_used_percent",
            "Preflight, where the alias points now (blue)", "Preflight, what can be checked without changing anything",
            "Time the phase preflight", "Status file, read the cluster as it is now", "Status file, read the history so far",
            "Status file, its folder", "Status file, write it")]
    assert releases(model) == [] and target_of(model) is None


def test_skipping_the_cleanup_keeps_every_old_release(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    old = [db("2024010100000%d" % n) for n in range(1, 4)]
    for name in old:
        seed(model, name)
    point(model, ALIAS, old[-1])
    run = run_playbook(BLUE_GREEN, args=["--skip-tags", "cleanup"], extra_vars=deploy_vars(neo4j_target, R1, bg_keep=0))
    assert run.rc == 0, run
    assert target_of(model) == db(R1)
    assert releases(model) == old + [db(R1)]
    assert "Drop old releases" not in run.results


def test_the_play_runs_on_the_host_bg_hosts_names_and_only_one(run_playbook, neo4j_target, module_interpreter):
    model = simulated(neo4j_target)
    inventory = ("[deployers]\ndeployer1 ansible_connection=local ansible_python_interpreter=%s\n"
                 "deployer2 ansible_connection=local ansible_python_interpreter=%s\n") % (module_interpreter, module_interpreter)
    one = run_playbook(BLUE_GREEN, inventory=inventory, extra_vars=deploy_vars(neo4j_target, R1, bg_hosts="deployer1"))
    assert one.rc == 0, one
    assert {t["host"] for t in one.tasks} == {"deployer1"}
    assert target_of(model) == db(R1)
    both = run_playbook(BLUE_GREEN, inventory=inventory, extra_vars=deploy_vars(neo4j_target, R2, bg_hosts="deployers"))
    assert both.rc != 0, both
    checks = both.all_results("Check the deployment variables")
    assert len(checks) == 2 and all(r["failed"] for r in checks)
    assert "bg_hosts must name exactly one host (it names 2: deployer1, deployer2)" in checks[0]["msg"]
    assert target_of(model) == db(R1) and releases(model) == [db(R1)]

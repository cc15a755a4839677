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

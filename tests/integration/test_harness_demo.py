"""playbooks/demo.yml, the job `make demo` runs: two releases, a rollback and a roll forward."""

import pytest

from plays import connection_vars, real_server_cleanup

DEMO = "playbooks/demo.yml"
R1, R2 = "movies-20260101000001", "movies-20260101000002"
LOAD = "Load green through GDS Arrow Flight"
SWITCH = "Switch the alias to green, only if it still points at blue"
ROLLBACK = "Switch the alias back, only if it still points at the current release"


@pytest.fixture
def demo_cleanup(run_playbook, neo4j_target):
    """On a real server, remove what the demo creates, before and after the test."""
    yield from real_server_cleanup(run_playbook, neo4j_target, "movies", [R1, R2])


@pytest.mark.usefixtures("demo_cleanup")
def test_demo_deploys_two_releases_rolls_back_and_forward(run_playbook, neo4j_target):
    run = run_playbook(DEMO, extra_vars=connection_vars(neo4j_target))
    assert run.rc == 0, run

    # Release 1 and 2 are loaded once each; the roll forward finds release 2 already there.
    loads = run.all_results(LOAD)
    assert [(r["database"], r["changed"]) for r in loads] == [(R1, True), (R2, True), (R2, False)]
    assert [(r["node_count"], r["relationship_count"]) for r in loads[:2]] == [(160, 240), (210, 320)]
    # New alias -> R1, R1 -> R2, rollback R2 -> R1, roll forward R1 -> R2: every switch happened.
    switches = run.all_results(SWITCH)
    assert [(r["previous_target"], r["changed"]) for r in switches] == [(None, True), (R1, True), (R1, True)]
    assert run.results[ROLLBACK]["previous_target"] == R2
    assert run.results["Count movies through the alias"]["rows"] == [{"movies": 80}]
    shown = run.all_results("Show servers, databases and aliases")
    assert [f"movies -> {R2}" in shown[0]["msg"][1], f"movies -> {R1}" in shown[1]["msg"][1]] == [True, True]

    if neo4j_target["simulated"]:
        model = neo4j_target["cluster"].model
        with model.lock:
            assert model.aliases["movies"].database == R2
            assert sorted(name for name in model.databases if name.startswith("movies")) == [R1, R2]
            expected = {R1: ({"Movie": 60, "Person": 100}, {"ACTED_IN": 180, "DIRECTED": 60}),
                        R2: ({"Movie": 80, "Person": 130}, {"ACTED_IN": 240, "DIRECTED": 80})}
            for name, (labels, types) in expected.items():
                db = model.databases[name]
                assert (db.graph.label_counts, db.graph.type_counts) == (labels, types)
                assert db.primaries == 3
                assert {a.current() for a in db.allocations.values()} == {"online"}
                assert len(db.allocations) == 3

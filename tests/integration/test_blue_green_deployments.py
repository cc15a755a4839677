"""Several aliases in one run (bg_deployments, bounded by bg_parallel) and survey-friendly variables (lists and dicts
as YAML/JSON strings, every bad variable reported at once, before anything is read or changed)."""

import json

from simulator.model import Alias

from test_blue_green import ALL_PARTS, DATA, PART1, db, graph_of, seed, simulated, target_of
from test_blue_green_status import read

R1, R2 = "20250101000001", "20250101000002"
GOOD, BAD = "bgmovies", "bgshows"


def sources(part="part-1"):
    suffix = f"/{part}.csv" if part != "*" else ""
    return {
        "nodes": [{"path": f"{DATA}/movies{suffix}", "label": ["Movie"], "id_column": "movie_id"},
                  {"path": f"{DATA}/persons{suffix}", "label": ["Person"], "id_column": "person_id"}],
        "relationships": [{"path": f"{DATA}/acted_in{suffix}", "type": "ACTED_IN", "source_column": "person_id",
                           "target_column": "movie_id"}],
    }


def aliases_on(model, alias, database):
    with model.lock:
        model.aliases[alias] = Alias(name=alias, database=database)


def names(model, alias):
    with model.lock:
        return sorted(n for n in model.databases if n.startswith(alias + "-"))


def test_two_aliases_in_one_run_one_failing_validation_leaves_the_other_switched(run_playbook, neo4j_target, tmp_path):
    model = simulated(neo4j_target)
    for alias in (GOOD, BAD):
        seed(model, db(R1, alias))
        aliases_on(model, alias, db(R1, alias))
    status = tmp_path / "status.json"
    deployments = [
        dict(alias=GOOD, **sources("*"), validation_queries=[
            {"query": "MATCH (m:Movie) RETURN count(m) AS movies", "expect": [{"movies": 80}]}]),
        dict(alias=BAD.upper(), **sources("*"), topology="{primaries: 1}", validation_queries=[
            {"query": "MATCH (m:Movie) RETURN count(m) AS movies", "expect": [{"movies": 1}]}]),
    ]
    # As an AWX survey sends them: strings, the list as JSON, the count as text.
    extra = dict(neo4j_uri=neo4j_target["uri"], neo4j_username="neo4j", neo4j_password="password",
                 bg_release=R2, bg_deployments=json.dumps(deployments), bg_parallel="2", bg_status_file=str(status))

    check = run_playbook("playbooks/blue_green.yml", extra_vars=extra, check=True)
    assert check.rc == 0, check
    stop = check.results["Check mode stops after the preflight"]["msg"]
    assert stop.startswith("Check mode, nothing was changed: the preflight passed for 2 deployments "
                           f"({GOOD}: {db(R1, GOOD)} -> {db(R2, GOOD)}; {BAD}: {db(R1, BAD)} -> {db(R2, BAD)})"), stop
    assert names(model, GOOD) == [db(R1, GOOD)] and names(model, BAD) == [db(R1, BAD)] and not status.exists()

    run = run_playbook("playbooks/blue_green.yml", extra_vars=extra)
    assert run.rc != 0, run
    # Both loads ran in one batch, started before either was awaited.
    started = run.results["Start the loads of this batch"]
    assert [r["item"]["green"] for r in started["results"]] == [db(R2, GOOD), db(R2, BAD)]
    assert target_of(model, GOOD) == db(R2, GOOD) and graph_of(model, db(R2, GOOD))["nodes"] == ALL_PARTS["nodes"]
    assert target_of(model, BAD) == db(R1, BAD) and names(model, BAD) == [db(R1, BAD)]  # blue serves, green dropped
    assert graph_of(model, db(R1, BAD)) == PART1
    final = run.results["Every deployment succeeded"]["msg"]
    assert final.startswith("1 of 2 deployments failed; each outcome stands on its own: "
                            f"{GOOD}: {db(R1, GOOD)} -> {db(R2, GOOD)} (switched) | "
                            f"{BAD}: {db(R1, BAD)} -> {db(R2, BAD)} (failed at 'Green passes the validation queries': "), final
    assert "returned [{'movies': 80}], expected [{'movies': 1}]" in final
    assert f"The alias points at {db(R1, BAD)}. The green database {db(R2, BAD)} was dropped." in final
    document = read(status)
    good, bad = document["history"]
    assert (good["alias"], good["outcome"], good["switched"], good["blue"]) == (GOOD, "succeeded", True, db(R1, GOOD))
    assert good["counts"] == {"nodes": ALL_PARTS["nodes"], "relationships": 240}
    assert list(good["phases"]) == ["preflight", "load", "validate", "backup", "switch", "verify", "cleanup"]
    assert (bad["alias"], bad["outcome"], bad["switched"]) == (BAD, "failed", False)
    assert bad["failed_task"] == "Green passes the validation queries" and "expected [{'movies': 1}]" in bad["message"]
    assert document["aliases"][BAD]["target"] == db(R1, BAD)


def test_every_bad_survey_variable_is_reported_at_once_before_anything_is_read(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    cluster = neo4j_target["cluster"]
    base = dict(neo4j_uri=neo4j_target["uri"], neo4j_username="neo4j", neo4j_password="password")
    single = run_playbook("playbooks/blue_green.yml", extra_vars=dict(
        base, bg_alias="bgx", bg_nodes='[{"path": "x"', bg_topology="[1, 2]", bg_keep="two",
        bg_validation_queries="[{query: 'RETURN 1'}]", bg_backup="to_path", bg_stage="[to_path]"))
    assert single.rc != 0, single
    message = single.results["Check the deployment variables"]["msg"]
    assert message.startswith("6 variables are wrong, nothing was read or changed: "), message
    for part in ("bg_nodes (neo4j_blue_green_nodes): the string '[{\"path\": \"x\"' is not valid YAML or JSON",
                 "bg_topology (neo4j_blue_green_topology): expected a dict (or a YAML/JSON string of one), got a list.",
                 "bg_keep (neo4j_blue_green_keep): expected an integer >= 0, got 'two'.",
                 "bg_validation_queries (neo4j_blue_green_validation_queries): item 0 has no expect",
                 "bg_backup (neo4j_blue_green_backup): expected a dict (or a YAML/JSON string of one), got a string.",
                 "bg_stage (neo4j_blue_green_stage): expected a dict (or a YAML/JSON string of one), got a list."):
        assert part in message, (part, message)
    many = run_playbook("playbooks/blue_green.yml", extra_vars=dict(
        base, bg_alias="bgx", bg_parallel="0", bg_deployments="[{alias: a, nodes: [{path: x}]}, {alias: A, nodes: []}]",
        bg_load_path="staged"))
    assert many.rc != 0, many
    message = many.results["Check the deployment variables"]["msg"]
    assert message.startswith("4 variables are wrong, nothing was read or changed: "), message
    assert ("bg_load_path (neo4j_blue_green_load_path): staged loads one alias per run; with bg_deployments use arrow, "
            "or run the staged deployments one alias at a time.") in message
    assert ("bg_deployments (neo4j_blue_green_deployments): [1] (alias 'A'): nodes must name at least one source, got an "
            "empty list; [1] (alias 'A'): alias 'a' is deployed by entry [0] already; one entry per alias.") in message
    assert "bg_parallel (neo4j_blue_green_parallel): expected an integer >= 1, got 0." in message
    assert "bg_alias (neo4j_blue_green_alias): set either bg_deployments or bg_alias, not both." in message
    for run in (single, many):
        ran = [t["task"].split(" : ", 1)[-1] for t in run.tasks]
        assert not [t for t in ran if t.startswith("Preflight")], ran
    # Only the status file read the cluster after the refusal: nothing was created, altered or dropped.
    assert not [s.query for s in cluster.statements if s.query.lstrip().upper().startswith(("CREATE", "ALTER", "DROP"))]
    assert model.aliases == {} or "bgx" not in model.aliases

"""The status file of the neo4j_blue_green role (playbooks/blue_green.yml): written on the controller after every
run, success or failure, valid against docs/blue-green-status.schema.json, replaced atomically, its history bounded."""

import json
import os
from pathlib import Path

import jsonschema

from test_blue_green import ALIAS, R1, R2, R3, db, deploy_vars, point, seed, simulated

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "blue-green-status.schema.json").read_text("utf-8"))


def read(path):
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    return document


def test_success_failure_and_a_bounded_history_each_leave_a_valid_document(run_playbook, neo4j_target, tmp_path):
    simulated(neo4j_target)
    path = tmp_path / "state" / "status.json"
    common = dict(bg_status_file=str(path), bg_status_history=2, awx_job_id=42, awx_user_name="alice")

    first = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R1, **common))
    assert first.rc == 0, first
    document = read(path)
    assert document["healthy"] is True and document["health_reasons"] == []
    assert document["aliases"][ALIAS]["target"] == db(R1)
    members = document["databases"][db(R1)]["members"]
    assert members and {m["current_status"] for m in members.values()} == {"online"}
    [run] = document["history"]
    assert (run["alias"], run["release"], run["green"], run["blue"]) == (ALIAS, R1, db(R1), None)
    assert run["outcome"] == "succeeded" and run["switched"] is True and run["failed_task"] is None
    assert run["counts"] == {"nodes": 160, "relationships": 240}
    assert list(run["phases"]) == ["preflight", "load", "validate", "backup", "switch", "verify", "cleanup"]
    assert run["who"]["awx_job_id"] == 42 and run["who"]["awx_user_name"] == "alice"
    assert run["seconds"] >= sum(run["phases"].values()) - 0.01
    inode = os.stat(path).st_ino

    # A failing validation query: the run fails, the file says why, and the alias still points at R1.
    failing = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R2, part="*", bg_validation_queries=[
        {"query": "MATCH (m:Movie) RETURN count(m) AS movies", "expect": [{"movies": 1}]}], **common))
    assert failing.rc != 0, failing
    document = read(path)
    last = document["history"][-1]
    assert last["outcome"] == "failed" and last["switched"] is False and last["blue"] == db(R1)
    assert last["failed_task"] == "Stop, blue keeps serving"
    assert "returned [{'movies': 80}], expected [{'movies': 1}]" in last["message"]
    assert "validate" not in last["phases"] and "load" in last["phases"]
    assert document["aliases"][ALIAS]["target"] == db(R1) and db(R2) not in document["databases"]
    assert os.stat(path).st_ino != inode  # replaced by a rename, not rewritten in place
    assert sorted(os.listdir(path.parent)) == ["status.json"]  # no temporary file left behind

    third = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R3, **common))
    assert third.rc == 0, third
    document = read(path)
    assert [(r["release"], r["outcome"]) for r in document["history"]] == [(R2, "failed"), (R3, "succeeded")]
    assert document["history"][-1]["blue"] == db(R1)


def test_a_run_refused_by_the_preflight_writes_the_unhealthy_cluster_to_the_default_place(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    seed(model, db(R1))
    point(model, ALIAS, db(R1))
    neo4j_target["cluster"].kill_member("server3")
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R2))
    assert run.rc != 0, run
    # No bg_status_file: the default place, under the home of the user running the play (each test run has its own).
    extra_vars = next(arg for arg in run.command if arg.startswith("@")).lstrip("@")
    path = Path(extra_vars).parent / "home" / ".local" / "state" / "graphops.neo4j" / "blue-green-status.json"
    document = read(path)
    assert document["healthy"] is False
    assert any(neo4j_target["cluster"].server_name("server3") in reason for reason in document["health_reasons"])
    [last] = document["history"]
    assert last["outcome"] == "failed" and last["failed_task"] == "Preflight, the cluster is healthy"
    assert last["message"].startswith("The cluster is not healthy, nothing was changed: ")
    assert last["counts"] is None and list(last["phases"]) == []
    assert document["aliases"][ALIAS]["target"] == db(R1)

"""The demo: `make demo` (tools/run_demo.py) on the simulator, the whole story with a reader through the alias, and
playbooks/demo.yml on its own against a real server."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from plays import connection_vars, real_server_cleanup

REPO = Path(__file__).resolve().parents[2]
DEMO = "playbooks/demo.yml"
R1, R2 = "movies-20260101000001", "movies-20260101000002"
LOAD = "Load green through GDS Arrow Flight"
SWITCH = "Switch the alias to green, only if it still points at blue"
BACKUP = "Back up blue before the switch"
ROLLBACK = "Switch the alias back, only if it still points at the current release"


def test_make_demo_tells_the_whole_story(collections_path, tmp_path):
    """What a new user sees: two deployments and a rollback under live reads, a backup before the cutover from blue, a
    status file, and the summary table; the generated data is what the releases hold."""
    out = tmp_path / "demo"
    env = dict(os.environ)
    env.pop("GRAPHOPS_MODULE_PYTHON", None)  # the demo runs the modules on its own interpreter
    done = subprocess.run([sys.executable, str(REPO / "tools" / "run_demo.py"), "--collections", str(collections_path),
                           "--out", str(out), DEMO], cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    text = done.stdout
    counts = json.loads((out / "data" / "counts.json").read_text())
    one, two = counts["release_1"], counts["release_2"]
    nodes = {R1: one["movies"] + one["persons"], R2: two["movies"] + two["persons"]}
    rels = {R1: one["acted_in"] + one["directed"], R2: two["acted_in"] + two["directed"]}
    rows = {}
    for line in text.splitlines():
        step = re.match(r"^  (release [12]|rollback) ", line)
        if step:
            rows[step.group(1)] = line.split()
    assert rows["release 1"][2:7] == [R1, str(one["movies"]), str(nodes[R1]), str(rels[R1]), "succeeded"]
    assert rows["release 2"][2:7] == [R2, str(two["movies"]), str(nodes[R2]), str(rels[R2]), "succeeded"]
    assert rows["rollback"][1:3] == [R1, str(one["movies"])]
    # A backup of release 1 was taken before release 2's cutover, and one of release 2 before the rollback left it;
    # both are on disk.
    backups = sorted(p.name for p in (out / "backups").iterdir())
    assert len(backups) == 2 and backups[0].startswith(R1 + "-") and rows["release 2"][7] == backups[0]
    assert backups[1].startswith(R2 + "-") and rows["rollback"][6] == backups[1]
    # Reads through the alias over neo4j:// never failed, and they saw release 1, release 2 and release 1 again.
    reads = re.search(r"reads through the alias over neo4j://: (\d+) served, (\d+) failed \((.*)\)", text)
    assert reads and int(reads.group(1)) > 0 and reads.group(2) == "0", text[-3000:]
    assert "%d movies" % one["movies"] in reads.group(3) and "%d movies" % two["movies"] in reads.group(3)
    # The status file holds both runs.
    status = json.loads((out / "blue-green-status.json").read_text())
    assert [(run["green"], run["outcome"], run["backup"]) for run in status["history"]] == [
        (R1, "succeeded", None), (R2, "succeeded", backups[0])]  # a rollback adds no entry
    assert "status file: %s (2 runs in its history)" % (out / "blue-green-status.json") in text


@pytest.fixture
def demo_cleanup(run_playbook, neo4j_target):
    """On a real server, remove what the demo creates, before and after the test."""
    yield from real_server_cleanup(run_playbook, neo4j_target, "movies", [R1, R2])


@pytest.mark.usefixtures("demo_cleanup")
def test_demo_playbook_deploys_two_releases_and_rolls_back(run_playbook, neo4j_target):
    if neo4j_target["simulated"]:
        pytest.skip("on the simulator, test_make_demo_tells_the_whole_story runs the demo (make demo)")
    run = run_playbook(DEMO, extra_vars=connection_vars(neo4j_target))
    assert run.rc == 0, run
    loads = run.all_results(LOAD)
    assert [(r["database"], r["changed"]) for r in loads] == [(R1, True), (R2, True)]
    switches = run.all_results(SWITCH)
    assert [(r["previous_target"], r["changed"]) for r in switches] == [(None, True), (R1, True)]
    assert run.results[ROLLBACK]["previous_target"] == R2
    assert run.results["Count movies through the alias"]["rows"] == [{"movies": 60}]

"""Bad-input suite (issue 14): every option of every module, wrong in every way its spec allows.

The inputs come from the modules' own argument specs (``bad_inputs.py``), on top of one valid set of options
per module (``BASES``), and run as tasks of one ansible-playbook run (``ignore_errors``) against a simulated
cluster, with moto for the S3 and CloudWatch options.  Figures: inputs tried, failures with a message naming
the option (must equal inputs tried), state changes (must be 0): the whole simulator state (databases per member
with their status and data, aliases and targets, users, roles, privileges, servers) and the S3 objects and
CloudWatch alarms and metrics are snapshotted before and after the batch.

``make reliability`` runs every input (marker ``reliability``); ``make test`` runs a few per module.
"""

import json

import pytest
from neo4j import GraphDatabase

from reliability import bad_inputs
from reliability.state_snapshot import differences, snapshot

COMMAND_FULL = "make reliability  (pytest -m reliability tests/reliability/test_bad_input.py)"
COMMAND_SHORT = "pytest tests/reliability/test_bad_input.py -m 'not reliability'"
# Not "password": Ansible masks every no_log value in messages, and update_password would read update_********.
PASSWORD = "Reliability-Secret-1"
# Inputs per ansible-playbook run: each run stays well inside run_playbook's 300 s bound.
CHUNK = 120
# ansible-core's own message for a string given to a dict option that has sub-options (s3, topology, nodes[]...):
# AnsibleModule fails before the module runs, but the message does not name the option.  Counted on its own.
CORE_DICT_MESSAGE = "dictionary requested, could not parse JSON or key=value"


def _bases(cluster, moto_s3, moto_cloudwatch, bucket, nodes_file):
    """One valid set of options per module; each would change something if a bad input slipped through."""
    bolt = {"uri": cluster.routing_uri(), "login_user": "neo4j", "login_password": PASSWORD,
            "connection_timeout": 5, "retry_timeout": 2}
    aws = moto_s3.module_options()
    s3 = {"bucket": bucket, "endpoint_url": aws["endpoint_url"], "region": aws["region"],
          "access_key": aws["access_key"], "secret_key": aws["secret_key"]}
    cloud = moto_cloudwatch.module_options()
    server = cluster.model.servers["server3"].server_id
    return {
        "neo4j_alias": dict(bolt, name="relalias", target="neo4j"),
        "neo4j_arrow_load": dict(bolt, database="relload", wait_timeout=20, timeout=60,
                                 nodes=[{"path": nodes_file, "format": "csv", "id_column": "id", "label": ["Rel"]}]),
        "neo4j_database": dict(bolt, name="reldb", wait_timeout=20),
        "neo4j_info": dict(bolt),
        "neo4j_privileges_copy": dict(bolt, source="neo4j", target="relcopy"),
        "neo4j_query": dict(bolt, query="CREATE (:Reliability)", database="neo4j"),
        "neo4j_role": dict(bolt, name="relrole"),
        "neo4j_rolling_upgrade": dict(bolt, step="plan", target_version="2026.07.0",
                                      members=[{"host": "member%d" % n, "server": cluster.model.servers["server%d" % n].server_id}
                                               for n in (1, 2, 3)]),
        "neo4j_server": dict(bolt, server=server, tags=["reliability"], wait_timeout=20),
        "neo4j_user": dict(bolt, name="reluser", password="reliability-pass"),
        "neo4j_backup": dict(state="pruned", s3=s3, retention={"keep_full": 1}, timeout=60),
        "neo4j_backup_info": dict(s3=s3, timeout=60),
        "neo4j_cloudwatch_alarm": dict(cloud, name="relalarm", cluster_name="rel", server_name="server1", threshold=90),
        "neo4j_cloudwatch_metrics": dict(cloud, cluster_name="rel", memory={}),
        "neo4j_ecr_token": dict(cloud),
    }


# The inputs are spread over this many inventory hosts (all local) that ansible-playbook runs in parallel forks.
HOSTS = 3
INVENTORY = "".join("worker%d ansible_connection=local\n" % n for n in range(HOSTS))


def _task(number, case):
    return {"name": case.label, "graphops.neo4j.%s" % case.module: case.args, "ignore_errors": True,
            "when": "inventory_hostname == 'worker%d'" % (number % HOSTS)}


def _run(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, pick):
    nodes_file = tmp_path / "nodes.csv"
    nodes_file.write_text("id,name\n1,a\n2,b\n", encoding="utf-8")
    corrupt = tmp_path / "corrupt.pem"
    corrupt.write_bytes(b"\x00\xffnot a certificate, not a parquet file\n" * 4)
    files = {"missing": str(tmp_path / "missing" / "file.pem"), "corrupt": str(corrupt)}
    bucket = moto_s3.create_bucket("reliability-%s" % tmp_path.name[-8:].lower().replace("_", "-"))
    moto_s3.client().put_object(Bucket=bucket, Key="keep/this.txt", Body=b"kept")
    with GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", PASSWORD)) as driver:
        driver.execute_query("CREATE DATABASE relcopy WAIT", database_="system")
    bases = _bases(cluster, moto_s3, moto_cloudwatch, bucket, str(nodes_file))
    specs = bad_inputs.argument_specs()
    assert sorted(bases) == sorted(specs), "every module needs a valid base in BASES (a new module?)"
    cases = pick(bad_inputs.spread_shared([case for module in sorted(specs)
                                           for case in bad_inputs.cases(module, specs[module], bases[module], files)]))
    before = snapshot(cluster, moto_s3, moto_cloudwatch)
    runs, results = [], {}
    for start in range(0, len(cases), CHUNK):
        chunk = cases[start:start + CHUNK]
        playbook = [{"hosts": "all", "gather_facts": False, "strategy": "free",
                     "tasks": [_task(number, case) for number, case in enumerate(chunk)]}]
        run = run_playbook(json.dumps(playbook) + "\n", inventory=INVENTORY,
                           env={"ANSIBLE_FORKS": str(HOSTS), "ANSIBLE_PIPELINING": "true"})
        runs.append(run)
        results.update((record["task"], record["result"]) for record in run.tasks if record["status"] != "skipped")
    after = snapshot(cluster, moto_s3, moto_cloudwatch)
    findings, core_unnamed = [], []
    named = 0
    for case in cases:
        result = results.get(case.label)
        message = str((result or {}).get("msg", ""))
        if result is None:
            findings.append("%s: never ran" % case.label)
        elif not result.get("failed"):
            findings.append("%s: accepted (%s)" % (case.label, result.get("changed")))
        elif any(name in message for name in case.names):
            named += 1
        elif message == CORE_DICT_MESSAGE and ("not a dict" in case.what or "element of the wrong type" in case.what):
            core_unnamed.append(case.label)
        else:
            findings.append("%s: message names none of %s: %s" % (case.label, case.names, message[:300]))
    changes = differences(before, after)
    return runs, cases, named, core_unnamed, findings, changes


def _check(reliability_figures, command, runs, cases, named, core_unnamed, findings, changes):
    reliability_figures("bad input", command=command, must_be_zero=("state_changes", "findings"),
                        must_equal=(("refused", "inputs_tried"),), modules=len({case.module for case in cases}),
                        inputs_tried=len(cases), refused=named + len(core_unnamed), named=named,
                        unnamed_by_ansible_core=len(core_unnamed), findings=len(findings), state_changes=len(changes))
    for run in runs:
        assert run.rc == 0, run
    assert not changes, changes
    assert not findings, "\n".join(findings)


@pytest.fixture
def cluster(make_cluster):
    """A 3-member simulated cluster whose admin password is PASSWORD."""
    return make_cluster(3, users={"neo4j": PASSWORD})


@pytest.mark.reliability
@pytest.mark.timeout(1800)
def test_bad_input_full(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, reliability_figures):
    outcome = _run(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, lambda cases: cases)
    assert len(outcome[1]) >= 300
    _check(reliability_figures, COMMAND_FULL, *outcome)


def test_bad_input_short(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, reliability_figures):
    outcome = _run(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, bad_inputs.short)
    _check(reliability_figures, COMMAND_SHORT, *outcome)

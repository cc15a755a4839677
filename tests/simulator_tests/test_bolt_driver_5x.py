"""The neo4j 5.28 driver line against the simulator, run in a separate interpreter that has it installed.

``make venv`` creates that interpreter as ``.venv-driver5`` from ``tests/requirements-driver5.txt``;
``NEO4J_5X_PYTHON`` names another one.
"""

import json
import os
import subprocess

import pytest

from lint_collector import deliberately_malformed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = os.environ.get("NEO4J_5X_PYTHON", os.path.join(ROOT, ".venv-driver5", "bin", "python"))

SCRIPT = r"""
import json, sys
import neo4j
from neo4j.exceptions import AuthError, CypherSyntaxError

direct, routed = sys.argv[1], sys.argv[2]
auth = ("neo4j", "password")
out = {"version": neo4j.__version__}
with neo4j.GraphDatabase.driver(direct, auth=auth) as d:
    info = d.get_server_info()
    out["agent"], out["protocol"] = info.agent, list(info.protocol_version)
    out["one"] = d.execute_query("RETURN 1").records[0][0]
    with d.session() as s:
        try:
            s.run(sys.argv[3]).consume()
        except CypherSyntaxError as e:
            out["syntax"] = e.code
        out["after_reset"] = s.run("RETURN 2 AS two").single()["two"]
with neo4j.GraphDatabase.driver(direct, auth=("neo4j", "wrong")) as d:
    try:
        d.verify_connectivity()
    except AuthError as e:
        out["auth"] = e.code
with neo4j.GraphDatabase.driver(routed, auth=auth, initial_retry_delay=0.05, max_transaction_retry_time=5) as d:
    with d.session(database="system") as s:
        summary = s.execute_write(lambda tx: tx.run("CREATE DATABASE fromfive").consume())
        out["system_updates"] = summary.counters.system_updates
        tx = s.begin_transaction()
        tx.run("CREATE DATABASE rolledback").consume()
        tx.rollback()
print(json.dumps(out))
"""


@pytest.mark.skipif(not os.access(PYTHON, os.X_OK), reason="no interpreter with neo4j 5.28 at %s (run make venv)" % PYTHON)
@pytest.mark.parametrize("version", ["5.26.0", "2026.07.0"])
def test_driver_5_28_works_end_to_end(make_cluster, version):
    cluster = make_cluster(version=version)
    proc = subprocess.run([PYTHON, "-c", SCRIPT, cluster.bolt_uri(), cluster.routing_uri(),
                           deliberately_malformed("MATCH (n RETURN n")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["version"].startswith("5.28.")
    # picked through the manifest: 5.8 even where the server also offers 6.0, which 5.28 does not know
    assert out["agent"] == "Neo4j/" + version and out["protocol"] == [5, 8]
    assert out["one"] == 1 and out["after_reset"] == 2
    assert out["syntax"] == "Neo.ClientError.Statement.SyntaxError"
    assert out["auth"] == "Neo.ClientError.Security.Unauthorized"
    assert out["system_updates"] == 1
    assert "fromfive" in cluster.model.databases and "rolledback" not in cluster.model.databases

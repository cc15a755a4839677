"""The Cypher lint gate: Neo4j's own linter must accept every statement the collection sends.

``lint_collector`` (loaded below as a plugin) lints, at session end, every statement any simulated
cluster received during the session.  The tests here prove the linter works and run a representative
flow of the collection's modules on a cluster of their own, so the gate bites even when this file
runs alone.
"""

import os

import pytest

pytest.register_assert_rewrite("lint_collector")

import lint_collector  # noqa: E402  (after the rewrite registration)
from plays import header, target_vars  # noqa: E402

pytest_plugins = ["lint_collector", "pytester"]

GOOD = ("CREATE ALIAS `movies` IF NOT EXISTS FOR DATABASE `movies_20261122`",
        "DROP DATABASE foo IF EXISTS DESTROY DATA WAIT",
        "SHOW SERVERS YIELD *",
        "CALL dbms.components() YIELD name, versions, edition")
PARAMETERISED = "CREATE DATABASE $name IF NOT EXISTS WAIT"


@pytest.fixture(scope="module")
def linter():
    try:
        return lint_collector.ensure_linter()
    except lint_collector.LinterUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def self_test(linter):
    """One linter run (it takes seconds to load the grammar) over the self-test statements."""
    statements = [{"query": "CREATE DATABSE foo", "parameters": {}},
                  {"query": PARAMETERISED, "parameters": {"name": "movies"}},
                  {"query": PARAMETERISED, "parameters": {}}]
    statements += [{"query": q, "parameters": {}} for q in GOOD]
    return {(f.query, bool(f.parameters)): f for f in lint_collector.lint(statements)}


def test_linter_rejects_a_misspelt_command(self_test):
    finding = self_test["CREATE DATABSE foo", False]
    assert [d["message"] for d in finding.errors()] == ["Invalid input 'foo': expected a graph pattern"]


def test_linter_accepts_administration_commands(self_test):
    for query in GOOD:
        assert self_test[query, False].diagnostics == [], query


def test_parameters_are_defined_by_the_statement_itself(self_test):
    assert self_test[PARAMETERISED, True].errors() == []
    assert [d["message"] for d in self_test[PARAMETERISED, False].errors()] == ["Parameter $name is not defined."]


def test_gate_fails_only_statements_the_simulator_accepted(linter):
    findings = lint_collector.lint([
        {"query": "CREATE DATABSE foo", "parameters": {}, "error": None, "member": "server1"},
        {"query": "MATCH (n RETURN n", "parameters": {}, "error": "Neo.ClientError.Statement.SyntaxError"},
        {"query": "DROP DATABSE foo", "parameters": {}, "error": "Neo.ClientError.Database.DatabaseNotFound"},
        {"query": "RETURN 1 AS one", "parameters": {}},
    ])
    bad = lint_collector.failures(findings)
    # Refused as malformed by the simulator too: consistent.  Failed for another reason: still a finding.
    assert [f.query for f in bad] == ["CREATE DATABSE foo", "DROP DATABSE foo"]
    text = lint_collector.report(findings)
    assert "4 distinct statements linted, 2 with errors" in text
    assert "Invalid input 'foo': expected a graph pattern" in text
    assert "received by: server1" in text


GATE_TEST = '''
import pytest

class FakeCluster:
    """Shaped like simulator.cluster.Cluster as far as the gate cares."""
    model = None
    def __init__(self):
        self.statements = []

@pytest.fixture
def cluster():
    yield FakeCluster()

def test_sends_statements(cluster):
    cluster.statements.append({"query": "SHOW DATABASES YIELD name", "parameters": {}, "member": "server1"})
    cluster.statements.append({"query": "SHOW DATABSES", "parameters": {}, "member": "server2"})
'''


def test_session_gate_fails_a_passing_session_on_a_bad_statement(linter, pytester, monkeypatch):
    """A session whose tests all pass still fails when a cluster fixture received invalid Cypher."""
    monkeypatch.setenv("PYTHONPATH", os.path.dirname(lint_collector.LINT_DIR))
    pytester.makepyfile(test_gate=GATE_TEST)
    result = pytester.runpytest_subprocess("-p", "lint_collector", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*Cypher lint gate: FAILED*",
                                 "2 distinct statements linted, 1 with errors",
                                 "statement: SHOW DATABSES",
                                 "*received by: server2"])


FLOW = header() + """\
    - name: create a database
      graphops.neo4j.neo4j_database:
        name: movies-1
        topology: {primaries: 3}
    - name: create a second database
      graphops.neo4j.neo4j_database:
        name: movies-2
    - name: point an alias at the first
      graphops.neo4j.neo4j_alias:
        name: movies
        target: movies-1
    - name: switch the alias to the second
      graphops.neo4j.neo4j_alias:
        name: movies
        target: movies-2
        expected_target: movies-1
    - name: write through a query
      graphops.neo4j.neo4j_query:
        database: movies
        query: "CREATE (m:Movie {title: $title})"
        parameters: {title: Heat}
    - name: read through a query
      graphops.neo4j.neo4j_query:
        database: movies
        routing: read
        query: "MATCH (m:Movie) RETURN count(m) AS movies"
    - name: everything neo4j_info reads
      graphops.neo4j.neo4j_info:
    - name: stop the first database
      graphops.neo4j.neo4j_database:
        name: movies-1
        state: stopped
    - name: drop the alias
      graphops.neo4j.neo4j_alias:
        name: movies
        state: absent
    - name: drop the first database
      graphops.neo4j.neo4j_database:
        name: movies-1
        state: absent
"""


def test_collection_flow_sends_only_valid_cypher(linter, run_playbook, cluster):
    """The collection's modules against a cluster: every statement they sent passes Neo4j's linter."""
    run = run_playbook(FLOW, extra_vars=target_vars(cluster))
    findings = lint_collector.lint(cluster.statements)
    bad = lint_collector.failures(findings)
    assert not bad, lint_collector.report(findings)
    failed = ["%s: %s" % (t["task"], t["result"].get("msg")) for t in run.tasks if t["result"].get("failed")]
    assert run.rc == 0 and not failed, failed or run
    sent = {f.query for f in findings}
    # The flow really reached the server with each module's statements.
    assert any(q.startswith("SHOW SERVERS") for q in sent)
    assert any("dbms.queryJmx" in q for q in sent)
    assert any(q.startswith("CREATE (m:Movie") for q in sent)
    assert len(findings) >= 10

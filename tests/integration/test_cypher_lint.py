"""The Cypher lint gate: Neo4j's own linter must accept every statement the collection sends.

``lint_collector`` (a plugin tests/conftest.py loads in every session) lints, at session end, every
statement any simulated cluster received during the session.  The tests here prove the linter works,
that the gate fails a partial run on a cluster a test built itself (pytester), and run a representative
flow of the collection's modules on a cluster of their own.
"""

import os

import pytest

import lint_collector
from plays import header, target_vars

pytest_plugins = ["pytester"]

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


def test_gate_exempts_only_declared_malformed_statements_the_simulator_refused(linter):
    findings = lint_collector.lint([
        {"query": "CREATE DATABSE foo", "parameters": {}, "error": None, "member": "server1"},
        {"query": "MATCH (n RETURN n", "parameters": {}, "error": "Neo.ClientError.Statement.SyntaxError"},
        {"query": "MATCH (n RETURN m", "parameters": {}, "error": "Neo.ClientError.Statement.SyntaxError"},
        {"query": "DROP DATABSE foo", "parameters": {}, "error": "Neo.ClientError.Database.DatabaseNotFound"},
        {"query": "SHOW DATABSES", "parameters": {}, "error": None},
        {"query": "RETURN 1 AS one", "parameters": {}},
    ], malformed={"MATCH (n RETURN n", "SHOW DATABSES"})
    bad = lint_collector.failures(findings)
    # Only the declared statement that the simulator refused too is exempt.  A refusal nobody declared
    # (a module sending malformed Cypher that a negative test would take for the expected failure) and a
    # declared statement the simulator accepted are findings.
    assert [f.query for f in bad] == ["CREATE DATABSE foo", "MATCH (n RETURN m", "DROP DATABSE foo", "SHOW DATABSES"]
    text = lint_collector.report(findings)
    assert "6 distinct statements linted, 4 with errors" in text
    assert "Invalid input 'foo': expected a graph pattern" in text
    assert "received by: server1" in text
    assert "declared deliberately malformed, but the simulator accepted it" in text


GATE_TEST = '''
import neo4j
from neo4j.exceptions import CypherSyntaxError

from lint_collector import deliberately_malformed
from simulator.cluster import Cluster


def send(query):
    """A cluster this test builds itself, outside any fixture."""
    cluster = Cluster(members=1).start()
    try:
        with neo4j.GraphDatabase.driver(cluster.bolt_uri(), auth=("neo4j", "password")) as driver:
            with driver.session() as session:
                try:
                    session.run(query).consume()
                except CypherSyntaxError:
                    pass
    finally:
        cluster.stop()


def test_valid():
    send("RETURN 1 AS one")


def test_typo():
    send("SHOW DATABSES")


def test_declared_typo():
    send(deliberately_malformed("MATCH (n RETURN n"))
'''


@pytest.fixture
def gate_project(pytester, monkeypatch):
    """A project wired like this repository: its tests/conftest.py, and tests/ on PYTHONPATH."""
    tests_dir = os.path.dirname(lint_collector.LINT_DIR)
    monkeypatch.setenv("PYTHONPATH", tests_dir)
    with open(os.path.join(tests_dir, "conftest.py")) as conftest:
        pytester.makeconftest(conftest.read())
    pytester.makepyfile(test_gate=GATE_TEST)
    return pytester


def test_partial_run_fails_on_a_bad_statement_to_a_cluster_a_test_built(linter, gate_project):
    """Any run (here one test picked with -k) lints what every simulated cluster received, fixture or not."""
    result = gate_project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "test_typo")
    result.assert_outcomes(passed=1, deselected=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*Cypher lint gate: FAILED*",
                                 "1 distinct statements linted, 1 with errors",
                                 "statement: SHOW DATABSES",
                                 "*received by: server1",
                                 "*simulator rejected it with Neo.ClientError.Statement.SyntaxError"])


def test_the_gate_lints_what_xdist_workers_collected(linter, gate_project):
    """Under pytest-xdist the statements live in the workers; the controller must still see and fail them."""
    result = gate_project.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*Cypher lint gate: FAILED*",
                                 "3 distinct statements linted, 1 with errors",
                                 "statement: SHOW DATABSES",
                                 "1 statements declared deliberately malformed and rejected by the simulator:",
                                 "  MATCH (n RETURN n"])


def test_declared_malformed_statement_passes_the_gate(linter, gate_project):
    result = gate_project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "valid or declared")
    result.assert_outcomes(passed=2, deselected=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*= Cypher lint gate =*",
                                 "2 distinct statements linted, 0 with errors",
                                 "1 statements declared deliberately malformed and rejected by the simulator:",
                                 "  MATCH (n RETURN n"])


@pytest.mark.parametrize("ci", [None, "true"])
def test_missing_node_fails_in_ci_and_is_reported_elsewhere(gate_project, monkeypatch, tmp_path, ci):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no node, no npm
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    result = gate_project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "valid")
    result.assert_outcomes(passed=1, deselected=2)
    if ci:
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        result.stdout.fnmatch_lines(["*Cypher lint gate: FAILED*",
                                     "FAILED: Cypher lint gate needs Node.js and npm on PATH (node=None, npm=None)"
                                     " (1 statements not linted); CI is set, so the gate must run.*"])
    else:
        assert result.ret == pytest.ExitCode.OK
        result.stdout.fnmatch_lines(["*= Cypher lint gate =*",
                                     "SKIPPED: Cypher lint gate needs Node.js and npm on PATH (node=None, npm=None)"
                                     " (1 statements not linted). CI runs fail on this."])


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

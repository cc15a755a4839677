"""Session-wide Cypher lint gate: every statement the simulator received must pass Neo4j's own linter.

The simulator accepts a subset of Cypher and might accept something real Neo4j rejects.  This plugin
closes that gap: it gathers the statement log of every simulated cluster used during the session and,
when the session ends, lints each distinct statement with ``@neo4j-cypher/language-support`` (through
``tests/lint/lint.js``).  Any error fails the session and is printed with its diagnostics.

Statements reach the collector two ways:

* automatically: any fixture value that looks like a simulator ``Cluster`` (has ``.statements`` and
  ``.model``) is remembered when the fixture is set up, and its log is read at session end;
* explicitly: ``record(statements)`` for clusters a test builds itself.

Statements the simulator itself refused as malformed (any ``Neo.ClientError.Statement.*`` code: syntax
error, missing parameter, unsupported command) did not succeed anywhere, usually on purpose in a negative
test, so they do not fail the gate; they are listed.  The gate is about statements the simulator
accepted and real Neo4j would refuse.

The plugin is active in every session that collects ``tests/integration/test_cypher_lint.py``, which
names it in ``pytest_plugins``.
"""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field

import pytest

LINT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lint")
LINT_SCRIPT = os.path.join(LINT_DIR, "lint.js")
PACKAGE = "@neo4j-cypher/language-support"

# Codes with which the simulator refuses a statement as malformed or unsupported.
REJECTED_AS_MALFORMED = "Neo.ClientError.Statement."

NPM_TIMEOUT = 300
LINT_TIMEOUT = 300

_sources = []  # objects with a .statements list, read at session end
_recorded = []  # statements handed to record()


class LinterUnavailable(Exception):
    """Node.js or npm is missing, so the linter cannot run here."""


@dataclass
class Finding:
    query: str
    parameters: dict
    diagnostics: list
    members: set = field(default_factory=set)
    rejected: str = None  # the simulator's error code when it refused the statement itself

    def errors(self):
        return [d for d in self.diagnostics if d.get("severity") == 1]

    def describe(self):
        lines = ["statement: %s" % self.query,
                 "  parameters: %s" % json.dumps(self.parameters, sort_keys=True, default=str)]
        if self.members:
            lines.append("  received by: %s" % ", ".join(sorted(self.members)))
        if self.rejected:
            lines.append("  simulator rejected it with %s" % self.rejected)
        for diag in self.errors():
            offsets = diag.get("offsets") or {}
            lines.append("  error at %s-%s: %s" % (offsets.get("start"), offsets.get("end"), diag.get("message")))
        return "\n".join(lines)


def record(statements):
    """Add statements (simulator ``Statement`` objects, or dicts with query/parameters) to the gate."""
    _recorded.extend(list(statements))


def watch(source):
    """Read ``source.statements`` at session end (for a cluster that is still collecting)."""
    if not any(s is source for s in _sources):
        _sources.append(source)


def collected():
    """Every statement recorded or logged by a watched cluster so far."""
    out = list(_recorded)
    for source in _sources:
        out.extend(list(source.statements))
    return out


def _field(statement, name, default=None):
    if isinstance(statement, dict):
        return statement.get(name, default)
    return getattr(statement, name, default)


def ensure_linter():
    """Install the pinned linter from the committed lock file if needed; return the node binary."""
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        raise LinterUnavailable("Cypher lint gate needs Node.js and npm on PATH (node=%s, npm=%s)" % (node, npm))
    installed = os.path.join(LINT_DIR, "node_modules", *PACKAGE.split("/"), "package.json")
    if not os.path.exists(installed):
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LINT_DIR, capture_output=True,
                              text=True, timeout=NPM_TIMEOUT, check=False)
        if proc.returncode != 0:
            raise RuntimeError("npm ci in %s failed:\n%s\n%s" % (LINT_DIR, proc.stdout, proc.stderr))
    return node


def lint(statements):
    """Lint distinct (query, parameters) pairs; return one Finding per distinct statement."""
    findings = {}
    for statement in statements:
        query = _field(statement, "query")
        if not isinstance(query, str):
            continue
        parameters = _field(statement, "parameters") or {}
        key = (query, json.dumps(parameters, sort_keys=True, default=str))
        finding = findings.get(key)
        if finding is None:
            finding = findings[key] = Finding(query=query, parameters=parameters, diagnostics=[])
        member = _field(statement, "member")
        if member:
            finding.members.add(member)
        error = _field(statement, "error")
        if error and error.startswith(REJECTED_AS_MALFORMED):
            finding.rejected = error
    if not findings:
        return []
    node = ensure_linter()
    lines = "".join(json.dumps({"query": f.query, "parameters": f.parameters}, default=str) + "\n"
                    for f in findings.values())
    proc = subprocess.run([node, LINT_SCRIPT], input=lines, cwd=LINT_DIR, capture_output=True, text=True,
                          timeout=LINT_TIMEOUT, check=False)
    if proc.returncode != 0:
        raise RuntimeError("lint.js failed (rc=%d):\n%s" % (proc.returncode, proc.stderr))
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    ordered = list(findings.values())
    if len(results) != len(ordered):
        raise RuntimeError("lint.js returned %d results for %d statements" % (len(results), len(ordered)))
    for finding, result in zip(ordered, results):
        finding.diagnostics = result["diagnostics"]
    return ordered


def failures(findings):
    """Statements with lint errors that the simulator accepted (or failed for another reason)."""
    return [f for f in findings if f.errors() and not f.rejected]


def report(findings):
    bad = failures(findings)
    lines = ["%d distinct statements linted, %d with errors" % (len(findings), len(bad))]
    lines.extend(f.describe() for f in bad)
    return "\n".join(lines)


# ----- pytest plugin -----------------------------------------------------------------------------

_outcome = {}


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    value = yield
    if hasattr(value, "statements") and hasattr(value, "model"):
        watch(value)
    return value


def pytest_sessionfinish(session, exitstatus):
    statements = collected()
    if not statements:
        _outcome["summary"] = "no simulator statements were collected in this session"
        return
    try:
        findings = lint(statements)
    except LinterUnavailable as exc:
        _outcome["summary"] = "SKIPPED: %s (%d statements not linted)" % (exc, len(statements))
        return
    bad = failures(findings)
    expected = [f for f in findings if f.errors() and f.rejected]
    lines = [report(findings)]
    if expected:
        lines.append("%d statements the simulator also rejected (not failing the gate):" % len(expected))
        lines.extend("  " + f.query for f in expected)
    _outcome["summary"] = "\n".join(lines)
    if bad:
        _outcome["failed"] = True
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if "summary" in _outcome:
        title = "Cypher lint gate: FAILED" if _outcome.get("failed") else "Cypher lint gate"
        terminalreporter.write_sep("=", title, red=bool(_outcome.get("failed")))
        terminalreporter.write_line(_outcome["summary"])

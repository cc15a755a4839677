"""Session-wide Cypher lint gate: every statement the simulator received must pass Neo4j's own linter.

The simulator accepts a subset of Cypher and might accept something real Neo4j rejects.  This plugin
closes that gap: it reads the statement log of every simulated cluster created during the session and,
when the session ends, lints each distinct statement with ``@neo4j-cypher/language-support`` (through
``tests/lint/lint.js``, one process).  Any error fails the session and is printed with its diagnostics.

It is active in every pytest run, whole or partial: ``tests/conftest.py`` loads it.  Statements reach
it two ways:

* automatically: every ``simulator.model.ClusterModel`` created while the plugin is configured (so every
  ``Cluster``, built by a fixture or by a test itself) has its statement log read at session end;
* explicitly: ``record(statements)`` for statements that went elsewhere.

A negative test that sends malformed Cypher on purpose declares it with
``deliberately_malformed(query)``.  Such a statement does not fail the gate as long as the simulator
refused it every time it was sent; it is listed.  Nothing else is exempt: a statement the simulator
refused as malformed without a test saying so is a finding too, since a module that sends malformed
Cypher fails its task just like a deliberate one does, and a negative test would pass on it.

When Node.js or npm is missing the gate cannot run: that fails the session in CI (``CI`` set) and is
printed as a skip everywhere else.

Under pytest-xdist each worker writes what it collected (statements and declarations) to a file in a
directory the controller hands it, and the controller lints everything once, after the workers end.
"""

import glob
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

import pytest

LINT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lint")
LINT_SCRIPT = os.path.join(LINT_DIR, "lint.js")
PACKAGE = "@neo4j-cypher/language-support"

NPM_TIMEOUT = 300
LINT_TIMEOUT = 300

_sources = []  # statement logs (lists) of the simulated clusters of this session
_recorded = []  # statements handed to record()
_malformed = set()  # statement texts tests declared as malformed on purpose


class LinterUnavailable(Exception):
    """Node.js or npm is missing, so the linter cannot run here."""


@dataclass
class Finding:
    query: str
    parameters: dict
    diagnostics: list
    members: set = field(default_factory=set)
    rejected: str = None  # the simulator's error code when it refused every copy of the statement
    accepted: bool = False  # the simulator ran at least one copy without error
    declared: bool = False  # a test declared it deliberately malformed

    def errors(self):
        return [d for d in self.diagnostics if d.get("severity") == 1]

    def expected(self):
        """Declared malformed and refused by the simulator each time: a negative test working as meant."""
        return self.declared and not self.accepted and self.rejected is not None

    def describe(self):
        lines = ["statement: %s" % self.query,
                 "  parameters: %s" % json.dumps(self.parameters, sort_keys=True, default=str)]
        if self.members:
            lines.append("  received by: %s" % ", ".join(sorted(self.members)))
        if self.rejected and not self.accepted:
            lines.append("  simulator rejected it with %s" % self.rejected)
        if self.declared and self.accepted:
            lines.append("  declared deliberately malformed, but the simulator accepted it")
        for diag in self.errors():
            offsets = diag.get("offsets") or {}
            lines.append("  error at %s-%s: %s" % (offsets.get("start"), offsets.get("end"), diag.get("message")))
        return "\n".join(lines)


def deliberately_malformed(query):
    """Declare that a test sends ``query`` malformed on purpose; returns ``query`` unchanged."""
    _malformed.add(query)
    return query


def record(statements):
    """Add statements (simulator ``Statement`` objects, or dicts with query/parameters) to the gate."""
    _recorded.extend(list(statements))


def watch_model(model):
    """Read the statement log of ``model`` (a simulator ClusterModel) at session end."""
    _sources.append(model.statements)


def collected():
    """Every statement recorded or logged by a watched cluster so far."""
    out = list(_recorded)
    for statements in _sources:
        out.extend(list(statements))
    return out


def _field(statement, name, default=None):
    if isinstance(statement, dict):
        return statement.get(name, default)
    return getattr(statement, name, default)


def find_node():
    """The node binary; LinterUnavailable when node or npm is not on PATH."""
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        raise LinterUnavailable("Cypher lint gate needs Node.js and npm on PATH (node=%s, npm=%s)" % (node, npm))
    return node


def ensure_linter():
    """Install the pinned linter from the committed lock file if needed; return the node binary."""
    node = find_node()
    installed = os.path.join(LINT_DIR, "node_modules", *PACKAGE.split("/"), "package.json")
    if not os.path.exists(installed):
        proc = subprocess.run([shutil.which("npm"), "ci", "--no-audit", "--no-fund"], cwd=LINT_DIR,
                              capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False)
        if proc.returncode != 0:
            raise RuntimeError("npm ci in %s failed:\n%s\n%s" % (LINT_DIR, proc.stdout, proc.stderr))
    return node


def lint(statements, malformed=None):
    """Lint distinct (query, parameters) pairs; return one Finding per distinct statement.

    ``malformed``: statement texts declared deliberately malformed (default: those declared so far).
    """
    malformed = _malformed if malformed is None else set(malformed)
    findings = {}
    for statement in statements:
        query = _field(statement, "query")
        if not isinstance(query, str):
            continue
        parameters = _field(statement, "parameters") or {}
        key = (query, json.dumps(parameters, sort_keys=True, default=str))
        finding = findings.get(key)
        if finding is None:
            finding = findings[key] = Finding(query=query, parameters=parameters, diagnostics=[],
                                              declared=query in malformed)
        member = _field(statement, "member")
        if member:
            finding.members.add(member)
        error = _field(statement, "error")
        if error:
            finding.rejected = error
        else:
            finding.accepted = True
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
    """Statements with lint errors, except those a test sent malformed on purpose and the simulator refused."""
    return [f for f in findings if f.errors() and not f.expected()]


def report(findings):
    bad = failures(findings)
    lines = ["%d distinct statements linted, %d with errors" % (len(findings), len(bad))]
    lines.extend(f.describe() for f in bad)
    return "\n".join(lines)


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# ----- pytest plugin -----------------------------------------------------------------------------

_outcome = {}
HANDOFF = "graphops_lint_handoff"  # xdist: the directory where workers leave what they collected


def pytest_configure(config):
    from simulator import model  # noqa: deferred so that pytest's pythonpath setting is in effect

    if watch_model not in model.MODEL_CREATED:
        model.MODEL_CREATED.append(watch_model)
    if config.pluginmanager.hasplugin("xdist") and not hasattr(config, "workerinput"):
        config._graphops_handoff = tempfile.mkdtemp(prefix="graphops-lint-")

        class Handoff:
            @pytest.hookimpl(optionalhook=True)
            def pytest_configure_node(self, node):
                node.workerinput[HANDOFF] = config._graphops_handoff
        config.pluginmanager.register(Handoff(), "graphops-lint-handoff")


def _hand_off(directory):
    """A worker's share: its statements (as dicts) and declarations, for the controller to lint."""
    statements = [dict(query=_field(st, "query"), parameters=_field(st, "parameters") or {},
                       member=_field(st, "member"), error=_field(st, "error")) for st in collected()]
    with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".json", delete=False) as out:
        json.dump(dict(statements=statements, malformed=sorted(_malformed)), out, default=str)


def _take_handoffs(directory):
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as handed:
            share = json.load(handed)
        _recorded.extend(share["statements"])
        _malformed.update(share["malformed"])
    shutil.rmtree(directory, ignore_errors=True)


def pytest_unconfigure(config):
    from simulator import model

    if watch_model in model.MODEL_CREATED:
        model.MODEL_CREATED.remove(watch_model)


def _fail(session, summary):
    _outcome.update(summary=summary, failed=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_sessionfinish(session, exitstatus):
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None and HANDOFF in workerinput:
        _hand_off(workerinput[HANDOFF])  # the controller lints it
        return
    if getattr(session.config, "_graphops_handoff", None):
        _take_handoffs(session.config._graphops_handoff)
    statements = collected()
    try:
        if not statements:
            find_node()  # nothing to lint, but CI must still have the linter
            _outcome["summary"] = "no simulator statements were collected in this session"
            return
        findings = lint(statements)
    except LinterUnavailable as exc:
        what = "%d statements not linted" % len(statements)
        if in_ci():
            _fail(session, "FAILED: %s (%s); CI is set, so the gate must run. Install Node.js and npm." % (exc, what))
        else:
            _outcome["summary"] = "SKIPPED: %s (%s). CI runs fail on this." % (exc, what)
        return
    bad = failures(findings)
    expected = [f for f in findings if f.errors() and f.expected()]
    lines = [report(findings)]
    if expected:
        lines.append("%d statements declared deliberately malformed and rejected by the simulator:" % len(expected))
        lines.extend("  " + f.query for f in expected)
    if bad:
        _fail(session, "\n".join(lines))
    else:
        _outcome["summary"] = "\n".join(lines)


def pytest_terminal_summary(terminalreporter):
    if "summary" in _outcome:
        title = "Cypher lint gate: FAILED" if _outcome.get("failed") else "Cypher lint gate"
        terminalreporter.write_sep("=", title, red=bool(_outcome.get("failed")))
        terminalreporter.write_line(_outcome["summary"])

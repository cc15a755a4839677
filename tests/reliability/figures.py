"""The figures of the reliability suites, printed as one table at the end of a pytest session.

Each suite records its figures through the ``reliability_figures`` fixture::

    reliability_figures("bad input", command="make reliability", inputs_tried=312, named=312, state_changes=0,
                        must_be_zero=("state_changes",), must_equal=(("named", "inputs_tried"),))

A record is one row: the suite, its variant (``full`` under ``make reliability``, ``short`` in ``make test``),
the command behind it and its figures.  ``must_be_zero`` / ``must_equal`` say which figures are verdicts; the
table marks each row ``ok`` or ``FAILED`` by them (the suite's own assertions fail the test as well).

Rows are written as JSON files under ``build/reliability/parts/`` (so pytest-xdist workers hand them to the
controller), tagged with the session (``GRAPHOPS_RELIABILITY_SESSION``), and the controller prints the rows of this
session in ``pytest_terminal_summary`` and writes them to ``build/reliability.json``.  Later suites (faults,
concurrency, TLS and secrets) add rows the same way.
"""

import json
import os
import time
import uuid

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO_ROOT, "build")
PARTS = os.path.join(BUILD, "reliability", "parts")
SUMMARY = os.path.join(BUILD, "reliability.json")

# The session the rows belong to: set by the controller before pytest-xdist starts its workers, which inherit it,
# so two pytest runs in one tree at once never mix their rows.
SESSION_VARIABLE = "GRAPHOPS_RELIABILITY_SESSION"
_session = {"id": None}


def pytest_configure(config):  # pylint: disable=unused-argument
    _session["id"] = os.environ.setdefault(SESSION_VARIABLE, uuid.uuid4().hex)


def record(suite, variant, command, figures, must_be_zero=(), must_equal=()):
    """Write one row of figures (see the module docstring); returns the row."""
    verdicts = [figures[name] == 0 for name in must_be_zero]
    verdicts += [figures[left] == figures[right] for left, right in must_equal]
    row = {"suite": suite, "variant": variant, "command": command, "figures": figures,
           "must_be_zero": list(must_be_zero), "must_equal": [list(pair) for pair in must_equal],
           "ok": all(verdicts), "at": time.time(), "session": _session["id"]}
    os.makedirs(PARTS, exist_ok=True)
    path = os.path.join(PARTS, "%s-%s.json" % (suite.replace(" ", "_"), uuid.uuid4().hex[:8]))
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(row, handle, indent=1, sort_keys=True)
    return row


@pytest.fixture
def reliability_figures(request):
    """``record(suite, command=..., must_be_zero=..., must_equal=..., **figures)`` for the running test;
    the variant is ``full`` when the test is marked ``reliability``, else ``short``."""
    variant = "full" if request.node.get_closest_marker("reliability") else "short"

    def recorder(suite, command, must_be_zero=(), must_equal=(), **figures):
        return record(suite, variant, command, figures, must_be_zero, must_equal)

    return recorder


def _rows_of_this_session():
    rows = []
    if not os.path.isdir(PARTS):
        return rows
    for name in sorted(os.listdir(PARTS)):
        path = os.path.join(PARTS, name)
        try:
            with open(path, encoding="utf-8") as handle:
                row = json.load(handle)
        except (OSError, ValueError):
            continue
        if row.get("session") == _session["id"]:
            rows.append(row)
    return sorted(rows, key=lambda row: (row["suite"], row["variant"]))


def table(rows):
    """The rows as text: one line per suite and variant, its figures as name=value."""
    lines = ["%-17s %-6s %-7s %s" % ("suite", "run", "verdict", "figures")]
    for row in rows:
        figures = "  ".join("%s=%s" % (name, value) for name, value in row["figures"].items())
        lines.append("%-17s %-6s %-7s %s" % (row["suite"], row["variant"], "ok" if row["ok"] else "FAILED", figures))
        lines.append("%-17s %-6s %-7s   command: %s" % ("", "", "", row["command"]))
    return lines


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput"):  # an xdist worker: the controller prints the table
        return
    rows = _rows_of_this_session()
    if not rows:
        return
    terminalreporter.section("reliability figures")
    for line in table(rows):
        terminalreporter.write_line(line)
    os.makedirs(BUILD, exist_ok=True)
    with open(SUMMARY, "w", encoding="utf-8") as handle:
        json.dump({"rows": rows}, handle, indent=1, sort_keys=True)
    terminalreporter.write_line("written to %s" % os.path.relpath(SUMMARY, REPO_ROOT))

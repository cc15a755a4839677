"""The figures of the reliability suites, printed as one table at the end of a pytest session.

Each suite records its figures through the ``reliability_figures`` fixture::

    reliability_figures("bad input", command="make reliability", inputs_tried=312, named=312, state_changes=0,
                        must_be_zero=("state_changes",), must_equal=(("named", "inputs_tried"),))

A record is one row: the suite, its variant (``full`` under ``make reliability``, ``short`` in ``make test``),
the command behind it and its figures.  ``must_be_zero`` / ``must_equal`` say which figures are verdicts; the
table marks each row ``ok`` or ``FAILED`` by them (the suite's own assertions fail the test as well).

``varying`` names figures that differ from run to run by nature (how many reads four threads manage), and each row
carries the wall seconds of its test (from the fixture's set-up to the record).

Rows are written as JSON files under ``build/reliability/parts/`` (so pytest-xdist workers hand them to the
controller), tagged with the session (``GRAPHOPS_RELIABILITY_SESSION``), and the controller prints the rows of this
session in ``pytest_terminal_summary`` and writes them to ``build/reliability.json``.

``docs/reliability-figures.json`` holds the rows of the run docs/reliability.md records; the summary compares this
session's rows with them, figure by figure (``varying`` ones aside), and says which differ, so anyone can check
that the documented figures match a fresh run.  The full suites' total wall time is printed against the 20-minute
bound of issue 14.
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
RECORDED = os.path.join(REPO_ROOT, "docs", "reliability-figures.json")
BOUND_SECONDS = 20 * 60  # make reliability, every full suite, on 2 cores (issue 14)

# The session the rows belong to: set by the controller before pytest-xdist starts its workers, which inherit it,
# so two pytest runs in one tree at once never mix their rows.
SESSION_VARIABLE = "GRAPHOPS_RELIABILITY_SESSION"
_session = {"id": None, "started": None}


def pytest_configure(config):  # pylint: disable=unused-argument
    _session["id"] = os.environ.setdefault(SESSION_VARIABLE, uuid.uuid4().hex)
    _session["started"] = time.monotonic()


def record(suite, variant, command, figures, must_be_zero=(), must_equal=(), varying=(), seconds=None):
    """Write one row of figures (see the module docstring); returns the row."""
    verdicts = [figures[name] == 0 for name in must_be_zero]
    verdicts += [figures[left] == figures[right] for left, right in must_equal]
    row = {"suite": suite, "variant": variant, "command": command, "figures": figures,
           "must_be_zero": list(must_be_zero), "must_equal": [list(pair) for pair in must_equal],
           "varying": list(varying), "seconds": seconds,
           "ok": all(verdicts), "at": time.time(), "session": _session["id"]}
    os.makedirs(PARTS, exist_ok=True)
    path = os.path.join(PARTS, "%s-%s.json" % (suite.replace(" ", "_"), uuid.uuid4().hex[:8]))
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(row, handle, indent=1, sort_keys=True)
    return row


@pytest.fixture
def reliability_figures(request):
    """``record(suite, command=..., must_be_zero=..., must_equal=..., varying=..., **figures)`` for the running
    test; the variant is ``full`` when the test is marked ``reliability``, else ``short``."""
    variant = "full" if request.node.get_closest_marker("reliability") else "short"
    started = time.monotonic()

    def recorder(suite, command, must_be_zero=(), must_equal=(), varying=(), **figures):
        return record(suite, variant, command, figures, must_be_zero, must_equal, varying,
                      round(time.monotonic() - started))

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


def table(rows, session_seconds=None):
    """The rows as text: one line per suite and variant, its figures as name=value; with the full suites, their
    wall time against the bound (the session's, when given: make reliability runs the suites two at a time)."""
    lines = ["%-17s %-6s %-7s %6s  %s" % ("suite", "run", "verdict", "wall s", "figures")]
    for row in rows:
        figures = "  ".join("%s=%s" % (name, value) for name, value in row["figures"].items())
        seconds = "-" if row.get("seconds") is None else row["seconds"]
        lines.append("%-17s %-6s %-7s %6s  %s" % (row["suite"], row["variant"], "ok" if row["ok"] else "FAILED",
                                                  seconds, figures))
        lines.append("%-17s %-6s %-7s %6s    command: %s" % ("", "", "", "", row["command"]))
    full = [row["seconds"] for row in rows if row["variant"] == "full" and row.get("seconds") is not None]
    if full:
        wall = sum(full) if session_seconds is None else session_seconds
        lines.append("full suites: %d s of tests in all, %d s of wall time, bound %d s (20 min on 2 cores): %s"
                     % (sum(full), wall, BOUND_SECONDS, "within" if wall <= BOUND_SECONDS else "OVER"))
    return lines


def compare(rows, recorded):
    """Lines saying how ``rows`` compare with the ``recorded`` rows (docs/reliability-figures.json): per suite and
    variant recorded, ``matches`` or the figures that differ; ``varying`` figures are shown, never compared."""
    known = {(row["suite"], row["variant"]): row for row in recorded}
    lines = []
    for row in rows:
        before = known.get((row["suite"], row["variant"]))
        if before is None:
            lines.append("%s (%s): not in %s" % (row["suite"], row["variant"], os.path.relpath(RECORDED, REPO_ROOT)))
            continue
        names = sorted(set(row["figures"]) | set(before["figures"]))
        varying = set(row.get("varying", ())) | set(before.get("varying", ()))
        differ = ["%s %s -> %s" % (name, before["figures"].get(name, "-"), row["figures"].get(name, "-"))
                  for name in names if name not in varying and before["figures"].get(name) != row["figures"].get(name)]
        vary = ", ".join("%s %s -> %s" % (name, before["figures"].get(name, "-"), row["figures"].get(name, "-"))
                         for name in sorted(varying))
        lines.append("%s (%s): %s%s" % (row["suite"], row["variant"],
                                        "DIFFERS: " + "; ".join(differ) if differ else "matches",
                                        " (varies by nature: %s)" % vary if vary else ""))
    return lines


def recorded_rows(path=RECORDED):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)["rows"]
    except (OSError, ValueError, KeyError):
        return []


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workerinput"):  # an xdist worker: the controller prints the table
        return
    rows = _rows_of_this_session()
    if not rows:
        return
    terminalreporter.section("reliability figures")
    started = _session["started"]
    for line in table(rows, None if started is None else round(time.monotonic() - started)):
        terminalreporter.write_line(line)
    os.makedirs(BUILD, exist_ok=True)
    with open(SUMMARY, "w", encoding="utf-8") as handle:
        json.dump({"rows": rows}, handle, indent=1, sort_keys=True)
    terminalreporter.write_line("written to %s" % os.path.relpath(SUMMARY, REPO_ROOT))
    terminalreporter.write_line("against the run docs/reliability.md records (%s):" % os.path.relpath(RECORDED, REPO_ROOT))
    for line in compare(rows, recorded_rows()):
        terminalreporter.write_line("  " + line)

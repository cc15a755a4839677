"""The benches' headline figures as JSON, and the one summary table ``make bench`` ends with.

Each bench (``tests/bench/bench_*.py``) ends with ``record(bench, figures, context)``, which writes
``build/bench/<bench>.json``: its figures, each made by ``figure()`` from per-round values (a paired ratio per round,
or a measurement per round), so the summary shows the same median (min-max) the bench's own tables show, with the
goal the figure is held to (docs/bench.md).  ``python tests/bench/summary_table.py`` (the last step of ``make bench``)
reads every ``build/bench/*.json`` and prints one table: figure, median (min-max), rounds, goal, met / not met.

A goal is met when the median meets it (``>=`` or ``<=`` its value); figures without a goal (CPU seconds, RSS in
MiB) are context for the ratios and say "-".
"""

import json
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIGURES = ROOT / "build" / "bench"
OPERATORS = {">=": lambda value, goal: value >= goal, "<=": lambda value, goal: value <= goal}


def figure(name, values, unit, goal=None, note=""):
    """One figure from its per-round ``values``; ``goal`` is ``(">=" or "<=", number)`` or None."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("figure %r has no values" % name)
    if goal is not None and goal[0] not in OPERATORS:
        raise ValueError("figure %r: goal operator %r is not one of %s" % (name, goal[0], sorted(OPERATORS)))
    return {"figure": name, "median": statistics.median(values), "min": min(values), "max": max(values),
            "rounds": len(values), "unit": unit, "goal": list(goal) if goal else None, "note": note}


def record(bench, figures, context=None, folder=None):
    """Write ``<folder or build/bench>/<bench>.json``; returns its path."""
    folder = pathlib.Path(folder or FIGURES)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("%s.json" % bench)
    document = {"bench": bench, "at": time.time(), "context": context or {}, "figures": list(figures)}
    path.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
    return path


def verdict(fig):
    """"met", "not met", or "-" for a figure without a goal."""
    if not fig.get("goal"):
        return "-"
    operator, value = fig["goal"]
    return "met" if OPERATORS[operator](fig["median"], value) else "not met"


def _number(value, unit):
    if unit == "x":
        return "%.2fx" % value
    if unit == "MiB":
        return "%.0f" % value
    return "%.3f" % value


def table(documents):
    """The summary as lines of text, one row per figure, benches in the order given."""
    rows = [("bench", "figure", "median (min-max)", "unit", "rounds", "goal", "verdict")]
    for document in documents:
        for fig in document["figures"]:
            unit = fig["unit"]
            spread = "%s (%s-%s)" % (_number(fig["median"], unit), _number(fig["min"], unit), _number(fig["max"], unit))
            goal = "%s %s" % (fig["goal"][0], _number(fig["goal"][1], unit)) if fig.get("goal") else "-"
            rows.append((document["bench"], fig["figure"], spread, unit, str(fig["rounds"]), goal, verdict(fig)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return lines


def load(folder=None):
    """Every bench's document under ``folder`` (default build/bench), in bench order."""
    folder = pathlib.Path(folder or FIGURES)
    if not folder.is_dir():
        return []
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]


def missing(documents, bench_folder=None):
    """The benches (``bench_<name>.py`` in ``bench_folder``) that wrote no figures: failed, or not run."""
    folder = pathlib.Path(bench_folder or pathlib.Path(__file__).resolve().parent)
    names = sorted(path.stem[len("bench_"):] for path in folder.glob("bench_*.py"))
    written = {document["bench"] for document in documents}
    return [name for name in names if name not in written]


def main(argv=None):
    folder = (argv or sys.argv[1:] or [None])[0]
    documents = load(folder)
    absent = missing(documents)
    if not documents:
        print("no bench figures under %s" % (folder or os.path.relpath(FIGURES, ROOT)))
        return 0
    print()
    print("Summary of make bench: paired medians (min-max) over the rounds, each against its goal (docs/bench.md)")
    for line in table(documents):
        print(line)
    met = [verdict(fig) for document in documents for fig in document["figures"] if fig.get("goal")]
    print("%d of %d goals met; ratios > 1x: the collection is faster (loader, upload) or, for tasks vs ping, slower."
          % (met.count("met"), len(met)))
    if absent:
        print("no figures from: %s (the bench failed or did not run)" % ", ".join(absent))
    for document in documents:
        context = document.get("context") or {}
        if context:
            print("%s: %s" % (document["bench"], ", ".join("%s %s" % item for item in sorted(context.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

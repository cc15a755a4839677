"""The reliability table (tests/reliability/figures.py): verdicts, the 20-minute bound, and the comparison with the
run docs/reliability.md records (docs/reliability-figures.json)."""

import json
import re
from pathlib import Path

from reliability import figures

DOCS = Path(__file__).resolve().parents[2] / "docs"


def row(suite="concurrency", variant="full", seconds=100, varying=(), **values):
    return {"suite": suite, "variant": variant, "command": "make reliability", "figures": values,
            "varying": list(varying), "seconds": seconds, "ok": True}


def test_the_table_sums_the_full_suites_against_the_bound():
    lines = figures.table([row(seconds=700), row("faults", seconds=400), row("faults", "short", seconds=900)])
    assert lines[-1] == "full suites: 1100 s of tests in all, 1100 s of wall time, bound 1200 s (20 min on 2 cores): within"
    assert figures.table([row(seconds=1201)])[-1].endswith("OVER")
    # Two at a time (pytest-xdist): the session's wall time is what the bound is about.
    assert figures.table([row(seconds=900), row("faults", seconds=700)], session_seconds=950)[-1].endswith(
        "1600 s of tests in all, 950 s of wall time, bound 1200 s (20 min on 2 cores): within")


def test_a_fresh_run_matches_unless_a_figure_that_does_not_vary_differs():
    recorded = [row(reads=100, stray=0, varying=("reads",)), row("faults", kinds=17)]
    same = figures.compare([row(reads=90, stray=0, varying=("reads",)), row("faults", kinds=17)], recorded)
    assert same == ["concurrency (full): matches (varies by nature: reads 100 -> 90)", "faults (full): matches"]
    differs = figures.compare([row("faults", kinds=16), row("security", leaks=0)], recorded)
    assert differs == ["faults (full): DIFFERS: kinds 17 -> 16",
                       "security (full): not in docs/reliability-figures.json"]


def test_the_recorded_rows_are_the_figures_docs_reliability_md_shows():
    """Every `key` the document's tables name has, in its full and short columns, the recorded run's figure."""
    rows = {(r["suite"], r["variant"]): r for r in json.loads((DOCS / "reliability-figures.json").read_text())["rows"]}
    assert {suite for suite, _variant in rows} == {"bad input", "bad input: roles", "concurrency", "faults", "security"}
    assert all(r["ok"] for r in rows.values())
    text = (DOCS / "reliability.md").read_text(encoding="utf-8")
    checked = 0
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        suite = section.splitlines()[0].strip().lower()
        for line in section.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            key = re.search(r"\(`(\w+)`", cells[0]) if len(cells) == 3 else None
            if not key or (suite, "full") not in rows:
                continue
            for variant, cell in (("full", cells[1]), ("short", cells[2])):
                recorded = rows.get((suite, variant))
                if recorded is None or key.group(1) not in recorded["figures"]:
                    continue
                shown = re.match(r"\d+", cell)
                assert shown and int(shown.group()) == recorded["figures"][key.group(1)], (suite, variant, line)
                checked += 1
    assert checked >= 40

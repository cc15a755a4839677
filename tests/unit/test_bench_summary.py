"""The one summary table of make bench (tests/bench/summary_table.py) and the Arrow bench's headline figures."""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import summary_table  # noqa: E402  pylint: disable=wrong-import-position


def test_a_figure_is_the_median_with_min_and_max_of_its_rounds():
    fig = summary_table.figure("loader vs raw", [1.2, 0.8, 1.0, 3.0], "x", (">=", 1.0))
    assert (fig["median"], fig["min"], fig["max"], fig["rounds"]) == (1.1, 0.8, 3.0, 4)
    assert fig["goal"] == [">=", 1.0]


@pytest.mark.parametrize("values, goal, verdict", [
    ([1.0, 0.9, 1.2], (">=", 1.0), "met"),  # the median meets it, though one round does not
    ([0.9, 0.95, 1.4], (">=", 1.0), "not met"),  # one good round is not enough
    ([1.5], ("<=", 1.5), "met"),
    ([1.51], ("<=", 1.5), "not met"),
    ([170.0], None, "-"),
])
def test_a_goal_is_met_when_the_median_meets_it(values, goal, verdict):
    assert summary_table.verdict(summary_table.figure("f", values, "x", goal)) == verdict


def test_bad_figures_are_refused():
    with pytest.raises(ValueError, match="no values"):
        summary_table.figure("empty", [], "x")
    with pytest.raises(ValueError, match="goal operator '>'"):
        summary_table.figure("f", [1.0], "x", (">", 1.0))


def test_the_figures_of_every_bench_come_back_as_one_table(tmp_path):
    summary_table.record("task_overhead", [summary_table.figure("neo4j_query task vs ping, wall", [1.4, 1.7, 1.6],
                                                                "x", ("<=", 1.5))], folder=tmp_path)
    summary_table.record("arrow_load", [summary_table.figure("loader vs raw, 1M rels", [1.1, 0.9, 1.05], "x",
                                                             (">=", 1.0)),
                                        summary_table.figure("loader peak RSS, 1M rels", [171.2], "MiB")],
                         context={"rounds": 3}, folder=tmp_path)
    documents = summary_table.load(tmp_path)
    assert [d["bench"] for d in documents] == ["arrow_load", "task_overhead"]
    lines = summary_table.table(documents)
    assert lines[0].split() == ["bench", "figure", "median", "(min-max)", "unit", "rounds", "goal", "verdict"]
    assert set(lines[1]) == {"-"}
    rows = [line.split("  ") for line in lines[2:]]
    rows = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert rows == [
        ["arrow_load", "loader vs raw, 1M rels", "1.05x (0.90x-1.10x)", "x", "3", ">= 1.00x", "met"],
        ["arrow_load", "loader peak RSS, 1M rels", "171 (171-171)", "MiB", "1", "-", "-"],
        ["task_overhead", "neo4j_query task vs ping, wall", "1.60x (1.40x-1.70x)", "x", "3", "<= 1.50x", "not met"],
    ]
    assert summary_table.missing(documents, BENCH) == ["backup_upload"]


def test_main_prints_the_table_and_how_many_goals_are_met(tmp_path, capsys):
    summary_table.record("arrow_load", [summary_table.figure("loader vs raw, 1M rels", [1.1], "x", (">=", 1.0))],
                         folder=tmp_path)
    assert summary_table.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 goals met" in out and "no figures from: backup_upload, task_overhead" in out
    assert summary_table.main([str(tmp_path / "none")]) == 0
    assert "no bench figures under" in capsys.readouterr().out


def test_the_arrow_bench_pairs_its_ratios_per_round_and_reads_memory_from_the_slow_server():
    bench_arrow_load = pytest.importorskip("bench_arrow_load")

    def run(seconds, rss=170.0):
        return {"seconds": seconds, "cpu": 0.07, "rows": 1200000, "peak_rss_mib": rss}
    ack = {1000000: {"raw": [run(1.0), run(3.0)], "loader": [run(2.0), run(1.0)], "peer": [run(4.0), run(1.0)]}}
    slow = {1000000: {"raw": [run(1.0)], "loader": [run(1.0, 160.0)]},
            10000000: {"raw": [run(1.0)], "loader": [run(1.0, 190.0)]}}
    figures = {f["figure"]: f for f in bench_arrow_load.headline_figures(ack, slow)}
    raw = figures["loader vs best raw pyarrow.flight client, 1M rels"]
    # per round: raw / loader = 0.5 and 3.0 (a best run over a best run would say 1.0)
    assert (raw["min"], raw["max"], raw["median"], raw["goal"]) == (0.5, 3.0, 1.75, [">=", 1.0])
    assert figures["loader vs graphdatascience peer, 1M rels"]["goal"] == [">=", 1.3]
    assert figures["loader client CPU s per Mrow, 1M rels"]["median"] == pytest.approx(0.07 / 1.2)
    assert figures["loader peak RSS, 1M rels"]["median"] == 160.0
    assert figures["loader peak RSS, 10M rels"]["median"] == 190.0
    flat = figures["loader peak RSS 10M / 1M rels (flat)"]
    assert flat["median"] == pytest.approx(190.0 / 160.0) and summary_table.verdict(flat) == "met"
    # a variant that failed gives no ratio rather than a wrong one
    ack[1000000]["peer"][1] = {"error": "boom"}
    names = {f["figure"] for f in bench_arrow_load.headline_figures(ack, slow)}
    assert "loader vs graphdatascience peer, 1M rels" not in names

"""Backup chains and retention (plugins/module_utils/backup_chains.py): what restores together, what may go."""

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils.backup_chains import (
    Artifact, build_chains, newest_first, plan_retention)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def art(name, days_ago, full, low, high, database="movies", db_id="id-1"):
    return Artifact(name=name, location="/b/" + name, database=database, database_id=db_id,
                    time=NOW - timedelta(days=days_ago), full=full, lowest_tx=low, highest_tx=high)


def names(items):
    return [a.name for a in items]


def test_a_chain_is_a_full_backup_and_the_contiguous_differential_backups_after_it():
    items = [art("f1", 10, True, 1, 5), art("d1", 9, False, 6, 8), art("e1", 8, False, 0, 0),
             art("d2", 7, False, 9, 9), art("f2", 6, True, 1, 9), art("d3", 5, False, 10, 12)]
    chains = build_chains(items)
    assert [names(c.artifacts) for c in chains] == [["f1", "d1", "e1", "d2"], ["f2", "d3"]]
    assert all(c.complete for c in chains)
    assert names(chains[0].up_to(items[1])) == ["f1", "d1"]


def test_a_diff_that_fits_two_chains_belongs_to_the_newest():
    # f2 was taken with no writes after d1, so both chains end at tx 6; the next diff was taken against f2.
    items = [art("f1", 10, True, 1, 5), art("d1", 9, False, 6, 6), art("f2", 8, True, 1, 6), art("d2", 7, False, 7, 7)]
    assert [names(c.artifacts) for c in build_chains(items)] == [["f1", "d1"], ["f2", "d2"]]


def test_a_diff_without_its_parent_starts_an_incomplete_chain():
    items = [art("d1", 9, False, 6, 8), art("d2", 8, False, 9, 9), art("f1", 7, True, 1, 9)]
    chains = build_chains(items)
    assert [(names(c.artifacts), c.complete) for c in chains] == [(["d1", "d2"], False), (["f1"], True)]


def test_chains_never_span_database_ids():
    # movies was dropped and created again: a diff of the new database does not continue the old chain.
    items = [art("f1", 10, True, 1, 5), art("d1", 9, False, 6, 6, db_id="id-2")]
    assert [c.complete for c in build_chains(items)] == [True, False]


def test_keep_full_keeps_the_newest_n_chains_whole():
    items = [art("f1", 30, True, 1, 5), art("d1", 29, False, 6, 6), art("f2", 20, True, 1, 6),
             art("d2", 19, False, 7, 9), art("f3", 10, True, 1, 9), art("d3", 1, False, 10, 10)]
    plan = plan_retention(items, keep_full=2, now=NOW)
    assert names(plan.delete) == ["f1", "d1"]
    assert names(plan.keep) == ["f2", "d2", "f3", "d3"]


def test_keep_days_keeps_what_a_young_artefact_depends_on():
    items = [art("f1", 40, True, 1, 5), art("d1", 30, False, 6, 6), art("d2", 2, False, 7, 7),
             art("f0", 50, True, 1, 3, db_id="id-0")]
    plan = plan_retention(items, keep_days=7, now=NOW)
    assert names(plan.keep) == ["f1", "d1", "d2"]  # d2 needs d1 and f1, however old they are
    assert names(plan.delete) == ["f0"]


def test_the_newest_complete_chain_is_always_kept():
    # Backups stopped two months ago: keep_days alone would delete everything.
    items = [art("f1", 90, True, 1, 5), art("d1", 89, False, 6, 6), art("f2", 60, True, 1, 6)]
    plan = plan_retention(items, keep_days=7, now=NOW)
    assert names(plan.keep) == ["f2"] and names(plan.delete) == ["f1", "d1"]


def test_both_rules_keep_the_union_and_databases_are_planned_apart():
    items = [art("m-f1", 30, True, 1, 5), art("m-f2", 20, True, 1, 5), art("m-d", 3, False, 6, 6),
             art("p-f1", 40, True, 1, 2, database="people", db_id="p"),
             art("p-f2", 35, True, 1, 2, database="people", db_id="p")]
    plan = plan_retention(items, keep_full=1, keep_days=25, now=NOW)
    assert sorted(names(plan.keep)) == ["m-d", "m-f2", "p-f2"]
    assert sorted(names(plan.delete)) == ["m-f1", "p-f1"]


def test_incomplete_chains_go_unless_young():
    items = [art("d0", 30, False, 3, 4), art("f1", 20, True, 1, 5), art("x1", 2, False, 50, 51)]
    plan = plan_retention(items, keep_full=1, keep_days=7, now=NOW)
    assert names(plan.keep) == ["f1", "x1"] and names(plan.delete) == ["d0"]


@pytest.mark.parametrize("rule", [dict(keep_full=1), dict(keep_days=1), dict(keep_full=3, keep_days=0.5)])
def test_no_kept_artefact_ever_loses_a_parent(rule):
    items = []
    tx = 0
    for day in range(40, 0, -1):  # a full backup every 7 days, a differential one in between
        if day % 7 == 0 or not items:
            items.append(art("f%02d" % day, day, True, 1, tx + 1))
        else:
            items.append(art("d%02d" % day, day, False, tx + 1, tx + 1))
        tx += 1
    plan = plan_retention(items, now=NOW, **rule)
    kept = set(names(plan.keep))
    for chain in build_chains(items):
        for artifact in chain.artifacts:
            if artifact.name in kept:
                assert set(names(chain.up_to(artifact))) <= kept


def test_newest_first_orders_by_time():
    items = [art("a", 3, True, 1, 1), art("b", 1, False, 2, 2), art("c", 2, False, 0, 0)]
    assert names(newest_first(items)) == ["b", "c", "a"]

"""Explicit transactions: writes land at commit, vanish at rollback; WAIT commits early."""

import pytest

from simulator import errors
from simulator.cypher import ExecContext, begin, commit, execute, rollback, run


@pytest.fixture
def ctx(model):
    return ExecContext(model=model, member="server1", user="neo4j", database="system")


def test_writes_apply_at_commit_and_are_visible_inside_the_transaction(model, ctx):
    tx = begin(ctx)
    result = run(ctx, tx, "CREATE DATABASE green")
    assert result.stats == {"system-updates": 1} and result.db == "system"
    run(ctx, tx, "CREATE ALIAS live FOR DATABASE green")  # sees the database created above
    inside = run(ctx, tx, "SHOW DATABASE green YIELD name, aliases")
    assert inside.records == [["green", ["live"]]]
    assert "green" not in model.databases and "live" not in model.aliases
    commit(tx)
    assert "green" in model.databases and model.aliases["live"].database == "green"


def test_rollback_discards_writes(model, ctx):
    tx = begin(ctx)
    run(ctx, tx, "CREATE DATABASE green")
    run(ctx, tx, "CREATE USER temp SET PASSWORD 'password1'")
    rollback(tx)
    assert "green" not in model.databases and "temp" not in model.users
    with pytest.raises(errors.Neo4jError):
        run(ctx, tx, "RETURN 1")


def test_a_failing_statement_rolls_the_transaction_back(model, ctx):
    tx = begin(ctx)
    run(ctx, tx, "CREATE DATABASE green")
    with pytest.raises(errors.Neo4jError) as info:
        run(ctx, tx, "CREATE DATABASE green")
    assert info.value.code == "Neo.ClientError.Database.ExistingDatabaseFound"
    assert not tx.open and "green" not in model.databases


def test_commit_is_atomic_when_the_world_changed_meanwhile(model, ctx):
    model.max_databases = 4  # system, neo4j + the two below; another session takes the last slot meanwhile
    tx = begin(ctx)
    run(ctx, tx, "CREATE DATABASE green")
    run(ctx, tx, "CREATE DATABASE blue")
    execute(ctx, "CREATE DATABASE red")
    with pytest.raises(errors.Neo4jError) as info:
        commit(tx)
    assert info.value.code == "Neo.DatabaseError.Database.UnableToStartDatabase"
    assert "green" not in model.databases and "blue" not in model.databases and "red" in model.databases


def test_wait_commits_the_transaction_first(model, ctx):
    tx = begin(ctx)
    run(ctx, tx, "CREATE DATABASE green")
    result = run(ctx, tx, "CREATE ALIAS live FOR DATABASE green")
    result = run(ctx, tx, "CREATE DATABASE blue WAIT")
    assert result.records[0][1:] == ["CaughtUp", "caught up", True]
    assert {"green", "blue"} <= set(model.databases) and "live" in model.aliases  # committed by the WAIT
    run(ctx, tx, "CREATE DATABASE red")
    rollback(tx)
    assert "red" not in model.databases and "green" in model.databases


def test_graph_writes_in_a_transaction(model):
    ctx = ExecContext(model=model, member="server1", user="neo4j", database="neo4j")
    tx = begin(ctx)
    assert tx.db == "neo4j"
    run(ctx, tx, "CREATE (:Person {name: 'a'}), (:Person)")
    assert run(ctx, tx, "MATCH (n:Person) RETURN count(n) AS c").records == [[2]]
    assert model.databases["neo4j"].graph.node_count == 0
    commit(tx)
    assert model.databases["neo4j"].graph.label_counts == {"Person": 2}


def test_begin_checks_the_database(model):
    with pytest.raises(errors.Neo4jError) as info:
        begin(ExecContext(model=model, member="server1", user="neo4j", database="nope"))
    assert info.value.code == "Neo.ClientError.Database.DatabaseNotFound"
    with pytest.raises(errors.Neo4jError) as info:
        begin(ExecContext(model=model, member="server2", user="neo4j", database="neo4j"))
    assert info.value.code == "Neo.TransientError.General.DatabaseUnavailable"

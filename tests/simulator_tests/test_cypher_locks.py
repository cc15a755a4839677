"""System-graph write locks, read-committed transactions, and the switches around them (simulator.locks).

What Neo4j documents (operations manual, concurrent-data-access): a write locks what it writes until the
transaction ends, and reads take no lock and see committed data.  What it does not document is behind a
switch on the model; each test says which.
"""

import threading
import time

import pytest

from simulator import errors
from simulator.cypher import ExecContext, begin, commit, execute, rollback, run


@pytest.fixture
def ctx(model):
    execute(ExecContext(model=model, member="server1", user="neo4j", database="system"),
            "CREATE DATABASE blue")
    execute(ExecContext(model=model, member="server1", user="neo4j", database="system"),
            "CREATE DATABASE green")
    execute(ExecContext(model=model, member="server1", user="neo4j", database="system"),
            "CREATE ALIAS live FOR DATABASE blue")
    return ExecContext(model=model, member="server1", user="neo4j", database="system")


def in_thread(call):
    """Start ``call`` in a thread; returns (thread, outcome) where outcome gets 'result' or 'error'."""
    outcome = {}

    def target():
        try:
            outcome["result"] = call()
        except errors.Neo4jError as exc:
            outcome["error"] = exc
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def blocked(thread, seconds=0.3):
    thread.join(seconds)
    return thread.is_alive()


def test_a_second_writer_waits_for_the_first_to_commit_then_applies_its_change(model, ctx):
    tx = begin(ctx)
    run(ctx, tx, "ALTER ALIAS live SET DATABASE TARGET green")
    thread, outcome = in_thread(lambda: execute(ctx, "ALTER ALIAS live SET DATABASE TARGET neo4j"))
    assert blocked(thread), "a plain ALTER must wait for the lock the open transaction holds"
    assert model.aliases["live"].database == "blue"
    commit(tx)
    thread.join(5)
    assert "error" not in outcome
    assert model.aliases["live"].database == "neo4j"  # the lost update a compare-and-swap must prevent


def test_rollback_releases_the_lock(model, ctx):
    tx = begin(ctx)
    run(ctx, tx, "ALTER ALIAS live SET DATABASE PROPERTIES {owner: 'a'}")
    thread, outcome = in_thread(lambda: execute(ctx, "ALTER ALIAS live SET DATABASE TARGET green"))
    assert blocked(thread)
    rollback(tx)
    thread.join(5)
    assert "error" not in outcome and model.aliases["live"].database == "green"
    assert model.aliases["live"].properties == {}
    assert model.locks.holders == {}


def test_reads_take_no_lock_and_see_committed_state(model, ctx):
    tx = begin(ctx)
    run(ctx, tx, "ALTER ALIAS live SET DATABASE TARGET green")
    outside = execute(ctx, "SHOW ALIAS live FOR DATABASE YIELD name, database")
    assert outside.records == [["live", "blue"]]
    rollback(tx)


@pytest.mark.parametrize("source, seen", [("committed", "blue"), ("transaction", "green")])
def test_show_alias_inside_the_writing_transaction(model, ctx, source, seen):
    """Switch ``alias_show_source``: the `database` column from committed state (community code) or from
    the transaction's own writes; `properties` always come from the transaction."""
    model.alias_show_source = source
    tx = begin(ctx)
    run(ctx, tx, "ALTER ALIAS live SET DATABASE TARGET green PROPERTIES {token: 't1'}")
    inside = run(ctx, tx, "SHOW ALIAS live FOR DATABASE YIELD database, properties")
    assert inside.records == [[seen, {"token": "t1"}]]
    rollback(tx)


def test_a_statement_sees_what_others_committed_after_the_transaction_began(model, ctx):
    tx = begin(ctx)
    run(ctx, tx, "ALTER ALIAS live SET DATABASE PROPERTIES {owner: 'a'}")
    execute(ctx, "CREATE DATABASE red")  # another session, another name: no lock conflict
    inside = run(ctx, tx, "SHOW DATABASE red YIELD name")
    assert inside.records == [["red"]]
    commit(tx)


def test_a_cycle_of_waiters_is_a_deadlock_for_the_one_that_closes_it(model, ctx):
    first, second = begin(ctx), begin(ctx)
    run(ctx, first, "ALTER ALIAS live SET DATABASE PROPERTIES {by: 'first'}")
    run(ctx, second, "ALTER DATABASE green SET ACCESS READ ONLY")
    thread, outcome = in_thread(lambda: run(ctx, first, "ALTER DATABASE green SET ACCESS READ WRITE"))
    assert blocked(thread)
    with pytest.raises(errors.Neo4jError) as info:
        run(ctx, second, "ALTER ALIAS live SET DATABASE PROPERTIES {by: 'second'}")
    assert info.value.code == "Neo.TransientError.Transaction.DeadlockDetected"
    assert info.value.gql_status == "50N05" and not second.open
    thread.join(5)
    assert "error" not in outcome
    commit(first)
    assert model.aliases["live"].properties == {"by": "first"}


def test_lock_waits_are_bounded(model, ctx):
    model.locks.timeout = 0.3
    tx = begin(ctx)
    run(ctx, tx, "ALTER ALIAS live SET DATABASE TARGET green")
    started = time.monotonic()
    with pytest.raises(errors.Neo4jError) as info:
        execute(ctx, "DROP ALIAS live FOR DATABASE")
    assert info.value.code == "Neo.TransientError.Transaction.LockAcquisitionTimeout"
    assert time.monotonic() - started < 5
    rollback(tx)


@pytest.mark.parametrize("conflict, code", [("exists", "Neo.ClientError.Database.ExistingDatabaseFound"),
                                            ("constraint", "Neo.ClientError.Schema.ConstraintValidationFailed")])
def test_two_creates_of_one_name_give_one_winner(model, ctx, conflict, code):
    """Switch ``name_conflict``: how the create that waited for the name fails."""
    model.name_conflict = conflict
    tx = begin(ctx)
    run(ctx, tx, "CREATE ALIAS fresh FOR DATABASE blue")
    thread, outcome = in_thread(lambda: execute(ctx, "CREATE ALIAS fresh FOR DATABASE green"))
    assert blocked(thread)
    commit(tx)
    thread.join(5)
    assert outcome["error"].code == code
    assert model.aliases["fresh"].database == "blue"


def test_a_create_that_did_not_wait_reports_the_existing_name(model, ctx):
    model.name_conflict = "constraint"
    with pytest.raises(errors.Neo4jError) as info:
        execute(ctx, "CREATE ALIAS live FOR DATABASE green")
    assert info.value.code == "Neo.ClientError.Database.ExistingDatabaseFound"


def test_administration_commands_and_queries_do_not_mix(model, ctx):
    tx = begin(ctx)
    run(ctx, tx, "SHOW ALIASES FOR DATABASE")
    with pytest.raises(errors.Neo4jError) as info:
        run(ctx, tx, "CALL dbms.components() YIELD name")
    assert info.value.code == "Neo.ClientError.Transaction.ForbiddenDueToTransactionType"
    assert info.value.gql_status == "25N01" and not tx.open


@pytest.mark.parametrize("behaviour", ["abort", "continue"])
def test_a_transaction_through_an_alias_that_moved(model, ctx, behaviour):
    """Switch ``alias_switch_transactions``: Neo4j 'may abort' such transactions (aliases page; 51N35)."""
    model.alias_switch_transactions = behaviour
    reader = ExecContext(model=model, member="server1", user="neo4j", database="live")
    execute(ExecContext(model=model, member="server1", user="neo4j", database="blue"), "CREATE (:Blue)")
    tx = begin(reader)
    assert run(reader, tx, "MATCH (n) RETURN count(n) AS c").records == [[1]]
    execute(ctx, "ALTER ALIAS live SET DATABASE TARGET green")
    if behaviour == "abort":
        with pytest.raises(errors.Neo4jError) as info:
            run(reader, tx, "MATCH (n) RETURN count(n) AS c")
        assert info.value.code == "Neo.TransientError.Transaction.Outdated"
        assert info.value.gql_status == "51N35" and not tx.open
    else:
        assert run(reader, tx, "MATCH (n) RETURN count(n) AS c").records == [[1]]  # still on blue
        commit(tx)
    fresh = begin(reader)
    assert run(reader, fresh, "MATCH (n) RETURN count(n) AS c").records == [[0]]  # green
    commit(fresh)


def test_rendezvous_makes_two_statements_meet(model, ctx):
    model.rendezvous.add(r"^SHOW ALIAS", parties=2, timeout=5)
    arrived = []

    def show():
        arrived.append(time.monotonic())
        return execute(ctx, "SHOW ALIAS live FOR DATABASE")
    thread, outcome = in_thread(show)
    assert blocked(thread), "the first statement waits for its partner"
    show()
    thread.join(5)
    assert "result" in outcome
    model.rendezvous.clear()

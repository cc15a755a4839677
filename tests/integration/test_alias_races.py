"""Races on one alias: exactly one client wins a switch or a create, every round.

Two clients are released together by the simulator's rendezvous (both reach the first statement of their
write transaction before either goes on), the most adversarial interleaving for a read-then-write
protocol.  The library-level rounds call ``aliases.ensure`` with the real ``neo4j`` driver, as the module
does; the playbook rounds run two real ``ansible-playbook`` processes.  Behaviours Neo4j does not document
(what SHOW ALIAS reads inside a transaction; how a create that lost the race for a name fails) are
switches on the simulator, and every round runs under each setting.

``test_a_second_locker_waits_and_then_sees_the_first_switch`` checks the protocol's premise step by step
with the plain driver; it also runs against a real server (NEO4J_TEST_URI), where it proves the premise
for that Neo4j version.
"""

import json
import threading
import uuid

import neo4j
import pytest

from collection_path import register_collection_packages
from plays import play, target_vars
from simulator.cypher import ExecContext, execute

register_collection_packages()

from ansible_collections.graphops.neo4j.plugins.module_utils import aliases  # noqa: E402
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jClient, Neo4jModuleError  # noqa: E402

ROUNDS = 50
SHOW_SOURCES = ["committed", "transaction"]
NAME_CONFLICTS = ["exists", "constraint"]


def client_params(cluster):
    return dict(uri=cluster.routing_uri(), login_user="neo4j", login_password="password", connection_timeout=5.0,
                retry_timeout=10.0)


def race(cluster, calls):
    """Run ``calls`` (one per client, each taking its own Neo4jClient) at once; returns their outcomes."""
    outcomes = [None] * len(calls)

    def runner(i, call):
        with Neo4jClient(client_params(cluster)) as client:
            try:
                outcomes[i] = ("ok", call(client))
            except Neo4jModuleError as exc:
                outcomes[i] = ("failed", exc.msg)
    threads = [threading.Thread(target=runner, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a racing client hung"
    return outcomes


def committed_alias_writes(cluster, name):
    starts = ("ALTER ALIAS `%s`" % name, "CREATE ALIAS")
    return [s for s in cluster.statements if s.error is None and s.query.startswith(starts)]


@pytest.mark.parametrize("show_source", SHOW_SOURCES)
def test_concurrent_switches_from_the_same_expected_target_have_one_winner(cluster, show_source):
    model = cluster.model
    model.alias_show_source = show_source
    for name in ("blue", "green-a", "green-b"):
        model.create_database(name, start_delay=0.0)
    model.rendezvous.add(r"^SHOW ALIASES", parties=2, timeout=3, first_in_transaction=True, mode="w")
    won = {"green-a": 0, "green-b": 0}
    for round_ in range(ROUNDS):
        with model.lock:
            model.aliases.pop("live", None)
        with Neo4jClient(client_params(cluster)) as setup:
            aliases.ensure(setup, dict(name="live", target="blue"))

        def switch(target):
            return lambda client: aliases.ensure(client, dict(name="live", target=target, expected_target="blue"))
        outcomes = race(cluster, [switch("green-a"), switch("green-b")])
        winners = [o for o in outcomes if o[0] == "ok" and o[1]["changed"]]
        losers = [o for o in outcomes if o[0] == "failed"]
        assert len(winners) == 1 and len(losers) == 1, (round_, outcomes)
        final = model.aliases["live"].database
        assert winners[0][1]["alias"]["target"] == final and winners[0][1]["previous_target"] == "blue"
        assert losers[0][1] == ("expected_target: alias 'live' points at '%s', not at 'blue'; nothing was changed." % final)
        won[final] += 1
    assert sum(won.values()) == ROUNDS
    assert model.locks.holders == {}


@pytest.mark.parametrize("name_conflict", NAME_CONFLICTS)
def test_concurrent_creates_of_a_missing_alias_have_one_winner(cluster, name_conflict):
    model = cluster.model
    model.name_conflict = name_conflict
    for name in ("green-a", "green-b"):
        model.create_database(name, start_delay=0.0)
    model.rendezvous.add(r"^CREATE ALIAS", parties=2, timeout=3, first_in_transaction=True, mode="w")
    for round_ in range(ROUNDS):
        name = "fresh%d" % round_

        def create(target, name=name):
            return lambda client: aliases.ensure(client, dict(name=name, target=target))
        outcomes = race(cluster, [create("green-a"), create("green-b")])
        winners = [o for o in outcomes if o[0] == "ok" and o[1]["changed"]]
        losers = [o for o in outcomes if o[0] == "failed"]
        assert len(winners) == 1 and len(losers) == 1, (round_, outcomes)
        final = model.aliases[name].database
        assert winners[0][1]["alias"]["target"] == final
        assert losers[0][1] == ("name: alias '%s' was created by another client while this task ran and points at '%s'; "
                                "nothing was changed." % (name, final))


def test_concurrent_creates_of_the_same_alias_change_it_once(cluster):
    model = cluster.model
    model.create_database("green", start_delay=0.0)
    model.rendezvous.add(r"^CREATE ALIAS", parties=2, timeout=3, first_in_transaction=True, mode="w")
    for round_ in range(10):
        name = "same%d" % round_

        def create(client, name=name):
            return aliases.ensure(client, dict(name=name, target="green"))
        outcomes = race(cluster, [create, create])
        assert sorted(o[1]["changed"] for o in outcomes if o[0] == "ok") == [False, True], outcomes


def test_a_switch_whose_commit_reply_is_lost_is_recognised_as_its_own(cluster):
    """The member dies right after committing the switch (IncompleteCommit): the module checks the alias
    for its own token instead of failing, or switching twice."""
    model = cluster.model
    for name in ("blue", "green"):
        model.create_database(name, start_delay=0.0)
    with Neo4jClient(client_params(cluster)) as client:
        aliases.ensure(client, dict(name="live", target="blue"))
        model.lose_commit_reply(r"^ALTER ALIAS `live` SET DATABASE TARGET")
        result = aliases.ensure(client, dict(name="live", target="green", expected_target="blue"))
    assert result["changed"] is True and result["previous_target"] == "blue"
    assert result["alias"]["target"] == "green"
    switches = [s for s in committed_alias_writes(cluster, "live") if "TARGET" in s.query]
    assert len(switches) == 1, [s.query for s in switches]


def test_a_writer_that_ignores_the_protocol_is_caught_after_commit(cluster):
    """A plain ALTER (no lock, no check) lands between the switch's commit and its check: the task fails
    instead of reporting a switch that no longer holds."""
    model = cluster.model
    for name in ("blue", "green", "red"):
        model.create_database(name, start_delay=0.0)
    with Neo4jClient(client_params(cluster)) as client:
        aliases.ensure(client, dict(name="live", target="blue"))
        rogue = ExecContext(model=model, member=cluster.leader(), user="neo4j", database="system")
        model.after_commit(r"^ALTER ALIAS `live` SET DATABASE TARGET `green`",
                           lambda: execute(rogue, "ALTER ALIAS `live` SET DATABASE TARGET `red`"))
        with pytest.raises(Neo4jModuleError) as info:
            aliases.ensure(client, dict(name="live", target="green", expected_target="blue"))
    assert info.value.msg == ("name: alias 'live' was switched to 'green', but right after it points at 'red': another "
                              "client changed it without the compare-and-swap. Check the alias before retrying.")
    assert model.aliases["live"].database == "red"


@pytest.mark.parametrize("show_source", SHOW_SOURCES)
def test_a_second_locker_waits_and_then_sees_the_first_switch(neo4j_target, show_source):
    """The premise, step by step: T1 takes the alias's lock (a properties write) and pauses; T2's lock write
    must block; T1 switches and commits; T2 then reads the new target under its lock."""
    if neo4j_target["simulated"]:
        neo4j_target["cluster"].model.alias_show_source = show_source
    elif show_source != SHOW_SOURCES[0]:
        pytest.skip("the SHOW ALIAS switch is a simulator setting; a real server has one behaviour")
    suffix = uuid.uuid4().hex[:8]
    alias, blue, green = "lockproof%s" % suffix, "lockblue%s" % suffix, "lockgreen%s" % suffix
    auth = (neo4j_target["username"], neo4j_target["password"])
    show = "SHOW ALIASES FOR DATABASES YIELD name, database, properties WHERE name = $name"
    with neo4j.GraphDatabase.driver(neo4j_target["uri"], auth=auth) as driver:
        for db in (blue, green):
            driver.execute_query("CREATE DATABASE $db IF NOT EXISTS WAIT", db=db, database_="system")
        driver.execute_query("CREATE ALIAS $a FOR DATABASE `%s`" % blue, a=alias, database_="system")
        try:
            with driver.session(database="system") as s1, driver.session(database="system") as s2:
                t1 = s1.begin_transaction()
                t1.run(show, name=alias).consume()
                t1.run("ALTER ALIAS `%s` SET DATABASE PROPERTIES {lock: 't1'}" % alias).consume()
                t2 = s2.begin_transaction()
                t2.run(show, name=alias).consume()
                done = threading.Event()
                seen = {}

                def second():
                    t2.run("ALTER ALIAS `%s` SET DATABASE PROPERTIES {lock: 't2'}" % alias).consume()
                    seen["database"] = t2.run(show, name=alias).single()["database"]
                    t2.rollback()
                    done.set()
                thread = threading.Thread(target=second, daemon=True)
                thread.start()
                assert not done.wait(1.0), "T2's write did not wait for T1's lock"
                t1.run("ALTER ALIAS `%s` SET DATABASE TARGET `%s` PROPERTIES {lock: 't1'}" % (alias, green)).consume()
                t1.commit()
                assert done.wait(30), "T2 still waits after T1 committed"
                thread.join(5)
            assert seen["database"] == green
        finally:
            driver.execute_query("DROP ALIAS $a IF EXISTS FOR DATABASE", a=alias, database_="system")
            for db in (blue, green):
                driver.execute_query("DROP DATABASE $db IF EXISTS", db=db, database_="system")


PLAYBOOK_ROUNDS = 20


def racing_play(task):
    return play("""
- name: race
  %s
  loop: "{{ range(%d) | list }}"
  ignore_errors: true
""" % (task.replace("\n", "\n  "), PLAYBOOK_ROUNDS), retry_timeout=10, connection_timeout=5)


def run_two(run_playbook, playbooks, extra_vars):
    """Two ansible-playbook processes at once; returns their runs."""
    runs = [None, None]

    def go(i):
        runs[i] = run_playbook(playbooks[i], extra_vars=extra_vars)
    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    return runs


def test_two_playbooks_switching_one_alias_each_round_have_one_winner(cluster, run_playbook):
    """Two ansible-playbook processes, each switching live<N> from blue to its own green, round after round."""
    model = cluster.model
    for name in ("blue", "green-a", "green-b"):
        model.create_database(name, start_delay=0.0)
    with Neo4jClient(client_params(cluster)) as client:
        for i in range(PLAYBOOK_ROUNDS):
            aliases.ensure(client, dict(name="live%d" % i, target="blue"))
    model.rendezvous.add(r"^SHOW ALIASES", parties=2, timeout=10, first_in_transaction=True, mode="w")
    task = """graphops.neo4j.neo4j_alias:
  name: "live{{ item }}"
  target: %s
  expected_target: blue"""
    runs = run_two(run_playbook, [racing_play(task % "green-a"), racing_play(task % "green-b")], target_vars(cluster))
    for run in runs:
        assert run.rc == 0, run
    for i in range(PLAYBOOK_ROUNDS):
        results = [run.all_results("race")[0]["results"][i] for run in runs]
        final = model.aliases["live%d" % i].database
        assert sorted(bool(r.get("changed")) for r in results) == [False, True], (i, json.dumps(results))
        loser = [r for r in results if r.get("failed")]
        assert len(loser) == 1 and ("points at '%s', not at 'blue'" % final) in loser[0]["msg"], (i, results)


def test_two_playbooks_creating_one_alias_each_round_have_one_winner(cluster, run_playbook):
    model = cluster.model
    for name in ("green-a", "green-b"):
        model.create_database(name, start_delay=0.0)
    model.rendezvous.add(r"^CREATE ALIAS", parties=2, timeout=10, first_in_transaction=True, mode="w")
    task = """graphops.neo4j.neo4j_alias:
  name: "new{{ item }}"
  target: %s"""
    runs = run_two(run_playbook, [racing_play(task % "green-a"), racing_play(task % "green-b")], target_vars(cluster))
    for run in runs:
        assert run.rc == 0, run
    for i in range(PLAYBOOK_ROUNDS):
        results = [run.all_results("race")[0]["results"][i] for run in runs]
        final = model.aliases["new%d" % i].database
        assert sorted(bool(r.get("changed")) for r in results) == [False, True], (i, json.dumps(results))
        loser = [r for r in results if r.get("failed")]
        assert len(loser) == 1 and ("was created by another client while this task ran and points at '%s'" % final) in loser[0]["msg"]

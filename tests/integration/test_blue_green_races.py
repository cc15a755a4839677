"""Two deployments of the same alias started at once (two ansible-playbook processes, released together at the switch by
the simulator's rendezvous): exactly one switches, the other fails cleanly naming the winner, and nothing is left
behind. A short variant runs in make test; the heavy one runs 20 rounds."""

import json
import threading

import pytest

from test_blue_green import ALIAS, PART1, db, deploy_vars, graph_of, point, releases, seed, target_of


def race_rounds(make_cluster, run_playbook, rounds):
    cluster = make_cluster(3)
    model = cluster.model
    target = {"uri": cluster.routing_uri(), "username": "neo4j", "password": "password", "simulated": True,
              "cluster": cluster}
    # The alias module's compare-and-swap opens a write transaction with SHOW ALIASES: both runs meet there.
    model.rendezvous.add(r"^SHOW ALIASES", parties=2, timeout=60, first_in_transaction=True, mode="w")
    blue = db("20250101000001")
    seed(model, blue)
    winners = []
    for round_ in range(rounds):
        point(model, ALIAS, blue)
        greens = [db("202501%02d%06d" % (round_ + 2, n)) for n in (1, 2)]
        runs = [None, None]

        def deploy(i):
            extra = deploy_vars(target, greens[i][len(ALIAS) + 1:], bg_keep=50)
            if i:  # as an AWX survey sends them: the sources as a JSON string, the count as text
                extra.update(bg_nodes=json.dumps(extra["bg_nodes"]), bg_keep="50")
            runs[i] = run_playbook("playbooks/blue_green.yml", extra_vars=extra)
        threads = [threading.Thread(target=deploy, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        winner = target_of(model)
        assert winner in greens, (round_, winner)
        won = [run for run, green in zip(runs, greens) if green == winner]
        lost = [run for run, green in zip(runs, greens) if green != winner]
        assert won[0].rc == 0, (round_, str(won[0]))
        assert lost[0].rc != 0, (round_, str(lost[0]))
        loser = [g for g in greens if g != winner][0]
        message = lost[0].results["Stop, blue keeps serving"]["msg"]
        assert message.startswith("Blue/green deployment of %s failed at 'Switch the alias to green, only if it still "
                                  "points at blue': expected_target: alias '%s' points at '%s', not at '%s'; nothing "
                                  "was changed." % (loser, ALIAS, winner, blue)), (round_, message)
        assert "The green database %s was dropped." % loser in message
        assert lost[0].results["Switch the alias to green, only if it still points at blue"]["changed"] is False
        # Nothing stray: blue and the winners (kept for rollback); the loser's green is gone.
        winners.append(winner)
        assert releases(model) == sorted([blue] + winners), round_
        with model.lock:
            assert model.locks.holders == {}
    assert graph_of(model, blue) == PART1


def test_two_deployments_of_one_alias_at_once_have_one_winner(make_cluster, run_playbook):
    race_rounds(make_cluster, run_playbook, rounds=2)


@pytest.mark.heavy
@pytest.mark.timeout(3600)  # pytest.ini bounds a test at 300 s; this one runs many playbooks
def test_two_deployments_of_one_alias_at_once_have_one_winner_20_rounds(make_cluster, run_playbook):
    race_rounds(make_cluster, run_playbook, rounds=20)

"""Two deployments of the same alias started at once (two ansible-playbook processes, released together at the switch by
the simulator's rendezvous): exactly one switches, the other fails cleanly naming the winner, and nothing is left
behind. The heavy test runs 20 rounds; make test's short race is the reliability concurrency suite's
(one round of three at once). The machinery is in deploy_races.py (the
reliability concurrency suite runs it with three at once)."""

import pytest

from deploy_races import race_rounds


def assert_one_winner_per_round(figures, rounds, parties):
    assert figures["problems"] == []
    assert (figures["rounds"], figures["winners"], figures["clean_failures"], figures["stray"]) == (
        rounds, rounds, rounds * (parties - 1), 0)


@pytest.mark.heavy
@pytest.mark.timeout(3600)  # pytest.ini bounds a test at 300 s; this one runs many playbooks
def test_two_deployments_of_one_alias_at_once_have_one_winner_20_rounds(make_cluster, run_playbook):
    assert_one_winner_per_round(race_rounds(make_cluster, run_playbook, rounds=20), 20, 2)

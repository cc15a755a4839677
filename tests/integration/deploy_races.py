"""Several deployments of the same alias started at once, round after round: the machinery behind
test_blue_green_races.py (two at once) and the reliability concurrency suite (tests/reliability/test_concurrency.py,
three at once).

Each deployment is its own ``ansible-playbook playbooks/blue_green.yml`` process; the simulator's rendezvous holds
the role's compare-and-swap (the write transaction that opens with ``SHOW ALIASES``) until every process of the
round has reached it, so they really switch at the same moment.  ``race_rounds`` counts what happened per round and
lists every departure from "exactly one winner, the losers failed cleanly, nothing stray" in ``problems``; the callers
assert on both."""

import json
import threading

from test_blue_green import ALIAS, PART1, SWITCH, STOP, db, deploy_vars, graph_of, point, releases, seed, target_of

BLUE = db("20250101000001")


def _green(round_, n):
    # Releases are 14 digits (YYYYMMDDHHMMSS): round r on 2025-01-(r+2), process n at 00:00:0n.
    return db("202501%02d%06d" % (round_ + 2, n + 1))


def race_rounds(make_cluster, run_playbook, rounds, parties=2):
    """``rounds`` rounds of ``parties`` deployments of ALIAS at once, each from the same blue.  Returns the figures:
    rounds, deployments, winners (rounds with exactly one winner whose green is complete and live), clean_failures
    (losers that failed naming the winner, changed nothing and dropped their green), stray (databases other than
    blue and the winners, plus locks still held, counted after every round) and problems (what went wrong, per
    round)."""
    assert rounds < 29, "one round per day of January: release ids must stay valid dates"
    cluster = make_cluster(3)
    model = cluster.model
    target = {"uri": cluster.routing_uri(), "username": "neo4j", "password": "password", "simulated": True,
              "cluster": cluster}
    # The alias module's compare-and-swap opens a write transaction with SHOW ALIASES: every run meets there.
    model.rendezvous.add(r"^SHOW ALIASES", parties=parties, timeout=60, first_in_transaction=True, mode="w")
    seed(model, BLUE)
    figures = {"rounds": 0, "deployments": 0, "winners": 0, "clean_failures": 0, "stray": 0}
    problems, winners = [], []
    for round_ in range(rounds):
        point(model, ALIAS, BLUE)
        greens = [_green(round_, n) for n in range(parties)]
        runs = [None] * parties

        def deploy(i):
            extra = deploy_vars(target, greens[i][len(ALIAS) + 1:], bg_keep=50)
            if i % 2:  # as an AWX survey sends them: the sources as a JSON string, the count as text
                extra.update(bg_nodes=json.dumps(extra["bg_nodes"]), bg_keep="50")
            runs[i] = run_playbook("playbooks/blue_green.yml", extra_vars=extra)
        threads = [threading.Thread(target=deploy, args=(i,)) for i in range(parties)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        figures["rounds"] += 1
        figures["deployments"] += parties
        winner = target_of(model)
        won = [run for run, green in zip(runs, greens) if green == winner]
        if len(won) == 1 and won[0].rc == 0 and graph_of(model, winner) == PART1:
            figures["winners"] += 1
            winners.append(winner)
        else:
            problems.append((round_, "no single complete winner", winner, [str(run) for run in won]))
        for run, green in zip(runs, greens):
            if green == winner:
                continue
            message = run.results.get(STOP, {}).get("msg", "") if run.rc else ""
            expected = ("Blue/green deployment of %s failed at '%s': expected_target: alias '%s' points at '%s', not "
                        "at '%s'; nothing was changed." % (green, SWITCH, ALIAS, winner, BLUE))
            clean = (run.rc != 0 and message.startswith(expected)
                     and "The green database %s was dropped." % green in message
                     and run.results.get(SWITCH, {}).get("changed") is False
                     and green not in releases(model))
            if clean:
                figures["clean_failures"] += 1
            else:
                problems.append((round_, "loser did not fail cleanly", green, message or str(run)))
        # Nothing stray: blue and the winners (kept for rollback); every loser's green is gone, no lock is held.
        stray = sorted(set(releases(model)) - {BLUE} - set(winners))
        with model.lock:
            held = dict(model.locks.holders)
        figures["stray"] += len(stray) + len(held)
        if stray or held:
            problems.append((round_, "stray", stray, held))
    if graph_of(model, BLUE) != PART1:
        problems.append(("end", "blue changed", graph_of(model, BLUE)))
    figures["problems"] = problems
    return figures

"""playbooks/cleanup.yml (the neo4j_blue_green role's entry point cleanup): old releases dropped outside a deployment,
keeping the live one, the newest bg_keep others and any database another alias points at; --check drops nothing."""

from test_blue_green import ALIAS, db, point, releases, seed, simulated, target_of
from plays import connection_vars


def test_cleanup_keeps_the_live_release_the_newest_others_and_aliased_ones(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    old = [db("2024010100000%d" % n) for n in range(1, 6)]
    for name in old:
        seed(model, name)
    point(model, ALIAS, old[3])  # a rollback left the alias on 04; 05 is newer
    point(model, "bgtest-archive", old[0])
    values = dict(connection_vars(neo4j_target), bg_alias=ALIAS, bg_keep=1)

    check = run_playbook("playbooks/cleanup.yml", check=True, extra_vars=values)
    assert check.rc == 0, check
    assert check.results["Summary"]["msg"] == (
        "Check mode, nothing was changed. %s -> %s; would keep: %s, %s; would drop: %s, %s"
        % (ALIAS, old[3], old[4], old[0], old[2], old[1]))
    assert releases(model) == old

    run = run_playbook("playbooks/cleanup.yml", extra_vars=values)
    assert run.rc == 0, run
    assert releases(model) == [old[0], old[3], old[4]]
    assert target_of(model) == old[3] and target_of(model, "bgtest-archive") == old[0]
    again = run_playbook("playbooks/cleanup.yml", extra_vars=values)
    assert again.rc == 0, again
    assert [t["task"] for t in again.tasks if t["result"].get("changed")] == []


def test_cleanup_of_an_alias_that_does_not_exist_drops_nothing(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    seed(model, db("20240101000001"))
    run = run_playbook("playbooks/cleanup.yml", extra_vars=dict(connection_vars(neo4j_target), bg_alias=ALIAS, bg_keep=0))
    assert run.rc != 0, run
    assert run.results["The alias exists"]["msg"].startswith("Alias %s does not exist, so no release is live" % ALIAS)
    assert releases(model) == [db("20240101000001")]

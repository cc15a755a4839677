"""The preflight of the neo4j_blue_green role (playbooks/blue_green.yml): each refusal names what is wrong, with the
numbers, and the cluster is left exactly as it was: no database created, the alias untouched.

Servers must be Enabled and Available and no database may be on its way between states (requested status differs
from the current one); one more database must fit under dbms.max_databases (read with SHOW SETTINGS; system counts);
every member's JVM heap use must be under bg_max_heap_used_percent.
"""

from test_blue_green import ALIAS, LOAD, R1, R2, db, deploy_vars, point, releases, seed, simulated, target_of

HEALTHY = "Preflight, the cluster is healthy"
ROOM = "Preflight, room for one more database"
HEAP = "Preflight, heap use on every member is below bg_max_heap_used_percent"
PREFLIGHT_ONLY = ("--tags", "preflight")


def statements(cluster, since=0):
    return [s.query.strip() for s in cluster.statements[since:]]


def changes(cluster, since=0):
    return [q for q in statements(cluster, since) if q.split(None, 1)[0].upper() in ("CREATE", "ALTER", "DROP")]


def test_a_server_that_is_not_enabled_is_refused_by_name(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    cluster = neo4j_target["cluster"]
    with model.lock:
        model.servers["server2"].state = "Cordoned"
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R1))
    assert run.rc != 0, run
    message = run.results[HEALTHY]["msg"]
    assert "server %s" % cluster.server_name("server2") in message and "state is Cordoned, not Enabled" in message
    assert LOAD not in run.results and releases(model) == [] and changes(cluster) == []


def test_a_database_between_states_is_refused_with_its_member_and_statuses(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    cluster = neo4j_target["cluster"]
    seed(model, db(R1))
    point(model, ALIAS, db(R1))
    with model.lock:
        model.create_database("reports", start_delay=600)  # starting for ten minutes
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R2))
    assert run.rc != 0, run
    message = run.results[HEALTHY]["msg"]
    assert "database reports on " in message and "current_status starting, requested_status online" in message
    assert LOAD not in run.results
    assert releases(model) == [db(R1)] and target_of(model) == db(R1) and changes(cluster) == []


def test_one_database_more_than_max_databases_is_refused_with_the_numbers(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    cluster = neo4j_target["cluster"]
    seed(model, db(R1))
    point(model, ALIAS, db(R1))
    with model.lock:
        model.max_databases = len(model.databases)  # system, neo4j and R1: full
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R2))
    assert run.rc != 0, run
    assert "SHOW SETTINGS 'dbms.max_databases' YIELD name, value" in statements(cluster)
    assert run.results[ROOM]["msg"] == (
        "No room for %s, nothing was changed: the cluster has 3 databases (system included) and dbms.max_databases is 3, "
        "so one more would exceed it. Drop old releases (playbooks/cleanup.yml with a smaller bg_keep) or raise "
        "dbms.max_databases on every server." % db(R2))
    assert LOAD not in run.results
    assert releases(model) == [db(R1)] and target_of(model) == db(R1) and changes(cluster) == []


def test_a_release_that_fits_exactly_and_a_rerun_of_a_full_cluster_go_ahead(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    seed(model, db(R1))
    point(model, ALIAS, db(R1))
    with model.lock:
        model.max_databases = len(model.databases) + 1  # room for exactly one more
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R2, bg_keep=1))
    assert run.rc == 0, run
    assert run.results[ROOM].get("skipped") is True
    assert target_of(model) == db(R2)
    # Now full; deploying the same release again needs no new database, so it is not refused (the preflight phase
    # alone: the rest of a rerun is test_blue_green's).
    again = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R2, bg_keep=1),
                         args=PREFLIGHT_ONLY)
    assert again.rc == 0, again
    assert again.results["Preflight, read dbms.max_databases"].get("skipped") is True


def test_a_member_whose_heap_is_too_full_is_refused_by_name_with_its_figures(run_playbook, neo4j_target):
    model = simulated(neo4j_target)
    cluster = neo4j_target["cluster"]
    gib = 1024 ** 3
    with model.lock:
        model.heap["server3"] = (int(0.95 * gib), gib)
    run = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R1))
    assert run.rc != 0, run
    failed = [r for r in run.results[HEAP]["results"] if r.get("failed")]
    assert [r["item"]["key"] for r in failed] == [cluster.server_name("server3")]
    assert failed[0]["msg"] == ("Server %s uses 95.0%% of its heap (%d of %d bytes), above bg_max_heap_used_percent 90%%; "
                                "nothing was changed." % (cluster.server_name("server3"), int(0.95 * gib), gib))
    assert LOAD not in run.results and releases(model) == [] and changes(cluster) == []

    # A higher limit lets the same cluster go ahead; null skips the check (and the direct member connections). The
    # preflight phase alone (--tags preflight): what follows it is test_blue_green's.
    higher = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R1, bg_max_heap_used_percent=96),
                          args=PREFLIGHT_ONLY)
    assert higher.rc == 0, higher
    assert not any(r.get("failed") for r in higher.results[HEAP]["results"])
    skipped = run_playbook("playbooks/blue_green.yml", extra_vars=deploy_vars(neo4j_target, R1, bg_max_heap_used_percent=None),
                           args=PREFLIGHT_ONLY)
    assert skipped.rc == 0, skipped
    assert skipped.results["Preflight, read the heap of every member"].get("skipped") is True
    assert releases(model) == [] and changes(cluster) == []

"""neo4j_info through ansible-playbook against a simulated 3-member cluster."""

import re

import pytest

from plays import play
from simulator.tls import self_signed_cert

PLAY = play("""
- name: info
  graphops.neo4j.neo4j_info:
    gather_subset: "{{ subset | default(['all']) }}"
""")


def connection(target):
    return {"neo4j_uri": target["uri"], "neo4j_username": target["username"], "neo4j_password": target["password"]}


def info(run_playbook, target, subset=None, check=False):
    extra = connection(target)
    if subset is not None:
        extra["subset"] = subset
    run = run_playbook(PLAY, extra_vars=extra, check=check)
    return run, run.results.get("info")


def names(cluster):
    """The members' names as SHOW SERVERS reports them (the server ids: nobody renamed them)."""
    return [cluster.server_name(m) for m in cluster.members]


def cluster_target(cluster):
    return {"uri": cluster.routing_uri(), "username": "neo4j", "password": "password"}


def test_everything_about_a_healthy_cluster(run_playbook, neo4j_target):
    run, result = info(run_playbook, neo4j_target)
    assert run.rc == 0, run
    assert result["changed"] is False
    assert result["healthy"] is True, result["health_reasons"]
    assert result["health_reasons"] == []
    assert result["edition"] == "enterprise"
    assert result["version"]
    for name, server in result["servers"].items():
        assert server["state"] == "Enabled" and server["health"] == "Available", name
        assert "system" in server["hosting"]
    assert set(result["databases"]["system"]["members"]) == set(result["servers"])
    assert result["databases"]["system"]["writer"] in result["servers"]
    assert "neo4j" in result["users"]
    assert "neo4j" in result["roles"]["admin"]["members"]
    assert set(result["memory"]) == set(result["servers"])
    for name, memory in result["memory"].items():
        assert memory["reachable"] is True, memory
        assert 0 < memory["heap"]["used"] <= memory["heap"]["max"]
    # Every key the module returns is snake_case (Neo4j's columns converted); names used as keys are values.
    entries = [e for subset in ("servers", "databases", "aliases", "users", "memory") for e in result[subset].values()]
    entries += [m for db in result["databases"].values() for m in db["members"].values()]
    assert [k for e in entries for k in e if not re.match(r"^[a-z][a-z0-9_]*$", k)] == []
    assert result["databases"]["system"]["requested_status"] == "online"
    assert {m["current_status"] for m in result["databases"]["system"]["members"].values()} == {"online"}
    if neo4j_target["simulated"]:
        c = neo4j_target["cluster"]
        model = c.model
        # Servers are keyed by the name SHOW SERVERS gives them: their server id, as nobody renamed them.
        assert list(result["servers"]) == [model.servers[m].server_id for m in c.members]
        assert result["version"] == model.version
        for member in c.members:
            server = model.servers[member]
            name = c.server_name(member)
            assert result["servers"][name]["address"] == server.address
            assert result["servers"][name]["server_id"] == server.server_id
            used, maximum = model.heap[member]
            assert result["memory"][name]["heap"]["used"] == used
            assert result["memory"][name]["heap"]["max"] == maximum
        neo4j_db = model.databases["neo4j"]
        assert result["databases"]["neo4j"]["writer"] == c.server_name(neo4j_db.writer)
        assert set(result["databases"]["neo4j"]["members"]) == set(map(c.server_name, neo4j_db.allocations))


@pytest.mark.parametrize("mbean_keys", ["name", "name,type"])
def test_page_cache_next_to_heap_and_null_with_reason_where_metrics_are_off(run_playbook, cluster, mbean_keys):
    # Neo4j does not document the metric MBeans' ObjectName keys: the module reads both namings the simulator offers.
    model = cluster.model
    first, second, off = cluster.members
    with model.lock:
        model.metrics_mbean_keys = mbean_keys
        model.metrics_prefix = "prod"  # server.metrics.prefix is the user's
        model.page_cache[first] = (0.5, 0.97)
        model.page_cache[second] = (0.125, 1.0)
        model.page_cache[off] = None  # server.metrics.jmx.enabled=false: no beans
    run, result = info(run_playbook, cluster_target(cluster), subset=["memory"])
    assert run.rc == 0, run
    memory = result["memory"]
    assert memory[cluster.server_name(first)]["page_cache"] == {"usage_ratio": 0.5, "hit_ratio": 0.97}
    assert (memory[cluster.server_name(first)]["page_cache_usage_percent"],
            memory[cluster.server_name(first)]["page_cache_hit_percent"]) == (50.0, 97.0)
    assert (memory[cluster.server_name(second)]["page_cache_usage_percent"],
            memory[cluster.server_name(second)]["page_cache_hit_percent"]) == (12.5, 100.0)
    for member in (first, second):
        assert memory[cluster.server_name(member)]["page_cache_error"] is None
    disabled = memory[cluster.server_name(off)]
    assert disabled["reachable"] is True and disabled["heap_used_percent"] == 25.0  # heap still read
    assert (disabled["page_cache"], disabled["page_cache_usage_percent"], disabled["page_cache_hit_percent"]) == \
        (None, None, None)
    assert "found no page-cache metrics" in disabled["page_cache_error"]
    assert "server.metrics.jmx.enabled" in disabled["page_cache_error"]


def test_subsets_and_exclusions(run_playbook, cluster):
    run, result = info(run_playbook, cluster_target(cluster), subset=["health"])
    assert run.rc == 0, run
    assert {k for k in result if k in ("servers", "databases", "memory", "users", "healthy")} == {"healthy"}
    run, result = info(run_playbook, cluster_target(cluster), subset=["!memory", "!users"])
    assert run.rc == 0, run
    assert "memory" not in result and "users" not in result
    assert {"servers", "databases", "aliases", "roles", "version", "healthy"} <= set(result)


def test_unknown_subset_fails_clearly(run_playbook, cluster):
    run, result = info(run_playbook, cluster_target(cluster), subset=["servers", "clusters"])
    assert run.rc != 0
    assert result["failed"] is True
    assert "unknown subset 'clusters'" in result["msg"]


def test_check_mode_gathers_the_same_facts(run_playbook, cluster):
    run, result = info(run_playbook, cluster_target(cluster), subset=["servers", "health"], check=True)
    assert run.rc == 0, run
    assert result["changed"] is False
    assert result["healthy"] is True
    assert list(result["servers"]) == names(cluster)


def test_killed_member_makes_the_cluster_unhealthy(run_playbook, cluster):
    victim = cluster.members[-1]
    assert cluster.leader() != victim
    cluster.kill_member(victim)
    run, result = info(run_playbook, cluster_target(cluster))
    assert run.rc == 0, run
    assert result["healthy"] is False
    address = cluster.model.servers[victim].address
    dead = cluster.server_name(victim)
    assert "server %s (%s): health is Unavailable, not Available" % (dead, address) in result["health_reasons"]
    assert result["servers"][dead]["health"] == "Unavailable"
    system_member = result["databases"]["system"]["members"][dead]
    assert system_member["current_status"] == "unknown"
    assert ("database system on %s: current_status unknown, requested_status online (Server is unavailable)" % dead
            in result["health_reasons"])
    # JMX is per member: the dead one is reported, the others still answer.
    assert result["memory"][dead]["reachable"] is False
    assert result["memory"][dead]["error"]
    assert result["memory"][dead]["page_cache"] is None and result["memory"][dead]["page_cache_error"]
    assert all(result["memory"][n]["reachable"] for n in names(cluster) if n != dead)


def test_database_that_fails_to_start(run_playbook, cluster):
    model = cluster.model
    with model.lock:
        model.start_failures["movies"] = "Unable to start database `DatabaseId{movies}`"
        model.create_database("movies", primaries=1, start_delay=0.0)
    run, result = info(run_playbook, cluster_target(cluster), subset=["databases", "health"])
    assert run.rc == 0, run
    assert result["healthy"] is False
    movies = result["databases"]["movies"]
    assert movies["healthy"] is False
    [(member, alloc)] = movies["members"].items()
    assert member in names(cluster)
    assert alloc["current_status"] == "offline"
    assert result["health_reasons"] == [
        "database movies on %s: current_status offline, requested_status online "
        "(Unable to start database `DatabaseId{movies}`)" % member]


def test_database_still_starting_is_reported_until_it_is_online(run_playbook, cluster):
    model = cluster.model
    with model.lock:
        model.create_database("slow", primaries=3, start_delay=3600.0)
    run, result = info(run_playbook, cluster_target(cluster), subset=["health"])
    assert run.rc == 0, run
    assert result["healthy"] is False
    assert len(result["health_reasons"]) == 3
    assert all("current_status starting, requested_status online" in r for r in result["health_reasons"])


def test_wrong_password_fails_the_task(run_playbook, cluster):
    target = dict(cluster_target(cluster), password="wrong")
    run, result = info(run_playbook, target, subset=["servers"])
    assert run.rc != 0
    assert result["failed"] is True
    assert "Authentication failed" in result["msg"]
    assert "wrong" not in result["msg"]


@pytest.mark.parametrize("subset", [["version"]])
def test_version_on_a_single_member(run_playbook, single, subset):
    run, result = info(run_playbook, cluster_target(single), subset=subset)
    assert run.rc == 0, run
    assert result["version"] == single.model.version
    assert result["edition"] == single.model.edition


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory):
    """A throw-away self-signed certificate for the simulator's Bolt members."""
    return self_signed_cert(tmp_path_factory.mktemp("info-tls"))


def test_member_connections_keep_tls(run_playbook, make_cluster, tls_cert):
    """JMX goes to each member directly; over neo4j+ssc those connections are bolt+ssc, not plain bolt."""
    secure = make_cluster(3, tls=tls_cert)
    target = {"uri": secure.routing_uri(scheme="neo4j+ssc"), "username": "neo4j", "password": "password"}
    run, result = info(run_playbook, target, subset=["memory", "health"])
    assert run.rc == 0, run
    assert result["healthy"] is True, result["health_reasons"]
    assert [m for m, mem in result["memory"].items() if mem["reachable"]] == names(secure), result["memory"]
    jmx = [s.member for s in secure.statements if "dbms.queryJmx" in s.query]
    assert sorted(jmx) == sorted(secure.members * 2)  # heap, then page cache, on each member's own connection

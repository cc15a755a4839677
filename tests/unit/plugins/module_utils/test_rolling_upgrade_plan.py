"""Pure logic of neo4j_rolling_upgrade: the order, the pre-checks, refusals and what keeps a member from being back."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import rolling_upgrade as ru

OLD, NEW = "5.26.12", "2026.07.0"


def server(name, version=OLD, state="Enabled", health="Available", hosting=("system", "movies"), mode="NONE"):
    return {"name": name, "serverId": "id-" + name, "address": "%s:7687" % name, "state": state, "health": health,
            "hosting": list(hosting), "requestedHosting": list(hosting), "version": version, "modeConstraint": mode}


def copy(db, name, role="primary", writer=False, status="online", lag=0):
    return {"name": db, "serverID": "id-" + name, "address": "%s:7687" % name, "role": role, "writer": writer,
            "currentStatus": status, "requestedStatus": "online", "statusMessage": "", "replicationLag": lag}


def cluster():
    servers = [server("a"), server("b"), server("c"), server("d", mode="SECONDARY")]
    databases = [copy("system", "a", writer=True), copy("system", "b"), copy("system", "c"),
                 copy("system", "d", role="secondary"),
                 copy("movies", "a", writer=True), copy("movies", "b"), copy("movies", "c"),
                 copy("movies", "d", role="secondary"),
                 copy("neo4j", "b", writer=True)]
    return servers, databases


def members(*names):
    return [{"host": "db-" + n, "server": n} for n in names]


def test_order_is_secondaries_first_then_fewest_leaderships():
    servers, databases = cluster()
    plan = ru.plan(members("a", "b", "c", "d"), servers, databases, NEW)
    assert [m["host"] for m in plan["order"]] == ["db-d", "db-c", "db-b", "db-a"]
    assert plan["order"][-1]["leaderships"] == ["movies", "system"]
    assert plan["order"][0]["role"] == "secondary"
    assert plan["pending"] == ["db-d", "db-c", "db-b", "db-a"] and plan["healthy"] and plan["not_in_members"] == []


def test_upgraded_members_are_not_pending_and_others_are_reported():
    servers, databases = cluster()
    servers[2]["version"] = NEW
    plan = ru.plan(members("a", "c"), servers, databases, NEW)
    assert plan["pending"] == ["db-a"]
    assert [s["server"] for s in plan["not_in_members"]] == ["b", "d"]


def test_pre_checks_name_what_is_wrong():
    servers, databases = cluster()
    servers[1]["health"] = "Unavailable"
    databases[5]["currentStatus"] = "starting"
    databases[6]["replicationLag"] = 7
    reasons = ru.plan(members("a"), servers, databases, NEW)["health_reasons"]
    assert any("server b (b:7687): health is Unavailable" in r for r in reasons)
    assert any("database movies on b: current_status starting" in r for r in reasons)
    assert "database movies on c:7687: replication_lag 7" in reasons
    assert ru.health_reasons(servers[2:], databases[6:7], max_lag=10) == []


@pytest.mark.parametrize("given, pattern", [
    ([], "members: give at least one"),
    ([{"host": "x"}], r"members\[0\]: each member needs a host"),
    ([{"host": "x", "server": "nowhere"}], r"members\[0\]: host x names server 'nowhere', which SHOW SERVERS"),
    ([{"host": "x", "server": "a"}, {"host": "y", "server": "id-a"}], r"members\[1\]: server 'id-a' is named twice"),
])
def test_bad_members_are_refused(given, pattern):
    servers, databases = cluster()
    with pytest.raises(ru.UpgradeRefused, match=pattern):
        ru.plan(given, servers, databases, NEW)


def test_a_downgrade_is_refused():
    servers, databases = cluster()
    with pytest.raises(ru.UpgradeRefused, match="target_version: 5.26.0 is older than 5.26.12"):
        ru.plan(members("a"), servers, databases, "5.26.0")


def test_version_order_puts_calendar_releases_above_5():
    assert ru.version_key("2025.01.0") > ru.version_key("5.26.20") > ru.version_key("5.26.3")
    assert ru.version_key("2026.07") == ru.version_key("2026.07.0")


def test_rejoin_problems_name_the_stuck_databases():
    servers, databases = cluster()
    servers[1].update(health="Unavailable", version=NEW, hosting=["system"])
    databases[5]["currentStatus"] = "starting"
    row, problems, stuck = ru.rejoin_problems(servers, databases, "b", NEW)
    assert row["name"] == "b"
    assert problems == ["health is Unavailable, not Available", "not yet hosting movies"]
    assert [(s["database"], s["current_status"]) for s in stuck] == [("movies", "starting")]
    servers[1].update(health="Available", hosting=["system", "movies"])
    databases[5]["currentStatus"] = "online"
    assert ru.rejoin_problems(servers, databases, "b", NEW)[1:] == ([], [])
    assert ru.rejoin_problems(servers, databases, "b", "2026.08.0")[1] == ["version is 2026.07.0, not 2026.08.0"]
    assert ru.rejoin_problems(servers, databases, "b", "2026.07")[1] == []
    databases[5]["replicationLag"] = 3
    assert ru.rejoin_problems(servers, databases, "b", NEW)[2][0]["current_status"] == "online, 3 transactions behind"

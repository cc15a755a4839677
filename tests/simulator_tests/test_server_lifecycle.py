"""The simulator's server lifecycle (simulator/servers.py): cordon, enable, alter, rename, deallocate, reallocate,
drop, with the states, DRYRUN columns and refusals of the Operations Manual (clustering/servers.adoc)."""

import time

import pytest

from simulator.model import ClusterModel
from simulator_tests.cypher_calls import fails, rows, statement


@pytest.fixture
def four():
    """Four enabled servers; ``movies`` with 2 primaries and 1 secondary; moves take 0.2 s."""
    m = ClusterModel()
    for i in range(4):
        m.add_server("server%d" % (i + 1), "127.0.0.1", 7687 + i)
    m.bootstrap()
    m.add_user("neo4j", "password")
    m.move_delay = 0.2
    statement(m, "CREATE DATABASE movies TOPOLOGY 2 PRIMARIES 1 SECONDARY")
    statement(m, "ALTER DATABASE neo4j SET TOPOLOGY 2 PRIMARIES")  # one primary blocks deallocation (servers.adoc)
    return m


def servers(m):
    return {r["name"]: r for r in rows(statement(m, "SHOW SERVERS YIELD *"))}


def name_of(m, member):
    return m.servers[member].shown_name


def copies(m, db):
    return sorted(r["role"] for r in rows(statement(m, "SHOW DATABASE $db", {"db": db})))


def test_cordon_then_enable(four):
    name = name_of(four, "server4")
    statement(four, "CALL dbms.cluster.cordonServer($s)", {"s": name})
    assert servers(four)[name]["state"] == "Cordoned"
    statement(four, "CREATE DATABASE other TOPOLOGY 3 PRIMARIES")
    assert "server4" not in four.databases["other"].allocations  # a cordoned server gets no new databases
    statement(four, "ENABLE SERVER $s", {"s": name})
    assert servers(four)[name]["state"] == "Enabled"


def test_deallocate_moves_databases_then_drop(four):
    host = next(s for s in four.databases["movies"].allocations)
    time.sleep(0.05)
    name = name_of(four, host)
    plan = rows(statement(four, "DRYRUN DEALLOCATE DATABASES FROM SERVER $s", {"s": name}))
    assert [list(r) for r in plan] and set(plan[0]) == {"database", "fromServerName", "fromServerId", "toServerName",
                                                        "toServerId", "mode"}
    assert plan[0]["database"] == "movies" and plan[0]["fromServerName"] == name
    assert servers(four)[name]["state"] == "Enabled"  # a dry run changes nothing
    err = fails(four, "DROP SERVER $s", {"s": name})
    assert err.gql_status == "51N44"
    statement(four, "DEALLOCATE DATABASES FROM SERVER $s", {"s": name})
    row = servers(four)[name]
    assert row["state"] == "Deallocating" and "movies" in row["hosting"]
    assert copies(four, "movies") == ["primary", "primary", "primary", "secondary"] or \
        len(copies(four, "movies")) == 4  # the new copy comes up before the old one leaves
    time.sleep(0.3)
    row = servers(four)[name]
    assert row["state"] == "Deallocated" and row["hosting"] == ["system"]
    assert sorted(copies(four, "movies")) == ["primary", "primary", "secondary"]
    statement(four, "DROP SERVER $s", {"s": name})
    assert servers(four)[name]["state"] == "Dropped"
    assert fails(four, "ENABLE SERVER $s", {"s": name}).gql_status == "51N48"


def test_deallocate_refusals_change_nothing(four):
    statement(four, "CREATE DATABASE single TOPOLOGY 1 PRIMARY")
    host = next(iter(four.databases["single"].allocations))
    before = servers(four)
    err = fails(four, "DEALLOCATE DATABASES FROM SERVER $s", {"s": name_of(four, host)})
    assert err.gql_status == "51N43" and "single" in err.message
    # three of four servers cannot hold 2 primaries + 1 secondary + the remaining copies of four-copy databases
    statement(four, "CREATE DATABASE wide TOPOLOGY 3 PRIMARIES 1 SECONDARY")
    err = fails(four, "DEALLOCATE DATABASES FROM SERVER $s", {"s": name_of(four, "server4")})
    assert err.gql_status == "51N43" and "wide" in err.message
    assert {n: r["state"] for n, r in servers(four).items()} == {n: r["state"] for n, r in before.items()}


def test_alter_rename_and_reallocate(four):
    name = name_of(four, "server4")
    statement(four, "ALTER SERVER $s SET OPTIONS {modeConstraint: 'SECONDARY', tags: ['eu']}", {"s": name})
    row = servers(four)[name]
    assert (row["modeConstraint"], row["tags"]) == ("SECONDARY", ["eu"])
    statement(four, "ALTER SERVER $s SET OPTIONS {deniedDatabases: ['movies']}", {"s": name})
    row = servers(four)[name]
    assert (row["modeConstraint"], row["deniedDatabases"], row["tags"]) == ("NONE", ["movies"], [])  # replaced
    err = fails(four, "ALTER SERVER $s SET OPTIONS {allowedDatabases: ['a'], deniedDatabases: ['b']}", {"s": name})
    assert err.gql_status == "51N46"
    statement(four, "RENAME SERVER $s TO 'eu-4'", {"s": name})
    assert "eu-4" in servers(four)
    assert fails(four, "RENAME SERVER $s TO $t", {"s": name_of(four, "server1"), "t": "eu-4"}).gql_status == "51N47"
    plan = rows(statement(four, "DRYRUN REALLOCATE DATABASES"))
    assert all(r["toServerName"] != "eu-4" or r["database"] != "movies" for r in plan)

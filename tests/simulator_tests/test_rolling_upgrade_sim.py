"""What a rolling upgrade sees in the simulator: members restarted on a new release (SHOW SERVERS, dbms.components(),
the Bolt agent), leadership moved away with server.databases.read_only, members stuck on rejoin, and the HTTP control
endpoint playbooks use."""

import json
import urllib.request

import neo4j
import pytest

from simulator.cluster import Cluster, stuck_from_environment

AUTH = ("neo4j", "password")
NEW = "2026.07.0"


@pytest.fixture
def four():
    c = Cluster(members=4, server_names="member").start()
    c.model.create_database("movies", primaries=3, secondaries=1, start_delay=0.0)
    try:
        yield c
    finally:
        c.stop()


def system_rows(cluster, query, member=None, params=None):
    uri = cluster.bolt_uri(member) if member else cluster.routing_uri()
    with neo4j.GraphDatabase.driver(uri, auth=AUTH) as driver:
        records, _summary, _keys = driver.execute_query(query, params or {}, database_="system",
                                                        routing_=neo4j.RoutingControl.READ)
        return [r.data() for r in records], driver.get_server_info().agent


def rows_only(cluster, query, member=None, params=None):
    return system_rows(cluster, query, member, params)[0]


def test_member_restarted_on_a_new_release_reports_it_and_the_cluster_follows_when_all_have(four):
    old = four.model.version
    four.stop_member("server2")
    four.restart_member("server2", version=NEW)
    servers, _agent = system_rows(four, "SHOW SERVERS YIELD name, version RETURN name, version")
    assert {r["name"]: r["version"] for r in servers} == {"server1": old, "server2": NEW, "server3": old,
                                                          "server4": old}
    components, agent = system_rows(four, "CALL dbms.components()", member="server2")
    assert components[0]["versions"] == [NEW] and agent == "Neo4j/" + NEW
    assert system_rows(four, "CALL dbms.components()", member="server1")[0][0]["versions"] == [old]
    assert four.model.version == old  # mixed: the cluster keeps the old behaviour
    for member in ("server1", "server3", "server4"):
        four.stop_member(member)
        four.restart_member(member, version=NEW)
    assert four.model.version == NEW


def test_read_only_moves_leadership_away_until_the_member_restarts(four):
    model = four.model
    with model.lock:
        leader = model.databases["movies"].writer
    rows = rows_only(four, "CALL dbms.setConfigValue('server.databases.read_only', 'movies')", member=leader)
    assert rows == []
    with model.lock:
        assert model.databases["movies"].writer not in (leader, None)
    settings = rows_only(four, "SHOW SETTINGS 'server.databases.read_only' YIELD name, value, isDynamic",
                         member=leader)
    assert settings == [{"name": "server.databases.read_only", "value": "movies", "isDynamic": True}]
    shown = rows_only(four, "SHOW DATABASE movies YIELD name, serverID, writer WHERE writer RETURN serverID")
    assert len(shown) == 1 and shown[0]["serverID"] != model.servers[leader].server_id
    four.stop_member(leader)
    four.restart_member(leader)
    settings = rows_only(four, "SHOW SETTINGS 'server.databases.read_only' YIELD value", member=leader)
    assert settings == [{"value": ""}]  # "Changes do not persist and are lost if the server is restarted"


def test_system_cannot_be_made_read_only(four):
    with pytest.raises(neo4j.exceptions.ClientError) as failure:
        system_rows(four, "CALL dbms.setConfigValue('server.databases.read_only', 'system')", member="server1")
    assert "server.databases.read_only" in failure.value.message


@pytest.mark.parametrize("mode", ["unavailable", "starting"])
def test_member_stuck_on_rejoin(four, mode):
    four.stick_on_rejoin("server3", mode)
    four.stop_member("server3")
    four.restart_member("server3", version=NEW)
    servers = rows_only(four, "SHOW SERVERS YIELD name, health, version WHERE name = 'server3' "
                        "RETURN health, version")
    assert servers == [{"health": "Unavailable" if mode == "unavailable" else "Available", "version": NEW}]
    dbs = rows_only(four, "SHOW DATABASE movies YIELD serverID, currentStatus RETURN serverID, currentStatus")
    status = {r["serverID"]: r["currentStatus"] for r in dbs}
    assert status[four.model.servers["server3"].server_id] == ("unknown" if mode == "unavailable" else "starting")
    with four.model.lock:
        assert four.model.databases["movies"].writer != "server3"
    # reads still work through the cluster and never land on the stuck member
    with neo4j.GraphDatabase.driver(four.routing_uri(), auth=AUTH) as driver:
        table = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_="movies",
                                     routing_=neo4j.RoutingControl.READ)
        assert table.records[0]["n"] == 0
    four.stick_on_rejoin("server3", None)
    four.stop_member("server3")
    four.restart_member("server3")
    assert four.model.servers["server3"].serving


def test_stuck_members_from_the_environment():
    assert stuck_from_environment("server3, server4:starting") == {"server3": "unavailable", "server4": "starting"}
    with pytest.raises(ValueError):
        stuck_from_environment("server3:sideways")


def test_control_endpoint_stops_and_starts_members_on_a_release(four):
    url = four.start_control()

    def post(path, body):
        request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.load(answer)

    assert post("/members/server4/stop", {})["up"] is False
    assert not four.bolt_server("server4").running
    state = post("/members/server4/start", {"version": NEW})
    assert state == {"member": "server4", "up": True, "version": NEW, "stuck": None}
    with pytest.raises(urllib.error.HTTPError) as missing:
        post("/members/server9/stop", {})
    assert missing.value.code == 404

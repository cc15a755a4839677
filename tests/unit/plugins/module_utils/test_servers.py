"""Planning, refusals and the settled check of neo4j_server (plugins/module_utils/servers.py), without a server."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import servers


def server(name, state="Enabled", hosting=("system",), mode="NONE", **extra):
    row = dict(serverId=name + "-id", name=name, address=name + ":7687", state=state, health="Available",
               hosting=list(hosting), requestedHosting=list(hosting), modeConstraint=mode, allowedDatabases=[],
               deniedDatabases=[], tags=[])
    row.update(extra)
    return row


def db(name, server_id, p=2, s=0, current="online"):
    return dict(name=name, type="standard", serverID=server_id, currentStatus=current, requestedStatus="online",
                requestedPrimariesCount=p, requestedSecondariesCount=s)


CLUSTER = [server("s1", hosting=("system", "movies")), server("s2", hosting=("system", "movies")), server("s3")]
DATABASES = [db("movies", "s1-id"), db("movies", "s2-id")]


def plan(row, **params):
    return servers.plan(params, CLUSTER, DATABASES, row)


def test_find_by_name_id_address_or_new_name():
    assert servers.find(CLUSTER, "s2")["name"] == "s2"
    assert servers.find(CLUSTER, "s3-id")["name"] == "s3"
    assert servers.find(CLUSTER, "s1:7687")["name"] == "s1"
    assert servers.find(CLUSTER, "old-name", new_name="s3")["name"] == "s3"  # rerun after a rename
    assert servers.find(CLUSTER, "nope") is None


def test_transitions_send_only_what_is_needed():
    assert plan(CLUSTER[2], state="cordoned") == [(servers.CORDON, {"server": "s3-id"})]
    assert plan(server("s3", state="Cordoned"), state="cordoned") == []
    assert plan(server("s3", state="Cordoned"), state="enabled") == [(servers.ENABLE, {"server": "s3-id"})]
    assert plan(server("s3", state="Free"), state="enabled") == [(servers.ENABLE, {"server": "s3-id"})]
    assert plan(CLUSTER[2], state="enabled") == []
    assert plan(server("s3", state="Deallocated"), state="dropped") == [(servers.DROP, {"server": "s3-id"})]
    assert plan(server("s3", state="Dropped"), state="dropped") == []
    assert plan(server("s3", state="Deallocated"), state="deallocated") == []


def test_options_are_sent_in_full_and_only_when_they_differ():
    row = server("s3", mode="SECONDARY", tags=["eu"])
    [(query, values)] = plan(row, tags=["us"])
    assert query == servers.ALTER
    assert values["options"] == {"modeConstraint": "SECONDARY", "allowedDatabases": [], "deniedDatabases": [],
                                 "tags": ["us"]}  # the mode constraint is kept: ALTER SERVER replaces all options
    assert plan(row, tags=["eu"], mode_constraint="SECONDARY") == []
    [(query, values)] = plan(server("s3", state="Free"), state="enabled", tags=["eu"])
    assert query == servers.ENABLE_WITH_OPTIONS and values["options"]["tags"] == ["eu"]
    allowed = server("s3", deniedDatabases=["x"])
    [(query, values)] = plan(allowed, allowed_databases=["movies"])
    assert values["options"]["deniedDatabases"] == [] and values["options"]["allowedDatabases"] == ["movies"]


@pytest.mark.parametrize("row, params, pattern", [
    (CLUSTER[0], dict(state="dropped"), r"it is Enabled and still hosts movies"),
    (server("s3", state="Deallocating"), dict(state="enabled"), r"cannot undo"),
    (server("s3", state="Free"), dict(state="cordoned"), r"only an Enabled server"),
    (CLUSTER[0], dict(name="s2"), r"another server has that name"),
])
def test_refusals(row, params, pattern):
    with pytest.raises(servers.ServerRefused, match=pattern):
        plan(row, **params)


def test_refuses_the_last_server_that_can_host_a_primary():
    cluster = [server("s1"), server("s2", mode="SECONDARY"), server("s3", state="Cordoned")]
    for state in ("cordoned", "deallocated"):
        with pytest.raises(servers.ServerRefused, match="last Enabled server that can host a primary"):
            servers.plan(dict(state=state), cluster, [], cluster[0])


def test_deallocation_blocks_name_the_databases():
    single = [db("solo", "s1-id", p=1)]
    row = server("s1", hosting=("system", "solo"))
    with pytest.raises(servers.ServerRefused, match="hosts solo with a single primary"):
        servers.plan(dict(state="deallocated"), CLUSTER + [row], single, row)
    wide = [db("wide", "s1-id", p=3, s=1)]
    row = server("s1", hosting=("system", "wide"))
    with pytest.raises(servers.ServerRefused, match=r"wide \(needs 4 servers, 2 other Enabled\)"):
        servers.plan(dict(state="deallocated"), [row, server("s2"), server("s3")], wide, row)
    offline = [db("movies", "s1-id", current="starting"), db("movies", "s2-id")]
    with pytest.raises(servers.ServerRefused, match="movies are not online"):
        servers.plan(dict(state="deallocated"), CLUSTER, offline, CLUSTER[0])


def test_unsettled_names_what_is_stuck():
    moving = [server("s1", state="Deallocating", hosting=("system", "movies"), requestedHosting=["system"]),
              server("s2", hosting=("system",), requestedHosting=["system", "movies"])]
    problems = servers.unsettled(moving, [db("movies", "s1-id"), db("movies", "s2-id", current="starting")],
                                 "s1-id", "Deallocated")
    assert any("server s1 hosts" in p for p in problems)
    assert any("not yet Deallocated" in p for p in problems)
    assert any("database movies is starting on server s2-id" in p for p in problems)
    assert servers.unsettled(CLUSTER, DATABASES) == []
    assert servers.unsettled(CLUSTER, [db("movies", "s1-id")]) == ["database movies has 1 of its 2 copies"]


def test_validate_refuses_contradictions():
    for params, pattern in [(dict(server="a", allowed_databases=["db1"], denied_databases=["db2"]), "mutually exclusive"),
                            (dict(server="a", tags=["eu", "eu"]), "duplicate"),
                            (dict(server="a", state="dropped", tags=["eu"]), "cannot be set with state=dropped"),
                            (dict(server=""), "server:")]:
        with pytest.raises(ValueError, match=pattern):
            servers.validate(params)


@pytest.mark.parametrize("option", ["allowed_databases", "denied_databases"])
def test_validate_refuses_illegal_database_names_naming_the_option(option):
    with pytest.raises(ValueError, match="^%s: database name 'x;DROP DATABASE neo4j'" % option):
        servers.validate({"server": "server1", option: ["neo4j", "x;DROP DATABASE neo4j"]})

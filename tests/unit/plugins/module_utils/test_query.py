"""Pure logic of neo4j_query: routing, changed from counters, check mode."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import query


class Outcome:
    def __init__(self, rows, counters):
        self.rows = rows
        self.counters = counters
        self.notifications = []


class RecordingClient:
    """Keeps what ran where, and answers like the connection layer's QueryResult."""

    def __init__(self, counters=None):
        self.counters = counters or {"contains_updates": False, "contains_system_updates": False}
        self.ran = []

    def read(self, q, params=None, database=None):
        self.ran.append(("read", q, params, database))
        return Outcome([{"n": 1}], self.counters)

    def write(self, q, params=None, database=None):
        self.ran.append(("write", q, params, database))
        return Outcome([{"n": 1}], self.counters)


@pytest.mark.parametrize("counters, changed", [
    ({}, False),
    ({"contains_updates": False, "contains_system_updates": False}, False),
    ({"contains_updates": True, "nodes_created": 1}, True),
    ({"contains_updates": False, "contains_system_updates": True, "system_updates": 1}, True),
])
def test_changed_from_counters(counters, changed):
    assert query.changed_from_counters(counters) is changed


def test_write_routing_runs_a_write_transaction_on_the_named_database():
    client = RecordingClient({"contains_updates": True, "nodes_created": 2})
    result = query.run_query(client, "CREATE (:A), (:A)", {"x": 1}, "movies")
    assert client.ran == [("write", "CREATE (:A), (:A)", {"x": 1}, "movies")]
    assert result["changed"] is True
    assert result["rows"] == [{"n": 1}] and result["row_count"] == 1
    assert result["counters"]["nodes_created"] == 2
    assert result["skipped_in_check_mode"] is False


def test_read_routing_runs_a_read_transaction():
    client = RecordingClient()
    result = query.run_query(client, "MATCH (n) RETURN count(n) AS n", None, None, routing="read")
    assert client.ran == [("read", "MATCH (n) RETURN count(n) AS n", {}, None)]
    assert result["changed"] is False


def test_check_mode_runs_read_queries():
    client = RecordingClient()
    result = query.run_query(client, "RETURN 1 AS n", routing="read", check_mode=True)
    assert len(client.ran) == 1
    assert result["rows"] == [{"n": 1}]
    assert result["skipped_in_check_mode"] is False


def test_check_mode_skips_write_queries():
    client = RecordingClient({"contains_updates": True})
    result = query.run_query(client, "CREATE (:A)", routing="write", check_mode=True)
    assert client.ran == []
    assert result["changed"] is False
    assert result["skipped_in_check_mode"] is True
    assert result["rows"] == [] and result["counters"] == {}
    assert "not run" in result["msg"]


def test_unknown_routing():
    with pytest.raises(ValueError):
        query.run_query(RecordingClient(), "RETURN 1", routing="route")


def test_secret_parameters_join_the_parameters():
    assert query.all_parameters({"name": "alice"}, {"password": "s3cret"}) == {"name": "alice", "password": "s3cret"}
    assert query.all_parameters(None, None) == {}


def test_a_parameter_given_twice_is_refused_by_name():
    with pytest.raises(ValueError, match="^parameters and secret_parameters both give 'password'; give each"):
        query.all_parameters({"password": "a", "name": "x"}, {"password": "b"})


@pytest.mark.parametrize("name", ["a`b", "x;DROP DATABASE neo4j", "$param", "white space", "", "_hidden"])
def test_validate_refuses_a_database_that_is_no_name_naming_the_option(name):
    with pytest.raises(ValueError, match="^database: "):
        query.validate({"database": name, "parameters": {}, "secret_parameters": {}})


@pytest.mark.parametrize("name", [None, "system", "SYSTEM", "neo4j", "movies-2024.01", "my_alias", "composite.alias"])
def test_validate_accepts_system_databases_and_aliases(name):
    query.validate({"database": name, "parameters": {}, "secret_parameters": {}})

"""The result-key rule (plugins/module_utils/results.py): Neo4j's columns leave the modules as snake_case keys,
one key per concept, values untouched."""

from ansible_collections.graphops.neo4j.plugins.module_utils import results

# SHOW DATABASES YIELD * on 5.26 and 2025.12 (one allocation), as the simulator and Neo4j's docs list the columns.
DATABASE_ROW = {
    "name": "movies", "type": "standard", "aliases": ["films"], "access": "read-write", "databaseID": "DB1",
    "serverID": "id-1", "address": "db1:7687", "role": "primary", "writer": True, "requestedStatus": "online",
    "currentStatus": "online", "statusMessage": "", "default": False, "home": False, "currentPrimariesCount": 1,
    "currentSecondariesCount": 0, "requestedPrimariesCount": 1, "requestedSecondariesCount": 0,
    "creationTime": "2026-01-01T00:00:00Z", "lastStartTime": "2026-01-01T00:00:01Z", "lastStopTime": None,
    "store": "block-block-1.1", "lastCommittedTxn": 7, "replicationLag": 0, "constituents": [],
    "options": {"seedURI": "s3://b/movies.backup", "txLogEnrichment": "FULL"}, "defaultLanguage": "CYPHER 5",
    "currentPropertyShardReplicas": None, "shardTxnLag": None,
}


def test_neo4j_columns_become_snake_case_keys_and_values_stay():
    out = results.snake_columns(DATABASE_ROW)
    assert out["requested_status"] == "online" and out["current_status"] == "online" and out["status_message"] == ""
    assert out["server_id"] == "id-1" and out["database_id"] == "DB1" and out["last_committed_txn"] == 7
    assert out["requested_primaries_count"] == 1 and out["default_language"] == "CYPHER 5"
    assert out["current_property_shard_replicas"] is None and out["shard_txn_lag"] is None
    # a map of Neo4j's option names is a value: its keys stay as one writes them in OPTIONS {...}
    assert out["options"] == {"seedURI": "s3://b/movies.backup", "txLogEnrichment": "FULL"}
    assert all(key == key.lower() for key in out)
    assert len(out) == len(DATABASE_ROW)


def test_server_id_is_one_key_whichever_spelling_neo4j_uses():
    """SHOW SERVERS says serverId, SHOW DATABASES serverID: one concept, one key."""
    assert "server_id" in results.snake_columns({"serverId": "x", "modeConstraint": "NONE", "requestedHosting": []})
    assert "server_id" in results.snake_columns({"serverID": "x"})


def test_a_database_keeps_its_member_names_and_converts_their_columns():
    database = {"name": "movies", "requestedStatus": "online", "writer": "dbPrimary1",
                "members": {"dbPrimary1": {"serverID": "id-1", "currentStatus": "online", "statusMessage": ""},
                            "db2:7687": {"serverID": "id-2", "currentStatus": "starting", "statusMessage": ""}}}
    out = results.database_result(database)
    assert out["requested_status"] == "online" and out["writer"] == "dbPrimary1"
    assert list(out["members"]) == ["dbPrimary1", "db2:7687"]  # server names are values, never renamed
    assert out["members"]["db2:7687"] == {"server_id": "id-2", "current_status": "starting", "status_message": ""}
    assert results.database_result(None) is None


def test_an_alias_points_at_its_target_as_the_option_says():
    row = {"name": "movies", "composite": None, "database": "movies-2", "location": "remote", "url": "neo4j+s://x",
           "user": "reader", "driver": {"ssl_enforced": True, "connection_timeout": "PT1M"},
           "properties": {"ownerTeam": "data"}, "defaultLanguage": "CYPHER 25"}
    out = results.alias_result(row)
    assert out["target"] == "movies-2" and "database" not in out
    assert out["default_language"] == "CYPHER 25"
    assert out["properties"] == {"ownerTeam": "data"}  # the user's own keys
    assert out["driver"] == {"ssl_enforced": True, "connection_timeout": "PT1M"}
    assert results.alias_result(None) is None


def test_names_used_as_keys_keep_their_spelling():
    users = {"adminUser": {"passwordChangeRequired": False, "roles": ["admin"]}}
    assert results.keyed_results(users) == {"adminUser": {"password_change_required": False, "roles": ["admin"]}}

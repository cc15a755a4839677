"""The Cypher executor's database commands, driven through the contract API over a 3-server model."""

import pytest

from cypher_calls import fails, rows, statement as sys


# ----- SHOW DATABASES -----------------------------------------------------------------------------

def test_show_databases_default_columns_one_row_per_allocation(model):
    result = sys(model, "SHOW DATABASES")
    assert result.fields == ["name", "type", "aliases", "access", "address", "role", "writer", "requestedStatus",
                             "currentStatus", "statusMessage", "default", "home", "constituents"]
    names = [r["name"] for r in rows(result)]
    assert names.count("system") == 3 and names.count("neo4j") == 1
    neo4j = [r for r in rows(result) if r["name"] == "neo4j"][0]
    assert neo4j == {"name": "neo4j", "type": "standard", "aliases": [], "access": "read-write",
                     "address": "127.0.0.1:7687", "role": "primary", "writer": True, "requestedStatus": "online",
                     "currentStatus": "online", "statusMessage": "", "default": True, "home": True,
                     "constituents": []}


def test_show_databases_yield_star_columns_in_documented_order(model):
    result = sys(model, "SHOW DATABASE neo4j YIELD *")
    assert result.fields == ["name", "type", "aliases", "access", "databaseID", "serverID", "address", "role",
                             "writer", "requestedStatus", "currentStatus", "statusMessage", "default", "home",
                             "currentPrimariesCount", "currentSecondariesCount", "requestedPrimariesCount",
                             "requestedSecondariesCount", "creationTime", "lastStartTime", "lastStopTime", "store",
                             "lastCommittedTxn", "replicationLag", "constituents", "options"]
    row = rows(result)[0]
    assert row["serverID"] == model.servers["server1"].server_id
    assert row["currentPrimariesCount"] == 1 and row["requestedSecondariesCount"] == 0
    assert row["creationTime"].tzinfo is not None and row["options"] == {}


def test_show_default_and_home_database_drop_default_and_home_columns(model):
    for query in ("SHOW DEFAULT DATABASE", "SHOW HOME DATABASE"):
        result = sys(model, query)
        assert "default" not in result.fields and "home" not in result.fields
        assert [r["name"] for r in rows(result)] == ["neo4j"]


def test_offline_server_rows_show_unknown_status_and_null_address(model):
    sys(model, "CREATE DATABASE movies TOPOLOGY 3 PRIMARIES")
    model.set_server_up("server3", False)
    result = sys(model, "SHOW DATABASE movies YIELD name, address, currentStatus, statusMessage")
    assert [None, "unknown", "Server is unavailable"] in [r[1:] for r in result.records]
    assert sum(1 for r in result.records if r[2] == "online") == 2


def test_yield_order_skip_limit_where_and_return_aggregates(model):
    for name in ("alpha", "beta", "gamma"):
        sys(model, "CREATE DATABASE %s" % name)
    result = sys(model, "SHOW DATABASES YIELD name, currentStatus ORDER BY name SKIP 1 LIMIT 3 "
                        "WHERE name <> 'beta' RETURN name ORDER BY name DESC")
    assert result.records == [["neo4j"], ["gamma"]]  # WHERE runs after SKIP/LIMIT, as in Neo4j
    result = sys(model, "SHOW DATABASES YIELD name RETURN count(DISTINCT name) AS count")
    assert result.records == [[5]]
    result = sys(model, "SHOW DATABASES WHERE name =~ 'al.*' AND currentStatus = 'online'")
    assert [r[0] for r in result.records] == ["alpha"]


def test_yield_of_unknown_column_is_a_syntax_error(model):
    error = fails(model, "SHOW DATABASES YIELD nope")
    assert error.code == "Neo.ClientError.Statement.SyntaxError"
    assert error.message.startswith("Variable `nope` not defined (line 1, column 22 (offset: 21))")


def test_health_query_from_the_upgrade_guide_finds_a_failed_database(model):
    model.start_failures["broken"] = "Unable to start database `DatabaseId{broken}`"
    sys(model, "CREATE DATABASE broken")
    result = sys(model, "SHOW DATABASES YIELD name, address, currentStatus, requestedStatus, statusMessage "
                        "WHERE currentStatus <> requestedStatus RETURN name, address, currentStatus, requestedStatus, "
                        "statusMessage")
    assert result.records == [["broken", "127.0.0.1:7687", "offline", "online",
                               "Unable to start database `DatabaseId{broken}`"]]


# ----- CREATE DATABASE ----------------------------------------------------------------------------

def test_create_database_places_topology_and_reports_system_update(model):
    result = sys(model, "create database Movies topology 2 primaries 1 secondary")
    assert result.stats == {"system-updates": 1} and result.fields == [] and result.type == "s"
    db = model.databases["movies"]  # names are normalised to lower case
    assert (db.primaries, db.secondaries) == (2, 1)
    assert sorted(a.role for a in db.allocations.values()) == ["primary", "primary", "secondary"]


def test_create_existing_database_or_alias_name_fails_unless_if_not_exists(model):
    error = fails(model, "CREATE DATABASE neo4j")
    assert error.code == "Neo.ClientError.Database.ExistingDatabaseFound"
    assert error.message == "Failed to create the specified database 'neo4j': Database already exists."
    assert error.gql_status == "42N11"
    assert sys(model, "CREATE DATABASE neo4j IF NOT EXISTS").stats == {}
    sys(model, "CREATE ALIAS films FOR DATABASE neo4j")
    assert fails(model, "CREATE DATABASE films").code == "Neo.ClientError.Database.ExistingDatabaseFound"


def test_if_not_exists_with_or_replace_is_a_syntax_error(model):
    error = fails(model, "CREATE OR REPLACE DATABASE foo IF NOT EXISTS")
    assert error.code == "Neo.ClientError.Statement.SyntaxError"
    assert "foo" not in model.databases


def test_create_or_replace_replaces_the_database(model):
    sys(model, "CREATE DATABASE foo")
    old_id = model.databases["foo"].database_id
    sys(model, "CREATE OR REPLACE DATABASE foo TOPOLOGY 2 PRIMARIES")
    assert model.databases["foo"].database_id != old_id and model.databases["foo"].primaries == 2


def test_unplaceable_topology_fails_and_changes_nothing(model):
    before = set(model.databases)
    error = fails(model, "CREATE DATABASE big TOPOLOGY 3 PRIMARIES 1 SECONDARY")
    assert error.code.startswith("Neo.ClientError")
    assert set(model.databases) == before
    sys(model, "CREATE DATABASE foo")
    assert fails(model, "CREATE OR REPLACE DATABASE foo TOPOLOGY 4 PRIMARIES").code.startswith("Neo.ClientError")
    assert "foo" in model.databases  # the failed replace did not drop it


@pytest.mark.parametrize("name,message", [
    ("ab", "The provided database name must have a length between 3 and 63 characters."),
    ("a" * 64, "The provided database name must have a length between 3 and 63 characters."),
    ("`1abc`", "Database name '1abc' is not starting with an ASCII alphabetic character."),
    ("`_abc`", "Database name '_abc' is not starting with an ASCII alphabetic character."),
    ("`my_db`", "Database name 'my_db' contains illegal characters. Use simple ascii characters, numbers, dots "
                "and dashes."),
    ("`ends-`", "Database name 'ends-' contains illegal characters. Use simple ascii characters, numbers, dots "
                "and dashes."),
    ("systemx", "Database name 'systemx' is invalid, due to the prefix 'system'."),
])
def test_database_name_rules(model, name, message):
    error = fails(model, "CREATE DATABASE %s" % name)
    assert (error.code, error.message) == ("Neo.ClientError.Statement.ArgumentError", message)


def test_name_from_parameter_and_backticks(model):
    sys(model, "CREATE DATABASE $name TOPOLOGY $p PRIMARIES", {"name": "Green-2026", "p": 2})
    assert model.databases["green-2026"].primaries == 2
    sys(model, "CREATE DATABASE `blue.v1`")
    assert "blue.v1" in model.databases


def test_options_are_validated_and_stored(model):
    error = fails(model, "CREATE DATABASE foo OPTIONS {colour: 'blue'}")
    assert error.code == "Neo.ClientError.General.InvalidArguments"
    assert error.message.startswith("Could not create database with unrecognised option: 'colour'. Expected ")
    error = fails(model, "CREATE DATABASE foo OPTIONS {existingData: 'ignore'}")
    assert error.message == "Could not create database with specified existingData 'ignore'. Expected 'use'."
    assert fails(model, "CREATE DATABASE foo OPTIONS {storeFormat: 'fancy'}").code == \
        "Neo.ClientError.General.InvalidArguments"
    assert fails(model, "CREATE DATABASE foo OPTIONS {existingDataSeedServer: 'nope'}").gql_status == "52N19"
    sys(model, "CREATE DATABASE foo OPTIONS {existingData: 'use', seedURI: $uri, seedCredentials: 'a;b', "
               "txLogEnrichment: 'full'}", {"uri": "s3://bucket/foo.backup"})
    assert model.databases["foo"].options == {"existingData": "use", "seedURI": "s3://bucket/foo.backup",
                                              "txLogEnrichment": "FULL"}
    assert rows(sys(model, "SHOW DATABASE foo YIELD options"))[0]["options"] == {"txLogEnrichment": "FULL"}


def test_seed_options_with_or_replace_are_refused_on_5_26(model):
    sys(model, "CREATE DATABASE foo")
    error = fails(model, "CREATE OR REPLACE DATABASE foo OPTIONS {existingData: 'use', seedURI: 's3://b/k'}")
    assert error.code == "Neo.ClientError.General.InvalidArguments"
    model.version = "2025.01.0"
    sys(model, "CREATE OR REPLACE DATABASE foo OPTIONS {seedURI: 's3://b/k'}")
    assert model.databases["foo"].options["seedURI"] == "s3://b/k"


# ----- WAIT -----------------------------------------------------------------------------------------

def test_wait_returns_caught_up_rows_once_started(model):
    model.start_delay = 0.2
    result = sys(model, "CREATE DATABASE slow TOPOLOGY 2 PRIMARIES WAIT 5 SECONDS")
    assert result.fields == ["address", "state", "message", "success"]
    assert result.records == [["127.0.0.1:7687", "CaughtUp", "caught up", True],
                              ["127.0.0.1:7688", "CaughtUp", "caught up", True]]
    assert all(r["currentStatus"] == "online" for r in rows(sys(model, "SHOW DATABASE slow")))


def test_nowait_returns_while_the_database_is_still_starting(model):
    model.start_delays["slow"] = 30
    result = sys(model, "CREATE DATABASE slow NOWAIT")
    assert result.records == []
    assert rows(sys(model, "SHOW DATABASE slow"))[0]["currentStatus"] == "starting"


def test_wait_timeout_reports_catching_up_and_failure(model):
    model.start_delays["slow"] = 30
    result = sys(model, "CREATE DATABASE slow WAIT 1 SECOND")
    assert result.records == [["127.0.0.1:7687", "CatchingUp", "server is still catching up", False]]
    model.start_failures["bad"] = "Unable to start database"
    result = sys(model, "CREATE DATABASE bad TOPOLOGY 2 PRIMARIES WAIT")
    assert [r[1:] for r in result.records] == [["Failed", "Unable to start database", False]] * 2


def test_stop_start_and_drop_with_wait(model):
    sys(model, "CREATE DATABASE foo TOPOLOGY 2 PRIMARIES")
    result = sys(model, "STOP DATABASE foo WAIT")
    assert [r[1] for r in result.records] == ["CaughtUp", "CaughtUp"]
    assert {r["currentStatus"] for r in rows(sys(model, "SHOW DATABASE foo"))} == {"offline"}
    assert {r["requestedStatus"] for r in rows(sys(model, "SHOW DATABASE foo"))} == {"offline"}
    model.start_delay = 0.1
    sys(model, "START DATABASE foo WAIT 10 SEC")
    assert {r["currentStatus"] for r in rows(sys(model, "SHOW DATABASE foo"))} == {"online"}
    result = sys(model, "DROP DATABASE foo WAIT")
    assert result.records[0][1:] == ["CaughtUp", "caught up", True]
    assert "foo" not in model.databases


def test_start_failure_then_retry(model):
    model.start_failures["flaky"] = "boom"
    sys(model, "CREATE DATABASE flaky")
    assert rows(sys(model, "SHOW DATABASE flaky"))[0]["currentStatus"] == "offline"
    del model.start_failures["flaky"]
    sys(model, "START DATABASE flaky")
    assert rows(sys(model, "SHOW DATABASE flaky"))[0]["currentStatus"] == "online"


# ----- DROP / ALTER --------------------------------------------------------------------------------

def test_drop_missing_database(model):
    error = fails(model, "DROP DATABASE nope")
    assert error.code == "Neo.ClientError.Database.DatabaseNotFound"
    assert error.message == "Failed to delete the specified database 'nope': Database does not exist."
    assert sys(model, "DROP DATABASE nope IF EXISTS").stats == {}


def test_drop_refused_while_local_aliases_point_at_it_unless_cascade(model):
    sys(model, "CREATE DATABASE movies")
    sys(model, "CREATE ALIAS films FOR DATABASE movies")
    sys(model, "CREATE ALIAS remote FOR DATABASE movies AT 'neo4j+s://elsewhere:7687' USER bob PASSWORD 'secret'")
    error = fails(model, "DROP DATABASE movies")
    assert error.gql_status == "42N82"
    assert error.message == ("Failed to delete the specified database 'movies': Database has one or more "
                             "aliases. Drop the aliases: ['films'] before dropping the database.")
    sys(model, "DROP DATABASE movies CASCADE ALIASES DESTROY DATA")
    assert "movies" not in model.databases and "films" not in model.aliases
    assert "remote" in model.aliases  # remote aliases do not block and are not cascaded


def test_system_cannot_be_dropped_or_stopped(model):
    assert fails(model, "DROP DATABASE system").gql_status == "51N69"
    assert fails(model, "STOP DATABASE system").gql_status == "51N69"
    assert "system" in model.databases


def test_alter_access_topology_and_options(model):
    sys(model, "CREATE DATABASE foo")
    sys(model, "ALTER DATABASE foo SET ACCESS READ ONLY")
    assert rows(sys(model, "SHOW DATABASE foo"))[0]["access"] == "read-only"
    sys(model, "ALTER DATABASE foo SET TOPOLOGY 3 PRIMARIES")
    assert len(model.databases["foo"].allocations) == 3
    error = fails(model, "ALTER DATABASE foo SET TOPOLOGY 1 PRIMARY")
    assert error.code == "Neo.ClientError.Statement.ArgumentError" and model.databases["foo"].primaries == 3
    sys(model, "ALTER DATABASE foo SET OPTION txLogEnrichment 'DIFF'")
    assert model.databases["foo"].options["txLogEnrichment"] == "DIFF"
    sys(model, "ALTER DATABASE foo REMOVE OPTION txLogEnrichment")
    assert "txLogEnrichment" not in model.databases["foo"].options
    assert fails(model, "ALTER DATABASE foo SET OPTION storeFormat 'block'").code == \
        "Neo.ClientError.General.InvalidArguments"
    assert fails(model, "ALTER DATABASE nope SET ACCESS READ WRITE").code == \
        "Neo.ClientError.Database.DatabaseNotFound"
    assert sys(model, "ALTER DATABASE nope IF EXISTS SET ACCESS READ WRITE").stats == {}


# ----- where commands may run ----------------------------------------------------------------------

def test_admin_commands_need_system(model):
    error = fails(model, "CREATE DATABASE foo", database="neo4j")
    assert error.code == "Neo.ClientError.Statement.NotSystemDatabaseError"
    assert error.message == ("This is an administration command and it should be executed against the system "
                             "database: CREATE DATABASE")
    assert "foo" not in model.databases


def test_admin_writes_on_a_follower_are_not_a_leader(model):
    error = fails(model, "CREATE DATABASE foo", member="server2")
    assert error.code == "Neo.ClientError.Cluster.NotALeader"
    assert "foo" not in model.databases
    assert rows(sys(model, "SHOW DATABASES", member="server2"))  # reads are fine on followers
    model.move_leader("server2")
    sys(model, "CREATE DATABASE foo", member="server2")
    assert "foo" in model.databases


def test_session_database_missing_or_unavailable(model):
    error = fails(model, "RETURN 1", database="nope")
    assert error.code == "Neo.ClientError.Database.DatabaseNotFound"
    sys(model, "STOP DATABASE neo4j")
    assert fails(model, "RETURN 1", database="neo4j").code == "Neo.TransientError.General.DatabaseUnavailable"
    sys(model, "CREATE DATABASE two TOPOLOGY 2 PRIMARIES")
    assert fails(model, "RETURN 1", database="two", member="server3").code == \
        "Neo.TransientError.General.DatabaseUnavailable"


def test_admin_commands_need_the_admin_role(model):
    model.add_user("bob", "password", roles=())
    error = fails(model, "CREATE DATABASE foo", user="bob")
    assert error.code == "Neo.ClientError.Security.Forbidden"
    assert error.message.startswith("Permission denied for CREATE DATABASE.")
    assert rows(sys(model, "SHOW DATABASES", user="bob"))  # listing is open to every user


def test_show_servers_columns(model):
    result = sys(model, "SHOW SERVERS")
    assert result.fields == ["name", "address", "state", "health", "hosting"]
    # "When first discovered, a server's name defaults to the value of its generated server ID" (servers.adoc).
    first = model.servers["server1"]
    assert result.records[0] == [first.server_id, "127.0.0.1:7687", "Enabled", "Available", ["neo4j", "system"]]
    model.rename_server("server3", "eu-server-3")
    model.set_server_up("server3", False)
    result = sys(model, "SHOW SERVERS YIELD * WHERE health = 'Unavailable'")
    assert result.fields == ["serverId", "name", "address", "httpAddress", "httpsAddress", "state", "health",
                             "hosting", "requestedHosting", "tags", "allowedDatabases", "deniedDatabases",
                             "modeConstraint", "version"]
    assert [r[:2] for r in result.records] == [[model.servers["server3"].server_id, "eu-server-3"]]
    assert result.records[0][3] == "127.0.0.1:7476"  # every server advertises its HTTP address
    assert result.records[0][-1] == model.version


def test_drop_with_dump_data_records_the_dump(model):
    sys(model, "CREATE DATABASE foo")
    sys(model, "DROP DATABASE foo DUMP DATA")
    assert model.dumps == ["foo"] and "foo" not in model.databases


@pytest.mark.parametrize("shown, expected", [
    ("documented", {"txLogEnrichment": "FULL"}),
    ("set", {"existingData": "use", "seedURI": "s3://bucket/movies.backup", "txLogEnrichment": "FULL"}),
])
def test_show_databases_options_under_each_setting(model, shown, expected):
    """Switch ``database_options_shown``: the manual shows txLogEnrichment in `options`; whether creation options
    stay visible is not documented.  seedCredentials never shows."""
    model.database_options_shown = shown
    sys(model, "CREATE DATABASE movies OPTIONS {existingData: 'use', seedURI: 's3://bucket/movies.backup', "
               "seedCredentials: 'id;secret', txLogEnrichment: 'FULL'}")
    result = sys(model, "SHOW DATABASE movies YIELD name, options")
    assert result.records[0][1] == expected

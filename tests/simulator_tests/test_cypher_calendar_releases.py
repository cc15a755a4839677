"""What the executor does differently on the calendar releases (2025.x/2026.x): columns, Cypher 25, WAIT
notifications, CREATE DATABASE options and DEFAULT LANGUAGE.  Each test names the release it models."""

import pytest

from cypher_calls import fails, rows, statement as sys
from simulator.model import ClusterModel


def make_model(version, default_language=None):
    m = ClusterModel(version=version, default_language=default_language)
    for i in range(3):
        m.add_server("server%d" % (i + 1), "127.0.0.1", 7687 + i)
    m.bootstrap()
    m.add_user("neo4j", "password")
    return m


# ----- SHOW columns per release ---------------------------------------------------------------------

def test_show_databases_yield_star_gains_default_language_in_2025_06():
    result = sys(make_model("2025.06.0"), "SHOW DATABASE neo4j YIELD *")
    assert result.fields[-4:] == ["replicationLag", "constituents", "defaultLanguage", "options"]
    assert rows(result)[0]["defaultLanguage"] == "CYPHER 5"
    default = sys(make_model("2025.06.0"), "SHOW DATABASES")
    assert "defaultLanguage" not in default.fields  # not a default column


def test_show_databases_yield_star_of_2025_12_has_the_shard_columns_in_documented_order():
    result = sys(make_model("2025.12.1"), "SHOW DATABASE neo4j YIELD *")
    assert result.fields == [
        "name", "type", "aliases", "access", "databaseID", "serverID", "address", "role", "writer",
        "requestedStatus", "currentStatus", "statusMessage", "default", "home", "currentPrimariesCount",
        "currentSecondariesCount", "currentPropertyShardReplicas", "requestedPrimariesCount",
        "requestedSecondariesCount", "requestedPropertyShardReplicas", "creationTime", "lastStartTime",
        "lastStopTime", "store", "lastCommittedTxn", "replicationLag", "shardTxnLag", "constituents", "graphShards",
        "propertyShards", "defaultLanguage", "options"]
    row = rows(result)[0]
    assert row["graphShards"] == ["neo4j"] and row["propertyShards"] == []
    single = sys(make_model("2025.12.1"), "SHOW HOME DATABASE YIELD *")
    assert "home" not in single.fields and "defaultLanguage" in single.fields


def test_show_aliases_columns_per_release():
    for version, default, extra in [
        ("5.26.0", ["name", "composite", "database", "location", "url", "user"], ["driver", "properties"]),
        ("2025.06.0", ["name", "composite", "database", "location", "url", "user"],
         ["driver", "defaultLanguage", "properties"]),
        ("2026.01.3", ["name", "composite", "database", "location", "url", "credentials", "user"],
         ["driver", "defaultLanguage", "properties"]),
    ]:
        model = make_model(version)
        sys(model, "CREATE ALIAS films FOR DATABASE neo4j")
        sys(model, "CREATE ALIAS far FOR DATABASE movies AT 'neo4j+s://remote:7687' USER bob PASSWORD 'secret'")
        assert sys(model, "SHOW ALIASES FOR DATABASE").fields == default, version
        result = sys(model, "SHOW ALIASES FOR DATABASE YIELD *")
        assert result.fields == default + extra, version
    by_name = {r["name"]: r for r in rows(result)}
    assert by_name["far"]["credentials"] == "STORED NATIVE CREDENTIALS" and by_name["films"]["credentials"] is None
    assert by_name["far"]["defaultLanguage"] == "CYPHER 5" and by_name["films"]["defaultLanguage"] is None


def test_show_users_yield_star_gains_tags_in_2026_06():
    assert sys(make_model("2026.05.0"), "SHOW USERS YIELD *").fields == [
        "user", "roles", "passwordChangeRequired", "suspended", "home"]
    result = sys(make_model("2026.06.0"), "SHOW USERS YIELD *")
    assert result.fields[-1] == "tags" and rows(result)[0]["tags"] == []
    assert "tags" not in sys(make_model("2026.06.0"), "SHOW USERS").fields


# ----- Cypher versions --------------------------------------------------------------------------------

def language_of(model, name):
    return rows(sys(model, "SHOW DATABASE $n YIELD defaultLanguage", {"n": name}))[0]["defaultLanguage"]


def test_initial_databases_take_the_configured_language():
    assert language_of(make_model("2025.10.1"), "system") == "CYPHER 5"
    assert language_of(make_model("2026.07.0"), "system") == "CYPHER 25"  # neo4j.conf ships CYPHER_25
    switched = make_model("2026.07.0", default_language=5)  # db.query.default_language=CYPHER_5
    assert language_of(switched, "system") == "CYPHER 5" and language_of(switched, "neo4j") == "CYPHER 5"


def test_default_language_on_create_and_alter():
    model = make_model("2025.10.1")
    sys(model, "CREATE DATABASE modern DEFAULT LANGUAGE CYPHER 25 TOPOLOGY 2 PRIMARIES")
    sys(model, "CREATE DATABASE classic")
    assert (language_of(model, "modern"), language_of(model, "classic")) == ("CYPHER 25", "CYPHER 5")
    assert model.databases["modern"].primaries == 2
    sys(model, "ALTER DATABASE classic SET DEFAULT LANGUAGE CYPHER 25")
    assert language_of(model, "classic") == "CYPHER 25"
    assert fails(model, "CREATE DATABASE odd DEFAULT LANGUAGE CYPHER 6").code == "Neo.ClientError.Statement.SyntaxError"


def test_default_language_is_a_syntax_error_on_5_26():
    model = make_model("5.26.0")
    error = fails(model, "CREATE DATABASE modern DEFAULT LANGUAGE CYPHER 25")
    assert error.code == "Neo.ClientError.Statement.SyntaxError"
    assert error.message.startswith("Invalid input 'DEFAULT': expected ")
    assert "(line 1, column 24 (offset: 23))" in error.message
    assert fails(model, "ALTER DATABASE neo4j SET DEFAULT LANGUAGE CYPHER 5").message.startswith(
        "Invalid input 'DEFAULT'")
    assert fails(model, "CYPHER 25 SHOW DATABASES").code == "Neo.ClientError.Statement.SyntaxError"
    assert "modern" not in model.databases


def test_set_forms_need_cypher_25():
    model = make_model("2025.10.1")  # system runs Cypher 5
    error = fails(model, "CREATE DATABASE foo SET TOPOLOGY 2 PRIMARIES")
    # what Neo4j's Cypher 5 grammar expects there (@neo4j-cypher/language-support, tests/lint)
    assert error.message == ("Invalid input 'SET': expected a database name, \"DEFAULT LANGUAGE CYPHER\", "
                             "\"IF NOT EXISTS\", \"NOWAIT\", \"OPTIONS\", \"TOPOLOGY\", \"WAIT\" or <EOF> "
                             "(line 1, column 21 (offset: 20))")
    error = fails(model, "CREATE DATABASE foo DEFAULT LANGUAGE CYPHER 5 SET TOPOLOGY 2 PRIMARIES")
    assert error.message.startswith("Invalid input 'SET': expected \"NOWAIT\", \"OPTIONS\", \"TOPOLOGY\", \"WAIT\" or ")
    assert fails(model, "ALTER DATABASE neo4j SET DEFAULT LANGUAGE CYPHER 7").message.startswith(
        "Invalid Cypher version '7'. Valid Cypher versions are: 5, 25")
    sys(model, "CYPHER 25 CREATE DATABASE foo SET DEFAULT LANGUAGE CYPHER 5 SET TOPOLOGY 2 PRIMARIES")
    assert model.databases["foo"].primaries == 2 and language_of(model, "foo") == "CYPHER 5"
    sys(make_model("2026.07.0"), "CREATE DATABASE bar SET TOPOLOGY 1 PRIMARY")  # system runs Cypher 25


def test_the_prefix_overrides_the_database_language():
    model = make_model("2026.07.0")
    assert sys(model, "CREATE DATABASE aaa WAIT").fields == []  # Cypher 25 (system)
    assert sys(model, "CYPHER 5 CREATE DATABASE bbb WAIT").fields == ["address", "state", "message", "success"]
    old = make_model("2025.10.1")
    assert sys(old, "CREATE DATABASE ccc WAIT").fields == ["address", "state", "message", "success"]
    assert sys(old, "CYPHER 25 CREATE DATABASE ddd WAIT").fields == []


# ----- WAIT in Cypher 25 ------------------------------------------------------------------------------

def codes(result):
    return [(n.gql_status, n.neo4j_code.rsplit(".", 1)[1]) for n in result.notifications]


def test_cypher_25_wait_returns_one_notification_per_server():
    model = make_model("2026.07.0")
    model.start_delay = 0.1
    result = sys(model, "CREATE DATABASE slow TOPOLOGY 2 PRIMARIES WAIT 5 SECONDS")
    assert result.records == [] and result.fields == []
    assert codes(result) == [("03N85", "ServerCaughtUp")] * 2
    first = result.notifications[0]
    server = model.servers["server1"]
    assert first.description == "Server `ServerId{%s}` at address `%s` has caught up." % (
        server.server_id[:8], server.address)
    assert first.status_description == "info: server has caught up. " + first.description
    assert (first.severity, first.classification, first.title) == (
        "INFORMATION", "TOPOLOGY", "Server has caught up.")


def test_cypher_25_wait_reports_catching_up_failed_and_unavailable_servers():
    model = make_model("2026.07.0")
    model.start_delays["slow"] = 30
    assert codes(sys(model, "CREATE DATABASE slow WAIT 1 SECOND")) == [("01N81", "ServerCatchingUp")]
    model.start_failures["bad"] = "Unable to start database"
    result = sys(model, "CREATE DATABASE bad TOPOLOGY 2 PRIMARIES WAIT")
    assert codes(result) == [("01N80", "ServerFailed")] * 2
    assert result.notifications[0].description.endswith("failed: Unable to start database")
    assert result.notifications[0].severity == "WARNING"
    sys(model, "CREATE DATABASE wide TOPOLOGY 3 PRIMARIES")
    model.set_server_up("server3", False)
    result = sys(model, "STOP DATABASE wide WAIT")
    assert codes(result)[-1] == ("01N82", "ServerNotAvailable")
    assert result.notifications[-1].status_description.startswith("warn: server is not available. Server `")


# ----- CREATE DATABASE options --------------------------------------------------------------------------

def test_cypher_25_refuses_the_removed_options():
    model = make_model("2026.07.0")
    for option in ("seedCredentials: 'a;b'", "existingDataSeedInstance: 'x'"):
        error = fails(model, "CREATE DATABASE foo OPTIONS {seedURI: 's3://b/k', %s}" % option)
        assert error.code == "Neo.ClientError.General.InvalidArguments"
        assert error.message.startswith("Could not create database with unrecognised option: ")
    sys(model, "CREATE DATABASE foo OPTIONS {existingData: 'use', seedURI: 's3://b/k', seedSourceDatabase: 'movies',"
               " seedRestoreUntil: 123}")
    assert model.databases["foo"].options["seedSourceDatabase"] == "movies"
    # The same options in Cypher 5 on the same server: seedCredentials is still there (S3SeedProvider).
    sys(model, "CYPHER 5 CREATE DATABASE bar OPTIONS {existingData: 'use', seedURI: 's3://b/k', "
               "seedCredentials: 'a;b', seedRestoreUntil: 7}")
    assert "seedCredentials" not in model.databases["bar"].options  # a secret: never shown back
    error = fails(model, "CYPHER 5 CREATE DATABASE baz OPTIONS {seedSourceDatabase: 'movies'}")
    assert "'seedSourceDatabase'" in error.message


@pytest.mark.parametrize("version, accepted", [("5.26.0", False), ("2025.01.0", True)])
def test_seed_restore_until_arrives_in_2025_01(version, accepted):
    model = make_model(version)
    query = "CREATE DATABASE foo OPTIONS {seedURI: 's3://b/k', existingData: 'use', seedRestoreUntil: 5}"
    if accepted:
        sys(model, query)
        assert model.databases["foo"].options["seedRestoreUntil"] == 5
    else:
        assert fails(model, query).code == "Neo.ClientError.General.InvalidArguments"

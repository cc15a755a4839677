"""Aliases, users and roles through the Cypher executor."""

import pytest

from cypher_calls import fails, rows, statement as sys


@pytest.fixture
def model(model):
    """The shared model plus a database movies for the aliases to point at."""
    sys(model, "CREATE DATABASE movies")
    return model


# ----- aliases -------------------------------------------------------------------------------------

def test_local_alias_lifecycle_and_show_columns(model):
    sys(model, "CREATE ALIAS `Films` FOR DATABASE movies PROPERTIES {nameContainsSpace: false}")
    result = sys(model, "SHOW ALIASES FOR DATABASE")
    assert result.fields == ["name", "composite", "database", "location", "url", "user"]
    assert result.records == [["films", None, "movies", "local", None, None]]
    full = rows(sys(model, "SHOW ALIAS films FOR DATABASES YIELD *"))[0]
    assert full["driver"] is None and full["properties"] == {"namecontainsspace": False}
    assert rows(sys(model, "SHOW DATABASE movies"))[0]["aliases"] == ["films"]
    assert model.resolve("films").name == "movies"
    sys(model, "DROP ALIAS films FOR DATABASE")
    assert "films" not in model.aliases


def test_alias_target_must_exist_and_names_must_be_free(model):
    error = fails(model, "CREATE ALIAS films FOR DATABASE nope")
    assert error.code == "Neo.ClientError.Database.DatabaseNotFound"
    error = fails(model, "CREATE ALIAS neo4j FOR DATABASE movies")
    assert error.code == "Neo.ClientError.Database.ExistingDatabaseFound"
    assert error.message == "Failed to create the specified database alias 'neo4j': Database exists with that name."
    sys(model, "CREATE ALIAS films FOR DATABASE movies")
    error = fails(model, "CREATE ALIAS films FOR DATABASE neo4j")
    assert error.message == ("Failed to create the specified database alias 'films': Database name or alias "
                             "already exists.")
    assert sys(model, "CREATE ALIAS films IF NOT EXISTS FOR DATABASE neo4j").stats == {}
    sys(model, "CREATE OR REPLACE ALIAS films FOR DATABASE neo4j")
    assert model.aliases["films"].database == "neo4j"


def test_alter_alias_retargets_and_session_follows(model):
    sys(model, "CREATE ALIAS $alias FOR DATABASE $db", {"alias": "live", "db": "movies"})
    result = sys(model, "ALTER ALIAS live SET DATABASE TARGET neo4j")
    assert result.stats == {"system-updates": 1}
    assert sys(model, "RETURN 1", database="live").db == "neo4j"
    assert fails(model, "ALTER ALIAS live SET DATABASE TARGET nope").code == \
        "Neo.ClientError.Database.DatabaseNotFound"
    assert fails(model, "ALTER ALIAS nope SET DATABASE TARGET neo4j").message == \
        "Failed to alter the specified database alias 'nope': Database alias does not exist."
    assert sys(model, "ALTER ALIAS nope IF EXISTS SET DATABASE TARGET neo4j").stats == {}


def test_local_and_remote_aliases_cannot_be_converted(model):
    sys(model, "CREATE ALIAS live FOR DATABASE movies")
    error = fails(model, "ALTER ALIAS live SET DATABASE TARGET movies AT 'neo4j://other:7687' USER u PASSWORD 'p'")
    assert error.gql_status == "22N91"
    sys(model, "CREATE ALIAS far FOR DATABASE movies AT 'neo4j+s://other:7687' USER alice PASSWORD 'secret' "
               "DRIVER {connection_timeout: duration({seconds: 5}), logging_level: 'info'}")
    assert fails(model, "ALTER ALIAS far SET DATABASE TARGET movies").gql_status == "22N91"
    row = rows(sys(model, "SHOW ALIASES FOR DATABASE YIELD * WHERE name = 'far'"))[0]
    assert (row["location"], row["url"], row["user"]) == ("remote", "neo4j+s://other:7687", "alice")
    assert row["driver"]["logging_level"] == "INFO"
    sys(model, "ALTER ALIAS far SET DATABASE DRIVER {ssl_enforced: true}")  # replaces all driver settings
    assert model.aliases["far"].driver == {"ssl_enforced": True}
    assert model.resolve("far") is None  # a remote alias never resolves to a local database


def test_drop_missing_alias(model):
    error = fails(model, "DROP ALIAS nope FOR DATABASE")
    assert (error.code, error.message) == (
        "Neo.ClientError.Database.DatabaseNotFound",
        "Failed to delete the specified database alias 'nope': Database alias does not exist.")
    assert sys(model, "DROP ALIAS nope IF EXISTS FOR DATABASE").stats == {}


# ----- users and roles --------------------------------------------------------------------------------

def test_user_lifecycle(model):
    sys(model, "CREATE USER alice SET PASSWORD $pw CHANGE NOT REQUIRED SET STATUS SUSPENDED "
               "SET HOME DATABASE movies", {"pw": "correct horse"})
    result = sys(model, "SHOW USERS WHERE user = 'alice'")
    assert result.fields == ["user", "roles", "passwordChangeRequired", "suspended", "home"]
    assert result.records == [["alice", ["PUBLIC"], False, True, "movies"]]
    sys(model, "ALTER USER alice SET STATUS ACTIVE SET PASSWORD 'battery staple' REMOVE HOME DATABASE")
    user = model.users["alice"]
    assert (user.suspended, user.password, user.home) == (False, "battery staple", None)
    assert fails(model, "ALTER USER alice SET PASSWORD 'battery staple'").gql_status == "22N89"
    assert fails(model, "CREATE USER alice SET PASSWORD 'whatever1'").gql_status == "42N12"
    assert sys(model, "CREATE USER alice IF NOT EXISTS SET PASSWORD 'whatever1'").stats == {}
    assert model.users["alice"].password_change_required is False
    sys(model, "CREATE OR REPLACE USER alice SET PASSWORD 'whatever1'")
    assert model.users["alice"].password_change_required is True  # Neo4j's default
    sys(model, "DROP USER alice")
    assert "alice" not in model.users
    assert fails(model, "DROP USER alice").gql_status == "42N09"
    assert fails(model, "CREATE USER bob SET PASSWORD 'short'").code == "Neo.ClientError.General.InvalidArguments"


def test_cannot_drop_or_suspend_yourself(model):
    assert fails(model, "DROP USER neo4j").gql_status == "42N99"
    assert fails(model, "ALTER USER neo4j SET STATUS SUSPENDED").gql_status == "42N98"
    assert "neo4j" in model.users and not model.users["neo4j"].suspended


def test_show_current_user(model):
    result = sys(model, "SHOW CURRENT USER")
    assert result.records == [["neo4j", ["admin", "PUBLIC"], False, False, None]]


def test_roles_grant_revoke_and_show(model):
    sys(model, "CREATE USER bob SET PASSWORD 'password1' CHANGE NOT REQUIRED")
    sys(model, "CREATE ROLE ops")
    sys(model, "CREATE ROLE ops IF NOT EXISTS")
    assert fails(model, "CREATE ROLE ops").gql_status == "42N13"
    sys(model, "GRANT ROLES ops, reader TO bob")
    assert rows(sys(model, "SHOW USERS WHERE user = 'bob'"))[0]["roles"] == ["ops", "reader", "PUBLIC"]
    result = sys(model, "SHOW POPULATED ROLES WITH USERS YIELD role, member WHERE member = 'bob' RETURN role")
    assert result.records == [["PUBLIC"], ["ops"], ["reader"]]
    assert sys(model, "SHOW ROLES").fields == ["role"]
    assert sys(model, "SHOW ROLES YIELD *").fields == ["role", "immutable"]
    sys(model, "REVOKE ROLE ops FROM bob")
    assert "ops" not in model.users["bob"].roles
    assert fails(model, "GRANT ROLE nope TO bob").gql_status == "42N10"
    assert fails(model, "GRANT ROLE ops TO nobody").gql_status == "42N09"
    sys(model, "DROP ROLE ops")
    assert "ops" not in model.roles
    assert fails(model, "DROP ROLE PUBLIC").code == "Neo.ClientError.Statement.ArgumentError"


def test_role_copied_from_admin_grants_admin_commands(model):
    sys(model, "CREATE USER carol SET PASSWORD 'password1' CHANGE NOT REQUIRED")
    assert fails(model, "SHOW USERS", user="carol").code == "Neo.ClientError.Security.Forbidden"
    sys(model, "CREATE ROLE operators AS COPY OF admin")
    sys(model, "GRANT ROLE operators TO carol")
    assert sys(model, "SHOW USERS", user="carol").records


def test_user_names_with_quotes_are_literal(model):
    sys(model, "CREATE USER `o'brien` SET PASSWORD 'password1'")
    assert "o'brien" in model.users
    result = sys(model, "SHOW USERS YIELD user WHERE user = $u", {"u": "o'brien"})
    assert result.records == [["o'brien"]]

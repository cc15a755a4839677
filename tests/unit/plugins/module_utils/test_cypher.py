"""Name validation, quoting and statement builders (plugins/module_utils/cypher.py)."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import cypher


# Strings that try to break out of a name: every one must be refused by every name validator.
INJECTIONS = [
    "movies`; DROP DATABASE neo4j; //",
    "mov`ies",
    "movies'",
    'movies"',
    "movies;",
    "movies\nDROP",
    "movies\r",
    "movies\t2",
    "movies $x",
    "mov$ies",
    "movies{}",
    "movies()",
    "movies db",
    "m\u00f6vies",
    "movies\u200b",
    "movie\u0000s",
    "movies/*",
    "movies:1",
]


@pytest.mark.parametrize("name", ["abc", "movies", "Movies-2025.01", "a" * 63, "m1-2", "neo4j"])
def test_valid_database_names_are_normalised_to_lower_case(name):
    assert cypher.validate_database_name(name) == name.lower()


@pytest.mark.parametrize("name, problem", [
    ("ab", "2 characters long"),
    ("a" * 64, "64 characters long"),
    ("", "required"),
    (None, "required"),
    ("1abc", "must start with an ASCII letter"),
    ("-abc", "must start with an ASCII letter"),
    ("abc-", "must not end with '-'"),
    ("abc.", "must not end with '.'"),
    ("_abc", "the character '_'"),
    ("system", "reserved"),
    ("SystemX", "reserved"),
    ("system-2", "reserved"),
    ("my_db", "the character '_'"),
])
def test_invalid_database_names_name_the_option_and_problem(name, problem):
    with pytest.raises(cypher.InvalidName) as err:
        cypher.validate_database_name(name, "target")
    assert str(err.value).startswith("target: ")
    assert problem in str(err.value)


@pytest.mark.parametrize("bad", INJECTIONS)
@pytest.mark.parametrize("validator, option", [
    ("validate_database_name", "name"),
    ("validate_database_name", "target"),
    ("validate_database_name", "expected_target"),
    ("validate_alias_name", "name"),
])
def test_injection_attempts_are_refused_through_every_name_option(bad, validator, option):
    with pytest.raises(cypher.InvalidName) as err:
        getattr(cypher, validator)(bad, option)
    message = str(err.value)
    assert message.startswith(option + ": ")
    assert "\n" not in message and "\r" not in message  # control characters are shown escaped


@pytest.mark.parametrize("name", ["movies", "Movies_live", "a", "blue.green", "x-1", "a" * 1000])
def test_valid_alias_names(name):
    assert cypher.validate_alias_name(name) == name.lower()


@pytest.mark.parametrize("name, problem", [
    ("_movies", "reserved"),
    ("system", "reserved"),
    ("systemalias", "reserved"),
    ("movies.", "must not end with '.'"),
    ("1movies", "must start with an ASCII letter"),
    ("a" * 65535, "at most 65534"),
    ("", "required"),
])
def test_invalid_alias_names(name, problem):
    with pytest.raises(cypher.InvalidName) as err:
        cypher.validate_alias_name(name)
    assert problem in str(err.value)


def test_quote_name_doubles_backticks():
    assert cypher.quote_name("movies-2025") == "`movies-2025`"
    assert cypher.quote_name("a`b") == "`a``b`"
    assert cypher.quote_name("`; DROP DATABASE x; `") == "```; DROP DATABASE x; ```"


def test_create_database_passes_name_topology_and_options_as_parameters():
    stmt = cypher.create_database("movies", 3, 1, {"seedURI": "s3://b/k.backup", "existingData": "use", "seedCredentials": None})
    assert stmt.query == ("CREATE DATABASE $name IF NOT EXISTS TOPOLOGY $primaries PRIMARIES $secondaries SECONDARIES "
                          "OPTIONS {existingData: $option_existingData, seedURI: $option_seedURI}")
    assert stmt.params == {"name": "movies", "primaries": 3, "secondaries": 1,
                           "option_existingData": "use", "option_seedURI": "s3://b/k.backup"}


def test_create_database_refuses_unknown_options_and_bad_counts():
    with pytest.raises(ValueError):
        cypher.create_database("movies", options={"seedURI } WAIT; DROP": "x"})
    with pytest.raises(ValueError, match="topology.primaries"):
        cypher.create_database("movies", 0, 0)
    with pytest.raises(ValueError, match="topology.secondaries"):
        cypher.create_database("movies", 1, -1)


def test_statements_that_quote_names():
    assert cypher.drop_database("movies-1").query == "DROP DATABASE `movies-1` IF EXISTS DESTROY DATA"
    assert cypher.drop_database("movies", "dump").query == "DROP DATABASE `movies` IF EXISTS DUMP DATA"
    assert cypher.start_database("m.x").query == "START DATABASE `m.x`"
    assert cypher.stop_database("movies").query == "STOP DATABASE `movies`"
    assert cypher.alter_database_access("movies", "read-only").query == "ALTER DATABASE `movies` SET ACCESS READ ONLY"
    assert cypher.alter_local_alias("live", "movies-2").query == "ALTER ALIAS `live` SET DATABASE TARGET `movies-2`"


def test_remote_alias_secrets_and_settings_travel_as_parameters():
    driver = cypher.normalize_driver_settings({"connection_timeout": "1m", "ssl_enforced": True, "logging_level": "info"})
    stmt = cypher.create_remote_alias("eu", "movies", "neo4j+s://eu:7687", "bob", "s3cret'; DROP", driver, {"team": "graph"})
    assert "s3cret" not in stmt.query and "bob" not in stmt.query and "eu:7687" not in stmt.query
    assert stmt.query == ("CREATE ALIAS $name FOR DATABASE `movies` AT $url USER $user PASSWORD $password "
                          "DRIVER {connection_timeout: duration($driver_connection_timeout), logging_level: $driver_logging_level, "
                          "ssl_enforced: $driver_ssl_enforced} PROPERTIES {team: $property_team}")
    assert stmt.params["password"] == "s3cret'; DROP"
    assert stmt.params["driver_connection_timeout"] == "PT60S"
    assert stmt.params["driver_logging_level"] == "INFO"


@pytest.mark.parametrize("key", ["a b", "x}) DROP", "1x", "", "k`"])
def test_map_keys_must_be_plain_identifiers(key):
    with pytest.raises(ValueError):
        cypher.create_local_alias("live", "movies", {key: 1})


@pytest.mark.parametrize("value, iso", [(30, "PT30S"), (1.5, "PT1.5S"), ("30s", "PT30S"), ("5m", "PT300S"),
                                        ("1h", "PT3600S"), ("500ms", "PT0.5S"), ("pt1m", "PT1M"), ("P1DT2H", "P1DT2H")])
def test_durations(value, iso):
    assert cypher.to_iso_duration(value, "driver.connection_timeout") == iso


@pytest.mark.parametrize("value", ["soon", "-5s", True, "1 minute", "PT"])
def test_bad_durations_name_the_setting(value):
    with pytest.raises(ValueError, match="driver.connection_timeout"):
        cypher.normalize_driver_settings({"connection_timeout": value})


def test_unknown_driver_setting():
    with pytest.raises(ValueError, match="unknown setting 'encrypted'"):
        cypher.normalize_driver_settings({"encrypted": True})


def test_alter_remote_alias_changes_only_what_is_given():
    assert cypher.alter_remote_alias("eu", password="x") == cypher.Statement("ALTER ALIAS `eu` SET DATABASE PASSWORD $password", {"password": "x"})
    assert cypher.alter_remote_alias("eu", driver={}).query == "ALTER ALIAS `eu` SET DATABASE DRIVER {}"
    with pytest.raises(ValueError):
        cypher.alter_remote_alias("eu", target="movies")

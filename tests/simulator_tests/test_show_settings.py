"""SHOW SETTINGS as the Operations Manual describes it (configuration/show-settings.adoc): columns, named settings,
YIELD/WHERE/RETURN, and dbms.max_databases with its documented default of 100 (configuration-settings.adoc)."""

from cypher_calls import fails, rows, statement


def test_default_columns_and_the_documented_default_of_max_databases(model):
    result = statement(model, "SHOW SETTINGS 'dbms.max_databases'")
    assert result.fields == ["name", "value", "isDynamic", "defaultValue", "description"]
    assert rows(result) == [{"name": "dbms.max_databases", "value": "100", "isDynamic": False, "defaultValue": "100",
                             "description": "The maximum number of databases."}]


def test_yield_star_names_as_a_parameter_and_a_changed_limit(model):
    model.max_databases = 5
    result = statement(model, "SHOW SETTINGS $names YIELD *", {"names": ["dbms.max_databases", "no.such.setting"]})
    assert result.fields == ["name", "value", "isDynamic", "defaultValue", "description", "startupValue",
                             "isExplicitlySet", "validValues", "isDeprecated"]
    row = rows(result)[0]
    assert (row["value"], row["defaultValue"], row["isExplicitlySet"]) == ("5", "100", True)


def test_where_and_return_and_any_database(model):
    result = statement(model, "SHOW SETTINGS YIELD name, value WHERE name STARTS WITH 'dbms.max' RETURN value",
                       database="neo4j", mode="r")
    assert rows(result) == [{"value": "100"}]
    assert rows(statement(model, "SHOW SETTING 'unknown.setting'")) == []


def test_a_name_that_is_not_a_string_is_a_type_error(model):
    error = fails(model, "SHOW SETTINGS $names", {"names": [1]})
    assert error.code == "Neo.ClientError.Statement.TypeError"


def test_create_database_refuses_one_more_than_max_databases(model):
    model.max_databases = 3  # system counts too, as in Neo4j's own acceptance test
    statement(model, "CREATE DATABASE extra")
    error = fails(model, "CREATE DATABASE onetoomany")
    assert "dbms.max_databases" in error.message

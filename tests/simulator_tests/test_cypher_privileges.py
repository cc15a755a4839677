"""Privileges through the Cypher executor: GRANT / DENY / REVOKE, SHOW PRIVILEGES, and their enforcement.

Expected texts are the 5.26 Operations Manual's (authentication-authorization/*.adoc) and Neo4j's own
acceptance tests, as cited in simulator/privileges.py and simulator/cypher/commands_privileges.py.
"""

import pytest

from cypher_calls import fails, rows, statement as sys

from simulator.cypher import ExecContext, begin, commit, rollback, run


@pytest.fixture
def model(model):
    sys(model, "CREATE DATABASE movies")
    sys(model, "CREATE DATABASE other")
    model.databases["movies"].graph.node_count = 7
    model.databases["other"].graph.node_count = 3
    for name in ("movies", "other"):
        for alloc in model.databases[name].allocations.values():
            alloc.ready_at = 0
    return model


def commands(model, role, revoke=False):
    return [r[0] for r in sys(model, "SHOW ROLE %s PRIVILEGES AS %sCOMMANDS" % (role, "REVOKE " if revoke else "")).records]


# ----- the built-in roles (built-in-roles.adoc, "Listing <role> role privileges") -------------------------

def test_builtin_roles_list_the_manuals_commands(model):
    assert commands(model, "PUBLIC") == [
        "GRANT ACCESS ON HOME DATABASE TO `PUBLIC`",
        "GRANT EXECUTE FUNCTION * ON DBMS TO `PUBLIC`",
        "GRANT EXECUTE PROCEDURE * ON DBMS TO `PUBLIC`",
        "GRANT LOAD ON ALL DATA TO `PUBLIC`",
    ]
    assert commands(model, "reader") == [
        "GRANT ACCESS ON DATABASE * TO `reader`",
        "GRANT MATCH {*} ON GRAPH * NODE * TO `reader`",
        "GRANT MATCH {*} ON GRAPH * RELATIONSHIP * TO `reader`",
        "GRANT SHOW CONSTRAINT ON DATABASE * TO `reader`",
        "GRANT SHOW INDEX ON DATABASE * TO `reader`",
    ]
    assert commands(model, "admin") == [
        "GRANT ACCESS ON DATABASE * TO `admin`",
        "GRANT ALL DBMS PRIVILEGES ON DBMS TO `admin`",
        "GRANT CONSTRAINT MANAGEMENT ON DATABASE * TO `admin`",
        "GRANT INDEX MANAGEMENT ON DATABASE * TO `admin`",
        "GRANT LOAD ON ALL DATA TO `admin`",
        "GRANT MATCH {*} ON GRAPH * NODE * TO `admin`",
        "GRANT MATCH {*} ON GRAPH * RELATIONSHIP * TO `admin`",
        "GRANT NAME MANAGEMENT ON DATABASE * TO `admin`",
        "GRANT SHOW CONSTRAINT ON DATABASE * TO `admin`",
        "GRANT SHOW INDEX ON DATABASE * TO `admin`",
        "GRANT START ON DATABASE * TO `admin`",
        "GRANT STOP ON DATABASE * TO `admin`",
        "GRANT TRANSACTION MANAGEMENT (*) ON DATABASE * TO `admin`",
        "GRANT WRITE ON GRAPH * TO `admin`",
    ]
    assert commands(model, "reader", revoke=True)[0] == "REVOKE GRANT ACCESS ON DATABASE * FROM `reader`"


def test_show_privileges_columns_and_rows(model):
    result = sys(model, "SHOW PRIVILEGES WHERE role = 'PUBLIC' AND action = 'access'")
    assert result.fields == ["access", "action", "resource", "graph", "segment", "role", "immutable"]
    assert rows(result) == [{"access": "GRANTED", "action": "access", "resource": "database", "graph": "DEFAULT",
                             "segment": "database", "role": "PUBLIC", "immutable": False}]
    writes = rows(sys(model, "SHOW ROLE editor PRIVILEGES YIELD action, resource, segment WHERE action = 'write'"))
    assert sorted(r["segment"] for r in writes) == ["NODE(*)", "RELATIONSHIP(*)"]
    assert {r["resource"] for r in writes} == {"graph"}
    assert sys(model, "SHOW PRIVILEGES AS COMMANDS").fields == ["command"]
    assert sys(model, "SHOW PRIVILEGES AS COMMANDS YIELD *").fields == ["command", "immutable"]


# ----- GRANT / DENY / REVOKE ------------------------------------------------------------------------------

def test_grant_makes_a_row_per_graph_segment_and_property(model):
    sys(model, "CREATE ROLE app")
    result = sys(model, "GRANT MATCH {*} ON GRAPH movies TO app")
    assert result.stats == {"system-updates": 2}
    sys(model, "GRANT READ {title, year} ON GRAPHS movies, other NODES Movie TO app")
    sys(model, "GRANT WRITE ON GRAPH movies TO app")
    sys(model, "GRANT ACCESS ON DATABASES movies, other TO app")
    assert commands(model, "app") == [
        "GRANT ACCESS ON DATABASE `movies` TO `app`",
        "GRANT ACCESS ON DATABASE `other` TO `app`",
        "GRANT MATCH {*} ON GRAPH `movies` NODE * TO `app`",
        "GRANT MATCH {*} ON GRAPH `movies` RELATIONSHIP * TO `app`",
        "GRANT READ {title} ON GRAPH `movies` NODE Movie TO `app`",
        "GRANT READ {title} ON GRAPH `other` NODE Movie TO `app`",
        "GRANT READ {year} ON GRAPH `movies` NODE Movie TO `app`",
        "GRANT READ {year} ON GRAPH `other` NODE Movie TO `app`",
        "GRANT WRITE ON GRAPH `movies` TO `app`",
    ]
    row = rows(sys(model, "SHOW ROLE app PRIVILEGES WHERE action = 'read' AND graph = 'other' "
                          "AND resource = 'property(year)'"))
    assert row == [{"access": "GRANTED", "action": "read", "resource": "property(year)", "graph": "other",
                    "segment": "NODE(Movie)", "role": "app", "immutable": False}]


def test_a_grant_through_an_alias_lands_on_its_target_and_stays_there(model):
    sys(model, "CREATE ROLE app")
    sys(model, "CREATE ALIAS live FOR DATABASE movies")
    sys(model, "GRANT ACCESS ON DATABASE live TO app")
    sys(model, "ALTER ALIAS live SET DATABASE TARGET other")
    assert commands(model, "app") == ["GRANT ACCESS ON DATABASE `movies` TO `app`"]


def test_repeated_grants_and_empty_revokes_are_notifications(model):
    sys(model, "CREATE ROLE app")
    sys(model, "GRANT WRITE ON GRAPH movies TO app")
    again = sys(model, "GRANT WRITE ON GRAPH movies TO app")
    assert again.stats == {}
    assert [(n.gql_status, n.title) for n in again.notifications] == [
        ("00N70", "`GRANT WRITE ON GRAPH `movies` TO `app`` has no effect.")]
    removed = sys(model, "REVOKE GRANT WRITE ON GRAPH movies FROM app")
    assert removed.stats == {"system-updates": 2} and commands(model, "app") == []
    nothing = sys(model, "REVOKE GRANT WRITE ON GRAPH movies FROM app")
    assert [n.gql_status for n in nothing.notifications] == ["00N71"]
    missing_role = sys(model, "REVOKE GRANT WRITE ON GRAPH movies FROM nobody")
    assert [(n.gql_status, n.neo4j_code) for n in missing_role.notifications] == [
        ("01N70", "Neo.ClientNotification.Security.ImpossibleRevokeCommand")]


def test_deny_and_revoke_both(model):
    sys(model, "CREATE ROLE app")
    sys(model, "GRANT ACCESS ON DATABASE movies TO app")
    sys(model, "DENY ACCESS ON DATABASE movies TO app")
    assert commands(model, "app") == ["DENY ACCESS ON DATABASE `movies` TO `app`",
                                      "GRANT ACCESS ON DATABASE `movies` TO `app`"]
    assert commands(model, "app", revoke=True) == ["REVOKE DENY ACCESS ON DATABASE `movies` FROM `app`",
                                                   "REVOKE GRANT ACCESS ON DATABASE `movies` FROM `app`"]
    assert sys(model, "REVOKE ACCESS ON DATABASE movies FROM app").stats == {"system-updates": 2}
    assert commands(model, "app") == []


def test_grants_to_missing_roles_or_databases_fail(model):
    error = fails(model, "GRANT TRAVERSE ON GRAPH * TO custom")
    assert error.message == "Failed to grant traversal privilege to role 'custom': Role 'custom' does not exist."
    sys(model, "CREATE ROLE custom")
    error = fails(model, "DENY MATCH {*} ON GRAPH foo TO custom")
    assert error.code == "Neo.ClientError.Database.DatabaseNotFound"
    assert error.message == "Failed to deny match privilege to role 'custom': Database 'foo' does not exist."
    assert commands(model, "custom") == []


def test_unmodelled_privileges_are_refused_loudly(model):
    for query in ("GRANT SET LABEL * ON GRAPH * TO reader", "GRANT IMMUTABLE ACCESS ON DATABASE * TO reader",
                  "GRANT MATCH {*} ON GRAPH * FOR (n) WHERE n.secret = false TO reader"):
        assert fails(model, query).code == "Neo.ClientError.Statement.UnsupportedAdministrationCommand", query


def test_user_privileges_as_commands_name_the_role_as_a_parameter(model):
    sys(model, "CREATE USER jake SET PASSWORD 'abcd1234' CHANGE NOT REQUIRED")
    sys(model, "CREATE ROLE regularUsers")
    sys(model, "GRANT ACCESS ON DATABASE neo4j TO regularUsers")
    sys(model, "GRANT ROLE regularUsers TO jake")
    result = sys(model, "SHOW USER jake PRIVILEGES AS COMMANDS")
    assert [r[0] for r in result.records] == [
        "GRANT ACCESS ON DATABASE `neo4j` TO $role",
        "GRANT ACCESS ON HOME DATABASE TO $role",
        "GRANT EXECUTE FUNCTION * ON DBMS TO $role",
        "GRANT EXECUTE PROCEDURE * ON DBMS TO $role",
        "GRANT LOAD ON ALL DATA TO $role",
    ]
    assert sys(model, "SHOW USER jake PRIVILEGES").fields[-1] == "user"
    assert sys(model, "SHOW USER nobody PRIVILEGES").records == []


def test_privileges_go_with_their_database_and_their_role(model):
    sys(model, "CREATE ROLE app")
    sys(model, "GRANT ACCESS ON DATABASE movies TO app")
    sys(model, "CREATE ROLE copy AS COPY OF app")
    assert commands(model, "copy") == ["GRANT ACCESS ON DATABASE `movies` TO `copy`"]
    sys(model, "DROP DATABASE movies")
    assert commands(model, "app") == [] and commands(model, "copy") == []
    sys(model, "CREATE DATABASE movies")
    assert commands(model, "app") == []  # a new database of the same name does not get them
    sys(model, "GRANT ACCESS ON DATABASE movies TO app")
    sys(model, "DROP ROLE app")
    assert sys(model, "SHOW PRIVILEGES WHERE role = 'app'").records == []


def test_a_rolled_back_transaction_leaves_privileges_as_they_were(model):
    sys(model, "CREATE ROLE app")
    ctx = ExecContext(model=model, member="server1", user="neo4j", database="system")
    tx = begin(ctx)
    run(ctx, tx, "GRANT ACCESS ON DATABASE movies TO app")
    run(ctx, tx, "GRANT MATCH {*} ON GRAPH movies TO app")
    assert [r[0] for r in run(ctx, tx, "SHOW ROLE app PRIVILEGES AS COMMANDS").records][0] == \
        "GRANT ACCESS ON DATABASE `movies` TO `app`"
    rollback(tx)
    assert commands(model, "app") == []
    tx = begin(ctx)
    run(ctx, tx, "GRANT ACCESS ON DATABASE movies TO app")
    commit(tx)
    assert commands(model, "app") == ["GRANT ACCESS ON DATABASE `movies` TO `app`"]


# ----- enforcement ----------------------------------------------------------------------------------------

@pytest.fixture
def reader(model):
    """User bob with role app: ACCESS and MATCH on movies only."""
    sys(model, "CREATE USER bob SET PASSWORD 'password1' CHANGE NOT REQUIRED")
    sys(model, "CREATE ROLE app")
    sys(model, "GRANT ACCESS ON DATABASE movies TO app")
    sys(model, "GRANT MATCH {*} ON GRAPH movies TO app")
    sys(model, "GRANT ROLE app TO bob")
    return model


def test_a_read_only_role_reads_and_cannot_write(reader):
    model = reader
    assert sys(model, "MATCH (n) RETURN count(n) AS c", database="movies", user="bob").records == [[7]]
    error = fails(model, "CREATE (:Movie)", database="movies", user="bob")
    assert error.code == "Neo.ClientError.Security.Forbidden"
    assert error.message == ("Create node with labels 'Movie' on database 'movies' is not allowed for user 'bob' "
                             "with roles [PUBLIC, app].")
    assert model.databases["movies"].graph.node_count == 7
    sys(model, "GRANT WRITE ON GRAPH movies TO app")
    sys(model, "CREATE (:Movie)", database="movies", user="bob")
    assert model.databases["movies"].graph.node_count == 8


def test_no_access_means_no_transaction(reader):
    model = reader
    error = fails(model, "MATCH (n) RETURN count(n) AS c", database="other", user="bob")
    assert (error.code, error.message) == ("Neo.ClientError.Security.Forbidden",
                                           "Database access is not allowed for user 'bob' with roles [PUBLIC, app].")
    with pytest.raises(Exception) as info:
        begin(ExecContext(model=model, member="server1", user="bob", database="other"))
    assert info.value.code == "Neo.ClientError.Security.Forbidden"
    # PUBLIC's ACCESS ON HOME DATABASE lets bob in to neo4j, where he sees nothing without a read privilege.
    assert sys(model, "MATCH (n) RETURN count(n) AS c", database="neo4j", user="bob").records == [[0]]
    sys(model, "DENY ACCESS ON DATABASE movies TO app")  # a DENY wins over the GRANT
    assert fails(model, "RETURN 1", database="movies", user="bob").code == "Neo.ClientError.Security.Forbidden"


def test_a_read_through_an_alias_needs_access_to_its_target(reader):
    model = reader
    sys(model, "CREATE ALIAS live FOR DATABASE movies")
    assert sys(model, "MATCH (n) RETURN count(n) AS c", database="live", user="bob").records == [[7]]
    sys(model, "ALTER ALIAS live SET DATABASE TARGET other")
    assert fails(model, "MATCH (n) RETURN count(n) AS c", database="live", user="bob").message == \
        "Database access is not allowed for user 'bob' with roles [PUBLIC, app]."


def test_administration_needs_its_dbms_privilege(reader):
    model = reader
    error = fails(model, "CREATE ROLE other_app", user="bob")
    assert error.code == "Neo.ClientError.Security.Forbidden"
    assert error.message.startswith("Permission denied for CREATE ROLE.")
    sys(model, "GRANT ROLE MANAGEMENT ON DBMS TO app")
    sys(model, "CREATE ROLE other_app", user="bob")
    assert fails(model, "CREATE USER eve SET PASSWORD 'password1'", user="bob").code == \
        "Neo.ClientError.Security.Forbidden"
    # Everyone may list their own privileges.
    assert sys(model, "SHOW USER PRIVILEGES", user="bob").records
    assert fails(model, "SHOW USER neo4j PRIVILEGES", user="bob").code == "Neo.ClientError.Security.Forbidden"


# ----- users: auth providers, names, passwords ------------------------------------------------------------

def test_auth_providers(model):
    sys(model, "CREATE USER jack SET PASSWORD 'abcd1234' CHANGE NOT REQUIRED SET AUTH 'oidc1' {SET ID $id}",
        {"id": "jacksIdForOidc1"})
    result = sys(model, "SHOW USERS WITH AUTH WHERE user = 'jack'")
    assert result.fields == ["user", "roles", "passwordChangeRequired", "suspended", "home", "provider", "auth"]
    assert [(r["provider"], r["auth"]) for r in rows(result)] == [
        ("native", {"password": "*********", "changeRequired": False}), ("oidc1", {"id": "jacksIdForOidc1"})]
    sys(model, "ALTER USER jack REMOVE AUTH 'native' SET AUTH 'oidc2' {SET ID 'other'}")
    user = rows(sys(model, "SHOW USERS WHERE user = 'jack'"))[0]
    assert user["passwordChangeRequired"] is None  # "null if the user has native auth disabled"
    assert model.users["jack"].auth == {"oidc1": "jacksIdForOidc1", "oidc2": "other"}
    error = fails(model, "ALTER USER jack REMOVE ALL AUTH")
    assert error.code == "Neo.ClientError.General.InvalidArguments"
    sys(model, "ALTER USER jack SET AUTH 'native' {SET PASSWORD $pw SET PASSWORD CHANGE NOT REQUIRED}",
        {"pw": "password2"})
    assert (model.users["jack"].password, model.users["jack"].password_change_required) == ("password2", False)


def test_names_follow_neo4js_rules(model):
    error = fails(model, "CREATE USER `neo:4j` SET PASSWORD 'password'")
    assert error.message == ("Username 'neo:4j' contains illegal characters.\n"
                             "Use ascii characters that are not ',', ':' or whitespaces.")
    assert fails(model, "CREATE USER `` SET PASSWORD 'password'").message == "The provided username is empty."
    error = fails(model, "CREATE ROLE `my%role`")
    assert error.message == ("Role name 'my%role' contains illegal characters.\n"
                             "Use simple ascii characters, numbers and underscores.")
    assert "my%role" not in model.roles


def test_password_length_follows_the_setting(model):
    assert fails(model, "CREATE USER a SET PASSWORD ''").message == "A password cannot be empty."
    assert fails(model, "CREATE USER a SET PASSWORD '1234567'").message == "A password must be at least 8 characters."
    model.min_password_length = 12
    error = fails(model, "CREATE USER a SET PASSWORD 'abcdefghijk'")
    assert (error.code, error.gql_status) == ("Neo.ClientError.General.InvalidArguments", "22N85")
    sys(model, "CREATE USER a SET PASSWORD 'abcdefghijkl'")
    assert model.users["a"].password_change_required is True  # CHANGE REQUIRED unless told otherwise


def test_revoke_role_notifications(model):
    sys(model, "CREATE USER jane SET PASSWORD 'password1'")
    result = sys(model, "REVOKE ROLE manager, reader FROM jane")
    assert [n.title for n in result.notifications] == ["`REVOKE ROLE manager FROM jane` has no effect.",
                                                       "`REVOKE ROLE reader FROM jane` has no effect."]
    assert [n.gql_status for n in result.notifications] == ["01N70", "00N71"]

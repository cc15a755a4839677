"""Written privileges -> the commands SHOW ROLE ... PRIVILEGES AS COMMANDS lists; the copy plan."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import privileges, privileges_copy, roles, users
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jModuleError


def listed(text):
    return ["%s %s" % (p.access, p.body) for p in privileges.parse(text)]


@pytest.mark.parametrize("written, expected", [
    # The manual's own AS COMMANDS lines (built-in-roles.adoc, manage-privileges.adoc, access-control.adoc).
    ("GRANT MATCH {*} ON GRAPH healthcare", ["GRANT MATCH {*} ON GRAPH `healthcare` NODE *",
                                             "GRANT MATCH {*} ON GRAPH `healthcare` RELATIONSHIP *"]),
    ("match {*} on graph healthcare nodes Patient", ["GRANT MATCH {*} ON GRAPH `healthcare` NODE Patient"]),
    ("DENY READ {address, name} ON GRAPH healthcare NODES Patient",
     ["DENY READ {address} ON GRAPH `healthcare` NODE Patient", "DENY READ {name} ON GRAPH `healthcare` NODE Patient"]),
    ("DENY TRAVERSE ON GRAPH healthcare RELATIONSHIPS DIAGNOSIS",
     ["DENY TRAVERSE ON GRAPH `healthcare` RELATIONSHIP DIAGNOSIS"]),
    ("WRITE ON GRAPH healthcare", ["GRANT WRITE ON GRAPH `healthcare`"]),
    ("GRANT CREATE ON GRAPH healthcare NODES Patient", ["GRANT CREATE ON GRAPH `healthcare` NODE Patient"]),
    ("GRANT SET PROPERTY {*} ON GRAPH healthcare NODES Patient",
     ["GRANT SET PROPERTY {*} ON GRAPH `healthcare` NODE Patient"]),
    ("GRANT ACCESS ON DATABASES a1, b2", ["GRANT ACCESS ON DATABASE `a1`", "GRANT ACCESS ON DATABASE `b2`"]),
    ("GRANT ACCESS ON HOME DATABASE", ["GRANT ACCESS ON HOME DATABASE"]),
    ("GRANT ACCESS ON DATABASE *", ["GRANT ACCESS ON DATABASE *"]),
    ("GRANT ALL ON DATABASE neo4j", ["GRANT ALL DATABASE PRIVILEGES ON DATABASE `neo4j`"]),
    ("GRANT ALL PRIVILEGES ON DBMS", ["GRANT ALL DBMS PRIVILEGES ON DBMS"]),
    ("GRANT TRANSACTION ON DATABASE *", ["GRANT TRANSACTION MANAGEMENT (*) ON DATABASE *"]),
    ("GRANT INDEXES ON DATABASE *", ["GRANT INDEX MANAGEMENT ON DATABASE *"]),
    ("GRANT SHOW CONSTRAINTS ON DATABASE *", ["GRANT SHOW CONSTRAINT ON DATABASE *"]),
    ("GRANT EXECUTE PROCEDURES * ON DBMS", ["GRANT EXECUTE PROCEDURE * ON DBMS"]),
    ("GRANT EXECUTE USER DEFINED FUNCTIONS * ON DBMS", ["GRANT EXECUTE FUNCTION * ON DBMS"]),
    ("LOAD ON ALL DATA", ["GRANT LOAD ON ALL DATA"]),
    ("GRANT MATCH {`first name`} ON GRAPH `Movies` ELEMENTS `My Label`",
     ["GRANT MATCH {`first name`} ON GRAPH `movies` NODE `My Label`",
      "GRANT MATCH {`first name`} ON GRAPH `movies` RELATIONSHIP `My Label`"]),
])
def test_written_privileges_become_the_listed_commands(written, expected):
    assert listed(written) == expected


@pytest.mark.parametrize("written, message", [
    ("GRANT FLY ON DATABASE x", "privileges[0]: unknown or unsupported privilege 'FLY'"),
    ("GRANT SET LABEL * ON GRAPH x", "unknown or unsupported privilege 'SET LABEL *'"),
    ("GRANT ACCESS ON DATABASE x TO reader", "leave out 'TO ...': the role is the module's name"),
    ("REVOKE ACCESS ON DATABASE x", "write the privilege the role should hold"),
    ("GRANT IMMUTABLE ACCESS ON DATABASE x", "IMMUTABLE privileges"),
    ("GRANT MATCH ON GRAPH x", "MATCH needs a property list"),
    ("GRANT WRITE {*} ON GRAPH x", "WRITE takes no property list"),
    ("GRANT ACCESS ON DEFAULT DATABASE", "DEFAULT DATABASE was removed in Neo4j 5"),
    ("GRANT MATCH {*} ON GRAPH x FOR (n) WHERE n.a = 1", "property-based access control"),
    ("GRANT ACCESS ON DATABASE `bad name`", "alias name 'bad name' contains whitespace"),
    ("", "a privilege such as"),
])
def test_privileges_that_cannot_be_compared_are_refused_by_name(written, message):
    with pytest.raises(privileges.PrivilegeError) as info:
        privileges.parse(written, "privileges[0]")
    assert message in str(info.value)


def test_listed_commands_and_aliases():
    priv, role, immutable = privileges.listed("DENY READ {ssn} ON GRAPH `health-care` NODE Patient TO `itadmin`")
    assert (priv.access, priv.graph, role, immutable) == ("DENY", "health-care", "itadmin", False)
    assert privileges.listed("GRANT ACCESS ON HOME DATABASE TO $role")[1] is None
    assert privileges.listed("GRANT WRITE ON GRAPH * TO `editor`")[0].graph == "*"
    assert privileges.listed("GRANT ROLE MANAGEMENT ON DBMS TO `ops`")[0].graph is None
    written = privileges.parse("GRANT MATCH {*} ON GRAPH live NODES *")[0]
    resolved = privileges.resolve(written, {"live": "movies-2"})
    assert resolved.body == "MATCH {*} ON GRAPH `movies-2` NODE *" and resolved.graph == "movies-2"
    assert privileges.text(resolved, "app") == "GRANT MATCH {*} ON GRAPH `movies-2` NODE * TO `app`"
    assert privileges.revoke_text(resolved, "app") == "REVOKE GRANT MATCH {*} ON GRAPH `movies-2` NODE * FROM `app`"


def test_copy_plan():
    def row(command, immutable=False):
        parsed = privileges.listed(command, immutable)
        return parsed[1], parsed[0], parsed[2]
    listed_rows = [
        row("GRANT ACCESS ON DATABASE `blue` TO `r`"),
        row("DENY WRITE ON GRAPH `blue` TO `r`"),
        row("GRANT ACCESS ON DATABASE `blue` TO `other`"),
        row("GRANT ACCESS ON DATABASE * TO `reader`"),
        row("GRANT STOP ON DATABASE `blue` TO `r`", immutable=True),
        row("GRANT WRITE ON GRAPH `green` TO `r`"),
        row("GRANT ACCESS ON DATABASE `green` TO `r`"),
    ]
    grants, revokes, skipped = privileges_copy.plan(listed_rows, "blue", "green", roles={"r"}, exclusive=True)
    assert [privileges.text(p, r) for r, p in grants] == ["DENY WRITE ON GRAPH `green` TO `r`"]
    assert [privileges.revoke_text(p, r) for r, p in revokes] == ["REVOKE GRANT WRITE ON GRAPH `green` FROM `r`"]
    assert [privileges.text(p, r) for r, p in skipped] == ["GRANT STOP ON DATABASE `blue` TO `r`"]
    grants, revokes, dummy = privileges_copy.plan(listed_rows, "blue", "green")
    assert len(grants) == 2 and revokes == []


def test_role_plan_orders_create_members_then_privileges():
    desired = roles.validate(dict(name="app", members=["a", "b"], members_exclusive=True,
                                  privileges=["ACCESS ON DATABASE db1"], privileges_exclusive=True))
    held = {privileges.listed("GRANT WRITE ON GRAPH `db1` TO `app`")[0]: False,
            privileges.listed("GRANT STOP ON DATABASE `db1` TO `app`")[0]: True}
    statements = roles.plan(desired, dict(name="app", members=["b", "c"]), held,
                            privileges.parse("ACCESS ON DATABASE db1"))
    assert [s.query for s in statements] == [
        "GRANT ROLE $role TO $user", "REVOKE ROLE $role FROM $user",
        "GRANT ACCESS ON DATABASE `db1` TO `app`", "REVOKE GRANT WRITE ON GRAPH `db1` FROM `app`"]
    assert [s.params for s in statements[:2]] == [{"role": "app", "user": "a"}, {"role": "app", "user": "c"}]


@pytest.mark.parametrize("params, message", [
    (dict(name="PUBLIC", state="absent"), "the PUBLIC role cannot be removed"),
    (dict(name="PUBLIC", members=["a"]), "every user holds the PUBLIC role"),
    (dict(name="1role"), "role name '1role' is not allowed"),
    (dict(name="app", members=["a b"]), "members[0]: user name 'a b' contains whitespace"),
    (dict(name="app", members_exclusive=True), "members_exclusive needs members"),
])
def test_role_options_are_checked_before_connecting(params, message):
    with pytest.raises(Neo4jModuleError) as info:
        roles.validate(params)
    assert message in info.value.msg


def test_user_plan_never_holds_the_password_in_text():
    desired = users.validate(dict(name="app", password="s3cret-value", password_change_required=False,
                                  status="suspended", home_database="movies",
                                  auth_providers=[dict(provider="oidc1", id="app@example.com")]))
    stmt, after = users.plan_create(desired)
    assert stmt.query == ("CREATE USER $name SET PASSWORD $password CHANGE NOT REQUIRED SET STATUS SUSPENDED "
                          "SET HOME DATABASE `movies` SET AUTH 'oidc1' {SET ID $auth_0}")
    assert "s3cret-value" not in stmt.query and users.redact(stmt)["params"]["password"] == "********"
    assert users.view(after, password_changed=True)["password_changed"] is True
    current = dict(name="app", roles=["PUBLIC"], suspended=True, home="movies", native=True,
                   password_change_required=False, providers={"oidc1": "app@example.com", "ldap": "x"})
    stmt, dummy = users.plan_alter(desired, current, password_differs=False)
    assert stmt.query == "ALTER USER $name REMOVE AUTH 'ldap'"
    stmt, dummy = users.plan_alter(dict(desired, providers=None), current, password_differs=False)
    assert stmt is None


@pytest.mark.parametrize("params, message", [
    (dict(name="neo4j", state="absent"), "refusing to remove the built-in user 'neo4j'"),
    (dict(name="app", password=""), "password: an empty password is not allowed"),
    (dict(name="a:b"), "name: user name 'a:b' contains the character ':'"),
    (dict(name="app", state="absent", password="x"), "password cannot be used with state=absent"),
    (dict(name="app", auth_providers=[dict(provider="native", id="x")]), "the native provider is set with password"),
    (dict(name="app", auth_providers=[dict(provider="bad provider", id="x")]), "is not a provider name"),
])
def test_user_options_are_checked_before_connecting(params, message):
    with pytest.raises(Neo4jModuleError) as info:
        users.validate(params)
    assert message in info.value.msg

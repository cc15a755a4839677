"""Parsing, expressions, procedures and graph count queries through the Cypher executor."""

import pytest

from cypher_calls import fails, statement as q


# ----- syntax -------------------------------------------------------------------------------------

def test_syntax_errors_carry_neo4j_positions(model):
    error = fails(model, "CREATE DATABSE foo")
    assert error.code == "Neo.ClientError.Statement.SyntaxError" and error.gql_status == "42001"
    assert error.message.startswith("Invalid input 'DATABSE': expected ")
    assert error.message.endswith("(line 1, column 8 (offset: 7))")
    error = fails(model, "SHOW DATABASES\nYIELD name\nORDER name")
    assert error.message.endswith("(line 3, column 7 (offset: 32))")
    assert fails(model, "").code == "Neo.ClientError.Statement.SyntaxError"
    assert fails(model, "CREATE DATABASE foo WAIT 1.5").code == "Neo.ClientError.Statement.SyntaxError"


def test_keywords_are_case_insensitive_and_a_trailing_semicolon_is_accepted(model):
    q(model, "cReAtE dAtAbAsE foo iF nOt ExIsTs nowait;")
    assert "foo" in model.databases


@pytest.mark.parametrize("query", [
    "CREATE DATABASE foo; DROP DATABASE neo4j",
    "CREATE DATABASE foo DROP DATABASE neo4j",
    "CREATE DATABASE foo /* */ ; DROP DATABASE neo4j;",
])
def test_statement_injection_is_rejected(model, query):
    error = fails(model, query)
    assert error.code == "Neo.ClientError.Statement.SyntaxError"
    assert "neo4j" in model.databases and "foo" not in model.databases


@pytest.mark.parametrize("name", ["foo`; DROP DATABASE neo4j; //", "a'b", 'x"y', "foo;bar", "new\nline"])
def test_hostile_names_via_parameters_are_literal_and_rejected_by_name_rules(model, name):
    error = fails(model, "CREATE DATABASE $name", {"name": name})
    assert error.code == "Neo.ClientError.Statement.ArgumentError"
    assert "neo4j" in model.databases and len(model.databases) == 2


def test_backtick_escaping_keeps_names_literal(model):
    q(model, "CREATE USER `we``ird;DROP_USER_neo4j` SET PASSWORD 'password1'")
    assert "we`ird;DROP_USER_neo4j" in model.users and "neo4j" in model.users
    error = fails(model, "CREATE DATABASE `foo``; DROP DATABASE neo4j`")
    assert error.code == "Neo.ClientError.Statement.ArgumentError"


def test_string_literals_both_quotes_and_escapes(model):
    result = q(model, "RETURN 'it\\'s' AS a, \"say \\\"hi\\\"\" AS b, 'tab\\there' AS c")
    assert result.records == [["it's", 'say "hi"', "tab\there"]]


def test_missing_parameter(model):
    error = fails(model, "CREATE DATABASE $name")
    assert error.code == "Neo.ClientError.Statement.ParameterMissing"


def test_unmodelled_administration_commands_fail_as_unsupported(model):
    assert fails(model, "TERMINATE TRANSACTIONS 'neo4j-transaction-1'").code == \
        "Neo.ClientError.Statement.UnsupportedAdministrationCommand"
    assert fails(model, "GRANT SET LABEL * ON GRAPH * TO reader").code == \
        "Neo.ClientError.Statement.UnsupportedAdministrationCommand"
    assert fails(model, "CREATE INDEX FOR (n:Movie) ON (n.title)", database="neo4j").code == \
        "Neo.ClientError.Statement.UnsupportedAdministrationCommand"


@pytest.mark.parametrize("query", [
    "MATCH (n) WHERE n.x = 1 RETURN count(n)",
    "MATCH (n) RETURN n",
    "MERGE (m:Movie {title: 'Heat'})",
    "MATCH (m:Movie) SET m.seen = true",
    "UNWIND [1, 2] AS i RETURN i",
    "WITH 1 AS x RETURN x",
    "CALL { RETURN 1 AS x } RETURN x",
    "CREATE (m:Movie) RETURN m",
    "CREATE (m:Movie) RETURN id(m) AS id",
    "CREATE (m:Movie) RETURN *",
    "CREATE (m:Movie) WITH m RETURN m.title",
])
def test_unmodelled_data_statements_fail_as_syntax_errors_saying_so(model, query):
    error = fails(model, query, database="neo4j")
    assert (error.code, error.gql_status) == ("Neo.ClientError.Statement.SyntaxError", "42001")
    assert error.message.startswith("The Neo4j simulator does not model this statement: ")
    assert model.databases["neo4j"].graph.node_count == 0  # nothing half-applied


# ----- expressions --------------------------------------------------------------------------------

def test_return_expressions(model):
    result = q(model, "RETURN 1 + 2 * 3 AS a, toLower('ABC') AS b, size([1, 2, 3]) AS c, 7 / 2 AS d, "
                      "null IS NULL AS e, 'abc' STARTS WITH 'a' AS f, 2 IN [1, 2] AS g, NOT (true XOR true) AS h, "
                      "{k: [1, 'x']}.k[1] AS i, coalesce(null, 'z') AS j, 'neo4j' =~ 'neo.*' AS k")
    assert result.records == [[7, "abc", 3, 3, True, True, True, True, "x", "z", True]]
    assert q(model, "RETURN $x AS x", {"x": [1, {"a": None}]}).records == [[[1, {"a": None}]]]
    assert q(model, "RETURN 1").fields == ["1"]


def test_three_valued_logic(model):
    result = q(model, "RETURN null = 1 AS a, null OR true AS b, null AND false AS c, 1 IN [null] AS d")
    assert result.records == [[None, True, False, None]]


# ----- procedures ---------------------------------------------------------------------------------

def test_dbms_components(model):
    result = q(model, "CALL dbms.components() YIELD name, versions, edition")
    assert result.records == [["Neo4j Kernel", ["5.26.0"], "enterprise"]]


def test_query_jmx_reports_heap_of_the_member(model):
    model.heap["server2"] = (100, 1000)
    result = q(model, "CALL dbms.queryJmx($q) YIELD name, attributes "
                      "RETURN name, attributes.HeapMemoryUsage.value.properties AS heap",
               {"q": "java.lang:type=Memory"}, member="server2")
    assert result.records[0][0] == "java.lang:type=Memory"
    assert (result.records[0][1]["used"], result.records[0][1]["max"]) == (100, 1000)
    assert q(model, "CALL dbms.queryJmx", {"query": "*:*"}).records  # implicit arguments from parameters
    assert q(model, "CALL dbms.queryJmx('org.neo4j:*')").records == []


@pytest.mark.parametrize("keys, suffix", [("name", ""), ("name,type", ",type=gauges")])
def test_query_jmx_page_cache_metrics_per_member_under_both_mbean_namings(model, keys, suffix):
    model.metrics_mbean_keys = keys
    model.metrics_prefix = "prod"
    model.page_cache["server2"] = (0.5, 0.97)
    model.page_cache["server3"] = None  # metrics off: no beans, no error
    pattern = "neo4j.metrics:name=*.page_cache.*_ratio,*"
    rows = q(model, "CALL dbms.queryJmx($q) YIELD name, attributes RETURN name, attributes.Value.value AS value "
                    "ORDER BY name", {"q": pattern}, member="server2").records
    assert rows == [["neo4j.metrics:name=prod.dbms.page_cache.hit_ratio" + suffix, 0.97],
                    ["neo4j.metrics:name=prod.dbms.page_cache.usage_ratio" + suffix, 0.5]]
    # An exact name without the property-list wildcard only matches the naming it spells.
    exact = q(model, "CALL dbms.queryJmx('neo4j.metrics:name=prod.dbms.page_cache.usage_ratio')", member="server2")
    assert len(exact.records) == (1 if keys == "name" else 0)
    assert q(model, "CALL dbms.queryJmx($q)", {"q": pattern}, member="server3").records == []


def test_gds_debug_arrow(model):
    model.arrow.update(running=True, listenAddress="127.0.0.1:8491")
    result = q(model, "CALL gds.debug.arrow() YIELD running, enabled, listenAddress", database="neo4j")
    assert result.records == [[True, True, "127.0.0.1:8491"]]


def test_unknown_procedure(model):
    error = fails(model, "CALL apoc.help('x')")
    assert error.code == "Neo.ClientError.Procedure.ProcedureNotFound"
    assert error.message.startswith("There is no procedure with the name `apoc.help` registered for this "
                                    "database instance.")


def test_status_check(model):
    result = q(model, "CALL dbms.cluster.statusCheck([]) YIELD database, serverName, memberStatus "
                      "WHERE database = 'system' RETURN serverName, memberStatus")
    status = {model.servers[m].server_id: s for m, s in
              (("server1", "REPLICATING"), ("server2", "APPLYING"), ("server3", "APPLYING"))}
    assert sorted(result.records) == sorted([name, s] for name, s in status.items())


# ----- graph reads and writes ----------------------------------------------------------------------

def test_counts_labels_and_types(model):
    result = q(model, "CREATE (a:Person:Actor {name: 'Keanu'})-[:ACTED_IN {role: 'Neo'}]->(m:Movie), (a)-[:LIKES]->(m)",
               database="neo4j")
    assert result.stats == {"nodes-created": 2, "labels-added": 3, "properties-set": 2,
                            "relationships-created": 2, "contains-updates": True}
    assert result.type == "w"
    assert q(model, "MATCH (n) RETURN count(n) AS nodes", database="neo4j").records == [[2]]
    assert q(model, "MATCH (n:Person) RETURN count(*)", database="neo4j").records == [[1]]
    assert q(model, "MATCH ()-[r]->() RETURN count(r)", database="neo4j").records == [[2]]
    assert q(model, "MATCH ()-[r:LIKES]->() RETURN count(r) AS likes", database="neo4j").records == [[1]]
    assert q(model, "CALL db.labels() YIELD label RETURN collect(label) AS labels", database="neo4j").records == \
        [[["Actor", "Movie", "Person"]]]
    assert q(model, "CALL db.relationshipTypes()", database="neo4j").records == [["ACTED_IN"], ["LIKES"]]
    result = q(model, "MATCH (n) DETACH DELETE n", database="neo4j")
    assert result.stats == {"nodes-deleted": 2, "relationships-deleted": 2, "contains-updates": True}
    assert q(model, "MATCH (n) RETURN count(n)", database="neo4j").records == [[0]]


def test_create_returns_created_property_values(model):
    result = q(model, "CREATE (m:Movie {title: $title, tagline: null}) RETURN m.title AS title, m.tagline AS t",
               {"title": "Heat"}, database="neo4j")
    assert (result.fields, result.records, result.type) == (["title", "t"], [["Heat", None]], "rw")
    assert result.stats == {"nodes-created": 1, "labels-added": 1, "properties-set": 1, "contains-updates": True}
    result = q(model, "CREATE (a:Person $props)-[r:ACTED_IN {roles: ['Neil']}]->(:Movie) RETURN a.name, r.roles",
               {"props": {"name": "Al", "born": 1940}}, database="neo4j")
    assert result.records == [["Al", ["Neil"]]]
    assert result.stats["properties-set"] == 3
    assert q(model, "MATCH (n:Movie) RETURN count(n)", database="neo4j").records == [[2]]


def test_unwind_create_counts_every_row(model):
    result = q(model, "UNWIND range(1, $n) AS i CREATE (:Movie {id: i})", {"n": 5}, database="neo4j")
    assert result.stats == {"nodes-created": 5, "labels-added": 5, "properties-set": 5, "contains-updates": True}
    assert model.databases["neo4j"].graph.label_counts == {"Movie": 5}
    result = q(model, "UNWIND $rows AS row CREATE (p:Person {name: row.name, age: row.age}) "
                      "RETURN p.name AS name, row.age AS age ORDER BY name DESC",
               {"rows": [{"name": "a", "age": 1}, {"name": "b", "age": None}]}, database="neo4j")
    assert result.records == [["b", None], ["a", 1]]
    assert result.stats["properties-set"] == 3  # null properties are not set
    assert q(model, "UNWIND [] AS i CREATE (:Movie)", database="neo4j").stats == {}
    assert q(model, "MATCH (n) RETURN count(n)", database="neo4j").records == [[7]]


def test_a_failing_row_leaves_the_graph_unchanged(model):
    error = fails(model, "UNWIND [1, 'x'] AS i CREATE (:Movie {id: i * 2})", database="neo4j")
    assert error.code == "Neo.ClientError.Statement.TypeError"  # the second row fails after the first counted
    error = fails(model, "CREATE (:Movie $props)", {"props": 3}, database="neo4j")
    assert error.code == "Neo.ClientError.Statement.TypeError"
    error = fails(model, "UNWIND [1, 2] AS i CREATE (:Movie {id: i}), (i)", database="neo4j")
    assert error.code == "Neo.ClientError.Statement.SyntaxError"
    assert model.databases["neo4j"].graph.node_count == 0


def test_detach_delete_by_label(model):
    q(model, "UNWIND range(1, 3) AS i CREATE (:Movie {id: i})", database="neo4j")
    q(model, "CREATE (:Person), (:Person)", database="neo4j")
    result = q(model, "MATCH (m:Movie) DETACH DELETE m", database="neo4j")
    assert result.stats == {"nodes-deleted": 3, "contains-updates": True}
    assert q(model, "MATCH (n) RETURN count(n)", database="neo4j").records == [[2]]
    assert q(model, "MATCH (n:Movie) RETURN count(n)", database="neo4j").records == [[0]]
    assert q(model, "MATCH (m:Movie) DETACH DELETE m", database="neo4j").stats == {}
    # Relationships are counted, not placed: deleting some of the nodes while any exist is refused ...
    q(model, "CREATE (:Movie)<-[:ACTED_IN]-(:Actor)", database="neo4j")
    error = fails(model, "MATCH (m:Movie) DETACH DELETE m", database="neo4j")
    assert (error.code, error.gql_status) == ("Neo.ClientError.Statement.SyntaxError", "42001")
    assert q(model, "MATCH (n) RETURN count(n)", database="neo4j").records == [[4]]
    # ... but a label every node carries deletes everything, relationships included.
    q(model, "MATCH (n) DETACH DELETE n", database="neo4j")
    q(model, "CREATE (:Movie)-[:SEQUEL]->(:Movie)", database="neo4j")
    result = q(model, "MATCH (m:Movie) DETACH DELETE m", database="neo4j")
    assert result.stats == {"nodes-deleted": 2, "relationships-deleted": 1, "contains-updates": True}
    assert q(model, "MATCH ()-[r]->() RETURN count(r)", database="neo4j").records == [[0]]
    assert fails(model, "MATCH (m:Movie) DETACH DELETE x", database="neo4j").code == \
        "Neo.ClientError.Statement.SyntaxError"


def test_graph_queries_are_refused_on_system(model):
    # Neo4j's UnsupportedSystemCommand throws InvalidSemanticsException, status Statement.SemanticError
    error = fails(model, "MATCH (n) RETURN count(n)")
    assert error.code == "Neo.ClientError.Statement.SemanticError" and error.gql_status == "42001"
    assert error.message == ("Not a recognised system command or procedure. This Cypher command can only be executed "
                             "in a user database: MATCH (n) RETURN count(n)")
    assert fails(model, "CALL db.labels()").code == "Neo.ClientError.Statement.SemanticError"


def test_graph_writes_need_the_leader_and_a_writable_database(model):
    q(model, "CREATE DATABASE two TOPOLOGY 2 PRIMARIES")
    assert fails(model, "CREATE (:X)", database="two", member="server2").code == "Neo.ClientError.Cluster.NotALeader"
    assert q(model, "MATCH (n) RETURN count(n)", database="two", member="server2").records == [[0]]
    q(model, "ALTER DATABASE two SET ACCESS READ ONLY")
    error = fails(model, "CREATE (:X)", database="two")
    assert error.code == "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase"
    assert model.databases["two"].graph.node_count == 0


def test_read_sessions_refuse_writes(model):
    error = fails(model, "CREATE (:X)", database="neo4j", mode="r")
    assert error.code == "Neo.ClientError.Statement.AccessMode"


def test_graph_writes_need_a_writing_role(model):
    model.add_user("viewer", "password", roles=("reader",))
    error = fails(model, "CREATE (:X)", database="neo4j", user="viewer")
    assert error.code == "Neo.ClientError.Security.Forbidden"
    assert q(model, "MATCH (n) RETURN count(n)", database="neo4j", user="viewer").records == [[0]]


def test_home_database_is_used_when_none_is_named(model):
    result = q(model, "RETURN 1 AS x", database=None)
    assert result.db == "neo4j"

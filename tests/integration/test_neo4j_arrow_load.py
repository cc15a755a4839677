"""neo4j_arrow_load through real ansible-playbook runs against the simulator's Arrow Flight server."""

import json

import pyarrow as pa
from pyarrow import flight
import pyarrow.parquet as pq
import pytest

from plays import header, target_vars
from simulator.tls import self_signed_cert

N_NODES = 500
PLAY = header()
LOAD = """\
    - name: load
      graphops.neo4j.neo4j_arrow_load:
        database: "{{ database }}"
        arrow_host: "{{ arrow_host }}"
        arrow_port: "{{ arrow_port }}"
        nodes: "{{ nodes }}"
        relationships: "{{ relationships }}"
        replace: "{{ replace | default(false) }}"
        batch_size: 64
        concurrency: "{{ concurrency | default(3) }}"
        wait_timeout: "{{ wait_timeout | default(30) }}"
        timeout: "{{ timeout | default(omit) }}"
"""


def write_graph(tmp_path, n=N_NODES):
    """People with ids 1..n and a KNOWS chain between them (n - 1 relationships)."""
    nodes = tmp_path / "people.parquet"
    pq.write_table(pa.table({"person_id": pa.array(range(1, n + 1), pa.int64()),
                             "name": ["p%d" % i for i in range(1, n + 1)],
                             "age": pa.array([20 + i % 50 for i in range(n)], pa.int32())}), nodes)
    rels = tmp_path / "knows.parquet"
    pq.write_table(pa.table({"a": pa.array(range(1, n), pa.int64()), "b": pa.array(range(2, n + 1), pa.int64()),
                             "since": pa.array([2000 + i % 20 for i in range(n - 1)], pa.int64())}), rels)
    return nodes, rels


def vars_for(cluster, database, node_file, rel_file, **extra):
    host, port = cluster.arrow_address
    values = {
        "arrow_host": host, "arrow_port": port, "database": database,
        "nodes": [{"path": str(node_file), "label": ["Person"], "id_column": "person_id"}],
        "relationships": [{"path": str(rel_file), "type": "KNOWS", "source_column": "a", "target_column": "b"}],
    }
    values.update(extra)
    return target_vars(cluster, **values)


def leftovers(cluster, name):
    """(database exists, import running) on the simulator."""
    with cluster.model.lock:
        exists = name in cluster.model.databases
    return exists, name in cluster.model.arrow_server.imports


def count_query(cluster, database, query):
    import neo4j
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as driver:
        return driver.execute_query(query, database_=database, routing_="r").records[0][0]


def test_load_counts_idempotence_and_replace(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "people", nodes, rels))
    assert run.rc == 0, str(run)
    result = run.results["load"]
    assert result["changed"] is True
    assert result["node_count"] == N_NODES
    assert result["relationship_count"] == N_NODES - 1
    assert result["bytes_sent"] > 0
    assert result["files"] == {"nodes": 1, "relationships": 1}
    db = cluster.model.databases["people"]
    assert db.graph.label_counts == {"Person": N_NODES}
    assert db.graph.type_counts == {"KNOWS": N_NODES - 1}
    assert db.graph.node_properties == {"name", "age", "__originalId__"}
    assert db.graph.relationship_properties == {"since"}
    # online on every member that hosts it (wait: true)
    assert all(a.current() == "online" for a in db.allocations.values())
    assert count_query(cluster, "people", "MATCH (n) RETURN count(n)") == N_NODES

    again = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "people", nodes, rels))
    assert again.rc == 0, str(again)
    assert again.results["load"]["changed"] is False
    assert cluster.model.databases["people"] is db  # left alone

    # replace: reload with fewer nodes
    small = tmp_path / "small"
    small.mkdir()
    small_nodes, small_rels = write_graph(small, n=10)
    replaced = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "people", small_nodes, small_rels, replace=True))
    assert replaced.rc == 0, str(replaced)
    assert replaced.results["load"]["changed"] is True
    assert replaced.results["load"]["replaced"] is True
    assert cluster.model.databases["people"].graph.node_count == 10
    assert cluster.model.databases["people"].graph.relationship_count == 9


def test_check_mode_validates_the_files_of_a_new_database(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "checked", nodes, rels), check=True)
    assert run.rc == 0, str(run)
    result = run.results["load"]
    assert result["changed"] is True
    assert (result["node_count"], result["relationship_count"]) == (N_NODES, N_NODES - 1)
    assert leftovers(cluster, "checked") == (False, False)


def test_interrupted_stream_leaves_nothing(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    cluster.model.arrow_server.faults.cut_stream(after_batches=2, entity_type="relationship")
    # one stream, so the cut one carries all eight relationship batches
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "cut", nodes, rels, concurrency=1))
    assert run.rc != 0
    result = run.results["load"]
    assert result["failed"] is True
    assert "cut after 2 batches" in result["msg"]
    assert result["aborted"] == "aborted"
    assert leftovers(cluster, "cut") == (False, False)


def test_failing_action_aborts(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    cluster.model.arrow_server.faults.fail_action("RELATIONSHIP_LOAD_DONE", "Simulated out of memory")
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "failing", nodes, rels))
    assert run.rc != 0
    assert "Simulated out of memory" in run.results["load"]["msg"]
    assert leftovers(cluster, "failing") == (False, False)


def _bad_input_cases(tmp_path):
    nodes, rels = write_graph(tmp_path)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"this is not parquet at all")
    dangling = tmp_path / "dangling.parquet"
    pq.write_table(pa.table({"a": pa.array([1, 2]), "b": pa.array([2, 10 ** 9])}), dangling)
    return nodes, rels, {
        "missing file": (dict(nodes=[{"path": str(tmp_path / "nope.parquet"), "label": ["Person"],
                                      "id_column": "person_id"}]), "does not exist"),
        "unreadable file": (dict(nodes=[{"path": str(garbage), "label": ["Person"], "id_column": "person_id"}]),
                            "cannot be read as parquet"),
        "missing id column": (dict(nodes=[{"path": str(nodes), "label": ["Person"], "id_column": "uid"}]),
                              "id column 'uid' not found"),
        "wrong id type": (dict(nodes=[{"path": str(nodes), "label": ["Person"], "id_column": "name"}]),
                          "cannot be read as integers"),
        "relationship to unknown node": (dict(relationships=[{"path": str(dangling), "type": "KNOWS",
                                                             "source_column": "a", "target_column": "b"}]),
                                         "1000000000"),
    }


@pytest.mark.parametrize("case", ["missing file", "unreadable file", "missing id column", "wrong id type",
                                  "relationship to unknown node"])
def test_bad_input_fails_clearly_and_leaves_nothing(cluster, run_playbook, tmp_path, case):
    nodes, rels, cases = _bad_input_cases(tmp_path)
    overrides, expected = cases[case]
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "badinput", nodes, rels, **overrides))
    assert run.rc != 0
    assert expected in run.results["load"]["msg"], run.results["load"]["msg"]
    assert leftovers(cluster, "badinput") == (False, False)
    assert "badinput" not in cluster.model.databases


def test_wrong_credentials(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    # Bolt accepts the user; Arrow rejects it (a GDS server with a different auth provider).
    cluster.model.arrow_server.faults.reject_auth = True
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "creds", nodes, rels))
    assert run.rc != 0
    assert "authentication failed" in run.results["load"]["msg"]
    assert leftovers(cluster, "creds") == (False, False)


def test_arrow_disabled(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    cluster.model.arrow["enabled"] = False
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "disabled", nodes, rels))
    assert run.rc != 0
    assert "Connection refused" in run.results["load"]["msg"]
    assert "disabled" not in cluster.model.databases


def test_replace_keeps_the_old_database_when_arrow_is_unreachable(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    assert run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "keepme", nodes, rels)).rc == 0
    before = cluster.model.databases["keepme"]
    cluster.model.arrow["enabled"] = False
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "keepme", nodes, rels, replace=True))
    assert run.rc != 0
    assert "Connection refused" in run.results["load"]["msg"]
    assert cluster.model.databases["keepme"] is before  # not dropped


def test_running_import_of_same_name_is_not_touched(cluster, run_playbook, tmp_path):
    """The server says ALREADY_EXISTS: the module fails clearly and must not abort someone else's import."""
    nodes, rels = write_graph(tmp_path)
    host, port = cluster.arrow_address
    client = flight.connect("grpc+tcp://%s:%d" % (host, port))
    options = flight.FlightCallOptions(headers=[client.authenticate_basic_token("neo4j", "password")])
    list(client.do_action(flight.Action("v1/CREATE_DATABASE", json.dumps({"name": "busy"}).encode()), options))
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "busy", nodes, rels))
    assert run.rc != 0
    assert "already running" in run.results["load"]["msg"]
    assert "aborted" not in run.results["load"]  # no ABORT was sent
    assert leftovers(cluster, "busy") == (False, True)  # the other import is still there
    client.close()


def test_string_ids_csv_and_label_column(cluster, run_playbook, tmp_path):
    nodes = tmp_path / "items.csv"
    nodes.write_text("sku,kind,price\nA-1,Book,9.5\nA-2,Film,12.0\nA-3,Book,3.25\n")
    rels = tmp_path / "rels.csv"
    rels.write_text("from,to,rel\nA-1,A-2,SIMILAR\nA-2,A-3,SIMILAR\nA-3,A-1,BOUGHT_WITH\n")
    extra = vars_for(cluster, "catalog", nodes, rels,
                     nodes=[{"path": str(nodes), "id_column": "sku", "label_column": "kind"}],
                     relationships=[{"path": str(rels), "source_column": "from", "target_column": "to",
                                     "type_column": "rel"}])
    options = "batch_size: 2\n        id_type: string\n        id_property: sku\n        db_format: aligned"
    run = run_playbook(PLAY + LOAD.replace("batch_size: 64", options),
                       extra_vars=extra)
    assert run.rc == 0, str(run)
    graph = cluster.model.databases["catalog"].graph
    assert graph.label_counts == {"Book": 2, "Film": 1}
    assert graph.type_counts == {"SIMILAR": 2, "BOUGHT_WITH": 1}
    assert graph.node_properties == {"price", "sku"}  # id_property keeps the original id
    assert cluster.model.databases["catalog"].store == "record-aligned-1.1"


@pytest.fixture
def s3_server():
    """moto in server mode on 127.0.0.1: real HTTP, nothing patched."""
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield "http://%s:%d" % (host, port)
    finally:
        server.stop()


def test_s3_directory_source(cluster, run_playbook, tmp_path, s3_server):
    import boto3
    nodes, rels = write_graph(tmp_path)
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="exports")
    # nodes split over two objects under one prefix, relationships as one object
    table = pq.read_table(nodes)
    for i, part in enumerate((table.slice(0, 200), table.slice(200))):
        path = tmp_path / ("part-%d.parquet" % i)
        pq.write_table(part, path)
        s3.upload_file(str(path), "exports", "graph/nodes/part-%d.parquet" % i)
    s3.upload_file(str(rels), "exports", "graph/knows.parquet")
    extra = vars_for(cluster, "froms3", nodes, rels,
                     nodes=[{"path": "s3://exports/graph/nodes/", "label": ["Person"], "id_column": "person_id"}],
                     relationships=[{"path": "s3://exports/graph/knows.parquet", "type": "KNOWS",
                                     "source_column": "a", "target_column": "b"}])
    play = PLAY + LOAD + """\
        s3:
          endpoint_url: "{{ s3_endpoint }}"
          region: us-east-1
          access_key: testing
          secret_key: testing
"""
    run = run_playbook(play, extra_vars=dict(extra, s3_endpoint=s3_server), env={"AWS_EC2_METADATA_DISABLED": "true"})
    assert run.rc == 0, str(run)
    assert run.results["load"]["files"] == {"nodes": 2, "relationships": 1}
    graph = cluster.model.databases["froms3"].graph
    assert (graph.node_count, graph.relationship_count) == (N_NODES, N_NODES - 1)


def test_s3_glob_star_stays_in_one_folder(cluster, run_playbook, tmp_path, s3_server):
    """``*`` in an s3:// glob matches one level (S3 listed with prefix and delimiter), ``**`` every level below."""
    import boto3
    from collection_path import register_collection_packages
    register_collection_packages()
    from ansible_collections.graphops.neo4j.plugins.module_utils import arrow_sources
    nodes, rels = write_graph(tmp_path)
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="exports")
    table = pq.read_table(nodes)
    # The two current parts, and an older export of the same nodes in a subfolder (loading it would
    # duplicate every id), and a Spark marker.
    for key, part in (("graph/nodes/part-0.parquet", table.slice(0, 200)), ("graph/nodes/part-1.parquet", table.slice(200)),
                      ("graph/nodes/archive/2024/part-0.parquet", table), ("graph/nodes/_tmp/part-0.parquet", table)):
        path = tmp_path / key.replace("/", "-")
        pq.write_table(part, path)
        s3.upload_file(str(path), "exports", key)
    s3.upload_file(str(rels), "exports", "graph/knows.parquet")
    s3_options = {"endpoint_url": s3_server, "region": "us-east-1", "access_key": "testing", "secret_key": "testing"}

    def found(pattern):
        return arrow_sources.discover(pattern, s3_options=s3_options)[1]

    assert found("s3://exports/graph/nodes/*.parquet") == ["exports/graph/nodes/part-0.parquet",
                                                           "exports/graph/nodes/part-1.parquet"]
    assert found("s3://exports/graph/*/*.parquet") == ["exports/graph/nodes/part-0.parquet",
                                                       "exports/graph/nodes/part-1.parquet"]
    assert found("s3://exports/graph/nodes/**/*.parquet") == ["exports/graph/nodes/archive/2024/part-0.parquet",
                                                              "exports/graph/nodes/part-0.parquet",
                                                              "exports/graph/nodes/part-1.parquet"]
    assert found("s3://exports/**/knows.parquet") == ["exports/graph/knows.parquet"]

    extra = vars_for(cluster, "s3glob", nodes, rels,
                     nodes=[{"path": "s3://exports/graph/nodes/*.parquet", "label": ["Person"], "id_column": "person_id"}],
                     relationships=[{"path": "s3://exports/graph/*.parquet", "type": "KNOWS",
                                     "source_column": "a", "target_column": "b"}])
    play = PLAY + LOAD + """\
        s3:
          endpoint_url: "{{ s3_endpoint }}"
          region: us-east-1
          access_key: testing
          secret_key: testing
"""
    run = run_playbook(play, extra_vars=dict(extra, s3_endpoint=s3_server), env={"AWS_EC2_METADATA_DISABLED": "true"})
    assert run.rc == 0, str(run)
    assert run.results["load"]["files"] == {"nodes": 2, "relationships": 1}
    graph = cluster.model.databases["s3glob"].graph
    assert (graph.node_count, graph.relationship_count) == (N_NODES, N_NODES - 1)


def test_local_glob_star_stays_in_one_folder(cluster, run_playbook, tmp_path):
    """The issue's case: nodes/*.parquet next to an older export in nodes/old/ loads the current files only."""
    nodes, rels = write_graph(tmp_path)
    folder = tmp_path / "nodes"
    (folder / "old").mkdir(parents=True)
    table = pq.read_table(nodes)
    pq.write_table(table.slice(0, 200), folder / "part-0.parquet")
    pq.write_table(table.slice(200), folder / "part-1.parquet")
    pq.write_table(table, folder / "old" / "part-0.parquet")
    extra = vars_for(cluster, "localglob", nodes, rels,
                     nodes=[{"path": str(folder / "*.parquet"), "label": ["Person"], "id_column": "person_id"}])
    run = run_playbook(PLAY + LOAD, extra_vars=extra)
    assert run.rc == 0, str(run)
    assert run.results["load"]["files"] == {"nodes": 2, "relationships": 1}
    assert cluster.model.databases["localglob"].graph.node_count == N_NODES


@pytest.mark.parametrize("on_system", ["refused", "allowed"])
def test_discovers_arrow_endpoint_over_bolt_and_runs_async(cluster, run_playbook, tmp_path, on_system):
    """Without arrow_host the module asks CALL gds.debug.arrow() on a user database of the GDS member (server1
    here); a wildcard listen address means that member's Bolt host; async/poll sees a clean result.  Whether
    GDS also answers on system is undocumented: both settings."""
    nodes, rels = write_graph(tmp_path)
    cluster.model.gds_debug_arrow_on_system = on_system
    cluster.model.arrow["listenAddress"] = "0.0.0.0:%d" % cluster.arrow_address[1]
    play = PLAY + """\
    - name: load
      graphops.neo4j.neo4j_arrow_load:
        database: discovered
        nodes: "{{ nodes }}"
        relationships: "{{ relationships }}"
      async: 120
      poll: 1
"""
    run = run_playbook(play, extra_vars=vars_for(cluster, "discovered", nodes, rels))
    assert run.rc == 0, str(run)
    result = run.results["load"]
    assert result["arrow_address"] == "%s:%d" % cluster.arrow_address
    assert result["node_count"] == N_NODES
    assert cluster.model.databases["discovered"].graph.relationship_count == N_NODES - 1


def test_database_that_fails_to_start_is_dropped_again(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    cluster.model.start_failures["broken"] = "Simulated failure: store files are corrupt"
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "broken", nodes, rels))
    assert run.rc != 0
    msg = run.results["load"]["msg"]
    assert "failed to start" in msg and "store files are corrupt" in msg and "dropped again" in msg
    assert leftovers(cluster, "broken") == (False, False)


@pytest.fixture(scope="module")
def localhost_cert(tmp_path_factory):
    """A self-signed certificate for ``localhost`` used by Bolt and the Arrow server."""
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


def test_arrow_over_tls(make_cluster, run_playbook, tmp_path, localhost_cert):
    secure = make_cluster(1, tls=localhost_cert)
    nodes, rels = write_graph(tmp_path)
    extra = vars_for(secure, "secure", nodes, rels, arrow_host="localhost", ca=localhost_cert[0],
                     neo4j_uri=secure.bolt_uri(scheme="bolt+s").replace("127.0.0.1", "localhost"))
    trusting = header(trusted_ca_file="{{ ca }}")
    run = run_playbook(trusting + LOAD + "        arrow_tls: true\n", extra_vars=extra)
    assert run.rc == 0, str(run)
    assert secure.model.databases["secure"].graph.node_count == N_NODES
    # without TLS the encrypted endpoint cannot be used, and nothing is left behind
    plain = run_playbook(trusting + LOAD, extra_vars=dict(extra, database="plain"))
    assert plain.rc != 0
    assert "set arrow_tls" in plain.results["load"]["msg"]
    assert "plain" not in secure.model.databases and not secure.model.arrow_server.imports


def test_option_errors_are_reported_before_anything_is_sent(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    task = """\
    - name: {name}
      graphops.neo4j.neo4j_arrow_load:
        database: {database}
        arrow_host: "{{{{ arrow_host }}}}"
        arrow_port: "{{{{ arrow_port }}}}"
        nodes: {nodes}
        relationships: {relationships}
      ignore_errors: true
"""
    node_ok = '[{path: "%s", id_column: person_id, label: [Person]}]' % nodes
    rel_ok = '[{path: "%s", source_column: a, target_column: b, type: KNOWS}]' % rels
    cases = {
        "bad name": dict(database="_bad", nodes=node_ok, relationships=rel_ok),
        "label on relationships": dict(database="opts", nodes=node_ok,
                                       relationships='[{path: "%s", label: [X], type: KNOWS}]' % rels),
        "type and type_column": dict(database="opts", nodes=node_ok,
                                     relationships='[{path: "%s", type: KNOWS, type_column: a}]' % rels),
        "properties not names": dict(database="opts", nodes='[{path: "%s", id_column: person_id, properties: 3}]' % nodes,
                                     relationships=rel_ok),
    }
    play = PLAY + "".join(task.format(name=name, **values) for name, values in cases.items())
    run = run_playbook(play, extra_vars=vars_for(cluster, "opts", nodes, rels))
    messages = {name: run.results[name]["msg"] for name in cases}
    assert "database name '_bad' contains the character" in messages["bad name"]
    assert "relationships[0]: label can only be used with nodes" in messages["label on relationships"]
    assert "type and type_column are mutually exclusive" in messages["type and type_column"]
    assert "properties must be a list of column names" in messages["properties not names"]
    assert all(run.results[name]["failed"] for name in cases)
    assert not cluster.model.arrow_server.imports and "opts" not in cluster.model.databases


def test_timeout_aborts_a_slow_import(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    faults = cluster.model.arrow_server.faults
    faults.delay_action("RELATIONSHIP_LOAD_DONE", 6)
    run = run_playbook(PLAY + LOAD + "        timeout: 3\n", extra_vars=vars_for(cluster, "slow", nodes, rels))
    assert run.rc != 0
    result = run.results["load"]
    assert "timed out" in result["msg"] and result["aborted"] == "aborted"
    # the server's delayed RELATIONSHIP_LOAD_DONE then finds no import to finish
    assert cluster.model.wait_for(lambda: faults.delayed_running == 0, 30)
    assert leftovers(cluster, "slow") == (False, False)


# ----- issue 7: refusals before anything happens, check mode ------------------------------------


def run_cypher(cluster, query, database="system"):
    import neo4j
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as driver:
        return driver.execute_query(query, database_=database).records


def writes_since(cluster, start):
    """Statements received since ``start`` (an index into cluster.statements) that are not reads."""
    return [s.query for s in cluster.statements[start:] if not s.query.lstrip().upper().startswith(("SHOW", "CALL"))]


@pytest.mark.parametrize("replace", [False, True])
def test_the_name_of_an_alias_is_refused_before_anything_happens(cluster, run_playbook, tmp_path, replace):
    """Like neo4j_database: a database cannot take the name of an alias (Neo4j keeps one namespace for both)."""
    nodes, rels = write_graph(tmp_path)
    run_cypher(cluster, "CREATE ALIAS people FOR DATABASE neo4j")
    before = cluster.model.databases["neo4j"]
    start = len(cluster.statements)
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "people", nodes, rels, replace=replace,
                                                        wait_timeout=5))
    result = run.results["load"]
    assert result["failed"] is True
    assert "database: 'people' is already an alias for database 'neo4j'" in result["msg"], result["msg"]
    assert result["changed"] is False
    assert writes_since(cluster, start) == []
    assert leftovers(cluster, "people") == (False, False)
    assert cluster.model.aliases["people"].database == "neo4j"
    assert cluster.model.databases["neo4j"] is before


@pytest.mark.parametrize("option, value", [("wait_timeout", 0), ("wait_timeout", -5), ("timeout", 0),
                                           ("timeout", -1)])
def test_timeouts_must_be_positive_and_are_checked_before_anything_happens(
        cluster, run_playbook, tmp_path, option, value):
    nodes, rels = write_graph(tmp_path)
    start = len(cluster.statements)
    run = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "timeouts", nodes, rels, **{option: value}))
    result = run.results["load"]
    assert result["failed"] is True
    assert result["msg"].startswith("%s: must be a number of seconds greater than 0" % option), result["msg"]
    assert result["changed"] is False
    assert cluster.statements[start:] == []  # not even a connection
    assert leftovers(cluster, "timeouts") == (False, False)


@pytest.mark.parametrize("delimiter", [";;", "", "é", "\n", '"'])
def test_a_csv_delimiter_must_be_one_character(cluster, run_playbook, tmp_path, delimiter):
    nodes = tmp_path / "people.csv"
    nodes.write_text("person_id;name\n1;a\n2;b\n")
    extra = vars_for(cluster, "csvdelim", nodes, nodes, relationships=[],
                     nodes=[{"path": str(nodes), "label": ["Person"], "id_column": "person_id",
                             "delimiter": delimiter}])
    start = len(cluster.statements)
    run = run_playbook(PLAY + LOAD, extra_vars=extra)
    result = run.results["load"]
    assert result["failed"] is True
    assert result["msg"].startswith("nodes[0].delimiter: must be one character"), result["msg"]
    assert "Unexpected error" not in result["msg"]
    assert cluster.statements[start:] == []
    assert leftovers(cluster, "csvdelim") == (False, False)


def test_check_mode_predicts_what_a_real_run_does(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    assert run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "people", nodes, rels)).rc == 0
    loaded = cluster.model.databases["people"]
    start = len(cluster.statements)

    existing = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "people", nodes, rels), check=True)
    assert existing.rc == 0, str(existing)
    real = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "people", nodes, rels))
    for key in ("changed", "replaced", "node_count", "relationship_count", "msg"):
        assert existing.results["load"][key] == real.results["load"][key], key
    assert existing.results["load"]["changed"] is False

    replace = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "people", nodes, rels, replace=True), check=True)
    assert replace.rc == 0, str(replace)
    assert replace.results["load"]["changed"] is True and replace.results["load"]["replaced"] is True

    absent = run_playbook(PLAY + LOAD, extra_vars=vars_for(cluster, "absent", nodes, rels), check=True)
    assert absent.results["load"]["changed"] is True
    assert (absent.results["load"]["node_count"], absent.results["load"]["relationship_count"]) == (N_NODES, N_NODES - 1)

    assert writes_since(cluster, start) == []
    assert cluster.model.databases["people"] is loaded
    assert leftovers(cluster, "absent") == (False, False)


def test_check_mode_without_a_reachable_server_validates_the_files_and_says_so(cluster, run_playbook, tmp_path):
    import socket
    nodes, rels = write_graph(tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        run = run_playbook(header(retry_timeout=1) + LOAD, check=True, extra_vars=vars_for(
            cluster, "offline", nodes, rels, neo4j_uri="neo4j://127.0.0.1:%d" % port))
    assert run.rc == 0, str(run)
    result = run.results["load"]
    assert result["changed"] is True
    assert result["database_exists"] is None
    assert (result["node_count"], result["relationship_count"]) == (N_NODES, N_NODES - 1)
    assert any("could not reach Neo4j" in w for w in result["warnings"]), result.get("warnings")


def test_check_mode_fails_like_a_real_run_on_wrong_credentials(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    run = run_playbook(PLAY + LOAD, check=True, extra_vars=vars_for(cluster, "creds", nodes, rels,
                                                                    neo4j_password="wrong"))
    assert run.results["load"]["failed"] is True
    assert "Authentication failed" in run.results["load"]["msg"]

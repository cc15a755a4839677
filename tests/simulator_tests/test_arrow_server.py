"""The simulated GDS Arrow Flight server, driven with raw pyarrow.flight calls."""

import json
import socket
import threading
import time

import pyarrow as pa
from pyarrow import flight
import pytest

from simulator.arrow_server import start_arrow_server


@pytest.fixture
def server(model):
    s = start_arrow_server(model)
    yield s
    s.shutdown()


class Client:
    """Raw pyarrow.flight, the way GDS clients talk to the server."""

    def __init__(self, server, user="neo4j", password="password"):
        self.flight = flight.connect(server.location)
        self.header = self.flight.authenticate_basic_token(user, password)

    @property
    def options(self):
        return flight.FlightCallOptions(headers=[self.header])

    def action(self, action_type, **body):
        results = list(self.flight.do_action(flight.Action(action_type, json.dumps(body).encode()), self.options))
        assert len(results) == 1
        return json.loads(results[0].body.to_pybytes())

    def put(self, name, entity, batches, **extra):
        body = dict(name=name, entity_type=entity, **extra)
        descriptor = flight.FlightDescriptor.for_command(
            json.dumps({"name": "PUT_COMMAND", "version": "v1", "body": body}).encode())
        writer, reader = self.flight.do_put(descriptor, batches[0].schema, self.options)
        acks = []
        try:
            for batch in batches:
                writer.write_batch(batch)
                ack = reader.read()
                if ack is None:
                    break  # the server ended the stream; close() raises its status
                acks.append(json.loads(ack.to_pybytes()))
            writer.done_writing()
        finally:
            writer.close()
        return acks


def nodes(ids, labels=None, **props):
    columns = {"nodeId": pa.array(ids, pa.int64())}
    if labels is not None:
        columns["labels"] = labels
    columns.update(props)
    return pa.record_batch(columns)


def rels(src, dst, rel_type="KNOWS"):
    return pa.record_batch({"sourceNodeId": pa.array(src, pa.int64()), "targetNodeId": pa.array(dst, pa.int64()),
                            "relationshipType": pa.array([rel_type] * len(src))})


def test_handshake_returns_bearer_token_and_lists_v1_actions(server, model):
    client = Client(server)
    assert client.header[0] == b"authorization"
    assert client.header[1].startswith(b"Bearer ")
    actions = [a.type for a in client.flight.list_actions(client.options)]
    assert {"v1/CREATE_DATABASE", "v1/NODE_LOAD_DONE", "v1/RELATIONSHIP_LOAD_DONE", "v1/ABORT"} <= set(actions)
    assert model.arrow["running"] is True
    assert model.arrow["listenAddress"] == "127.0.0.1:%d" % server.port


def test_wrong_password_and_missing_token_are_unauthenticated(server):
    with pytest.raises(flight.FlightUnauthenticatedError):
        Client(server, password="wrong")
    raw = flight.connect(server.location)
    with pytest.raises(flight.FlightUnauthenticatedError):
        list(raw.list_actions())


def test_token_expires(server):
    server.token_lifetime = 0.2
    client = Client(server)
    list(client.flight.list_actions(client.options))
    time.sleep(0.3)
    with pytest.raises(flight.FlightUnauthenticatedError, match="expired"):
        list(client.flight.list_actions(client.options))
    client.header = client.flight.authenticate_basic_token("neo4j", "password")  # renewal works
    assert list(client.flight.list_actions(client.options))


def test_full_import_creates_database(server, model):
    model.start_delay = 0.3
    client = Client(server)
    assert client.action("v1/CREATE_DATABASE", name="Graph1", concurrency=4, force=False) == {"name": "graph1"}
    acks = client.put("graph1", "node", [nodes([1, 2, 3], pa.array(["A", "B", "A"]), score=pa.array([1.0, 2.0, 3.0])),
                                         nodes([4, 5], pa.array(["C", "A"]), score=pa.array([4.0, 5.0]))])
    assert acks == [{"imported": 3}, {"imported": 5}]
    client.put("graph1", "node", [nodes([7], pa.array([["A", "C"]]))])
    client.put("graph1", "node", [nodes([6])], common_labels=["Extra"])
    assert client.action("v1/NODE_LOAD_DONE", name="graph1") == {"name": "graph1", "node_count": 7}
    client.put("graph1", "relationship", [rels([1, 2], [2, 3]), rels([3], [6], "LIKES")])
    assert client.action("v1/RELATIONSHIP_LOAD_DONE", name="graph1") == {"name": "graph1", "relationship_count": 3}
    db = model.databases["graph1"]
    assert db.graph.node_count == 7 and db.graph.relationship_count == 3
    assert db.graph.label_counts == {"A": 4, "B": 1, "C": 2, "Extra": 1}
    assert db.graph.type_counts == {"KNOWS": 2, "LIKES": 1}
    assert db.graph.node_properties == {"score", "__originalId__"}  # GDS keeps the input id
    # starting -> online, honouring model.start_delay
    assert {a.current() for a in db.allocations.values()} == {"starting"}
    assert model.wait_for(lambda: all(a.current() == "online" for a in db.allocations.values()), 5)
    assert "graph1" not in server.imports


def test_create_options_id_property_and_db_format(server, model):
    client = Client(server)
    with pytest.raises(pa.ArrowInvalid, match="Invalid db_format `fast`"):
        client.action("v1/CREATE_DATABASE", name="opts", db_format="fast")
    with pytest.raises(pa.ArrowInvalid, match="`force` must be a boolean"):
        client.action("v1/CREATE_DATABASE", name="opts", force="yes")
    client.action("v1/CREATE_DATABASE", name="opts", id_property="uid", db_format="aligned", high_io=True)
    client.put("opts", "node", [nodes([1])])
    client.action("v1/NODE_LOAD_DONE", name="opts")
    client.action("v1/RELATIONSHIP_LOAD_DONE", name="opts")
    db = model.databases["opts"]
    assert db.graph.node_properties == {"uid"}
    assert db.store == "record-aligned-1.1"


def test_existing_database_or_running_import_already_exists(server, model):
    client = Client(server)
    with pytest.raises(flight.FlightServerError, match="database with name `neo4j` already exists"):
        client.action("v1/CREATE_DATABASE", name="neo4j")
    client.action("v1/CREATE_DATABASE", name="twice")
    with pytest.raises(flight.FlightServerError, match="already running"):
        client.action("v1/CREATE_DATABASE", name="twice")
    # force replaces an existing database once the import completes
    assert client.action("v1/CREATE_DATABASE", name="neo4j", force=True) == {"name": "neo4j"}
    client.put("neo4j", "node", [nodes([1])])
    client.action("v1/NODE_LOAD_DONE", name="neo4j")
    client.action("v1/RELATIONSHIP_LOAD_DONE", name="neo4j")
    assert model.databases["neo4j"].graph.node_count == 1


def test_relationships_before_node_load_done_are_rejected(server):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="early")
    with pytest.raises(pa.ArrowInvalid, match="only be sent after NODE_LOAD_DONE"):
        client.put("early", "relationship", [rels([1], [2])])
    with pytest.raises(pa.ArrowInvalid, match="only be done after NODE_LOAD_DONE"):
        client.action("v1/RELATIONSHIP_LOAD_DONE", name="early")


@pytest.mark.parametrize("batch, message", [
    (pa.record_batch({"id": pa.array([1])}), "Missing required column `nodeId`"),
    (pa.record_batch({"nodeId": pa.array(["a"])}), "must be of type int64"),
    (pa.record_batch({"nodeId": pa.array([1]), "labels": pa.array([1])}), "`labels` has unsupported type"),
    (pa.record_batch({"nodeId": pa.array([1]), "name": pa.array(["x"], pa.large_string())}), "large types"),
    (pa.record_batch({"nodeId": pa.array([1]), "s": pa.array([{"a": 1}])}), "cannot be stored as a property"),
])
def test_wrong_node_schema_is_invalid_argument(server, batch, message):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="schema")
    with pytest.raises(pa.ArrowInvalid, match=message):
        client.put("schema", "node", [batch])


def test_dangling_relationship_fails_the_import(server, model):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="dangling")
    client.put("dangling", "node", [nodes([1, 2])])
    client.action("v1/NODE_LOAD_DONE", name="dangling")
    with pytest.raises(pa.ArrowInvalid, match="node id that was not imported: 99"):
        client.put("dangling", "relationship", [rels([1, 99], [2, 1])])
    with pytest.raises(pa.ArrowInvalid, match="99"):  # the import stays failed
        client.action("v1/RELATIONSHIP_LOAD_DONE", name="dangling")
    client.action("v1/ABORT", name="dangling")
    assert "dangling" not in model.databases and not server.imports


def test_bad_collector_skips_dangling_relationships(server, model):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="collect", use_bad_collector=True)
    client.put("collect", "node", [nodes([1, 2])])
    client.action("v1/NODE_LOAD_DONE", name="collect")
    assert client.put("collect", "relationship", [rels([1, 99], [2, 1])]) == [{"imported": 1}]
    assert client.action("v1/RELATIONSHIP_LOAD_DONE", name="collect")["relationship_count"] == 1


def test_duplicate_node_ids_fail_node_load_done(server):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="dups")
    client.put("dups", "node", [nodes([1, 2])])
    client.put("dups", "node", [nodes([2, 3])])
    with pytest.raises(pa.ArrowInvalid, match="Duplicate node id 2"):
        client.action("v1/NODE_LOAD_DONE", name="dups")


def test_string_ids(server, model):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="strings", id_type="STRING")
    batch = pa.record_batch({"nodeId": pa.array(["a", "b"]), "labels": pa.array(["X", "X"])})
    client.put("strings", "node", [batch])
    client.action("v1/NODE_LOAD_DONE", name="strings")
    rel = pa.record_batch({"sourceNodeId": pa.array(["a"]), "targetNodeId": pa.array(["b"])})
    client.put("strings", "relationship", [rel])
    client.action("v1/RELATIONSHIP_LOAD_DONE", name="strings")
    assert model.databases["strings"].graph.type_counts == {"RELATIONSHIP": 1}


def test_abort_removes_state_and_unknown_name_is_not_found(server, model):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="gone")
    client.put("gone", "node", [nodes([1, 2])])
    assert client.action("v1/ABORT", name="gone") == {"name": "gone"}
    assert "gone" not in server.imports and "gone" not in model.databases
    with pytest.raises(pa.ArrowKeyError, match="No arrow process with name `gone`"):
        client.action("v1/ABORT", name="gone")
    with pytest.raises(pa.ArrowKeyError, match="No arrow process"):
        client.put("gone", "node", [nodes([3])])


def test_abortion_timeout_removes_idle_imports(server):
    server.abortion_timeout = 0.2
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="idle")
    deadline = time.monotonic() + 5
    while "idle" in server.imports and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "idle" not in server.imports
    with pytest.raises(pa.ArrowKeyError):
        client.action("v1/NODE_LOAD_DONE", name="idle")


def test_parallel_streams(server, model):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="parallel")
    errors = []

    def stream(start):
        try:
            Client(server).put("parallel", "node", [nodes(range(start + i * 100, start + (i + 1) * 100))
                                                    for i in range(10)])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=stream, args=(k * 1000,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert client.action("v1/NODE_LOAD_DONE", name="parallel")["node_count"] == 6000


def test_fault_cut_stream_and_failed_action(server):
    client = Client(server)
    client.action("v1/CREATE_DATABASE", name="faulty")
    server.faults.cut_stream(after_batches=1, entity_type="node")
    with pytest.raises(flight.FlightUnavailableError, match="cut after 1 batches"):
        client.put("faulty", "node", [nodes([1]), nodes([2]), nodes([3])])
    server.faults.fail_action("NODE_LOAD_DONE", "Simulated failure")
    with pytest.raises(flight.FlightInternalError, match="Simulated failure"):
        client.action("v1/NODE_LOAD_DONE", name="faulty")
    assert client.action("v1/NODE_LOAD_DONE", name="faulty")["node_count"] == 1  # one-shot


def test_reject_auth_fault(server):
    server.faults.reject_auth = True
    with pytest.raises(flight.FlightUnauthenticatedError):
        Client(server)


def test_unknown_action_fails_loudly(server):
    client = Client(server)
    with pytest.raises(pa.ArrowNotImplementedError, match="Unknown action 'v1/CREATE_GRAPH'"):
        client.action("v1/CREATE_GRAPH", name="g", database_name="neo4j")


def test_disabled_arrow_refuses_connections(model):
    model.arrow["enabled"] = False
    s = start_arrow_server(model)
    try:
        assert model.arrow["running"] is False
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", s.port), timeout=2)
        # pyarrow reports a refused handshake as UNAVAILABLE or as an unfinished write, by timing
        with pytest.raises((flight.FlightUnavailableError, flight.FlightInternalError)):
            flight.connect(s.location).authenticate_basic_token(
                "neo4j", "password", flight.FlightCallOptions(timeout=5))
    finally:
        s.shutdown()


def test_disabling_at_run_time(server, model):
    client = Client(server)
    model.arrow["enabled"] = False
    with pytest.raises(flight.FlightUnavailableError, match="Connection refused"):
        list(client.flight.list_actions(client.options))


def test_shutdown_marks_not_running(model):
    s = start_arrow_server(model)
    s.shutdown()
    assert model.arrow["running"] is False

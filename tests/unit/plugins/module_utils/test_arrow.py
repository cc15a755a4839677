"""The GDS Arrow Flight client (plugins/module_utils/arrow.py) against the simulator's Flight server."""

import time

import pyarrow as pa
from pyarrow import flight
import pyarrow.parquet as pq
import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import arrow
from ansible_collections.graphops.neo4j.plugins.module_utils import arrow_sources as src
from simulator.arrow_server import start_arrow_server
from simulator.model import ClusterModel


@pytest.fixture
def model():
    m = ClusterModel()
    m.add_server("server1", "127.0.0.1", 7687)
    m.add_user("neo4j", "password")
    m.bootstrap()
    return m


@pytest.fixture
def server(model):
    s = start_arrow_server(model)
    yield s
    s.shutdown()


def client_for(server, password="password", **kwargs):
    return arrow.GdsArrowClient("127.0.0.1", server.port, "neo4j", password, **kwargs)


def node_items(n, batch=100, labels=("Person",), start=0):
    for first in range(start, start + n, batch):
        ids = pa.array(range(first, min(first + batch, start + n)), pa.int64())
        b = pa.record_batch({"nodeId": ids})
        yield b.schema, b, list(labels)


def rel_items(n, batch=100):
    for first in range(0, n, batch):
        ids = pa.array(range(first, min(first + batch, n)), pa.int64())
        b = pa.record_batch({"sourceNodeId": ids, "targetNodeId": ids, "relationshipType": pa.repeat("SELF", len(ids))})
        yield b.schema, b, None


@pytest.mark.parametrize("raw, expected", [
    ("'No arrow process with name `x` found.'. Detail: Python exception: Traceback ...", "No arrow process with name `x` found."),
    ("gRPC returned already exists error, with message: A graph with name `g` already exists. "
     "gRPC client debug context: UNKNOWN:...", "A graph with name `g` already exists."),
    ("FlightRuntimeException: boom", "boom."),
])
def test_clean_message(raw, expected):
    assert arrow.clean_message(Exception(raw)) == expected


def test_classify():
    assert arrow.classify(flight.FlightUnauthenticatedError("x")).kind == "unauthenticated"
    assert arrow.classify(flight.FlightUnavailableError("x")).kind == "unavailable"
    assert arrow.classify(flight.FlightServerError("An import process with name `a` is already running.")).kind == "already_exists"
    assert arrow.classify(pa.ArrowKeyError("No arrow process with name `a` found.")).kind == "not_found"
    assert arrow.classify(pa.ArrowInvalid("bad")).kind == "invalid"
    assert arrow.classify(flight.FlightTimedOutError("Deadline Exceeded")).kind == "timeout"


@pytest.mark.parametrize("text, expected", [
    ("localhost:8491", ("localhost", 8491)), ("db1.example.com", ("db1.example.com", 8491)),
    ("[::1]:9000", ("::1", 9000)), ("0.0.0.0:8491", (None, 8491)),
])
def test_parse_address(text, expected):
    assert arrow.parse_address(text) == expected


def test_full_import_with_parallel_streams_and_label_groups(server, model):
    def nodes():
        yield from node_items(450, labels=("Person",))
        yield from node_items(50, labels=("Company",), start=450)

    with client_for(server) as client:
        stats = arrow.import_database(client, "graph", nodes(), rel_items(300), concurrency=4)
    assert stats["node_count"] == 500 and stats["relationship_count"] == 300
    assert stats["nodes_sent"] == 500 and stats["relationships_sent"] == 300
    assert stats["bytes_sent"] > 0
    graph = model.databases["graph"].graph
    assert graph.label_counts == {"Person": 450, "Company": 50}
    assert graph.type_counts == {"SELF": 300}


def test_wrong_password(server):
    with pytest.raises(arrow.ArrowError, match="authentication failed") as info:
        client_for(server, password="nope").connect()
    assert info.value.kind == "unauthenticated"


def test_refused_port_is_reported_plainly(model):
    model.arrow["enabled"] = False
    disabled = start_arrow_server(model)
    try:
        with pytest.raises(arrow.ArrowError, match="Connection refused") as info:
            client_for(disabled).connect()
        assert info.value.kind == "unavailable"
    finally:
        disabled.shutdown()


def test_token_is_renewed_for_actions_and_puts(server, model):
    with client_for(server) as client:
        client.create_database("renew")
        server.expire_tokens()
        client.put_batches("renew", "node", ((s, b) for s, b, _l in node_items(250)), concurrency=2)
        server.expire_tokens()
        assert client.node_load_done("renew")["node_count"] == 250


def test_stream_cut_aborts_and_leaves_nothing(server, model):
    server.faults.cut_stream(after_batches=2, entity_type="relationship")
    with client_for(server) as client:
        with pytest.raises(arrow.ArrowError, match="cut after 2 batches") as info:
            arrow.import_database(client, "cut", node_items(300), rel_items(300), concurrency=1)
    assert info.value.abort_status == "aborted"
    assert "cut" not in server.imports and "cut" not in model.databases


def test_source_error_mid_stream_aborts(server, model, tmp_path):
    good = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": [1, 2, 3]}), good)
    bad = tmp_path / "b.parquet"
    pq.write_table(pa.table({"id": ["4", "x"]}), bad)
    sources = src.open_sources("node", [{"path": str(good), "id_column": "id"}, {"path": str(bad), "id_column": "id"}])
    with client_for(server) as client:
        with pytest.raises(src.SourceError, match="cannot be read as integers"):
            arrow.import_database(client, "midway", src.chain(sources, 2), iter([]))
    assert "midway" not in server.imports and "midway" not in model.databases


def test_already_running_import_is_not_aborted(server):
    with client_for(server) as client:
        client.create_database("taken")
        with pytest.raises(arrow.ArrowError, match="already running") as info:
            arrow.import_database(client, "taken", node_items(10), iter([]))
        assert info.value.kind == "already_exists"
    assert "taken" in server.imports  # someone else's import survives


def test_deadline_aborts(server, model):
    with client_for(server, deadline=time.monotonic() + 60) as client:
        client.deadline = time.monotonic() - 1
        with pytest.raises(arrow.ArrowError, match="Timed out") as info:
            arrow.import_database(client, "slow", node_items(10), iter([]))
        assert info.value.kind == "timeout"
        client.deadline = None
        assert client.abort("slow") is False  # nothing was created
    assert not server.imports


def test_abort_of_unknown_import_is_false(server):
    with client_for(server) as client:
        assert client.abort("never-started") is False


def test_server_without_v1_is_refused():
    class Alpha(flight.FlightServerBase):
        def list_actions(self, context):
            return [("CREATE_GRAPH", ""), ("NODE_LOAD_DONE", "")]

    class Noop(flight.ServerAuthHandler):
        def authenticate(self, outgoing, incoming):
            pass

        def is_valid(self, token):
            return ""

    alpha = Alpha("grpc://127.0.0.1:0", auth_handler=Noop())
    try:
        with pytest.raises(arrow.ArrowError, match="does not support protocol v1"):
            arrow.GdsArrowClient("127.0.0.1", alpha.port, "neo4j", "password").connect()
    finally:
        alpha.shutdown()


# ----- TLS: the cause of a failed handshake, check_hostname -----------------------------------


@pytest.fixture(scope="module")
def tls_certs(tmp_path_factory):
    from simulator.tls import self_signed_cert
    return {name: self_signed_cert(tmp_path_factory.mktemp(name), hostname=host)
            for name, host in (("other", "gds.example.com"), ("ip", "127.0.0.1"), ("unrelated", "gds.example.com"))}


@pytest.fixture
def tls_server(model, tls_certs):
    s = start_arrow_server(model, tls=tls_certs["other"])
    yield s
    s.shutdown()


def test_tls_check_names_each_cause(tls_server, server, tls_certs):
    ca = tls_certs["other"][0]
    with pytest.raises(arrow.ArrowError, match=r"hostname mismatch: the certificate is for 'gds.example.com', not "
                                               r"'127.0.0.1'"):
        arrow.tls_check("127.0.0.1", tls_server.port, ca)
    with pytest.raises(arrow.ArrowError, match=r"certificate not trusted \(self-signed certificate\)"):
        arrow.tls_check("127.0.0.1", tls_server.port, tls_certs["unrelated"][0], check_hostname=False)
    with pytest.raises(arrow.ArrowError, match=r"certificate not trusted"):
        arrow.tls_check("127.0.0.1", tls_server.port)  # system CAs only
    with pytest.raises(arrow.ArrowError, match=r"server not speaking TLS"):
        arrow.tls_check("127.0.0.1", server.port, ca)
    assert arrow.speaks_tls("127.0.0.1", tls_server.port) and not arrow.speaks_tls("127.0.0.1", server.port)


def test_check_hostname_false_still_verifies_the_chain(tls_server, tls_certs):
    ca = tls_certs["other"][0]
    assert arrow.tls_check("127.0.0.1", tls_server.port, ca, check_hostname=False) == "gds.example.com"
    assert arrow.tls_check("127.0.0.1", tls_server.port, validate_certs=False) is None
    with client_for(tls_server, tls=True, ca_file=ca, check_hostname=False) as client:
        assert "v1/CREATE_DATABASE" in client.list_actions()
    with pytest.raises(arrow.ArrowError, match="hostname mismatch"):
        client_for(tls_server, tls=True, ca_file=ca).connect()


def test_certificate_for_an_ip_address(model, tls_certs):
    s = start_arrow_server(model, tls=tls_certs["ip"])
    try:
        assert arrow.tls_check("127.0.0.1", s.port, tls_certs["ip"][0]) is None
        assert arrow.tls_check("127.0.0.1", s.port, tls_certs["ip"][0], check_hostname=False) == "127.0.0.1"
        with client_for(s, tls=True, ca_file=tls_certs["ip"][0]) as client:
            assert client.list_actions()
    finally:
        s.shutdown()


def test_client_not_using_tls_is_named(tls_server):
    with pytest.raises(arrow.ArrowError, match=r"client not using TLS.*set arrow_tls: true"):
        client_for(tls_server).connect()


def test_each_phase_is_read_ahead_and_relationships_only_after_every_node(server, model):
    """The first relationship batches are decoded while the nodes are still being sent (before NODE_LOAD_DONE), but
    only once every node batch has been read, so the two files never compete; the result is the same."""
    server.faults.batch_delay = 0.05  # the server takes its time over each batch, as a real one does
    read = []

    def nodes():
        for item in node_items(400):
            read.append(("node", server.imports["ahead"].phase if "ahead" in server.imports else None))
            yield item

    def rels():
        for item in rel_items(300):
            read.append(("relationship", server.imports["ahead"].phase))
            yield item

    with client_for(server) as client:
        stats = arrow.import_database(client, "ahead", nodes(), rels(), concurrency=1)
    assert stats["node_count"] == 400 and stats["relationship_count"] == 300
    kinds = [kind for kind, _phase in read]
    assert kinds == ["node"] * 4 + ["relationship"] * 3  # every node batch read before any relationship batch
    assert read[4] == ("relationship", "nodes")  # the first relationship batch was read before NODE_LOAD_DONE
    assert model.databases["ahead"].graph.type_counts == {"SELF": 300}

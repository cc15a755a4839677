"""The Bolt server on the wire: handshake, chunking, state machine and metadata, byte by byte."""

import socket
import struct

import pytest

from lint_collector import deliberately_malformed
from simulator.bolt import choose_legacy_version, encode_varint
from simulator.packstream import pack_message, unpack_message

MAGIC = bytes.fromhex("6060B017")
AGENT = {"product": "raw/1.0", "platform": "test", "language": "Python"}
LOGIN = {"scheme": "basic", "principal": "neo4j", "credentials": "password"}

SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F


class RawBolt:
    """A minimal client that speaks exact bytes, for what a driver would hide."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""

    def recv_exact(self, n):
        while len(self.buffer) < n:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by server")
            self.buffer += data
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def closed(self):
        """True when the server has closed the connection (EOF or reset)."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def legacy(self, *slots):
        self.sock.sendall(MAGIC + b"".join(bytes.fromhex(s) for s in slots))
        return self.recv_exact(4)

    def manifest(self, pick="00000805"):
        self.sock.sendall(MAGIC + bytes.fromhex("000001FF 00080805 00020404 00000003"))
        reply = self.recv_exact(4 + 1 + 4 + 1)
        self.sock.sendall(bytes.fromhex(pick) + b"\x00")
        return reply

    def send(self, tag, *fields, chunk=0xFFFF):
        data = pack_message(tag, *fields)
        out = b""
        for start in range(0, len(data), chunk):
            piece = data[start:start + chunk]
            out += struct.pack(">H", len(piece)) + piece
        self.sock.sendall(out + b"\x00\x00")

    def recv(self):
        data = b""
        while True:
            size = struct.unpack(">H", self.recv_exact(2))[0]
            if size == 0:
                if data:
                    return unpack_message(data)
                continue
            data += self.recv_exact(size)

    def login(self):
        self.send(0x01, {"user_agent": "raw/1.0", "bolt_agent": AGENT})
        hello = self.recv()
        self.send(0x6A, LOGIN)
        assert self.recv() == (SUCCESS, [{}])
        return hello[1][0]

    def close(self):
        self.sock.close()


@pytest.fixture
def raw(single):
    clients = []

    def connect(member=None):
        client = RawBolt(single.bolt_server(member or single.members[0]).port)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


# ----- handshake -----------------------------------------------------------------------------


@pytest.mark.parametrize("slots, chosen", [
    (["00000805", "00000000", "00000000", "00000000"], (5, 8)),
    (["00080805", "00020404", "00000003", "00000000"], (5, 8)),  # what the 5.28/6.x drivers offer
    (["00020705", "00000000", "00000000", "00000000"], (5, 7)),
    (["00000505", "00000405", "00000000", "00000000"], (5, 4)),  # 5.5 is never negotiated
    (["00010605", "00000000", "00000000", "00000000"], (5, 6)),
    (["00020605", "00000000", "00000000", "00000000"], (5, 6)),
    (["00000404", "00000305", "00000000", "00000000"], (5, 3)),  # the first match in the client's order
    (["00000006", "00040405", "00000000", "00000000"], (5, 4)),
    (["00000404", "00000003", "00000000", "00000000"], None),
])
def test_legacy_version_choice(slots, chosen):
    assert choose_legacy_version(bytes.fromhex("".join(slots))) == chosen


def test_varint_encoding_matches_the_spec_examples():
    assert encode_varint(1) == b"\x01"
    assert encode_varint(127) == b"\x7F"
    assert encode_varint(1851775) == bytes.fromhex("FF8271")


def test_legacy_handshake_answers_without_a_range(raw):
    client = raw()
    assert client.legacy("00030805", "00000000", "00000000", "00000000") == bytes.fromhex("00000805")
    hello = client.login()
    assert hello["server"] == "Neo4j/5.26.0"
    assert hello["connection_id"].startswith("bolt-")
    assert "protocol_version" not in hello


def test_no_common_version_gets_zeros_and_a_closed_connection(raw):
    client = raw()
    assert client.legacy("00000404", "00000003", "00000000", "00000000") == b"\x00\x00\x00\x00"
    assert client.closed()


def test_wrong_magic_closes_the_connection(raw):
    client = raw()
    client.sock.sendall(b"GET / HTTP/1.1\r\n\r\n\r\n")
    assert client.closed()


def test_manifest_handshake_offers_one_range_and_reports_the_pick(raw):
    client = raw()
    reply = client.manifest("00000705")
    assert reply == bytes.fromhex("000001FF 01 00080805 00")
    hello = client.login()
    assert hello["protocol_version"] == "5.7"
    assert hello["hints"] == {"telemetry.enabled": False}


def test_manifest_pick_outside_the_offer_closes(raw):
    client = raw()
    client.manifest("00000006")
    assert client.closed()


# ----- authentication ------------------------------------------------------------------------


def test_logon_failure_is_reported_then_the_connection_closes(raw):
    client = raw()
    client.manifest()
    client.send(0x01, {"user_agent": "raw/1.0", "bolt_agent": AGENT})
    assert client.recv()[0] == SUCCESS
    client.send(0x6A, {"scheme": "basic", "principal": "neo4j", "credentials": "wrong"})
    tag, (meta,) = client.recv()
    assert tag == FAILURE
    assert meta["neo4j_code"] == "Neo.ClientError.Security.Unauthorized"
    assert set(meta) >= {"gql_status", "description", "message"}
    assert client.closed()


def test_bolt_5_0_carries_credentials_in_hello(raw):
    client = raw()
    assert client.legacy("00000005", "00000000", "00000000", "00000000") == bytes.fromhex("00000005")
    client.send(0x01, {"user_agent": "raw/1.0", **LOGIN})
    assert client.recv()[0] == SUCCESS
    client.send(0x10, "RETURN 1", {}, {})
    tag, (meta,) = client.recv()
    assert tag == SUCCESS and meta["fields"] == ["1"] and set(meta) == {"fields", "t_first"}


def test_hello_without_bolt_agent_is_refused_from_5_3(raw):
    client = raw()
    client.legacy("00000805", "00000000", "00000000", "00000000")
    client.send(0x01, {"user_agent": "raw/1.0"})
    tag, (meta,) = client.recv()
    assert tag == FAILURE and meta["neo4j_code"] == "Neo.ClientError.Request.Invalid"
    assert client.closed()


def test_logoff_returns_to_authentication(raw):
    client = raw()
    client.manifest()
    client.login()
    client.send(0x6B)
    assert client.recv() == (SUCCESS, [{}])
    client.send(0x6A, LOGIN)
    assert client.recv() == (SUCCESS, [{}])
    client.send(0x10, "RETURN 1", {}, {})
    assert client.recv()[0] == SUCCESS


# ----- messages and states -------------------------------------------------------------------


def test_run_pull_metadata_and_statement_log(raw, single):
    client = raw()
    client.manifest()
    client.login()
    client.send(0x10, "RETURN $x AS x", {"x": "hello"}, {"db": "neo4j"})
    client.send(0x3F, {"n": 1000})
    tag, (run_meta,) = client.recv()
    assert tag == SUCCESS and run_meta["fields"] == ["x"] and "qid" not in run_meta
    assert client.recv() == (RECORD, [["hello"]])
    tag, (summary,) = client.recv()
    assert tag == SUCCESS
    assert summary["db"] == "neo4j" and summary["type"] == "r"
    assert summary["bookmark"].startswith("FB:")
    assert "t_last" in summary and "stats" not in summary
    (entry,) = single.statements
    assert (entry.member, entry.database, entry.query, entry.parameters, entry.user, entry.error) == (
        "server1", "neo4j", "RETURN $x AS x", {"x": "hello"}, "neo4j", None)


def test_pull_streams_in_batches_with_has_more(raw, single):
    for name in ("a", "b", "c", "d"):
        single.model.add_user(name, "secret")
    client = raw()
    client.manifest()
    client.login()
    client.send(0x10, "SHOW USERS YIELD user", {}, {"db": "system"})
    client.send(0x3F, {"n": 2})
    assert client.recv()[0] == SUCCESS
    first, second, more = client.recv(), client.recv(), client.recv()
    assert first[0] == second[0] == RECORD and more == (SUCCESS, [{"has_more": True}])
    client.send(0x2F, {"n": -1})  # DISCARD the rest
    tag, (summary,) = client.recv()
    assert tag == SUCCESS and "has_more" not in summary and "bookmark" in summary
    client.send(0x10, "RETURN 1", {}, {})  # back in READY
    assert client.recv()[0] == SUCCESS


def test_failure_then_ignored_until_reset(raw, single):
    client = raw()
    client.manifest()
    client.login()
    client.send(0x10, deliberately_malformed("MATCH (n RETURN n"), {}, {})
    client.send(0x3F, {"n": 1000})
    client.send(0x10, "RETURN 1", {}, {})
    client.send(0x0F)
    client.send(0x10, "RETURN 1", {}, {})
    tag, (meta,) = client.recv()
    assert tag == FAILURE and meta["neo4j_code"] == "Neo.ClientError.Statement.SyntaxError"
    assert meta["diagnostic_record"]["_classification"] == "CLIENT_ERROR"
    assert client.recv() == (IGNORED, [])
    assert client.recv() == (IGNORED, [])
    assert client.recv() == (SUCCESS, [{}])
    assert client.recv()[0] == SUCCESS
    assert [s.error for s in single.statements] == ["Neo.ClientError.Statement.SyntaxError", None]


def test_failure_before_bolt_5_7_uses_code_and_message(raw):
    client = raw()
    client.legacy("00000605", "00000000", "00000000", "00000000")
    client.login()
    client.send(0x10, deliberately_malformed("MATCH (n RETURN n"), {}, {})
    tag, (meta,) = client.recv()
    assert tag == FAILURE
    assert set(meta) == {"code", "message"} and meta["code"] == "Neo.ClientError.Statement.SyntaxError"


def test_message_out_of_state_is_a_protocol_violation(raw):
    client = raw()
    client.manifest()
    client.login()
    client.send(0x12)  # COMMIT with no transaction
    tag, (meta,) = client.recv()
    assert tag == FAILURE and meta["neo4j_code"] == "Neo.ClientError.Request.Invalid"
    assert client.closed()


def test_explicit_transaction_with_qids(raw, single):
    client = raw()
    client.manifest()
    client.login()
    client.send(0x11, {"db": "system"})
    assert client.recv() == (SUCCESS, [{}])
    client.send(0x10, "RETURN 1", {}, {})
    client.send(0x10, "CREATE DATABASE txdb", {}, {})
    first, second = client.recv(), client.recv()
    assert first[1][0]["qid"] == 0 and second[1][0]["qid"] == 1
    client.send(0x3F, {"n": -1, "qid": 0})
    assert client.recv() == (RECORD, [[1]])
    tag, (summary,) = client.recv()
    assert tag == SUCCESS and "bookmark" not in summary and summary["db"] == "system"
    client.send(0x3F, {"n": -1})  # qid omitted: the last statement
    tag, (summary,) = client.recv()
    assert summary["stats"] == {"system-updates": 1} and summary["type"] == "s"
    assert "txdb" not in single.model.databases  # not before COMMIT
    client.send(0x12)
    tag, (meta,) = client.recv()
    assert tag == SUCCESS and meta["bookmark"].startswith("FB:")
    assert "txdb" in single.model.databases


def test_reset_rolls_back_an_open_transaction(raw, single):
    client = raw()
    client.manifest()
    client.login()
    client.send(0x11, {"db": "system"})
    client.send(0x10, "CREATE DATABASE gone", {}, {})
    client.send(0x0F)
    assert [client.recv()[0] for _reply in range(3)] == [SUCCESS, SUCCESS, SUCCESS]
    client.send(0x12)  # COMMIT after RESET: no transaction any more
    assert client.recv()[0] == FAILURE
    assert "gone" not in single.model.databases


def test_multi_chunk_messages_and_noops(raw):
    client = raw()
    client.manifest()
    client.login()
    client.sock.sendall(b"\x00\x00\x00\x00")  # NOOPs between messages
    big = "x" * 200_000
    client.send(0x10, "RETURN $x AS x", {"x": big}, {}, chunk=1000)
    client.send(0x3F, {"n": -1})
    assert client.recv()[0] == SUCCESS
    assert client.recv() == (RECORD, [[big]])  # the server chunks its answer too
    assert client.recv()[0] == SUCCESS


def test_telemetry_and_goodbye(raw):
    client = raw()
    client.manifest()
    client.login()
    client.send(0x54, 2)
    assert client.recv() == (SUCCESS, [{}])
    client.send(0x02)
    assert client.closed()


def test_route_returns_the_routing_table(cluster):
    client = RawBolt(cluster.bolt_server("server2").port)
    try:
        client.manifest()
        client.login()
        addresses = {name: cluster.model.server(name).address for name in cluster.members}
        client.send(0x66, {"address": addresses["server2"]}, [], {})
        tag, (meta,) = client.recv()
        assert tag == SUCCESS
        rt = meta["rt"]
        assert rt["ttl"] == 300 and rt["db"] == "neo4j"
        roles = {entry["role"]: entry["addresses"] for entry in rt["servers"]}
        neo4j_writer = cluster.model.databases["neo4j"].writer
        assert roles["ROUTE"] == list(addresses.values())
        assert roles["WRITE"] == [addresses[neo4j_writer]]
        assert roles["READ"] == [addresses[neo4j_writer]]  # the only host of neo4j also serves reads
        client.send(0x66, {}, [], {"db": "system"})
        roles = {e["role"]: e["addresses"] for e in client.recv()[1][0]["rt"]["servers"]}
        assert roles["WRITE"] == [addresses[cluster.leader()]]
        assert sorted(roles["READ"]) == sorted(a for n, a in addresses.items() if n != cluster.leader())
        client.send(0x66, {}, [], {"db": "missing"})
        tag, (meta,) = client.recv()
        assert tag == FAILURE and meta["neo4j_code"] == "Neo.ClientError.Database.DatabaseNotFound"
    finally:
        client.close()

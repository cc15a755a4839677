"""The two release lines on the wire: which Bolt versions a simulated 5.26 / 2025.x / 2026.x serves, what
Bolt 6.0 adds (Vector, UnsupportedType), and GQL status objects in the final SUCCESS of a result."""

import types

import neo4j
import pytest
from neo4j.vector import Vector

from simulator import cypher, packstream, versions
from simulator.bolt import manifest_offer, manifest_versions
from simulator.cypher.context import Result
from simulator.notifications import server_caught_up
from test_bolt_protocol import AGENT, LOGIN, MAGIC, RECORD, SUCCESS, RawBolt

AUTH = ("neo4j", "password")
CALVER = "2026.07.0"


# ----- which versions each release serves ------------------------------------------------------------

@pytest.mark.parametrize("version, bolt", [
    ("5.26.0", [(5, 8), (5, 7), (5, 6), (5, 4), (5, 3), (5, 2), (5, 1), (5, 0)]),
    ("2025.06.0", [(5, 8), (5, 7), (5, 6), (5, 4), (5, 3), (5, 2), (5, 1), (5, 0)]),
    ("2025.10.1", [(6, 0), (5, 8), (5, 7), (5, 6), (5, 4), (5, 3), (5, 2), (5, 1), (5, 0)]),
    (CALVER, [(6, 0), (5, 8), (5, 7), (5, 6), (5, 4), (5, 3), (5, 2), (5, 1), (5, 0)]),
])
def test_bolt_versions_per_release_follow_bolt_compatibility(version, bolt):
    assert versions.bolt_versions(version) == bolt


def test_version_order_and_configured_language():
    assert versions.version_key("2025.10.1") > versions.version_key("5.26.12")
    assert versions.configured_language("5.26.0") is None
    assert versions.configured_language("2025.06.0") == 5  # the setting's default, CYPHER_5
    assert versions.configured_language("2026.01.3") == 5
    assert versions.configured_language("2026.02.2") == 25  # the shipped neo4j.conf sets CYPHER_25
    with pytest.raises(ValueError):
        versions.version_key("latest")


def test_manifest_offer_of_a_calendar_release_lists_6_0_first():
    assert manifest_offer("5.26.0") == bytes.fromhex("000001FF 01 00080805 00")
    assert manifest_offer("2025.10.0") == bytes.fromhex("000001FF 02 00000006 00080805 00")
    assert (6, 0) in manifest_versions(CALVER) and (6, 0) not in manifest_versions("2025.09.0")


@pytest.fixture
def calver_single(make_cluster):
    return make_cluster(members=1, version=CALVER)


def _manifest(port, pick):
    client = RawBolt(port)
    client.sock.sendall(MAGIC + bytes.fromhex("000001FF 00080805 00020404 00000003"))
    reply = client.recv_exact(4 + 1 + 8 + 1)
    client.sock.sendall(bytes.fromhex(pick) + b"\x00")
    return client, reply


def test_raw_client_picks_6_0_from_a_2026_member(calver_single):
    client, reply = _manifest(calver_single.bolt_server("server1").port, "00000006")
    try:
        assert reply == bytes.fromhex("000001FF 02 00000006 00080805 00")
        hello = client.login()
        assert hello["protocol_version"] == "6.0" and hello["server"] == "Neo4j/" + CALVER
    finally:
        client.close()


def test_legacy_proposals_never_reach_6_0(calver_single):
    client = RawBolt(calver_single.bolt_server("server1").port)
    try:
        assert client.legacy("00000006", "00080805", "00000000", "00000000") == bytes.fromhex("00000805")
    finally:
        client.close()


# ----- the real drivers --------------------------------------------------------------------------------

@pytest.mark.parametrize("version, protocol", [("5.26.0", (5, 8)), ("2025.06.0", (5, 8)), ("2025.10.1", (6, 0)),
                                               (CALVER, (6, 0))])
def test_driver_6_negotiates_what_the_release_serves(make_cluster, version, protocol):
    c = make_cluster(members=1, version=version)
    with neo4j.GraphDatabase.driver(c.routing_uri(), auth=AUTH) as driver:
        info = driver.get_server_info()
        assert info.protocol_version == protocol and info.agent == "Neo4j/" + version
        assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1


def test_vectors_travel_over_bolt_6_only(make_cluster):
    calver = make_cluster(members=1, version=CALVER)
    with neo4j.GraphDatabase.driver(calver.bolt_uri(), auth=AUTH) as driver:
        for vector in (Vector([1, -2, 3], "i8"), Vector([1.5, 2.25], "f32"), Vector([2 ** 40], "i64")):
            back = driver.execute_query("RETURN $v AS v", v=vector).records[0]["v"]
            assert isinstance(back, Vector) and back.dtype == vector.dtype and back.to_native() == vector.to_native()
    (received,) = [s.parameters["v"] for s in calver.statements[-1:]]
    assert received == packstream.Vector.of(0xCB, [2 ** 40])
    lts = make_cluster(members=1)
    with neo4j.GraphDatabase.driver(lts.bolt_uri(), auth=AUTH) as driver:
        with pytest.raises(Exception, match="Vector"):  # the 6.x driver cannot write a Vector on Bolt 5.8
            driver.execute_query("RETURN $v AS v", v=Vector([1], "i8"))


def test_unsupported_type_placeholder_reaches_the_driver(make_cluster):
    placeholder = packstream.UnsupportedType("QuantumFloat", (42, 21), "upgrade the driver")

    def execute(ctx, query, params=None):
        if query == "RETURN 'placeholder' AS p":
            return Result(fields=["p"], records=[[placeholder]], db="neo4j")
        return cypher.execute(ctx, query, params)

    executor = types.SimpleNamespace(**{n: getattr(cypher, n) for n in cypher.__all__})
    executor.execute = execute
    c = make_cluster(members=1, version=CALVER, executor=executor)
    with neo4j.GraphDatabase.driver(c.bolt_uri(), auth=AUTH) as driver, driver.session() as session:
        value = session.run("RETURN 'placeholder' AS p").single()["p"]  # auto-commit: executor.execute
    assert type(value).__name__ == "UnsupportedType"
    assert (value.name, value.minimum_protocol_version, value.message) == (
        "QuantumFloat", (42, 21), "upgrade the driver")


def test_packstream_encodes_the_bolt_6_structures_as_specified():
    # structure-semantics.adoc: Vector::Structure(type_marker::Bytes, data::Bytes), tag 0x56.
    assert packstream.pack(packstream.Vector.of(0xC9, [1, -1])) == bytes.fromhex("B2 56 CC01C9 CC04 0001FFFF")
    assert packstream.unpack(bytes.fromhex("B2 56 CC01C6 CC04 3FC00000")).values() == [1.5]
    encoded = packstream.pack(packstream.UnsupportedType("T", (6, 1), None))
    assert encoded == bytes.fromhex("B4 3F 8154 06 01 A0")
    assert packstream.unpack(encoded) == packstream.UnsupportedType("T", (6, 1), None)
    with pytest.raises(packstream.PackStreamError):
        packstream.unpack(bytes.fromhex("B2 56 CC01C9 CC03 000100"))  # not a whole number of INT16s


# ----- GQL status objects ------------------------------------------------------------------------------

def _pull(client, query, db):
    client.send(0x10, query, {}, {"db": db})
    client.send(0x3F, {"n": -1})
    assert client.recv()[0] == SUCCESS
    while True:
        tag, fields = client.recv()
        if tag != RECORD:
            return fields[0]


def test_final_success_carries_the_outcome_status_from_5_6(single):
    client = RawBolt(single.bolt_server("server1").port)
    try:
        client.manifest("00000805")
        client.login()
        assert _pull(client, "RETURN 1", "neo4j")["statuses"] == [
            {"gql_status": "00000", "status_description": "note: successful completion"}]
        assert _pull(client, "SHOW DATABASES YIELD name WHERE name = 'nope'", "system")["statuses"] == [
            {"gql_status": "02000", "status_description": "note: no data"}]
        assert _pull(client, "CREATE DATABASE quiet", "system")["statuses"] == [
            {"gql_status": "00001", "status_description": "note: successful completion - omitted result"}]
    finally:
        client.close()


def test_notifications_before_5_6_travel_in_the_old_shape():
    from simulator.notifications import summary_metadata
    note = server_caught_up("8e3a5f2c-0000-4000-8000-000000000000", "localhost:7687")
    assert summary_metadata([note], False, False, (5, 4)) == {"notifications": [{
        "code": "Neo.ClientNotification.Cluster.ServerCaughtUp", "title": "Server has caught up.",
        "description": "Server `ServerId{8e3a5f2c}` at address `localhost:7687` has caught up.",
        "severity": "INFORMATION", "category": "TOPOLOGY"}]}
    assert summary_metadata([], True, True, (5, 4)) == {}
    statuses = summary_metadata([note], False, False, (6, 0))["statuses"]
    assert [s["gql_status"] for s in statuses] == ["00001", "03N85"]  # success before informational
    assert statuses[1]["diagnostic_record"]["_status_parameters"] == {"server": "ServerId{8e3a5f2c}",
                                                                      "serverAddress": "localhost:7687"}


def test_hello_success_of_bolt_6_has_the_5_8_shape(calver_single):
    client, _reply = _manifest(calver_single.bolt_server("server1").port, "00000006")
    try:
        client.send(0x01, {"user_agent": "raw/1.0", "bolt_agent": AGENT})
        tag, (hello,) = client.recv()
        assert tag == SUCCESS and set(hello) == {"server", "connection_id", "hints", "protocol_version"}
        client.send(0x6A, LOGIN)
        assert client.recv() == (SUCCESS, [{}])
    finally:
        client.close()

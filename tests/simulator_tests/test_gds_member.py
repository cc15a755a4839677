"""GDS in a cluster: the GDS member (a Secondary, as GDS documents), its procedures and Arrow endpoint, and
the switches for what an Arrow database import leaves behind (undocumented by GDS).

Sources: GDS manual "GDS with Neo4j cluster"
(https://neo4j.com/docs/graph-data-science/current/production-deployment/neo4j-cluster/), Operations Manual
"Deploy an analytics cluster" (clustering/setup/analytics-cluster.adoc) and docs-status-codes.
"""

import json
import time

import neo4j
from neo4j.exceptions import ClientError
import pyarrow as pa
from pyarrow import flight
import pytest

from simulator.cluster import Cluster

AUTH = ("neo4j", "password")


@pytest.fixture
def gds_cluster():
    """server1 and server2 as usual, server3 the GDS Secondary."""
    c = Cluster(members=3, gds_member="server3").start()
    try:
        yield c
    finally:
        c.stop()


def run(cluster, query, member=None, database="system", **params):
    uri = cluster.bolt_uri(member) if member else cluster.routing_uri()
    with neo4j.GraphDatabase.driver(uri, auth=AUTH) as driver:
        return driver.execute_query(query, params, database_=database, routing_="r" if member else "w")


def failure(cluster, query, member=None, database="system"):
    with pytest.raises(ClientError) as info:
        run(cluster, query, member, database)
    return info.value


def test_the_gds_member_is_a_secondary_with_the_arrow_endpoint(gds_cluster):
    servers = {r["name"]: r for r in run(gds_cluster, "SHOW SERVERS YIELD name, modeConstraint").records}
    assert {n: r["modeConstraint"] for n, r in servers.items()} == {
        gds_cluster.server_name("server1"): "NONE", gds_cluster.server_name("server2"): "NONE",
        gds_cluster.server_name("server3"): "SECONDARY"}
    roles = {r["address"]: r["role"] for r in run(gds_cluster, "SHOW DATABASE system").records}
    assert roles[gds_cluster.model.server("server3").address] == "secondary"
    assert sorted(roles.values()) == ["primary", "primary", "secondary"]
    assert gds_cluster.leader() != "server3"
    assert gds_cluster.model.arrow_server.member == "server3"
    assert gds_cluster.model.gds_server() == "server3"


def test_gds_procedures_exist_only_on_the_gds_member(gds_cluster):
    error = failure(gds_cluster, "CALL gds.debug.arrow()", member="server1", database="neo4j")
    assert error.code == "Neo.ClientError.Procedure.ProcedureNotFound"
    assert error.message == ("There is no procedure with the name `gds.debug.arrow` registered for this database "
                             "instance. Please ensure you've spelled the procedure name correctly and that the "
                             "procedure is properly deployed.")
    # on the GDS member, on a user database it hosts (a secondary copy)
    run(gds_cluster, "CREATE DATABASE analytics TOPOLOGY 1 PRIMARY 1 SECONDARY WAIT")
    hosts = {r["address"]: r["role"] for r in run(gds_cluster, "SHOW DATABASE analytics").records}
    assert hosts[gds_cluster.model.server("server3").address] == "secondary"
    result = run(gds_cluster, "CALL gds.debug.arrow()", member="server3", database="analytics")
    assert result.keys == ["running", "enabled", "versions", "listenAddress", "batchSize", "abortionTimeout",
                           "advertisedListenAddress", "serverLocation"]
    row = result.records[0]
    assert row["running"] is True and row["enabled"] is True and row["versions"] == ["v1"]
    assert row["listenAddress"] == "127.0.0.1:%d" % gds_cluster.arrow_address[1]
    assert row["advertisedListenAddress"] == row["listenAddress"] and row["serverLocation"] is None
    assert isinstance(row["batchSize"], int)
    assert isinstance(row["abortionTimeout"], neo4j.time.Duration)
    assert row["abortionTimeout"].seconds == 600


def test_gds_procedures_are_refused_on_the_system_database(gds_cluster):
    error = failure(gds_cluster, "CALL gds.debug.arrow()", member="server3")
    assert error.code == "Neo.ClientError.Statement.SemanticError"
    assert error.message == ("Not a recognised system command or procedure. This Cypher command can only be "
                             "executed in a user database: CALL gds.debug.arrow()")
    assert error.gql_status == "42001"
    # undocumented whether gds.debug.arrow is a system procedure (gds.debug.sysInfo is): the other setting
    gds_cluster.model.gds_debug_arrow_on_system = "allowed"
    assert run(gds_cluster, "CALL gds.debug.arrow() YIELD running", member="server3").records[0]["running"] is True
    # other members still have no GDS at all
    assert failure(gds_cluster, "CALL gds.debug.arrow()", member="server1").code == \
        "Neo.ClientError.Procedure.ProcedureNotFound"


def test_a_secondary_only_server_never_gets_a_primary(gds_cluster):
    run(gds_cluster, "CREATE DATABASE two TOPOLOGY 2 PRIMARIES WAIT")
    assert "server3" not in gds_cluster.model.databases["two"].allocations
    error = failure(gds_cluster, "CREATE DATABASE three TOPOLOGY 3 PRIMARIES")
    assert error.code == "Neo.ClientError.Statement.ArgumentError"
    assert "three" not in gds_cluster.model.databases


def test_default_layouts_keep_gds_on_server1(make_cluster):
    single = make_cluster(1)
    assert single.model.gds_server() == "server1" and single.model.server("server1").mode_constraint == "NONE"
    assert run(single, "CALL gds.debug.arrow() YIELD running", member="server1", database="neo4j").records
    three = make_cluster(3)
    assert three.model.gds_server() == "server1" and three.model.arrow_server.member == "server1"
    assert failure(three, "CALL gds.debug.arrow()", member="server2").code == \
        "Neo.ClientError.Procedure.ProcedureNotFound"
    none = make_cluster(3, gds_member=False)
    assert none.model.gds_server() is None and none.arrow_address is None
    assert failure(none, "CALL gds.debug.arrow()", member="server1", database="neo4j").code == \
        "Neo.ClientError.Procedure.ProcedureNotFound"


def test_show_topology_graph_config(gds_cluster):
    row = run(gds_cluster, "CALL dbms.showTopologyGraphConfig()").records[0]
    assert dict(row) == {"allocator": "EQUAL_NUMBERS", "defaultPrimariesCount": 1, "defaultSecondariesCount": 0,
                         "defaultDatabase": "neo4j", "autoEnableFreeServers": False}


# ----- what an Arrow database import leaves behind (switch arrow_import_mode) ---------------------------


def arrow_import(cluster, name, force=False):
    """A whole v1 CREATE_DATABASE import of three nodes and one relationship, with raw pyarrow.flight."""
    client = flight.connect("grpc+tcp://%s:%d" % cluster.arrow_address)
    options = flight.FlightCallOptions(headers=[client.authenticate_basic_token(*AUTH)])

    def action(kind, **body):
        result = list(client.do_action(flight.Action("v1/" + kind, json.dumps(body).encode()), options))
        return json.loads(result[0].body.to_pybytes())

    def put(entity, batch):
        descriptor = flight.FlightDescriptor.for_command(json.dumps(
            {"name": "PUT_COMMAND", "version": "v1", "body": {"name": name, "entity_type": entity}}).encode())
        writer, reader = client.do_put(descriptor, batch.schema, options)
        writer.write_batch(batch)
        reader.read()
        writer.done_writing()
        writer.close()

    action("CREATE_DATABASE", name=name, force=force)
    put("node", pa.record_batch({"nodeId": pa.array([1, 2, 3], pa.int64()), "labels": ["A", "A", "B"]}))
    action("NODE_LOAD_DONE", name=name)
    put("relationship", pa.record_batch({"sourceNodeId": pa.array([1], pa.int64()),
                                         "targetNodeId": pa.array([2], pa.int64()), "relationshipType": ["R"]}))
    done = action("RELATIONSHIP_LOAD_DONE", name=name)
    client.close()
    return done


def server_id(cluster, member):
    return cluster.model.server(member).server_id


def online_everywhere(cluster, name):
    db = cluster.model.databases.get(name)
    return db is not None and all(a.current() == "online" for a in db.allocations.values())


def test_registered_mode_allocates_by_the_topology_rules(gds_cluster):
    assert gds_cluster.model.arrow_import_mode == "registered"
    arrow_import(gds_cluster, "green")
    db = gds_cluster.model.databases["green"]
    assert list(db.allocations) == ["server1"] and (db.primaries, db.secondaries) == (1, 0)
    assert db.graph.node_count == 3 and db.graph.relationship_count == 1
    assert gds_cluster.model.wait_for(lambda: online_everywhere(gds_cluster, "green"), 5)


def test_local_store_mode_leaves_the_files_on_the_gds_member(gds_cluster):
    gds_cluster.model.arrow_import_mode = "local-store"
    arrow_import(gds_cluster, "green")
    assert not run(gds_cluster, "SHOW DATABASE green").records
    assert ("server3", "green") in gds_cluster.model.local_stores
    # a second import of that name needs force, which deletes the files first
    with pytest.raises(flight.FlightServerError, match="already exists"):
        arrow_import(gds_cluster, "green")
    arrow_import(gds_cluster, "green", force=True)
    # mounting the files without naming the seed server is not modelled: the simulator says so
    error = failure(gds_cluster, "CREATE DATABASE green")
    assert "existingDataSeedServer" in error.message
    run(gds_cluster, "CREATE DATABASE green TOPOLOGY 2 PRIMARIES 1 SECONDARY OPTIONS {existingData: 'use', "
                     "existingDataSeedServer: $id} WAIT", id=server_id(gds_cluster, "server3"))
    db = gds_cluster.model.databases["green"]
    assert sorted(db.allocations) == ["server1", "server2", "server3"]
    assert db.allocations["server3"].role == "secondary"
    assert db.graph.node_count == 3 and ("server3", "green") not in gds_cluster.model.local_stores
    assert gds_cluster.model.wait_for(lambda: online_everywhere(gds_cluster, "green"), 5)


def test_importer_only_mode_registers_the_database_on_the_gds_member(gds_cluster):
    gds_cluster.model.arrow_import_mode = "importer-only"
    arrow_import(gds_cluster, "green")
    rows = run(gds_cluster, "SHOW DATABASE green YIELD *").records
    assert [(r["address"], r["role"]) for r in rows] == [(gds_cluster.model.server("server3").address, "primary")]
    assert (rows[0]["requestedPrimariesCount"], rows[0]["requestedSecondariesCount"]) == (1, 0)
    # the allocator honours the mode constraint again on the next topology change, even to the same numbers
    run(gds_cluster, "ALTER DATABASE green SET TOPOLOGY 1 PRIMARY WAIT")
    db = gds_cluster.model.databases["green"]
    assert list(db.allocations) == ["server1"] and db.allocations["server1"].role == "primary"
    assert db.graph.node_count == 3
    assert gds_cluster.model.wait_for(lambda: online_everywhere(gds_cluster, "green"), 5)


def test_registration_can_lag_behind_the_acknowledgement(gds_cluster):
    gds_cluster.model.arrow_registration_delay = 0.5
    arrow_import(gds_cluster, "late")
    assert "late" not in gds_cluster.model.databases
    assert gds_cluster.model.wait_for(lambda: "late" in gds_cluster.model.databases, 5)
    assert gds_cluster.model.databases["late"].graph.node_count == 3
    # a CREATE DATABASE seeded from the GDS member before the registration wins; the registration is then skipped
    arrow_import(gds_cluster, "early")
    run(gds_cluster, "CREATE DATABASE early OPTIONS {existingData: 'use', existingDataSeedServer: $id}",
        id=server_id(gds_cluster, "server3"))
    time.sleep(0.8)
    assert gds_cluster.model.databases["early"].graph.node_count == 3

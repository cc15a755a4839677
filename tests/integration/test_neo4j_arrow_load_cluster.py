"""neo4j_arrow_load in a cluster whose GDS member is a Secondary, as GDS documents it, under every simulator
setting for what an Arrow database import leaves behind (undocumented by GDS; see simulator.model.ClusterModel):

* ``registered``: registered cluster-wide by the normal topology rules;
* ``local-store``: store files left on the GDS member, registered nowhere;
* ``importer-only``: registered on the GDS member only;

each also with the registration lagging behind the acknowledgement.  Whatever happened, the task must end
with the database online on its requested topology, holding the imported graph.
"""

import neo4j
import pytest

from plays import header, target_vars
from simulator.cluster import Cluster
from test_neo4j_arrow_load import N_NODES, write_graph

MODES = ["registered", "local-store", "importer-only"]
PLAY = header()
LOAD = """\
    - name: load
      graphops.neo4j.neo4j_arrow_load:
        database: "{{ database }}"
        arrow_host: "{{ arrow_host | default(omit) }}"
        arrow_port: "{{ arrow_port | default(omit) }}"
        nodes: "{{ nodes }}"
        relationships: "{{ relationships }}"
        topology: "{{ topology | default(omit) }}"
        replace: "{{ replace | default(false) }}"
        batch_size: 64
        wait_timeout: 30
"""


def start(mode, delay=0.0, secondary_copy=True):
    """Three members, server3 the GDS Secondary; the default database ``neo4j`` keeps a secondary copy there (the
    analytics set-up of the Operations Manual, clustering/setup/analytics-cluster.adoc)."""
    cluster = Cluster(members=3, gds_member="server3", arrow_import_mode=mode).start()
    cluster.model.arrow_registration_delay = delay
    if secondary_copy:
        cypher(cluster, "ALTER DATABASE neo4j SET TOPOLOGY 1 PRIMARY 1 SECONDARY WAIT")
    return cluster


@pytest.fixture(params=[(m, 0.0) for m in MODES] + [(m, 1.0) for m in ("registered", "importer-only")],
                ids=lambda p: p[0] + ("-late" if p[1] else ""))
def gds_cluster(request):
    cluster = start(*request.param)
    try:
        yield cluster
    finally:
        cluster.stop()


def cypher(cluster, query, database="system", **params):
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as driver:
        return driver.execute_query(query, params, database_=database).records


def load_vars(cluster, database, tmp_path, **extra):
    nodes, rels = write_graph(tmp_path)
    values = dict(database=database,
                  nodes=[{"path": str(nodes), "label": ["Person"], "id_column": "person_id"}],
                  relationships=[{"path": str(rels), "type": "KNOWS", "source_column": "a", "target_column": "b"}])
    values.update(extra)
    return target_vars(cluster, **values)


def placement(cluster, name):
    """{member: role} of every allocation, all of them online."""
    db = cluster.model.databases[name]
    assert all(a.current() == "online" for a in db.allocations.values()), db.allocations
    return {server: alloc.role for server, alloc in sorted(db.allocations.items())}


def assert_clean(cluster, name):
    assert not cluster.model.local_stores, cluster.model.local_stores
    assert name not in cluster.model.arrow_server.imports


@pytest.mark.parametrize("topology, expected", [
    (None, {"server1": "primary"}),
    ({"primaries": 2, "secondaries": 1}, {"server1": "primary", "server2": "primary", "server3": "secondary"}),
], ids=["default-topology", "2p1s"])
def test_the_database_ends_online_on_its_topology(gds_cluster, run_playbook, tmp_path, topology, expected):
    extra = load_vars(gds_cluster, "green", tmp_path, **({"topology": topology} if topology else {}))
    run = run_playbook(PLAY + LOAD, extra_vars=extra)
    assert run.rc == 0, str(run)
    result = run.results["load"]
    assert result["changed"] is True and result["node_count"] == N_NODES
    assert result["arrow_address"] == "127.0.0.1:%d" % gds_cluster.arrow_address[1]
    assert placement(gds_cluster, "green") == expected
    db = gds_cluster.model.databases["green"]
    assert (db.graph.node_count, db.graph.relationship_count) == (N_NODES, N_NODES - 1)
    assert (db.primaries, db.secondaries) == ((topology["primaries"], topology["secondaries"]) if topology else (1, 0))
    assert cypher(gds_cluster, "MATCH (n:Person) RETURN count(n) AS n", database="green")[0]["n"] == N_NODES
    assert_clean(gds_cluster, "green")

    again = run_playbook(PLAY + LOAD, extra_vars=extra)
    assert again.rc == 0 and again.results["load"]["changed"] is False
    assert gds_cluster.model.databases["green"] is db


def test_gds_debug_arrow_runs_on_a_user_database_of_the_gds_member(gds_cluster, run_playbook, tmp_path):
    start_index = len(gds_cluster.statements)
    run = run_playbook(PLAY + LOAD, extra_vars=load_vars(gds_cluster, "green", tmp_path))
    assert run.rc == 0, str(run)
    calls = [s for s in gds_cluster.statements[start_index:] if "gds.debug.arrow" in s.query]
    assert calls and all(s.error is None for s in calls), [(s.member, s.database, s.error) for s in calls]
    assert [(s.member, s.database) for s in calls] == [("server3", "neo4j")]


def test_replace_reloads_under_every_setting(gds_cluster, run_playbook, tmp_path):
    extra = load_vars(gds_cluster, "green", tmp_path, topology={"primaries": 1, "secondaries": 1})
    assert run_playbook(PLAY + LOAD, extra_vars=extra).rc == 0
    small = tmp_path / "small"
    small.mkdir()
    nodes, rels = write_graph(small, n=10)
    run = run_playbook(PLAY + LOAD, extra_vars=dict(
        extra, replace=True, nodes=[{"path": str(nodes), "label": ["Person"], "id_column": "person_id"}],
        relationships=[{"path": str(rels), "type": "KNOWS", "source_column": "a", "target_column": "b"}]))
    assert run.rc == 0, str(run)
    assert run.results["load"]["replaced"] is True
    assert gds_cluster.model.databases["green"].graph.node_count == 10
    assert placement(gds_cluster, "green") == {"server1": "primary", "server3": "secondary"}
    assert_clean(gds_cluster, "green")


def test_a_database_that_fails_to_start_is_rolled_back_under_every_setting(gds_cluster, run_playbook, tmp_path):
    gds_cluster.model.start_failures["broken"] = "Simulated failure: store files are corrupt"
    run = run_playbook(PLAY + LOAD, extra_vars=load_vars(gds_cluster, "broken", tmp_path))
    assert run.rc != 0
    msg = run.results["load"]["msg"]
    assert "failed to start" in msg and "dropped again" in msg, msg
    assert "broken" not in gds_cluster.model.databases
    assert_clean(gds_cluster, "broken")


@pytest.mark.parametrize("mode", MODES)
def test_an_explicit_arrow_address_still_finds_the_gds_member_when_needed(run_playbook, tmp_path, mode):
    cluster = start(mode)
    try:
        host, port = cluster.arrow_address
        extra = load_vars(cluster, "green", tmp_path, arrow_host=host, arrow_port=port,
                          topology={"primaries": 2, "secondaries": 1})
        run = run_playbook(PLAY + LOAD, extra_vars=extra)
        assert run.rc == 0, str(run)
        assert placement(cluster, "green") == {"server1": "primary", "server2": "primary", "server3": "secondary"}
        assert cluster.model.databases["green"].graph.node_count == N_NODES
        assert_clean(cluster, "green")
    finally:
        cluster.stop()


def test_a_topology_the_cluster_cannot_hold_is_refused_before_anything_happens(run_playbook, tmp_path):
    cluster = start("registered")
    try:
        start_index = len(cluster.statements)
        # server3 may only host secondaries: three primaries do not fit
        extra = load_vars(cluster, "green", tmp_path, topology={"primaries": 3, "secondaries": 0})
        run = run_playbook(PLAY + LOAD, extra_vars=extra)
        result = run.results["load"]
        assert result["failed"] is True
        assert result["msg"].startswith("topology: 3 primaries and 0 secondaries need 3 enabled servers"), result["msg"]
        assert "2 allowed to host primaries" in result["msg"]
        assert [s.query for s in cluster.statements[start_index:] if not s.query.startswith(("SHOW", "CALL"))] == []
        assert "green" not in cluster.model.databases and not cluster.model.arrow_server.imports
    finally:
        cluster.stop()


def test_a_gds_member_without_user_databases_is_explained(run_playbook, tmp_path):
    """gds.debug.arrow() only runs on a user database, and the GDS Secondary hosts none here."""
    cluster = start("registered", secondary_copy=False)
    try:
        run = run_playbook(PLAY + LOAD, extra_vars=load_vars(cluster, "green", tmp_path))
        result = run.results["load"]
        assert result["failed"] is True
        msg = result["msg"]
        assert "%s hosts no user database" % cluster.server_name("server3") in msg, msg
        assert "%s has no GDS" % cluster.server_name("server1") in msg, msg
        assert "arrow_host" in msg
        assert "green" not in cluster.model.databases and not cluster.model.arrow_server.imports
    finally:
        cluster.stop()


def test_check_mode_predicts_the_load_under_every_setting(gds_cluster, run_playbook, tmp_path):
    extra = load_vars(gds_cluster, "green", tmp_path, topology={"primaries": 2, "secondaries": 1})
    start_index = len(gds_cluster.statements)
    checked = run_playbook(PLAY + LOAD, extra_vars=extra, check=True)
    assert checked.rc == 0, str(checked)
    assert checked.results["load"]["changed"] is True and checked.results["load"]["node_count"] == N_NODES
    assert checked.results["load"]["arrow_address"] == "127.0.0.1:%d" % gds_cluster.arrow_address[1]
    assert [s.query for s in gds_cluster.statements[start_index:] if not s.query.startswith(("SHOW", "CALL"))] == []
    assert "green" not in gds_cluster.model.databases and not gds_cluster.model.local_stores
    refused = run_playbook(PLAY + LOAD, check=True, extra_vars=dict(extra, topology={"primaries": 3}))
    assert refused.results["load"]["failed"] is True
    assert refused.results["load"]["msg"].startswith("topology: 3 primaries")

"""The neo4j_cluster role: each member's neo4j.conf rendered for its release, checked by a simulated cluster that
starts from those files (tests/simulator/member_conf.py), then the role's run phase against it."""

import getpass
import grp
import os
import socket
from datetime import datetime, timezone

import neo4j
import pytest

from simulator import backups
from simulator.member_conf import ConfigRefused, cluster_from_configs, write_store
from simulator.model import GraphData

# Pins the releases it is about (or talks to no server): the calendar-release passes leave it out.
pytestmark = pytest.mark.own_release_lines

ROLE = "graphops.neo4j.neo4j_cluster : "
MEMBERS = [("db1", "neo4j_primaries"), ("db2", "neo4j_primaries"), ("db3", "neo4j_primaries"),
           ("gds1", "neo4j_gds"), ("backup1", "neo4j_backup")]
VERSIONS = ["5.26.0", "2026.07.0"]

PLAY = """
- hosts: neo4j_cluster
  gather_facts: false
  module_defaults:
    group/graphops.neo4j.neo4j:
      login_user: neo4j
      login_password: password
      connection_timeout: 5
  roles:
    - role: graphops.neo4j.neo4j_cluster
      vars:
        neo4j_cluster_version: "{{ version }}"
        neo4j_cluster_accept_license_agreement: "{{ licence }}"
        neo4j_cluster_manage_service: false
        neo4j_cluster_conf_dir: "{{ conf_root }}/{{ inventory_hostname }}"
        neo4j_cluster_conf_owner: "{{ owner }}"
        neo4j_cluster_conf_group: "{{ group }}"
        neo4j_cluster_listen_host: 127.0.0.1
        neo4j_cluster_memory_mb: "{{ memory_mb }}"
        neo4j_cluster_wait_timeout: 30
"""


def free_ports(count):
    socks = [socket.socket() for dummy in range(count)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def inventory():
    """Five members on this machine, each with its own ports; returns (INI text, ports per member)."""
    lines, ports = [], {}
    groups = {}
    for name, group in MEMBERS:
        bolt, http, cluster, raft, routing, backup, arrow = free_ports(7)
        ports[name] = dict(bolt=bolt, http=http, cluster=cluster, raft=raft, routing=routing, backup=backup, arrow=arrow)
        groups.setdefault(group, []).append(
            "%s ansible_connection=local neo4j_cluster_advertised_host=127.0.0.1 neo4j_cluster_ports='%s'"
            % (name, '{"bolt": %d, "http": %d, "cluster": %d, "raft": %d, "routing": %d, "backup": %d, "arrow": %d}'
               % (bolt, http, cluster, raft, routing, backup, arrow)))
    for group, hosts in groups.items():
        lines += ["[%s]" % group] + hosts + [""]
    lines += ["[neo4j_cluster:children]"] + list(groups) + [""]
    return "\n".join(lines), ports


@pytest.fixture
def layout(tmp_path):
    text, ports = inventory()
    return {"inventory": text, "ports": ports, "conf_root": str(tmp_path / "conf")}


def role_vars(layout, version, licence="yes", memory_mb=16384):
    return {"version": version, "licence": licence, "conf_root": layout["conf_root"], "memory_mb": memory_mb,
            "owner": getpass.getuser(), "group": grp.getgrgid(os.getgid()).gr_name}


def conf_paths(layout):
    return [os.path.join(layout["conf_root"], name, "neo4j.conf") for name, _group in MEMBERS]


def read_conf(path):
    with open(path, encoding="utf-8") as handle:
        return dict(line.split("=", 1) for line in handle.read().splitlines() if line and not line.startswith("#"))


def per_host(run, task):
    result = run.results[ROLE + task]
    return result if isinstance(result, list) else [result]


@pytest.mark.parametrize("version", VERSIONS)
def test_rendered_members_form_a_cluster(run_playbook, layout, version):
    configure = ["--tags", "neo4j_cluster_configure"]
    run = run_playbook(PLAY, extra_vars=role_vars(layout, version), inventory=layout["inventory"], args=configure,
                       diff=True)
    assert run.rc == 0, run
    assert all(r["changed"] for r in per_host(run, "Write neo4j.conf - neo4j.conf.j2"))

    confs = {name: read_conf(path) for (name, _g), path in zip(MEMBERS, conf_paths(layout))}
    db1, gds, backup = confs["db1"], confs["gds1"], confs["backup1"]
    endpoints = ",".join("127.0.0.1:%d" % layout["ports"][name]["cluster"] for name, _g in MEMBERS)
    if version.startswith("5."):
        assert db1["dbms.cluster.discovery.v2.endpoints"] == endpoints
        assert db1["dbms.cluster.discovery.version"] == "V2_ONLY"
        assert "dbms.cluster.endpoints" not in db1
    else:
        assert db1["dbms.cluster.endpoints"] == endpoints
        assert "dbms.cluster.discovery.version" not in db1
    assert (db1["server.memory.heap.max_size"], db1["server.memory.pagecache.size"]) == ("5g", "7g")
    assert gds["gds.arrow.enabled"] == "true" and not any(k.startswith("gds.") for k in db1)
    assert (gds["initial.server.mode_constraint"], gds["server.cluster.system_database_mode"]) == \
        ("SECONDARY", "SECONDARY")
    assert backup["server.backup.enabled"] == "true" and db1["server.backup.enabled"] == "false"

    again = run_playbook(PLAY, extra_vars=role_vars(layout, version), inventory=layout["inventory"], args=configure)
    assert again.rc == 0, again
    assert not any(r["changed"] for r in per_host(again, "Write neo4j.conf - neo4j.conf.j2"))

    with cluster_from_configs(conf_paths(layout), version) as cluster:
        assert cluster.arrow_address == ("127.0.0.1", layout["ports"]["gds1"]["arrow"])
        assert cluster.backup_address("server5") == "127.0.0.1:%d" % layout["ports"]["backup1"]["backup"]
        start = run_playbook(PLAY, extra_vars=role_vars(layout, version), inventory=layout["inventory"],
                             args=["--tags", "neo4j_cluster_run"])
        assert start.rc == 0, start
        enabled = per_host(start, "Enable the free servers")[0]
        assert sorted(r["item"]["value"]["address"] for r in enabled["results"]) == \
            sorted("127.0.0.1:%d" % layout["ports"][n]["bolt"] for n in ("gds1", "backup1"))
        assert per_host(start, "Set the default topology")[0]["changed"] is True

        driver = neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password"))
        try:
            servers = driver.execute_query("SHOW SERVERS", database_="system").records
            assert len(servers) == 5
            assert {(s["state"], s["health"]) for s in servers} == {("Enabled", "Available")}
            topology = driver.execute_query("CALL dbms.showTopologyGraphConfig()", database_="system").records[0]
            assert (topology["defaultPrimariesCount"], topology["defaultSecondariesCount"]) == (3, 0)
        finally:
            driver.close()

        # a second run changes nothing
        rerun = run_playbook(PLAY, extra_vars=role_vars(layout, version), inventory=layout["inventory"])
        assert rerun.rc == 0, rerun
        assert "changed=0" in rerun.stdout.split("PLAY RECAP")[1], rerun.stdout

    # the other release line's discovery settings: the members refuse to start
    other = VERSIONS[1] if version == VERSIONS[0] else VERSIONS[0]
    with pytest.raises(ConfigRefused, match="Unrecognized setting. No declared setting with name: dbms.cluster"):
        cluster_from_configs(conf_paths(layout), other)


@pytest.mark.parametrize("version", VERSIONS)
def test_secondaries_enabled_at_formation(run_playbook, layout, version):
    """The other reading of Neo4j's docs: every initial member comes up Enabled; the role enables nothing."""
    run = run_playbook(PLAY, extra_vars=role_vars(layout, version), inventory=layout["inventory"],
                       args=["--tags", "neo4j_cluster_configure"])
    assert run.rc == 0, run
    with cluster_from_configs(conf_paths(layout), version, secondaries_at_formation="enabled"):
        start = run_playbook(PLAY, extra_vars=role_vars(layout, version), inventory=layout["inventory"],
                             args=["--tags", "neo4j_cluster_run"])
        assert start.rc == 0, start
        assert per_host(start, "Enable the free servers")[0]["results"] == []


def test_check_and_diff_show_a_change_without_writing(run_playbook, layout):
    configure = ["--tags", "neo4j_cluster_configure"]
    run = run_playbook(PLAY, extra_vars=role_vars(layout, "5.26.0"), inventory=layout["inventory"], args=configure)
    assert run.rc == 0, run
    before = {path: open(path).read() for path in conf_paths(layout)}
    check = run_playbook(PLAY, extra_vars=role_vars(layout, "5.26.0", memory_mb=32768), inventory=layout["inventory"],
                         args=configure, check=True, diff=True)
    assert check.rc == 0, check
    written = per_host(check, "Write neo4j.conf - neo4j.conf.j2")
    assert all(r["changed"] for r in written)
    assert "-server.memory.heap.max_size=5g" in check.stdout and "+server.memory.heap.max_size=12g" in check.stdout
    assert {path: open(path).read() for path in conf_paths(layout)} == before


@pytest.mark.parametrize("licence", ["", "no", "eval"])
def test_refuses_without_the_licence(run_playbook, layout, licence):
    run = run_playbook(PLAY, extra_vars=role_vars(layout, "5.26.0", licence=licence), inventory=layout["inventory"])
    assert run.rc != 0
    failed = per_host(run, "Refuse to run without the licence accepted")
    assert all(r["failed"] for r in failed)
    assert "neo4j_cluster_accept_license_agreement must be" in failed[0]["msg"]
    assert not os.path.exists(layout["conf_root"])


def test_refuses_an_unsupported_version(run_playbook, layout):
    run = run_playbook(PLAY, extra_vars=role_vars(layout, "5.20.0"), inventory=layout["inventory"])
    assert run.rc != 0
    assert "neo4j_cluster_version must be a full release" in per_host(
        run, "Check the version and this host's place in the cluster")[0]["msg"]
    assert not os.path.exists(layout["conf_root"])


def test_a_member_starts_from_its_data_directory_and_databases_are_seeded(run_playbook, layout, tmp_path):
    """Issue 12's quick start: db2 starts from an existing data directory holding the store of `movies`, which becomes a
    database with db2 as the designated seeder; `archive` is seeded from a backup URI (file:, FileSeedProvider enabled
    through neo4j_cluster_settings). A second run leaves both as they are."""
    version = os.environ.get("GRAPHOPS_SIM_VERSION", "5.26.0")
    data = tmp_path / "data" / "db2"
    write_store(str(data), "movies", GraphData(label_counts={"Movie": 7}, type_counts={"SEQUEL_OF": 2}, node_count=7,
                                               relationship_count=2))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    when = datetime.now(timezone.utc).replace(microsecond=0)
    artifact = backups.Artifact(name=backups.artifact_name("archive", when), location="", database="archive",
                                database_id=backups.uuid_form("ab" * 32), time=when, full=True, compressed=True,
                                lowest_tx=1, highest_tx=5)
    (seeds / artifact.name).write_bytes(backups.encode(artifact, {
        "node_count": 4, "relationship_count": 0, "label_counts": {"Order": 4}, "type_counts": {},
        "node_properties": [], "relationship_properties": []}))
    text = "\n".join(line + (" neo4j_cluster_data_directory=%s" % data if line.startswith("db2 ") else "")
                     for line in layout["inventory"].splitlines())
    extra = dict(role_vars(layout, version), neo4j_cluster_settings={
        "dbms.databases.seed_from_uri_providers": "CloudSeedProvider,FileSeedProvider"}, neo4j_cluster_seed_databases=[
        {"name": "movies", "existing_data_host": "db2", "topology": {"primaries": 3}},
        {"name": "archive", "seed_uri": "file:%s/%s" % (seeds, artifact.name),
         "topology": {"primaries": 1, "secondaries": 1}}])
    configure = run_playbook(PLAY, extra_vars=extra, inventory=text, args=["--tags", "neo4j_cluster_configure"])
    assert configure.rc == 0, configure
    db2 = read_conf(conf_paths(layout)[1])
    assert db2["server.directories.data"] == str(data) and "server.directories.data" not in read_conf(conf_paths(layout)[0])

    with cluster_from_configs(conf_paths(layout), version) as cluster:
        with cluster.model.lock:
            assert set(cluster.model.local_stores) == {("server2", "movies")}  # on db2, not yet a database
        start = run_playbook(PLAY, extra_vars=extra, inventory=text, args=["--tags", "neo4j_cluster_run"])
        assert start.rc == 0, [r.get("msg") for r in per_host(start, "Create the seeded databases")[0].get("results", [])]
        created = per_host(start, "Create the seeded databases")[0]["results"]
        assert [(r["item"]["name"], r["changed"]) for r in created] == [("movies", True), ("archive", True)]
        with cluster.model.lock:
            server_id = cluster.model.servers["server2"].server_id
            movies, archive = cluster.model.databases["movies"], cluster.model.databases["archive"]
            assert cluster.model.local_stores == {}  # the store files became the database
            assert (movies.graph.node_count, movies.graph.label_counts, movies.graph.relationship_count) == \
                (7, {"Movie": 7}, 2)
            assert (archive.graph.node_count, archive.graph.label_counts) == (4, {"Order": 4})
            assert {a.current() for a in movies.allocations.values()} == {"online"} and len(movies.allocations) == 3
            assert {a.current() for a in archive.allocations.values()} == {"online"} and len(archive.allocations) == 2
        sent = [q["params"] for r in created for q in r["queries"]]
        assert sent[0]["option_existingDataSeedServer"] == server_id
        assert sent[1]["option_seedURI"] == "file:%s/%s" % (seeds, artifact.name)

        rerun = run_playbook(PLAY, extra_vars=extra, inventory=text, args=["--tags", "neo4j_cluster_run"])
        assert rerun.rc == 0, rerun
        assert not any(r["changed"] for r in per_host(rerun, "Create the seeded databases")[0]["results"])

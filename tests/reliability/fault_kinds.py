"""The kinds of fault of the faults suite (issue 14), each injected DURING a real ``ansible-playbook`` run of the
collection's playbooks, and the end state checked from the simulator and S3, never from the playbook's word.

A kind is a function ``kind(bench) -> Outcome``.  It builds a fresh simulated cluster (the starting points of the
integration tests: ``test_blue_green_faults.blue_serving``, ``test_neo4j_backup.backup_serving``,
``test_rolling_upgrade.build``), arms the fault with one of the simulator's hooks (``model.after_commit``,
``model.lose_commit_reply``, Arrow faults, a start delay that never ends, ``moto_s3.CuttingProxy``, a fake
neo4j-admin, killing the ansible-playbook process group once a phase shows) and runs the playbook.  Then:

- ``injected``: proof from the simulator (or the proxy, or the fake neo4j-admin's log) that the fault happened
  while the playbook ran: an Arrow fault counter, a hook that ran, a member seen down, bytes cut...;
- ``correct``: the run completed (blue/green: the alias on green and green complete and serving; backup: the
  artefact in S3 with the checksum of the local one; upgrade: every member on the new release) or it failed and the
  service is as it was (the alias on blue, blue's data intact and serving reads; nothing in the bucket; the cluster
  serving through its alias).  A run that says it succeeded but did not, counts as wrong;
- ``data_lost``: counts of the serving database (read through the alias with the real driver, and in the model)
  that differ from what they should be;
- ``stray``: databases other than the expected ones, Arrow import processes left running, files in the backup
  folder that are not artefacts, incomplete multipart uploads, S3 objects that do not match a local artefact,
  members left read-only.
"""

import dataclasses
import os
import signal
import stat
import threading
import time

import neo4j

from moto_s3 import CuttingProxy
from simulator import backups
from simulator.cluster import NEO4J_ADMIN
from test_blue_green import ALIAS, ALL_PARTS, BLUE_GREEN, PART1, R1, R2, db, deploy_vars, graph_of, target_of
from test_blue_green_faults import blue_serving, target
from test_neo4j_backup import MIB, backup_serving, local_sha256, s3_options
from test_rolling_upgrade import TARGET, build, inventory, upgrade_vars, versions

AUTH = ("neo4j", "password")
BACKUP = "playbooks/backup.yml"
UPGRADE = "playbooks/rolling_upgrade.yml"
GREEN, BLUE = db(R2), db(R1)
SYSTEM_DATABASES = {"system", "neo4j"}


@dataclasses.dataclass
class Bench:
    """What a kind needs: the fixtures of the test that runs it."""

    make_cluster: object
    run_playbook: object
    tmp_path: object
    moto_s3: object = None

    def folder(self, name):
        path = self.tmp_path / ("%s-%d" % (name, time.monotonic_ns()))
        path.mkdir(parents=True)
        return path


@dataclasses.dataclass
class Outcome:
    kind: str
    injected: bool
    correct: bool
    ended: str  # done | rolled back | stopped | wrong: ...
    data_lost: int = 0
    stray: list = dataclasses.field(default_factory=list)
    detail: str = ""


def wait_until(predicate, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def in_background(action):
    """Run ``action`` on a thread of its own: a hook runs on a member's connection thread, which stopping or killing
    that member would join."""
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def read_counts(cluster, database):
    """(nodes, relationships) read through ``database`` (an alias) with the real driver over neo4j://, or None when
    it does not serve reads."""
    try:
        with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=AUTH, max_transaction_retry_time=15) as driver:
            nodes = driver.execute_query("MATCH (n) RETURN count(n) AS c", database_=database,
                                         routing_=neo4j.RoutingControl.READ).records[0]["c"]
            relationships = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS c", database_=database,
                                                 routing_=neo4j.RoutingControl.READ).records[0]["c"]
            return nodes, relationships
    except Exception:  # noqa: BLE001 (not serving, whatever the reason)
        return None


def fake_neo4j_admin(bench, fail):
    """A neo4j-admin that logs every command line to ``log`` and then runs the simulator's (``fail``: a backup exits
    1 with an error, as a failing neo4j-admin does, before contacting anything)."""
    folder = bench.folder("neo4j-admin")
    log = folder / "neo4j-admin.log"
    script = folder / "neo4j-admin"
    failing = ('if [ "$1 $2" = "database backup" ]; then\n'
               '  echo "[simulator] fake neo4j-admin: backup failed (fault injected by the reliability suite)" >&2\n'
               '  exit 1\nfi\n') if fail else ""
    script.write_text('#!/bin/sh\necho "$*" >> "%s"\n%sexec "%s" "$@"\n' % (log, failing, NEO4J_ADMIN), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(script), log


def backup_lines(log):
    return [line for line in log.read_text(encoding="utf-8").splitlines()
            if line.startswith("database backup")] if log.exists() else []


# ----- blue/green ---------------------------------------------------------------------------------------------------

def bg_vars(cluster, **extra):
    """Deploy every part of the demo files as green (210 nodes, 320 relationships) over blue (part 1: 160, 240).
    ``neo4j_endpoints`` lists every member, as for a cluster without a load balancer: the tasks reach the cluster
    while the member of ``neo4j_uri`` is down."""
    extra.setdefault("bg_wait_timeout", 10)
    extra.setdefault("neo4j_endpoints", [cluster.model.servers[m].address for m in cluster.members])
    return deploy_vars(target(cluster), R2, part="*", **extra)


def bg_outcome(kind, cluster, rc, injected, backup_folder=None, detail=""):
    """The end state of a blue/green run: done (alias on green, green complete and serving) or rolled back (the run
    failed, the alias on blue, blue intact and serving); the databases and imports left over."""
    model = cluster.model
    for member in cluster.members:  # a member the fault took down comes back, as the operator would bring it
        with model.lock:
            down = not model.servers[member].up
        if down:
            cluster.restart_member(member)
    on = target_of(model)
    data_lost = 0
    if graph_of(model, BLUE) != PART1:
        data_lost += 1  # blue is kept either way
    if on == GREEN:
        ended, expected_names, expected = "done", {BLUE, GREEN}, ALL_PARTS
        if graph_of(model, GREEN) != ALL_PARTS:
            data_lost += 1
    elif on == BLUE:
        ended, expected_names, expected = "rolled back", {BLUE}, PART1
    else:
        ended, expected_names, expected = "wrong: the alias points at %r" % on, {BLUE, GREEN}, None
    served = read_counts(cluster, ALIAS)
    if expected is not None and served is not None and served != (expected["nodes"], expected["relationships"]):
        data_lost += 1
    serving = expected is not None and served == (expected["nodes"], expected["relationships"])
    correct = (ended == "done" or (ended == "rolled back" and rc != 0)) and serving
    if ended == "rolled back" and rc == 0:
        ended = "wrong: the run succeeded but the alias stayed on blue"
    with model.lock:
        names = set(model.databases) - SYSTEM_DATABASES
    stray = ["database %s" % name for name in sorted(names - expected_names)]
    imports = model.arrow_server.imports
    stray += ["Arrow import process %s" % name for name in sorted(imports)]
    if backup_folder is not None and backup_folder.is_dir():
        stray += ["file %s" % name for name in sorted(os.listdir(backup_folder)) if not name.endswith(".backup")]
    return Outcome(kind, injected=bool(injected), correct=correct, ended=ended, data_lost=data_lost, stray=stray,
                   detail="rc=%s served=%s %s" % (rc, served, detail))


def bg_run(bench, cluster, **extra):
    return bench.run_playbook(BLUE_GREEN, extra_vars=bg_vars(cluster, **extra))


def grant_on_blue(cluster):
    """A role that reads blue: the switch phase starts by giving green the same privileges (GRANT ... green)."""
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=AUTH) as driver:
        driver.execute_query("CREATE ROLE reader IF NOT EXISTS", database_="system")
        driver.execute_query("GRANT MATCH {*} ON GRAPH `%s` TO reader" % BLUE, database_="system")


def member_killed_during_load(bench):
    cluster = blue_serving(bench.make_cluster)
    model = cluster.model
    model.arrow_server.faults.batch_delay = 0.3  # a window while the import runs
    proc = bench.run_playbook(BLUE_GREEN, start=True, extra_vars=bg_vars(cluster))
    loading = wait_until(lambda: GREEN in model.arrow_server.imports or proc.poll() is not None, 240)
    injected = GREEN in model.arrow_server.imports and proc.poll() is None
    if injected:
        cluster.kill_member("server2")
    rc = proc.wait(300)
    return bg_outcome("member killed during the load", cluster, rc, injected and loading,
                      detail="killed server2 while the import of green ran")


def arrow_stream_cut(bench):
    cluster = blue_serving(bench.make_cluster)
    faults = cluster.model.arrow_server.faults
    faults.cut_stream(0, entity_type="relationship")
    run = bg_run(bench, cluster)
    return bg_outcome("Arrow stream cut", cluster, run.rc, faults.fired["cut"] >= 1)


def _arrow_action_refused(bench, action, message):
    """The Arrow server refuses ``action`` once, with ``message``, during a deployment."""
    cluster = blue_serving(bench.make_cluster)
    faults = cluster.model.arrow_server.faults
    faults.fail_action(action, message)
    run = bg_run(bench, cluster)
    return bg_outcome("Arrow %s refused" % action, cluster, run.rc, faults.fired[action] >= 1)


def arrow_create_database_refused(bench):
    return _arrow_action_refused(bench, "CREATE_DATABASE", "Simulated: the server refused to create the database")


def arrow_load_done_refused(bench):
    return _arrow_action_refused(bench, "RELATIONSHIP_LOAD_DONE", "Simulated out of memory")


class _RecordingDelays(dict):
    """``model.start_delays`` that remembers which databases asked for their start delay."""

    def __init__(self, *args):
        super().__init__(*args)
        self.asked = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


def database_never_online(bench):
    cluster = blue_serving(bench.make_cluster)
    model = cluster.model
    delays = _RecordingDelays({GREEN: 10 ** 6})  # green's members never finish starting it
    with model.lock:
        model.start_delays = delays
    run = bg_run(bench, cluster, bg_wait_timeout=3)
    return bg_outcome("a database that never comes online", cluster, run.rc, GREEN in delays.asked)


def member_stopped_during_validation(bench):
    cluster = blue_serving(bench.make_cluster)
    fired = []

    def stop():
        fired.append(time.monotonic())
        in_background(lambda: cluster.stop_member("server2"))

    cluster.model.after_commit(r"^MATCH \(m:Movie\) RETURN count\(m\) AS movies", stop)
    run = bg_run(bench, cluster, bg_validation_queries=[
        {"query": "MATCH (m:Movie) RETURN count(m) AS movies", "expect": [{"movies": 80}]}])
    with cluster.model.lock:
        down = not cluster.model.servers["server2"].up
    return bg_outcome("member stopped during validation", cluster, run.rc, fired and down)


def _on_green_grant(cluster, action):
    grant_on_blue(cluster)
    cluster.model.after_commit(r"^GRANT .*%s" % GREEN, action)


def member_killed_during_switch(bench):
    """The system leader dies right after the switch phase's first commit (green's privileges), before its reply."""
    cluster = blue_serving(bench.make_cluster)
    killed = []

    def kill():
        leader = cluster.leader()
        killed.append(leader)
        in_background(lambda: cluster.kill_member(leader))
        time.sleep(0.3)  # the kill lands before the reply leaves

    _on_green_grant(cluster, kill)
    run = bg_run(bench, cluster)
    with cluster.model.lock:
        down = bool(killed) and not cluster.model.servers[killed[0]].up
    return bg_outcome("member killed during the alias switch", cluster, run.rc, down,
                      detail="killed %s" % killed)


def leader_moved_during_switch(bench):
    cluster = blue_serving(bench.make_cluster)
    moved = []

    def move():
        before = cluster.leader()
        cluster.move_leader()
        moved.append((before, cluster.leader()))

    _on_green_grant(cluster, move)
    run = bg_run(bench, cluster)
    return bg_outcome("leadership moved during the alias switch", cluster, run.rc,
                      bool(moved) and moved[0][0] != moved[0][1], detail="moved %s" % moved)


def commit_reply_lost_during_switch(bench):
    cluster = blue_serving(bench.make_cluster)
    model = cluster.model
    model.lose_commit_reply(r"^ALTER ALIAS `%s` SET DATABASE TARGET `%s`" % (ALIAS, GREEN))
    run = bg_run(bench, cluster)
    with model.lock:
        lost = all(entry[1] == 0 for entry in model.lost_commit_replies)
    return bg_outcome("commit reply of the switch lost", cluster, run.rc, lost)


def blue_backup_neo4j_admin_fails(bench):
    cluster = blue_serving(bench.make_cluster)
    folder = bench.folder("bg-backups")
    admin, log = fake_neo4j_admin(bench, fail=True)
    backup = {"from": [cluster.backup_address("server3")], "to_path": str(folder), "neo4j_admin": admin}
    run = bg_run(bench, cluster, bg_backup=backup)
    return bg_outcome("neo4j-admin failing (backup of blue)", cluster, run.rc, bool(backup_lines(log)),
                      backup_folder=folder)


def controller_killed_then_rerun(bench):
    """ansible-playbook is killed (SIGKILL, its whole process group) while green loads; the same playbook is run
    again."""
    cluster = blue_serving(bench.make_cluster)
    model = cluster.model
    model.arrow_server.faults.batch_delay = 0.3
    variables = bg_vars(cluster)
    proc = bench.run_playbook(BLUE_GREEN, start=True, extra_vars=variables)
    wait_until(lambda: GREEN in model.arrow_server.imports or proc.poll() is not None, 240)
    injected = proc.poll() is None and GREEN in model.arrow_server.imports
    if injected:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(60)
    injected = injected and proc.returncode == -signal.SIGKILL
    model.arrow_server.faults.batch_delay = 0.0
    rerun = bench.run_playbook(BLUE_GREEN, extra_vars=variables)
    return bg_outcome("controller killed mid-deployment, then rerun", cluster, rerun.rc, injected)


# ----- backups --------------------------------------------------------------------------------------------------------

def backup_vars(cluster, folder, s3, admin=NEO4J_ADMIN):
    return {"backup_databases": ["movies"], "backup_from": [cluster.backup_address("server3")],
            "backup_to_path": str(folder), "backup_s3": s3, "neo4j_admin": admin}


def backup_outcome(kind, bench, cluster, bucket, folder, rc, injected, detail=""):
    """done: the run succeeded and every artefact is in S3 with its local checksum; failed cleanly: the run failed and
    the bucket holds nothing (no object, no incomplete multipart upload).  Data lost: a database's graph changed or
    an artefact does not hold the database's counts."""
    moto = bench.moto_s3
    model = cluster.model
    if not model.servers["server3"].up:
        cluster.restart_member("server3")
    data_lost = 0
    with model.lock:
        if model.databases["movies"].graph.node_count != 3 or model.databases["people"].graph.node_count != 2:
            data_lost += 1
    local = sorted(name for name in os.listdir(folder) if name.endswith(".backup")) if folder.is_dir() else []
    for name in local:
        _artifact, payload = backups.read_local(str(folder / name))
        if payload["node_count"] != 3:
            data_lost += 1
    keys = moto.keys(bucket)
    stray = ["incomplete multipart upload %s" % upload["Key"] for upload in moto.pending_uploads(bucket)]
    stray += ["file %s" % name for name in sorted(os.listdir(folder)) if not name.endswith(".backup")] \
        if folder.is_dir() else []
    shipped = 0
    for key in keys:
        name = key.rsplit("/", 1)[-1]
        head = moto.client().head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        stored = head.get("ChecksumSHA256", "")
        part = None if "-" not in stored else 5 * MIB
        if name in local and stored.split("-")[0] == local_sha256(str(folder / name), part):
            shipped += 1
        else:
            stray.append("S3 object %s without a matching local artefact" % key)
    if rc == 0:
        ended = "done" if local and shipped == len(local) == len(keys) else "wrong: succeeded without the artefact in S3"
    else:
        ended = "failed, nothing shipped" if not keys else "failed with objects in the bucket"
    correct = ended == "done" or (rc != 0 and not keys)
    return Outcome(kind, injected=bool(injected), correct=correct, ended=ended, data_lost=data_lost, stray=stray,
                   detail="rc=%s local=%s keys=%s %s" % (rc, local, keys, detail))


def _backup_bench(bench):
    cluster = backup_serving(bench.make_cluster)
    bucket = bench.moto_s3.create_bucket("faults-%d" % (time.monotonic_ns() % 10 ** 12))
    return cluster, bucket, bench.folder("backups")


def s3_cut_mid_upload(bench):
    cluster, bucket, folder = _backup_bench(bench)
    cluster.model.backup_store_bytes["movies"] = 12 * MIB
    with CuttingProxy(bench.moto_s3.address, budget=2 * MIB) as proxy:
        s3 = s3_options(bench.moto_s3, bucket, endpoint_url=proxy.endpoint, multipart_threshold=5 * MIB,
                        multipart_chunksize=5 * MIB)
        run = bench.run_playbook(BACKUP, extra_vars=backup_vars(cluster, folder, s3))
    return backup_outcome("S3 connection dropped mid-upload", bench, cluster, bucket, folder, run.rc, proxy.cut > 0,
                          detail="connections cut: %d" % proxy.cut)


def s3_refuses_credentials(bench):
    cluster, bucket, folder = _backup_bench(bench)
    # The proxy counts what reaches S3 and cuts nothing.
    with CuttingProxy(bench.moto_s3.address, budget=1 << 40, mode="stall") as proxy:
        s3 = s3_options(bench.moto_s3, bucket, endpoint_url=proxy.endpoint, secret_key="not-the-secret-key")
        run = bench.run_playbook(BACKUP, extra_vars=backup_vars(cluster, folder, s3))
    return backup_outcome("S3 refusing the credentials", bench, cluster, bucket, folder, run.rc, proxy.total > 0,
                          detail="bytes sent to S3: %d" % proxy.total)


def neo4j_admin_fails(bench):
    cluster, bucket, folder = _backup_bench(bench)
    admin, log = fake_neo4j_admin(bench, fail=True)
    run = bench.run_playbook(BACKUP, extra_vars=backup_vars(cluster, folder, s3_options(bench.moto_s3, bucket), admin))
    return backup_outcome("neo4j-admin failing (backup playbook)", bench, cluster, bucket, folder, run.rc,
                          bool(backup_lines(log)))


def member_killed_during_backup(bench):
    """The backup member dies while neo4j-admin backs up from it (the simulator's neo4j-admin takes 1 s first)."""
    cluster, bucket, folder = _backup_bench(bench)
    admin, log = fake_neo4j_admin(bench, fail=False)
    proc = bench.run_playbook(BACKUP, start=True, env={"GRAPHOPS_SIM_BACKUP_SECONDS": "1.5"},
                              extra_vars=backup_vars(cluster, folder, s3_options(bench.moto_s3, bucket), admin))
    wait_until(lambda: backup_lines(log) or proc.poll() is not None, 120)
    injected = bool(backup_lines(log)) and proc.poll() is None
    if injected:
        cluster.kill_member("server3")
    rc = proc.wait(300)
    return backup_outcome("member killed during backup", bench, cluster, bucket, folder, rc, injected)


# ----- rolling upgrade ----------------------------------------------------------------------------------------------

def upgrade_outcome(kind, cluster, rc, injected, detail=""):
    """done: the run succeeded and every member runs the new release; stopped: the run failed and the cluster serves
    the alias films (42 nodes) for reads and writes."""
    model = cluster.model
    served = read_counts(cluster, "films")
    data_lost = 0 if served is not None and served[0] == 42 else 1
    with model.lock:
        stray = ["member %s left read-only" % name for name, server in model.servers.items() if server.read_only]
    if rc == 0:
        ended = "done" if set(versions(cluster).values()) == {TARGET} else "wrong: succeeded with members not upgraded"
    else:
        ended = "stopped"
    writable = False
    if served is not None:
        try:
            with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=AUTH, max_transaction_retry_time=15) as driver:
                driver.execute_query("CREATE (:Probe)", database_="films")
            writable = True
        except Exception:  # noqa: BLE001
            writable = False
    correct = (ended == "done" or ended == "stopped") and served is not None and writable
    detail = "rc=%s served=%s writable=%s versions=%s %s" % (rc, served, writable, versions(cluster), detail)
    return Outcome(kind, injected=bool(injected), correct=correct, ended=ended, data_lost=data_lost, stray=stray,
                   detail=detail)


def member_killed_during_upgrade(bench):
    """server2 (not yet upgraded) dies while server3 is being upgraded; the operator brings it back afterwards if the
    run did not."""
    cluster = build(bench.make_cluster)
    proc = bench.run_playbook(UPGRADE, start=True, inventory=inventory(), extra_vars=upgrade_vars(cluster))
    wait_until(lambda: ("stop", "server3", None) in cluster.control_log or proc.poll() is not None, 240)
    injected = proc.poll() is None and ("stop", "server3", None) in cluster.control_log
    if injected:
        cluster.kill_member("server2")
    rc = proc.wait(300)
    with cluster.model.lock:
        down = not cluster.model.servers["server2"].up
    if down:
        cluster.restart_member("server2")
    return upgrade_outcome("member killed during the rolling upgrade", cluster, rc, injected)


def member_stuck_on_rejoin(bench):
    cluster = build(bench.make_cluster)
    cluster.stick_on_rejoin("server3")
    run = bench.run_playbook(UPGRADE, inventory=inventory(),
                             extra_vars=upgrade_vars(cluster, neo4j_rolling_upgrade_wait_timeout=2))
    with cluster.model.lock:
        stuck = cluster.model.servers["server3"].stuck is not None
    injected = stuck and ("start", "server3", TARGET) in cluster.control_log
    return upgrade_outcome("member stuck on rejoin during the upgrade", cluster, run.rc, injected)


KINDS = {
    "member_killed_during_load": member_killed_during_load,
    "arrow_stream_cut": arrow_stream_cut,
    "arrow_create_database_refused": arrow_create_database_refused,
    "arrow_load_done_refused": arrow_load_done_refused,
    "database_never_online": database_never_online,
    "member_stopped_during_validation": member_stopped_during_validation,
    "member_killed_during_switch": member_killed_during_switch,
    "leader_moved_during_switch": leader_moved_during_switch,
    "commit_reply_lost_during_switch": commit_reply_lost_during_switch,
    "blue_backup_neo4j_admin_fails": blue_backup_neo4j_admin_fails,
    "controller_killed_then_rerun": controller_killed_then_rerun,
    "s3_cut_mid_upload": s3_cut_mid_upload,
    "s3_refuses_credentials": s3_refuses_credentials,
    "neo4j_admin_fails": neo4j_admin_fails,
    "member_killed_during_backup": member_killed_during_backup,
    "member_killed_during_upgrade": member_killed_during_upgrade,
    "member_stuck_on_rejoin": member_stuck_on_rejoin,
}

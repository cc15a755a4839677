"""Progress lines of long work in real ansible-playbook output (plugins/plugin_utils/progress_action.py): what they
say, how often they come, when they stay away, and that the task results are the same with or without them."""

import getpass
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from moto_s3 import CuttingProxy
from integration.playbook_run import PlaybookRun
from plays import header, play, target_vars
from simulator.cluster import NEO4J_ADMIN
from test_neo4j_arrow_load import N_NODES, vars_for, write_graph
from test_neo4j_backup import MIB, play as backup_play, s3_options

LINE = re.compile(r"^\[([^\]]+)\] (neo4j_\w+): (.*)$", re.M)
TIMINGS = ("seconds", "rows_per_second")


def progress_lines(run):
    """(host label, module, text) of every progress line in the run's output."""
    return LINE.findall(run.stdout)


def timeless(value):
    """``value`` without what a new database gets anew each time: ids and times (``creation_time``...)."""
    if isinstance(value, dict):
        return dict((k, timeless(v)) for k, v in value.items()
                    if not (k.endswith("_time") or k in ("database_id", "store_id", "last_committed_txn")))
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def comparable(result, drop=()):
    """A result without what differs between two runs by nature (timings, ids, the option that differs)."""
    result = timeless(result)
    for key in TIMINGS + tuple(drop):
        result.pop(key, None)
    args = dict(result["invocation"]["module_args"])
    args.pop("progress_interval")
    args.pop("database", None)
    return dict(result, invocation=dict(module_args=args))


def load_task(interval, extra=""):
    return """\
    - name: load
      graphops.neo4j.neo4j_arrow_load:
        database: "{{ database }}"
        arrow_host: "{{ arrow_host }}"
        arrow_port: "{{ arrow_port }}"
        nodes: "{{ nodes }}"
        relationships: "{{ relationships }}"
        batch_size: 64
        concurrency: 1
        progress_interval: %s
%s""" % (interval, extra)


# ----- neo4j_database: a wait --------------------------------------------------------------------

def test_database_wait_names_the_members_not_yet_online_at_a_bounded_rate(cluster, run_playbook):
    cluster.model.start_delays["slow"] = 4.0
    started = time.monotonic()
    run = run_playbook(play("""
- name: create slow
  graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 60, progress_interval: 1}
"""), extra_vars=target_vars(cluster))
    wall = time.monotonic() - started
    assert run.rc == 0, run
    lines = progress_lines(run)
    assert len(lines) <= wall / 1.0, run.stdout  # at most one line per interval
    phase = "waiting for database 'slow' to reach its requested status on every member: "
    # On a busy machine the first tick can come before the first poll has answered: then the line has only the
    # time, and no member yet.
    early = [text for dummy, dummy, text in lines if re.fullmatch(re.escape(phase) + r"\d+ s elapsed", text)]
    assert [text for dummy, dummy, text in lines[:len(early)]] == early, run.stdout
    lines = lines[len(early):]
    assert len(lines) >= 2, run.stdout
    member = cluster.server_name(cluster.members[0])
    for host, module, text in lines:
        assert (host, module) == ("localhost", "neo4j_database")
        assert text.startswith("waiting for database 'slow' to reach its requested status on every member: "
                               "1 member not yet there: %s (127.0.0.1:" % member), text
        assert "starting (requested online)" in text and text.endswith(" s elapsed"), text
    assert "password" not in run.stdout


def test_database_results_are_the_same_with_and_without_progress(cluster, run_playbook):
    cluster.model.start_delay = 2.5
    tasks = """
- name: create with progress
  graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 60, progress_interval: 0.5}
- name: drop with progress
  graphops.neo4j.neo4j_database: {name: slow, state: absent, progress_interval: 0.5}
- name: create without
  graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 60, progress_interval: 0}
- name: drop without
  graphops.neo4j.neo4j_database: {name: slow, state: absent, progress_interval: 0}
"""
    run = run_playbook(play(tasks), extra_vars=target_vars(cluster), diff=True)
    assert run.rc == 0, run
    assert progress_lines(run)
    assert comparable(run.results["create with progress"]) == comparable(run.results["create without"])
    assert comparable(run.results["drop with progress"]) == comparable(run.results["drop without"])
    assert run.results["create with progress"]["diff"]["before"] == {"state": "absent"}


def test_short_tasks_check_mode_async_and_no_log_print_nothing(cluster, run_playbook):
    cluster.model.start_delays["slow"] = 2.5
    run = run_playbook(play("""
- name: short
  graphops.neo4j.neo4j_database: {name: quick, progress_interval: 20}
- name: async
  graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 60, progress_interval: 0.5}
  async: 60
  poll: 1
- name: no_log
  graphops.neo4j.neo4j_database: {name: slow, state: stopped, progress_interval: 0.5}
  no_log: true
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    assert progress_lines(run) == [], run.stdout
    assert run.results["short"]["changed"] is True
    assert run.results["async"]["changed"] is True and run.results["async"]["finished"] is True
    assert run.results["async"]["database"]["members"]
    with cluster.model.lock:
        assert cluster.model.databases["slow"].allocations  # created, waited for, then stopped
    checked = run_playbook(play("""
- name: check
  graphops.neo4j.neo4j_database: {name: other, wait_timeout: 60, progress_interval: 0.5}
"""), extra_vars=target_vars(cluster), check=True)
    assert checked.rc == 0 and checked.results["check"]["changed"] is True and progress_lines(checked) == []


def test_delegated_task_labels_its_lines_with_both_hosts(cluster, run_playbook):
    cluster.model.start_delays["slow"] = 2.5
    run = run_playbook("""
- hosts: dbhost
  gather_facts: false
  module_defaults:
    group/graphops.neo4j.neo4j:
      uri: "{{ neo4j_uri }}"
      login_user: "{{ neo4j_username }}"
      login_password: "{{ neo4j_password }}"
  tasks:
    - name: create slow
      graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 60, progress_interval: 1}
      delegate_to: localhost
""", extra_vars=target_vars(cluster), inventory="dbhost ansible_host=192.0.2.1 ansible_connection=ssh\n")
    assert run.rc == 0, run
    lines = progress_lines(run)
    assert lines and {(host, module) for host, module, _text in lines} == {("dbhost -> localhost", "neo4j_database")}


def test_bad_progress_interval_is_refused_before_anything_changes(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    run = run_playbook(header() + """\
    - name: database
      graphops.neo4j.neo4j_database: {name: never, progress_interval: -1}
      ignore_errors: true
""" + load_task(-2, "      ignore_errors: true\n"), extra_vars=vars_for(cluster, "neverloaded", nodes, rels))
    assert run.rc == 0, run
    for task, value in (("database", "-1.0"), ("load", "-2.0")):
        result = run.results[task]
        assert result["failed"] is True and result["changed"] is False
        assert result["msg"] == ("progress_interval: must be 0 (no progress lines) or a number of seconds greater "
                                 "than 0 (got %s)." % value)
    with cluster.model.lock:
        assert "never" not in cluster.model.databases and "neverloaded" not in cluster.model.databases


# ----- neo4j_arrow_load: rows sent, the server's build, the wait ----------------------------------

def test_load_prints_rows_sent_of_total_with_rate_and_eta(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    cluster.model.arrow_server.faults.batch_delay = 0.25  # 16 batches of 64 rows on one stream: about 4 s
    cluster.model.start_delays["people"] = 2.5
    started = time.monotonic()
    run = run_playbook(header() + load_task(1), extra_vars=vars_for(cluster, "people", nodes, rels))
    wall = time.monotonic() - started
    assert run.rc == 0, run
    lines = progress_lines(run)
    assert len(lines) <= wall / 1.0, run.stdout
    texts = [text for _host, _module, text in lines]
    sending = [t for t in texts if t.startswith("sending ")]
    assert sending, run.stdout
    pattern = re.compile(r"^sending (nodes|relationships): ([\d,]+) of ([\d,]+) rows \((\d+)%\), "
                         r"(?:([\d,]+) rows/s(, ETA \d+ s)?, )?\d+ s elapsed$")
    for text in sending:
        match = pattern.match(text)
        assert match, text
        kind, done, total = match.group(1), int(match.group(2).replace(",", "")), int(match.group(3).replace(",", ""))
        assert total == (N_NODES if kind == "nodes" else N_NODES - 1) and 0 <= done <= total
        assert (match.group(5) is not None) == (done > 0), text  # a rate once something was sent
    assert any("ETA" in t for t in sending), run.stdout
    waits = [t for t in texts if t.startswith("waiting for database 'people' to reach its requested status")]
    assert waits and "starting (requested online)" in waits[0], run.stdout
    assert "password" not in run.stdout
    assert run.results["load"]["node_count"] == N_NODES


def test_load_results_are_the_same_with_and_without_progress(cluster, run_playbook, tmp_path):
    nodes, rels = write_graph(tmp_path)
    cluster.model.arrow_server.faults.batch_delay = 0.1
    with_progress = run_playbook(header() + load_task(0.5), extra_vars=vars_for(cluster, "people", nodes, rels))
    without = run_playbook(header() + load_task(0), extra_vars=vars_for(cluster, "people2", nodes, rels))
    assert with_progress.rc == 0 and without.rc == 0, (with_progress, without)
    assert progress_lines(with_progress) and not progress_lines(without)
    drop = ("database",)
    assert comparable(with_progress.results["load"], drop) == comparable(without.results["load"], drop)


@pytest.mark.parametrize("interval", [0.5, 0])
def test_failed_load_reports_as_before(cluster, run_playbook, tmp_path, interval):
    nodes, rels = write_graph(tmp_path)
    faults = cluster.model.arrow_server.faults
    faults.batch_delay = 0.1
    faults.cut_stream(after_batches=2, entity_type="relationship")
    run = run_playbook(header() + load_task(interval), extra_vars=vars_for(cluster, "cut", nodes, rels))
    assert run.rc == 2, run
    result = run.results["load"]
    assert result["failed"] is True and result["aborted"] == "aborted"
    assert result["msg"].startswith("Lost the connection to the GDS Arrow server while importing 'cut'")
    with cluster.model.lock:
        assert "cut" not in cluster.model.databases


# ----- neo4j_backup: neo4j-admin's run, uploads ---------------------------------------------------

def test_backup_prints_the_run_and_the_bytes_uploaded(run_playbook, make_cluster, moto_s3, s3_bucket, tmp_path):
    cluster = make_cluster(3, backup_members=["server3"])
    with cluster.model.lock:
        cluster.model.create_database("movies", primaries=1, secondaries=2, start_delay=0.0)
    cluster.model.backup_store_bytes["movies"] = 6 * MIB
    proxy = CuttingProxy(moto_s3.address, budget=1 << 40, rate=2 * MIB)  # about 3 s for the artefact
    spec = dict(database=["movies"], to_path=str(tmp_path), neo4j_admin=NEO4J_ADMIN, progress_interval=1,
                s3=s3_options(moto_s3, s3_bucket, endpoint_url=proxy.endpoint), **{"from": [cluster.backup_address("server3")]})
    task = ("- name: Back up\n  graphops.neo4j.neo4j_backup: %s\n  environment: {GRAPHOPS_SIM_BACKUP_SECONDS: '2.5'}\n"
            % json.dumps(spec))
    try:
        started = time.monotonic()
        run = run_playbook(backup_play(task))
        wall = time.monotonic() - started
    finally:
        proxy.close()
    assert run.rc == 0, run
    result = run.results["Back up"]
    assert [u["changed"] for u in result["uploads"]] == [True]
    lines = progress_lines(run)
    assert len(lines) <= wall / 1.0, run.stdout
    texts = [text for _host, module, text in lines if module == "neo4j_backup"]
    assert any(re.match(r"^neo4j-admin database backup of movies: \d+ s elapsed$", t) for t in texts), run.stdout
    artefact = result["uploads"][0]["artifact"]
    upload = re.compile(r"^uploading %s to s3://%s/prod/%s: [\d.]+ (B|KiB|MiB) of [\d.]+ MiB \(\d+%%\)"
                        % (re.escape(artefact), re.escape(s3_bucket), re.escape(artefact)))
    assert any(upload.match(t) for t in texts), run.stdout
    assert moto_s3.secret_key not in run.stdout and moto_s3.access_key not in run.stdout


# ----- over a connection that is not local ---------------------------------------------------------

CONNECTION_PLUGINS = str(Path(__file__).resolve().parent / "connection_plugins")
REMOTE_PLAY = """
- hosts: remote1
  gather_facts: false
  module_defaults:
    group/graphops.neo4j.neo4j:
      uri: "{{ neo4j_uri }}"
      login_user: "{{ neo4j_username }}"
      login_password: "{{ neo4j_password }}"
  tasks:
    - name: create with progress
      graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 60, progress_interval: 0.5}
    - name: drop with progress
      graphops.neo4j.neo4j_database: {name: slow, state: absent, progress_interval: 0.5}
    - name: create without
      graphops.neo4j.neo4j_database: {name: slow, wait_timeout: 60, progress_interval: 0}
    - name: drop without
      graphops.neo4j.neo4j_database: {name: slow, state: absent, progress_interval: 0}
    - name: timeout with progress
      graphops.neo4j.neo4j_database: {name: late1, wait_timeout: 1, progress_interval: 0.5}
      ignore_errors: true
    - name: timeout without
      graphops.neo4j.neo4j_database: {name: late2, wait_timeout: 1, progress_interval: 0}
      ignore_errors: true
    - name: check
      graphops.neo4j.neo4j_database: {name: other, wait_timeout: 60, progress_interval: 0.5}
      check_mode: true
"""


def assert_remote_run_prints_progress_with_unchanged_results(run, cluster, async_dir):
    assert run.rc == 0, run
    lines = progress_lines(run)
    assert lines and {(host, module) for host, module, _text in lines} == {("remote1", "neo4j_database")}, run.stdout
    member = cluster.server_name(cluster.members[0])
    texts = [text for _host, _module, text in lines]
    assert all(text.startswith("waiting for database '") for text in texts), texts
    for name in ("slow", "late1"):
        assert any(text.startswith("waiting for database '%s' to reach its requested status on every member: 1 member "
                                   "not yet there: %s (127.0.0.1:" % (name, member)) for text in texts), texts
    results = run.results
    for name in ("create", "drop"):
        assert comparable(results["%s with progress" % name]) == comparable(results["%s without" % name])
        assert not {"ansible_job_id", "finished", "results_file", "started"} & set(results["%s with progress" % name])
    late1, late2 = results["timeout with progress"], results["timeout without"]
    assert late1["failed"] is True and late1["msg"] == late2["msg"].replace("late2", "late1")
    assert set(late1) == set(late2), (late1, late2)
    assert results["check"]["changed"] is True and "ansible_job_id" not in results["check"]
    assert not list(Path(async_dir).glob("*")), "the job files are removed"


def test_progress_over_a_connection_that_is_not_local(cluster, run_playbook, tmp_path):
    """The stand-in connection (tests/integration/connection_plugins/graphops_remote.py) is local under another
    transport name: the action takes the path of ssh and every other connection."""
    cluster.model.start_delay = 1.5
    async_dir = tmp_path / "remote-async"
    run = run_playbook(REMOTE_PLAY, extra_vars=target_vars(cluster),
                       inventory="remote1 ansible_connection=graphops_remote\n",
                       env={"ANSIBLE_CONNECTION_PLUGINS": CONNECTION_PLUGINS, "ANSIBLE_ASYNC_DIR": str(async_dir)})
    assert_remote_run_prints_progress_with_unchanged_results(run, cluster, async_dir)


SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.access("/usr/sbin/sshd", os.X_OK) else None)


@pytest.fixture
def sshd(tmp_path):
    """An OpenSSH server on 127.0.0.1 for this test only (its own host key, config and authorized key), or a
    skip where no sshd is installed.  Returns (port, private key file)."""
    if not SSHD or not shutil.which("ssh") or not shutil.which("ssh-keygen"):
        pytest.skip("no OpenSSH server (sshd) installed here; the stand-in connection test covers the path")
    folder = tmp_path / "sshd"
    folder.mkdir()
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    shutil.copy(folder / "client_key.pub", folder / "authorized_keys")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = folder / "sshd_config"
    config.write_text("\n".join([
        "Port %d" % port, "ListenAddress 127.0.0.1", "HostKey %s" % (folder / "host_key"),
        "AuthorizedKeysFile %s" % (folder / "authorized_keys"), "PidFile %s" % (folder / "sshd.pid"),
        "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password", "Subsystem sftp internal-sftp", ""]))
    os.makedirs("/run/sshd", exist_ok=True)  # its privilege separation directory, which the package's service makes
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=open(folder / "sshd.log", "w"))
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("sshd did not start: %s" % (folder / "sshd.log").read_text())
                time.sleep(0.05)
        yield port, folder / "client_key"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.heavy
def test_progress_over_ssh(cluster, run_playbook, tmp_path, sshd):
    """The same over a real ssh connection to an sshd on 127.0.0.1 (skipped where no sshd is installed).  Heavy:
    every ssh round trip of ansible-core costs a lot here (about a minute in all on a loaded 2-CPU machine); the
    stand-in test above is its short variant in make test."""
    port, key = sshd
    cluster.model.start_delay = 1.5
    async_dir = tmp_path / "remote-async"
    inventory = ("remote1 ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=%d ansible_user=%s "
                 "ansible_ssh_private_key_file=%s ansible_ssh_common_args='-o StrictHostKeyChecking=no "
                 "-o UserKnownHostsFile=/dev/null'\n" % (port, getpass.getuser(), key))
    control = tempfile.mkdtemp(prefix="cp", dir="/tmp")  # ssh's ControlPath must fit a Unix socket's 108 bytes
    try:
        # Started, then waited for: ssh's master process (ControlPersist) keeps the output files open after
        # ansible-playbook has ended, which a captured pipe would wait for; it ends with the sshd.
        proc = run_playbook(REMOTE_PLAY, extra_vars=target_vars(cluster), inventory=inventory, start=True,
                            env={"ANSIBLE_ASYNC_DIR": str(async_dir), "ANSIBLE_SSH_CONTROL_PATH_DIR": control,
                                 "ANSIBLE_REMOTE_TMP": str(tmp_path / "remote-tmp")})
        rc = proc.wait(timeout=240)
    finally:
        shutil.rmtree(control, ignore_errors=True)
    workdir = Path(proc.args[proc.args.index("--inventory") + 1]).parent
    results = workdir / "results.json"
    run = PlaybookRun(rc=rc, stdout=(workdir / "stdout").read_text(), stderr=(workdir / "stderr").read_text(),
                      command=proc.args, tasks=json.loads(results.read_text())["tasks"] if results.exists() else [])
    assert_remote_run_prints_progress_with_unchanged_results(run, cluster, async_dir)

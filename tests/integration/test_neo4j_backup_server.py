"""The neo4j_backup_server role: the backup listener, neo4j-admin.conf, the generated backup playbook and its daily
schedule (a systemd timer, or cron), all written into a temporary root; then the generated command itself backs up
a simulated cluster's backup member to S3 (moto)."""

import configparser
import getpass
import grp
import os
import stat
import subprocess
import sys

import pytest

from simulator.cluster import NEO4J_ADMIN
from simulator.model import GraphData

ROLE = "graphops.neo4j.neo4j_backup_server : "
PLAY = """
- hosts: localhost
  gather_facts: false
  roles:
    - role: graphops.neo4j.neo4j_backup_server
"""


def role_vars(root, scheduler, **extra):
    values = {
        "neo4j_backup_server_scheduler": scheduler,
        "neo4j_backup_server_conf_dir": str(root / "etc/neo4j"),
        "neo4j_backup_server_backup_dir": str(root / "var/backups/neo4j"),
        "neo4j_backup_server_work_dir": str(root / "var/lib/neo4j-backup"),
        "neo4j_backup_server_systemd_dir": str(root / "etc/systemd/system"),
        "neo4j_backup_server_cron_file": str(root / "etc/cron.d/neo4j-backup"),
        "neo4j_backup_server_user": getpass.getuser(),
        "neo4j_backup_server_group": grp.getgrgid(os.getgid()).gr_name,
        "neo4j_backup_server_start_timer": False,
        "neo4j_backup_server_manage_service": False,
        "neo4j_backup_server_databases": ["movies"],
        "neo4j_backup_server_from": ["127.0.0.1:6362"],
        "neo4j_backup_server_admin_settings": {"server.memory.pagecache.size": "1g"},
    }
    values.update(extra)
    return values


@pytest.fixture
def root(tmp_path):
    conf = tmp_path / "etc/neo4j"
    conf.mkdir(parents=True)
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    (tmp_path / "etc/cron.d").mkdir(parents=True)
    (conf / "neo4j.conf").write_text("server.default_listen_address=0.0.0.0\nserver.backup.enabled=false\n")
    return tmp_path


def unit(path):
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def test_systemd_timer_and_listener(run_playbook, root):
    run = run_playbook(PLAY, extra_vars=role_vars(root, "systemd", neo4j_backup_server_tls=True), diff=True)
    assert run.rc == 0, run.stdout[-3000:]
    conf = (root / "etc/neo4j/neo4j.conf").read_text().splitlines()
    assert "server.backup.enabled=true" in conf and "server.backup.enabled=false" not in conf
    assert "server.backup.listen_address=0.0.0.0:6362" in conf
    assert "dbms.ssl.policy.backup.client_auth=REQUIRE" in conf
    admin = (root / "etc/neo4j/neo4j-admin.conf").read_text().splitlines()
    assert "server.memory.pagecache.size=1g" in admin and "dbms.ssl.policy.backup.enabled=true" in admin

    timer = unit(root / "etc/systemd/system/neo4j-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:00:00" and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    service = unit(root / "etc/systemd/system/neo4j-backup.service")
    work = root / "var/lib/neo4j-backup"
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"] == str(work / "neo4j-backup")
    assert os.stat(work / "neo4j-backup").st_mode & stat.S_IXUSR
    assert stat.S_IMODE(os.stat(work / "backup-vars.yml").st_mode) == 0o600
    assert not (root / "etc/cron.d/neo4j-backup").exists()

    again = run_playbook(PLAY, extra_vars=role_vars(root, "systemd", neo4j_backup_server_tls=True))
    assert again.rc == 0, again.stdout[-3000:]
    assert "changed=0" in again.stdout.split("PLAY RECAP")[1], again.stdout


def test_cron_where_there_is_no_systemd(run_playbook, root):
    run = run_playbook(PLAY, extra_vars=role_vars(root, "cron", neo4j_backup_server_cron={"minute": "30", "hour": "3"}))
    assert run.rc == 0, run.stdout[-3000:]
    lines = (root / "etc/cron.d/neo4j-backup").read_text().splitlines()
    work = root / "var/lib/neo4j-backup"
    entries = [line for line in lines if line and not line.startswith("#")]
    assert entries == ["30 3 * * * %s %s/neo4j-backup >> %s/neo4j-backup.log 2>&1" % (getpass.getuser(), work, work)]
    assert not (root / "etc/systemd/system/neo4j-backup.timer").exists()
    again = run_playbook(PLAY, extra_vars=role_vars(root, "cron", neo4j_backup_server_cron={"minute": "30", "hour": "3"}))
    assert "changed=0" in again.stdout.split("PLAY RECAP")[1], again.stdout


def test_check_mode_changes_nothing(run_playbook, root):
    before = (root / "etc/neo4j/neo4j.conf").read_text()
    run = run_playbook(PLAY, extra_vars=role_vars(root, "systemd"), check=True, diff=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert "+server.backup.enabled=true" in run.stdout
    assert (root / "etc/neo4j/neo4j.conf").read_text() == before
    assert not (root / "etc/systemd/system/neo4j-backup.timer").exists()


def test_the_scheduled_command_backs_up_to_s3(run_playbook, root, make_cluster, moto_s3, s3_bucket, collections_path):
    cluster = make_cluster(3, backup_members=["server3"])
    with cluster.model.lock:
        cluster.model.create_database("movies", primaries=1, secondaries=2, start_delay=0.0,
                                      graph=GraphData(label_counts={"Movie": 3}, node_count=3))
    s3 = dict(bucket=s3_bucket, prefix="nightly", region=moto_s3.region, endpoint_url=moto_s3.endpoint,
              access_key=moto_s3.access_key, secret_key=moto_s3.secret_key)
    run = run_playbook(PLAY, extra_vars=role_vars(
        root, "systemd", neo4j_backup_server_from=[cluster.backup_address("server3")],
        neo4j_backup_server_neo4j_admin=NEO4J_ADMIN, neo4j_backup_server_s3=s3,
        neo4j_backup_server_ansible_playbook=os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        neo4j_backup_server_collections_path=str(collections_path)))
    assert run.rc == 0, run.stdout[-3000:]
    assert moto_s3.secret_key not in run.stdout

    work = root / "var/lib/neo4j-backup"
    env = dict(os.environ, ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_HOME=str(root / "ansible-home"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([str(work / "neo4j-backup")], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    backups = sorted(os.listdir(root / "var/backups/neo4j"))
    assert len(backups) == 1 and backups[0].startswith("movies-") and backups[0].endswith(".backup")
    assert moto_s3.keys(s3_bucket) == ["nightly/" + backups[0]]
    assert [r[0] for r in cluster.model.backup_requests if r[0] != "server3"] == []

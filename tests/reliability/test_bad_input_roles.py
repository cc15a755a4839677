"""Bad-input suite for the roles (issue 14): every variable of every role, wrong in every way its spec allows.

The inputs come from the roles' ``meta/argument_specs.yml`` (``role_bad_inputs.py``) plus each role's own extras
(illegal and injecting names, survey strings that do not parse, missing and corrupt files, contradictory
combinations), on top of one valid set of variables per role (``_bases``) that changes something when it runs: a
blue/green deployment, a rollback and a cleanup on the simulated cluster, users and roles (neo4j_access), alarms and
metrics in moto's CloudWatch (neo4j_memory_alarms), config files, folders and schedules in a temporary root
(neo4j_backup_server, neo4j_cluster), a build context (neo4j_image), the rolling-upgrade plan.  ``test_bases_change``
proves that each base does (after the inputs, in the full variant).

All inputs run in one ansible-playbook run: one block per input (``include_role`` with the input's variables, a
``rescue`` that records the failed task and its message), neo4j_blue_green in a play of its own (it refuses plays of
more than one host), the other roles on one inventory host each, in parallel forks.  An input passes when the role
failed with a message naming the variable; the whole simulator state, S3, CloudWatch and every file under the roots
are snapshotted before and after (``state_snapshot.py``), and every difference is a state change.
"""

import getpass
import grp
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest

from reliability import role_bad_inputs
from reliability.bad_inputs import ILLEGAL, INJECTIONS
from reliability.state_snapshot import differences, snapshot
from simulator.model import Alias, GraphData

COMMAND_FULL = "make reliability  (pytest -m reliability tests/reliability/test_bad_input_roles.py)"
COMMAND_SHORT = "pytest tests/reliability/test_bad_input_roles.py -m 'not reliability'"
PASSWORD = "Reliability-Secret-1"
APP_PASSWORD = "Application-Secret-1"
# The inventory host each role's inputs run on (neo4j_blue_green: a play of its own).
HOSTS = {"neo4j_access": "rel_access", "neo4j_backup_server": "rel_backup", "neo4j_cluster": "rel_cluster",
         "neo4j_image": "rel_image", "neo4j_memory_alarms": "rel_alarms", "neo4j_rolling_upgrade": "rel_upgrade",
         "neo4j_blue_green": "rel_bg"}
# neo4j_blue_green's inputs are the slowest (a refused run still writes the status file): spread over this many
# playbooks of one host each, run at once.
BLUE_GREEN_HOSTS = 3
# Roles whose inputs run in a playbook of their own, next to the others (see _playbooks).
OWN_PLAYBOOK = ("neo4j_blue_green", "neo4j_rolling_upgrade")
ROLLBACK_ALIAS = "relrb"
# Both playbooks together get this long (they take about a minute on an idle machine).
RUN_LIMIT = 1200
RELEASES = ("%s-20250101000001" % ROLLBACK_ALIAS, "%s-20250101000002" % ROLLBACK_ALIAS)


@pytest.fixture
def cluster(make_cluster):
    """A 3-member simulated cluster whose admin password is PASSWORD, with an alias two releases old (rollback and
    cleanup have something to do)."""
    started = make_cluster(3, users={"neo4j": PASSWORD})
    model = started.model
    with model.lock:
        for name in RELEASES:
            model.create_database(name, start_delay=0, graph=GraphData(node_count=3, relationship_count=0,
                                                                       label_counts={"Rel": 3}, type_counts={}))
        model.aliases[ROLLBACK_ALIAS] = Alias(name=ROLLBACK_ALIAS, database=RELEASES[1])
    return started


def _layout(tmp_path):
    """The files the bases read (sources, a jar, an upgrade tasks file), the corrupt and missing files, and the roots
    the roles write into (snapshotted)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "nodes.csv").write_text("id,name\n1,a\n2,b\n", encoding="utf-8")
    (inputs / "corrupt.bin").write_bytes(b"\x00\xffnot a certificate, not a jar, not a csv file\n" * 4)
    (inputs / "corrupt.jar").write_bytes(b"\x00\xffnot a zip archive\n" * 4)
    (inputs / "apoc.jar").write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip archive
    (inputs / "upgrade.yml").write_text("- name: Upgrade\n  ansible.builtin.debug:\n    msg: upgraded\n",
                                        encoding="utf-8")
    roots = tmp_path / "roots"
    for folder in ("backup/etc/neo4j", "backup/etc/systemd/system", "backup/etc/cron.d", "cluster", "image"):
        (roots / folder).mkdir(parents=True)
    (roots / "backup/etc/neo4j/neo4j.conf").write_text("server.default_listen_address=0.0.0.0\n", encoding="utf-8")
    return {"inputs": inputs, "roots": roots, "status": tmp_path / "status" / "blue-green.json",
            "missing": str(inputs / "missing" / "file"), "corrupt": str(inputs / "corrupt.bin")}


def _bases(layout):
    """One valid set of variables per role and entry point; each changes something when it runs."""
    inputs, roots = layout["inputs"], layout["roots"]
    nodes = [{"path": str(inputs / "nodes.csv"), "format": "csv", "id_column": "id", "label": ["Rel"]}]
    user, group = getpass.getuser(), grp.getgrgid(os.getgid()).gr_name
    backup = roots / "backup"
    return {
        ("neo4j_blue_green", "main"): {
            "neo4j_blue_green_alias": "relbg", "neo4j_blue_green_release": "20260101000001",
            "neo4j_blue_green_nodes": nodes, "neo4j_blue_green_wait_timeout": 20, "neo4j_blue_green_load_timeout": 60,
            "neo4j_blue_green_status_file": str(layout["status"])},
        ("neo4j_blue_green", "rollback"): {"neo4j_blue_green_alias": ROLLBACK_ALIAS,
                                           "neo4j_blue_green_status_file": str(layout["status"])},
        ("neo4j_blue_green", "cleanup"): {"neo4j_blue_green_alias": ROLLBACK_ALIAS, "neo4j_blue_green_keep": 0,
                                          "neo4j_blue_green_status_file": str(layout["status"])},
        ("neo4j_access", "main"): {"neo4j_access_applications": [
            {"name": "relapp", "alias": "relapp", "read_only": {"user": "relapp_ro", "password": APP_PASSWORD},
             "read_write": {"user": "relapp_rw", "password": APP_PASSWORD}}]},
        ("neo4j_memory_alarms", "main"): {"neo4j_memory_alarms_cluster_name": "relalarms"},
        ("neo4j_backup_server", "main"): {
            "neo4j_backup_server_scheduler": "systemd",
            "neo4j_backup_server_conf_dir": str(backup / "etc/neo4j"),
            "neo4j_backup_server_backup_dir": str(backup / "var/backups/neo4j"),
            "neo4j_backup_server_work_dir": str(backup / "var/lib/neo4j-backup"),
            "neo4j_backup_server_systemd_dir": str(backup / "etc/systemd/system"),
            "neo4j_backup_server_cron_file": str(backup / "etc/cron.d/neo4j-backup"),
            "neo4j_backup_server_user": user, "neo4j_backup_server_group": group,
            "neo4j_backup_server_start_timer": False, "neo4j_backup_server_manage_service": False,
            "neo4j_backup_server_databases": ["movies"], "neo4j_backup_server_from": ["127.0.0.1:6362"]},
        ("neo4j_image", "main"): {
            "neo4j_image_version": "2026.07.0", "neo4j_image_accept_license_agreement": "yes",
            "neo4j_image_name": "registry.example.com/neo4j-gds", "neo4j_image_context_dir": str(roots / "image"),
            "neo4j_image_docker_host": "unix:///nonexistent/docker.sock",
            "neo4j_image_plugin_files": [str(inputs / "apoc.jar")]},
        ("neo4j_cluster", "main"): {
            "neo4j_cluster_version": "2026.07.0", "neo4j_cluster_accept_license_agreement": "yes",
            "neo4j_cluster_manage_service": False, "neo4j_cluster_conf_dir": str(roots / "cluster"),
            "neo4j_cluster_conf_owner": user, "neo4j_cluster_conf_group": group, "neo4j_cluster_listen_host": "127.0.0.1",
            "neo4j_cluster_advertised_host": "127.0.0.1", "neo4j_cluster_memory_mb": 4096,
            "neo4j_cluster_wait_timeout": 5},
        ("neo4j_rolling_upgrade", "main"): {
            "neo4j_rolling_upgrade_version": "2026.07.0", "neo4j_rolling_upgrade_hosts": "rel_members",
            "neo4j_rolling_upgrade_method": "tasks", "neo4j_rolling_upgrade_tasks_file": str(inputs / "upgrade.yml")},
    }


def _extras(layout, bases):
    """Per role and entry point: the inputs that need the role's meaning, (what, {variable: value}, names)."""
    missing, corrupt = layout["missing"], layout["corrupt"]
    bg = "neo4j_blue_green_"
    bg_names = {name: (bg + name, "bg_" + name) for name in (
        "alias", "release", "nodes", "relationships", "topology", "validation_queries", "keep", "backup", "deployments",
        "parallel", "load_path", "loader", "stage", "rollback_to", "status_file")}
    nodes = bases[("neo4j_blue_green", "main")][bg + "nodes"]
    deployment = {"alias": "relmany", "nodes": nodes}
    extras = {}
    extras[("neo4j_blue_green", "main")] = (
        [("alias illegal name %r" % name, {bg + "alias": name}, bg_names["alias"]) for name in ILLEGAL["alias"]]
        + [("release %r" % value, {bg + "release": value}, bg_names["release"])
           for value in ("2026", "2026010100000a", "20260101000001;DROP DATABASE neo4j")]
        + [("nodes survey string that does not parse", {bg + "nodes": "[{path: "}, bg_names["nodes"]),
           ("nodes not a list", {bg + "nodes": 42}, bg_names["nodes"]),
           ("nodes empty", {bg + "nodes": []}, bg_names["nodes"]),
           ("nodes missing file", {bg + "nodes": [dict(nodes[0], path=missing)]}, bg_names["nodes"]),
           ("nodes corrupt file", {bg + "nodes": [dict(nodes[0], path=corrupt)]}, bg_names["nodes"]),
           ("relationships survey string that does not parse", {bg + "relationships": "- {source: ["},
            bg_names["relationships"]),
           ("relationships not a list", {bg + "relationships": 42}, bg_names["relationships"]),
           ("topology survey string that does not parse", {bg + "topology": "{primaries: ["}, bg_names["topology"]),
           ("topology not a dict", {bg + "topology": "not-a-dict"}, bg_names["topology"]),
           ("topology negative primaries", {bg + "topology": {"primaries": -1}}, bg_names["topology"]),
           ("topology zero primaries", {bg + "topology": {"primaries": 0}}, bg_names["topology"]),
           ("validation_queries survey string", {bg + "validation_queries": "- query: ["},
            bg_names["validation_queries"]),
           ("validation_queries without query", {bg + "validation_queries": [{"expect": []}]},
            bg_names["validation_queries"]),
           ("keep not a number", {bg + "keep": "two"}, bg_names["keep"]),
           ("keep negative", {bg + "keep": -1}, bg_names["keep"]),
           ("keep negative string", {bg + "keep": "-1"}, bg_names["keep"]),
           ("backup survey string", {bg + "backup": "{from: ["}, bg_names["backup"]),
           ("backup not a dict", {bg + "backup": "not-a-dict"}, bg_names["backup"]),
           ("deployments survey string", {bg + "deployments": "- alias: ["}, bg_names["deployments"]),
           ("deployments illegal alias", {bg + "alias": "", bg + "deployments": [dict(deployment, alias="a`b")]},
            bg_names["deployments"]),
           ("deployments entry without nodes", {bg + "alias": "", bg + "deployments": [{"alias": "relmany"}]},
            bg_names["deployments"]),
           ("deployments with alias", {bg + "deployments": [deployment]}, bg_names["alias"] + bg_names["deployments"]),
           ("deployments with staged load path",
            {bg + "alias": "", bg + "deployments": [deployment], bg + "load_path": "staged"}, bg_names["load_path"]),
           ("parallel zero", {bg + "alias": "", bg + "deployments": [deployment], bg + "parallel": 0},
            bg_names["parallel"]),
           ("parallel not a number", {bg + "alias": "", bg + "deployments": [deployment], bg + "parallel": "two"},
            bg_names["parallel"]),
           ("staged without loader and stage", {bg + "load_path": "staged"},
            bg_names["loader"] + bg_names["stage"] + bg_names["load_path"]),
           ("loader survey string", {bg + "load_path": "staged", bg + "loader": "{uri: ["}, bg_names["loader"]),
           ("stage not a dict", {bg + "load_path": "staged", bg + "stage": "not-a-dict"}, bg_names["stage"]),
           ("status_file in a folder that is a file", {bg + "status_file": corrupt + "/status.json"},
            bg_names["status_file"])])
    extras[("neo4j_blue_green", "rollback")] = (
        [("alias illegal name %r" % name, {bg + "alias": name}, bg_names["alias"]) for name in INJECTIONS]
        + [("rollback_to illegal name %r" % name, {bg + "rollback_to": name}, bg_names["rollback_to"])
           for name in ("a`b", "x;DROP DATABASE neo4j", "white space")]
        + [("rollback_to a database that does not exist", {bg + "rollback_to": ROLLBACK_ALIAS + "-20990101000000"},
            bg_names["rollback_to"]),
           ("backup survey string", {bg + "backup": "{from: ["}, bg_names["backup"])])
    extras[("neo4j_blue_green", "cleanup")] = (
        [("alias illegal name %r" % name, {bg + "alias": name}, bg_names["alias"]) for name in INJECTIONS])

    app = bases[("neo4j_access", "main")]["neo4j_access_applications"][0]
    apps = "neo4j_access_applications"
    second = dict(app, name="relapp2", alias="relapp2", read_only={"user": "relapp2_ro", "password": APP_PASSWORD})
    extras[("neo4j_access", "main")] = (
        [("alias illegal name %r" % name, {apps: [dict(app, alias=name)]}, (apps,)) for name in INJECTIONS]
        + [("user illegal name %r" % name, {apps: [dict(app, read_only=dict(app["read_only"], user=name))]}, (apps,))
           for name in ILLEGAL["user"]]
        + [("role illegal name %r" % name, {apps: [dict(app, read_write=dict(app["read_write"], role=name))]}, (apps,))
           for name in ("a`b", "x;DROP ROLE admin", "9role")]
        + [("home_database illegal name %r" % name,
            {apps: [dict(app, read_only=dict(app["read_only"], home_database=name))]}, (apps,)) for name in ("a`b", "_x")]
        + [("privileges injection %r" % value,
            {apps: [dict(app, read_only=dict(app["read_only"], privileges=[value]))]}, (apps, "privileges"))
           for value in ("DROP DATABASE neo4j", "GRANT ACCESS ON DATABASE; DROP USER neo4j")]
        + [("second application with an illegal user", {apps: [app, dict(second, read_write={
            "user": "comma,name", "password": APP_PASSWORD})]}, (apps,)),
           ("two applications of one name", {apps: [app, dict(second, name="relapp")]}, (apps,)),
           ("applications empty", {apps: []}, (apps,)),
           ("read_only without password", {apps: [dict(app, read_only={"user": "relapp_ro"})]}, (apps, "password"))])

    alarms = "neo4j_memory_alarms_"
    extras[("neo4j_memory_alarms", "main")] = [
        ("cluster_name empty", {alarms + "cluster_name": ""}, (alarms + "cluster_name",)),
        ("heap_threshold above 100", {alarms + "heap_threshold": 101}, (alarms + "heap_threshold",)),
        ("page_cache_threshold above 100", {alarms + "page_cache_threshold": 150}, (alarms + "page_cache_threshold",)),
        ("period not a multiple of 60", {alarms + "period": 45}, (alarms + "period",)),
        ("datapoints_to_alarm above evaluation_periods",
         {alarms + "datapoints_to_alarm": 5, alarms + "evaluation_periods": 3},
         (alarms + "datapoints_to_alarm", alarms + "evaluation_periods")),
        ("alarm_actions not an ARN", {alarms + "alarm_actions": ["not-an-arn"]}, (alarms + "alarm_actions",)),
        ("ok_actions not an ARN", {alarms + "ok_actions": ["rm -rf /"]}, (alarms + "ok_actions",)),
        ("insufficient_data_actions not an ARN", {alarms + "insufficient_data_actions": ["sns:topic"]},
         (alarms + "insufficient_data_actions",)),
        ("namespace reserved", {alarms + "namespace": "AWS/EC2"}, (alarms + "namespace",)),
        ("namespace empty", {alarms + "namespace": ""}, (alarms + "namespace",)),
    ]

    server = "neo4j_backup_server_"
    extras[("neo4j_backup_server", "main")] = (
        [("listen_address %r" % value, {server + "listen_address": value}, (server + "listen_address",))
         for value in ("not-an-address", "0.0.0.0:70000", "[::1]:0", "0.0.0.0:6362\nserver.x=y")]
        + [("databases illegal name %r" % name, {server + "databases": [name]}, (server + "databases",))
           for name in ("a`b", "x;DROP DATABASE neo4j", "white space")]
        + [("databases empty", {server + "databases": []}, (server + "databases",)),
           ("from empty", {server + "from": []}, (server + "from",)),
           ("from not host:port", {server + "from": ["127.0.0.1:notaport"]}, (server + "from",)),
           ("from port 0", {server + "from": ["db1:0"]}, (server + "from",)),
           ("retention keep_full not a number", {server + "retention": {"keep_full": "two"}}, (server + "retention",)),
           ("cron hour 25", {server + "scheduler": "cron", server + "cron": {"minute": "0", "hour": "25"}},
            (server + "cron",)),
           ("randomized_delay negative", {server + "randomized_delay": "-5m"}, (server + "randomized_delay",)),
           ("retention negative keep_full", {server + "retention": {"keep_full": -1}}, (server + "retention",)),
           ("admin_settings line break", {server + "admin_settings": {"server.x": "a\nb"}}, (server + "admin_settings",)),
           ("user that does not exist", {server + "user": "no-such-user-rel"}, (server + "user",)),
           ("group that does not exist", {server + "group": "no-such-group-rel"}, (server + "group",)),
           # A missing ansible-playbook may be installed after the role ran: only a file that cannot run is refused.
           ("ansible_playbook corrupt file", {server + "ansible_playbook": corrupt}, (server + "ansible_playbook",)),
           ("neo4j_admin empty", {server + "neo4j_admin": ""}, (server + "neo4j_admin",)),
           ("cron minute 61", {server + "scheduler": "cron", server + "cron": {"minute": "61", "hour": "2"}},
            (server + "cron",)),
           ("randomized_delay not a time span", {server + "randomized_delay": "soon"}, (server + "randomized_delay",)),
           ("conf_dir a file", {server + "conf_dir": corrupt}, (server + "conf_dir",))])

    image = "neo4j_image_"
    extras[("neo4j_image", "main")] = (
        [("version %r" % value, {image + "version": value}, (image + "version",))
         for value in ("latest", "5.25.0", "2026.13.0", "2026.07")]
        + [("name %r" % value, {image + "name": value}, (image + "name",))
           for value in ("Upper/Case", "name with space", "a;rm -rf /")]
        + [("license no", {image + "accept_license_agreement": "no"}, (image + "accept_license_agreement",)),
           ("tags illegal", {image + "tags": ["bad tag!"]}, (image + "tags",)),
           ("tags injection", {image + "tags": ["x;rm -rf /"]}, (image + "tags",)),
           ("healthcheck_start_period not a duration", {image + "healthcheck_start_period": "forever"},
            (image + "healthcheck_start_period",)),
           ("tags empty", {image + "tags": []}, (image + "tags",)),
           ("plugin_files missing file", {image + "plugin_files": [missing + ".jar"]}, (image + "plugin_files",)),
           ("plugin_files not a jar", {image + "plugin_files": [corrupt]}, (image + "plugin_files",)),
           ("conf name", {image + "conf": {"dbms._weird": "x"}}, (image + "conf",)),
           ("conf line break", {image + "conf": {"dbms.x": "a\nb"}}, (image + "conf",)),
           ("labels key", {image + "labels": {"Team Name": "x"}}, (image + "labels",)),
           ("healthcheck_interval not a duration", {image + "healthcheck_interval": "soon"},
            (image + "healthcheck_interval",)),
           ("healthcheck_timeout not a duration", {image + "healthcheck_timeout": "-5s"},
            (image + "healthcheck_timeout",)),
           ("gds_arrow_listen_address not an address", {image + "gds_arrow_listen_address": "nope"},
            (image + "gds_arrow_listen_address",)),
           ("registry_login password without credentials", {image + "registry_login": "password"},
            (image + "registry_username", image + "registry_password", image + "registry_url")),
           ("context_dir a file", {image + "context_dir": corrupt}, (image + "context_dir",))])

    cl = "neo4j_cluster_"
    extras[("neo4j_cluster", "main")] = (
        [("version %r" % value, {cl + "version": value}, (cl + "version",)) for value in ("latest", "5.25.0", "2026.07")]
        + [("license no", {cl + "accept_license_agreement": "no"}, (cl + "accept_license_agreement",)),
           ("license eval with package", {cl + "accept_license_agreement": "eval"},
            (cl + "accept_license_agreement",)),
           ("heap_size not a size", {cl + "heap_size": "lots", cl + "pagecache_size": "1g"}, (cl + "heap_size",)),
           ("pagecache_size negative", {cl + "heap_size": "1g", cl + "pagecache_size": "-1g"},
            (cl + "pagecache_size",)),
           ("settings line break", {cl + "settings": {"server.x": "a\nserver.y=b"}}, (cl + "settings",)),
           ("settings illegal name", {cl + "settings": {"server x=y": "1"}}, (cl + "settings",)),
           ("jvm_additional line break", {cl + "jvm_additional": ["-Xss1m\nserver.x=y"]}, (cl + "jvm_additional",)),
           ("seed_databases illegal name", {cl + "seed_databases": [{"name": "a`b", "seed_uri": "s3://b/x.backup"}]},
            (cl + "seed_databases",)),
           ("seed_databases without seed", {cl + "seed_databases": [{"name": "movies"}]}, (cl + "seed_databases",)),
           ("gds_license_file missing file", {cl + "gds_license_file": missing}, (cl + "gds_license_file",)),
           ("gds_license_file a folder", {cl + "gds_license_file": str(layout["inputs"])}, (cl + "gds_license_file",)),
           ("primaries_group empty", {cl + "primaries_group": "no_such_group"}, (cl + "primaries_group",)),
           ("advertised_host with a space", {cl + "advertised_host": "bad host"}, (cl + "advertised_host",)),
           ("listen_host injection", {cl + "listen_host": "0.0.0.0\nserver.x=y"}, (cl + "listen_host",)),
           ("conf_dir a file", {cl + "conf_dir": corrupt}, (cl + "conf_dir",))])

    ru = "neo4j_rolling_upgrade_"
    extras[("neo4j_rolling_upgrade", "main")] = [
        ("version empty", {ru + "version": ""}, (ru + "version",)),
        ("version not a release", {ru + "version": "latest"}, (ru + "version",)),
        ("hosts not a group", {ru + "hosts": "no_such_group"}, (ru + "hosts",)),
        ("tasks without tasks_file", {ru + "tasks_file": ""}, (ru + "tasks_file",)),
        ("tasks_file missing file", {ru + "tasks_file": missing}, (ru + "tasks_file",)),
        ("tasks_file corrupt file", {ru + "tasks_file": corrupt}, (ru + "tasks_file",)),
        ("delegate_to not a host", {ru + "delegate_to": "no_such_host"}, (ru + "delegate_to",)),
        ("server of a member not a server", {ru + "hosts": "rel_bad_members"}, (ru + "server",)),
    ]
    return extras


def _cases(layout):
    bases = _bases(layout)
    extras = _extras(layout, bases)
    specs = role_bad_inputs.role_specs()
    entries = sorted((role, entry) for role in specs for entry in specs[role])
    assert entries == sorted(bases), "every role entry point needs a valid base in _bases (a new role?)"
    return bases, [case for key in entries
                   for case in role_bad_inputs.cases(key[0], key[1], specs[key[0]][key[1]], bases[key], extras[key])]


def _block(number, case):
    """One input: the role with its variables, recorded as accepted or refused (with the failed task and message)."""
    include = {"name": case.role if case.role.startswith("graphops.") else "graphops.neo4j." + case.role,
               "tasks_from": case.entry}
    return {"name": "input %d" % number, "block": [
        {"name": "input %d runs" % number, "ansible.builtin.include_role": include, "vars": case.role_vars()},
        {"name": "accepted %d" % number, "ansible.builtin.debug": {"msg": "accepted"}},
    ], "rescue": [
        {"name": "refused %d" % number, "ansible.builtin.debug": {
            "msg": "{{ {'task': ansible_failed_task.name | default(''), 'message': ansible_failed_result.msg | default('') | string} }}"}},
    ]}


def _hosts():
    """Every inventory host inputs run on: one per role, neo4j_blue_green's split over BLUE_GREEN_HOSTS."""
    return sorted(host for role, host in HOSTS.items() if role != "neo4j_blue_green") + \
        ["%s%d" % (HOSTS["neo4j_blue_green"], n) for n in range(BLUE_GREEN_HOSTS)]


def _host_of(case, index):
    """The host of a case, ``index`` its position among its role's cases."""
    if case.role == "neo4j_blue_green":
        return "%s%d" % (HOSTS[case.role], index % BLUE_GREEN_HOSTS)
    return HOSTS[case.role]


def _inventory(cluster):
    members = ["member%d ansible_connection=local neo4j_rolling_upgrade_server=%s" % (n, server.server_id)
               for n, server in enumerate(cluster.model.servers.values(), 1)]
    own = [host for host in _hosts() if host.startswith(tuple(HOSTS[role] for role in OWN_PLAYBOOK))]
    lines = ["[rel_workers]"] + ["%s ansible_connection=local" % host for host in _hosts() if host not in own]
    lines += ["", "[rel_own_playbook]"] + ["%s ansible_connection=local" % host for host in own]
    lines += ["", "[neo4j_primaries]", "rel_cluster", "", "[rel_members]"] + members
    lines += ["", "[rel_bad_members]", "bad_member ansible_connection=local neo4j_rolling_upgrade_server=no-such-server"]
    return "\n".join(lines) + "\n"


def _playbooks(cluster, moto_cloudwatch, cases, folder, spread=True):
    """Playbooks run at once: neo4j_blue_green's inputs in BLUE_GREEN_HOSTS playbooks of one host each (the role
    refuses plays of more than one host), neo4j_rolling_upgrade's in one of its own; every other role's on a host of
    its own, in parallel forks of one playbook.  ``spread=False`` runs every neo4j_blue_green case on one host, in
    order (the bases: the rollback must run before the cleanup)."""
    defaults = {"group/graphops.neo4j.neo4j": {"uri": cluster.routing_uri(), "login_user": "neo4j",
                                               "login_password": PASSWORD, "connection_timeout": 5, "retry_timeout": 2},
                "group/graphops.neo4j.neo4j_cloudwatch": moto_cloudwatch.module_options()}
    blocks, seen = {}, {}
    for number, case in enumerate(cases):
        index = seen[case.role] = seen.get(case.role, -1) + 1
        blocks.setdefault(_host_of(case, index if spread else 0), []).append(_block(number, case))
    for host in _hosts():
        (folder / ("%s.yml" % host)).write_text(json.dumps(blocks.get(host, []), indent=1) + "\n", encoding="utf-8")
    # neo4j_rolling_upgrade's plan ends in add_host, which the free strategy does not run: a linear play of its own.
    own = [host for host in _hosts() if host.startswith(tuple(HOSTS[role] for role in OWN_PLAYBOOK))]
    return [[{"name": host, "hosts": host, "gather_facts": False, "module_defaults": defaults,
              "tasks": [{"name": "inputs", "ansible.builtin.include_tasks": str(folder / ("%s.yml" % host))}]}]
            for host in own if blocks.get(host)] + [
        [{"name": "the other roles", "hosts": "rel_workers", "gather_facts": False, "strategy": "free",
          "module_defaults": defaults,
          "tasks": [{"name": "inputs", "ansible.builtin.include_tasks": str(folder) + "/{{ inventory_hostname }}.yml"}]}],
    ]


def _run_all(run_playbook, playbooks, inventory):
    """Start every playbook, wait for all of them (RUN_LIMIT seconds at most); their records and return codes."""
    started = [run_playbook(json.dumps(playbook) + "\n", inventory=inventory, start=True,
                            env={"ANSIBLE_FORKS": str(len(_hosts())), "ANSIBLE_PIPELINING": "true"})
               for playbook in playbooks]
    deadline = time.monotonic() + RUN_LIMIT
    records, codes = [], []
    for process in started:
        try:
            codes.append(process.wait(timeout=max(1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            codes.append("killed after %d s" % RUN_LIMIT)
        results = pathlib.Path(process.args[1]).parent / "results.json"
        if results.exists():
            records += json.loads(results.read_text(encoding="utf-8"))["tasks"]
    return records, codes


def _outcomes(records):
    """input number -> ('accepted', None) or ('refused', {task, message})."""
    found = {}
    for record in records:
        name = record["task"]
        for kind in ("accepted", "refused"):
            if name.startswith(kind + " ") and record["status"] != "skipped":
                found[int(name.split()[-1])] = (kind, record["result"].get("msg"))
    return found


def _run(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, pick):
    layout = _layout(tmp_path)
    unused, all_cases = _cases(layout)
    cases = pick(all_cases)
    folder = tmp_path / "inputs-playbook"
    folder.mkdir()
    playbooks = _playbooks(cluster, moto_cloudwatch, cases, folder)
    before = snapshot(cluster, moto_s3, moto_cloudwatch, roots=[layout["roots"]])
    records, codes = _run_all(run_playbook, playbooks, _inventory(cluster))
    after = snapshot(cluster, moto_s3, moto_cloudwatch, roots=[layout["roots"]])
    outcomes = _outcomes(records)
    findings, named, refused = [], 0, 0
    for number, case in enumerate(cases):
        kind, outcome = outcomes.get(number, ("never ran", None))
        outcome = outcome if isinstance(outcome, dict) else {"message": str(outcome or "")}
        message = str(outcome.get("message", ""))
        refused += kind == "refused"
        if kind != "refused":
            findings.append("%s: %s" % (case.label, kind))
        elif any(name in message for name in case.names):
            named += 1
        else:
            findings.append("%s: message names none of %s: %s (task %s)"
                            % (case.label, case.names, message[:400], outcome.get("task")))
    changes = differences(before, after)
    # The status file records every run of neo4j_blue_green, a refused one too (docs/blue-green.md): only refusals.
    if layout["status"].exists():
        history = json.loads(layout["status"].read_text(encoding="utf-8"))["history"]
        changes += ["status file: a run that did not fail (%s)" % entry for entry in history
                    if entry["outcome"] != "failed" or entry["switched"]]
    return codes, cases, refused, named, findings, changes


def _check(reliability_figures, command, codes, cases, refused, named, findings, changes, bases_unchanged=None):
    extra = {} if bases_unchanged is None else {"bases_without_change": len(bases_unchanged)}
    reliability_figures("bad input: roles", command=command,
                        must_be_zero=("state_changes", "findings") + tuple(extra),
                        must_equal=(("refused", "inputs_tried"), ("named", "inputs_tried")),
                        roles=len({case.role for case in cases}), inputs_tried=len(cases), refused=refused,
                        named=named, findings=len(findings), state_changes=len(changes), **extra)
    assert codes == [0] * len(codes), codes
    assert not changes, changes
    assert not findings, "\n".join(findings)
    assert not bases_unchanged, "bases that change nothing, so their inputs prove nothing: %s" % bases_unchanged


def _bases_change(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path):
    """Run every base once, after the inputs: each must change what its inputs were checked against, so an input
    that slipped through would have shown as a state change.  Returns the bases that changed nothing."""
    layout = {"inputs": tmp_path / "inputs", "roots": tmp_path / "roots", "status": tmp_path / "status" / "blue-green.json",
              "missing": "", "corrupt": ""}
    bases = _bases(layout)
    cases = [role_bad_inputs.RoleCase(role, entry, "%s:%s base" % (role, entry), variables, ())
             for (role, entry), variables in sorted(bases.items(), key=lambda item: item[0] != ("neo4j_blue_green", "main"))]
    folder = tmp_path / "bases-playbook"
    folder.mkdir()
    before = snapshot(cluster, moto_s3, moto_cloudwatch, roots=[layout["roots"]])
    playbooks = _playbooks(cluster, moto_cloudwatch, cases, folder, spread=False)
    records, _codes = _run_all(run_playbook, playbooks, _inventory(cluster))
    changed = differences(before, snapshot(cluster, moto_s3, moto_cloudwatch, roots=[layout["roots"]]))
    roots = str(layout["roots"])
    expected = {
        ("neo4j_blue_green", "main"): "databases relbg-20260101000001",
        ("neo4j_blue_green", "rollback"): "aliases " + ROLLBACK_ALIAS,
        ("neo4j_blue_green", "cleanup"): "databases " + RELEASES[1],
        ("neo4j_access", "main"): "users relapp_ro",
        ("neo4j_memory_alarms", "main"): "cloudwatch alarms",
        ("neo4j_backup_server", "main"): "files " + roots + "/backup/etc/neo4j/neo4j.conf",
        ("neo4j_image", "main"): "files " + roots + "/image/Dockerfile",
        ("neo4j_cluster", "main"): "files " + roots + "/cluster/neo4j.conf",
    }
    outcomes = _outcomes(records)
    keys = [(case.role, case.entry) for case in cases]
    unchanged = ["%s:%s (%s)" % (key[0], key[1], outcomes.get(number)) for number, key in enumerate(keys)
                 if key in expected and expected[key] not in changed]
    # The plan entry point of neo4j_rolling_upgrade changes nothing itself (its member play does): it must run through.
    number = keys.index(("neo4j_rolling_upgrade", "main"))
    if outcomes.get(number, ("never ran",))[0] != "accepted":
        unchanged.append("neo4j_rolling_upgrade:main (%s)" % (outcomes.get(number),))
    return unchanged


@pytest.mark.reliability
@pytest.mark.timeout(1800)
def test_bad_input_roles_full(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, reliability_figures):
    outcome = _run(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, lambda cases: cases)
    unchanged = _bases_change(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path)
    _check(reliability_figures, COMMAND_FULL, *outcome, bases_unchanged=unchanged)


def test_bad_input_roles_short(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, reliability_figures):
    outcome = _run(cluster, moto_s3, moto_cloudwatch, run_playbook, tmp_path, role_bad_inputs.short)
    _check(reliability_figures, COMMAND_SHORT, *outcome)

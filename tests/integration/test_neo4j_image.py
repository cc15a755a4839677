"""The neo4j_image role: the build context rendered per release, its Dockerfile read back with dockerfile-parse
(instructions, not regexes), refusals before anything is written, and the build step skipped with its reason when
no Docker engine is reachable (none is here). neo4j_ecr_token against moto's ECR in server mode."""

import json
import os
import shlex
import socket

import pytest
from dockerfile_parse import DockerfileParser

# Pins the releases it is about (or talks to no server): the calendar-release passes leave it out.
pytestmark = pytest.mark.own_release_lines

ROLE = "graphops.neo4j.neo4j_image : "
VERSIONS = ["5.26.0", "2026.07.0"]

PLAY = """
- hosts: all
  gather_facts: false
  roles:
    - role: graphops.neo4j.neo4j_image
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def inventory(cases):
    """One local host per case, its role variables inline (INI host variables are Python literals), so one
    ansible-playbook run covers every case."""
    lines = ["[images]"]
    for host, values in cases.items():
        lines.append(" ".join([host, "ansible_connection=local"] +
                              ["%s=%s" % (k, shlex.quote(repr(v))) for k, v in values.items() if v is not None]))
    return "\n".join(lines) + "\n"


def image_vars(context, version, **extra):
    values = {"neo4j_image_version": version, "neo4j_image_accept_license_agreement": "yes",
              "neo4j_image_name": "registry.example.com/neo4j-gds", "neo4j_image_context_dir": str(context),
              # no engine here; an absent socket path makes that certain on machines that have one
              "neo4j_image_docker_host": "unix:///nonexistent/docker.sock"}
    values.update(extra)
    return values


def by_host(run, task):
    return {r["host"]: r["result"] for r in run.tasks if r["task"] == ROLE + task}


def parsed(context):
    return DockerfileParser(path=str(context / "Dockerfile"))


def instructions(parser, name):
    return [i["value"] for i in parser.structure if i["instruction"] == name]


@pytest.fixture
def jars(tmp_path):
    folder = tmp_path / "jars"
    folder.mkdir()
    paths = []
    for name in ("neo4j-graph-data-science-2.13.4.jar", "apoc-5.26.0-core.jar"):
        (folder / name).write_bytes(b"PK\x03\x04 " + name.encode())
        paths.append(str(folder / name))
    return paths


CONF = {"server.memory.heap.max_size": "4g", "dbms.security.procedures.unrestricted": "gds.*,apoc.*",
        "db.logs.query.enabled": "INFO"}


def test_rendered_dockerfiles_per_release_and_plugin_source(run_playbook, tmp_path, jars):
    """5.26.0 and 2026.07.0, each with the image's plugins and with local jars; then a second run changes nothing."""
    cases, contexts = {}, {}
    for version in VERSIONS:
        for with_jars in (False, True):
            host = "v%s-%s" % (version.replace(".", "_"), "jars" if with_jars else "plugins")
            contexts[host] = (tmp_path / host, version, with_jars)
            extra = dict(neo4j_image_plugin_files=jars, neo4j_image_plugins=[]) if with_jars else {}
            cases[host] = image_vars(tmp_path / host, version, neo4j_image_conf=CONF,
                                     neo4j_image_labels={"com.example.team": 'graph "ops" $HOME \\n'}, **extra)
    run = run_playbook(PLAY, inventory=inventory(cases))
    assert run.rc == 0, run
    assert all(r["changed"] for r in by_host(run, "Write the Dockerfile").values())

    for host, (context, version, with_jars) in contexts.items():
        parser = parsed(context)
        assert [i["instruction"] for i in parser.structure if i["instruction"] != "COMMENT"][0] == "FROM"
        assert parser.baseimage == "neo4j:%s-enterprise" % version
        env = parser.envs
        assert env["NEO4J_ACCEPT_LICENSE_AGREEMENT"] == "yes"
        assert env["NEO4J_server_memory_heap_max__size"] == "4g"
        assert env["NEO4J_dbms_security_procedures_unrestricted"] == "gds.*,apoc.*"
        assert env["NEO4J_db_logs_query_enabled"] == "INFO"
        assert env["NEO4J_gds_arrow_enabled"] == "true"
        assert env["NEO4J_gds_arrow_listen__address"] == "0.0.0.0:8491"
        labels = parser.labels
        assert labels["org.opencontainers.image.version"] == version
        assert labels["org.opencontainers.image.base.name"] == "neo4j:%s-enterprise" % version
        assert labels["org.opencontainers.image.title"] == "neo4j-gds"
        assert labels["org.opencontainers.image.source"] == "https://github.com/graphops/neo4j"
        assert labels["com.example.team"] == 'graph "ops" $HOME \\n'  # single-quoted: Docker expands nothing
        assert instructions(parser, "EXPOSE") == ["6000 7000 7688 6362 8491"]
        healthcheck = instructions(parser, "HEALTHCHECK")
        assert len(healthcheck) == 1 and "--start-period=5m" in healthcheck[0].split()
        assert healthcheck[0].split("CMD", 1)[1].split() == \
            ["wget", "--quiet", "--tries=1", "--spider", "http://localhost:7474/", "||", "exit", "1"]
        copies = instructions(parser, "COPY")
        context_jars = sorted(os.listdir(context / "plugins"))
        if with_jars:
            assert "NEO4J_PLUGINS" not in env, host
            assert copies == ["--chown=neo4j:neo4j plugins/ /var/lib/neo4j/plugins/"]
            assert context_jars == sorted(os.path.basename(j) for j in jars)
            assert "apoc-5.26.0-core.jar" in labels["org.opencontainers.image.description"]
        else:
            assert json.loads(env["NEO4J_PLUGINS"]) == ["apoc", "graph-data-science"], host
            assert copies == [] and context_jars == []

    again = run_playbook(PLAY, inventory=inventory(cases))
    assert again.rc == 0, again
    assert not [(r["host"], r["task"]) for r in again.tasks if r["result"].get("changed")]


def test_check_diff_shows_the_dockerfile_change_and_writes_nothing(run_playbook, tmp_path):
    context = tmp_path / "context"
    cases = {"image": image_vars(context, "5.26.0")}
    fresh = run_playbook(PLAY, inventory=inventory(cases), check=True, diff=True)
    assert fresh.rc == 0, fresh
    assert by_host(fresh, "Write the Dockerfile")["image"]["changed"] is True
    assert "+FROM neo4j:5.26.0-enterprise" in fresh.stdout
    assert not context.exists()
    assert run_playbook(PLAY, inventory=inventory(cases)).rc == 0
    before = (context / "Dockerfile").read_text()
    cases["image"]["neo4j_image_version"] = "2026.07.0"
    run = run_playbook(PLAY, inventory=inventory(cases), check=True, diff=True)
    assert run.rc == 0, run
    result = by_host(run, "Write the Dockerfile")["image"]
    assert result["changed"] is True
    diff = result["diff"][0] if isinstance(result["diff"], list) else result["diff"]
    assert "FROM neo4j:5.26.0-enterprise" in diff["before"] and "FROM neo4j:2026.07.0-enterprise" in diff["after"]
    assert "-FROM neo4j:5.26.0-enterprise" in run.stdout and "+FROM neo4j:2026.07.0-enterprise" in run.stdout
    assert (context / "Dockerfile").read_text() == before


def test_dropped_jars_leave_the_context(run_playbook, tmp_path, jars):
    context = tmp_path / "context"
    cases = {"image": image_vars(context, "5.26.0", neo4j_image_plugin_files=jars)}
    assert run_playbook(PLAY, inventory=inventory(cases)).rc == 0
    cases["image"]["neo4j_image_plugin_files"] = jars[:1]
    run = run_playbook(PLAY, inventory=inventory(cases))
    assert run.rc == 0, run
    assert os.listdir(context / "plugins") == [os.path.basename(jars[0])]
    assert "apoc-5.26.0-core.jar" not in parsed(context).labels["org.opencontainers.image.description"]


REFUSALS = {
    "licence_no": ({"neo4j_image_accept_license_agreement": "no"}, 'neo4j_image_accept_license_agreement must be "yes"'),
    "licence_unset": ({"neo4j_image_accept_license_agreement": None},
                      "missing required arguments: neo4j_image_accept_license_agreement"),
    "version_5_25": ({"neo4j_image_version": "5.25.0"}, "neo4j_image_version must be a full Neo4j Enterprise release"),
    "version_month_13": ({"neo4j_image_version": "2026.13.0"}, "neo4j_image_version must be a full Neo4j Enterprise release"),
    "version_short": ({"neo4j_image_version": "2026.07"}, "neo4j_image_version must be a full Neo4j Enterprise release"),
    "version_latest": ({"neo4j_image_version": "latest"}, "neo4j_image_version must be a full Neo4j Enterprise release"),
    "plugin_unknown": ({"neo4j_image_plugins": ["apoc", "graph-algorithms"]},
                       "value of neo4j_image_plugins must be one or more of: apoc, apoc-extended"),
    "name_upper": ({"neo4j_image_name": "Registry/Neo4j"}, "neo4j_image_name must be a repository name"),
    "conf_name": ({"neo4j_image_conf": {"dbms._weird": "x"}}, 'neo4j_image_conf: the setting(s) "dbms._weird" cannot be passed'),
    "conf_newline": ({"neo4j_image_conf": {"dbms.x": "a\nb"}}, 'neo4j_image_conf: the setting(s) "dbms.x" cannot be passed'),
    "conf_quote": ({"neo4j_image_conf": {"dbms.x": "it's"}}, 'neo4j_image_conf: the setting(s) "dbms.x" cannot be passed'),
    "label_key": ({"neo4j_image_labels": {"Team Name": "x"}}, 'neo4j_image_labels: "Team Name" must be label keys'),
}


def test_bad_input_is_refused_before_anything_is_written(run_playbook, tmp_path):
    cases = {host: image_vars(tmp_path / host, "5.26.0", **change) for host, (change, _m) in REFUSALS.items()}
    run = run_playbook(PLAY, inventory=inventory(cases))
    assert run.rc != 0
    failed = {r["host"]: r["result"]["msg"] for r in run.tasks if r["status"] == "failed"}
    assert sorted(failed) == sorted(REFUSALS)
    for host, (_change, message) in REFUSALS.items():
        assert message in failed[host], (host, failed[host])
        assert not (tmp_path / host).exists(), host


def test_build_is_skipped_with_the_reason_when_no_engine_answers(run_playbook, tmp_path):
    """No socket, a closed TCP port, or neo4j_image_build false: the reason is printed and build.yml is not included.
    Where something answers, build.yml is included, and here (no community.docker) Ansible fails resolving its first
    module: the guard is what keeps community.docker out of the other runs."""
    tcp = "tcp://127.0.0.1:%d" % free_port()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        cases = {"socket": image_vars(tmp_path / "socket", "2026.07.0", neo4j_image_push=True),
                 "tcp": image_vars(tmp_path / "tcp", "2026.07.0", neo4j_image_docker_host=tcp, neo4j_image_push=True),
                 "off": image_vars(tmp_path / "off", "5.26.0", neo4j_image_build=False),
                 "answering": image_vars(tmp_path / "answering", "5.26.0",
                                         neo4j_image_docker_host="tcp://127.0.0.1:%d" % listener.getsockname()[1])}
        run = run_playbook(PLAY, inventory=inventory(cases))
    finally:
        listener.close()
    reports = by_host(run, "Report the skipped build")
    assert "no Docker engine socket at unix:///nonexistent/docker.sock" in reports["socket"]["msg"]
    assert "no Docker engine answering at %s" % tcp in reports["tcp"]["msg"]
    assert "neo4j_image_build is false" in reports["off"]["msg"]
    for host in ("socket", "tcp", "off"):
        assert str(tmp_path / host) in reports[host]["msg"]
        assert (tmp_path / host / "Dockerfile").is_file()
        assert by_host(run, "Build and push the image")[host]["skipped"] is True
    assert reports["answering"].get("skipped") is True
    # Loading build.yml for "answering" stops the run: Ansible cannot resolve the module, and says which.
    assert run.rc != 0
    assert "community.docker.docker_image_build" in run.stdout + run.stderr, run


ECR_POLICY = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]}

ECR_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: token
      graphops.neo4j.neo4j_ecr_token:
        endpoint_url: "{{ endpoint }}"
        region: eu-west-1
        access_key: "{{ access_key }}"
        secret_key: "{{ secret_key }}"
      register: ecr
      ignore_errors: true
"""


@pytest.fixture(scope="module")
def moto_ecr():
    from moto_s3 import MotoS3
    server = MotoS3(policy=ECR_POLICY).start()
    try:
        yield server
    finally:
        server.stop()


def test_ecr_token_from_moto_server(run_playbook, moto_ecr):
    run = run_playbook(ECR_PLAY, extra_vars={"endpoint": moto_ecr.endpoint, "access_key": moto_ecr.access_key,
                                             "secret_key": moto_ecr.secret_key})
    assert run.rc == 0, run
    result = run.results["token"]
    assert result["changed"] is False
    assert result["registry_url"] == "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    # moto's token is base64 of AWS:<registry>-auth-token, as ECR's is base64 of AWS:<password>
    assert (result["username"], result["password"]) == ("AWS", "123456789012-auth-token")
    assert result["expires_at"].startswith("2015-01-01")


def test_ecr_token_refused_names_the_error(run_playbook, moto_s3):
    # moto_s3's user may use S3 only: ECR refuses it, as AWS does
    run = run_playbook(ECR_PLAY, extra_vars={"endpoint": moto_s3.endpoint, "access_key": moto_s3.access_key,
                                             "secret_key": moto_s3.secret_key})
    result = run.results["token"]
    assert result["failed"] is True
    # moto answers an IAM denial with an XML body that botocore cannot parse for ECR (a JSON protocol), so the
    # code is the HTTP status; AWS answers AccessDeniedException. Either way the message carries the reason.
    assert result["msg"].startswith("ECR refused GetAuthorizationToken: "), result["msg"]
    assert "not authorized to perform: ecr:GetAuthorizationToken" in result["msg"]
    assert moto_s3.secret_key not in json.dumps(result)

"""The AWX / Automation Platform files in docs/awx/: the credential types, rendered the way AWX renders injectors,
give the modules a working connection (the CA one against a TLS simulator), and every survey asks for variables its
playbook documents and reads."""

import json
import re
from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.sandbox
import pytest
import yaml

from collection_path import register_collection_packages
from simulator.tls import self_signed_cert

register_collection_packages()
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import neo4j_argument_spec  # noqa: E402

# Pins the releases it is about (or talks to no server): the calendar-release passes leave it out.
pytestmark = pytest.mark.own_release_lines

REPO = Path(__file__).resolve().parents[2]
AWX = REPO / "docs" / "awx"
SURVEYS = {"blue_green.json": "blue_green.yml", "rollback.json": "rollback.yml", "rollback_to.json": "rollback.yml",
           "backup.json": "backup.yml", "restore.json": "restore.yml", "rolling_upgrade.json": "rolling_upgrade.yml"}
# AWX survey question types (the job template survey_spec API: text, textarea, password, integer, float,
# multiplechoice, multiselect).
QUESTION_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def credential_type(name):
    return yaml.safe_load((AWX / name).read_text(encoding="utf-8"))


def inject(definition, inputs, folder):
    """Render a credential type's injectors as AWX does: file templates written to files, whose paths templates see as
    tower.filename (tower.filename.<name> for template.<name>), then the env templates; returns the environment."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    files = {}
    for key, template in definition["injectors"].get("file", {}).items():
        path = folder / ("awx-" + key.replace(".", "-"))
        path.write_text(env.from_string(template).render(**inputs), encoding="utf-8")
        files[key.split(".", 1)[1] if "." in key else None] = str(path)
    tower = {"filename": files.get(None) or {k: v for k, v in files.items() if k}}
    return {name: env.from_string(template).render(tower=tower, **inputs)
            for name, template in definition["injectors"].get("env", {}).items()}


def module_env_vars():
    """The environment variables the modules' connection options fall back to."""
    names = set()
    for spec in neo4j_argument_spec().values():
        fallback = spec.get("fallback")
        if fallback:
            names.update(fallback[1])
    return names


@pytest.mark.parametrize("name", ["credential_type_neo4j.yml", "credential_type_neo4j_ca.yml"])
def test_credential_type_is_what_the_awx_api_accepts(name):
    definition = credential_type(name)
    assert definition["kind"] == "cloud" and definition["name"]
    fields = definition["inputs"]["fields"]
    ids = [f["id"] for f in fields]
    assert len(ids) == len(set(ids)) and set(definition["inputs"]["required"]) <= set(ids)
    for field in fields:
        assert field["type"] in ("string", "boolean") and field["label"], field
    assert set(definition["injectors"]) <= {"env", "file", "extra_vars"}
    for variable in definition["injectors"].get("env", {}):
        assert not variable.startswith("ANSIBLE_"), variable  # reserved by AWX
    # every template only refers to the inputs (and tower.filename)
    env = jinja2.Environment()
    for templates in definition["injectors"].values():
        for template in templates.values():
            used = jinja2.meta.find_undeclared_variables(env.parse(template))
            assert used <= set(ids) | {"tower"}, (template, used)


def test_the_neo4j_credential_injects_only_what_the_modules_read():
    definition = credential_type("credential_type_neo4j.yml")
    assert set(definition["injectors"]["env"]) == {"NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD"}
    assert set(definition["injectors"]["env"]) <= module_env_vars()
    secret = [f["id"] for f in definition["inputs"]["fields"] if f.get("secret")]
    assert secret == ["password"]


TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: version
      graphops.neo4j.neo4j_info:
        gather_subset: [version]
        connection_timeout: 5
        retry_timeout: 5
      ignore_errors: true
"""


def test_both_credentials_connect_the_modules_over_tls_with_nothing_else_set(run_playbook, make_cluster, tmp_path):
    """The Neo4j credential alone reaches a TLS cluster signed by a private CA only with the CA credential next to it:
    SSL_CERT_FILE is what the driver's default trust (load_default_certs) reads."""
    cert, _key = self_signed_cert(tmp_path, hostname="127.0.0.1")
    secure = make_cluster(1, tls=(cert, _key))
    port = secure.bolt_uri().rsplit(":", 1)[1]
    neo4j_env = inject(credential_type("credential_type_neo4j.yml"),
                       {"uri": "neo4j+s://127.0.0.1:%s" % port, "username": "neo4j", "password": "password"}, tmp_path)
    ca_env = inject(credential_type("credential_type_neo4j_ca.yml"),
                    {"ca_certificates": Path(cert).read_text(encoding="utf-8")}, tmp_path)
    assert Path(ca_env["SSL_CERT_FILE"]).read_text(encoding="utf-8") == Path(cert).read_text(encoding="utf-8")

    with_ca = run_playbook(TASK, env=dict(neo4j_env, **ca_env))
    assert with_ca.rc == 0, with_ca
    assert with_ca.results["version"].get("failed") is not True, with_ca.results["version"]
    assert with_ca.results["version"]["version"] == secure.model.version

    without_ca = run_playbook(TASK, env=neo4j_env)
    result = without_ca.results["version"]
    assert result["failed"] is True and "certificate verify failed" in result["msg"], result


def documented_and_used(playbook):
    """The playbook's comments, and the code that reads its variables: the playbook's own and that of the
    collection's roles it imports (the blue/green playbooks are wrappers over roles/neo4j_blue_green)."""
    text = (REPO / "playbooks" / playbook).read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for role in re.findall(r"name: graphops\.neo4j\.(\w+)", code):
        for path in sorted((REPO / "roles" / role).glob("*/*.yml")):
            lines = path.read_text(encoding="utf-8").splitlines()
            code += "\n" + "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return comments, code


@pytest.mark.parametrize("survey,playbook", sorted(SURVEYS.items()))
def test_every_survey_variable_is_documented_and_read_by_its_playbook(survey, playbook):
    spec = json.loads((AWX / "surveys" / survey).read_text(encoding="utf-8"))
    assert spec["name"] and spec["description"] and spec["spec"]
    comments, code = documented_and_used(playbook)
    variables = [q["variable"] for q in spec["spec"]]
    assert len(variables) == len(set(variables))
    for question in spec["spec"]:
        variable = question["variable"]
        assert question["type"] in QUESTION_TYPES and question["question_name"], question
        assert re.search(r"\b%s\b" % variable, comments), "%s does not document %s" % (playbook, variable)
        assert re.search(r"\b%s\b" % variable, code), "%s does not read %s" % (playbook, variable)
        # AWX versions differ on a blank optional answer (sent as "", as null, or left out: ansible/awx#16205,
        # ansible/awx#16289), and the playbooks' defaults only cover "left out": optional questions carry a default.
        if not question["required"]:
            assert question["default"] not in ("", None), variable
        if question["type"] in ("multiplechoice", "multiselect"):
            choices = question["choices"].split("\n")
            assert str(question["default"]) in choices, variable


def test_project_requirements_and_ee_definition_install_this_collection():
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
    fqcn = "%s.%s" % (galaxy["namespace"], galaxy["name"])
    requirements = yaml.safe_load((AWX / "project" / "collections" / "requirements.yml").read_text(encoding="utf-8"))
    pinned = {c["name"]: c["version"] for c in requirements["collections"]}
    assert fqcn in pinned and galaxy["version"] in pinned[fqcn]
    ee = yaml.safe_load((AWX / "execution-environment.yml").read_text(encoding="utf-8"))
    assert ee["version"] == 3 and ee["images"]["base_image"]["name"]
    assert [c["name"] for c in ee["dependencies"]["galaxy"]["collections"]] == [fqcn]

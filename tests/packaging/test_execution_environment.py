"""The collection as users receive it: the built artifact, its run-time requirements, and the execution
environment (AWX / Ansible Automation Platform) that ansible-builder makes of it.

No container engine runs here, so the image itself is not built. ``ansible-builder create`` writes the build
context, and the steps of that context that need no engine are replayed: the galaxy stage installs the built
artifact from the context's own requirements.yml, and the builder stage's introspection script (the one the
Containerfile runs) reads the installed collection's meta/execution-environment.yml.
"""

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bindep.depends import Depends
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import check_artifact  # noqa: E402  pylint: disable=wrong-import-position

BIN = Path(sys.executable).parent
ARTIFACT = "graphops-neo4j-%s.tar.gz" % yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))["version"]


def _run(command, cwd=None, env=None):
    proc = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, "%s\n--- stdout\n%s\n--- stderr\n%s" % (" ".join(map(str, command)), proc.stdout, proc.stderr)
    return proc


def _isolated(tmp):
    """An environment whose Ansible sees no collection installed on this machine."""
    env = dict(os.environ, ANSIBLE_HOME=str(tmp / "ansible-home"), ANSIBLE_COLLECTIONS_PATH=str(tmp / "none"),
               ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1", ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_CONFIG", None)
    return env


def requirement_lines(path):
    """The requirement lines of a pip or bindep file, comments and blank lines dropped."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("-")]


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """The collection built as `make build` builds it."""
    out = tmp_path_factory.mktemp("dist")
    _run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, REPO], env=_isolated(out))
    return out / ARTIFACT


@pytest.fixture(scope="module")
def ee_context(artifact, tmp_path_factory):
    """``ansible-builder create`` for an execution environment that holds the built collection."""
    work = tmp_path_factory.mktemp("ee")
    (work / ARTIFACT).write_bytes(artifact.read_bytes())
    definition = {
        "version": 3,
        "images": {"base_image": {"name": "quay.io/ansible/awx-ee:latest"}},
        "dependencies": {"galaxy": {"collections": [{"name": "collections/" + ARTIFACT, "type": "file"}]}},
        "additional_build_files": [{"src": ARTIFACT, "dest": "collections"}],
    }
    (work / "execution-environment.yml").write_text(yaml.safe_dump(definition), encoding="utf-8")
    _run([BIN / "ansible-builder", "create", "--file", "execution-environment.yml", "--context", "context",
          "--output-filename", "Containerfile"], cwd=work, env=_isolated(work))
    return work / "context"


def test_the_artifact_holds_the_collection_and_nothing_for_developers(artifact):
    names, problems = check_artifact.check(str(artifact))
    assert problems == []
    assert "plugins/modules/neo4j_database.py" in names and "playbooks/blue_green.yml" in names


def test_ansible_builder_creates_a_context_that_installs_the_collection_and_introspects_it(ee_context):
    containerfile = (ee_context / "Containerfile").read_text(encoding="utf-8")
    assert "ansible-galaxy collection install" in containerfile
    assert "/output/scripts/introspect.py introspect" in containerfile
    assert (ee_context / "_build" / "collections" / ARTIFACT).is_file()
    requirements = yaml.safe_load((ee_context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    assert requirements == {"collections": [{"name": "collections/" + ARTIFACT, "type": "file"}]}


def test_the_built_collection_gives_the_image_its_run_time_requirements(ee_context, tmp_path):
    """The galaxy stage and the introspection step of the context, replayed: what the image would install."""
    build, collections = ee_context / "_build", tmp_path / "collections"
    env = _isolated(tmp_path)
    _run([BIN / "ansible-galaxy", "collection", "install", "--offline", "-r", "requirements.yml",
          "--collections-path", collections], cwd=build, env=env)
    assert (collections / "ansible_collections" / "graphops" / "neo4j" / "meta" / "execution-environment.yml").is_file()
    pip, system = tmp_path / "pip.txt", tmp_path / "bindep.txt"
    _run([sys.executable, build / "scripts" / "introspect.py", "introspect", collections,
          "--write-pip", pip, "--write-bindep", system], cwd=build, env=env)
    source = "  # from collection graphops.neo4j"
    assert pip.read_text(encoding="utf-8").splitlines() == [r + source for r in requirement_lines(REPO / "requirements.txt")]
    assert system.read_text(encoding="utf-8").splitlines() == [r + source for r in requirement_lines(REPO / "bindep.txt")]


def test_run_time_requirements_are_lower_bounds_that_the_tested_pins_satisfy():
    """Users get ranges (no pins, no upper bounds: the partner-certification rule); CI tests versions inside them."""
    requirements = [Requirement(line) for line in requirement_lines(REPO / "requirements.txt")]
    assert requirements
    for requirement in requirements:
        assert requirement.specifier and all(spec.operator == ">=" for spec in requirement.specifier), str(requirement)
        installed = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(installed), (str(requirement), installed)
    for pins in ("tests/requirements.txt", "tests/requirements-driver5.txt"):
        pinned = dict((r.name, r) for r in map(Requirement, requirement_lines(REPO / pins)))
        for requirement in requirements:
            if requirement.name in pinned:
                version = next(iter(pinned[requirement.name].specifier)).version
                assert requirement.specifier.contains(version), (pins, str(pinned[requirement.name]), str(requirement))


def test_every_run_time_requirement_is_imported_by_the_plugins():
    """No unused packages: each requirement is imported somewhere under plugins/ (roles bring their own later)."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "plugins").rglob("*.py"))
    for line in requirement_lines(REPO / "requirements.txt"):
        module = Requirement(line).name.replace("-", "_")
        assert re.search(r"^\s*(import|from) %s\b" % re.escape(module), code, re.MULTILINE), module


def test_bindep_is_valid_and_names_packages_for_rpm_and_dpkg_images():
    depends = Depends((REPO / "bindep.txt").read_text(encoding="utf-8"))
    for platform in ("platform:rpm", "platform:dpkg"):
        assert [rule[0] for rule in depends.active_rules([platform])] == ["ca-certificates"], platform


def test_galaxy_metadata_says_what_exists():
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
    assert galaxy["license"] == ["GPL-3.0-or-later"] and "license_file" not in galaxy
    assert galaxy["dependencies"] == {}
    for key in ("documentation", "homepage"):
        assert key not in galaxy, key
    # The description promises only modules and playbooks that are in the tree.
    for planned in ("backup", "upgrade", "role"):
        assert planned not in galaxy["description"].lower() and planned not in galaxy["tags"], planned
    kept = ("requirements.txt", "bindep.txt", "meta/execution-environment.yml")
    assert not [k for k in kept for pattern in galaxy["build_ignore"] if k == pattern or k.startswith(pattern + "/")]

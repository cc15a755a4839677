"""Every module's documentation as ansible-doc renders it (fragments merged): the attributes users and AWX read.

ansible-test sanity (validate-modules) checks the schema of the docs against the code; these check what it does
not: that the documented action group is the one meta/runtime.yml defines, and that every module says where it
runs.
"""

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("neo4j_*.py"))


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """``ansible-doc --json`` of every module: {module name: documentation}."""
    collections_path = tmp_path_factory.mktemp("collections")
    link = collections_path / "ansible_collections" / "graphops" / "neo4j"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    home = tmp_path_factory.mktemp("ansible-home")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_HOME=str(home), ANSIBLE_NOCOLOR="1")
    command = [str(Path(sys.executable).parent / "ansible-doc"), "--json", "-t", "module"]
    proc = subprocess.run(command + ["graphops.neo4j." + m for m in MODULES], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return dict((name.rsplit(".", 1)[1], entry) for name, entry in json.loads(proc.stdout).items())


def test_every_module_is_documented_as_a_member_of_the_action_groups_runtime_yml_puts_it_in(docs):
    groups = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text(encoding="utf-8"))["action_groups"]
    assert sorted(docs) == MODULES
    for module in MODULES:
        attribute = docs[module]["doc"]["attributes"]["action_group"]
        expected = sorted("graphops.neo4j.%s" % group for group, members in groups.items() if module in members)
        assert expected, "%s is in no action group of meta/runtime.yml" % module
        assert attribute["support"] == "full" and sorted(attribute["membership"]) == expected, module


def test_every_module_documents_check_mode_diff_mode_and_platform(docs):
    for module in MODULES:
        attributes = docs[module]["doc"]["attributes"]
        for name in ("check_mode", "diff_mode", "platform"):
            assert attributes[name].get("description"), (module, name)
        assert attributes["check_mode"]["support"] in ("full", "partial"), module
        assert attributes["diff_mode"]["support"] in ("full", "partial", "none", "N/A"), module
        assert attributes["platform"]["platforms"] == "all", module


SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _return_keys(returns, path=""):
    for key, spec in (returns or {}).items():
        yield path + key
        if isinstance(spec, dict) and isinstance(spec.get("contains"), dict):
            yield from _return_keys(spec["contains"], path + key + ".")


def test_every_documented_return_key_is_snake_case(docs):
    """The collection's rule (plugins/module_utils/results.py): Neo4j's camelCase columns leave as snake_case keys."""
    for module in MODULES:
        keys = list(_return_keys(docs[module]["return"]))
        assert keys, module
        assert [k for k in keys if not SNAKE.match(k.rsplit(".", 1)[-1])] == [], module


def test_an_alias_has_the_same_keys_in_every_result(docs):
    """One key per concept: the database an alias points at is `target` in neo4j_alias's alias and diff and in
    neo4j_info's aliases, as the option names it."""
    alias = docs["neo4j_alias"]["return"]
    assert "target" in alias["alias"]["contains"] and "database" not in alias["alias"]["contains"]
    assert alias["alias"]["sample"]["target"] and "database" not in alias["alias"]["sample"]
    for side in ("before", "after"):
        assert "target" in alias["diff"]["sample"][side]
    info_sample = docs["neo4j_info"]["return"]["aliases"]["sample"]
    assert all("target" in a and "database" not in a for a in info_sample.values())

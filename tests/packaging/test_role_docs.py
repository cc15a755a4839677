"""Every role's argument spec as ``ansible-doc -t role`` renders it: entry points, typed and described options, and
the same variables as the role's defaults (the sync check prometheus-community/ansible runs in CI)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file())


def ansible_doc(tmp_path_factory, *args):
    collections_path = tmp_path_factory.mktemp("collections")
    link = collections_path / "ansible_collections" / "graphops" / "neo4j"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_HOME=str(tmp_path_factory.mktemp("ansible-home")), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-doc"), "-t", "role", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "[WARNING]" not in proc.stderr, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    """``ansible-doc -t role --json`` of every role: {role: {entry point: spec}}."""
    out = ansible_doc(tmp_path_factory, "--json", *["graphops.neo4j." + role for role in ROLES])
    return {name.rsplit(".", 1)[1]: entry["entry_points"] for name, entry in json.loads(out).items()}


def test_the_blue_green_role_has_its_three_entry_points(specs):
    assert "neo4j_blue_green" in ROLES
    assert sorted(specs["neo4j_blue_green"]) == ["cleanup", "main", "rollback"]


def test_every_option_is_typed_described_and_prefixed_with_the_role(specs):
    for role, entry_points in specs.items():
        for entry, spec in entry_points.items():
            assert spec["short_description"] and spec["description"], (role, entry)
            for name, option in spec["options"].items():
                assert name.startswith(role + "_"), (role, entry, name)
                assert option.get("type"), (role, entry, name)
                assert option.get("description"), (role, entry, name)


def per_host(option):
    """Whether an argument spec option is documented as an inventory variable set per host."""
    description = option.get("description") or ""
    return (description if isinstance(description, str) else " ".join(description)).startswith("Per host")


def test_the_defaults_and_the_argument_spec_name_the_same_variables(specs):
    for role in ROLES:
        defaults = yaml.safe_load((REPO / "roles" / role / "defaults" / "main.yml").read_text(encoding="utf-8")) or {}
        options = {}
        for spec in specs[role].values():
            options.update(spec["options"])
        assert sorted(set(defaults) - set(options)) == [], role  # every default is documented
        # A documented option without a default is required, or a per-host inventory variable that says so.
        without_default = [name for name, option in options.items()
                           if name not in defaults and not option.get("required") and not per_host(option)]
        assert without_default == [], role


def test_ansible_doc_renders_the_blue_green_role_as_text(tmp_path_factory):
    text = ansible_doc(tmp_path_factory, "graphops.neo4j.neo4j_blue_green")
    for expected in ("ENTRY POINT: *main*", "ENTRY POINT: *rollback*", "ENTRY POINT: *cleanup*", "neo4j_blue_green_alias",
                     "neo4j_blue_green_keep"):
        assert expected in text, expected

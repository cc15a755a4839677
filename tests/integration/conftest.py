"""Run real ``ansible-playbook`` processes against this collection and read back every task result.

``run_playbook(playbook, extra_vars=None, check=False, diff=False, env=None, inventory=None, args=())`` runs the
venv's ansible-playbook on the implicit localhost inventory (or ``inventory``, the text of an INI inventory), with this repository on ANSIBLE_COLLECTIONS_PATH
as ``graphops.neo4j`` and the venv's Python as the module interpreter.  A test-only callback
(``callback_plugins/graphops_test_results.py``) writes each task result to a JSON file, so tests read
``run.results["task name"]``: the module result dict (failed tasks included), or a list of them in
order when a task ran more than once.

``playbook`` is a path (relative paths resolve against the repository root) or, when it contains a
newline, the playbook's YAML text itself.  ``args`` are more command-line arguments (``--tags``, ...).

``GRAPHOPS_MODULE_PYTHON`` names another interpreter for the modules (ansible's module interpreter), e.g.
``.venv-driver5/bin/python`` to run them with the neo4j 5.28 driver.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from integration.playbook_run import PlaybookRun

# plays.py (the shared playbook builders) holds assert helpers: rewrite them for detailed failures.
pytest.register_assert_rewrite("plays")

REPO_ROOT = Path(__file__).resolve().parents[2]
CALLBACK_DIR = Path(__file__).resolve().parent / "callback_plugins"
CALLBACK_NAME = "graphops_test_results"
# Bounded: a playbook that hangs fails the test instead of the whole run.
PLAYBOOK_TIMEOUT = 300


def _venv_bin(name):
    candidate = Path(sys.executable).parent / name
    if not candidate.exists():
        raise RuntimeError(f"{name} not found next to {sys.executable}; run `make venv`")
    return str(candidate)


def module_python():
    """The interpreter the modules run with: GRAPHOPS_MODULE_PYTHON, else this venv's."""
    chosen = os.environ.get("GRAPHOPS_MODULE_PYTHON")
    if not chosen:
        return sys.executable
    path = Path(chosen)
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not os.access(str(path), os.X_OK):
        raise RuntimeError("GRAPHOPS_MODULE_PYTHON=%s is not an executable interpreter" % chosen)
    return str(path)


def pytest_report_header(config):  # pylint: disable=unused-argument
    return "module interpreter: %s" % module_python()


@pytest.fixture(scope="session")
def module_interpreter():
    """The interpreter ansible-playbook runs the modules with (see module_python)."""
    return module_python()


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """A directory whose ansible_collections/graphops/neo4j is this repository."""
    root = tmp_path_factory.mktemp("collections")
    link = root / "ansible_collections" / "graphops" / "neo4j"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO_ROOT, target_is_directory=True)
    return root


@pytest.fixture
def run_playbook(tmp_path, collections_path):
    """Return a function that runs a playbook and returns a PlaybookRun.

    ``verbosity`` adds ``-v`` that many times; ``start=True`` returns the running ``subprocess.Popen`` (in its
    own process group, output to files in its work directory) instead of waiting for it."""
    counter = iter(range(1, 1000))

    def run(playbook, extra_vars=None, check=False, diff=False, env=None, verbosity=0, start=False, inventory=None,
            args=()):
        n = next(counter)
        workdir = tmp_path / f"playbook-{n}"
        workdir.mkdir()
        if isinstance(playbook, str) and "\n" in playbook:
            path = workdir / "playbook.yml"
            path.write_text(playbook, encoding="utf-8")
        else:
            path = Path(playbook)
            if not path.is_absolute():
                path = REPO_ROOT / path
            if not path.is_file():
                raise FileNotFoundError(f"playbook not found: {path}")
        results_file = workdir / "results.json"
        config = workdir / "ansible.cfg"
        config.write_text("[defaults]\n", encoding="utf-8")
        command = [_venv_bin("ansible-playbook"), str(path)]
        # The implicit localhost sets ansible_python_interpreter to ansible_playbook_python, which beats the
        # ANSIBLE_PYTHON_INTERPRETER setting; only an extra var chooses the modules' interpreter for it.
        command += ["--extra-vars", json.dumps({"ansible_python_interpreter": module_python()})]
        if extra_vars:
            vars_file = workdir / "extra_vars.json"
            vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
            command += ["--extra-vars", f"@{vars_file}"]
        if inventory is not None:
            inventory_file = workdir / "inventory.ini"
            inventory_file.write_text(inventory, encoding="utf-8")
            command += ["--inventory", str(inventory_file)]
        command += list(args)
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        environment = dict(os.environ)
        environment.update({
            "ANSIBLE_COLLECTIONS_PATH": str(collections_path),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
            "ANSIBLE_CALLBACKS_ENABLED": CALLBACK_NAME,
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "ANSIBLE_PYTHON_INTERPRETER": module_python(),
            "ANSIBLE_HOME": str(workdir / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
            "ANSIBLE_CONFIG": str(config),  # an empty config: no ansible.cfg from the machine leaks in
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "PYTHONDONTWRITEBYTECODE": "1",
            "GRAPHOPS_TEST_RESULTS": str(results_file),
            # A home of its own: what a play writes under ~ (the blue/green status file) stays in the test's folder.
            "HOME": str(workdir / "home"),
            # Async jobs: the module's wrapper and async_status must agree on one folder whatever HOME says.
            "ANSIBLE_ASYNC_DIR": str(workdir / "async"),
        })
        environment.update(env or {})
        if start:
            out = open(workdir / "stdout", "w", encoding="utf-8")
            err = open(workdir / "stderr", "w", encoding="utf-8")
            return subprocess.Popen(command, cwd=workdir, env=environment, stdout=out, stderr=err,
                                    start_new_session=True)
        proc = subprocess.run(command, cwd=workdir, env=environment, capture_output=True, text=True,
                              timeout=PLAYBOOK_TIMEOUT, check=False)
        tasks = json.loads(results_file.read_text(encoding="utf-8"))["tasks"] if results_file.exists() else []
        return PlaybookRun(rc=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, command=command, tasks=tasks)

    return run

"""Per-task overhead of a Bolt module against ``ansible.builtin.ping``, in real ansible-playbook runs.

Each variant is one playbook of ``--tasks`` identical tasks on the implicit localhost:

* ``ping``:   ``ansible.builtin.ping`` (what any module costs: fork, AnsiballZ, Python start-up);
* ``query``:  ``graphops.neo4j.neo4j_query`` ``RETURN 1`` against the simulator (Bolt, routing, one read);
* ``info``:   ``graphops.neo4j.neo4j_info`` with ``gather_subset: [version]`` (one ``dbms.components()`` call).

A small callback times the tasks themselves (first task start to last task end), so the playbook's own
start-up is left out; per task = that time / tasks.  CPU per task is the CPU of the whole run (ansible-playbook,
its workers and the modules, not the simulator) minus that of a one-task run in the same round, / tasks: less
sensitive than wall time to other work on the machine.  Rounds interleave the variants in rotating order; the
table gives, per variant, the median per-task seconds with min-max over rounds and the median of the
per-round ratios to ping.  A second table shows where a module's start-up goes: the wall time of its imports
in a fresh interpreter and whether numpy / pandas / pyarrow were loaded.  Prints; asserts nothing.

Run: ``make bench`` or ``PYTHONPATH=tests .venv/bin/python tests/bench/bench_task_overhead.py [--tasks 20 --rounds 5]``.
"""

import argparse
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap

import summary_table

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from run_demo import read_endpoints  # noqa: E402  pylint: disable=wrong-import-position

VARIANTS = {
    "ping": "ansible.builtin.ping:",
    "query": "graphops.neo4j.neo4j_query:\n        query: RETURN 1 AS one",
    "info": "graphops.neo4j.neo4j_info:\n        gather_subset: [version]",
}

CALLBACK = '''
import json, os, time
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_clock"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.first = self.last = None
        self.failed = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        if self.first is None:
            self.first = time.monotonic()

    def _done(self, result):
        self.last = time.monotonic()

    v2_runner_on_ok = _done

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.last = time.monotonic()
        self.failed.append(result._result.get("msg"))

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["TASK_CLOCK_FILE"], "w") as f:
            json.dump({"seconds": (self.last or 0) - (self.first or 0), "failed": self.failed}, f)
'''

# Where a module's start-up goes: its imports in a fresh interpreter, as AnsiballZ runs them.
IMPORTS = {
    "ping": "import ansible.module_utils.basic",
    "query": "import ansible.module_utils.basic; "
             "from ansible_collections.graphops.neo4j.plugins.module_utils import connection, query",
    "neo4j driver": "import neo4j",
}


def playbook(kind, tasks, uri):
    """``tasks`` tasks of ``kind``; kind None: one debug task, the baseline for the CPU of the run itself."""
    lines = ["- hosts: localhost", "  gather_facts: false", "  module_defaults:", "    group/graphops.neo4j.neo4j:",
             "      uri: %s" % uri, "      login_user: neo4j", "      login_password: password", "  tasks:"]
    if kind is None:
        lines.append("    - ansible.builtin.debug:\n        msg: start-up only")
    for index in range(tasks if kind else 0):
        lines.append("    - name: task %d\n      %s" % (index, VARIANTS[kind]))
    return "\n".join(lines) + "\n"


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_playbook(path, workdir, collections):
    """(seconds from the first task's start to the last task's end, CPU seconds of the whole run)."""
    clock = workdir / "clock.json"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_CALLBACK_PLUGINS=str(workdir / "callbacks"), ANSIBLE_CALLBACKS_ENABLED="task_clock",
               ANSIBLE_HOME=str(workdir / "home"), ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"),
               ANSIBLE_CONFIG=str(workdir / "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               TASK_CLOCK_FILE=str(clock))
    command = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), str(path),
               "-e", json.dumps({"ansible_python_interpreter": sys.executable})]
    cpu = children_cpu()
    proc = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, timeout=600, check=False)
    cpu = children_cpu() - cpu
    result = json.loads(clock.read_text()) if clock.exists() else {"seconds": 0, "failed": ["no clock"]}
    if proc.returncode != 0 or result["failed"]:
        raise RuntimeError("%s failed (rc %d): %s\n%s"
                           % (path.name, proc.returncode, result["failed"][:1], proc.stdout[-2000:]))
    return result["seconds"], cpu


def import_seconds(statement, repeat):
    """Median wall time of ``statement`` in a fresh interpreter, and the optional packages it loaded."""
    code = textwrap.dedent('''
        import sys, time
        sys.path.insert(0, %r)
        from collection_path import register_collection_packages
        register_collection_packages()
        started = time.perf_counter()
        %s
        took = time.perf_counter() - started
        print(took, ",".join(m for m in ("numpy", "pandas", "pyarrow") if m in sys.modules))
    ''') % (str(ROOT / "tests"), statement)
    times, loaded = [], ""
    for _run in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        times.append(float(out[0]))
        loaded = out[1] if len(out) > 1 else "-"
    return statistics.median(times), loaded


def start_simulator():
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "--members", "1", "--no-arrow"],
                            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(ROOT / "tests")))
    return proc, read_endpoints(proc, 60)


def spread(values, fmt):
    return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10, help="tasks per playbook")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; each runs every variant once")
    parser.add_argument("--variants", default="ping,query,info")
    args, other = parser.parse_known_args()  # make bench passes one BENCH_ARGS to every bench
    if other:
        print("(%s ignores %s)" % (pathlib.Path(__file__).name, " ".join(other)))
    kinds = args.variants.split(",")

    load_before = os.getloadavg()[0]
    simulator, endpoints = start_simulator()
    seconds = {kind: [] for kind in kinds}
    cpu_seconds = {kind: [] for kind in kinds}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
            workdir = pathlib.Path(tmp)
            (workdir / "callbacks").mkdir()
            (workdir / "callbacks" / "task_clock.py").write_text(CALLBACK)
            (workdir / "ansible.cfg").write_text("[defaults]\n")
            collections = workdir / "collections"
            link = collections / "ansible_collections" / "graphops" / "neo4j"
            link.parent.mkdir(parents=True)
            link.symlink_to(ROOT, target_is_directory=True)
            books = {}
            for kind in kinds + [None]:
                books[kind] = workdir / ("%s.yml" % (kind or "startup"))
                books[kind].write_text(playbook(kind, args.tasks, endpoints["routing"]))
            for kind in kinds:  # warm-up: AnsiballZ caches, page cache
                run_playbook(books[kind], workdir, collections)
            for round_index in range(args.rounds):
                shift = round_index % len(kinds)
                startup_cpu = run_playbook(books[None], workdir, collections)[1]
                for kind in kinds[shift:] + kinds[:shift]:
                    wall, cpu = run_playbook(books[kind], workdir, collections)
                    seconds[kind].append(wall / args.tasks)
                    cpu_seconds[kind].append((cpu - startup_cpu) / args.tasks)
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)

    print()
    print("Per-task overhead, %d tasks per playbook, %d interleaved rounds (simulator %s, Python %s)"
          % (args.tasks, args.rounds, endpoints.get("version"), sys.version.split()[0]))
    header = "%-8s %-26s %-24s %-26s %-24s" % ("variant", "wall s/task (min-max)", "wall vs ping (min-max)",
                                               "CPU s/task (min-max)", "CPU vs ping (min-max)")
    print(header)
    print("-" * len(header))
    for kind in kinds:
        cells = [kind]
        for values in (seconds, cpu_seconds):
            ratios = [a / b for a, b in zip(values[kind], values["ping"])] if "ping" in values else []
            cells += [spread(values[kind], "%.3f"), spread(ratios, "%.2fx") if ratios else ""]
        print("%-8s %-26s %-24s %-26s %-24s" % tuple(cells))
    print("wall: first task start to last task end / tasks; CPU: the whole ansible-playbook run's CPU (its workers and"
          " modules; not the simulator's) minus a one-task run's, / tasks; ratios are medians of per-round ratios.")
    load_after = os.getloadavg()[0]
    print("1-minute load average: %.1f before, %.1f after." % (load_before, load_after))
    figures = []
    for kind in kinds:
        if kind == "ping" or "ping" not in kinds:
            continue
        for values, what in ((seconds, "wall"), (cpu_seconds, "CPU")):
            figures.append(summary_table.figure(
                "%s task vs ansible.builtin.ping, %s" % (VARIANTS[kind].split(":")[0], what),
                [a / b for a, b in zip(values[kind], values["ping"])], "x", ("<=", 1.5)))
    path = summary_table.record("task_overhead", figures, context={
        "load average": "%.1f before, %.1f after" % (load_before, load_after), "rounds": args.rounds,
        "tasks per playbook": args.tasks})
    print("headline figures written to %s" % path.relative_to(ROOT))
    print()
    print("Imports in a fresh interpreter (median of 5)")
    for name, statement in IMPORTS.items():
        took, loaded = import_seconds(statement, 5)
        print("%-14s %.3f s   loaded: %s" % (name, took, loaded))
    return 0


if __name__ == "__main__":
    sys.exit(main())

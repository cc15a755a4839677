"""Run the blue/green demo against a freshly started Neo4j cluster simulator (``make demo``).

Generates the demo's movie graph (tools/demo_data.py) under ``build/demo/data``, starts ``python -m simulator``
(PYTHONPATH=tests; three members, server3 the backup member) in the background, reads the JSON line it prints with
its endpoints, and runs ansible-playbook (``playbooks/demo.yml``) with NEO4J_URI / NEO4J_USERNAME / NEO4J_PASSWORD
pointing at it, a backup of blue before each switch (``bg_backup``: the backup member, neo4j-admin, build/demo/backups)
and the status file in build/demo.  Meanwhile a reader reads through the alias over ``neo4j://`` (from the moment the
alias exists), and at the end a summary table says where the alias went, what each release holds, how many reads were
served and failed, the backups taken and where the status file is.  The simulator is stopped whatever happens.  Exits
with the playbook's exit code, or 1 when a read through the alias failed.
"""

import argparse
import collections
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time

import neo4j

from demo_data import generate

STARTUP_TIMEOUT = 60  # seconds to wait for the simulator's endpoint line
STOP_TIMEOUT = 10
DEFAULT_USERNAME = "neo4j"
DEFAULT_PASSWORD = "password"
ALIAS = "movies"
RELEASES = (("release 1", "movies-20260101000001"), ("release 2", "movies-20260101000002"))
READ_PAUSE = 0.05  # seconds between two reads through the alias


def read_endpoints(proc, timeout):
    """Return the first JSON object the simulator prints on stdout, within timeout seconds."""
    deadline = time.monotonic() + timeout
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    buffered = b""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"simulator exited with code {proc.returncode} before printing its endpoints")
        if not selector.select(timeout=min(1.0, max(0.0, deadline - time.monotonic()))):
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            continue
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                return data
    raise RuntimeError(f"simulator printed no endpoints within {timeout}s")


def pick_uri(endpoints):
    """The routing URI (neo4j://) the playbook should use, from the simulator's endpoint line."""
    for key in ("routing", "routing_uri", "uri"):
        if isinstance(endpoints.get(key), str):
            return endpoints[key]
    values = list(_strings(endpoints))
    for scheme in ("neo4j://", "neo4j+s://", "bolt://", "bolt+s://"):
        for value in values:
            if value.startswith(scheme):
                return value
    raise RuntimeError(f"no Bolt URI in the simulator's endpoints: {endpoints}")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def stop(proc):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)


class Reader(threading.Thread):
    """Reads through the alias over neo4j:// (managed transactions, as applications do) until stopped.

    Attempts before the alias first answers are not counted: the first deployment creates it.  After that every read
    counts, and the movie counts it saw tell which release served it."""

    def __init__(self, uri, auth, alias=ALIAS):
        super().__init__(daemon=True)
        self.uri, self.auth, self.alias = uri, auth, alias
        self.served = 0
        self.failed = 0
        self.errors = []
        self.seen = collections.Counter()
        self.done = threading.Event()

    def run(self):
        with neo4j.GraphDatabase.driver(self.uri, auth=self.auth) as driver:
            while not self.done.is_set():
                try:
                    records, _summary, _keys = driver.execute_query(
                        "MATCH (m:Movie) RETURN count(m) AS movies", database_=self.alias,
                        routing_=neo4j.RoutingControl.READ)
                    self.served += 1
                    self.seen[records[0]["movies"]] += 1
                except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
                    if self.served:
                        self.failed += 1
                        if len(self.errors) < 3:
                            self.errors.append("%s: %s" % (type(exc).__name__, exc))
                self.done.wait(READ_PAUSE if self.served else 0.2)

    def stop(self):
        self.done.set()
        self.join(timeout=STOP_TIMEOUT)


def table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def summary(uri, auth, reader, status_file, backups, counts):
    """The lines of the summary table, from the cluster, the reader and the status file."""
    history = []
    if os.path.exists(status_file):
        with open(status_file, encoding="utf-8") as handle:
            history = json.load(handle).get("history", [])
    with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:
        aliases = {r["name"]: r["database"] for r in driver.execute_query("SHOW ALIASES FOR DATABASE", database_="system").records}
        held = {}
        for _step, database in RELEASES:
            held[database] = tuple(
                driver.execute_query(query, database_=database, routing_=neo4j.RoutingControl.READ).records[0][0]
                for query in ("MATCH (m:Movie) RETURN count(m) AS movies", "MATCH (n) RETURN count(n) AS nodes",
                              "MATCH ()-[r]->() RETURN count(r) AS relationships"))
    runs = dict((run.get("green"), run) for run in history)
    rows = [("step", "alias %s ->" % ALIAS, "movies", "nodes", "relationships", "outcome", "backup of the release left, before the switch")]
    for step, database in RELEASES:
        run = runs.get(database, {})
        backup = run.get("backup") or ("none (first deployment, no blue yet)" if not run.get("blue") else "none")
        rows.append((step, database, *held[database], run.get("outcome", "?"), backup))
    # The rollback writes no status-file entry; its backup is the one of the release it left (release 2).
    left = [name for name in backups if name.startswith(RELEASES[-1][1] + "-")]
    rows.append(("rollback", aliases.get(ALIAS, "?"), *held.get(aliases.get(ALIAS), ("?", "?", "?")), "succeeded",
                 left[-1] if left else "none"))
    seen = ", ".join("%d movies %d times" % (movies, times) for movies, times in sorted(reader.seen.items()))
    lines = ["", "make demo: summary"] + table(rows) + [
        "  reads through the alias over neo4j://: %d served, %d failed (%s)" % (reader.served, reader.failed, seen or "none"),
        "  backups taken: %d in %s%s" % (len(backups), os.path.join(os.path.dirname(status_file), "backups"),
                                         (": " + ", ".join(backups)) if backups else ""),
        "  status file: %s (%d runs in its history)" % (status_file, len(history)),
        "  generated data: release 1 %(movies)d movies, %(persons)d persons" % counts["release_1"]
        + ", release 2 %(movies)d movies, %(persons)d persons" % counts["release_2"],
    ]
    lines += ["  read failure: %s" % error for error in reader.errors]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("playbook")
    parser.add_argument("--collections", required=True, help="directory holding ansible_collections/graphops/neo4j")
    parser.add_argument("--out", help="folder for the data, backups and status file (default build/demo); emptied first")
    parser.add_argument("ansible_args", nargs=argparse.REMAINDER, help="extra ansible-playbook arguments")
    args = parser.parse_args()

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bindir = os.path.dirname(sys.executable)
    out = os.path.abspath(args.out or os.path.join(repo, "build", "demo"))
    shutil.rmtree(out, ignore_errors=True)
    counts = generate(os.path.join(out, "data"))
    print("make demo: generated %s" % json.dumps(counts), flush=True)
    sim_env = dict(os.environ, PYTHONPATH=os.path.join(repo, "tests"), PYTHONUNBUFFERED="1")
    simulator = [sys.executable, "-m", "simulator", "--backup-member", "server3"]
    if os.environ.get("GRAPHOPS_SIM_VERSION"):  # the release line the test suite simulates (docs/testing.md)
        simulator += ["--version", os.environ["GRAPHOPS_SIM_VERSION"]]
    proc = subprocess.Popen(simulator, cwd=repo, env=sim_env, stdout=subprocess.PIPE)  # pylint: disable=consider-using-with
    reader = None
    try:
        endpoints = read_endpoints(proc, STARTUP_TIMEOUT)
        uri = pick_uri(endpoints)
        auth = (str(endpoints.get("username", DEFAULT_USERNAME)), str(endpoints.get("password", DEFAULT_PASSWORD)))
        print(f"simulator up: {json.dumps(endpoints)}", flush=True)
        status_file = os.path.join(out, "blue-green-status.json")
        backup_dir = os.path.join(out, "backups")
        extra = {"demo_data": os.path.join(out, "data"), "demo_counts": counts, "bg_status_file": status_file}
        if endpoints.get("backup"):
            extra["bg_backup"] = {"from": list(endpoints["backup"].values()), "to_path": backup_dir,
                                  "neo4j_admin": endpoints["neo4j_admin"]}
        extra_file = os.path.join(out, "extra_vars.json")
        with open(extra_file, "w", encoding="utf-8") as handle:
            json.dump(extra, handle)
        env = dict(os.environ)
        env.update({
            "NEO4J_URI": uri,
            "NEO4J_USERNAME": auth[0],
            "NEO4J_PASSWORD": auth[1],
            "ANSIBLE_COLLECTIONS_PATH": os.path.abspath(args.collections),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
        })
        env.setdefault("ANSIBLE_DISPLAY_SKIPPED_HOSTS", "false")  # the demo's story, without skipped branches
        command = [os.path.join(bindir, "ansible-playbook"), args.playbook, "-e", "@" + extra_file] + args.ansible_args
        reader = Reader(uri, auth)
        reader.start()
        started = time.monotonic()
        rc = subprocess.run(command, cwd=repo, env=env, check=False).returncode
        reader.stop()
        backups = sorted(n for n in os.listdir(backup_dir) if n.endswith(".backup")) if os.path.isdir(backup_dir) else []
        if rc == 0:
            try:
                print("\n".join(summary(uri, auth, reader, status_file, backups, counts)), flush=True)
            except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError, ValueError) as exc:
                print(f"make demo: the summary could not be read: {exc}", file=sys.stderr, flush=True)
                rc = 1
        if rc == 0 and reader.failed:
            rc = 1
        outcome = "passed" if rc == 0 else f"failed (rc={rc})"
        print(f"make demo: {args.playbook} {outcome} in {time.monotonic() - started:.0f} s", flush=True)
        return rc
    except RuntimeError as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 1
    finally:
        if reader is not None:
            reader.stop()
        stop(proc)


if __name__ == "__main__":
    sys.exit(main())

"""Run a playbook against a freshly started Neo4j cluster simulator (``make demo``).

Starts ``python -m simulator`` (PYTHONPATH=tests) in the background, reads the JSON line it prints
with its endpoints, runs ansible-playbook with NEO4J_URI / NEO4J_USERNAME / NEO4J_PASSWORD pointing
at it, and stops the simulator whatever happens.  Exits with the playbook's exit code.
"""

import argparse
import json
import os
import selectors
import signal
import subprocess
import sys
import time

STARTUP_TIMEOUT = 60  # seconds to wait for the simulator's endpoint line
STOP_TIMEOUT = 10
DEFAULT_USERNAME = "neo4j"
DEFAULT_PASSWORD = "password"


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("playbook")
    parser.add_argument("--collections", required=True, help="directory holding ansible_collections/graphops/neo4j")
    parser.add_argument("ansible_args", nargs=argparse.REMAINDER, help="extra ansible-playbook arguments")
    args = parser.parse_args()

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bindir = os.path.dirname(sys.executable)
    sim_env = dict(os.environ, PYTHONPATH=os.path.join(repo, "tests"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "simulator"], cwd=repo, env=sim_env,  # pylint: disable=consider-using-with
                            stdout=subprocess.PIPE)
    try:
        endpoints = read_endpoints(proc, STARTUP_TIMEOUT)
        uri = pick_uri(endpoints)
        print(f"simulator up: {json.dumps(endpoints)}", flush=True)
        env = dict(os.environ)
        env.update({
            "NEO4J_URI": uri,
            "NEO4J_USERNAME": str(endpoints.get("username", DEFAULT_USERNAME)),
            "NEO4J_PASSWORD": str(endpoints.get("password", DEFAULT_PASSWORD)),
            "ANSIBLE_COLLECTIONS_PATH": os.path.abspath(args.collections),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
        })
        env.setdefault("ANSIBLE_DISPLAY_SKIPPED_HOSTS", "false")  # the demo's story, without skipped branches
        command = [os.path.join(bindir, "ansible-playbook"), args.playbook] + args.ansible_args
        started = time.monotonic()
        rc = subprocess.run(command, cwd=repo, env=env, check=False).returncode
        outcome = "passed" if rc == 0 else f"failed (rc={rc})"
        print(f"make demo: {args.playbook} {outcome} in {time.monotonic() - started:.0f} s", flush=True)
        return rc
    except RuntimeError as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 1
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main())

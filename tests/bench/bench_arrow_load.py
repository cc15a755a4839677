"""Throughput, client CPU and memory of neo4j_arrow_load's loader against competent baselines.

Variants, all sending the same Parquet data with the same batch size over the same number of do_put streams:

* ``raw-mem``: batches already in memory before the clock starts, put by plain pyarrow.flight threads (the
  protocol's own cost: the upper bound, no file reader reaches it);
* ``raw``:     the best simple client: ``pq.ParquetFile(pre_buffer=False).iter_batches`` with column projection
  on a reader thread that reads ahead into a bounded queue, the sender threads only send;
* ``loader``:  the module's code (module_utils/arrow_sources.py + module_utils/arrow.py);
* ``peer``:    the ``graphdatascience`` client (GdsArrowClient 2.2) uploading in parallel as that library does
  itself (``ArrowV1GraphConstructor``: the data in memory, split into partitions of 10 batches, each partition
  its own ``upload_nodes`` / ``upload_relationships`` put stream on a ThreadPoolExecutor of ``concurrency``).
  It reads the files with ``pq.read_table`` (threaded) and hands it pyarrow Tables, not DataFrames, so it
  skips the pandas conversion.  It needs pyarrow < 26 while the project pins 26, so it runs in its own
  venv (build/bench-peer-venv, created from tests/bench/requirements.txt on first use).

Two servers, each in its own process:

* ``ack``: a minimal pyarrow.flight server that accepts the GDS Arrow v1 actions and puts and acknowledges
  every batch without storing anything, pinned to one core (``os.sched_setaffinity``), so the client is
  measured alone; it also counts what each variant sent (rows, batches, streams, bytes, schema);
* ``sim``: the simulator's GDS Arrow server (tests/simulator/arrow_server.py), for end-to-end figures.

Every measured run is its own process: wall seconds for CREATE_DATABASE to RELATIONSHIP_LOAD_DONE, client
CPU seconds (user + system, ``resource.getrusage``) of that span, and the process's peak RSS.  Rounds
interleave the variants (each round runs every variant once, the order rotating), and the tables give
medians with min-max over rounds; ratios are medians of per-round ratios.  Prints; asserts nothing.

Run: ``make bench`` or
``PYTHONPATH=tests .venv/bin/python tests/bench/bench_arrow_load.py [--sizes 1000000,10000000 --rounds 5]``.
"""

import argparse
import base64
import json
import os
import pathlib
import queue
import resource
import secrets
import statistics
import subprocess
import sys
import threading
import time

import summary_table

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
PEER_VENV = BUILD / "bench-peer-venv"
SMALL_SIZE = 1000000  # up to this many relationships a run takes a fraction of a second: --small-rounds
REQUIREMENTS = pathlib.Path(__file__).resolve().parent / "requirements.txt"
BATCH_SIZE = 100_000
NODES_PER_REL = 0.2  # 1M relationships between 200k nodes
VARIANTS = ("raw-mem", "raw", "loader", "peer")


# ----- data ----------------------------------------------------------------------------------

def make_data(rels, directory):
    """Parquet node and relationship files with GDS-independent column names (snappy, 100k-row groups)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    nodes = max(1, int(rels * NODES_PER_REL))
    directory.mkdir(parents=True, exist_ok=True)
    node_file, rel_file = directory / ("nodes-%d.parquet" % rels), directory / ("rels-%d.parquet" % rels)
    if not node_file.exists():
        ids = pa.array(range(nodes), pa.int64())
        pq.write_table(pa.table({"id": ids, "score": pc.multiply(ids.cast(pa.float64()), 0.5)}), node_file,
                       row_group_size=BATCH_SIZE)
    if not rel_file.exists():
        with pq.ParquetWriter(rel_file, pa.schema([("src", pa.int64()), ("dst", pa.int64()), ("weight", pa.float64())])) as w:
            for first in range(0, rels, BATCH_SIZE):
                i = pa.array(range(first, min(first + BATCH_SIZE, rels)), pa.int64())
                src = pc.remainder(i, nodes)
                dst = pc.remainder(pc.add(pc.multiply(i, 7), 3), nodes)
                w.write_table(pa.table({"src": src, "dst": dst, "weight": pc.divide(i.cast(pa.float64()), rels)}))
    return node_file, rel_file, nodes


# ----- the acknowledge-only server -------------------------------------------------------------

def ack_server(delay=0.0):
    """A GDS Arrow v1 endpoint that stores nothing: actions answer at once, every batch is acknowledged (after
    ``delay`` seconds, to play a server slower than the client)."""
    import pyarrow as pa
    from pyarrow import flight

    tally, lock = {}, threading.Lock()

    class Auth(flight.ServerMiddlewareFactory):
        def start_call(self, info, headers):
            value = (headers.get("authorization") or [""])[0]
            if value.startswith("Basic "):
                base64.b64decode(value[6:])
                return Token("Bearer " + secrets.token_hex(8))
            if value.startswith("Bearer "):
                return Token(None)
            raise flight.FlightUnauthenticatedError("authentication required")

    class Token(flight.ServerMiddleware):
        def __init__(self, token):
            self.token = token

        def sending_headers(self):
            return {"authorization": self.token} if self.token else {}

    class Handshake(flight.ServerAuthHandler):
        def authenticate(self, outgoing, incoming):
            pass

        def is_valid(self, token):
            return ""

    class Server(flight.FlightServerBase):
        def list_actions(self, context):
            return [("v1/CREATE_DATABASE", ""), ("v1/NODE_LOAD_DONE", ""), ("v1/RELATIONSHIP_LOAD_DONE", ""),
                    ("v1/ABORT", ""), ("bench/STATS", "what an import sent")]

        def do_action(self, context, action):
            body = json.loads(action.body.to_pybytes())
            name = body["name"]
            with lock:
                entry = tally.setdefault(name, {})
                if action.type == "bench/STATS":
                    answer = tally.pop(name, {})
                elif action.type == "v1/NODE_LOAD_DONE":
                    answer = {"name": name, "node_count": entry.get("node", {}).get("rows", 0)}
                elif action.type == "v1/RELATIONSHIP_LOAD_DONE":
                    answer = {"name": name, "relationship_count": entry.get("relationship", {}).get("rows", 0)}
                else:
                    answer = {"name": name}
            return [json.dumps(answer).encode()]

        def do_put(self, context, descriptor, reader, writer):
            body = json.loads(descriptor.command)["body"]
            rows = batches = size = 0
            for chunk in reader:
                rows += chunk.data.num_rows
                batches += 1
                size += chunk.data.nbytes
                if delay:
                    time.sleep(delay)
                writer.write(pa.py_buffer(b'{"imported": %d}' % rows))
            with lock:
                entry = tally.setdefault(body["name"], {}).setdefault(body["entity_type"], {
                    "rows": 0, "batches": 0, "streams": 0, "bytes": 0, "schema": None, "common_labels": None})
                entry["rows"] += rows
                entry["batches"] += batches
                entry["bytes"] += size
                entry["streams"] += 1
                entry["schema"] = ", ".join("%s %s" % (f.name, f.type) for f in reader.schema)
                entry["common_labels"] = body.get("common_labels")

    return Server("grpc+tcp://127.0.0.1:0", auth_handler=Handshake(), middleware={"auth": Auth()})


def sim_server():
    sys.path.insert(0, str(ROOT / "tests"))
    from simulator.arrow_server import start_arrow_server
    from simulator.model import ClusterModel
    model = ClusterModel(max_databases=1000)
    model.add_server("server1", "127.0.0.1", 7687)
    model.add_user("neo4j", "password")
    model.bootstrap()
    return start_arrow_server(model)


def serve(kind, delay=0.0):
    if kind == "ack" and hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) > 1:
            os.sched_setaffinity(0, {cores[-1]})  # one core for the server, the client shares the others
    server = ack_server(delay) if kind == "ack" else sim_server()
    print(json.dumps({"port": server.port, "cores": sorted(os.sched_getaffinity(0))}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.shutdown()


def start_server(kind, delay=0.0):
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--ack-delay", str(delay)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONPATH=str(ROOT / "tests")))
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the %s Arrow server process did not start" % kind)
    return proc, json.loads(line)


def sent_stats(port, name):
    """What the ack server received for import ``name``."""
    from pyarrow import flight
    client = flight.connect("grpc+tcp://127.0.0.1:%d" % port)
    options = flight.FlightCallOptions(headers=[client.authenticate_basic_token("neo4j", "password")])
    result = list(client.do_action(flight.Action("bench/STATS", json.dumps({"name": name}).encode()), options))
    client.close()
    return json.loads(result[0].body.to_pybytes())


# ----- measured runs (each in its own process) -------------------------------------------------

def _collection_module(name, root=None):
    """A module_utils module of this checkout, or of the tree exported by export_ref() at ``root``."""
    import importlib
    import types
    if root is None:
        from collection_path import register_collection_packages
        register_collection_packages()
    else:
        for package, path in (("ansible_collections", []), ("ansible_collections.graphops", []),
                              ("ansible_collections.graphops.neo4j", [root])):
            module = types.ModuleType(package)
            module.__path__ = path
            sys.modules.setdefault(package, module)
    return importlib.import_module("ansible_collections.graphops.neo4j.plugins.module_utils." + name)


def export_ref(ref):
    """plugins/module_utils at git ``ref`` under build/bench-ref/<commit>, for the ``loader@ref`` variant."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    root = BUILD / "bench-ref" / commit
    target = root / "plugins" / "module_utils"
    if not target.exists():
        names = subprocess.run(["git", "ls-tree", "--name-only", commit, "plugins/module_utils/"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split()
        target.mkdir(parents=True)
        for name in names:
            data = subprocess.run(["git", "show", "%s:%s" % (commit, name)], cwd=ROOT, capture_output=True,
                                  check=True).stdout
            (root / name).write_bytes(data)
    return commit, str(root)


def run_loader(args, clock):
    arrow = _collection_module("arrow", args.collection)
    src = _collection_module("arrow_sources", args.collection)
    clock.start()
    nodes = src.open_sources("node", [{"path": args.nodes, "id_column": "id", "label": ["Person"]}])
    rels = src.open_sources("relationship", [{"path": args.rels, "source_column": "src", "target_column": "dst",
                                              "type": "KNOWS"}])
    with arrow.GdsArrowClient("127.0.0.1", args.port, "neo4j", "password") as client:
        stats = arrow.import_database(client, args.name, src.chain(nodes, BATCH_SIZE), src.chain(rels, BATCH_SIZE),
                                      concurrency=args.concurrency)
    return stats["node_count"] + stats["relationship_count"]


def _raw_batches(path, kind):
    """The loader's batches from one file: projected, renamed to the GDS columns, a constant type column."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    reader = pq.ParquetFile(path, pre_buffer=False)
    if kind == "node":
        for b in reader.iter_batches(BATCH_SIZE, columns=["id", "score"], use_threads=True):
            yield pa.record_batch([b.column(0), b.column(1)], names=["nodeId", "score"])
        return
    rel_type = pa.repeat(pa.scalar("KNOWS", pa.string()), BATCH_SIZE)
    for b in reader.iter_batches(BATCH_SIZE, columns=["src", "dst", "weight"], use_threads=True):
        kind = rel_type if b.num_rows == BATCH_SIZE else rel_type.slice(0, b.num_rows)
        yield pa.record_batch([b.column(0), b.column(1), b.column(2), kind],
                              names=["sourceNodeId", "targetNodeId", "weight", "relationshipType"])


def run_raw(args, clock):
    from pyarrow import flight
    in_memory = args.run == "raw-mem"
    if in_memory:  # materialized before the clock starts
        node_batches, rel_batches = list(_raw_batches(args.nodes, "node")), list(_raw_batches(args.rels, "relationship"))
    clock.start()
    client = flight.connect("grpc+tcp://127.0.0.1:%d" % args.port)
    options = flight.FlightCallOptions(headers=[client.authenticate_basic_token("neo4j", "password")])

    def action(name, body):
        return json.loads(list(client.do_action(flight.Action(name, json.dumps(body).encode()), options))[0].body.to_pybytes())

    def put(entity, batches, common_labels=None):
        body = {"name": args.name, "entity_type": entity}
        if common_labels:
            body["common_labels"] = common_labels
        descriptor = flight.FlightDescriptor.for_command(json.dumps({"name": "PUT_COMMAND", "version": "v1", "body": body}))
        if in_memory:
            pending = queue.Queue()
            for batch in list(batches) + [None] * args.concurrency:
                pending.put(batch)
        else:
            pending = queue.Queue(maxsize=2 * args.concurrency)

            def read_ahead():  # off the send path: decoding overlaps the puts
                for batch in batches:
                    pending.put(batch)
                for _stream in range(args.concurrency):
                    pending.put(None)
            threading.Thread(target=read_ahead, daemon=True).start()

        def stream():
            writer = reader = None
            while True:
                batch = pending.get()
                if batch is None:
                    break
                if writer is None:
                    writer, reader = client.do_put(descriptor, batch.schema, options)
                writer.write_batch(batch)
                reader.read()
            if writer is not None:
                writer.done_writing()
                writer.close()

        threads = [threading.Thread(target=stream) for _index in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    action("v1/CREATE_DATABASE", {"name": args.name, "id_type": "INTEGER", "force": False, "high_io": False,
                                  "use_bad_collector": False})
    put("node", node_batches if in_memory else _raw_batches(args.nodes, "node"), ["Person"])
    n = action("v1/NODE_LOAD_DONE", {"name": args.name})["node_count"]
    put("relationship", rel_batches if in_memory else _raw_batches(args.rels, "relationship"))
    r = action("v1/RELATIONSHIP_LOAD_DONE", {"name": args.name})["relationship_count"]
    return n + r


def run_peer(args, clock):
    import concurrent.futures
    import pyarrow as pa
    import pyarrow.parquet as pq
    from graphdatascience.arrow_client.arrow_authentication import UsernamePasswordAuthentication
    from graphdatascience.arrow_client.authenticated_flight_client import AuthenticatedArrowClient
    from graphdatascience.arrow_client.v1.gds_arrow_client import GdsArrowClient
    clock.start()
    flight_client = AuthenticatedArrowClient(("127.0.0.1", args.port), auth=UsernamePasswordAuthentication("neo4j", "password"),
                                             arrow_client_options={"call_timeout": 3600})
    client = GdsArrowClient(flight_client)
    partition = BATCH_SIZE * 10  # ArrowV1GraphConstructor's _min_partition_size

    def upload(upload_fn, table):
        # As ArrowV1GraphConstructor._send_dfs: every partition is its own put stream on a thread pool.
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            futures = [pool.submit(upload_fn, args.name, table.slice(start, partition), batch_size=BATCH_SIZE)
                       for start in range(0, table.num_rows, partition)]
            for future in concurrent.futures.as_completed(futures):
                future.result()

    client.create_database(args.name, id_type="INTEGER")
    nodes = pq.read_table(args.nodes, columns=["id", "score"]).rename_columns(["nodeId", "score"])
    # GdsArrowClient 2.2 sends no common_labels: the label travels as a column.
    nodes = nodes.append_column("labels", pa.repeat(pa.scalar("Person", pa.string()), nodes.num_rows))
    upload(client.upload_nodes, nodes)
    n = client.node_load_done(args.name).node_count
    del nodes
    rels = pq.read_table(args.rels, columns=["src", "dst", "weight"])
    rels = rels.rename_columns(["sourceNodeId", "targetNodeId", "weight"])
    rels = rels.append_column("relationshipType", pa.repeat(pa.scalar("KNOWS", pa.string()), rels.num_rows))
    upload(client.upload_relationships, rels)
    r = client.relationship_load_done(args.name).relationship_count
    return n + r


class Clock:
    """Wall and CPU time of this process from start() to stop()."""

    def start(self):
        self.rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # imports (and raw-mem's batches)
        self.cpu0 = _cpu()
        self.wall0 = time.perf_counter()

    def stop(self):
        return time.perf_counter() - self.wall0, _cpu() - self.cpu0


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measured(args):
    import pyarrow
    runner = run_loader if args.run.startswith("loader") else {"raw": run_raw, "raw-mem": run_raw, "peer": run_peer}[args.run]
    clock = Clock()
    rows = runner(args, clock)
    seconds, cpu = clock.stop()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "peak_rss_mib": peak_kib / 1024.0,
                      "rss_growth_mib": peak_kib / 1024.0 - clock.rss0,
                      "pool_peak_mib": pyarrow.default_memory_pool().max_memory() / 2 ** 20,
                      "pyarrow": pyarrow.__version__}), flush=True)


# ----- the driver ------------------------------------------------------------------------------

def peer_python():
    """The peer venv's interpreter, created on first use; None (with the reason printed) if impossible."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print("creating %s for the graphdatascience peer (once)..." % PEER_VENV, flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True, timeout=300)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True, timeout=900)
        except (subprocess.SubprocessError, OSError) as exc:
            print("peer venv unavailable: %s" % exc)
            return None
    return str(python)


def child(python, kind, port, name, node_file, rel_file, concurrency, collection=None):
    cmd = [python, __file__, "--run", kind, "--port", str(port), "--name", name, "--nodes", str(node_file),
           "--rels", str(rel_file), "--concurrency", str(concurrency)]
    if collection:
        cmd += ["--collection", collection]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests"))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(server_kind, sizes, rounds, concurrency, pythons, collections, delay=0.0, small_rounds=None):
    """{size: {variant: [run, ...]}} over interleaved rounds, plus what each variant sent (ack server only).
    ``small_rounds`` (when given) replaces ``rounds`` for sizes up to SMALL_SIZE, whose runs take a fraction of a
    second each and whose medians need more rounds to settle."""
    server, info = start_server(server_kind, delay)
    port = info["port"]
    runs, sent = {}, {}
    kinds = list(pythons)
    try:
        for size in sizes:
            node_file, rel_file, _nodes = make_data(size, BUILD / "bench-data")
            runs[size] = {kind: [] for kind in kinds}
            for round_index in range(small_rounds if small_rounds and size <= SMALL_SIZE else rounds):
                shift = round_index % len(kinds)
                for kind in kinds[shift:] + kinds[:shift]:
                    name = "bench-%s-%d-%d" % (kind.replace("@", "-at-"), size, round_index)
                    result = child(pythons[kind], kind, port, name, node_file, rel_file, concurrency,
                                   collections.get(kind))
                    runs[size][kind].append(result)
                    if server_kind == "ack" and "error" not in result:
                        stats = sent_stats(port, name)
                        sent.setdefault(size, {})[kind] = stats
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    return runs, sent, info


def spread(values, fmt):
    return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(values), min(values), max(values))


def print_table(title, runs):
    print()
    print(title)
    header = "%-9s %-15s %-26s %-8s %-20s %-19s %s" % (
        "rels", "variant", "seconds: median (min-max)", "Mrows/s", "CPU s/Mrow (min-max)", "RSS (+run) pool MiB",
        "loader vs variant: median (min-max)")
    print(header)
    print("-" * len(header))
    for size, by_kind in runs.items():
        loader = by_kind.get("loader", [])
        for kind, results in by_kind.items():
            bad = [r for r in results if "error" in r]
            if bad:
                print("%-9d %-15s failed: %s" % (size, kind, bad[0]["error"][:150]))
                continue
            seconds = [r["seconds"] for r in results]
            rate = [r["rows"] / r["seconds"] / 1e6 for r in results]
            cpu = [r["cpu"] / r["rows"] * 1e6 for r in results]
            rss = "%.0f (+%.0f) %.0f" % (max(r["peak_rss_mib"] for r in results),
                                         max(r["rss_growth_mib"] for r in results),
                                         max(r["pool_peak_mib"] for r in results))
            ratio = ""
            if kind != "loader" and loader and not any("error" in r for r in loader):
                # > 1: the loader is faster (its throughput relative to the variant's), per round
                ratio = spread([v["seconds"] / l["seconds"] for v, l in zip(results, loader)], "%.2fx")
            print("%-9d %-15s %-26s %-8s %-20s %-19s %s" % (size, kind, spread(seconds, "%.2f"),
                                                            "%.2f" % statistics.median(rate), spread(cpu, "%.3f"),
                                                            rss, ratio))


def print_sent(sent, versions):
    """What each variant sent, as the ack server counted it; variants that sent the same are listed together."""
    print()
    print("What each variant sent (ack server, %s rels). pyarrow: %s" % (
        next(iter(sent), "-"), ", ".join("%s %s" % item for item in versions.items())))
    for entity in ("node", "relationship"):
        same = {}
        for kind, stats in (next(iter(sent.values()), None) or {}).items():
            e = stats.get(entity) or {}
            key = (e.get("rows"), e.get("batches"), e.get("bytes"), str(e.get("common_labels")), e.get("schema"))
            same.setdefault(key, []).append("%s (%s streams)" % (kind, e.get("streams")))
        for (rows, batches, size, labels, schema), kinds in same.items():
            print("  %-12s rows %s in %s batches, %.1f MiB, common_labels %s, schema [%s]: %s" % (
                entity, rows, batches, (size or 0) / 2 ** 20, labels, schema, ", ".join(kinds)))


def _size(rels):
    return "%gM" % (rels / 1e6) if rels >= 1000000 else "%dk" % (rels // 1000)


def _ok(results):
    return results and not any("error" in r for r in results)


def headline_figures(ack_runs, slow_runs):
    """The summary's figures (summary_table): per size of the client-alone table, the loader against the best raw
    client and against the graphdatascience peer (paired per round, as the table's ratios) and the loader's CPU
    seconds per million rows; the loader's peak RSS at each size of the slow-server table (the memory table; the
    client-alone table when there is none) and how it grows from the smallest size to the largest."""
    figures = []
    for kind, label, goal in (("raw", "best raw pyarrow.flight client", 1.0), ("peer", "graphdatascience peer", 1.3)):
        for size, by_kind in ack_runs.items():
            loader = by_kind.get("loader", [])
            if _ok(loader) and _ok(by_kind.get(kind)):
                figures.append(summary_table.figure(
                    "loader vs %s, %s rels" % (label, _size(size)),
                    [v["seconds"] / l["seconds"] for v, l in zip(by_kind[kind], loader)], "x", (">=", goal)))
    for size, by_kind in ack_runs.items():
        if _ok(by_kind.get("loader")):
            figures.append(summary_table.figure("loader client CPU s per Mrow, %s rels" % _size(size),
                                                [r["cpu"] / r["rows"] * 1e6 for r in by_kind["loader"]], "CPU s/Mrow"))
    memory = slow_runs or ack_runs
    rss = {size: [r["peak_rss_mib"] for r in by_kind["loader"]] for size, by_kind in memory.items()
           if _ok(by_kind.get("loader"))}
    for size, values in rss.items():
        figures.append(summary_table.figure("loader peak RSS, %s rels" % _size(size), values, "MiB"))
    if len(rss) >= 2:
        small, large = min(rss), max(rss)
        # "flat": 10 times the data may cost at most a quarter more memory (docs/bench.md)
        figures.append(summary_table.figure(
            "loader peak RSS %s / %s rels (flat)" % (_size(large), _size(small)),
            [max(rss[large]) / max(rss[small])], "x", ("<=", 1.25)))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="relationship counts against the ack server")
    parser.add_argument("--sim-sizes", default="1000000", help="relationship counts against the simulator ('' for none)")
    parser.add_argument("--slow-sizes", default="1000000,10000000",
                        help="relationship counts against an ack server that waits --ack-delay per batch ('' for none)")
    parser.add_argument("--ack-delay", type=float, default=0.12, help="seconds the slow server waits per batch")
    parser.add_argument("--slow-rounds", type=int, default=1, help="rounds against the slow server (memory, not speed)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; each runs every variant once")
    parser.add_argument("--small-rounds", type=int, default=11,
                        help="interleaved rounds for sizes up to %d relationships (runs of a fraction of a second, "
                             "noisier, cheap)" % SMALL_SIZE)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--loader-ref", action="append", default=[],
                        help="also run the loader of this git ref (e.g. main), as the variant loader@<commit>")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    for hidden in ("--port", "--name", "--nodes", "--rels", "--collection"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args, other = parser.parse_known_args()  # make bench passes one BENCH_ARGS to every bench
    if other:
        print("(%s ignores %s)" % (pathlib.Path(__file__).name, " ".join(other)))
    if args.serve:
        return serve(args.serve, args.ack_delay)
    if args.run:
        args.port = int(args.port)
        return measured(args)

    wanted = args.variants.split(",")
    pythons, collections = {}, {}
    for kind in wanted:
        if kind == "peer":
            peer = None if args.no_peer else peer_python()
            if peer:
                pythons["peer"] = peer
        else:
            pythons[kind] = sys.executable
        if kind == "loader":
            for ref in args.loader_ref:
                commit, collections["loader@" + commit] = export_ref(ref)
                pythons["loader@" + commit] = sys.executable
    versions = {}
    for kind, python in pythons.items():
        versions[kind] = subprocess.run([python, "-c", "import pyarrow; print(pyarrow.__version__)"], capture_output=True,
                                        text=True, check=True).stdout.strip()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    sim_sizes = [int(s) for s in args.sim_sizes.split(",") if s]
    slow_sizes = [int(s) for s in args.slow_sizes.split(",") if s]
    load_before = os.getloadavg()[0]
    common = "batch %d rows, %d put streams, %d interleaved rounds, %d CPUs" % (
        BATCH_SIZE, args.concurrency, args.rounds, len(os.sched_getaffinity(0)))
    small = common.replace("%d interleaved rounds" % args.rounds, "%d interleaved rounds (%d up to %d relationships)"
                           % (args.rounds, max(args.small_rounds, args.rounds), SMALL_SIZE))
    small_rounds = max(args.small_rounds, args.rounds)
    ack_runs, sent, info = (measure("ack", sizes, args.rounds, args.concurrency, pythons, collections,
                                    small_rounds=small_rounds) if sizes else ({}, {}, {}))
    sim_runs = measure("sim", sim_sizes, args.rounds, args.concurrency, pythons, collections)[0] if sim_sizes else {}
    # raw-mem and the peer hold all the data anyway; this table is about the readers.
    slow = {kind: python for kind, python in pythons.items() if kind not in ("raw-mem", "peer")}
    slow_runs = (measure("ack", slow_sizes, args.slow_rounds, args.concurrency, slow, collections, args.ack_delay)[0]
                 if slow_sizes else {})
    if ack_runs:
        print_table("Client alone: acknowledge-only Flight server pinned to CPU %s (%s)" % (info.get("cores"), small),
                    ack_runs)
        print_sent(sent, versions)
    if sim_runs:
        print_table("End to end: the simulator's GDS Arrow server (%s)" % common, sim_runs)
    if slow_runs:
        print_table("Memory against a slow server: the ack server waits %.0f ms per batch, slower than the client reads "
                    "(as a server building a database is) (%s)"
                    % (args.ack_delay * 1000, common.replace("%d interleaved" % args.rounds,
                                                             "%d interleaved" % args.slow_rounds)), slow_runs)
    print()
    print("loader vs variant = variant seconds / loader seconds in the same round (> 1: the loader is faster); "
          "goals: >= 1.0x raw, >= 1.3x peer.")
    print("RSS (+run) pool: the process's peak RSS, how much of it came during the measured run, and the peak of "
          "Arrow's memory pool (all MiB, worst round); raw-mem's batches are in memory before its run.")
    load_after = os.getloadavg()[0]
    print("1-minute load average: %.1f before, %.1f after (other work on the machine shows in every variant alike)."
          % (load_before, load_after))
    path = summary_table.record("arrow_load", headline_figures(ack_runs, slow_runs), context={
        "load average": "%.1f before, %.1f after" % (load_before, load_after), "rounds": args.rounds,
        "small rounds": small_rounds, "pyarrow": versions.get("loader"), "peer pyarrow": versions.get("peer", "-")})
    print("headline figures written to %s" % path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())

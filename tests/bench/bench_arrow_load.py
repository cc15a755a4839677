"""Throughput and memory of neo4j_arrow_load's loader against the simulator's GDS Arrow Flight endpoint.

Compares, on the same Parquet data and the same endpoint:

* loader: the module's code path (module_utils/arrow_sources.py reading the files in batches, plus
  module_utils/arrow.py streaming them over ``--concurrency`` parallel do_put streams);
* raw:    hand-written pyarrow code doing the same job with nothing else: read the same Parquet files
  with ``ParquetFile.iter_batches``, rename to the GDS columns and put the same record batches over
  the same number of parallel streams (the target compares the loader with this);
* raw-mem: the same puts of batches already materialized in memory before the clock starts (the
  protocol's own cost, an upper bound no file reader reaches);
* peer:   the ``graphdatascience`` client's Arrow upload (``GdsArrowClient.create_database`` /
  ``upload_nodes`` / ``upload_relationships``) of the same files read with ``pyarrow.parquet``.
  It needs pyarrow < 26 while the project pins 26, so it runs in its own venv (build/bench-peer-venv,
  created from tests/bench/requirements.txt on first use).

Every measured run is its own subprocess, so its peak RSS (``ru_maxrss``) is its own; the Flight
server runs in a separate process too, so client and server do not share a GIL.
Prints a table; asserts nothing.  Run: ``make bench`` or
``PYTHONPATH=tests .venv/bin/python tests/bench/bench_arrow_load.py [--sizes 1000000,10000000]``.
"""

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
PEER_VENV = BUILD / "bench-peer-venv"
REQUIREMENTS = pathlib.Path(__file__).resolve().parent / "requirements.txt"
BATCH_SIZE = 100_000
NODES_PER_REL = 0.2  # 1M relationships between 200k nodes


# ----- data ----------------------------------------------------------------------------------

def make_data(rels, directory):
    """Parquet node and relationship files with GDS-independent column names."""
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


# ----- the server process ----------------------------------------------------------------------

def serve():
    sys.path.insert(0, str(ROOT / "tests"))
    from simulator.arrow_server import start_arrow_server
    from simulator.model import ClusterModel
    model = ClusterModel(max_databases=1000)
    model.add_server("server1", "127.0.0.1", 7687)
    model.add_user("neo4j", "password")
    model.bootstrap()
    server = start_arrow_server(model)
    print(json.dumps({"port": server.port}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.shutdown()


def start_server():
    proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the Arrow server process did not start")
    return proc, json.loads(line)["port"]


# ----- measured runs (each in its own process) -------------------------------------------------

def _collection_module(name):
    import importlib
    from collection_path import register_collection_packages
    register_collection_packages()
    return importlib.import_module("ansible_collections.graphops.neo4j.plugins.module_utils." + name)


def run_loader(args):
    arrow = _collection_module("arrow")
    src = _collection_module("arrow_sources")
    started = time.perf_counter()
    nodes = src.open_sources("node", [{"path": args.nodes, "id_column": "id", "label": ["Person"]}])
    rels = src.open_sources("relationship", [{"path": args.rels, "source_column": "src", "target_column": "dst",
                                              "type": "KNOWS"}])
    with arrow.GdsArrowClient("127.0.0.1", args.port, "neo4j", "password") as client:
        stats = arrow.import_database(client, args.name, src.chain(nodes, BATCH_SIZE), src.chain(rels, BATCH_SIZE),
                                      concurrency=args.concurrency)
    return time.perf_counter() - started, stats["node_count"] + stats["relationship_count"]


def _raw_batches(args):
    """The loader's batches, read lazily from the same files."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    nodes = (pa.record_batch([b.column("id"), b.column("score")], names=["nodeId", "score"])
             for b in pq.ParquetFile(args.nodes).iter_batches(BATCH_SIZE))
    rel_type = pa.repeat(pa.scalar("KNOWS", pa.string()), BATCH_SIZE)

    def rels():
        for b in pq.ParquetFile(args.rels).iter_batches(BATCH_SIZE):
            kind = rel_type if b.num_rows == BATCH_SIZE else rel_type.slice(0, b.num_rows)
            yield pa.record_batch([b.column("src"), b.column("dst"), b.column("weight"), kind],
                                  names=["sourceNodeId", "targetNodeId", "weight", "relationshipType"])
    return nodes, rels()


def run_raw(args):
    from pyarrow import flight
    if args.run == "raw-mem":
        nodes, rels = (list(b) for b in _raw_batches(args))  # materialized before the clock starts
        started = time.perf_counter()
    else:
        started = time.perf_counter()
        nodes, rels = _raw_batches(args)
    client = flight.connect("grpc+tcp://127.0.0.1:%d" % args.port)
    options = flight.FlightCallOptions(headers=[client.authenticate_basic_token("neo4j", "password")])

    def action(name, body):
        return json.loads(list(client.do_action(flight.Action(name, json.dumps(body).encode()), options))[0].body.to_pybytes())

    def put(entity, batches, common_labels=None):
        source, lock = iter(batches), threading.Lock()
        body = {"name": args.name, "entity_type": entity}
        if common_labels:
            body["common_labels"] = common_labels
        descriptor = flight.FlightDescriptor.for_command(json.dumps({"name": "PUT_COMMAND", "version": "v1", "body": body}))

        def stream():
            writer = reader = None
            while True:
                with lock:
                    batch = next(source, None)
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

    action("v1/CREATE_DATABASE", {"name": args.name, "id_type": "INTEGER", "force": False})
    put("node", nodes, ["Person"])
    n = action("v1/NODE_LOAD_DONE", {"name": args.name})["node_count"]
    put("relationship", rels)
    r = action("v1/RELATIONSHIP_LOAD_DONE", {"name": args.name})["relationship_count"]
    return time.perf_counter() - started, n + r


def run_peer(args):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from graphdatascience.arrow_client.arrow_authentication import UsernamePasswordAuthentication
    from graphdatascience.arrow_client.authenticated_flight_client import AuthenticatedArrowClient
    from graphdatascience.arrow_client.v1.gds_arrow_client import GdsArrowClient
    started = time.perf_counter()
    flight_client = AuthenticatedArrowClient(("127.0.0.1", args.port), auth=UsernamePasswordAuthentication("neo4j", "password"),
                                             arrow_client_options={"call_timeout": 3600})
    client = GdsArrowClient(flight_client)
    nodes = pq.read_table(args.nodes).rename_columns(["nodeId", "score"])
    nodes = nodes.append_column("labels", pa.repeat(pa.scalar("Person", pa.string()), nodes.num_rows))
    client.create_database(args.name, id_type="INTEGER")
    client.upload_nodes(args.name, nodes, batch_size=BATCH_SIZE)
    n = client.node_load_done(args.name).node_count
    del nodes
    rels = pq.read_table(args.rels).rename_columns(["sourceNodeId", "targetNodeId", "weight"])
    rels = rels.append_column("relationshipType", pa.repeat(pa.scalar("KNOWS", pa.string()), rels.num_rows))
    client.upload_relationships(args.name, rels, batch_size=BATCH_SIZE)
    r = client.relationship_load_done(args.name).relationship_count
    return time.perf_counter() - started, n + r


def measured(args):
    runner = {"loader": run_loader, "raw": run_raw, "raw-mem": run_raw, "peer": run_peer}[args.run]
    seconds, rows = runner(args)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_rss_mib": peak_kib / 1024.0}), flush=True)


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


def child(python, kind, port, name, node_file, rel_file, concurrency):
    cmd = [python, __file__, "--run", kind, "--port", str(port), "--name", name, "--nodes", str(node_file),
           "--rels", str(rel_file), "--concurrency", str(concurrency)]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests"))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="relationship counts, comma separated")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant; the best is reported")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    for hidden in ("--port", "--name", "--nodes", "--rels"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve()
    if args.run:
        args.port = int(args.port)
        return measured(args)

    peer = None if args.no_peer else peer_python()
    server, port = start_server()
    rows_out = []
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            node_file, rel_file, n_nodes = make_data(size, BUILD / "bench-data")
            results = {}
            variants = (("raw-mem", sys.executable), ("raw", sys.executable), ("loader", sys.executable), ("peer", peer))
            # Rounds interleave the variants, so a load change on the machine hits all of them alike.
            for attempt in range(args.repeat):
                for kind, python in variants:
                    if python is None:
                        results[kind] = {"error": "peer venv unavailable"}
                        continue
                    if "error" in results.get(kind, {}):
                        continue
                    r = child(python, kind, port, "bench-%s-%d-%d" % (kind, size, attempt), node_file, rel_file,
                              args.concurrency)
                    best = results.get(kind)
                    if "error" in r or best is None:
                        results[kind] = r
                    elif r["seconds"] < best["seconds"]:
                        results[kind] = dict(r, peak_rss_mib=max(r["peak_rss_mib"], best["peak_rss_mib"]))
                    else:
                        best["peak_rss_mib"] = max(r["peak_rss_mib"], best["peak_rss_mib"])
            rows_out.append((size, n_nodes, results))
    finally:
        server.stdin.close()
        server.wait(timeout=30)

    print()
    print("GDS Arrow database import against the simulator (batch %d rows, %d put streams; best of %d)"
          % (BATCH_SIZE, args.concurrency, args.repeat))
    columns = ("rels", "nodes", "variant", "seconds", "rows/s", "peak RSS MiB", "ratio")
    header = "%-10s %-9s %-8s %11s %14s %13s %10s" % columns
    print(header)
    print("-" * len(header))
    for size, n_nodes, results in rows_out:
        loader = results.get("loader", {})
        for kind in ("raw-mem", "raw", "loader", "peer"):
            r = results[kind]
            if "error" in r:
                print("%-10d %-9d %-8s  failed: %s" % (size, n_nodes, kind, r["error"][:120]))
                continue
            rate = r["rows"] / r["seconds"]
            ratio = ""
            if kind != "loader" and "seconds" in loader:
                ratio = "%.2fx" % (r["seconds"] / loader["seconds"])  # >1: the loader is faster
            print("%-10d %-9d %-8s %11.2f %14.0f %13.1f %10s" % (size, n_nodes, kind, r["seconds"], rate,
                                                                 r["peak_rss_mib"], ratio))
    print()
    print("ratio = variant time / loader time, i.e. the loader's throughput relative to that variant "
          "(targets: >= 0.9x raw, >= 1.0x peer).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

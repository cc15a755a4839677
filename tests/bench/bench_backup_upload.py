"""Upload of a backup artefact to S3: neo4j_backup's shipping against boto3's own ``upload_file``.

Same file (incompressible, like a compressed backup), same endpoint (moto in server mode on 127.0.0.1, its own
process, credential checks on), in interleaved rounds (the order of the contenders rotates every round), each
upload in its own subprocess so its peak RSS (its own ``VmHWM``) is its own:

* ship:        ``backup_s3.Bucket.ship``: the local SHA-256 (composite over the parts, hashed on several threads),
               a HeadObject for an object already there, leftover multipart uploads cleared, ``upload_file`` with
               ``ChecksumAlgorithm=SHA256`` and the module's TransferConfig, then the stored checksum compared;
* ship-crc32:  the same with ``checksum_algorithm: CRC32``: the whole file's CRC32 computed first and passed as
               ``ChecksumCRC32``, a full-object checksum S3 checks before completing the upload, then compared again;
* boto3:       ``upload_file`` with boto3's defaults (8 MiB parts, 10 threads: also the module's defaults; botocore
               adds its default CRC32), no verification;
* boto3-sha:   ``upload_file`` with ``ChecksumAlgorithm=SHA256`` (what the module asks S3 to check), no verification.

Prints per contender the median seconds and MB/s, and per round the paired ratio of each baseline's time to each
ship's (its speed as a fraction of the baseline's; the goal is at least 0.9 against boto3), as median and
min-max; then ship's peak RSS for files of two sizes (it must not grow with the file).  Asserts nothing.

Run: ``make bench`` or ``PYTHONPATH=tests .venv/bin/python tests/bench/bench_backup_upload.py [--size-mib 1024]
[--rounds 3]``.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import summary_table

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "bench-backup"
MIB = 1024 * 1024
CONTENDERS = ("ship", "ship-crc32", "boto3", "boto3-sha")
SHIPS = ("ship", "ship-crc32")
BASELINES = ("boto3", "boto3-sha")


def make_file(path, size):
    """``size`` incompressible bytes (written once, reused)."""
    if path.exists() and path.stat().st_size == size:
        return path
    import random
    rng = random.Random(size)
    with open(path, "wb") as handle:
        left = size
        while left:
            n = min(8 * MIB, left)
            handle.write(rng.randbytes(n))
            left -= n
    return path


# ----- one upload, in its own process ----------------------------------------------------------------------

def upload(spec):
    """Run one contender; prints {"seconds": ..., "checksum": ...}."""
    sys.path.insert(0, str(ROOT / "tests"))
    from collection_path import register_collection_packages
    register_collection_packages()
    import boto3
    from ansible_collections.graphops.neo4j.plugins.module_utils import backup_s3
    from ansible_collections.graphops.neo4j.plugins.module_utils.backup_chains import Artifact, UTC
    from datetime import datetime

    options = dict(bucket=spec["bucket"], prefix="bench", region=spec["region"], endpoint_url=spec["endpoint"],
                   access_key=spec["access_key"], secret_key=spec["secret_key"])
    path, name, kind = spec["path"], spec["name"], spec["kind"]
    client = boto3.client("s3", endpoint_url=spec["endpoint"], region_name=spec["region"],
                          aws_access_key_id=spec["access_key"], aws_secret_access_key=spec["secret_key"])
    started = time.perf_counter()
    checksum = None
    if kind == "ship":
        artifact = Artifact(name=name, location=path, database="bench", database_id="0" * 32,
                            time=datetime(2026, 1, 1, tzinfo=UTC), full=True, lowest_tx=1, highest_tx=1)
        checksum = backup_s3.Bucket(options).ship(path, artifact)["checksum"]
    elif kind == "ship-crc32":
        artifact = Artifact(name=name, location=path, database="bench", database_id="0" * 32,
                            time=datetime(2026, 1, 1, tzinfo=UTC), full=True, lowest_tx=1, highest_tx=1)
        checksum = backup_s3.Bucket(dict(options, checksum_algorithm="CRC32")).ship(path, artifact)["checksum"]
    elif kind == "boto3":
        client.upload_file(path, spec["bucket"], "bench/" + name)
    else:
        client.upload_file(path, spec["bucket"], "bench/" + name, ExtraArgs={"ChecksumAlgorithm": "SHA256"})
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "checksum": checksum, "peak_rss_mib": peak_rss_mib()}), flush=True)


def peak_rss_mib():
    """This process's own peak RSS (VmHWM of its address space; ``ru_maxrss`` would include what a forked child
    inherited from its parent's high-water mark)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def run_one(spec):
    """(seconds, peak RSS in MiB) of one contender, in a subprocess."""
    proc = subprocess.run([sys.executable, __file__, "--upload", json.dumps(spec)], stdout=subprocess.PIPE,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT / "tests")), check=False)
    if proc.returncode != 0:
        raise RuntimeError("%s failed: %s" % (spec["kind"], proc.stdout))
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    return outcome["seconds"], outcome["peak_rss_mib"]


# ----- the benchmark ---------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rss-small-mib", type=int, default=256, help="second file size for the RSS comparison")
    parser.add_argument("--upload", help=argparse.SUPPRESS)
    args, other = parser.parse_known_args()  # make bench passes one BENCH_ARGS to every bench
    if other:
        print("(%s ignores %s)" % (pathlib.Path(__file__).name, " ".join(other)))
    if args.upload:
        return upload(json.loads(args.upload))

    sys.path.insert(0, str(ROOT / "tests"))
    from moto_s3 import MotoS3
    BUILD.mkdir(parents=True, exist_ok=True)
    big = make_file(BUILD / ("artefact-%d.bin" % args.size_mib), args.size_mib * MIB)
    small = make_file(BUILD / ("artefact-%d.bin" % args.rss_small_mib), args.rss_small_mib * MIB)
    server = MotoS3().start()
    try:
        bucket = server.create_bucket("bench-backup-upload")
        base = dict(bucket=bucket, region=server.region, endpoint=server.endpoint, access_key=server.access_key,
                    secret_key=server.secret_key)
        times = dict((c, []) for c in CONTENDERS)
        rss = dict((c, []) for c in CONTENDERS)
        print("file: %d MiB, %d rounds, endpoint %s (moto server, own process)"
              % (args.size_mib, args.rounds, server.endpoint))
        for number in range(args.rounds):
            order = CONTENDERS[number % len(CONTENDERS):] + CONTENDERS[:number % len(CONTENDERS)]
            for kind in order:
                name = "r%d-%s.backup" % (number, kind)
                seconds, peak = run_one(dict(base, kind=kind, path=str(big), name=name))
                times[kind].append(seconds)
                rss[kind].append(peak)
                server.client().delete_object(Bucket=bucket, Key="bench/" + name)  # keep moto's memory flat
                print("  round %d %-10s %7.2f s %8.1f MB/s  peak RSS %6.1f MiB"
                      % (number + 1, kind, seconds, args.size_mib * MIB / 1e6 / seconds, peak), flush=True)
        print()
        print("%-10s %10s %10s %16s" % ("contender", "median s", "MB/s", "peak RSS MiB"))
        for kind in CONTENDERS:
            median = statistics.median(times[kind])
            print("%-10s %10.2f %10.1f %16.1f" % (kind, median, args.size_mib * MIB / 1e6 / median, max(rss[kind])))
        print()
        print("speed relative to each baseline, paired per round (baseline seconds / contender seconds):")
        for ship in SHIPS:
            for kind in BASELINES:
                ratios = [b / s for b, s in zip(times[kind], times[ship])]
                print("  %-10s vs %-10s median %.2fx (min %.2fx, max %.2fx)"
                      % (ship, kind, statistics.median(ratios), min(ratios), max(ratios)))
        small_seconds, small_rss = run_one(dict(base, kind="ship", path=str(small), name="rss-small.backup"))
        server.client().delete_object(Bucket=bucket, Key="bench/rss-small.backup")
        print()
        print("ship peak RSS: %.1f MiB for %d MiB, %.1f MiB for %d MiB"
              % (small_rss, args.rss_small_mib, max(rss["ship"]), args.size_mib))
        figures = [summary_table.figure("upload (ship) vs boto3 upload_file, %d MiB" % args.size_mib,
                                        [b / s for b, s in zip(times["boto3"], times["ship"])], "x", (">=", 0.9)),
                   summary_table.figure("upload (ship-crc32) vs boto3 upload_file, %d MiB" % args.size_mib,
                                        [b / s for b, s in zip(times["boto3"], times["ship-crc32"])], "x",
                                        (">=", 0.9)),
                   summary_table.figure("upload (ship) vs boto3 with SHA256, %d MiB" % args.size_mib,
                                        [b / s for b, s in zip(times["boto3-sha"], times["ship"])], "x"),
                   summary_table.figure("upload (ship) peak RSS, %d MiB file" % args.rss_small_mib, [small_rss], "MiB"),
                   summary_table.figure("upload (ship) peak RSS, %d MiB file" % args.size_mib, rss["ship"], "MiB")]
        path = summary_table.record("backup_upload", figures, context={"rounds": args.rounds,
                                                                       "file MiB": args.size_mib})
        print("headline figures written to %s" % path.relative_to(ROOT))
    finally:
        server.stop()


if __name__ == "__main__":
    main()

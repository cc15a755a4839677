"""Run a simulated cluster until SIGINT/SIGTERM: ``PYTHONPATH=tests python -m simulator --members 3``.

Prints one JSON line with the endpoints, e.g.
``{"version": "5.26.0", "members": [{"name": "server1", "bolt": "bolt://127.0.0.1:41234"}, ...],
"routing": "neo4j://...", "arrow": "grpc://127.0.0.1:41240", "backup": {"server3": "127.0.0.1:41250"},
"neo4j_admin": ".../tests/simulator/bin/neo4j-admin", "username": "neo4j", "password": "password"}``, and with
``--loader`` also ``"loader": {"bolt": ..., "arrow": ..., "backup": ...}``.
"""

import argparse
import json
import signal
import sys
import threading

from .cluster import NEO4J_ADMIN, Cluster
from .member_conf import ConfigRefused, cluster_from_configs
from .versions import DEFAULT_VERSION


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--tls-cert", help="PEM certificate; with --tls-key the members speak TLS")
    parser.add_argument("--tls-key", help="PEM private key")
    parser.add_argument("--username", default="neo4j")
    parser.add_argument("--password", default="password")
    parser.add_argument("--start-delay", type=float, default=0.0, help="seconds a new database takes to start")
    parser.add_argument("--version", default=DEFAULT_VERSION,
                        help="Neo4j version to simulate, e.g. 5.26.0 or 2026.07.0 (see docs/testing.md)")
    parser.add_argument("--default-language", type=int, choices=(5, 25),
                        help="db.query.default_language (2025.06+); default: as the release's neo4j.conf sets it")
    parser.add_argument("--no-arrow", action="store_true", help="do not start the Arrow Flight endpoint")
    parser.add_argument("--gds-member", help="member that runs GDS as a Secondary, as GDS documents for clusters "
                                             "(default: server1, unconstrained)")
    parser.add_argument("--arrow-import-mode", default="registered", choices=["registered", "local-store",
                                                                              "importer-only"],
                        help="what an Arrow database import leaves behind (undocumented by GDS; see ClusterModel)")
    parser.add_argument("--backup-member", action="append", default=[],
                        help="member whose backup listener (server.backup.listen_address) is on; repeatable")
    parser.add_argument("--seed-providers",
                        help="dbms.databases.seed_from_uri_providers, e.g. CloudSeedProvider,FileSeedProvider "
                             "(default: the version's); cloud seeds use this process's AWS_* environment")
    parser.add_argument("--conf", action="append", default=[], metavar="NEO4J_CONF",
                        help="start the members from these neo4j.conf files, one per member (repeatable; "
                             "simulator/member_conf.py): ports, mode constraints, backup listener and GDS Arrow come "
                             "from the files, --members/--gds-member/--backup-member are ignored")
    parser.add_argument("--loader", action="store_true",
                        help="also start a standalone loader: a second, single-member instance with GDS Arrow and its "
                             "backup listener on (the blue/green role's staged load path); its endpoints are printed "
                             "under \"loader\"")
    parser.add_argument("--secondaries-at-formation", default="free", choices=["free", "enabled"],
                        help="with --conf: state of the SECONDARY-system members at the first start")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    common = dict(users={args.username: args.password}, tls=tls, start_delay=args.start_delay,
                  default_language=args.default_language, arrow_import_mode=args.arrow_import_mode,
                  seed_providers=args.seed_providers.split(",") if args.seed_providers is not None else None)
    if args.conf:
        try:
            cluster = cluster_from_configs(args.conf, args.version, secondaries_at_formation=args.secondaries_at_formation,
                                           **common)
        except ConfigRefused as refused:
            print(str(refused), file=sys.stderr, flush=True)
            return 1
        cluster.start()
    else:
        cluster = Cluster(members=args.members, version=args.version, arrow=not args.no_arrow,
                          gds_member=args.gds_member, backup_members=args.backup_member, **common).start()
    loader = None
    if args.loader:
        loader = Cluster(members=1, version=args.version, backup_members=["server1"], users={args.username: args.password},
                         tls=tls, default_language=args.default_language).start()
    try:
        endpoints = {}
        if loader is not None:
            endpoints["loader"] = {"bolt": loader.bolt_uri("server1"), "arrow": arrow_uri(loader, tls),
                                   "backup": loader.backup_address("server1")}
        print(json.dumps({
            "version": cluster.version,
            "members": [{"name": name, "bolt": cluster.bolt_uri(name)} for name in cluster.members],
            "routing": cluster.routing_uri(),
            "arrow": arrow_uri(cluster, tls),
            "backup": {name: cluster.backup_address(name) for name in cluster.backup_members},
            "neo4j_admin": NEO4J_ADMIN,
            "username": args.username,
            "password": args.password,
            **endpoints,
        }), flush=True)
        while not done.wait(1.0):  # wake regularly so signals are handled promptly
            pass
    finally:
        cluster.stop()
        if loader is not None:
            loader.stop()
    return 0


def arrow_uri(cluster, tls):
    if not cluster.arrow_address:
        return None
    return "%s://%s:%d" % ("grpc+tls" if tls else "grpc", *cluster.arrow_address)


if __name__ == "__main__":
    sys.exit(main())

"""The simulator's ``neo4j-admin``: the backup commands, with Neo4j's command lines, exit codes and artefacts.

Run as ``tests/simulator/bin/neo4j-admin`` (or ``python -m simulator.neo4j_admin``).  It talks to the backup
listeners of a simulated cluster (``simulator.backup_server``) and writes and reads artefacts in the
simulator's format (``simulator.backups``), locally or in S3 (boto3, with the AWS default credential chain and
``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``, as Neo4j's cloud storage support documents).

Modelled from docs-operations (branches 5.x and dev; pages backup-restore/online-backup.adoc, inspect.adoc,
aggregate.adoc, consistency-checker.adoc, tools/neo4j-admin/index.adoc):

* ``neo4j-admin --version`` / ``-V`` / ``version`` prints the bare version (neo4j/docker-neo4j
  ``docker-image-src/5/neo4j-admin/docker-entrypoint.sh`` builds an image tag from it:
  ``correct_image="neo4j:"$(neo4j-admin --version)"-${NEO4J_EDITION}"``).  The version is
  ``GRAPHOPS_SIM_ADMIN_VERSION``, else ``GRAPHOPS_SIM_VERSION``, else 5.26.0.
* ``database backup`` with every option of 5.26 (``--from``, ``--to-path``, ``--type``, ``--compress``,
  ``--keep-failed``, ``--pagecache``, ``--parallel-recovery``, ``--temp-path``, ``--include-metadata``,
  ``--inspect-path``, ``--additional-config``, ``--expand-commands``, ``--verbose``) and the 2025.x additions
  (``--prefer-diff-as-parent`` 2025.04, ``--remote-address-resolution`` 2025.09, ``--parallel-download`` and
  ``--skip-recovery`` 2025.11); database names with globbing (``"*"``: every database); exit code 0, or 1 when
  a backup failed "or succeeded but encountered problems such as some servers being uncontactable".
* ``backup inspect`` (5.25+) with the TABULAR output of the docs' examples; ``--format=JSON`` is not shown in
  the docs and is refused as not modelled.
* ``database aggregate-backup`` (5.26; deprecated in 2025.01) and ``backup aggregate`` (2025.01+).
* ``database check --from-path`` on a backup: a full backup only ("consistency check is not supported for
  differential backups"); a folder before 2025.09, a folder or a file from 2025.09; inconsistencies give a
  non-zero exit and an ``inconsistencies-YYYY-MM-DD.HH24.MI.SS.report`` file in ``--report-path`` (default: the
  working directory).
* Generic exit codes: 64 for wrong options/parameters (with picocli's messages, e.g. "Unknown option:
  '--foo'"), 70 for an unhandled exception (and what the simulator does not model).

The log lines of a backup copy neo4j-admin's own (``BackupOutputMonitor``) as published: neo4j/neo4j issue
#13107 (5.11: "Starting backup of database 'neo4j' from servers: [localhost:6363]", "Start backup of
database 'neo4j'.", "Using remote server localhost:6363 for backup of database 'neo4j'.", "Start full backup
of database 'neo4j'.", "Start receiving store files for database 'neo4j'.", "Finished receiving store files
for database 'neo4j', took ...") and a 5.26 job log quoted in priyolahiri/neo4j-kubernetes-operator
(``[c.n.b.b.BackupOutputMonitor]``: "Finished full backup of database 'other'. Downloaded from tx -1 to tx
5.", "Start differential backup of database 'neo4j'.", "Differential backup of database 'x' failed. Reason:
Differential backups require that a full backup of the same database exists in the folder defined in
--to-path.", "Falling back to full backup of database 'x'.", "The remote server (s-0:6362) has not any
recent data for database 'DatabaseId{c16ce93f[idle]}'.", "Finished artifact creation
'idle-2026-10-06T07-36-03.backup' for database 'idle', took 38ms.").  Neo4j publishes no wording for
failures (an unreachable server, a missing database, a full disk); those lines are the simulator's own and
say so with a ``[simulator]`` tag, so nothing may depend on their text.

Client-side fault: ``GRAPHOPS_SIM_DISK_FREE`` (bytes) is the free space of the local ``--to-path``/``--temp-path``
file system for this run; writing more fails with "No space left on device", as a full disk does.  Server-side
faults (a backup port that is off or down, an inconsistent store) are set on the simulated cluster.
"""

import errno
import fnmatch
import json
import os
import posixpath
import shutil
import socket
import ssl
import sys
import tempfile
import time
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

from . import backup_tls, backups, versions

DEFAULT_FROM = "localhost:6362"  # server.backup.listen_address defaults to 127.0.0.1:6362 (ports.adoc)
CONNECT_TIMEOUT = 5.0
EXIT_OK, EXIT_FAILED, EXIT_NOT_RUNNING, EXIT_USAGE, EXIT_SOFTWARE = 0, 1, 3, 64, 70
MONITOR = "c.n.b.b.BackupOutputMonitor"
BACKUP_AGGREGATE = (2025, 1)  # neo4j-admin backup aggregate; database aggregate-backup deprecated
CHECK_FILE_PATH = (2025, 9)  # database check --from-path accepts a single file
INCLUDE_METADATA = ("none", "all", "users", "roles")
TYPES = ("FULL", "DIFF", "AUTO")


class Usage(Exception):
    """Wrong options or parameters: exit 64 with picocli's message and the usage."""


class Failed(Exception):
    """The command failed (exit 1)."""


class NotModelled(Exception):
    """Something the simulator does not model: exit 70, saying so."""


def admin_version():
    return os.environ.get("GRAPHOPS_SIM_ADMIN_VERSION") or os.environ.get("GRAPHOPS_SIM_VERSION") or \
        versions.DEFAULT_VERSION


def log(message, level="INFO", monitor=MONITOR):
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "+0000"
    print("%s %-5s [%s] %s" % (stamp, level, monitor, message), flush=True)


def log_sim(message, level="ERROR"):
    """A line whose wording Neo4j does not publish (see the module docstring)."""
    log("[simulator] " + message, level)


# ----- command line (picocli-like) --------------------------------------------------------------------

def parse(args, spec, usage, positional_max=None):
    """``args`` -> (options dict, positionals).  ``spec``: option name -> "value" | "bool" | "list"."""
    options, positionals = {}, []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            name, has_value, value = arg.partition("=")
            kind = spec.get(name)
            if kind is None:
                raise Usage("Unknown option: '%s'\n%s" % (arg if not has_value else name, usage))
            if kind == "bool":
                if has_value:
                    if value.lower() not in ("true", "false"):
                        raise Usage("Invalid value for option '%s': '%s' is not a boolean\n%s" % (name, value, usage))
                    options[name] = value.lower() == "true"
                else:
                    options[name] = True
            else:
                if not has_value:
                    i += 1
                    if i >= len(args):
                        raise Usage("Missing required parameter for option '%s'\n%s" % (name, usage))
                    value = args[i]
                if kind == "list":
                    options.setdefault(name, []).extend(v for v in value.split(",") if v)
                else:
                    options[name] = value
        elif arg in ("-h",):
            print(usage)
            sys.exit(EXIT_OK)
        else:
            positionals.append(arg)
        i += 1
    if positional_max is not None and len(positionals) > positional_max:
        raise Usage("Unmatched argument at index %d: '%s'\n%s" % (len(args) - 1, positionals[positional_max], usage))
    return options, positionals


BACKUP_USAGE = """Usage: neo4j-admin database backup [-h] [--expand-commands] [--verbose]
                            [--compress[=true|false]] [--keep-failed[=true|false]]
                            [--parallel-recovery[=true|false]]
                            [--additional-config=<file>]
                            [--include-metadata=none|all|users|roles]
                            [--inspect-path=<path>] [--pagecache=<size>] [--temp-path=<path>]
                            [--to-path=<path>] [--type=<type>] [--from=<host:port>[,<host:
                            port>...]]... [<database>...]"""
BACKUP_SPEC = {"--expand-commands": "bool", "--verbose": "bool", "--compress": "bool", "--keep-failed": "bool",
               "--parallel-recovery": "bool", "--additional-config": "value", "--include-metadata": "value",
               "--inspect-path": "value", "--pagecache": "value", "--temp-path": "value", "--to-path": "value",
               "--type": "value", "--from": "list", "--help": "bool"}
BACKUP_SPEC_2025 = [((2025, 4), "--prefer-diff-as-parent", "bool"), ((2025, 9), "--remote-address-resolution", "bool"),
                    ((2025, 11), "--parallel-download", "bool"), ((2025, 11), "--skip-recovery", "bool")]
INSPECT_USAGE = """Usage: neo4j-admin backup inspect [-h] [--empty] [--expand-commands] [--latest-backup]
                           [--latest-chain] [--show-metadata] [--verbose]
                           [--additional-config=<file>] [--database=<database>]
                           [--format=<value>] <backup-path>"""
INSPECT_SPEC = {"--empty": "bool", "--expand-commands": "bool", "--latest-backup": "bool", "--latest-chain": "bool",
                "--show-metadata": "bool", "--verbose": "bool", "--additional-config": "value",
                "--database": "value", "--format": "value", "--help": "bool"}
AGGREGATE_USAGE = """Usage: neo4j-admin %s [-h] [--expand-commands]
                                      [--verbose] [--keep-old-backup[=true|false]]
                                      [--parallel-recovery[=true|false]]
                                      [--additional-config=<file>] --from-path=<path>
                                      [--temp-path=<path>] [<database>]"""
AGGREGATE_SPEC = {"--expand-commands": "bool", "--verbose": "bool", "--keep-old-backup": "bool",
                  "--parallel-recovery": "bool", "--additional-config": "value", "--from-path": "value",
                  "--temp-path": "value", "--help": "bool"}
CHECK_USAGE = """Usage: neo4j-admin database check [-h] [--expand-commands] [--force] [--verbose]
                           [--check-counts[=true|false]] [--check-graph[=true|false]]
                           [--check-indexes[=true|false]] [--check-property-owners[=true|false]]
                           [--additional-config=<file>] [--max-off-heap-memory=<size>]
                           [--report-path=<path>] [--threads=<number of threads>]
                           [[--from-path-data=<path> --from-path-txn=<path>] | [--from-path=<path> [--temp-path=<path>]]]
                           <database>"""
CHECK_SPEC = {"--expand-commands": "bool", "--force": "bool", "--verbose": "bool", "--check-counts": "bool",
              "--check-graph": "bool", "--check-indexes": "bool", "--check-property-owners": "bool",
              "--additional-config": "value", "--max-off-heap-memory": "value", "--report-path": "value",
              "--threads": "value", "--from-path-data": "value", "--from-path-txn": "value", "--from-path": "value",
              "--temp-path": "value", "--help": "bool"}


def check_additional_config(options):
    path = options.get("--additional-config")
    if path is not None and not os.path.isfile(path):
        raise Failed("[simulator] The additional configuration file %s does not exist" % path)


# ----- where artefacts live: a local folder or an s3:// prefix ----------------------------------------

class DiskBudget:
    """GRAPHOPS_SIM_DISK_FREE: the bytes left on the local file system for this run (None: plenty)."""

    def __init__(self):
        value = os.environ.get("GRAPHOPS_SIM_DISK_FREE")
        self.left = int(value) if value else None

    def take(self, n):
        if self.left is None:
            return
        if n > self.left:
            self.left = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.left -= n


class Location:
    """A backup folder: ``local`` path or ``s3://bucket/prefix/``."""

    def __init__(self, path):
        self.path = path
        parts = urlsplit(path)
        self.scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""
        if self.scheme in ("gs", "azb"):
            raise NotModelled("the simulator models s3:// cloud storage only, not %s" % path)
        if self.scheme == "s3":
            self.bucket = parts.netloc
            prefix = unquote(parts.path.lstrip("/"))
            self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
            self._client = None
        elif self.scheme not in ("", "file"):
            raise Failed("[simulator] Unsupported path %s" % path)
        else:
            self.local = unquote(parts.path) if self.scheme == "file" else path

    @property
    def cloud(self):
        return self.scheme == "s3"

    def client(self):
        if self._client is None:
            endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or ""
            if urlsplit(endpoint).hostname not in ("127.0.0.1", "localhost", "::1"):
                # The stand-in never reaches the internet: S3 is the test's moto server on loopback.
                raise Failed("[simulator] neo4j-admin reaches S3 on 127.0.0.1 only; set AWS_ENDPOINT_URL_S3 (got %s)"
                             % (endpoint or "nothing"))
            import boto3
            self._client = boto3.client("s3")
        return self._client

    def uri(self, name):
        if self.cloud:
            return "s3://%s/%s%s" % (self.bucket, self.prefix, name)
        return "file://" + os.path.abspath(os.path.join(self.local, name))

    def exists(self):
        if self.cloud:
            from botocore.exceptions import BotoCoreError, ClientError
            try:
                self.client().head_bucket(Bucket=self.bucket)
                return True
            except (ClientError, BotoCoreError):
                return False
        return os.path.isdir(self.local)

    def scan(self):
        """Every artefact header here, oldest first."""
        if not self.cloud:
            return backups.scan_local(self.local) if os.path.isdir(self.local) else []
        found = []
        paginator = self.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
            for item in page.get("Contents", []):
                if item["Key"].endswith(".backup"):
                    head = self.client().get_object(Bucket=self.bucket, Key=item["Key"],
                                                    Range="bytes=0-65535")["Body"].read()
                    try:
                        artifact = backups.decode_header(head, posixpath.basename(item["Key"]),
                                                         self.uri(posixpath.basename(item["Key"])), item["Size"])
                    except backups.ArtifactError:
                        continue
                    found.append(artifact)
        return sorted(found, key=lambda a: (a.time, a.highest_tx, a.name))

    def read(self, artifact):
        if not self.cloud:
            with open(os.path.join(self.local, artifact.name), "rb") as handle:
                return handle.read()
        return self.client().get_object(Bucket=self.bucket, Key=self.prefix + artifact.name)["Body"].read()

    def payload(self, artifact):
        return backups.decode_payload(self.read(artifact), artifact)

    def taken(self, name):
        if self.cloud:
            from botocore.exceptions import ClientError
            try:
                self.client().head_object(Bucket=self.bucket, Key=self.prefix + name)
                return True
            except ClientError:
                return False
        return os.path.exists(os.path.join(self.local, name))

    def put(self, staged, name):
        """Move a staged local file here under ``name``."""
        if self.cloud:
            self.client().upload_file(staged, self.bucket, self.prefix + name)
            os.remove(staged)
        else:
            os.replace(staged, os.path.join(self.local, name))

    def remove(self, artifact):
        if self.cloud:
            self.client().delete_object(Bucket=self.bucket, Key=self.prefix + artifact.name)
        else:
            os.remove(os.path.join(self.local, artifact.name))


def write_artifact(path, artifact, payload, budget, seed):
    """Write an artefact (header, payload, padding) to ``path`` within the disk budget; returns its size."""
    data = backups.encode(artifact, payload)
    size = 0
    with open(path, "wb") as handle:
        for chunk in [data] + list(backups.padding_chunks(artifact.padding, seed)):
            budget.take(len(chunk))
            handle.write(chunk)
            size += len(chunk)
    return size


def fresh_name(location, database, reserved):
    """``<database>-<now>.backup``, waiting for the next second when that name exists already (the time stamp
    is the artefact's identity)."""
    while True:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        name = backups.artifact_name(database, now)
        if name not in reserved and not location.taken(name):
            reserved.add(name)
            return name, now
        time.sleep(1.05 - datetime.now(timezone.utc).microsecond / 1e6)


# ----- talking to backup listeners --------------------------------------------------------------------

class Unreachable(Exception):
    pass


def client_ssl_context(options):
    """The backup client's TLS from ``dbms.ssl.policy.backup.*`` in ``--additional-config`` (the client "uses the SSL
    policy specified in dbms.ssl.policy.backup.*", ssl-framework.adoc), or None (plain TCP).  A relative
    base_directory is taken under NEO4J_HOME (else the current folder)."""
    path = options.get("--additional-config")
    if not path:
        return None
    try:
        policy = backup_tls.policy_from_settings(backup_tls.read_settings(path), os.environ.get("NEO4J_HOME", "."),
                                                 admin_version())
        return policy.client_context() if policy is not None else None
    except (OSError, ssl.SSLError, backup_tls.PolicyError) as exc:
        raise Failed("[simulator] The SSL policy 'backup' in %s cannot be used: %s" % (path, exc))


def ask(address, request, ssl_context=None):
    host, _sep, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "localhost", int(port)), timeout=CONNECT_TIMEOUT) as raw:
            sock = raw
            if ssl_context is not None:
                try:
                    sock = ssl_context.wrap_socket(raw, server_hostname=host or "localhost")
                except ssl.SSLError as exc:
                    reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
                    raise Unreachable("%s: TLS handshake failed: %s" % (address, reason))
            sock.sendall(json.dumps(request).encode("utf-8") + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(1024 * 1024)
                if not chunk:
                    break
                data += chunk
    except ssl.SSLError as exc:  # the server refused our certificate after the handshake (TLS 1.3 alerts come late)
        raise Unreachable("%s: TLS failed: %s" % (address, exc.reason or exc))
    except (OSError, ValueError) as exc:
        raise Unreachable("%s: %s" % (address, exc))
    if not data:
        raise Unreachable("%s closed the connection" % address)
    return json.loads(data.decode("utf-8"))


# ----- database backup ---------------------------------------------------------------------------------

def cmd_backup(args):
    spec = dict(BACKUP_SPEC)
    for release, name, kind in BACKUP_SPEC_2025:
        if versions.at_least(admin_version(), release):
            spec[name] = kind
    options, names = parse(args, spec, BACKUP_USAGE)
    if options.get("--help"):
        print(BACKUP_USAGE)
        return EXIT_OK
    check_additional_config(options)
    time.sleep(float(os.environ.get("GRAPHOPS_SIM_BACKUP_SECONDS") or 0))  # a backup that takes a while
    if options.get("--inspect-path"):
        return inspect(options["--inspect-path"], {"--show-metadata": True, "--empty": True})
    if not options.get("--to-path"):
        raise Usage("Missing required option: '--to-path=<path>'\n" + BACKUP_USAGE)
    kind = (options.get("--type") or "AUTO").upper()
    if kind not in TYPES:
        raise Usage("Invalid value for option '--type': expected one of [FULL, DIFF, AUTO] (case-insensitive) but "
                    "was '%s'\n%s" % (options["--type"], BACKUP_USAGE))
    metadata = (options.get("--include-metadata") or "all").lower()
    if metadata not in INCLUDE_METADATA:
        raise Usage("Invalid value for option '--include-metadata': expected one of [none, all, users, roles] but was "
                    "'%s'\n%s" % (options["--include-metadata"], BACKUP_USAGE))
    location = Location(options["--to-path"])
    if not location.exists():
        raise Failed("[simulator] The backup destination %s does not exist" % options["--to-path"])
    temp = options.get("--temp-path")
    if temp is not None and not os.path.isdir(temp):
        raise Failed("[simulator] The temporary path %s does not exist" % temp)
    servers = options.get("--from") or [DEFAULT_FROM]
    run = BackupRun(location, servers, kind, options.get("--compress", True), options.get("--keep-failed", False),
                    metadata, temp, client_ssl_context(options))
    return run.run(names or ["neo4j"])


class BackupRun:
    def __init__(self, location, servers, kind, compress, keep_failed, metadata, temp, ssl_context=None):
        self.ssl_context = ssl_context
        self.location = location
        self.servers = servers
        self.kind = kind
        self.compress = compress
        self.keep_failed = keep_failed
        self.metadata = metadata
        self.temp = temp
        self.problems = False  # a server did not answer: exit 1 even when every backup succeeded
        self.unreachable = {}  # address -> why
        self.budget = DiskBudget()
        self.reserved = set()

    def _ask(self, address, request):
        try:
            return ask(address, request, self.ssl_context)
        except Unreachable as exc:
            if address not in self.unreachable:
                self.unreachable[address] = str(exc)
                log_sim("Unable to connect to %s (%s)" % (address, exc))
            self.problems = True
            return None

    def resolve(self, names):
        """Database names, with patterns matched against what every server hosts."""
        if not any(ch in name for name in names for ch in "*?["):
            return [name.lower() for name in names]
        hosted = set()
        for address in self.servers:
            reply = self._ask(address, {"op": "databases"})
            if reply and reply.get("ok"):
                hosted.update(reply["databases"])
        resolved = []
        for name in names:
            if any(ch in name for ch in "*?["):
                resolved += sorted(d for d in hosted if fnmatch.fnmatchcase(d, name.lower()) and d not in resolved)
            elif name.lower() not in resolved:
                resolved.append(name.lower())
        return resolved

    def run(self, names):
        databases = self.resolve(names)
        failed = []
        for database in databases:
            log("Starting backup of database '%s' from servers: [%s]" % (database, ", ".join(self.servers)))
            if not self.backup(database):
                failed.append(database)
        if failed:
            print("[simulator] Backup failed for database(s): %s" % ", ".join(failed), file=sys.stderr)
        if failed or self.problems:
            return EXIT_FAILED
        return EXIT_OK

    def backup(self, database):
        log("Start backup of database '%s'." % database)
        copy = None
        for address in self.servers:
            reply = self._ask(address, {"op": "backup", "database": database})
            if reply is None:
                continue
            if reply.get("ok"):
                copy, source = reply, address
                break
            log_sim("%s cannot serve a backup of database '%s': %s" % (address, database, reply.get("error")))
        if copy is None:
            why = "; ".join(self.unreachable[a] for a in self.servers if a in self.unreachable)
            log_sim("Backup of database '%s' failed: no server in [%s] could serve it%s"
                    % (database, ", ".join(self.servers), " (%s)" % why if why else ""))
            return False
        log("Using remote server %s for backup of database '%s'." % (source, database))
        try:
            return self._take(database, copy, source)
        except OSError as exc:
            log_sim("Backup of database '%s' failed: %s" % (database, exc))
            return False

    def _take(self, database, copy, source):
        database_id = backups.uuid_form(copy["database_id"])
        existing = [a for a in self.location.scan() if a.database == database]
        chain = backups.latest_chain(existing, database)
        kind = self.kind
        if kind in ("DIFF", "AUTO"):
            log("Start differential backup of database '%s'." % database)
            if chain and chain[0].database_id == database_id:
                kind = "DIFF"
            else:
                log("Differential backup of database '%s' failed. Reason: Differential backups require that a full "
                    "backup of the same database exists in the folder defined in --to-path." % database)
                if kind == "DIFF":
                    return False
                log("Falling back to full backup of database '%s'." % database)
                kind = "FULL"
        started = time.monotonic()
        name, now = fresh_name(self.location, database, self.reserved)
        lines = [] if database == "system" else _filter_metadata(copy.get("metadata") or [], self.metadata)
        artifact = backups.Artifact(name=name, location=self.location.uri(name), database=database,
                                    database_id=database_id, time=now, full=kind == "FULL",
                                    compressed=self.compress, lowest_tx=1, highest_tx=copy["highest_tx"],
                                    store=copy.get("store") or "", neo4j_version=copy.get("version") or "",
                                    consistent=copy.get("consistent", True), metadata=lines)
        if kind == "FULL":
            log("Start full backup of database '%s'." % database)
            log("Start receiving store files for database '%s'." % database)
            payload = copy["graph"]
            artifact.padding = int(copy.get("store_bytes") or 0)
            log("Finished receiving store files for database '%s', took %s." % (database, _took(started)))
            log("Finished full backup of database '%s'. Downloaded from tx -1 to tx %d." % (database, copy["highest_tx"]))
        else:
            tip = max(a.highest_tx for a in chain if not a.empty)
            if copy["highest_tx"] <= tip:
                log("The remote server (%s) has not any recent data for database '%s'."
                    % (source, "DatabaseId{%s[%s]}" % (copy["database_id"].lower()[:8], database)))
                artifact.lowest_tx = artifact.highest_tx = 0
                payload = dict(backups.graph_delta(copy["graph"], copy["graph"]))
            else:
                payloads = {a.name: self.location.payload(a) for a in chain}
                parent = backups.restore_graph(chain, payloads)
                payload = backups.graph_delta(copy["graph"], parent)
                artifact.lowest_tx = tip + 1
                log("Finished differential backup of database '%s'." % database)
        self._store(artifact, payload, database)
        log("Finished artifact creation '%s' for database '%s', took %s." % (name, database, _took(started)))
        return True

    def _store(self, artifact, payload, database):
        staging = self.temp or (None if self.location.cloud else self.location.local)
        fd, staged = tempfile.mkstemp(prefix=".%s-" % database, suffix=".partial", dir=staging)
        os.close(fd)
        try:
            write_artifact(staged, artifact, payload, self.budget, artifact.name)
            self.location.put(staged, artifact.name)
        except BaseException:
            if self.keep_failed and not self.location.cloud:
                kept = os.path.join(self.location.local, artifact.name[:-len(".backup")] + ".failed")
                os.makedirs(kept, exist_ok=True)
                shutil.move(staged, os.path.join(kept, "store.partial"))
            elif os.path.exists(staged):
                os.remove(staged)
            raise


def _filter_metadata(lines, which):
    if which == "none":
        return []
    if which == "roles":
        return [line for line in lines if line.startswith("CREATE ROLE")]
    if which == "users":
        return [line for line in lines if line.startswith("GRANT ROLE")]
    return list(lines)


def _took(started):
    return "%dms" % int((time.monotonic() - started) * 1000)


# ----- backup inspect ---------------------------------------------------------------------------------

COLUMNS = ["FILE", "DATABASE", "DATABASE ID", "TIME (UTC)", "FULL", "COMPRESSED", "LOWEST TX", "HIGHEST TX"]


def cmd_inspect(args):
    options, paths = parse(args, INSPECT_SPEC, INSPECT_USAGE, positional_max=1)
    if options.get("--help"):
        print(INSPECT_USAGE)
        return EXIT_OK
    check_additional_config(options)
    if not paths:
        raise Usage("Missing required parameter: '<backup-path>'\n" + INSPECT_USAGE)
    if (options.get("--format") or "TABULAR").upper() == "JSON":
        raise NotModelled("backup inspect --format=JSON: Neo4j documents no example of its output")
    if (options.get("--format") or "TABULAR").upper() != "TABULAR":
        raise Usage("Invalid value for option '--format': expected one of [JSON, TABULAR] but was '%s'\n%s"
                    % (options["--format"], INSPECT_USAGE))
    return inspect(paths[0], options)


def inspect(path, options):
    target = path
    single = None
    if path.endswith(".backup"):
        target, single = posixpath.split(path) if "://" in path else os.path.split(path)
    location = Location(target or ".")
    if not location.exists():
        raise Failed("[simulator] %s does not exist" % path)
    artifacts = location.scan()
    if single is not None:
        chosen = [a for a in artifacts if a.name == single]
        if not chosen:
            raise Failed("[simulator] %s is not a backup artifact" % path)
        artifacts = backups.chain_ending_at(artifacts, chosen[0]) if options.get("--latest-chain") else chosen
    else:
        if options.get("--database"):
            artifacts = [a for a in artifacts if a.database == options["--database"].lower()]
        if options.get("--latest-chain"):
            latest = []
            for database in sorted({a.database for a in artifacts}):
                latest += backups.latest_chain(artifacts, database)
            artifacts = latest
        elif options.get("--latest-backup"):
            newest = {}
            for artifact in artifacts:
                if not artifact.empty or options.get("--empty"):
                    newest[artifact.database] = artifact
            artifacts = list(newest.values())
    if not options.get("--empty"):
        artifacts = [a for a in artifacts if not a.empty]
    artifacts.sort(key=lambda a: (a.database, a.time, a.name), reverse=True)
    if options.get("--show-metadata"):
        rows = [[location.uri(a.name), a.database, a.database_id, a.time.strftime("%Y-%m-%dT%H:%M:%S"),
                 str(a.full).lower(), str(a.compressed).lower(), str(a.lowest_tx), str(a.highest_tx)]
                for a in artifacts]
        print_table(COLUMNS, rows)
    else:
        print_table(COLUMNS[:1], [[location.uri(a.name)] for a in artifacts])
    return EXIT_OK


def print_table(columns, rows):
    """The docs' layout: every cell right-aligned to its column's width, ``| a | b |``."""
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    for row in [columns] + rows:
        print("| " + " | ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)) + " |")


# ----- aggregate ----------------------------------------------------------------------------------------

def cmd_aggregate(args, command):
    usage = AGGREGATE_USAGE % command
    options, names = parse(args, AGGREGATE_SPEC, usage, positional_max=1)
    if options.get("--help"):
        print(usage)
        return EXIT_OK
    check_additional_config(options)
    if not options.get("--from-path"):
        raise Usage("Missing required option: '--from-path=<path>'\n" + usage)
    path = options["--from-path"]
    single = None
    if path.endswith(".backup"):
        if names:
            raise Usage("The <database> parameter should be omitted when --from-path is a file\n" + usage)
        path, single = posixpath.split(path) if "://" in path else os.path.split(path)
    location = Location(path)
    if not location.exists():
        raise Failed("[simulator] %s does not exist" % options["--from-path"])
    artifacts = location.scan()
    if single is not None:
        last = [a for a in artifacts if a.name == single]
        if not last:
            raise Failed("[simulator] %s is not a backup artifact" % options["--from-path"])
        chains = [backups.chain_ending_at(artifacts, last[0])]
    else:
        pattern = (names[0] if names else "neo4j").lower()
        chains = [backups.latest_chain(artifacts, d) for d in sorted({a.database for a in artifacts})
                  if fnmatch.fnmatchcase(d, pattern)]
        chains = [c for c in chains if c]
        if not chains:
            raise Failed("[simulator] No backup chain for database '%s' in %s" % (pattern, options["--from-path"]))
    reserved = set()
    budget = DiskBudget()
    for chain in chains:
        last = chain[-1]
        started = time.monotonic()
        log("Start aggregating backup chain of database '%s' ending with '%s' (%d artifacts)."
            % (last.database, last.name, len(chain)), monitor="c.n.b.a.AggregateBackup")
        graph = backups.restore_graph(chain, {a.name: location.payload(a) for a in chain})
        name, now = fresh_name(location, last.database, reserved)
        tip = max(a.highest_tx for a in chain if not a.empty)
        result = backups.Artifact(name=name, location=location.uri(name), database=last.database,
                                  database_id=last.database_id, time=now, full=True, compressed=chain[0].compressed,
                                  lowest_tx=1, highest_tx=tip, store=chain[0].store,
                                  neo4j_version=chain[0].neo4j_version,
                                  consistent=all(a.consistent for a in chain), metadata=last.metadata or
                                  chain[0].metadata, padding=chain[0].padding)
        staging = options.get("--temp-path") or (None if location.cloud else location.local)
        fd, staged = tempfile.mkstemp(suffix=".partial", dir=staging)
        os.close(fd)
        try:
            write_artifact(staged, result, graph, budget, name)
            location.put(staged, name)
        except OSError as exc:
            if os.path.exists(staged):
                os.remove(staged)
            raise Failed("[simulator] Aggregation of database '%s' failed: %s" % (last.database, exc))
        if not options.get("--keep-old-backup", False):
            for artifact in chain:
                location.remove(artifact)
        log("Finished aggregating backup chain of database '%s' into '%s', took %s."
            % (last.database, name, _took(started)), monitor="c.n.b.a.AggregateBackup")
    return EXIT_OK


# ----- database check -----------------------------------------------------------------------------------

def cmd_check(args):
    options, names = parse(args, CHECK_SPEC, CHECK_USAGE, positional_max=1)
    if options.get("--help"):
        print(CHECK_USAGE)
        return EXIT_OK
    check_additional_config(options)
    if not names:
        raise Usage("Missing required parameter: '<database>'\n" + CHECK_USAGE)
    if not options.get("--from-path"):
        raise NotModelled("database check of a database in the server's own data directory")
    database = names[0].lower()
    path = options["--from-path"]
    if path.endswith(".backup"):
        if not versions.at_least(admin_version(), CHECK_FILE_PATH):
            raise Failed("[simulator] --from-path must be a directory before 2025.09: %s" % path)
        folder, single = posixpath.split(path) if "://" in path else os.path.split(path)
        artifacts = [a for a in Location(folder).scan() if a.name == single]
    else:
        artifacts = backups.latest_chain(Location(path).scan(), database)
    if not artifacts:
        raise Failed("[simulator] No backup of database '%s' found in %s" % (database, path))
    if len(artifacts) > 1 or not artifacts[-1].full:
        raise Failed("Consistency check is not supported for differential backups. The backup chain must be "
                     "aggregated into a full backup artifact before running consistency check.")
    artifact = artifacts[-1]
    print("Running consistency check with max off-heap:618.6MiB")
    for phase in ("ID Generator consistency check", "Index structure consistency check", "Consistency check"):
        print(phase)
        print(".................... 100%")
    if artifact.consistent:
        return EXIT_OK
    report_dir = options.get("--report-path") or os.getcwd()
    if report_dir.endswith(".report"):
        report = report_dir
    else:
        os.makedirs(report_dir, exist_ok=True)
        report = os.path.join(report_dir, "inconsistencies-%s.report"
                              % datetime.now().strftime("%Y-%m-%d.%H.%M.%S"))
    with open(report, "w", encoding="utf-8") as handle:
        handle.write("ERROR: [simulator] The store of database '%s' in %s is inconsistent.\n" % (database, artifact.name))
    raise Failed("Inconsistencies found: 1. See '%s' for details." % report)


# ----- entry point ----------------------------------------------------------------------------------------

ROOT_USAGE = """Usage: neo4j-admin [-hV] [COMMAND]
Neo4j database administration tool.
Commands:
  dbms      DBMS administration tasks
  server    Server administration tasks
  database  Database administration tasks
  backup    Backup administration tasks
  help      Display help information about the specified command.
  version   Print version information and exit."""


def dispatch(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(ROOT_USAGE)
        return EXIT_OK if argv else EXIT_USAGE
    if argv[0] in ("--version", "-V", "version"):
        print(admin_version())
        return EXIT_OK
    category, command, rest = argv[0], (argv[1] if len(argv) > 1 else None), argv[2:]
    version = admin_version()
    if category == "database" and command == "backup":
        return cmd_backup(rest)
    if category == "database" and command == "aggregate-backup":
        if versions.at_least(version, BACKUP_AGGREGATE):
            print("WARNING: The command 'neo4j-admin database aggregate-backup' is deprecated; use "
                  "'neo4j-admin backup aggregate' instead. [simulator wording]", file=sys.stderr)
        return cmd_aggregate(rest, "database aggregate-backup")
    if category == "database" and command == "check":
        return cmd_check(rest)
    if category == "backup" and command == "inspect":
        return cmd_inspect(rest)
    if category == "backup" and command == "aggregate" and versions.at_least(version, BACKUP_AGGREGATE):
        return cmd_aggregate(rest, "backup aggregate")
    if category in ("database", "backup", "dbms", "server") and command in (
            "restore", "dump", "load", "import", "migrate", "info", "copy", "upload"):
        raise NotModelled("neo4j-admin %s %s" % (category, command))
    raise Usage("Unmatched argument at index 1: '%s'\n%s" % (argv[:2][-1], ROOT_USAGE))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        return dispatch(argv)
    except Usage as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except Failed as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    except NotModelled as exc:
        print("[simulator] not modelled: %s" % exc, file=sys.stderr)
        return EXIT_SOFTWARE
    except backups.ArtifactError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # an unhandled exception, as neo4j-admin's 70 says
        print("%s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        return EXIT_SOFTWARE


if __name__ == "__main__":
    sys.exit(main())

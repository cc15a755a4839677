# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""neo4j-admin for backups: find and run it, build its command lines, read what it printed and wrote.

The commands and options are Neo4j's (Operations Manual, backup-restore/online-backup.adoc, inspect.adoc,
aggregate.adoc, consistency-checker.adoc, branches 5.x and dev):

- ``neo4j-admin database backup [options] <database>...``: one artefact per database per run, named
  ``<database>-<YYYY-MM-DDTHH-MM-SS>.backup``; exit 0, or 1 when "one or several backups failed, or succeeded
  with problems" (such as a server in ``--from`` that did not answer).
- ``neo4j-admin backup inspect --show-metadata --empty <path>`` (5.25+): a table with the columns
  ``FILE | DATABASE | DATABASE ID | TIME (UTC) | FULL | COMPRESSED | LOWEST TX | HIGHEST TX``.
- ``neo4j-admin database aggregate-backup`` (5.26) / ``neo4j-admin backup aggregate`` (2025.01+).
- ``neo4j-admin database check --from-path=<dir> <database>``: full backups only.

Which databases were backed up is read from the artefacts, not from log wording (Neo4j does not publish the
wording of failures): a requested database with no new artefact failed, whatever the exit code said.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from datetime import datetime

from .backup_chains import Artifact, UTC

# Options of `database backup` added after 5.26, with the release that added them (online-backup.adoc, dev).
LATER_BACKUP_OPTIONS = {
    "prefer_diff_as_parent": ("--prefer-diff-as-parent", (2025, 4)),
    "remote_address_resolution": ("--remote-address-resolution", (2025, 9)),
    "parallel_download": ("--parallel-download", (2025, 11)),
    "skip_recovery": ("--skip-recovery", (2025, 11)),
}
BACKUP_AGGREGATE = (2025, 1)  # `backup aggregate`; `database aggregate-backup` deprecated
CHECK_TAKES_FILES = (2025, 9)  # `database check --from-path` accepts a single artefact
CLOUD_SCHEMES = ("s3", "gs", "azb")
TAIL_LINES = 25
ARTIFACT_NAME = re.compile(r"^(?P<database>.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.backup$")
LOG_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})[+-]\d{4} ")


class BackupError(Exception):
    """A failure with a message for the person running the playbook; ``result`` is the partial result."""

    def __init__(self, msg, result=None):
        super(BackupError, self).__init__(msg)
        self.msg = msg
        self.result = result or {}


# ----- locating and running neo4j-admin -------------------------------------------------------------------

def find_neo4j_admin(path=None):
    """The neo4j-admin to run: ``path`` (the neo4j_admin option) or the one on PATH."""
    if path:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise BackupError("neo4j_admin: %s is not an executable file." % path)
        return path
    found = shutil.which("neo4j-admin") or next(
        (candidate for candidate in ("/usr/bin/neo4j-admin", "/var/lib/neo4j/bin/neo4j-admin")
         if os.access(candidate, os.X_OK)), None)
    if not found:
        raise BackupError("neo4j_admin: neo4j-admin was not found on PATH (nor in /usr/bin or /var/lib/neo4j/bin); "
                          "run the task where Neo4j is installed, or set neo4j_admin to its path.")
    return found


def run(argv, timeout, env=None):
    """Run ``argv`` in its own process group; returns (rc, stdout, stderr, seconds).  On timeout the whole group is
    killed and :class:`BackupError` raised."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True, universal_newlines=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        stdout, stderr = proc.communicate()
        raise BackupError("timeout: %s did not finish within %s seconds and was stopped. Output:\n%s"
                          % (" ".join(argv[:3]), timeout, tail(stdout + stderr)),
                          dict(rc=None, command=argv, output=tail_lines(stdout + stderr)))
    return proc.returncode, stdout, stderr, time.monotonic() - started


def version_of(neo4j_admin, timeout, env=None):
    """(text, tuple) of ``neo4j-admin --version``, which prints the bare version (``5.26.0``, ``2025.10.1``)."""
    rc, stdout, stderr, _took = run([neo4j_admin, "--version"], timeout, env)
    match = re.search(r"\b(\d+)\.(\d+)(?:\.(\d+))?", stdout or "")
    if rc != 0 or not match:
        raise BackupError("neo4j_admin: `%s --version` did not print a version (exit code %s): %s"
                          % (neo4j_admin, rc, (stdout + stderr).strip()[-500:]))
    return match.group(0), tuple(int(p) for p in match.groups() if p is not None)


def tail_lines(text, count=TAIL_LINES):
    return [line for line in (text or "").splitlines() if line.strip()][-count:]


def tail(text, count=TAIL_LINES):
    return "\n".join(tail_lines(text, count))


# ----- command lines ----------------------------------------------------------------------------------------

def is_cloud(path):
    return bool(re.match(r"^(%s)://" % "|".join(CLOUD_SCHEMES), path or ""))


def _flag(name, value):
    return "%s=%s" % (name, "true" if value else "false")


def check_local_files(params):
    """Refuse a neo4j_admin that is not an executable file and an additional_config that is not a readable file
    before anything runs (neo4j-admin would only fail later, and an S3-only run would never use them)."""
    if params.get("neo4j_admin"):
        find_neo4j_admin(params["neo4j_admin"])
    path = params.get("additional_config")
    if not path:
        return
    if not (os.path.isfile(path) and os.access(path, os.R_OK)):
        raise BackupError("additional_config: %s is not a readable file." % path)
    with open(path, "rb") as handle:
        head = handle.read(65536)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a character cut at 64 KiB is fine
        text = b"\0" not in head
    except UnicodeDecodeError:
        text = False
    if not text:
        raise BackupError("additional_config: %s is not a text file of settings (neo4j-admin.conf format)." % path)


def common_options(params):
    argv = []
    if params.get("additional_config"):
        argv.append("--additional-config=%s" % params["additional_config"])
    if params.get("expand_commands"):
        argv.append("--expand-commands")
    if params.get("verbose"):
        argv.append("--verbose")
    return argv


def backup_argv(neo4j_admin, params, version):
    """``neo4j-admin database backup`` for the module's params; ``--opt=value`` forms only (a multi-value option
    followed by a positional parameter is greedy in picocli, tools/neo4j-admin/index.adoc "Limitations")."""
    argv = [neo4j_admin, "database", "backup"] + common_options(params)
    if params.get("from"):
        argv.append("--from=%s" % ",".join(params["from"]))
    argv.append("--to-path=%s" % params["to_path"])
    argv.append("--type=%s" % params.get("type", "AUTO"))
    argv.append(_flag("--compress", params.get("compress", True)))
    if params.get("keep_failed"):
        argv.append(_flag("--keep-failed", True))
    if params.get("parallel_recovery"):
        argv.append(_flag("--parallel-recovery", True))
    if params.get("pagecache"):
        argv.append("--pagecache=%s" % params["pagecache"])
    if params.get("temp_path"):
        argv.append("--temp-path=%s" % params["temp_path"])
    if params.get("include_metadata"):
        argv.append("--include-metadata=%s" % params["include_metadata"])
    for option, (flag, release) in sorted(LATER_BACKUP_OPTIONS.items()):
        if params.get(option) is not None:
            if version < release:
                raise BackupError("%s: %s needs neo4j-admin %d.%02d or later; this one is %s."
                                  % (option, flag, release[0], release[1], ".".join(str(p) for p in version)))
            argv.append(_flag(flag, params[option]))
    return argv + list(params["database"])


def inspect_argv(neo4j_admin, params, path, database=None):
    argv = [neo4j_admin, "backup", "inspect"] + common_options(params) + ["--show-metadata", "--empty"]
    if database:
        argv.append("--database=%s" % database)
    return argv + [path]


def aggregate_argv(neo4j_admin, params, version, from_path, database=None):
    command = ["backup", "aggregate"] if version >= BACKUP_AGGREGATE else ["database", "aggregate-backup"]
    argv = [neo4j_admin] + command + common_options(params) + ["--from-path=%s" % from_path]
    argv.append(_flag("--keep-old-backup", params.get("keep_old_backup", False)))
    if params.get("parallel_recovery"):
        argv.append(_flag("--parallel-recovery", True))
    if params.get("temp_path"):
        argv.append("--temp-path=%s" % params["temp_path"])
    return argv + ([database] if database else [])


def check_argv(neo4j_admin, params, from_path, database, report_path):
    argv = [neo4j_admin, "database", "check"] + common_options(params)
    argv += ["--from-path=%s" % from_path, "--report-path=%s" % report_path]
    if params.get("temp_path"):
        argv.append("--temp-path=%s" % params["temp_path"])
    return argv + [database]


def environment(params):
    """The environment neo4j-admin runs with: ours, plus HEAP_SIZE (online-backup.adoc, "Memory configuration")."""
    env = dict(os.environ)
    if params.get("heap_size"):
        env["HEAP_SIZE"] = params["heap_size"]
    return env


# ----- backup inspect -------------------------------------------------------------------------------------

INSPECT_COLUMNS = ("FILE", "DATABASE", "DATABASE ID", "TIME (UTC)", "FULL", "COMPRESSED", "LOWEST TX", "HIGHEST TX")


def parse_inspect(text, source="local"):
    """The rows of ``backup inspect --show-metadata`` as :class:`Artifact` objects (the table of inspect.adoc)."""
    found = []
    header = None
    for line in (text or "").splitlines():
        line = line.strip()
        if not (line.startswith("|") and line.endswith("|")):
            continue
        cells = [cell.strip() for cell in line[1:-1].split("|")]
        if header is None:
            if tuple(cells[:len(INSPECT_COLUMNS)]) != INSPECT_COLUMNS:
                raise BackupError("backup inspect printed an unexpected header: %s" % line)
            header = cells
            continue
        row = dict(zip(header, cells))
        location = row["FILE"]
        if location.startswith("file://"):
            location = location[len("file://"):]
        try:
            found.append(Artifact(
                name=location.rstrip("/").rsplit("/", 1)[-1], location=location, source=source,
                database=row["DATABASE"], database_id=row["DATABASE ID"],
                time=datetime.strptime(row["TIME (UTC)"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC),
                full=row["FULL"].lower() == "true", compressed=row["COMPRESSED"].lower() == "true",
                lowest_tx=int(row["LOWEST TX"]), highest_tx=int(row["HIGHEST TX"])))
        except (KeyError, ValueError) as exc:
            raise BackupError("backup inspect printed a row that could not be read (%s): %s" % (exc, line))
    return found


def inspect(neo4j_admin, params, path, timeout, env=None, database=None):
    """Every artefact in ``path`` (a folder or an s3://... prefix), with sizes for local files."""
    argv = inspect_argv(neo4j_admin, params, path, database)
    rc, stdout, stderr, _took = run(argv, timeout, env)
    if rc != 0:
        raise BackupError("neo4j-admin backup inspect %s failed (exit code %d):\n%s" % (path, rc, tail(stdout + stderr)),
                          dict(rc=rc, command=argv, output=tail_lines(stdout + stderr)))
    found = parse_inspect(stdout, "s3" if is_cloud(path) else "local")
    for artifact in found:
        if artifact.source == "local" and os.path.isfile(artifact.location):
            artifact.size = os.path.getsize(artifact.location)
    return found


# ----- what a backup run did ---------------------------------------------------------------------------------

def local_artifact_names(folder):
    """Names of the ``*.backup`` files in a local folder (empty when it does not exist)."""
    if not os.path.isdir(folder):
        return set()
    return set(name for name in os.listdir(folder) if name.endswith(".backup"))


def database_lines(output, database):
    """The output lines that name ``database`` ('name', or DatabaseId{...[name]})."""
    quoted = "'%s'" % database
    bracketed = "[%s]" % database
    return [line for line in (output or "").splitlines() if quoted in line or bracketed in line]


def seconds_between(lines):
    """Seconds from the first to the last of these log lines, by their time stamps (None without two stamps)."""
    stamps = []
    for line in lines:
        match = LOG_STAMP.match(line)
        if match:
            stamps.append(datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S.%f"))
    if len(stamps) < 2:
        return None
    return round((stamps[-1] - stamps[0]).total_seconds(), 3)


def outcome(requested, new_artifacts, output, rc, seconds):
    """Per database: what the run produced.  ``requested`` are the names given (patterns included);
    ``new_artifacts`` the artefacts that appeared.  A named database without a new artefact failed."""
    by_database = {}
    for artifact in new_artifacts:
        by_database.setdefault(artifact.database, []).append(artifact)
    databases = {}
    patterns = [name for name in requested if any(ch in name for ch in "*?[")]
    names = [name.lower() for name in requested if name not in patterns]
    for name in sorted(set(names) | set(by_database)):
        made = sorted(by_database.get(name, []), key=lambda a: a.time)
        lines = database_lines(output, name)
        if made:
            artifact = made[-1]
            entry = dict(status="backed_up", artifact=artifact.location, name=artifact.name, type=artifact.type,
                         empty=artifact.empty, size=artifact.size, database_id=artifact.database_id,
                         time=artifact.iso_time, lowest_tx=artifact.lowest_tx, highest_tx=artifact.highest_tx,
                         duration=seconds_between(lines) if len(requested) > 1 or patterns else round(seconds, 3))
        else:
            entry = dict(status="failed", artifact=None, output=(lines or tail_lines(output))[-TAIL_LINES:],
                         duration=seconds_between(lines))
        databases[name] = entry
    if patterns and not by_database and rc != 0:
        databases.update(dict((p, dict(status="failed", artifact=None, output=tail_lines(output))) for p in patterns))
    return databases


def check_consistency(neo4j_admin, params, artifact, version, timeout, env=None):
    """``neo4j-admin database check`` on one local full artefact: (status, report path or None, output lines).

    Neo4j checks full backups only ("consistency check is not supported for differential backups"); before
    2025.09 ``--from-path`` takes a directory, so the artefact is linked alone into a temporary one."""
    if not artifact.full:
        return "skipped", None, ["differential backup: Neo4j checks full backups only (aggregate the chain first)"]
    staging = tempfile.mkdtemp(prefix="neo4j-check-", dir=params.get("temp_path") or None)
    try:
        if version >= CHECK_TAKES_FILES:
            from_path = artifact.location
        else:
            from_path = os.path.join(staging, "backup")
            os.mkdir(from_path)
            linked = os.path.join(from_path, artifact.name)
            try:
                os.link(artifact.location, linked)
            except OSError:
                shutil.copy2(artifact.location, linked)
        reports = params.get("report_path") or os.path.join(staging, "reports")
        if not os.path.isdir(reports):
            os.makedirs(reports)
        before = set(os.listdir(reports))
        argv = check_argv(neo4j_admin, params, from_path, artifact.database, reports)
        rc, stdout, stderr, _took = run(argv, timeout, env)
        if rc == 0:
            return "passed", None, []
        written = sorted(set(os.listdir(reports)) - before)
        report = os.path.join(reports, written[-1]) if written else None
        if report and not params.get("report_path"):
            kept = os.path.join(os.path.dirname(artifact.location), written[-1])
            shutil.copy2(report, kept)  # the temporary folder goes; the report stays next to the artefact
            report = kept
        return "failed", report, tail_lines(stdout + stderr)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

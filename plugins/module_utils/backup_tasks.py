# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the neo4j_backup module does in each state: back up, ship to S3, prune, inspect, aggregate.

``ensure(params, check_mode)`` returns the module result or raises :class:`backup.BackupError` /
:class:`backup_s3.S3Error` (both with a message naming the option or the database that failed).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import os
import re

from . import backup, backup_chains, backup_s3, progress
from .backup import BackupError
from .backup_s3 import Bucket

STATES = ("present", "shipped", "pruned", "inspected", "aggregated", "absent")
TYPES = ("FULL", "DIFF", "AUTO")
INCLUDE_METADATA = ("all", "none", "users", "roles")
_PATTERN_OR_NAME = re.compile(r"^[A-Za-z0-9.*?\-]+$")
_ADDRESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")


def _fail(msg):
    raise BackupError(msg)


def is_pattern(name):
    return any(ch in name for ch in "*?")


def validate(params):
    """Refuse contradictory or malformed options before anything runs."""
    from .connection import check_timeouts
    from .cypher import InvalidName, validate_database_name
    state = params.get("state") or "present"
    check_timeouts(params, ("timeout",))
    backup.check_local_files(params)
    wrong_interval = progress.check_interval(params.get("progress_interval"))
    if wrong_interval:
        _fail(wrong_interval)
    for name in params.get("database") or []:
        if not isinstance(name, str) or not _PATTERN_OR_NAME.match(name):
            _fail("database: %r is neither a database name nor a pattern of letters, digits, '.', '-', '*' and '?'."
                  % (name,))
        if not is_pattern(name):
            try:
                validate_database_name(name, "database")
            except InvalidName as exc:
                _fail(str(exc))
    for address in params.get("from") or []:
        match = _ADDRESS.match(address or "")
        if not match or not 0 < int(match.group(2)) < 65536:
            _fail("from: %r is not a host:port address such as db3.example.com:6362." % (address,))
    to_path = params.get("to_path")
    cloud = backup.is_cloud(to_path)
    if to_path and not cloud and "://" in to_path:
        _fail("to_path: %s is neither a local path nor an s3://, gs:// or azb:// URI." % to_path)
    if state in ("present", "shipped", "inspected", "aggregated") and not to_path:
        _fail("to_path is required with state=%s." % state)
    if state == "pruned" and not (to_path or params.get("s3")):
        _fail("state=pruned needs to_path (a local folder) or s3 to prune.")
    if state == "absent":
        if not params.get("artifact"):
            _fail("state=absent needs artifact, the file name of the artefact to delete.")
        if not params["artifact"].endswith(".backup"):
            _fail("artifact: %s is not a backup artefact name (<database>-<time>.backup)." % params["artifact"])
        if not (to_path or params.get("s3")):
            _fail("state=absent needs to_path (a local folder), s3, or both: where to delete %s." % params["artifact"])
        if cloud:
            _fail("state=absent deletes from a local to_path and the s3 bucket; for %s (written by neo4j-admin "
                  "directly) give it as s3 (bucket and prefix)." % to_path)
    if params.get("s3"):
        if cloud:
            _fail("s3 ships backups neo4j-admin wrote locally; to_path %s is already in cloud storage (neo4j-admin "
                  "writes there itself). Drop s3, or give a local to_path." % to_path)
        try:
            backup_s3.check_transfer_options(params["s3"])
        except backup_s3.S3Error as exc:
            _fail(exc.msg)
    elif state == "shipped":
        _fail("state=shipped needs s3 (where to ship the local backups).")
    if state == "shipped" and cloud:
        _fail("state=shipped ships a local to_path; %s is in cloud storage already." % to_path)
    retention = params.get("retention")
    if retention is not None:
        if not retention.get("keep_full") and not retention.get("keep_days"):
            _fail("retention needs keep_full, keep_days or both.")
        if retention.get("keep_full") is not None and retention["keep_full"] < 1:
            _fail("retention.keep_full must be at least 1 (got %s)." % retention["keep_full"])
        if retention.get("keep_days") is not None and not retention["keep_days"] > 0:
            _fail("retention.keep_days must be greater than 0 (got %s)." % retention["keep_days"])
        if cloud:
            _fail("retention prunes a local to_path and the s3 bucket; for backups neo4j-admin writes to %s directly, "
                  "use the storage's own lifecycle rules." % to_path)
    elif state == "pruned":
        _fail("state=pruned needs retention (keep_full and/or keep_days).")
    if params.get("consistency_check") and cloud:
        _fail("consistency_check runs on local artefacts; to_path %s is in cloud storage." % to_path)
    if params.get("artifact") and state not in ("aggregated", "absent"):
        _fail("artifact only applies to state=aggregated and state=absent.")
    if params.get("artifact") and "/" in params["artifact"]:
        _fail("artifact: give the file name of an artefact in to_path (got %s)." % params["artifact"])
    if state == "aggregated" and params.get("artifact") and params.get("database"):
        _fail("state=aggregated takes artifact or database, not both (the artefact names its database).")


def in_scope(params, database, default_all=True):
    """Whether ``database`` is one of the ``database`` option's names or patterns."""
    wanted = params.get("database")
    if not wanted:
        return default_all
    return any(fnmatch.fnmatchcase(database, name.lower()) for name in wanted)


def ensure(params, check_mode=False, diff=False, reporter=None):
    """The module result; with ``diff``, also ``diff``: the artefact names per location before and after.

    ``reporter`` (a ``progress.Reporter``) hears of the long parts: neo4j-admin's backup, consistency checks,
    uploads (bytes sent of the artefact's size)."""
    validate(params)
    state = params.get("state") or "present"
    handler = {"present": take, "shipped": shipped, "pruned": pruned, "inspected": inspected,
               "aggregated": aggregated, "absent": absent}[state]
    if reporter is not None and not check_mode:
        params = dict(params, _reporter=reporter)
    if not diff or state == "inspected":
        return handler(params, check_mode)
    before = snapshot(params)
    try:
        result = handler(params, check_mode)
    except BackupError as exc:
        exc.result = dict(exc.result, diff=dict(before=before, after=snapshot(params)))
        raise
    result["diff"] = dict(before=before, after=predicted(before, result) if check_mode else snapshot(params))
    return result


def snapshot(params):
    """{location: sorted artefact names}: the local ``to_path`` and the ``s3`` prefix."""
    found = {}
    to_path = params.get("to_path")
    if to_path and not backup.is_cloud(to_path):
        found["local"] = sorted(backup.local_artifact_names(to_path))
    if params.get("s3"):
        found["s3"] = Bucket(params["s3"]).artifact_names()
    return found


def predicted(before, result):
    """What check mode expects after the run: uploads added, pruned artefacts gone (a new backup's name is only
    known once it is taken)."""
    after = dict((where, set(names)) for where, names in before.items())
    for upload in result.get("uploads") or []:
        if upload["changed"] and "s3" in after:
            after["s3"].add(upload["artifact"])
    for where, gone in list((result.get("pruned") or {}).items()) + list((result.get("removed") or {}).items()):
        if where in after:
            after[where] -= set(location.rstrip("/").rsplit("/", 1)[-1] for location in gone)
    return dict((where, sorted(names)) for where, names in after.items())


class Context(object):
    """neo4j-admin, its environment and version; the S3 bucket when shipping."""

    def __init__(self, params, need_admin=True):
        self.params = params
        self.timeout = float(params.get("timeout") or 3600)
        self.env = backup.environment(params)
        self.admin = backup.find_neo4j_admin(params.get("neo4j_admin")) if need_admin else None
        self.version_text, self.version = (backup.version_of(self.admin, min(self.timeout, 120), self.env)
                                           if need_admin else (None, None))
        self.bucket = Bucket(params["s3"]) if params.get("s3") else None
        self.reporter = params.get("_reporter") or progress.NoReporter()
        if self.bucket is not None:
            self.bucket.reporter = self.reporter

    def inspect(self, path, database=None):
        return backup.inspect(self.admin, self.params, path, self.timeout, self.env, database)

    def base_result(self):
        result = dict(changed=False, to_path=self.params.get("to_path"))
        if self.version_text:
            result["neo4j_admin_version"] = self.version_text
        return result


# ----- state: present ---------------------------------------------------------------------------------------

def take(params, check_mode):
    """Run neo4j-admin database backup, then check, ship and prune as asked."""
    params = dict(params, database=params.get("database") or ["neo4j"])
    ctx = Context(params)
    to_path = params["to_path"]
    local = not backup.is_cloud(to_path)
    if ctx.bucket is not None:
        ctx.bucket.check()  # a wrong bucket or refused credentials fail before the backup runs
    argv = backup.backup_argv(ctx.admin, params, ctx.version)
    result = ctx.base_result()
    result.update(changed=True, command=argv, databases={}, uploads=[])
    if local and not os.path.isdir(to_path):
        result["created_to_path"] = True
        if not check_mode:
            os.makedirs(to_path, 0o750)
    if check_mode:
        # What shipping and retention would do now, with the artefacts already there.
        listing = ctx.inspect(to_path) if not local or os.path.isdir(to_path) else []
        wanted = set(a.database for a in listing if in_scope(params, a.database))
        if ctx.bucket is not None:
            result["uploads"] = _ship(ctx, listing, wanted, True)
        if params.get("retention"):
            result["pruned"], result["kept"] = _prune(ctx, listing, True, lambda name: name in wanted)
        return result
    before = backup.local_artifact_names(to_path) if local else set(a.name for a in ctx.inspect(to_path))
    ctx.reporter.phase("neo4j-admin database backup of %s" % ", ".join(params["database"]), unit=None)
    rc, stdout, stderr, took = backup.run(argv, ctx.timeout, ctx.env)
    output = stdout + stderr
    listing = ctx.inspect(to_path)
    new = [a for a in listing if a.name not in before]
    databases = backup.outcome(params["database"], new, output, rc, took)
    result.update(rc=rc, duration=round(took, 3), databases=databases)
    failed = sorted(name for name, entry in databases.items() if entry["status"] == "failed")
    done = sorted(name for name, entry in databases.items() if entry["status"] == "backed_up")
    if rc != 0 or failed or not databases:
        result["output"] = backup.tail_lines(output)
        # Changed only if something is left: an artefact (a partial one under keep_failed too) or the created folder.
        result["changed"] = bool(new) or bool(result.get("created_to_path"))
        raise BackupError(_failure_message(rc, failed, done, databases, result["output"], ctx.bucket), result)
    if params.get("consistency_check"):
        _check(ctx, new, databases, result)
    if ctx.bucket is not None:
        result["uploads"] = _ship(ctx, listing, set(done), check_mode)
    if params.get("retention"):
        result["pruned"], result["kept"] = _prune(ctx, listing, check_mode, lambda name: name in set(done))
    return result


def _failure_message(rc, failed, done, databases, output, bucket):
    nothing = " Nothing was uploaded." if bucket is not None else ""
    if failed:
        parts = ["%s failed%s" % (name, (": " + databases[name]["output"][-1]) if databases[name].get("output") else "")
                 for name in failed]
        also = (" Backed up: %s." % ", ".join(done)) if done else ""
        return ("neo4j-admin database backup exited with code %s: %s.%s%s"
                % (rc, "; ".join(parts), also, nothing))
    if not databases:
        return ("neo4j-admin database backup exited with code %s and wrote no artefact (no database matched?).%s "
                "Last output: %s" % (rc, nothing, " | ".join(output[-5:])))
    return ("neo4j-admin database backup exited with code %s although every database was backed up (%s): it "
            "succeeded with problems, such as a server in `from` that did not answer; see output.%s"
            % (rc, ", ".join(done), nothing))


def _check(ctx, new, databases, result):
    failed = []
    for artifact in new:
        ctx.reporter.phase("consistency check of %s" % artifact.name, unit=None)
        status, report, lines = backup.check_consistency(ctx.admin, ctx.params, artifact, ctx.version, ctx.timeout,
                                                         ctx.env)
        entry = databases[artifact.database]
        entry["consistency_check"] = status
        if report:
            entry["consistency_report"] = report
        if status == "failed":
            entry["output"] = lines
            failed.append(artifact.database)
    if failed:
        raise BackupError("The consistency check of the new backup of %s found inconsistencies (see "
                          "consistency_report); nothing was uploaded or pruned." % ", ".join(sorted(failed)), result)


def _ship(ctx, listing, databases, check_mode):
    """Upload every local artefact of ``databases`` that S3 lacks, oldest first (a chain's parents before it)."""
    uploads = []
    for artifact in sorted(listing, key=lambda a: (a.time, a.name)):
        if artifact.database in databases:
            uploads.append(ctx.bucket.ship(artifact.location, artifact, check_mode))
    return uploads


def _prune(ctx, listing, check_mode, wanted):
    """Apply the retention rule to the local folder and to the bucket; returns (pruned, kept) by location."""
    rule = ctx.params["retention"]
    deleted, kept = dict(local=[], s3=[]), dict(local=[], s3=[])
    locations = []
    if ctx.params.get("to_path") and listing is not None:
        locations.append(("local", [a for a in listing if wanted(a.database)]))
    if ctx.bucket is not None:
        found, _unknown = ctx.bucket.list_artifacts()  # objects without our metadata are never deleted
        locations.append(("s3", [a for a in found if wanted(a.database)]))
    for where, artifacts in locations:
        plan = backup_chains.plan_retention(artifacts, rule.get("keep_full"), rule.get("keep_days"))
        kept[where] = [a.location for a in plan.keep]
        deleted[where] = [a.location for a in plan.delete]
        if check_mode or not plan.delete:
            continue
        if where == "local":
            for artifact in plan.delete:
                os.remove(artifact.location)
        else:
            ctx.bucket.delete([ctx.bucket.key(a.name) for a in plan.delete])
    return deleted, kept


# ----- state: shipped, pruned ---------------------------------------------------------------------------------

def shipped(params, check_mode):
    ctx = Context(params)
    ctx.bucket.check()
    listing = ctx.inspect(params["to_path"]) if os.path.isdir(params["to_path"]) else []
    wanted = set(a.database for a in listing if in_scope(params, a.database))
    result = ctx.base_result()
    result["uploads"] = _ship(ctx, listing, wanted, check_mode)
    result["changed"] = any(u["changed"] for u in result["uploads"])
    return result


def pruned(params, check_mode):
    to_path = params.get("to_path")
    ctx = Context(params, need_admin=bool(to_path))
    if ctx.bucket is not None:
        ctx.bucket.check()
    listing = ctx.inspect(to_path) if to_path and os.path.isdir(to_path) else ([] if to_path else None)
    result = ctx.base_result()
    result["pruned"], result["kept"] = _prune(ctx, listing, check_mode, lambda name: in_scope(params, name))
    result["changed"] = bool(result["pruned"]["local"] or result["pruned"]["s3"])
    return result


def absent(params, check_mode):
    """Delete one artefact by name from the local folder and the bucket (a staged copy that served its purpose).
    Only that file or object goes: a chain it belongs to is the caller's business, as the name says exactly what."""
    name = params["artifact"]
    to_path = params.get("to_path")
    bucket = Bucket(params["s3"]) if params.get("s3") else None
    removed = dict(local=[], s3=[])
    if to_path:
        path = os.path.join(to_path, name)
        if os.path.isfile(path):
            removed["local"].append(path)
            if not check_mode:
                os.remove(path)
    if bucket is not None:
        bucket.check()
        if name in bucket.artifact_names():
            removed["s3"].append(bucket.uri(bucket.key(name)))
            if not check_mode:
                bucket.delete([bucket.key(name)])
    return dict(changed=bool(removed["local"] or removed["s3"]), to_path=to_path, removed=removed)


# ----- state: inspected, aggregated -----------------------------------------------------------------------------

def inspected(params, check_mode):
    ctx = Context(params)
    listing = [a for a in ctx.inspect(params["to_path"]) if in_scope(params, a.database)]
    result = ctx.base_result()
    result["backups"] = [a.as_dict() for a in backup_chains.newest_first(listing)]
    return result


def aggregated(params, check_mode):
    ctx = Context(params)
    to_path = params["to_path"]
    listing = ctx.inspect(to_path)
    result = ctx.base_result()
    result.update(aggregated={}, commands=[])
    jobs = []  # (database, chain, from_path, database argument)
    if params.get("artifact"):
        target = next((a for a in listing if a.name == params["artifact"]), None)
        if target is None:
            _fail("artifact: %s is not a backup artefact in %s." % (params["artifact"], to_path))
        chains = backup_chains.build_chains([a for a in listing if a.database == target.database])
        chain = backup_chains.chain_of(chains, target).up_to(target)
        jobs.append((target.database, chain, target.location, None))
    else:
        for database, own in sorted(backup_chains.by_database(listing).items()):
            if not in_scope(params, database):
                continue
            newest = backup_chains.newest_first(own)[0]
            chain = backup_chains.chain_of(backup_chains.build_chains(own), newest).up_to(newest)
            jobs.append((database, chain, to_path, database))
    for database, chain, from_path, argument in jobs:
        if not chain[0].full:
            _fail("database %s: the chain ending at %s has no full backup in %s; it cannot be aggregated."
                  % (database, chain[-1].name, to_path))
        entry = dict(chain=[a.name for a in chain])
        result["aggregated"][database] = entry
        if len(chain) == 1:
            entry["result"] = chain[0].name  # a single full backup: nothing to aggregate
            continue
        argv = backup.aggregate_argv(ctx.admin, params, ctx.version, from_path, argument)
        result["commands"].append(argv)
        result["changed"] = True
        if check_mode:
            continue
        rc, stdout, stderr, _took = backup.run(argv, ctx.timeout, ctx.env)
        if rc != 0:
            result["output"] = backup.tail_lines(stdout + stderr)
            raise BackupError("Aggregating the backup chain of %s failed (exit code %d): %s"
                              % (database, rc, " | ".join(result["output"][-3:])), result)
        before = set(a.name for a in listing)
        listing = ctx.inspect(to_path)
        made = [a for a in listing if a.name not in before and a.database == database]
        entry["result"] = made[-1].name if made else None
    return result

"""The state a refused input must leave alone, as plain data, for the reliability suites (bad input, security).

``cluster_state()`` reads the whole simulator state (servers, databases with their allocations per member, status
and graph data, aliases and targets, users, roles, privileges); ``s3_state()`` and ``cloudwatch_state()`` moto's S3
objects and CloudWatch alarms and metrics; ``files_state()`` every file and folder under the given roots (the config
dirs, build contexts and schedules the roles write), with a digest of each file's content and its mode.
``snapshot()`` is all of them; ``differences()`` lists what changed between two snapshots.
"""

import dataclasses
import hashlib
import json
import os


def cluster_state(cluster):
    """Servers, databases (allocations per member, status, data), aliases, users, roles and privileges."""
    model = cluster.model
    with model.lock:
        return {
            "servers": {name: repr(dataclasses.asdict(server)) for name, server in model.servers.items()},
            "databases": {name: repr(dataclasses.asdict(db)) for name, db in model.databases.items()},
            "aliases": {name: repr(dataclasses.asdict(alias)) for name, alias in model.aliases.items()},
            "users": {name: repr(dataclasses.asdict(user)) for name, user in model.users.items()},
            "roles": {name: repr(sorted(members)) for name, members in model.roles.items()},
            "privileges": {"all": repr(sorted(map(repr, model.privileges)))},
        }


def s3_state(moto_s3):
    s3 = moto_s3.client()
    return {"s3_objects": {bucket["Name"]: repr(sorted(moto_s3.keys(bucket["Name"])))
                           for bucket in s3.list_buckets()["Buckets"]}}


def cloudwatch_state(moto_cloudwatch):
    cloudwatch = moto_cloudwatch.client(service="cloudwatch")
    return {"cloudwatch": {
        "alarms": repr(sorted(a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"])),
        "metrics": repr(sorted(json.dumps(m, sort_keys=True) for m in cloudwatch.list_metrics()["Metrics"]))}}


def _files(root):
    """Relative path -> 'dir <mode>', 'link <target>' or '<sha256> <mode>' for everything under ``root``."""
    found = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = "dir %o" % os.stat(path).st_mode
        for name in names:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                found[os.path.relpath(path, root)] = "link " + os.readlink(path)
                continue
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            found[os.path.relpath(path, root)] = "%s %o" % (digest, os.stat(path).st_mode)
    return found


def files_state(roots):
    files = {}
    for root in roots:
        files.update({os.path.join(str(root), path): value for path, value in _files(root).items()})
    return {"files": files}


def snapshot(cluster, moto_s3, moto_cloudwatch, roots=()):
    """Everything a module or role could change, as plain data: kind -> key -> text."""
    return dict(cluster_state(cluster), **s3_state(moto_s3), **cloudwatch_state(moto_cloudwatch), **files_state(roots))


def differences(before, after):
    """``kind key`` for every entry that differs between two snapshots (or exists in one only)."""
    return ["%s %s" % (kind, key) for kind in sorted(set(before) | set(after))
            for key in sorted(set(before.get(kind, {})) | set(after.get(kind, {})))
            if before.get(kind, {}).get(key) != after.get(kind, {}).get(key)]

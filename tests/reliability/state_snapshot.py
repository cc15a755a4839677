"""The state a bad input must leave alone, as plain data, for the bad-input suites (modules and roles).

``snapshot()`` reads the whole simulator state (servers, databases with their allocations per member, status and
graph data, aliases and targets, users, roles, privileges), the S3 objects and CloudWatch alarms and metrics (moto)
and, for the roles, every file and folder under the given roots (the config dirs, build contexts and schedules the
roles write), with a digest of each file's content and its mode.  ``differences()`` lists what changed.
"""

import dataclasses
import hashlib
import json
import os


def _files(root):
    """Relative path -> 'dir <mode>' or '<sha256> <mode>' for everything under ``root``."""
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


def snapshot(cluster, moto_s3, moto_cloudwatch, roots=()):
    """Everything a module or role could change, as plain data: kind -> key -> text."""
    model = cluster.model
    with model.lock:
        state = {
            "servers": {name: repr(dataclasses.asdict(server)) for name, server in model.servers.items()},
            "databases": {name: repr(dataclasses.asdict(db)) for name, db in model.databases.items()},
            "aliases": {name: repr(dataclasses.asdict(alias)) for name, alias in model.aliases.items()},
            "users": {name: repr(dataclasses.asdict(user)) for name, user in model.users.items()},
            "roles": {name: repr(sorted(members)) for name, members in model.roles.items()},
            "privileges": {"all": repr(sorted(map(repr, model.privileges)))},
        }
    s3 = moto_s3.client()
    state["s3_objects"] = {bucket["Name"]: repr(sorted(moto_s3.keys(bucket["Name"])))
                           for bucket in s3.list_buckets()["Buckets"]}
    cloudwatch = moto_cloudwatch.client(service="cloudwatch")
    state["cloudwatch"] = {"alarms": repr(sorted(a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"])),
                           "metrics": repr(sorted(json.dumps(m, sort_keys=True) for m in cloudwatch.list_metrics()["Metrics"]))}
    state["files"] = {}
    for root in roots:
        state["files"].update({os.path.join(str(root), path): value for path, value in _files(root).items()})
    return state


def differences(before, after):
    """'<kind> <key>' for every key whose value differs (or exists on one side only)."""
    return ["%s %s" % (kind, key) for kind in before for key in sorted(set(before[kind]) | set(after[kind]))
            if before[kind].get(key) != after[kind].get(key)]

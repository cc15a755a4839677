"""The whole state of a simulated cluster (and of moto's S3 and CloudWatch) as plain data, to prove that a batch
of refused inputs changed nothing: snapshot before, snapshot after, compare."""

import dataclasses
import json


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


def differences(before, after):
    """``kind key`` for every entry that differs between two snapshots."""
    return ["%s %s" % (kind, key) for kind in sorted(set(before) | set(after))
            for key in sorted(set(before.get(kind, {})) | set(after.get(kind, {})))
            if before.get(kind, {}).get(key) != after.get(kind, {}).get(key)]

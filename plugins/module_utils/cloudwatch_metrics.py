# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The members' JVM heap use, as neo4j_info reads it, published as CloudWatch metrics.

neo4j_info's ``memory`` is ``{server name: {heap: {used, max, ...}, heap_used_percent, reachable, error}}``, read
per member from ``dbms.queryJmx('java.lang:type=Memory')``.  Each member that answered becomes two datapoints
(``HeapUsedPercent`` in ``Percent``, ``HeapUsedBytes`` in ``Bytes``) with the dimensions ``ClusterName`` and
``ServerName``; a member that did not answer is reported in ``not_published`` and sends nothing, so an alarm sees missing
data for it rather than a made-up value.

Page-cache use (neo4j_info's ``page_cache_usage_percent`` and ``page_cache_hit_percent``, Neo4j's gauges
``page_cache.usage_ratio`` and ``page_cache.hit_ratio`` times 100) becomes ``PageCacheUsagePercent`` and
``PageCacheHitPercent`` in ``Percent`` with the same dimensions, named like the heap metrics (CloudWatch's ``Percent``
unit is 0 to 100, so the ratio is published as a percentage).  A member whose page-cache metrics are off is reported
in ``page_cache_not_published`` and sends no page-cache datapoint; its heap is still published.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from numbers import Number

from .cloudwatch import CloudWatchError, call

DEFAULT_NAMESPACE = "Neo4j"
# metric name -> (unit, how to read it from one member's neo4j_info memory entry, the figures it belongs to)
METRICS = {
    "HeapUsedPercent": ("Percent", lambda entry: entry.get("heap_used_percent"), "heap"),
    "HeapUsedBytes": ("Bytes", lambda entry: (entry.get("heap") or {}).get("used"), "heap"),
    "PageCacheUsagePercent": ("Percent", lambda entry: entry.get("page_cache_usage_percent"), "page_cache"),
    "PageCacheHitPercent": ("Percent", lambda entry: entry.get("page_cache_hit_percent"), "page_cache"),
}
PUT_BATCH = 20  # datapoints per PutMetricData call: the documented limit before 2023 and still safe everywhere


def dimensions(cluster_name, server_name):
    """The dimensions of a member's metrics, in the order CloudWatch lists them."""
    return [{"Name": "ClusterName", "Value": cluster_name}, {"Name": "ServerName", "Value": server_name}]


def datapoints(cluster_name, memory):
    """(metric data for PutMetricData, {server: why nothing was sent}, {server: why no page-cache figure was sent})
    from neo4j_info's ``memory``."""
    if not cluster_name or not str(cluster_name).strip():
        raise CloudWatchError("cluster_name: must not be empty; it is the ClusterName dimension of every metric")
    if not isinstance(memory, dict) or not memory:
        raise CloudWatchError("memory: expected neo4j_info's memory result, {server name: {heap_used_percent, heap, "
                              "...}}, got %r" % (memory,))
    data, skipped, cache_skipped = [], {}, {}
    for server in sorted(memory):
        entry = memory[server]
        if not isinstance(entry, dict):
            raise CloudWatchError("memory: the entry of server %s is not neo4j_info's memory entry: %r" % (server, entry))
        if entry.get("heap_used_percent") is None:
            skipped[server] = entry.get("error") or "no heap figures (reachable: %s)" % entry.get("reachable")
            continue
        if entry.get("page_cache_usage_percent") is None and entry.get("page_cache_hit_percent") is None:
            cache_skipped[server] = entry.get("page_cache_error") or "no page-cache figures"
        for name in sorted(METRICS):
            unit, read, _figures = METRICS[name]
            value = read(entry)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, Number) or value < 0 or (unit == "Percent" and value > 100):
                raise CloudWatchError("memory: %s of server %s is %r, not a %s" % (name, server, value,
                                      "percentage from 0 to 100" if unit == "Percent" else "byte count"))
            data.append({"MetricName": name, "Dimensions": dimensions(cluster_name, server), "Unit": unit,
                         "Value": float(value)})
    return data, skipped, cache_skipped


def metric_results(data):
    """PutMetricData entries -> result entries (snake_case keys, dimensions as a list of {name, value})."""
    return [dict(metric_name=d["MetricName"], unit=d["Unit"], value=d["Value"],
                 dimensions=[dict(name=x["Name"], value=x["Value"]) for x in d["Dimensions"]]) for d in data]


def publish(cw, namespace, data):
    """Send ``data`` to CloudWatch in batches."""
    for start in range(0, len(data), PUT_BATCH):
        call(cw, "put_metric_data", Namespace=namespace, MetricData=data[start:start + PUT_BATCH])

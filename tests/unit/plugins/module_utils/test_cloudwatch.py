"""The memory metrics and alarms' pure logic: datapoints from neo4j_info's memory, alarm validation and comparison
(CloudWatch API reference, PutMetricData and PutMetricAlarm).  The AWS calls are tested against moto in
tests/integration/test_neo4j_memory_alarms.py."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch import CloudWatchError
from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch_alarms import (
    desired, differences, ensure, summary, validate)
from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch_metrics import datapoints

OPTIONS = dict(name="neo4j-prod-s1-heap", state="present", cluster_name="prod", server_name="s1",
               metric_name="HeapUsedPercent", namespace="Neo4j", statistic="Maximum",
               comparison_operator="GreaterThanThreshold", threshold=85.0, period=60, evaluation_periods=5,
               datapoints_to_alarm=None, treat_missing_data="missing", alarm_actions=["arn:b", "arn:a"], ok_actions=[],
               insufficient_data_actions=[], actions_enabled=True, description=None)


def test_datapoints_per_member_and_unanswered_members():
    memory = {"s2": {"heap_used_percent": None, "reachable": False, "error": "connection refused",
                     "page_cache_usage_percent": None, "page_cache_error": "connection refused"},
              "s1": {"heap_used_percent": 25.0, "heap": {"used": 256, "max": 1024},
                     "page_cache_usage_percent": 50.0, "page_cache_hit_percent": 97.5},
              "s3": {"heap_used_percent": 10.0, "heap": {"used": 100, "max": 1000}, "page_cache_usage_percent": None,
                     "page_cache_hit_percent": None, "page_cache_error": "metrics are off"}}
    data, skipped, cache_skipped = datapoints("prod", memory)
    sent = [(d["Dimensions"][1]["Value"], d["MetricName"], d["Unit"], d["Value"]) for d in data]
    assert sent == [("s1", "HeapUsedBytes", "Bytes", 256.0), ("s1", "HeapUsedPercent", "Percent", 25.0),
                    ("s1", "PageCacheHitPercent", "Percent", 97.5), ("s1", "PageCacheUsagePercent", "Percent", 50.0),
                    ("s3", "HeapUsedBytes", "Bytes", 100.0), ("s3", "HeapUsedPercent", "Percent", 10.0)]
    assert data[0]["Dimensions"] == [{"Name": "ClusterName", "Value": "prod"}, {"Name": "ServerName", "Value": "s1"}]
    assert skipped == {"s2": "connection refused"}
    assert cache_skipped == {"s3": "metrics are off"}  # s2 sent nothing at all: listed once, in skipped


@pytest.mark.parametrize("cluster_name, memory, message", [
    ("", {"s1": {"heap_used_percent": 1.0}}, "cluster_name: must not be empty"),
    ("prod", {}, "memory: expected neo4j_info's memory result"),
    ("prod", {"s1": "25"}, "memory: the entry of server s1"),
    ("prod", {"s1": {"heap_used_percent": 140.0}}, "memory: HeapUsedPercent of server s1 is 140.0, not a percentage"),
    ("prod", {"s1": {"heap_used_percent": 1.0, "page_cache_usage_percent": -3}},
     "memory: PageCacheUsagePercent of server s1 is -3, not a percentage"),
])
def test_datapoints_refuse_what_is_not_neo4j_info_memory(cluster_name, memory, message):
    with pytest.raises(CloudWatchError, match="^" + message.replace("(", r"\(")):
        datapoints(cluster_name, memory)


@pytest.mark.parametrize("changes, message", [
    (dict(threshold=100.5), "threshold: 100.5 is out of range; HeapUsedPercent is a percentage"),
    (dict(metric_name="HeapUsedBytes", threshold=-1), "threshold: -1 is out of range; HeapUsedBytes is a byte count"),
    (dict(comparison_operator="Bigger"), "comparison_operator: 'Bigger' is not one of"),
    (dict(period=45), "period: 45 seconds is not a period CloudWatch accepts: use 10, 30 or a multiple of 60"),
    (dict(period=0), "period: 0 seconds"),
    (dict(evaluation_periods=0, datapoints_to_alarm=None), "evaluation_periods: must be 1 or more"),
    (dict(evaluation_periods=2, datapoints_to_alarm=3), r"datapoints_to_alarm: must be from 1 to evaluation_periods"),
    (dict(server_name=" "), "server_name: required when state is present"),
    (dict(name=""), "name: the alarm name must not be empty"),
])
def test_bad_alarm_options_fail_before_any_aws_call(changes, message):
    options = dict(OPTIONS, **changes)
    with pytest.raises(CloudWatchError, match="^" + message):
        validate(options)

    def no_client():
        raise AssertionError("a client was made for options that are not valid")
    with pytest.raises(CloudWatchError, match="^" + message):
        ensure(no_client, options, check_mode=False)


def test_valid_periods_and_absent_needs_only_a_name():
    for period in (10, 30, 60, 300, 3600):
        validate(dict(OPTIONS, period=period))
    validate(dict(name="x", state="absent"))


def as_described(wanted):
    """An alarm as DescribeAlarms returns it: actions in another order, no DatapointsToAlarm when unset, extras."""
    described = dict(wanted, AlarmActions=list(reversed(wanted["AlarmActions"])), StateValue="OK",
                     AlarmArn="arn:aws:cloudwatch:eu-west-1:123456789012:alarm:" + wanted["AlarmName"],
                     Dimensions=list(reversed(wanted["Dimensions"])))
    return described


def test_an_alarm_as_cloudwatch_describes_it_is_unchanged():
    wanted = desired(OPTIONS)
    assert "DatapointsToAlarm" not in wanted and "AlarmDescription" not in wanted
    assert differences(as_described(wanted), wanted) == []
    # Not set means "all evaluation periods", which is what CloudWatch answers with for an explicit 5 too.
    assert differences(dict(as_described(wanted), DatapointsToAlarm=5), wanted) == []
    assert differences(dict(as_described(wanted), AlarmDescription=""), wanted) == []


def test_each_changed_option_is_named():
    before = as_described(desired(OPTIONS))
    after = desired(dict(OPTIONS, threshold=90, datapoints_to_alarm=3, ok_actions=["arn:ok"], server_name="s2"))
    assert differences(before, after) == ["Dimensions", "DatapointsToAlarm", "Threshold", "OKActions"]
    view = summary(before)
    assert view["threshold"] == 85.0 and view["state_value"] == "OK"
    assert view["dimensions"] == [{"name": "ServerName", "value": "s1"}, {"name": "ClusterName", "value": "prod"}]


def client_error(code, status, message="refused"):
    import botocore.exceptions
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message},
                                            "ResponseMetadata": {"HTTPStatusCode": status}}, "DescribeAlarms")


@pytest.mark.parametrize("code, status, message", [
    ("InvalidClientTokenId", 403, "CloudWatch refused the credentials (InvalidClientTokenId) for DescribeAlarms: check "
                                  "access_key and secret_key"),
    ("403", 403, "CloudWatch refused DescribeAlarms (HTTP 403): check access_key and secret_key"),
    ("LimitExceeded", 400, "CloudWatch refused DescribeAlarms: LimitExceeded: refused"),
])
def test_aws_refusals_say_what_to_check(code, status, message):
    from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch import failure
    assert str(failure("DescribeAlarms", client_error(code, status))).startswith(message)

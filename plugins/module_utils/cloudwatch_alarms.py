# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One CloudWatch metric alarm on a member's memory metric: validate, compare with DescribeAlarms, put or delete.

PutMetricAlarm replaces the whole alarm, so the alarm is only written when a field the options set differs from
what DescribeAlarms returns (``changed: false`` otherwise).  Every option is checked before any AWS call, so bad
input leaves CloudWatch as it was.  Field names, the valid periods (10, 30 or a multiple of 60 seconds) and the
``TreatMissingData`` values follow the CloudWatch API reference, PutMetricAlarm.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .cloudwatch import CloudWatchError, call
from .cloudwatch_metrics import METRICS, dimensions

COMPARISON_OPERATORS = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                        "LessThanOrEqualToThreshold")
STATISTICS = ("Average", "Maximum", "Minimum", "Sum", "SampleCount")
TREAT_MISSING_DATA = ("missing", "ignore", "breaching", "notBreaching")
# API field -> the option that sets it (results and --diff use the option names).
FIELDS = (
    ("Namespace", "namespace"), ("MetricName", "metric_name"), ("Dimensions", "dimensions"),
    ("Statistic", "statistic"), ("Period", "period"), ("EvaluationPeriods", "evaluation_periods"),
    ("DatapointsToAlarm", "datapoints_to_alarm"), ("Threshold", "threshold"),
    ("ComparisonOperator", "comparison_operator"), ("TreatMissingData", "treat_missing_data"),
    ("ActionsEnabled", "actions_enabled"), ("AlarmActions", "alarm_actions"), ("OKActions", "ok_actions"),
    ("InsufficientDataActions", "insufficient_data_actions"), ("AlarmDescription", "description"),
)
LIST_FIELDS = ("AlarmActions", "OKActions", "InsufficientDataActions")


def validate(p):
    """Raise CloudWatchError naming the first option that CloudWatch or the metric would not accept."""
    if not p.get("name") or not p["name"].strip():
        raise CloudWatchError("name: the alarm name must not be empty")
    if len(p["name"]) > 255:
        raise CloudWatchError("name: at most 255 characters, got %d" % len(p["name"]))
    if p.get("state", "present") == "absent":
        return
    for option in ("cluster_name", "server_name", "threshold"):
        if p.get(option) is None or (isinstance(p[option], str) and not p[option].strip()):
            raise CloudWatchError("%s: required when state is present" % option)
    if p["comparison_operator"] not in COMPARISON_OPERATORS:
        raise CloudWatchError("comparison_operator: %r is not one of %s"
                              % (p["comparison_operator"], ", ".join(COMPARISON_OPERATORS)))
    unit = METRICS[p["metric_name"]][0] if p["metric_name"] in METRICS else None
    if unit is None:
        raise CloudWatchError("metric_name: %r is not one of %s" % (p["metric_name"], ", ".join(sorted(METRICS))))
    if unit == "Percent" and not 0 <= p["threshold"] <= 100:
        raise CloudWatchError("threshold: %s is out of range; %s is a percentage, use a value from 0 to 100"
                              % (p["threshold"], p["metric_name"]))
    if unit == "Bytes" and p["threshold"] < 0:
        raise CloudWatchError("threshold: %s is out of range; %s is a byte count, use a value of 0 or more"
                              % (p["threshold"], p["metric_name"]))
    if p["period"] not in (10, 30) and (p["period"] <= 0 or p["period"] % 60):
        raise CloudWatchError("period: %s seconds is not a period CloudWatch accepts: use 10, 30 or a multiple of 60"
                              % p["period"])
    if p["evaluation_periods"] < 1:
        raise CloudWatchError("evaluation_periods: must be 1 or more, got %s" % p["evaluation_periods"])
    if p.get("datapoints_to_alarm") is not None and not 1 <= p["datapoints_to_alarm"] <= p["evaluation_periods"]:
        raise CloudWatchError("datapoints_to_alarm: must be from 1 to evaluation_periods (%s), got %s"
                              % (p["evaluation_periods"], p["datapoints_to_alarm"]))


def desired(p):
    """The PutMetricAlarm arguments for the options ``p`` (already validated)."""
    out = dict(AlarmName=p["name"], Namespace=p["namespace"], MetricName=p["metric_name"],
               Dimensions=dimensions(p["cluster_name"], p["server_name"]), Statistic=p["statistic"],
               Period=p["period"], EvaluationPeriods=p["evaluation_periods"], Threshold=float(p["threshold"]),
               ComparisonOperator=p["comparison_operator"], TreatMissingData=p["treat_missing_data"],
               ActionsEnabled=p["actions_enabled"], AlarmActions=list(p.get("alarm_actions") or []),
               OKActions=list(p.get("ok_actions") or []),
               InsufficientDataActions=list(p.get("insufficient_data_actions") or []))
    if p.get("datapoints_to_alarm") is not None:
        out["DatapointsToAlarm"] = p["datapoints_to_alarm"]
    if p.get("description"):
        out["AlarmDescription"] = p["description"]
    return out


def _comparable(alarm, field):
    value = alarm.get(field)
    if field in LIST_FIELDS:
        return sorted(value or [])
    if field == "Dimensions":
        return sorted((d["Name"], d["Value"]) for d in value or [])
    if field == "Threshold" and value is not None:
        return float(value)
    if field == "AlarmDescription":
        return value or None
    if field == "DatapointsToAlarm" and value is None:
        return alarm.get("EvaluationPeriods")  # CloudWatch's meaning when it is not set
    return value


def differences(current, wanted):
    """The API fields where the alarm CloudWatch has differs from the wanted one."""
    return [field for field, _option in FIELDS if _comparable(current, field) != _comparable(wanted, field)]


def summary(alarm):
    """An alarm (API fields) -> the result/diff view, keyed by option names; None for no alarm."""
    if alarm is None:
        return None
    out = dict((option, alarm.get(field)) for field, option in FIELDS)
    out["dimensions"] = [dict(name=d["Name"], value=d["Value"]) for d in alarm.get("Dimensions") or []]
    for field, option in FIELDS:
        if field in LIST_FIELDS:
            out[option] = list(alarm.get(field) or [])
    out["name"] = alarm.get("AlarmName")
    if alarm.get("AlarmArn"):
        out["arn"] = alarm["AlarmArn"]
    if alarm.get("StateValue"):
        out["state_value"] = alarm["StateValue"]
    return out


def current_alarm(cw, name):
    """The metric alarm called ``name`` as DescribeAlarms returns it, or None."""
    found = call(cw, "describe_alarms", AlarmNames=[name], AlarmTypes=["MetricAlarm"]).get("MetricAlarms") or []
    return found[0] if found else None


def ensure(make_client, p, check_mode):
    """(changed, before, after, changed_fields) after making the alarm match ``p`` (nothing sent in check mode).

    ``make_client()`` returns the CloudWatch client; it is called only once the options are valid.
    """
    validate(p)
    cw = make_client()
    before = current_alarm(cw, p["name"])
    if p.get("state", "present") == "absent":
        if before is None:
            return False, None, None, []
        if not check_mode:
            call(cw, "delete_alarms", AlarmNames=[p["name"]])
        return True, before, None, []
    wanted = desired(p)
    changed_fields = differences(before, wanted) if before is not None else [f for f, _o in FIELDS]
    if before is not None and not changed_fields:
        return False, before, before, []
    if not check_mode:
        call(cw, "put_metric_alarm", **wanted)
        after = current_alarm(cw, p["name"]) or wanted
    else:
        after = dict(before or {}, **wanted)
    return True, before, after, changed_fields

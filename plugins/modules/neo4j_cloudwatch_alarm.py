#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_cloudwatch_alarm
short_description: An Amazon CloudWatch alarm on a Neo4j cluster member's heap or page-cache use
version_added: 0.1.0
description:
  - Creates, updates or deletes one CloudWatch metric alarm on a metric that M(graphops.neo4j.neo4j_cloudwatch_metrics)
    publishes for one member (dimensions C(ClusterName) and C(ServerName)).
  - Compares the options with what C(DescribeAlarms) returns and calls C(PutMetricAlarm) only when a field differs,
    so a second run reports C(changed=false).
  - Every option is checked before any AWS call; bad input fails naming the option and leaves CloudWatch as it was.
  - The alarm's actions are what makes it do something, for example an SNS topic that starts an AWX workflow, or an
    EC2 Auto Scaling policy ARN (see the collection's docs/scaling.md).
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes.cloudwatch_modules
  - graphops.neo4j.cloudwatch
attributes:
  check_mode:
    support: full
    details: Reports what would change and changes nothing.
  diff_mode:
    support: full
    details: The alarm's fields before and after, keyed by option name.
options:
  name:
    description: The alarm name (C(AlarmName)), unique in the account and region.
    type: str
    required: true
  state:
    description: C(present) creates or updates the alarm; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  cluster_name:
    description: The C(ClusterName) dimension, as given to M(graphops.neo4j.neo4j_cloudwatch_metrics). Required when present.
    type: str
  server_name:
    description: The C(ServerName) dimension, the member's name in C(SHOW SERVERS). Required when present.
    type: str
  metric_name:
    description: The metric to watch.
    type: str
    choices: [PageCacheUsagePercent, PageCacheHitPercent, HeapUsedPercent, HeapUsedBytes]
    default: HeapUsedPercent
  namespace:
    description: The CloudWatch namespace of the metric.
    type: str
    default: Neo4j
  statistic:
    description: The statistic over each period.
    type: str
    choices: [Average, Maximum, Minimum, Sum, SampleCount]
    default: Maximum
  comparison_operator:
    description: How the statistic is compared with O(threshold).
    type: str
    choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
    default: GreaterThanThreshold
  threshold:
    description:
      - The value compared with the statistic. From 0 to 100 for the C(*Percent) metrics, 0 or more for
        C(HeapUsedBytes).
      - Required when present.
    type: float
  period:
    description: Seconds per evaluated period; 10, 30 or a multiple of 60.
    type: int
    default: 60
  evaluation_periods:
    description: The number of most recent periods evaluated.
    type: int
    default: 5
  datapoints_to_alarm:
    description: How many of those periods must breach to go to C(ALARM) (M out of N); all of them when not set.
    type: int
  treat_missing_data:
    description: How periods without a datapoint count (a member that did not answer publishes nothing).
    type: str
    choices: [missing, ignore, breaching, notBreaching]
    default: missing
  alarm_actions:
    description: ARNs to notify or run on the transition to C(ALARM) (an SNS topic, an Auto Scaling policy, ...).
    type: list
    elements: str
    default: []
  ok_actions:
    description: ARNs for the transition to C(OK).
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description: ARNs for the transition to C(INSUFFICIENT_DATA).
    type: list
    elements: str
    default: []
  actions_enabled:
    description: Whether the actions run.
    type: bool
    default: true
  description:
    description: The alarm's description (C(AlarmDescription)).
    type: str
'''

EXAMPLES = r'''
- name: Alarm when a member's heap stays above 85 percent for 3 of 5 minutes
  graphops.neo4j.neo4j_cloudwatch_alarm:
    name: neo4j-production-server1-heap
    cluster_name: production
    server_name: server1
    threshold: 85
    evaluation_periods: 5
    datapoints_to_alarm: 3
    alarm_actions:
      - arn:aws:sns:eu-west-1:123456789012:neo4j-scale-out
    region: eu-west-1

- name: Remove it
  graphops.neo4j.neo4j_cloudwatch_alarm:
    name: neo4j-production-server1-heap
    state: absent
'''

RETURN = r'''
alarm:
  description: The alarm after the task (in check mode, as it would be), keyed by option name; null when absent.
  returned: always
  type: dict
  sample:
    name: neo4j-production-server1-heap
    metric_name: HeapUsedPercent
    namespace: Neo4j
    dimensions: [{name: ClusterName, value: production}, {name: ServerName, value: server1}]
    threshold: 85.0
    comparison_operator: GreaterThanThreshold
    period: 60
    evaluation_periods: 5
    datapoints_to_alarm: 3
    alarm_actions: ["arn:aws:sns:eu-west-1:123456789012:neo4j-scale-out"]
    state_value: OK
changed_fields:
  description: The options whose value differed (all of them for a new alarm).
  returned: always
  type: list
  elements: str
diff:
  description: The alarm before and after, keyed by option name (with C(--diff)).
  returned: changed and diff mode
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch import (
    BOTO3_IMPORT_ERROR, HAS_BOTO3, CloudWatchError, aws_argument_spec, client)
from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch_alarms import (
    COMPARISON_OPERATORS, FIELDS, STATISTICS, TREAT_MISSING_DATA, ensure, summary)
from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch_metrics import METRICS


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        cluster_name=dict(type="str"),
        server_name=dict(type="str"),
        metric_name=dict(type="str", choices=sorted(METRICS, reverse=True), default="HeapUsedPercent"),
        namespace=dict(type="str", default="Neo4j"),
        statistic=dict(type="str", choices=list(STATISTICS), default="Maximum"),
        comparison_operator=dict(type="str", choices=list(COMPARISON_OPERATORS), default="GreaterThanThreshold"),
        threshold=dict(type="float"),
        period=dict(type="int", default=60),
        evaluation_periods=dict(type="int", default=5),
        datapoints_to_alarm=dict(type="int"),
        treat_missing_data=dict(type="str", choices=list(TREAT_MISSING_DATA), default="missing"),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
        actions_enabled=dict(type="bool", default=True),
        description=dict(type="str"),
    )
    argument_spec.update(aws_argument_spec(env_fallback))
    module = AnsibleModule(argument_spec=argument_spec, required_together=[("access_key", "secret_key")],
                           required_if=[("state", "present", ("cluster_name", "server_name", "threshold"))],
                           supports_check_mode=True)
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib("boto3"), exception=BOTO3_IMPORT_ERROR)
    p = module.params
    try:
        changed, before, after, changed_fields = ensure(lambda: client(p), p, module.check_mode)
    except CloudWatchError as exc:
        module.fail_json(msg=str(exc), changed=False)
    options = dict(FIELDS)
    result = dict(changed=changed, alarm=summary(after), changed_fields=[options[f] for f in changed_fields])
    if changed and module._diff:
        result["diff"] = dict(before=summary(before) or {}, after=summary(after) or {})
    module.exit_json(**result)


if __name__ == "__main__":
    main()

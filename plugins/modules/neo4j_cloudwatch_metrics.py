#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_cloudwatch_metrics
short_description: Publish the Neo4j cluster members' heap and page-cache use as Amazon CloudWatch metrics
version_added: 0.1.0
description:
  - Takes the C(memory) result of M(graphops.neo4j.neo4j_info) (each member's JVM heap, read through
    C(dbms.queryJmx('java.lang:type=Memory')) over a direct connection to that member) and sends one datapoint per
    member and metric with C(PutMetricData).
  - Metrics C(HeapUsedPercent) (unit C(Percent)) and C(HeapUsedBytes) (unit C(Bytes)), with the dimensions
    C(ClusterName) (O(cluster_name)) and C(ServerName) (the member's name in C(SHOW SERVERS)).
  - A member that did not answer neo4j_info sends nothing and is listed in RV(not_published), so an alarm on it sees
    missing data, never a made-up value.
  - Page-cache use from the same result (Neo4j's gauges C(page_cache.usage_ratio) and C(page_cache.hit_ratio), which
    neo4j_info reads from Neo4j's JMX metrics) as C(PageCacheUsagePercent) and C(PageCacheHitPercent) (unit
    C(Percent), 0 to 100), with the same dimensions.
  - A member whose page-cache metrics are off (C(server.metrics.jmx.enabled=false), C(server.metrics.filter)) sends its
    heap figures but no page-cache datapoint, and is listed in RV(page_cache_not_published).
  - Every run sends new datapoints, so it reports C(changed) whenever it sends any; in check mode nothing is sent.
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes.cloudwatch_modules
  - graphops.neo4j.cloudwatch
attributes:
  check_mode:
    support: full
    details: Reports the datapoints it would send and sends none.
  diff_mode:
    support: none
    details: Datapoints are added, never changed.
options:
  memory:
    description:
      - The C(memory) result of M(graphops.neo4j.neo4j_info) (C(gather_subset) C(memory) or C(all)), the members by
        server name, each with C(heap_used_percent), C(heap) (C(used), C(max), ...), C(page_cache_usage_percent),
        C(page_cache_hit_percent), C(page_cache_error), C(reachable) and C(error).
    type: dict
    required: true
  cluster_name:
    description: The value of the C(ClusterName) dimension; one name per cluster, the same in the alarms.
    type: str
    required: true
  namespace:
    description: The CloudWatch namespace of the metrics.
    type: str
    default: Neo4j
'''

EXAMPLES = r'''
- name: Read every member's heap and page cache
  graphops.neo4j.neo4j_info:
    gather_subset: [memory]
  register: neo4j

- name: Publish it to CloudWatch
  graphops.neo4j.neo4j_cloudwatch_metrics:
    memory: "{{ neo4j.memory }}"
    cluster_name: production
    region: eu-west-1
'''

RETURN = r'''
namespace:
  description: The namespace the metrics went to.
  returned: always
  type: str
  sample: Neo4j
metrics:
  description: The datapoints sent (in check mode, the ones that would be sent).
  returned: always
  type: list
  elements: dict
  sample:
    - metric_name: HeapUsedPercent
      unit: Percent
      value: 25.0
      dimensions: [{name: ClusterName, value: production}, {name: ServerName, value: 8d7e3f5a-...}]
not_published:
  description: The members that sent nothing, with the reason (neo4j_info's C(error)).
  returned: always
  type: dict
  sample: {"3f6c...": "Unable to connect to 10.0.0.3:7687"}
page_cache_not_published:
  description:
    - The members that answered but sent no page-cache datapoint, with the reason (neo4j_info's C(page_cache_error)).
  returned: always
  type: dict
  sample: {"8d7e...": "dbms.queryJmx found no page-cache metrics (...): metrics are off on this member (...)"}
'''

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch import (
    BOTO3_IMPORT_ERROR, HAS_BOTO3, CloudWatchError, aws_argument_spec, client)
from ansible_collections.graphops.neo4j.plugins.module_utils.cloudwatch_metrics import (
    datapoints, metric_results, publish)


def main():
    argument_spec = dict(
        memory=dict(type="dict", required=True),
        cluster_name=dict(type="str", required=True),
        namespace=dict(type="str", default="Neo4j"),
    )
    argument_spec.update(aws_argument_spec(env_fallback))
    module = AnsibleModule(argument_spec=argument_spec, required_together=[("access_key", "secret_key")],
                           supports_check_mode=True)
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib("boto3"), exception=BOTO3_IMPORT_ERROR)
    p = module.params
    try:
        data, skipped, cache_skipped = datapoints(p["cluster_name"], p["memory"])
        if data and not module.check_mode:
            publish(client(p), p["namespace"], data)
    except CloudWatchError as exc:
        module.fail_json(msg=str(exc), changed=False)
    module.exit_json(changed=bool(data), namespace=p["namespace"], metrics=metric_results(data), not_published=skipped,
                     page_cache_not_published=cache_skipped)


if __name__ == "__main__":
    main()

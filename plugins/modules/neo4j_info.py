#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: neo4j_info
short_description: Gather facts about a Neo4j cluster and judge its health
version_added: 0.1.0
description:
  - Reads servers (C(SHOW SERVERS)), databases with their status on every member (C(SHOW DATABASES)),
    database aliases, users, roles, the Neo4j version and edition (C(dbms.components())) and the JVM heap
    use of every member (C(dbms.queryJmx)).
  - Returns a C(healthy) verdict with its reasons, built from the cluster health checks of Neo4j's rolling
    upgrade procedure. Use it as a preflight gate before changes, or in an C(until) loop to wait for a cluster
    to settle.
  - Never changes anything.
author:
  - graphops.neo4j contributors (@graphops)
options:
  gather_subset:
    description:
      - Which facts to gather. V(all) gathers everything.
      - V(servers) returns RV(servers), V(databases) returns RV(databases), V(aliases) returns RV(aliases),
        V(users) returns RV(users), V(roles) returns RV(roles), V(version) returns RV(version) and RV(edition).
      - V(memory) (or its alias V(jmx)) returns RV(memory). It connects directly to every member's Bolt address as
        C(SHOW SERVERS) reports it, because JMX describes one JVM. Members that cannot be reached are reported with
        C(reachable=false) and the error, and do not fail the task.
      - V(health) returns RV(healthy) and RV(health_reasons).
      - Prefix a subset with C(!) to leave it out, for example V(!memory). A list of exclusions only starts from V(all).
    type: list
    elements: str
    default: [all]
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, so it runs unchanged in check mode.
  diff_mode:
    support: N/A
    details: The module only reads; there is nothing to compare.
notes:
  - Statements run against the C(system) database in read transactions.
  - The health verdict is false when a server is not C(Enabled) or not C(Available), when a server does not host
    what it is requested to host (C(hosting) versus C(requestedHosting)), or when a database allocation's
    current status differs from its requested status (C(currentStatus), C(requestedStatus)). An C(Available) health status
    does not prove that a server
    works perfectly; it is the check Neo4j documents for rolling upgrades.
  - Direct member connections for V(memory) use the credentials and TLS settings of the task, a C(bolt) scheme with the
    same security suffix, and no retries.
seealso:
  - name: Rolling upgrade health checks
    description: The checks the health verdict is built from.
    link: https://neo4j.com/docs/upgrade-migration-guide/current/version-5/upgrade-minor/in-place-rolling/
  - name: SHOW DATABASES
    description: The columns returned for every database allocation.
    link: https://neo4j.com/docs/operations-manual/5/database-administration/standard-databases/listing-databases/
'''

EXAMPLES = r'''
- name: Read everything about the cluster
  graphops.neo4j.neo4j_info:
    uri: neo4j://db1.example.com:7687
    login_user: neo4j
    login_password: "{{ neo4j_password }}"
  register: neo4j

- name: Fail early when the cluster is not healthy
  ansible.builtin.assert:
    that: neo4j.healthy
    fail_msg: "{{ neo4j.health_reasons | join('; ') }}"

- name: Wait until every member of the cluster is back and every database is where it should be
  graphops.neo4j.neo4j_info:
    gather_subset: [health]
  register: health
  until: health.healthy
  retries: 60
  delay: 5

- name: Everything but the per-member JMX connections
  graphops.neo4j.neo4j_info:
    gather_subset: ["!memory"]
  register: neo4j

- name: Which member is the writer of the movies database
  ansible.builtin.debug:
    msg: "{{ neo4j.databases.movies.writer }}"
'''

RETURN = r'''
servers:
  description:
    - C(SHOW SERVERS YIELD *), keyed by server name.
    - Neo4j's column names are returned in snake_case, as in every result of the collection (C(serverId) as C(server_id),
      C(requestedHosting) as C(requested_hosting)); columns that later releases add follow the same rule.
  returned: when V(servers) is gathered
  type: dict
  sample:
    server1:
      server_id: d6f5c1a8-4e1d-4bb2-9a76-2a3e1e4b5f10
      address: db1.example.com:7687
      state: Enabled
      health: Available
      hosting: [movies, neo4j, system]
      requested_hosting: [movies, neo4j, system]
      tags: []
      mode_constraint: NONE
      version: 5.26.0
databases:
  description:
    - C(SHOW DATABASES YIELD *), keyed by database name, with one entry per hosting member under C(members).
    - Database-level columns (C(type), C(access), C(aliases), C(requested_status), C(default), C(home), C(options),
      counts and times) are given once. Member entries carry C(address), C(role), C(writer), C(requested_status),
      C(current_status), C(status_message), C(server_id), C(last_committed_txn) and C(replication_lag).
    - Column names are Neo4j's in snake_case (C(requestedStatus) as C(requested_status), C(serverID) as C(server_id)); the
      map in C(options) keeps Neo4j's option names.
    - C(members) is keyed by server name (the address, or else the server id, when the server is not listed in
      C(SHOW SERVERS)). M(graphops.neo4j.neo4j_database) returns its database in the same shape.
    - C(writer) names the member that accepts writes, or is null. C(healthy) is true when every member's
      C(current_status) equals C(requested_status).
  returned: when V(databases) is gathered
  type: dict
  sample:
    movies:
      type: standard
      access: read-write
      aliases: [movies_current]
      requested_status: online
      writer: server1
      healthy: true
      members:
        server1:
          address: db1.example.com:7687
          role: primary
          writer: true
          requested_status: online
          current_status: online
          status_message: ""
aliases:
  description:
    - C(SHOW ALIASES FOR DATABASE YIELD *), keyed by alias name, in the shape M(graphops.neo4j.neo4j_alias) returns its alias.
    - C(target) is the database the alias points at (Neo4j's C(database) column), as the O(graphops.neo4j.neo4j_alias#module:target)
      option of M(graphops.neo4j.neo4j_alias) names it. Other column names are Neo4j's in snake_case; C(driver) and
      C(properties) keep their keys.
  returned: when V(aliases) is gathered
  type: dict
  sample:
    movies_current:
      target: movies_20261122
      location: local
      composite: null
      url: null
      user: null
      driver: null
      properties: {}
users:
  description: C(SHOW USERS YIELD *), keyed by user name; column names in snake_case (C(passwordChangeRequired) as
    C(password_change_required)).
  returned: when V(users) is gathered
  type: dict
  sample:
    neo4j:
      roles: [PUBLIC, admin]
      suspended: false
      password_change_required: false
      home: null
roles:
  description: C(SHOW ROLES WITH USERS), keyed by role name, with the users that have each role.
  returned: when V(roles) is gathered
  type: dict
  sample:
    admin:
      members: [neo4j]
    reader:
      members: []
version:
  description: Version of the Neo4j kernel, from C(dbms.components()).
  returned: when V(version) is gathered
  type: str
  sample: 5.26.0
edition:
  description: Edition of the Neo4j kernel, from C(dbms.components()).
  returned: when V(version) is gathered
  type: str
  sample: enterprise
memory:
  description:
    - JVM memory of every member from C(dbms.queryJmx('java.lang:type=Memory')), keyed by server name, in bytes.
    - C(reachable) is false and C(error) says why when the member could not be queried.
    - Page-cache use next to it, from Neo4j Enterprise's metrics over JMX (C(server.metrics.jmx.enabled), on by
      default), the gauges C(<server.metrics.prefix>.dbms.page_cache.usage_ratio) and C(.hit_ratio) read with
      C(dbms.queryJmx('neo4j.metrics:name=*.page_cache.*_ratio,*')) on the same connection. C(page_cache) holds
      C(usage_ratio) and C(hit_ratio) (0 to 1, as Neo4j reports them), C(page_cache_usage_percent) and
      C(page_cache_hit_percent) the same in percent.
    - When a member has no such metrics (C(server.metrics.enabled) or C(server.metrics.jmx.enabled) false, the gauges
      left out by C(server.metrics.filter), Community Edition) or cannot be reached, the page-cache keys are null and
      C(page_cache_error) says why; this does not fail the task.
  returned: when V(memory) is gathered
  type: dict
  sample:
    server1:
      address: db1.example.com:7687
      reachable: true
      heap: {init: 536870912, used: 268435456, committed: 536870912, max: 1073741824}
      non_heap: {init: 7667712, used: 120000000, committed: 130000000, max: -1}
      heap_used_percent: 25.0
      error: null
      page_cache: {usage_ratio: 0.25, hit_ratio: 0.99}
      page_cache_usage_percent: 25.0
      page_cache_hit_percent: 99.0
      page_cache_error: null
    server3:
      address: db3.example.com:7687
      reachable: false
      heap: null
      non_heap: null
      heap_used_percent: null
      error: "Could not reach Neo4j at bolt://db3.example.com:7687: ..."
      page_cache: null
      page_cache_usage_percent: null
      page_cache_hit_percent: null
      page_cache_error: "Could not reach Neo4j at bolt://db3.example.com:7687: ..."
healthy:
  description: Whether the cluster passes every health check (see the notes).
  returned: when V(health) is gathered
  type: bool
  sample: false
health_reasons:
  description: One sentence per failed health check; empty when RV(healthy) is true.
  returned: when V(health) is gathered
  type: list
  elements: str
  sample:
    - "server server3 (db3.example.com:7687): health is Unavailable, not Available"
    - "database movies on server3: current_status unknown, requested_status online (Server is unavailable)"
'''

from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jClient, neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils.info import (
    gather,
    member_params,
    parse_gather_subset,
)


def main():
    module = neo4j_module(dict(gather_subset=dict(type="list", elements="str", default=["all"])))

    def member_client(address):
        return Neo4jClient(member_params(module.params, address), retries=False)

    def work(client):
        # parse_gather_subset raises SubsetError (a ValueError) before anything is read.
        subsets = parse_gather_subset(module.params["gather_subset"])
        return dict(changed=False, **gather(client, subsets, member_client))

    run_module(module, work)


if __name__ == "__main__":
    main()

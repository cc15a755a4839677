#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: neo4j_rolling_upgrade
short_description: The Neo4j steps of an in-place rolling upgrade, one member at a time
version_added: 0.1.0
description:
  - The parts of Neo4j's in-place rolling upgrade that talk to the cluster; stopping, upgrading and starting a member is
    done by the role C(graphops.neo4j.neo4j_rolling_upgrade) with your package, tarball or container tasks.
  - O(step=plan) reads C(SHOW SERVERS) and C(SHOW DATABASES), runs Neo4j's pre-checks (every server C(Enabled) and
    C(Available) and hosting what it should, no database in a transitional state, every copy caught up) and returns the
    upgrade order. Never changes anything.
  - O(step=drain) first waits until the cluster passes the same pre-checks (at most O(settle_timeout) seconds; the
    previous member's databases may still be settling) and refuses to go on otherwise. It then moves every leadership
    the member holds, except C(system)'s, to other members. Neo4j documents no
    procedure that moves a leadership on demand; it documents that it moves leaderships away from a member where the
    databases are listed in C(server.databases.read_only), a dynamic setting that C(dbms.setConfigValue) changes on that
    member only and that is lost when it restarts. The module adds the databases to that setting on the member (over a
    direct C(bolt) connection to its address) and waits until C(SHOW DATABASES) shows another writer for each.
  - O(step=release) sets C(server.databases.read_only) on the member back to O(read_only) (what O(step=drain) found
    there), for a member that is not restarted after all.
  - O(step=wait) waits until the member is back - state C(Enabled), health C(Available), the O(target_version), hosting
    what it should, and every database it hosts at its requested status and caught up - or fails after O(wait_timeout)
    seconds naming the server and the databases that are stuck.
  - No administration command is sent at any step (Neo4j says they must not be used during a rolling upgrade).
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - graphops.neo4j.progress
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: full
    details: V(plan) runs as usual; V(drain) and V(release) report what they would set and change nothing (V(drain)
      reads the pre-checks once, without waiting); V(wait) reads the member once and does not wait.
  diff_mode:
    support: none
options:
  step:
    description: Which step to run.
    type: str
    required: true
    choices: [plan, drain, release, wait]
  members:
    description:
      - For O(step=plan), the members to upgrade, each with C(host) (its inventory name) and C(server) (its name, server id
        or Bolt address as C(SHOW SERVERS) lists them).
      - The order returned puts members that host only secondary copies first, then the others by the number of
        leaderships they hold, fewest first, so the member holding most is upgraded last; ties keep this list's order.
    type: list
    elements: dict
  server:
    description: For O(step=drain), O(step=release) and O(step=wait), the member's server name, id or Bolt address.
    type: str
  target_version:
    description:
      - The Neo4j version the members are upgraded to, as C(SHOW SERVERS) reports it (for example V(2026.07.0)).
      - Required for O(step=plan); O(step=wait) also waits for the member to report it.
      - O(step=plan) refuses a version older than one a member runs.
    type: str
  max_replication_lag:
    description: How many transactions a database copy may be behind its writer and still count as caught up
      (C(replicationLag) of C(SHOW DATABASES)).
    type: int
    default: 0
  read_only:
    description: For O(step=release), the value C(server.databases.read_only) gets back on the member.
    type: str
    default: ''
  wait_timeout:
    description: Seconds O(step=wait) waits for the member to rejoin, and O(step=drain) for the leaderships to move.
    type: float
    default: 600
  settle_timeout:
    description: Seconds O(step=drain) waits for the cluster to pass Neo4j's pre-checks before it touches the member.
    type: float
    default: 300
notes:
  - Member connections use the credentials and TLS settings of the task and a C(bolt) scheme with the same security
    suffix. Give O(endpoints) (several members) so the task still reaches the cluster while a member is down.
  - C(system)'s leadership cannot be moved by C(server.databases.read_only) (its values exclude C(system)); it moves by
    election when the member stops, which the driver's retries absorb.
seealso:
  - name: Leadership balancing
    description: Neo4j moves leaderships away from members where the databases are read-only.
    link: https://neo4j.com/docs/operations-manual/current/clustering/setup/routing/#clustering-leadership-balancing
  - name: dbms.setConfigValue
    description: Member-local, lost on restart.
    link: https://neo4j.com/docs/operations-manual/current/procedures/built-in-procedures/#procedure_dbms_setConfigValue
  - name: In-place rolling upgrade
    description: Neo4j's procedure and health checks.
    link: https://neo4j.com/docs/upgrade-migration-guide/current/version-2025-2026/upgrade/in-place-rolling
'''

EXAMPLES = r'''
- name: Plan the upgrade of three members
  graphops.neo4j.neo4j_rolling_upgrade:
    endpoints: [db1.example.com:7687, db2.example.com:7687, db3.example.com:7687]
    step: plan
    target_version: 2026.07.0
    members:
      - {host: db1, server: db1.example.com:7687}
      - {host: db2, server: db2.example.com:7687}
      - {host: db3, server: db3.example.com:7687}
  register: upgrade_plan

- name: Move db2's leaderships away before stopping it
  graphops.neo4j.neo4j_rolling_upgrade:
    endpoints: [db1.example.com:7687, db2.example.com:7687, db3.example.com:7687]
    step: drain
    server: db2.example.com:7687

- name: Wait until db2 is back on the new version, at most 15 minutes
  graphops.neo4j.neo4j_rolling_upgrade:
    endpoints: [db1.example.com:7687, db2.example.com:7687, db3.example.com:7687]
    step: wait
    server: db2.example.com:7687
    target_version: 2026.07.0
    wait_timeout: 900
'''

RETURN = r'''
order:
  description: For O(step=plan), every member in upgrade order with its C(host), C(server), C(server_id), C(address),
    C(version), C(role) (V(secondary) or V(primary)), C(leaderships) (the databases it leads), C(databases) and C(upgraded).
  returned: step is plan
  type: list
  elements: dict
pending:
  description: For O(step=plan), the hosts still to upgrade, in order.
  returned: step is plan
  type: list
  elements: str
not_in_members:
  description: Servers of the cluster that O(members) does not name (they would stay on their version).
  returned: step is plan
  type: list
  elements: dict
healthy:
  description: Whether Neo4j's pre-checks pass.
  returned: step is plan
  type: bool
health_reasons:
  description: Why not, one line per problem.
  returned: step is plan
  type: list
  elements: str
moved:
  description: For O(step=drain), the databases whose leadership moved (or would move) away.
  returned: step is drain
  type: list
  elements: str
kept:
  description: For O(step=drain), leaderships that cannot be moved this way (C(system)).
  returned: step is drain
  type: list
  elements: str
version:
  description: For O(step=drain), the version the member runs.
  returned: step is drain
  type: str
read_only:
  description: The value of C(server.databases.read_only) on the member after the step.
  returned: step is drain or release
  type: str
previous_read_only:
  description: Its value before the step.
  returned: step is drain or release
  type: str
stuck_databases:
  description: For a failed O(step=wait), the databases not online and caught up on the member.
  returned: failure
  type: list
  elements: dict
'''

from ansible_collections.graphops.neo4j.plugins.module_utils import progress, rolling_upgrade
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jClient, neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils.info import member_params

NEEDS = dict(plan=("members", "target_version"), drain=("server",), release=("server",), wait=("server",))


def validate(params):
    for option in NEEDS[params["step"]]:
        if not params.get(option):
            raise ValueError("%s: required with step=%s." % (option, params["step"]))
    if params["max_replication_lag"] < 0:
        raise ValueError("max_replication_lag: must be 0 or more transactions (got %s)." % params["max_replication_lag"])
    wrong_interval = progress.check_interval(params.get("progress_interval"))
    if wrong_interval:
        raise ValueError(wrong_interval)


def main():
    module = neo4j_module(dict(
        step=dict(type='str', required=True, choices=list(rolling_upgrade.STEPS)),
        members=dict(type='list', elements='dict'),
        server=dict(type='str'),
        target_version=dict(type='str'),
        max_replication_lag=dict(type='int', default=0),
        read_only=dict(type='str', default=''),
        wait_timeout=dict(type='float', default=600.0),
        settle_timeout=dict(type='float', default=300.0),
        progress_interval=dict(type='float', default=progress.DEFAULT_INTERVAL),
    ))
    params = module.params

    def member_client(address):
        return Neo4jClient(member_params(params, address), retries=False)

    def work(client):
        step = params["step"]
        if step == "plan":
            servers, databases = rolling_upgrade.read_state(client)
            return dict(changed=False, **rolling_upgrade.plan(params["members"], servers, databases,
                                                              params["target_version"], params["max_replication_lag"]))
        if step == "drain":
            return rolling_upgrade.drain(client, member_client, params, module.check_mode, params["wait_timeout"])
        if step == "release":
            return rolling_upgrade.release(client, member_client, params, module.check_mode)
        if module.check_mode:
            servers, databases = rolling_upgrade.read_state(client)
            row, problems, stuck = rolling_upgrade.rejoin_problems(servers, databases, params["server"],
                                                                   params.get("target_version"),
                                                                   params["max_replication_lag"])
            return dict(changed=False, problems=problems, stuck_databases=stuck)
        return rolling_upgrade.wait_rejoined(client, params, progress.reporter())

    run_module(module, work, validate=validate, fail_extra=dict(changed=False))


if __name__ == '__main__':
    main()

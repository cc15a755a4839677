#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_server
short_description: Enable, cordon, deallocate, drop, rename and configure the servers of a Neo4j cluster
version_added: 0.1.0
description:
  - Manages one server of a Neo4j Enterprise 5.26+ or 2025.x cluster through its lifecycle (Operations Manual, "Managing servers
    in a cluster"). V(Free) -> V(Enabled) (C(ENABLE SERVER)) <-> V(Cordoned) (C(CALL dbms.cluster.cordonServer), back with
    C(ENABLE SERVER)) -> V(Deallocating) (C(DEALLOCATE DATABASES FROM SERVER), irreversible) -> V(Deallocated) -> V(Dropped)
    (C(DROP SERVER)).
  - Reads C(SHOW SERVERS YIELD *) and C(SHOW DATABASES) first and only sends what is needed, so a second run reports no change.
  - Options are changed with C(ALTER SERVER ... SET OPTIONS), which replaces all of a server's options; the module sends the
    full set (the current values with the ones given here), so options not given are kept.
  - Refuses, before changing anything and naming the server and the databases, to cordon or deallocate the last Enabled server
    that can host a primary, to deallocate a server that hosts a database with a single primary, a database that is not online
    everywhere, or a database whose copies the other Enabled servers cannot hold, and to drop a server that is not deallocated
    (that still hosts databases). Neo4j's own C(DRYRUN DEALLOCATE) runs before the real one, so anything else Neo4j would
    refuse is refused with its message before anything changes.
  - With O(wait=true) (the default) the task returns once the databases have moved (every server hosts what it should,
    every copy is at its requested status, every database has all its copies and a deallocated server is V(Deallocated)),
    and fails naming what is stuck when that does not happen within O(wait_timeout).
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: full
    details: Reads the cluster, runs Neo4j's dry runs (C(DRYRUN DEALLOCATE), C(DRYRUN REALLOCATE)) and reports their plan in
      RV(plan) and the statements it would send in RV(queries); changes nothing.
  diff_mode:
    support: full
    details: Reports the server's name, state and options before and after.
options:
  server:
    description:
      - The server to manage, by its name, its server id or its Bolt address as C(SHOW SERVERS) lists them (a server's name is
        its id until it is renamed).
      - After a rename, a rerun that still gives the old name finds the server by O(name).
    type: str
    required: true
  name:
    description:
      - The name the server should have (C(RENAME SERVER)). Names are unique in the cluster.
    type: str
  state:
    description:
      - V(enabled) enables a V(Free) server or re-enables a V(Cordoned) one.
      - V(cordoned) stops new databases from being allocated to an V(Enabled) server; it keeps the databases it hosts.
      - V(deallocated) moves every database off the server (new copies come up on other servers before the old ones are
        removed) and waits until it is V(Deallocated). Irreversible.
      - V(dropped) removes a V(Deallocated) server from the cluster (a V(Deallocating) one once its databases have moved). Stop
        its Neo4j process afterwards; a dropped server that is no longer listed is reported as unchanged.
      - Without it, the state is left alone.
    type: str
    choices: [enabled, cordoned, deallocated, dropped]
  mode_constraint:
    description: The modes databases may be hosted in on this server (C(modeConstraint)).
    type: str
    choices: [PRIMARY, SECONDARY, NONE]
  allowed_databases:
    description:
      - Only these databases may be hosted on the server (C(allowedDatabases)). Setting it clears O(denied_databases).
      - V([]) removes the restriction. Databases the server may no longer host are moved away.
      - Each must be a legal database name (Neo4j's naming rules); an illegal one is refused before anything is sent.
    type: list
    elements: str
  denied_databases:
    description:
      - These databases may not be hosted on the server (C(deniedDatabases)). Setting it clears O(allowed_databases).
      - Each must be a legal database name; an illegal one is refused before anything is sent.
    type: list
    elements: str
  tags:
    description: Server tags for load balancing and routing policies; no duplicates, no commas.
    type: list
    elements: str
  reallocate:
    description:
      - After the other changes, spread the databases over the enabled servers with C(REALLOCATE DATABASES), when Neo4j's
        C(DRYRUN REALLOCATE DATABASES) plans any move (reported in RV(plan)); typically after enabling a new server.
    type: bool
    default: false
  wait:
    description: Wait until the databases have moved (see the description).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true). The task fails when the time runs out, naming the servers and databases not yet
        settled. Must be greater than V(0), like every timeout option of the collection.
    type: float
    default: 600
notes:
  - Needs Neo4j Enterprise Edition 5.26 or later in a cluster, and the C(SERVER MANAGEMENT) privilege (or C(admin)).
  - Neo4j has no C(CORDON SERVER) command; cordoning is the procedure C(dbms.cluster.cordonServer).
seealso:
  - module: graphops.neo4j.neo4j_info
  - module: graphops.neo4j.neo4j_database
  - name: Neo4j Operations Manual, managing servers in a cluster
    description: The server lifecycle and the commands this module sends.
    link: https://neo4j.com/docs/operations-manual/current/clustering/servers/
'''

EXAMPLES = r'''
- name: Enable a new server and move some databases onto it
  graphops.neo4j.neo4j_server:
    server: 25a7efc7-d063-44b8-bdee-f23357f89f01
    name: eu-server-4
    state: enabled
    tags: [eu, eu-west]
    reallocate: true

- name: Keep new databases off a server while it is repaired
  graphops.neo4j.neo4j_server:
    server: eu-server-4
    state: cordoned

- name: Scale in - move every database off a server, then remove it
  module_defaults:
    group/graphops.neo4j.neo4j:
      uri: neo4j+s://db.example.com:7687
      login_user: admin
      login_password: "{{ vault_neo4j_password }}"
  block:
    - name: Deallocate (waits until its databases run elsewhere)
      graphops.neo4j.neo4j_server:
        server: eu-server-4
        state: deallocated
        wait_timeout: 3600
    - name: Drop it
      graphops.neo4j.neo4j_server:
        server: eu-server-4
        state: dropped

- name: Make a server host secondaries only
  graphops.neo4j.neo4j_server:
    server: analytics-1
    mode_constraint: SECONDARY
'''

RETURN = r'''
server:
  description:
    - The server as C(SHOW SERVERS YIELD *) reports it after the task (before it in check mode), columns in snake_case;
      V(null) when it is no longer listed (dropped and stopped).
  returned: always
  type: dict
  contains:
    server_id:
      description: Server id (C(serverId)); never changes.
      type: str
    name:
      description: Server name (its id until renamed).
      type: str
      sample: eu-server-4
    address:
      description: Bolt address.
      type: str
      sample: db4.example.com:7687
    state:
      description: C(Free), C(Enabled), C(Cordoned), C(Deallocating), C(Deallocated) or C(Dropped).
      type: str
      sample: Enabled
    health:
      description: C(Available) or C(Unavailable).
      type: str
      sample: Available
    hosting:
      description: Databases the server hosts.
      type: list
      elements: str
      sample: [system, movies]
    requested_hosting:
      description: Databases the server should host.
      type: list
      elements: str
      sample: [system, movies]
    mode_constraint:
      description: C(PRIMARY), C(SECONDARY) or C(NONE).
      type: str
      sample: NONE
    allowed_databases:
      description: Databases allowed on the server.
      type: list
      elements: str
    denied_databases:
      description: Databases denied on the server.
      type: list
      elements: str
    tags:
      description: Server tags.
      type: list
      elements: str
plan:
  description:
    - The moves of Neo4j's dry run (C(DRYRUN DEALLOCATE DATABASES FROM SERVER) or C(DRYRUN REALLOCATE DATABASES)), one per
      database copy; in check mode what a real run would move.
  returned: always
  type: list
  elements: dict
  sample:
    - database: movies
      from_server_name: eu-server-4
      from_server_id: 135ad202-5405-4d3c-9822-df39f59b823c
      to_server_name: eu-server-5
      to_server_id: 00000003-b30a-434e-b9bf-1a5c8009773a
      mode: primary
queries:
  description: The administration statements sent (in check mode, the ones that would be sent), with their parameters.
  returned: always
  type: list
  elements: dict
  sample:
    - query: DEALLOCATE DATABASES FROM SERVER $server
      params: {server: 135ad202-5405-4d3c-9822-df39f59b823c}
diff:
  description: The server's name, state and options before and after.
  returned: always
  type: dict
  sample:
    before: {name: eu-server-4, state: enabled, mode_constraint: NONE, allowed_databases: [], denied_databases: [], tags: []}
    after: {name: eu-server-4, state: deallocated, mode_constraint: NONE, allowed_databases: [], denied_databases: [], tags: []}
'''

from ansible_collections.graphops.neo4j.plugins.module_utils.connection import neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils import servers


def main():
    module = neo4j_module(dict(
        server=dict(type='str', required=True),
        name=dict(type='str'),
        state=dict(type='str', choices=list(servers.STATES)),
        mode_constraint=dict(type='str', choices=list(servers.MODE_CONSTRAINTS)),
        allowed_databases=dict(type='list', elements='str'),
        denied_databases=dict(type='list', elements='str'),
        tags=dict(type='list', elements='str'),
        reallocate=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='float', default=600.0),
    ))
    run_module(module, lambda client: servers.ensure(client, module.params, check_mode=module.check_mode),
               validate=servers.validate, fail_extra=dict(changed=False))


if __name__ == '__main__':
    main()

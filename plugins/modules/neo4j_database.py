#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_database
short_description: Create, drop, start, stop and reconfigure Neo4j databases
version_added: 0.1.0
description:
  - Manages one standard database of a Neo4j Enterprise 5.26+ or 2025.x server or cluster with Cypher administration commands
    (C(CREATE DATABASE), C(ALTER DATABASE), C(START DATABASE), C(STOP DATABASE), C(DROP DATABASE)) sent to the C(system) database.
  - Reads the current state with C(SHOW DATABASES) first and only sends what is needed, so a second run reports no change.
  - With O(wait=true) (the default) the task returns once every member hosting the database reports its current status equal
    to its requested status (C(currentStatus) and C(requestedStatus) in C(SHOW DATABASES), RV(database.members.current_status)
    and RV(database.members.requested_status) in the result), and fails with each member's status message when that does not
    happen in time.
  - Names are validated before anything is sent; the database name travels as a query parameter where Neo4j accepts one and is
    backtick-quoted otherwise.
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
    details: Reads the server and reports the statements it would send in RV(queries); changes nothing.
  diff_mode:
    support: full
    details: Reports the managed state (state, access, topology) before and after.
options:
  name:
    description:
      - Name of the database. 3 to 63 characters, starting with an ASCII letter, then ASCII letters, digits, C(.) and C(-),
        not ending with C(.) or C(-). Names starting with C(system) are reserved.
      - Neo4j treats names case-insensitively and stores them in lower case; the module does the same.
    type: str
    required: true
  state:
    description:
      - V(present) creates the database if it is missing (Neo4j starts it on creation) and leaves an existing one running or stopped.
      - V(started) also starts an existing stopped database; V(stopped) creates it if needed and stops it.
      - V(absent) drops it. Local aliases that point at it must be removed first (see M(graphops.neo4j.neo4j_alias)).
    type: str
    choices: [present, absent, started, stopped]
    default: present
  topology:
    description:
      - Number of primary and secondary allocations in the cluster. Set on creation and changed with C(ALTER DATABASE ... SET TOPOLOGY)
        when it differs.
      - Without it, a new database gets the cluster's default topology and an existing one keeps its own.
      - The task fails before changing anything when the cluster has fewer enabled servers than requested, or when asked to go from
        several primaries to one (Neo4j cannot do that automatically).
    type: dict
    suboptions:
      primaries:
        description: Number of primaries (at least 1).
        type: int
        required: true
      secondaries:
        description: Number of secondaries.
        type: int
        default: 0
  access:
    description:
      - Access mode, changed with C(ALTER DATABASE ... SET ACCESS). Without it the access mode is left alone (new databases are read-write).
    type: str
    choices: [read-write, read-only]
  seed_uri:
    description:
      - On creation only, seed the database from a backup or dump at this URI (C(OPTIONS {seedURI})), for example
        V(s3://backups/movies-2025-01-01T00-00-00.backup) or V(file:/var/backups/movies-2025-01-01T00-00-00.backup). A
        differential backup seeds the chain ending at it; a folder (ending in V(/)) its newest chain.
        Ignored when the database already exists.
      - The URI is checked first (a scheme a Neo4j seed provider serves, an absolute C(file:) path, a bucket).
      - Neo4j fetches and checks the seed as the database starts. A seed it cannot use fails the task with Neo4j's
        C(statusMessage) and the database this task created is dropped again.
      - Implies O(existing_data=use), which Neo4j 5 requires with a seed URI.
    type: str
  seed_config:
    description:
      - On creation only, configuration of the seed provider (C(OPTIONS {seedConfig})), for example V(region=eu-west-1). Needs O(seed_uri).
    type: str
  seed_credentials:
    description:
      - On creation only, C(accessKey;secretKey) for the seed provider (C(OPTIONS {seedCredentials})). Needs O(seed_uri).
      - Deprecated by Neo4j in 5.26 and removed in Cypher 25; prefer credentials configured on the servers.
      - On Neo4j 2025.06 and later the C(CREATE DATABASE) that carries it is sent as C(CYPHER 5 CREATE DATABASE ...), so it
        also works where C(system) runs Cypher 25 (the default of the C(neo4j.conf) shipped with 2026.02 and later).
    type: str
  existing_data:
    description:
      - On creation only, C(OPTIONS {existingData}). Needs O(seed_uri) or O(existing_data_seed_server).
      - Deprecated by Neo4j in Cypher 25 (2025.06), where it has no effect; Cypher 5 needs it with a seed.
    type: str
    choices: [use]
  existing_data_seed_server:
    description:
      - On creation only, the C(serverId) (from C(SHOW SERVERS)) of the server whose existing store seeds the others
        (C(OPTIONS {existingDataSeedServer}), Neo4j 5.25 and later).
    type: str
  drop_data:
    description:
      - With O(state=absent), V(destroy) deletes the store files and V(dump) first writes a dump to the servers' dumps directory
        (C(DROP DATABASE ... DUMP DATA)). Neo4j's default is V(destroy).
    type: str
    choices: [dump, destroy]
  wait:
    description:
      - Wait until every member hosting the database reports its current status equal to its requested status (or, for O(state=absent),
        until the database is no longer listed), polling C(SHOW DATABASES).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true). The task fails when the time runs out, listing every member that did not make it.
      - Must be greater than V(0), like every timeout option of the collection.
    type: float
    default: 300
notes:
  - Needs Neo4j Enterprise Edition 5.26 or later (the database name is sent as a parameter, which older releases do not accept).
  - Creation-only options (O(seed_uri), O(seed_config), O(seed_credentials), O(existing_data), O(existing_data_seed_server)) are
    not compared with an existing database.
seealso:
  - module: graphops.neo4j.neo4j_alias
  - name: Neo4j Operations Manual, managing databases
    description: The Cypher administration commands this module sends.
    link: https://neo4j.com/docs/operations-manual/current/database-administration/standard-databases/
'''

EXAMPLES = r'''
- name: Create a database with three primaries and wait until it is online everywhere
  graphops.neo4j.neo4j_database:
    uri: neo4j://db1.example.com:7687
    login_password: "{{ neo4j_password }}"
    name: movies-2025-01-31
    topology:
      primaries: 3

- name: Seed a database from a backup in S3
  graphops.neo4j.neo4j_database:
    name: movies
    seed_uri: s3://backups/movies/movies-2025-01-31T00-00-00.backup
    seed_config: region=eu-west-1
    wait_timeout: 1800

- name: Make a database read-only
  graphops.neo4j.neo4j_database:
    name: movies
    access: read-only

- name: Stop a database
  graphops.neo4j.neo4j_database:
    name: movies
    state: stopped

- name: Drop a database, keeping a dump of it
  graphops.neo4j.neo4j_database:
    name: movies-2024-12-31
    state: absent
    drop_data: dump

- name: Connection options once for all graphops.neo4j modules
  module_defaults:
    group/graphops.neo4j.neo4j:
      uri: neo4j+s://db.example.com:7687
      login_user: admin
      login_password: "{{ vault_neo4j_password }}"
  block:
    - name: Start a database without waiting
      graphops.neo4j.neo4j_database:
        name: movies
        state: started
        wait: false
'''

RETURN = r'''
database:
  description:
    - The database as C(SHOW DATABASES YIELD *) reports it after the task (before it in check mode), with the columns that are
      the same on every member at the top and one entry per hosting member in RV(database.members), the same shape as a
      database in the C(databases) result of M(graphops.neo4j.neo4j_info) (without C(healthy)).
    - Neo4j's column names are returned in snake_case (C(requestedStatus) as C(requested_status), C(serverID) as C(server_id));
      columns that later Neo4j releases add follow the same rule. The values are Neo4j's.
    - V(null) when the database does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: Database name.
      type: str
      sample: movies
    type:
      description: C(standard), C(system) or C(composite).
      type: str
      sample: standard
    access:
      description: C(read-write) or C(read-only).
      type: str
      sample: read-write
    aliases:
      description: Aliases that point at the database.
      type: list
      elements: str
      sample: [movies-live]
    requested_status:
      description: C(online) or C(offline) (C(requestedStatus)).
      type: str
      sample: online
    requested_primaries_count:
      description: Requested number of primaries (C(requestedPrimariesCount)).
      type: int
      sample: 3
    requested_secondaries_count:
      description: Requested number of secondaries (C(requestedSecondariesCount)).
      type: int
      sample: 0
    writer:
      description: Key in RV(database.members) of the member that accepts writes; V(null) when none does.
      type: str
      sample: server1
    members:
      description:
        - One entry per server hosting the database, keyed by server name as C(SHOW SERVERS) lists it.
        - When the server is not listed, or the user may not run C(SHOW SERVERS), the key is the member's address (else its
          C(server_id)).
      type: dict
      contains:
        address:
          description: Bolt address of the server; V(null) when the server is unavailable.
          type: str
          sample: db1.example.com:7687
        server_id:
          description: Server id (C(serverID)), as C(server_id) in the C(servers) result of M(graphops.neo4j.neo4j_info).
          type: str
        role:
          description: C(primary), C(secondary) or C(unknown).
          type: str
          sample: primary
        writer:
          description: Whether this member accepts writes (the leader).
          type: bool
          sample: true
        requested_status:
          description: Status the database should have (C(requestedStatus)).
          type: str
          sample: online
        current_status:
          description: Status it has on this member (C(currentStatus)); C(online), C(offline), C(starting), C(stopping),
            C(store copying), C(unknown), ...
          type: str
          sample: online
        status_message:
          description: Explanation Neo4j gives for the status (C(statusMessage)), for example the reason a start failed.
          type: str
          sample: ""
        last_committed_txn:
          description: Id of the last transaction committed on this member (C(lastCommittedTxn)); V(null) when the member is
            unavailable.
          type: int
        replication_lag:
          description: How many transactions this member is behind the most up-to-date member (C(replicationLag)).
          type: int
          sample: 0
  sample:
    name: movies
    type: standard
    access: read-write
    aliases: []
    requested_status: online
    requested_primaries_count: 1
    requested_secondaries_count: 0
    writer: server1
    members:
      server1:
        address: db1.example.com:7687
        server_id: d6f5c1a8-4e1d-4bb2-9a76-2a3e1e4b5f10
        role: primary
        writer: true
        requested_status: online
        current_status: online
        status_message: ""
        last_committed_txn: 7
        replication_lag: 0
queries:
  description:
    - The administration statements sent (in check mode, the ones that would be sent), with their parameters; secrets are masked.
  returned: always
  type: list
  elements: dict
  sample:
    - query: "CREATE DATABASE $name IF NOT EXISTS TOPOLOGY $primaries PRIMARIES $secondaries SECONDARIES"
      params: {name: movies, primaries: 3, secondaries: 0}
diff:
  description: The managed state before and after (state, access, topology).
  returned: always
  type: dict
  sample:
    before: {state: absent}
    after: {name: movies, state: started, access: read-write, topology: {primaries: 3, secondaries: 0}}
'''

from ansible_collections.graphops.neo4j.plugins.module_utils.connection import neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils import databases, progress


def main():
    module = neo4j_module(dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=list(databases.STATES)),
        topology=dict(type='dict', options=dict(
            primaries=dict(type='int', required=True),
            secondaries=dict(type='int', default=0),
        )),
        access=dict(type='str', choices=list(databases.ACCESS)),
        seed_uri=dict(type='str'),
        seed_config=dict(type='str'),
        seed_credentials=dict(type='str', no_log=True),
        existing_data=dict(type='str', choices=['use']),
        existing_data_seed_server=dict(type='str'),
        drop_data=dict(type='str', choices=list(databases.DROP_DATA)),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='float', default=300.0),
        progress_interval=dict(type='float', default=progress.DEFAULT_INTERVAL),
    ))
    # databases.validate refuses contradictory options before connecting; a failure after a change
    # (a wait that timed out) reports the partial result, changed=True included.
    run_module(module, lambda client: databases.ensure(client, module.params, check_mode=module.check_mode,
                                                       reporter=progress.reporter()),
               validate=databases.validate, fail_extra=dict(changed=False))


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_alias
short_description: Create, switch and remove Neo4j database aliases, with compare-and-swap
version_added: 0.1.0
description:
  - Manages one database alias of a Neo4j Enterprise 5.26+ or 2025.x server or cluster with C(CREATE ALIAS), C(ALTER ALIAS) and
    C(DROP ALIAS) sent to the C(system) database.
  - A local alias points at a database of the same DBMS; a remote alias (O(url) set) points at a database of another DBMS.
  - Switching an alias to another database is the cut-over step of a blue/green deployment. With O(expected_target) the switch
    happens only while the alias still points at that database (compare-and-swap); otherwise the task fails and changes nothing.
  - Returns RV(previous_target), so a rollback is one more task with O(target) set to it.
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: full
    details: Reads the server, runs every check, and reports the statements it would send in RV(queries); changes nothing.
  diff_mode:
    support: full
    details: Reports the alias (target, location, url, user, driver, properties) before and after. Passwords are never shown.
options:
  name:
    description:
      - Name of the alias. Neo4j stores alias names in lower case; the module does the same.
      - The module accepts an ASCII letter first, then ASCII letters, digits, C(_), C(.) and C(-), not ending with C(.).
        Names starting with C(system) or C(_) are reserved. This is stricter than Neo4j, which also accepts whitespace and
        symbols in backticks, so that names read the same in YAML, shells, logs and Cypher.
      - The name cannot be the name of an existing database.
    type: str
    required: true
  state:
    description:
      - V(present) creates the alias or changes it to match; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  target:
    description:
      - Database the alias points at. Required with O(state=present).
      - For a local alias the database must exist, must not be an alias itself, and (unless O(require_online=false)) must be
        online on every member that hosts it, checked before the alias is created or switched.
      - For a remote alias, the name of the database on the remote DBMS.
    type: str
  expected_target:
    description:
      - Compare-and-swap. Switch (or, with O(state=absent), remove) the alias only if it currently points at this database,
        checked under the alias's write lock. If it points elsewhere, or does not exist, the task fails naming where it points,
        and nothing is changed.
      - When the alias already points at O(target), the task succeeds without change whatever this option says, so re-running a
        switch is safe.
    type: str
  require_online:
    description:
      - Refuse to create or switch a local alias to a database that is not online on every member hosting it.
    type: bool
    default: true
  url:
    description:
      - Makes the alias a remote alias pointing at O(target) on the DBMS at this Neo4j URI, for example V(neo4j+s://other.example.com:7687).
      - Neo4j cannot turn a local alias into a remote one or back; remove the alias first.
    type: str
  remote_user:
    description:
      - User the servers log in with at O(url). Required with O(url).
    type: str
    aliases: [remote_username]
  remote_password:
    description:
      - Password of O(remote_user). Required with O(url). Neo4j stores it encrypted with the keystore configured on every server.
    type: str
  update_password:
    description:
      - Neo4j does not reveal stored passwords, so they cannot be compared. V(on_create) sets O(remote_password) only when the alias
        is created; V(always) sends it on every run (and so always reports a change).
    type: str
    choices: [on_create, always]
    default: on_create
  driver:
    description:
      - Driver settings the servers use to reach a remote alias (C(DRIVER {...})). When given, they replace all current settings.
      - Keys C(ssl_enforced) (bool), C(connection_timeout), C(connection_max_lifetime), C(connection_pool_acquisition_timeout),
        C(connection_pool_idle_test) (durations as seconds, V(30s), V(5m), V(1h) or ISO 8601 such as V(PT1M)),
        C(connection_pool_max_size) (int) and C(logging_level) (C(DEBUG), C(INFO), C(WARN), C(ERROR), C(NONE)).
    type: dict
  properties:
    description:
      - Properties stored with the alias (C(PROPERTIES {...})). When given, they replace all current properties; V({}) clears them.
    type: dict
notes:
  - Needs Neo4j Enterprise Edition 5.26 or later.
  - Neo4j may abort transactions running against an alias while it is switched (C(Neo.TransientError.Transaction.Outdated));
    managed transactions of the official drivers retry them, explicit transactions must be retried by the application.
  - Switching or removing an existing alias takes the alias's write lock first (a properties write), reads it again under the
    lock, changes it and checks it after commit, all in one transaction on C(system); so of several concurrent tasks from the
    same O(expected_target) exactly one switches and the others fail naming the winner's target. A create uses
    C(CREATE ALIAS) without C(IF NOT EXISTS), so of concurrent creates exactly one succeeds.
  - Switched and created aliases carry the property C(graphops_switch), the token of the run that last switched them. The
    module hides it from O(properties) comparisons and from RV(alias), and keeps it when it rewrites the properties.
  - Aliases inside composite databases are not managed by this module.
seealso:
  - module: graphops.neo4j.neo4j_database
  - name: Neo4j Operations Manual, managing aliases
    description: The Cypher alias commands this module sends.
    link: https://neo4j.com/docs/operations-manual/current/database-administration/aliases/manage-aliases-standard-databases/
'''

EXAMPLES = r'''
- name: Point the movies alias at the green database, only if it still points at blue
  graphops.neo4j.neo4j_alias:
    name: movies
    target: movies-2025-02-01
    expected_target: movies-2025-01-31
  register: switch

- name: Roll back
  graphops.neo4j.neo4j_alias:
    name: movies
    target: "{{ switch.previous_target }}"
    expected_target: movies-2025-02-01
  when: rollback | default(false) | bool

- name: A remote alias for a database of another cluster
  graphops.neo4j.neo4j_alias:
    name: movies-eu
    target: movies
    url: neo4j+s://eu.example.com:7687
    remote_user: reader
    remote_password: "{{ vault_eu_reader_password }}"
    driver:
      ssl_enforced: true
      connection_timeout: 1m
      connection_pool_max_size: 10

- name: Remove an alias
  graphops.neo4j.neo4j_alias:
    name: movies-old
    state: absent
'''

RETURN = r'''
alias:
  description:
    - The alias as C(SHOW ALIASES FOR DATABASES YIELD *) reports it after the task (before it in check mode); V(null) when it does
      not exist.
    - The same keys as RV(diff) and as an alias in the C(aliases) result of M(graphops.neo4j.neo4j_info). The database the alias
      points at is C(target), as the option names it (Neo4j's column is C(database)); other columns keep Neo4j's names in
      snake_case.
  returned: always
  type: dict
  contains:
    name:
      description: Alias name.
      type: str
      sample: movies
    composite:
      description: Composite database the alias belongs to, V(null) for aliases outside composites.
      type: str
    target:
      description: Database the alias points at (C(database) in C(SHOW ALIASES)).
      type: str
      sample: movies-2025-02-01
    location:
      description: C(local) or C(remote).
      type: str
      sample: local
    url:
      description: URL of a remote alias.
      type: str
    user:
      description: User of a remote alias.
      type: str
    driver:
      description: Driver settings of a remote alias.
      type: dict
    properties:
      description: Alias properties.
      type: dict
  sample:
    name: movies
    composite: null
    target: movies-2025-02-01
    location: local
    url: null
    user: null
    driver: null
    properties: {}
previous_target:
  description: The database the alias pointed at before the task; V(null) if the alias did not exist.
  returned: always
  type: str
  sample: movies-2025-01-31
queries:
  description: The administration statements sent (in check mode, the ones that would be sent), with parameters; passwords are masked.
  returned: always
  type: list
  elements: dict
  sample:
    - query: "ALTER ALIAS `movies` SET DATABASE TARGET `movies-2025-02-01` PROPERTIES {graphops_switch: $property_graphops_switch}"
      params: {property_graphops_switch: 5f0c0a4e2b7d4c1e9a3f6b8d2c4e6a10}
diff:
  description: The alias before and after, with the keys of RV(alias) (C(state) added, C(composite) left out).
    Passwords are never shown.
  returned: always
  type: dict
  sample:
    before: {state: present, name: movies, target: movies-2025-01-31, location: local, properties: {}}
    after: {state: present, name: movies, target: movies-2025-02-01, location: local, properties: {}}
'''

from ansible_collections.graphops.neo4j.plugins.module_utils.connection import neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils import aliases


def main():
    module = neo4j_module(dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        target=dict(type='str'),
        expected_target=dict(type='str'),
        require_online=dict(type='bool', default=True),
        url=dict(type='str'),
        remote_user=dict(type='str', aliases=['remote_username']),
        remote_password=dict(type='str', no_log=True),
        update_password=dict(type='str', default='on_create', choices=['on_create', 'always'], no_log=False),
        driver=dict(type='dict'),
        properties=dict(type='dict'),
    ))
    # aliases.validate refuses contradictory options before connecting; a statement builder may
    # still refuse a value with ValueError.
    run_module(module, lambda client: aliases.ensure(client, module.params, check_mode=module.check_mode),
               validate=aliases.validate, fail_extra=dict(changed=False))


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: neo4j_query
short_description: Run a Cypher query against Neo4j
version_added: 0.1.0
description:
  - Runs one Cypher statement with parameters in a managed transaction and returns its rows and counters.
  - The task reports C(changed) when the statement wrote something, that is when its counters contain data or
    system updates. A statement that matches nothing to update reports no change.
  - Transient failures (leader switch, database briefly unavailable) retry the whole transaction for up to
    O(retry_timeout) seconds, so write statements should be safe to run again (use C(MERGE) rather than C(CREATE)
    where it matters).
author:
  - graphops.neo4j contributors (@graphops)
options:
  query:
    description:
      - The Cypher statement. Pass values through O(parameters) (C($name) in the statement) instead of templating
        them into the text.
    type: str
    required: true
  parameters:
    description:
      - Parameters of the statement, available as C($name).
      - Their values appear in the task's output like any module argument (for example with C(-vvv)); pass
        secret values in O(secret_parameters) instead.
    type: dict
    default: {}
  secret_parameters:
    description:
      - More parameters of the statement, available as C($name) like those of O(parameters), whose values are
        secret, such as passwords or tokens.
      - Ansible treats this option as C(no_log), so its values never appear in the module arguments shown with
        C(-vvv), in the module's log on the host, in the result, or in error messages. A value is shown as
        C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER), and as C(********) inside a longer text, including in RV(rows)
        that return it. The parameter names stay visible.
      - As with any C(no_log) value, a short or common value (such as V(1)) is masked wherever it appears in the
        output, so keep only secrets here.
      - A name may appear in O(parameters) or here, not both.
    type: dict
    default: {}
  database:
    description:
      - Database (or alias) to run the statement on. Defaults to the home database of the user.
      - V(system), a database name or an alias name (Neo4j's naming rules); anything else is refused before connecting.
    type: str
  routing:
    description:
      - V(write) runs the statement in a write transaction, on the member that leads the database. It works for every
        statement, so it is the default.
      - V(read) runs it in a read transaction, which a cluster may serve from any member; the server refuses writes in
        it. Use it for queries that only read, to spread load and to have them run in check mode.
    type: str
    choices: [write, read]
    default: write
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: partial
    details:
      - With O(routing=read) the statement runs in check mode as usual, since the server refuses writes in a read
        transaction.
      - With O(routing=write) the statement is not run in check mode; the task reports C(changed=false),
        C(skipped_in_check_mode=true) and a message saying so.
  diff_mode:
    support: none
notes:
  - Statements that manage their own transactions (C(CALL { ... } IN TRANSACTIONS)) cannot run in the managed
    transaction this module uses.
  - Values in RV(rows) are converted to plain data. Temporal values become ISO 8601 strings; nodes, relationships and
    paths become dictionaries.
seealso:
  - module: graphops.neo4j.neo4j_info
'''

EXAMPLES = r'''
- name: Count the movies of one year
  graphops.neo4j.neo4j_query:
    database: movies
    routing: read
    query: MATCH (m:Movie) WHERE m.released = $year RETURN count(m) AS movies
    parameters:
      year: 1999
  register: result

- name: Show the count
  ansible.builtin.debug:
    msg: "{{ result.rows[0].movies }}"

- name: Create a user account; the password never shows in the output, not even with -vvv
  graphops.neo4j.neo4j_query:
    database: accounts
    query: >-
      MERGE (a:Account {name: $name})
      SET a.password_hash = $password_hash
    parameters:
      name: alice
    secret_parameters:
      password_hash: "{{ vault_alice_password_hash }}"

- name: Make sure a node exists (changed only when it was created)
  graphops.neo4j.neo4j_query:
    database: movies
    query: >-
      MERGE (g:Genre {name: $name})
      RETURN g.name AS name
    parameters:
      name: Drama
'''

RETURN = r'''
rows:
  description: The records of the result, one dictionary per record keyed by column name.
  returned: always
  type: list
  elements: dict
  sample: [{movies: 42}]
row_count:
  description: Number of records in RV(rows).
  returned: always
  type: int
  sample: 1
counters:
  description:
    - What the statement changed, from the result summary. Empty when the statement was not run.
    - C(contains_updates) is true when data changed, C(contains_system_updates) when an administration command
      changed the system database.
  returned: always
  type: dict
  sample:
    nodes_created: 1
    nodes_deleted: 0
    relationships_created: 0
    relationships_deleted: 0
    properties_set: 1
    labels_added: 1
    labels_removed: 0
    indexes_added: 0
    indexes_removed: 0
    constraints_added: 0
    constraints_removed: 0
    system_updates: 0
    contains_updates: true
    contains_system_updates: false
notifications:
  description: Notifications the server sent with the result (deprecations, performance hints), as GQL status and text.
  returned: always
  type: list
  elements: dict
  sample: []
query:
  description: The statement, as given.
  returned: always
  type: str
  sample: MATCH (m:Movie) RETURN count(m) AS movies
database:
  description: The database given in O(database), or null for the home database.
  returned: always
  type: str
  sample: movies
routing:
  description: The routing the statement ran with.
  returned: always
  type: str
  sample: read
skipped_in_check_mode:
  description: True when check mode kept a write-routed statement from running.
  returned: always
  type: bool
  sample: false
'''

from ansible_collections.graphops.neo4j.plugins.module_utils.connection import neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils.query import ROUTING, all_parameters, run_query, validate


def main():
    module = neo4j_module(dict(
        query=dict(type="str", required=True),
        parameters=dict(type="dict", default={}),
        secret_parameters=dict(type="dict", default={}, no_log=True),
        database=dict(type="str"),
        routing=dict(type="str", default="write", choices=list(ROUTING)),
    ))
    p = module.params
    run_module(module,
               lambda client: run_query(client, p["query"], all_parameters(p["parameters"], p["secret_parameters"]),
                                        p["database"], p["routing"], module.check_mode),
               validate=validate,
               fail_extra=dict(query=p["query"]))


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_privileges_copy
short_description: Give a Neo4j database the privileges another database has, before an alias moves to it
version_added: 0.1.0
description:
  - Grants on O(target) every privilege that any role holds on O(source), as listed by C(SHOW PRIVILEGES AS COMMANDS); with
    O(exclusive=true) it also revokes the privileges O(target) holds that O(source) does not, so both end up with the same.
  - "Neo4j defines privileges on databases, not on local aliases: a grant made through an alias lands on the database the
    alias points at and stays there when the alias is switched. Run this module before switching an alias from blue to green
    (and before a rollback, from green to blue), so that users reading through the alias keep exactly their access."
  - Every kind of privilege is copied, including kinds M(graphops.neo4j.neo4j_role) does not manage, by naming the target
    database instead of the source in Neo4j's own command. Privileges on all databases (C(*)) or on C(HOME) are not tied to
    either database and are left alone.
  - All changes run in one transaction on C(system).
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: full
    details: Reads the privileges and reports the statements it would send; changes nothing.
  diff_mode:
    support: full
    details: Reports the privileges on O(target) before and after, as Neo4j lists them.
options:
  source:
    description:
      - Database whose privileges are copied. An alias name means the database it points at now.
    type: str
    required: true
  target:
    description:
      - Database that receives the privileges. An alias name means the database it points at now. Nothing happens when source
        and target are the same database.
    type: str
    required: true
  roles:
    description:
      - Copy only the privileges of these roles (default every role).
    type: list
    elements: str
  exclusive:
    description:
      - Also revoke from O(target) the privileges (of the roles concerned) that O(source) does not have, so that O(target) holds
        exactly O(source)'s privileges. Immutable privileges are left alone.
    type: bool
    default: false
notes:
  - Needs Neo4j Enterprise Edition 5.26 or later, and the C(SHOW PRIVILEGE), C(ASSIGN PRIVILEGE) and C(REMOVE PRIVILEGE)
    privileges (C(PRIVILEGE MANAGEMENT), or C(ALL DBMS PRIVILEGES) as C(admin) has).
  - Immutable privileges cannot be granted while auth is enabled; those of O(source) are listed in RV(skipped).
  - C(playbooks/blue_green.yml) and C(playbooks/rollback.yml) run this module before they switch the alias
    (C(bg_copy_privileges), default true).
seealso:
  - module: graphops.neo4j.neo4j_role
  - module: graphops.neo4j.neo4j_alias
  - name: Neo4j Operations Manual, database aliases
    description: "Privileges are defined on the database, and not the local database alias."
    link: https://neo4j.com/docs/operations-manual/current/database-administration/aliases/manage-aliases-standard-databases/
'''

EXAMPLES = r'''
- name: Give green the privileges blue has, before the alias moves
  graphops.neo4j.neo4j_privileges_copy:
    source: catalog-20260101000000
    target: catalog-20260201000000
    exclusive: true

- name: Only the application's roles
  graphops.neo4j.neo4j_privileges_copy:
    source: catalog
    target: catalog-20260201000000
    roles: [catalog_reader, catalog_writer]
'''

RETURN = r'''
source_database:
  description: The source database (an alias resolved to its target).
  returned: always
  type: str
  sample: catalog-20260101000000
target_database:
  description: The target database (an alias resolved to its target).
  returned: always
  type: str
  sample: catalog-20260201000000
granted:
  description: The privileges granted (or denied) on the target, as Neo4j lists them.
  returned: always
  type: list
  elements: str
  sample: ["GRANT ACCESS ON DATABASE `catalog-20260201000000` TO `catalog_reader`"]
revoked:
  description: The REVOKE commands sent (O(exclusive=true)).
  returned: always
  type: list
  elements: str
  sample: []
skipped:
  description: Immutable privileges of the source that could not be copied.
  returned: always
  type: list
  elements: str
  sample: []
queries:
  description: The statements sent (in check mode, the ones that would be sent), in the order they run in one transaction.
  returned: always
  type: list
  elements: dict
diff:
  description: The privileges on the target before and after.
  returned: always
  type: dict
'''

from ansible_collections.graphops.neo4j.plugins.module_utils.connection import neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils import privileges_copy


def main():
    module = neo4j_module(dict(
        source=dict(type='str', required=True),
        target=dict(type='str', required=True),
        roles=dict(type='list', elements='str'),
        exclusive=dict(type='bool', default=False),
    ))
    result = {}

    def work(client):
        result.update(privileges_copy.ensure(client, module.params, check_mode=module.check_mode))
        if result.get("skipped"):
            module.warn("Immutable privileges cannot be copied with auth enabled: %s" % "; ".join(result["skipped"]))
        return result

    run_module(module, work, fail_extra=dict(changed=False))


if __name__ == '__main__':
    main()

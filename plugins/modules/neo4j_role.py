#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_role
short_description: Create and remove Neo4j roles, and manage their members and privileges
version_added: 0.1.0
description:
  - Manages one role of a Neo4j Enterprise 5.26+ or 2025.x DBMS on the C(system) database; C(CREATE ROLE [AS COPY OF]),
    C(DROP ROLE), C(GRANT ROLE) / C(REVOKE ROLE) for its members, and C(GRANT), C(DENY) and C(REVOKE) of its graph, database
    and DBMS privileges.
  - Privileges are compared with what C(SHOW ROLE ... PRIVILEGES AS COMMANDS) lists, so a second run changes nothing.
  - All changes of one task run in one transaction, so a refusal part way leaves the role exactly as it was.
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: full
    details: Reads the role and reports the statements it would send in RV(queries); changes nothing.
  diff_mode:
    support: full
    details: Reports the role's members and privileges (as Neo4j lists them) before and after.
options:
  name:
    description:
      - Name of the role. Neo4j role names start with an ASCII letter, then ASCII letters, digits and C(_); they are case
        sensitive.
    type: str
    required: true
  state:
    description:
      - V(present) creates the role if needed and brings members and privileges in line; V(absent) removes it, and with it its
        privileges and every user's membership. The C(PUBLIC) role cannot be removed.
    type: str
    choices: [present, absent]
    default: present
  copy_from:
    description:
      - Create the role as a copy of this role (C(CREATE ROLE ... AS COPY OF)), with its privileges but not its members. Used
        only when the role is created; the role must exist.
    type: str
  members:
    description:
      - Users that hold the role (C(GRANT ROLE ... TO)). The users must exist.
      - Users not listed keep the role unless O(members_exclusive=true).
    type: list
    elements: str
  members_exclusive:
    description:
      - Revoke the role from every user not in O(members).
    type: bool
    default: false
  privileges:
    description:
      - Privileges the role holds, each written as its Cypher command without the role, for example
        V(GRANT MATCH {*} ON GRAPH movies), V(DENY WRITE ON GRAPH movies), V(ACCESS ON DATABASE movies) (C(GRANT) is the
        default), V(GRANT ROLE MANAGEMENT ON DBMS).
      - "Supported: C(ACCESS), C(START), C(STOP), C(INDEX MANAGEMENT), C(CONSTRAINT MANAGEMENT), C(NAME MANAGEMENT),
        C(SHOW INDEX), C(SHOW CONSTRAINT), C(ALL DATABASE PRIVILEGES), C(TRANSACTION MANAGEMENT (*)) on C(DATABASE[S] name|*)
        or C(HOME DATABASE); C(TRAVERSE), C(READ {props}), C(MATCH {props}), C(WRITE), C(CREATE), C(DELETE),
        C(SET PROPERTY {props}) on C(GRAPH[S] name|*) or C(HOME GRAPH), with C(NODES), C(RELATIONSHIPS) or C(ELEMENTS);
        C(ALL DBMS PRIVILEGES), C(ROLE MANAGEMENT), C(USER MANAGEMENT), C(DATABASE MANAGEMENT), C(ALIAS MANAGEMENT),
        C(PRIVILEGE MANAGEMENT), C(SHOW USER), C(SHOW ROLE), C(SHOW PRIVILEGE), C(EXECUTE PROCEDURE *),
        C(EXECUTE FUNCTION *) on C(DBMS); C(LOAD ON ALL DATA). Anything else is refused with a message naming it."
      - A database name may be a local alias. Neo4j stores the privilege on the alias's current target, so the module compares
        with the target too. The privilege does not follow the alias when it is switched to another database; copy privileges
        before a switch with M(graphops.neo4j.neo4j_privileges_copy).
      - Privileges not listed stay unless O(privileges_exclusive=true).
    type: list
    elements: str
  privileges_exclusive:
    description:
      - Revoke every privilege of the role that O(privileges) does not list. Immutable privileges cannot be revoked with auth
        enabled and are left alone.
    type: bool
    default: false
notes:
  - Needs Neo4j Enterprise Edition 5.26 or later, and the role and privilege management privileges (C(ROLE MANAGEMENT),
    C(PRIVILEGE MANAGEMENT), or C(ALL DBMS PRIVILEGES) as C(admin) has).
  - A CREATE that loses a race with another client creating the same role is not an error; the module then reads the role
    again and changes it to match, as for an existing role.
  - Neo4j lists one command per database, node or relationship segment and property, so one listed privilege such as
    C(GRANT MATCH {*} ON GRAPH movies) stands for two in RV(role.privileges) (C(NODE *) and C(RELATIONSHIP *)).
seealso:
  - module: graphops.neo4j.neo4j_user
  - module: graphops.neo4j.neo4j_privileges_copy
  - name: Neo4j Operations Manual, role-based access control
    description: The privilege commands and how SHOW PRIVILEGES lists them.
    link: https://neo4j.com/docs/operations-manual/current/authentication-authorization/manage-privileges/
'''

EXAMPLES = r'''
- name: A read-only role for the catalog application
  graphops.neo4j.neo4j_role:
    name: catalog_reader
    members: [catalog_ro]
    privileges:
      - GRANT ACCESS ON DATABASE catalog
      - GRANT MATCH {*} ON GRAPH catalog
    privileges_exclusive: true

- name: An editor role restricted to one database, with a denied label
  graphops.neo4j.neo4j_role:
    name: catalog_editor
    privileges:
      - GRANT ACCESS ON DATABASE catalog
      - GRANT MATCH {*} ON GRAPH catalog
      - GRANT WRITE ON GRAPH catalog
      - GRANT NAME MANAGEMENT ON DATABASE catalog
      - DENY DELETE ON GRAPH catalog NODES Invoice

- name: A copy of the built-in reader role
  graphops.neo4j.neo4j_role:
    name: analyst
    copy_from: reader

- name: Remove a role
  graphops.neo4j.neo4j_role:
    name: catalog_old
    state: absent
'''

RETURN = r'''
role:
  description: The role after the task (as it would be, in check mode); V(null) when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: Role name.
      type: str
      sample: catalog_reader
    members:
      description: Users that hold the role.
      type: list
      elements: str
      sample: [catalog_ro]
    privileges:
      description: The role's privileges as C(SHOW ROLE ... PRIVILEGES AS COMMANDS) lists them.
      type: list
      elements: str
      sample:
        - "GRANT ACCESS ON DATABASE `catalog-20260101000000` TO `catalog_reader`"
        - "GRANT MATCH {*} ON GRAPH `catalog-20260101000000` NODE * TO `catalog_reader`"
        - "GRANT MATCH {*} ON GRAPH `catalog-20260101000000` RELATIONSHIP * TO `catalog_reader`"
queries:
  description: The statements sent (in check mode, the ones that would be sent), in the order they run in one transaction.
  returned: always
  type: list
  elements: dict
  sample:
    - query: "CREATE ROLE $name"
      params: {name: catalog_reader}
    - query: "GRANT ACCESS ON DATABASE `catalog-20260101000000` TO `catalog_reader`"
      params: {}
diff:
  description: The role (members and privileges) before and after.
  returned: always
  type: dict
'''

from ansible_collections.graphops.neo4j.plugins.module_utils.connection import neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils import roles


def main():
    module = neo4j_module(dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        copy_from=dict(type='str'),
        members=dict(type='list', elements='str'),
        members_exclusive=dict(type='bool', default=False),
        privileges=dict(type='list', elements='str'),
        privileges_exclusive=dict(type='bool', default=False),
    ))
    run_module(module, lambda client: roles.ensure(client, module.params, check_mode=module.check_mode),
               validate=roles.validate, fail_extra=dict(changed=False))


if __name__ == '__main__':
    main()

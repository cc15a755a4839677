#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_user
short_description: Create, change and remove Neo4j users
version_added: 0.1.0
description:
  - Manages one user of a Neo4j Enterprise 5.26+ or 2025.x DBMS with C(CREATE USER), C(ALTER USER) and C(DROP USER) sent to
    the C(system) database.
  - Sets the password, whether it must be changed at the next login, the status (active or suspended), the home database
    and the external auth providers (C(SET AUTH), Neo4j 5.24 and later).
  - Roles are granted to users with M(graphops.neo4j.neo4j_role) (O(graphops.neo4j.neo4j_role#module:members)).
  - Passwords travel to Neo4j as query parameters only; they never appear in query text, results or diffs.
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.neo4j
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the user and reports the statement it would send in RV(queries); changes nothing.
      - With O(update_password=always) the password is compared the way a real run compares it, in a transaction that is
        rolled back (see O(update_password)).
  diff_mode:
    support: full
    details: Reports the user before and after (status, home database, auth providers, roles). Never a password, only
      C(password_changed).
options:
  name:
    description:
      - Name of the user. Neo4j user names are case sensitive and consist of printable ASCII characters other than C(,) and
        C(:), without whitespace.
    type: str
    required: true
  state:
    description:
      - V(present) creates the user or changes it to match; V(absent) removes it.
      - The built-in user C(neo4j) is never removed by this module, and a user cannot remove itself (O(login_user)).
    type: str
    choices: [present, absent]
    default: present
  password:
    description:
      - Password of the user (its C(native) auth provider). Required to create a user unless O(auth_providers) is given.
      - Neo4j refuses passwords shorter than C(dbms.security.auth_minimum_password_length) (default 8); the module reports
        Neo4j's refusal and changes nothing. An empty password is refused before anything is sent.
    type: str
  update_password:
    description:
      - Neo4j never returns a password or its hash, so the module cannot read it to compare.
      - V(always) compares honestly without reading it. Neo4j refuses C(ALTER USER ... SET PASSWORD) with the password the
        user already has ("Old password and new password cannot be the same."), so the module sends that statement in a
        transaction it always rolls back. Refused means unchanged (C(changed=false)); accepted means the password differs and
        it is set. The probe runs in check mode too.
      - V(on_create) sets the password only when the user is created (or has no password yet) and never compares it.
    type: str
    choices: [always, on_create]
    default: always
  password_change_required:
    description:
      - Whether the user must change the password at the next login (C(CHANGE [NOT] REQUIRED)).
      - When not given, an existing user keeps its setting and a new user gets Neo4j's default, C(CHANGE REQUIRED).
        Application users usually want V(false).
    type: bool
  status:
    description:
      - V(active) or V(suspended) (C(SET STATUS)). A suspended user cannot log in. When not given, an existing user keeps its
        status and a new user is active.
    type: str
    choices: [active, suspended]
  home_database:
    description:
      - Home database of the user (C(SET HOME DATABASE)), a database or an alias. V("") removes it (C(REMOVE HOME DATABASE)), so
        the DBMS default database is used.
    type: str
  auth_providers:
    description:
      - External auth providers of the user (C(SET AUTH 'provider' {SET ID 'id'}), Neo4j 5.24 and later), for example OIDC or
        LDAP providers configured in C(dbms.security.authentication_providers).
      - When given, the user's external providers are exactly these; V([]) removes them all. The C(native) provider is managed
        with O(password).
    type: list
    elements: dict
    suboptions:
      provider:
        description: Provider name as configured in Neo4j, for example C(oidc-mysso1).
        type: str
        required: true
      id:
        description: The user's unique id at that provider.
        type: str
        required: true
notes:
  - Needs Neo4j Enterprise Edition 5.26 or later, and the user management privileges (C(USER MANAGEMENT) or the specific
    C(CREATE USER), C(ALTER USER), C(SET PASSWORDS)...).
  - A CREATE that loses a race with another client creating the same user is not an error; the module then changes the user
    to match, as for an existing user.
seealso:
  - module: graphops.neo4j.neo4j_role
  - name: Neo4j Operations Manual, managing users
    description: The Cypher user commands this module sends.
    link: https://neo4j.com/docs/operations-manual/current/authentication-authorization/manage-users/
'''

EXAMPLES = r'''
- name: A read-only application user, password from the vault
  graphops.neo4j.neo4j_user:
    name: catalog_ro
    password: "{{ vault_catalog_ro_password }}"
    password_change_required: false

- name: Set the password only when the user is created
  graphops.neo4j.neo4j_user:
    name: catalog_rw
    password: "{{ vault_catalog_rw_password }}"
    update_password: on_create
    password_change_required: false
    home_database: catalog

- name: A user that logs in through single sign-on only
  graphops.neo4j.neo4j_user:
    name: jake
    auth_providers:
      - provider: oidc-mysso1
        id: jake@example.com

- name: Suspend a user
  graphops.neo4j.neo4j_user:
    name: former_colleague
    status: suspended

- name: Remove a user
  graphops.neo4j.neo4j_user:
    name: catalog_old
    state: absent
'''

RETURN = r'''
user:
  description: The user after the task (as it would be, in check mode); V(null) when it does not exist. Never holds a password.
  returned: always
  type: dict
  contains:
    name:
      description: User name.
      type: str
      sample: catalog_ro
    roles:
      description: Roles granted to the user, C(PUBLIC) included.
      type: list
      elements: str
      sample: [PUBLIC, catalog_reader]
    status:
      description: C(active) or C(suspended).
      type: str
      sample: active
    home_database:
      description: Home database, V(null) when the DBMS default is used.
      type: str
    native_auth:
      description: Whether the user has a password (the C(native) auth provider).
      type: bool
      sample: true
    password_change_required:
      description: Whether the password must be changed at the next login; V(null) without native auth.
      type: bool
      sample: false
    auth_providers:
      description: External auth providers, as C(provider) and C(id).
      type: list
      elements: dict
      sample: []
queries:
  description: The statements sent (in check mode, the ones that would be sent), with parameters; passwords are masked.
  returned: always
  type: list
  elements: dict
  sample:
    - query: "CREATE USER $name SET PASSWORD $password CHANGE NOT REQUIRED"
      params: {name: catalog_ro, password: "********"}
diff:
  description: The user before and after; C(password_changed) is V(true) in C(after) when the password is set.
  returned: always
  type: dict
'''

from ansible_collections.graphops.neo4j.plugins.module_utils.connection import neo4j_module, run_module
from ansible_collections.graphops.neo4j.plugins.module_utils import users


def main():
    module = neo4j_module(dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        password=dict(type='str', no_log=True),
        update_password=dict(type='str', default='always', choices=['always', 'on_create'], no_log=False),
        password_change_required=dict(type='bool', no_log=False),
        status=dict(type='str', choices=['active', 'suspended']),
        home_database=dict(type='str'),
        auth_providers=dict(type='list', elements='dict', options=dict(
            provider=dict(type='str', required=True),
            id=dict(type='str', required=True),
        )),
    ))
    run_module(module, lambda client: users.ensure(client, module.params, check_mode=module.check_mode),
               validate=users.validate, fail_extra=dict(changed=False))


if __name__ == '__main__':
    main()

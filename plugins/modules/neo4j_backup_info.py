#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_backup_info
short_description: List the Neo4j backups in a folder and an S3 prefix, per database, newest first, with their chains
version_added: 0.1.0
description:
  - Lists the backup artefacts in a local folder (or a cloud folder neo4j-admin wrote to), read with
    C(neo4j-admin backup inspect), and in an S3 prefix M(graphops.neo4j.neo4j_backup) shipped to, read from the objects'
    metadata (no download, no neo4j-admin needed).
  - For each artefact it returns its time, type, size and transaction range, the chain restoring it needs (its full backup
    and the differential backups between), whether that chain is whole, and the C(seed_uri) to create a database from it
    with M(graphops.neo4j.neo4j_database), so a restore playbook can pick one.
  - Changes nothing.
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.backup
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes.backup_modules
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    details: Read-only.
options:
  path:
    description:
      - A local backup folder, or an C(s3://), C(gs://) or C(azb://) folder that neo4j-admin wrote to. Read with
        C(neo4j-admin backup inspect), so it needs neo4j-admin (see O(neo4j_admin)). A missing local folder lists nothing.
    type: str
  database:
    description: Only these databases (names or C(*)/C(?) patterns).
    type: list
    elements: str
  timeout:
    description:
      - Seconds C(neo4j-admin backup inspect) may take. Must be greater than V(0), like every timeout option of the collection.
    type: float
    default: 600
requirements:
  - neo4j-admin (Neo4j Enterprise 5.26 or later) for O(path); boto3 for O(s3).
notes:
  - S3 objects without the metadata M(graphops.neo4j.neo4j_backup) writes (for example uploaded by other tools) are listed in
    RV(unknown) and left out of RV(backups).
seealso:
  - module: graphops.neo4j.neo4j_backup
  - module: graphops.neo4j.neo4j_database
'''

EXAMPLES = r'''
- name: What can movies be restored from?
  graphops.neo4j.neo4j_backup_info:
    database: [movies]
    path: /var/backups/neo4j
    s3:
      bucket: acme-neo4j-backups
      prefix: prod
  register: found

- name: Seed a new database from the newest backup
  graphops.neo4j.neo4j_database:
    name: movies-restore
    seed_uri: "{{ found.latest.movies.seed_uri }}"
'''

RETURN = r'''
backups:
  description:
    - Per database, every artefact found, newest first (an artefact in both places is listed once per place).
  returned: always
  type: dict
  sample:
    movies:
      - name: movies-2026-01-06T02-00-04.backup
        location: s3://acme-neo4j-backups/prod/movies-2026-01-06T02-00-04.backup
        source: s3
        database: movies
        database_id: 9d5ecc08-f54a-4749-8396-61cfdb03d486
        time: "2026-01-06T02:00:04Z"
        type: DIFF
        empty: false
        compressed: true
        lowest_tx: 43
        highest_tx: 57
        size: 20318
        chain: [movies-2026-01-05T02-00-03.backup, movies-2026-01-06T02-00-04.backup]
        full_backup: movies-2026-01-05T02-00-03.backup
        restorable: true
        seed_uri: s3://acme-neo4j-backups/prod/movies-2026-01-06T02-00-04.backup
  contains:
    source:
      description: C(local) (the O(path) folder, or the cloud folder given as O(path)) or C(s3) (the O(s3) prefix).
      type: str
    type:
      description: C(FULL) or C(DIFF).
      type: str
    empty:
      description: A differential backup taken when nothing had changed.
      type: bool
    chain:
      description: The artefacts restoring this one needs, oldest first, ending with it.
      type: list
      elements: str
    restorable:
      description: Whether the chain starts with a full backup (its parents are all there).
      type: bool
    seed_uri:
      description: The URI to seed a database from (C(file:/...) for local artefacts).
      type: str
latest:
  description: Per database, the newest restorable artefact that holds data (the first to pick for a restore), or V(null).
  returned: always
  type: dict
unknown:
  description: S3 objects named C(*.backup) without backup metadata, as s3:// URIs.
  returned: always
  type: list
  elements: str
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.graphops.neo4j.plugins.module_utils import backup_catalog
from ansible_collections.graphops.neo4j.plugins.module_utils.backup import BackupError
from ansible_collections.graphops.neo4j.plugins.module_utils.backup_s3 import (
    BOTO3_IMPORT_ERROR, HAS_BOTO3, S3Error, s3_argument_spec)
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jModuleError


def main():
    module = AnsibleModule(argument_spec=dict(
        path=dict(type='str'),
        database=dict(type='list', elements='str'),
        timeout=dict(type='float', default=600.0),
        neo4j_admin=dict(type='path'),
        additional_config=dict(type='path'),
        expand_commands=dict(type='bool', default=False),
        verbose=dict(type='bool', default=False),
        s3=s3_argument_spec(),
    ), supports_check_mode=True)
    if module.params['s3'] and not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)
    try:
        result = backup_catalog.gather(module.params)
    except (BackupError, S3Error, Neo4jModuleError) as exc:
        module.fail_json(**dict(getattr(exc, 'result', None) or {}, msg=exc.msg))
    except (IOError, OSError) as exc:
        module.fail_json(msg='%s' % exc, exception=traceback.format_exc())
    module.exit_json(**result)


if __name__ == '__main__':
    main()

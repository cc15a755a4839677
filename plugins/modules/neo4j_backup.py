#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_backup
short_description: Online backups of Neo4j databases with neo4j-admin, shipped to S3 and pruned by chain
version_added: 0.1.0
description:
  - Runs C(neo4j-admin database backup) on the host where C(neo4j-admin) is (a backup server, or the backup member itself)
    against the backup port (C(server.backup.listen_address), 6362) of the members in O(from), and reports per database the
    artefact it wrote (C(<database>-<YYYY-MM-DDTHH-MM-SS>.backup)), its type, size, transaction range and duration.
  - Which databases were backed up is read from the artefacts C(neo4j-admin backup inspect) lists, not from log wording; a
    requested database without a new artefact failed, and exit code 1 (Neo4j's "one or several backups failed, or succeeded
    with problems") fails the task with each database's outcome and the tail of neo4j-admin's output. Nothing is uploaded then.
  - With O(s3), the local artefacts of the backed-up databases that the bucket lacks are uploaded (multipart, SHA-256
    checksums checked after the upload); with O(retention), old artefacts are deleted locally and in the bucket without ever
    breaking a chain.
  - O(state=shipped), O(state=pruned), O(state=inspected) and O(state=aggregated) ship, prune, list or aggregate without taking
    a backup; O(state=absent) deletes one artefact by name (O(artifact)) from O(to_path) and O(s3).
  - Not in the C(group/graphops.neo4j.neo4j) action group, because it takes no Bolt connection options.
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - graphops.neo4j.backup
  - graphops.neo4j.progress
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - graphops.neo4j.attributes.backup_modules
attributes:
  check_mode:
    support: full
    details:
      - Reports the neo4j-admin command that would run, the uploads that would happen for artefacts already on disk and what
        O(retention) would delete now; runs and changes nothing.
  diff_mode:
    support: full
    details:
      - Returns the artefact names in O(to_path) and under the O(s3) prefix before and after the task (in check mode, after
        the uploads and deletions it would make; a new backup's name is only known once it is taken).
options:
  state:
    description:
      - V(present) takes a backup (always C(changed)), then runs O(consistency_check), ships to O(s3) and applies O(retention)
        when they are set.
      - V(shipped) uploads the local artefacts of O(database) in O(to_path) that O(s3) lacks; V(pruned) applies O(retention) to
        O(to_path) and O(s3); V(inspected) lists the artefacts in O(to_path) (C(neo4j-admin backup inspect)); V(aggregated)
        aggregates the newest chain of each O(database) (or the chain ending at O(artifact)) into one full artefact
        (C(neo4j-admin backup aggregate), C(database aggregate-backup) before 2025.01).
      - V(absent) deletes the artefact O(artifact) from the local O(to_path) and from the O(s3) prefix, wherever it is, and
        nothing else (not the rest of its chain); C(changed) when something was deleted. The
        C(graphops.neo4j.neo4j_blue_green) role's C(staged) load path removes its staged backup with it.
    type: str
    choices: [present, shipped, pruned, inspected, aggregated, absent]
    default: present
  database:
    description:
      - Databases to back up, as names or patterns (C(*), C(?)); V(*) is every database the servers in O(from) host, C(system)
        included. Default for O(state=present) is V(neo4j) (neo4j-admin's default).
      - For the other states, limits them to these databases (default all).
      - Aliases cannot be backed up, only databases.
    type: list
    elements: str
  from:
    description:
      - C(--from), the backup addresses (C(host:port)) tried in order. Name the backup member (a secondary) first, so serving
        members feel nothing. A server that does not answer makes neo4j-admin exit 1 even when another one served the backup.
      - Without it neo4j-admin uses its own default (the local backup port).
    type: list
    elements: str
  to_path:
    description:
      - C(--to-path), the folder of the artefacts, created (mode 0750) when missing. A local path, or an C(s3://), C(gs://) or
        C(azb://) URI where neo4j-admin writes itself (5.19, 5.21, 5.24 and later; credentials from the AWS, Google or Azure
        default chains of the host); O(s3) and O(retention) need a local path.
    type: str
  type:
    description:
      - C(--type). V(AUTO) takes a differential backup when a full backup of the same database is in O(to_path), else a full
        one; V(DIFF) fails without one.
    type: str
    choices: [AUTO, FULL, DIFF]
    default: AUTO
  compress:
    description: C(--compress).
    type: bool
    default: true
  keep_failed:
    description: C(--keep-failed), keep what a failed backup wrote, for analysis.
    type: bool
    default: false
  pagecache:
    description: C(--pagecache), the page cache of the backup process, for example V(4G).
    type: str
  heap_size:
    description: E(HEAP_SIZE) of the backup process, for example V(2G).
    type: str
  parallel_recovery:
    description: C(--parallel-recovery) (experimental in Neo4j).
    type: bool
    default: false
  temp_path:
    description:
      - C(--temp-path) (5.24 and later), an empty local folder for staging; strongly recommended by Neo4j when O(to_path) is in
        cloud storage.
    type: path
  include_metadata:
    description: C(--include-metadata), the users and roles script stored with the backup (not for C(system)).
    type: str
    choices: [all, none, users, roles]
  prefer_diff_as_parent:
    description: C(--prefer-diff-as-parent) (neo4j-admin 2025.04 and later).
    type: bool
  remote_address_resolution:
    description: C(--remote-address-resolution) (neo4j-admin 2025.09 and later).
    type: bool
  parallel_download:
    description: C(--parallel-download) (neo4j-admin 2025.11 and later).
    type: bool
  skip_recovery:
    description: C(--skip-recovery) (neo4j-admin 2025.11 and later).
    type: bool
  consistency_check:
    description:
      - After the backup, run C(neo4j-admin database check) on each new full artefact (Neo4j checks full backups only; a
        differential one is reported as C(skipped)). Inconsistencies fail the task before anything is uploaded, and the report
        is kept next to the artefact (or in O(report_path)).
    type: bool
    default: false
  report_path:
    description: C(--report-path) of the consistency check.
    type: path
  retention:
    description:
      - Which artefacts of the backed-up databases to keep, in O(to_path) and in O(s3); the others are deleted. An artefact that
        a kept one depends on (its full backup and the differential backups between) is always kept, and so is each database's
        newest complete chain.
    type: dict
    suboptions:
      keep_full:
        description: Keep the newest N full backups with their differential chains.
        type: int
      keep_days:
        description: Keep everything younger than this many days (and what it depends on).
        type: float
  artifact:
    description:
      - With O(state=aggregated), the artefact (file name in O(to_path)) whose chain to aggregate.
      - With O(state=absent), the artefact (file name, C(<database>-<time>.backup)) to delete.
    type: str
  keep_old_backup:
    description: With O(state=aggregated), C(--keep-old-backup), keep the chain that was aggregated.
    type: bool
    default: false
  timeout:
    description:
      - Seconds each neo4j-admin run may take; it is stopped (with its child processes) when the time runs out.
      - Must be greater than V(0), like every timeout option of the collection.
    type: float
    default: 3600
requirements:
  - neo4j-admin of Neo4j Enterprise 5.26 or later on the host running the task.
  - boto3 for O(s3).
notes:
  - Run it as the user neo4j-admin should run as (the C(neo4j) user; use C(become_user)).
  - Check mode runs C(neo4j-admin --version) and C(backup inspect), which change nothing.
seealso:
  - module: graphops.neo4j.neo4j_backup_info
  - module: graphops.neo4j.neo4j_database
  - name: Neo4j Operations Manual, back up an online database
    description: The neo4j-admin database backup command this module runs.
    link: https://neo4j.com/docs/operations-manual/current/backup-restore/online-backup/
'''

EXAMPLES = r'''
- name: Nightly backup of two databases from the backup member, shipped to S3, keeping a week
  graphops.neo4j.neo4j_backup:
    database: [movies, people]
    from: [db3.example.com:6362, db2.example.com:6362]
    to_path: /var/backups/neo4j
    neo4j_admin: /usr/bin/neo4j-admin
    s3:
      bucket: acme-neo4j-backups
      prefix: prod
      region: eu-west-1
      sse: aws:kms
      storage_class: STANDARD_IA
    retention:
      keep_full: 2
      keep_days: 7
  become: true
  become_user: neo4j

- name: Full backup of every database with a consistency check
  graphops.neo4j.neo4j_backup:
    database: ["*"]
    from: [db3.example.com:6362]
    to_path: /var/backups/neo4j
    type: FULL
    consistency_check: true

- name: Back up straight into S3 (neo4j-admin 5.19 and later writes there itself)
  graphops.neo4j.neo4j_backup:
    database: [movies]
    from: [db3.example.com:6362]
    to_path: s3://acme-neo4j-backups/prod/
    temp_path: /var/tmp/neo4j-backup

- name: List what is in the backup folder
  graphops.neo4j.neo4j_backup:
    state: inspected
    to_path: /var/backups/neo4j
  register: folder

- name: Aggregate the newest chain of movies into one full backup
  graphops.neo4j.neo4j_backup:
    state: aggregated
    database: [movies]
    to_path: /var/backups/neo4j

- name: Delete one artefact locally and in S3
  graphops.neo4j.neo4j_backup:
    state: absent
    artifact: movies-20260101000002-2026-01-05T02-00-03.backup
    to_path: /var/backups/neo4j/staging
    s3:
      bucket: acme-neo4j-backups
      prefix: staging

- name: Prune S3 only (what would go is shown in check mode)
  graphops.neo4j.neo4j_backup:
    state: pruned
    s3:
      bucket: acme-neo4j-backups
      prefix: prod
    retention:
      keep_days: 30
'''

RETURN = r'''
databases:
  description:
    - Per database (O(state=present)), what the run produced.
  returned: when state is present
  type: dict
  sample:
    movies:
      status: backed_up
      artifact: /var/backups/neo4j/movies-2026-01-05T02-00-03.backup
      name: movies-2026-01-05T02-00-03.backup
      type: DIFF
      empty: false
      size: 48213
      database_id: 9d5ecc08-f54a-4749-8396-61cfdb03d486
      time: "2026-01-05T02:00:03Z"
      lowest_tx: 6
      highest_tx: 42
      duration: 3.2
      consistency_check: skipped
  contains:
    status:
      description: C(backed_up) or C(failed).
      type: str
    artifact:
      description: Path (or cloud URI) of the new artefact; V(null) when it failed.
      type: str
    type:
      description: C(FULL) or C(DIFF).
      type: str
    empty:
      description: A differential backup taken when nothing had changed (transactions 0 to 0); it records the backup's time.
      type: bool
    size:
      description: Bytes (local artefacts only).
      type: int
    lowest_tx:
      description: First transaction in the artefact (1 for a full backup).
      type: int
    highest_tx:
      description: Last transaction in the artefact.
      type: int
    duration:
      description: Seconds this database's backup took.
      type: float
    output:
      description: For a failed database, the lines of neo4j-admin's output about it (else the tail of the output).
      type: list
      elements: str
    consistency_check:
      description: With O(consistency_check), C(passed), C(failed) or C(skipped) (differential backups).
      type: str
    consistency_report:
      description: The report file of a failed consistency check.
      type: str
command:
  description: The neo4j-admin command line (O(state=present)).
  returned: when state is present
  type: list
  elements: str
commands:
  description: The neo4j-admin aggregate command lines run (O(state=aggregated)).
  returned: when state is aggregated
  type: list
  elements: list
rc:
  description: Exit code of neo4j-admin database backup.
  returned: when a backup ran
  type: int
duration:
  description: Seconds the neo4j-admin backup run took.
  returned: when a backup ran
  type: float
neo4j_admin_version:
  description: What C(neo4j-admin --version) printed.
  returned: when neo4j-admin ran
  type: str
  sample: 5.26.0
output:
  description: The tail of neo4j-admin's output when it failed.
  returned: on failure
  type: list
  elements: str
uploads:
  description: One entry per local artefact considered for O(s3), oldest first.
  returned: when s3 is set and state is present or shipped
  type: list
  elements: dict
  contains:
    artifact:
      description: Artefact name.
      type: str
    key:
      description: Object key.
      type: str
    size:
      description: Bytes.
      type: int
    checksum:
      description:
        - The checksum computed from the local file, which S3 confirmed, base64 (SHA-256 C(digest-parts) for multipart uploads).
      type: str
    checksum_algorithm:
      description: C(SHA256) or C(CRC32) (O(s3.checksum_algorithm)).
      type: str
    changed:
      description: Whether it was uploaded (false when the bucket already held it with this checksum).
      type: bool
pruned:
  description: What O(retention) deleted (in check mode, would delete), by location (local paths, s3:// URIs).
  returned: when retention is set
  type: dict
  sample: {local: [/var/backups/neo4j/movies-2025-12-20T02-00-01.backup], s3: []}
kept:
  description: What O(retention) kept, by location.
  returned: when retention is set
  type: dict
removed:
  description: What O(state=absent) deleted (in check mode, would delete), by location (local paths, s3:// URIs).
  returned: when state is absent
  type: dict
  sample: {local: [/var/backups/neo4j/staging/movies-20260101000002-2026-01-05T02-00-03.backup], s3: []}
backups:
  description: The artefacts in O(to_path), newest first (O(state=inspected)); see M(graphops.neo4j.neo4j_backup_info) for chains.
  returned: when state is inspected
  type: list
  elements: dict
aggregated:
  description: Per database, the chain that was (or would be) aggregated and the resulting artefact.
  returned: when state is aggregated
  type: dict
diff:
  description: Artefact names per location (C(local), C(s3)) before and after the task.
  returned: with --diff, except for state inspected
  type: dict
  sample:
    before: {local: [movies-2026-01-04T02-00-01.backup], s3: [movies-2026-01-04T02-00-01.backup]}
    after: {local: [movies-2026-01-04T02-00-01.backup, movies-2026-01-05T02-00-03.backup],
            s3: [movies-2026-01-04T02-00-01.backup, movies-2026-01-05T02-00-03.backup]}
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.graphops.neo4j.plugins.module_utils import backup_tasks, progress
from ansible_collections.graphops.neo4j.plugins.module_utils.backup import BackupError
from ansible_collections.graphops.neo4j.plugins.module_utils.backup_s3 import (
    BOTO3_IMPORT_ERROR, HAS_BOTO3, S3Error, s3_argument_spec)
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jModuleError


def main():
    module = AnsibleModule(argument_spec=dict(
        state=dict(type='str', default='present', choices=list(backup_tasks.STATES)),
        database=dict(type='list', elements='str'),
        to_path=dict(type='str'),
        type=dict(type='str', default='AUTO', choices=list(backup_tasks.TYPES)),
        compress=dict(type='bool', default=True),
        keep_failed=dict(type='bool', default=False),
        pagecache=dict(type='str'),
        heap_size=dict(type='str'),
        parallel_recovery=dict(type='bool', default=False),
        temp_path=dict(type='path'),
        include_metadata=dict(type='str', choices=list(backup_tasks.INCLUDE_METADATA)),
        prefer_diff_as_parent=dict(type='bool'),
        remote_address_resolution=dict(type='bool'),
        parallel_download=dict(type='bool'),
        skip_recovery=dict(type='bool'),
        consistency_check=dict(type='bool', default=False),
        report_path=dict(type='path'),
        retention=dict(type='dict', options=dict(keep_full=dict(type='int'), keep_days=dict(type='float'))),
        artifact=dict(type='str'),
        keep_old_backup=dict(type='bool', default=False),
        neo4j_admin=dict(type='path'),
        additional_config=dict(type='path'),
        expand_commands=dict(type='bool', default=False),
        verbose=dict(type='bool', default=False),
        timeout=dict(type='float', default=3600.0),
        progress_interval=dict(type='float', default=progress.DEFAULT_INTERVAL),
        s3=s3_argument_spec(),
        **{'from': dict(type='list', elements='str')}
    ), supports_check_mode=True)
    if module.params['s3'] and not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)
    try:
        result = backup_tasks.ensure(module.params, check_mode=module.check_mode, diff=module._diff,
                                     reporter=progress.reporter())
    except (BackupError, S3Error, Neo4jModuleError) as exc:
        module.fail_json(**dict(getattr(exc, 'result', None) or {}, msg=exc.msg))
    except (IOError, OSError) as exc:
        module.fail_json(msg='%s' % exc, exception=traceback.format_exc())
    module.exit_json(**result)


if __name__ == '__main__':
    main()

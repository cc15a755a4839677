# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # neo4j-admin and S3 options of neo4j_backup and neo4j_backup_info (plugins/module_utils/backup*.py).
    DOCUMENTATION = r'''
options:
  neo4j_admin:
    description:
      - Path of the C(neo4j-admin) executable. By default the one on E(PATH), else C(/usr/bin/neo4j-admin) or
        C(/var/lib/neo4j/bin/neo4j-admin).
      - The task fails before anything runs when it is not found.
    type: path
  additional_config:
    description:
      - C(--additional-config), a C(neo4j-admin.conf) with settings for the backup client, for example the
        C(dbms.ssl.policy.backup.*) settings of a TLS-secured backup port.
    type: path
  expand_commands:
    description: C(--expand-commands), allow command expansion in the configuration.
    type: bool
    default: false
  verbose:
    description: C(--verbose) output from neo4j-admin.
    type: bool
    default: false
  s3:
    description:
      - An S3 bucket (or an S3-compatible store) for backups, reached with boto3 from the host running the task.
      - Credentials are O(s3.access_key)/O(s3.secret_key)(/O(s3.session_token)), else O(s3.profile), else the AWS
        default credential chain of that host (E(AWS_ACCESS_KEY_ID), E(AWS_SECRET_ACCESS_KEY), E(AWS_PROFILE),
        instance roles, ...). The endpoint is O(s3.endpoint_url), else E(AWS_ENDPOINT_URL_S3) or E(AWS_ENDPOINT_URL).
    type: dict
    suboptions:
      bucket:
        description: Bucket name. A missing bucket fails the task before anything is written.
        type: str
        required: true
      prefix:
        description:
          - Folder in the bucket; artefacts are stored as C(<prefix>/<artefact name>), the layout
            C(neo4j-admin database backup --to-path=s3://bucket/prefix/) and the seed providers use.
        type: str
        default: ""
      region:
        description: AWS region of the bucket.
        type: str
      endpoint_url:
        description: URL of an S3-compatible endpoint (MinIO, Ceph, a VPC endpoint, ...).
        type: str
      profile:
        description: Named profile from the AWS configuration files.
        type: str
      access_key:
        description: Access key id.
        type: str
      secret_key:
        description: Secret access key.
        type: str
      session_token:
        description: Session token of temporary credentials.
        type: str
      validate_certs:
        description: Verify the endpoint's TLS certificate.
        type: bool
        default: true
      addressing_style:
        description: C(path) or C(virtual) host addressing; C(auto) lets boto3 choose.
        type: str
        choices: [auto, path, virtual]
        default: auto
      sse:
        description: Server-side encryption of uploaded objects, C(AES256) (SSE-S3) or C(aws:kms) (SSE-KMS).
        type: str
        choices: [AES256, "aws:kms"]
      sse_kms_key_id:
        description: KMS key for O(s3.sse=aws:kms); the bucket's default key when not set.
        type: str
      storage_class:
        description: Storage class of uploaded objects, for example C(STANDARD_IA) or C(GLACIER_IR).
        type: str
      checksum_algorithm:
        description:
          - The checksum that proves an upload. V(SHA256) (S3 checks each part; the module compares the composite
            checksum of the parts it computed from the local file with the one S3 stored). V(CRC32) (the module computes
            the CRC32 of the whole file, S3 checks the whole object against it before completing the upload, and the module
            compares again); much cheaper on CPU.
          - Changing it makes objects uploaded with the other one look different, so they are uploaded again once.
        type: str
        choices: [SHA256, CRC32]
        default: SHA256
      multipart_threshold:
        description: Files of at least this many bytes are uploaded in parts (boto3 C(TransferConfig)).
        type: int
        default: 8388608
      multipart_chunksize:
        description:
          - Part size in bytes (at least 5 MiB); boto3 doubles it when a file would need more than 10000 parts.
        type: int
        default: 8388608
      max_concurrency:
        description: Parts uploaded at once.
        type: int
        default: 10
notes:
  - S3 needs C(boto3) on the host running the task.
'''

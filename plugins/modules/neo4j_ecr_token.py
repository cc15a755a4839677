#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: neo4j_ecr_token
short_description: Registry credentials for Amazon ECR, to push a Neo4j image with docker login
version_added: 0.1.0
description:
  - Calls ECR's C(GetAuthorizationToken) through boto3 and returns the registry URL, user name and password that
    C(docker login) (or M(community.docker.docker_login)) takes to push an image to ECR, as the C(graphops.neo4j.neo4j_image)
    role does when its C(neo4j_image_registry_login) is C(ecr).
  - The password is valid for 12 hours. Register the result with C(no_log) set on the task.
  - Changes nothing.
author:
  - graphops.neo4j contributors (@graphops)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - graphops.neo4j.attributes.registry_modules
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    details: Read-only.
requirements:
  - boto3
options:
  region:
    description: The AWS region of the registry. Defaults to boto3's configuration (C(AWS_REGION), the profile).
    type: str
  registry_id:
    description: The AWS account ID of the registry. Defaults to the account of the credentials.
    type: str
  endpoint_url:
    description: An ECR endpoint other than AWS's own (a VPC endpoint, or a test server).
    type: str
  profile:
    description: The AWS profile to use. Defaults to boto3's configuration (C(AWS_PROFILE)).
    type: str
  access_key:
    description: The AWS access key. Defaults to boto3's configuration (C(AWS_ACCESS_KEY_ID), the profile, an instance role).
    type: str
  secret_key:
    description: The AWS secret key, with O(access_key).
    type: str
  session_token:
    description: The AWS session token, with temporary credentials.
    type: str
'''

EXAMPLES = r'''
- name: Get an ECR authorization token
  graphops.neo4j.neo4j_ecr_token:
    region: eu-west-1
  register: ecr
  no_log: true

- name: Log in to ECR
  community.docker.docker_login:
    registry_url: "{{ ecr.registry_url }}"
    username: "{{ ecr.username }}"
    password: "{{ ecr.password }}"
  no_log: true
'''

RETURN = r'''
registry_url:
  description: The registry to log in to (ECR's C(proxyEndpoint)).
  returned: success
  type: str
  sample: https://123456789012.dkr.ecr.eu-west-1.amazonaws.com
username:
  description: The user name for C(docker login); always C(AWS) for ECR.
  returned: success
  type: str
  sample: AWS
password:
  description: The password for C(docker login), valid for 12 hours.
  returned: success
  type: str
expires_at:
  description: When the password expires (ISO 8601).
  returned: success
  type: str
  sample: "2026-11-28T08:00:00+00:00"
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.graphops.neo4j.plugins.module_utils.ecr_token import (
    BOTO3_IMPORT_ERROR, HAS_BOTO3, EcrError, authorization)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            region=dict(type="str"),
            registry_id=dict(type="str"),
            endpoint_url=dict(type="str"),
            profile=dict(type="str"),
            access_key=dict(type="str", no_log=True),
            secret_key=dict(type="str", no_log=True),
            session_token=dict(type="str", no_log=True),
        ),
        required_together=[("access_key", "secret_key")],
        supports_check_mode=True,
    )
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib("boto3"), exception=BOTO3_IMPORT_ERROR)
    try:
        result = authorization(**module.params)
    except EcrError as exc:
        module.fail_json(msg=str(exc), changed=False)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

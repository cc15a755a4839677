# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The AWS options of the CloudWatch modules (plugins/module_utils/cloudwatch.py).
    DOCUMENTATION = r'''
options:
  region:
    description:
      - The AWS region of CloudWatch.
      - Falls back to E(AWS_REGION), then E(AWS_DEFAULT_REGION), then the profile's region.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - A CloudWatch endpoint other than AWS's own (a VPC endpoint, or a test server).
      - boto3 also reads E(AWS_ENDPOINT_URL_CLOUDWATCH) and E(AWS_ENDPOINT_URL).
    type: str
    aliases: [aws_endpoint_url]
  profile:
    description: A named profile from the AWS configuration files (E(AWS_PROFILE) when not set).
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - The AWS access key id. Without it, boto3's default chain applies (E(AWS_ACCESS_KEY_ID), the profile, an
        instance or task role).
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description: The AWS secret access key, with O(access_key) (E(AWS_SECRET_ACCESS_KEY) when not set).
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description: The session token of temporary credentials (E(AWS_SESSION_TOKEN) when not set).
    type: str
    aliases: [aws_session_token]
  validate_certs:
    description: Verify the endpoint's TLS certificate.
    type: bool
    default: true
notes:
  - Needs C(boto3) on the host running the task (usually the controller or the execution environment).
  - The credentials need C(cloudwatch:PutMetricData) (metrics) or C(cloudwatch:DescribeAlarms),
    C(cloudwatch:PutMetricAlarm) and C(cloudwatch:DeleteAlarms) (alarms).
requirements:
  - boto3
'''

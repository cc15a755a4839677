# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Amazon ECR registry credentials for ``docker login``: boto3's ``get_authorization_token``, decoded.

ECR answers with a base64 ``user:password`` token (the user is ``AWS``), valid for 12 hours, and the registry's
``proxyEndpoint`` (https://<account>.dkr.ecr.<region>.amazonaws.com); see the ECR API reference, GetAuthorizationToken.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import traceback

try:
    import boto3
    import botocore.exceptions
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()


class EcrError(Exception):
    """A failure with a message naming what to fix; never carries the token."""


def decode_token(token):
    """``(username, password)`` from an ECR authorization token (base64 of ``user:password``)."""
    try:
        text = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise EcrError("ECR returned an authorization token that is not base64 of user:password")
    username, sep, password = text.partition(":")
    if not sep or not username or not password:
        raise EcrError("ECR returned an authorization token that is not base64 of user:password")
    return username, password


def authorization(region=None, registry_id=None, endpoint_url=None, profile=None, access_key=None, secret_key=None,
                  session_token=None):
    """The registry URL, username, password and expiry (ISO 8601) for one registry (the caller's account by default)."""
    try:
        session = boto3.session.Session(profile_name=profile, aws_access_key_id=access_key,
                                        aws_secret_access_key=secret_key, aws_session_token=session_token,
                                        region_name=region)
        client = session.client("ecr", endpoint_url=endpoint_url)
        kwargs = {"registryIds": [registry_id]} if registry_id else {}
        data = client.get_authorization_token(**kwargs)["authorizationData"]
    except botocore.exceptions.NoCredentialsError:
        raise EcrError("no AWS credentials were found: set access_key and secret_key, profile, or the AWS_* "
                       "environment variables")
    except botocore.exceptions.NoRegionError:
        raise EcrError("region: no AWS region was given and none is configured (AWS_REGION)")
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise EcrError("ECR refused GetAuthorizationToken: %s: %s" % (error.get("Code"), error.get("Message")))
    except botocore.exceptions.BotoCoreError as exc:
        raise EcrError("ECR GetAuthorizationToken failed: %s" % exc)
    if not data:
        raise EcrError("ECR returned no authorization data")
    username, password = decode_token(data[0]["authorizationToken"])
    expires = data[0].get("expiresAt")
    return dict(registry_url=data[0]["proxyEndpoint"], username=username, password=password,
                expires_at=expires.isoformat() if expires is not None else None)

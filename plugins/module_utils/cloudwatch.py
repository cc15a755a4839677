# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reaching Amazon CloudWatch with boto3 for the memory metrics and alarms, and saying what went wrong.

Credentials and the endpoint come from the options, else boto3's own chain (``AWS_ACCESS_KEY_ID``,
``AWS_PROFILE``, ``AWS_ENDPOINT_URL_CLOUDWATCH`` / ``AWS_ENDPOINT_URL``, instance roles, ...).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

try:
    import boto3
    import botocore.exceptions
    from botocore.config import Config
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()

# The options every CloudWatch module takes (doc fragment graphops.neo4j.cloudwatch); aliases are amazon.aws's names.
AWS_OPTION_NAMES = ("region", "endpoint_url", "profile", "access_key", "secret_key", "session_token", "validate_certs")


def aws_argument_spec(env_fallback):
    """The argument_spec entries of the AWS options (``env_fallback`` is ansible's, passed in by the module)."""
    return dict(
        region=dict(type="str", aliases=["aws_region"], fallback=(env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])),
        endpoint_url=dict(type="str", aliases=["aws_endpoint_url"]),
        profile=dict(type="str", aliases=["aws_profile"]),
        access_key=dict(type="str", aliases=["aws_access_key_id"], no_log=True),
        secret_key=dict(type="str", aliases=["aws_secret_access_key"], no_log=True),
        session_token=dict(type="str", aliases=["aws_session_token"], no_log=True),
        validate_certs=dict(type="bool", default=True),
    )


# Error codes that mean "these credentials are not accepted" (the AWS common errors).
CREDENTIAL_ERRORS = ("InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "UnrecognizedClientException",
                     "IncompleteSignature", "MissingAuthenticationToken")


class CloudWatchError(Exception):
    """A failure with a message naming the option to fix; never carries credentials."""


def client(options):
    """A boto3 CloudWatch client from the AWS options (a dict with ``AWS_OPTION_NAMES``)."""
    try:
        session = boto3.session.Session(profile_name=options.get("profile") or None,
                                        aws_access_key_id=options.get("access_key") or None,
                                        aws_secret_access_key=options.get("secret_key") or None,
                                        aws_session_token=options.get("session_token") or None,
                                        region_name=options.get("region") or None)
        return session.client("cloudwatch", endpoint_url=options.get("endpoint_url") or None,
                              verify=options.get("validate_certs", True) is not False,
                              config=Config(retries={"mode": "standard", "max_attempts": 3}))
    except botocore.exceptions.ProfileNotFound as exc:
        raise CloudWatchError("profile: %s" % exc)
    except botocore.exceptions.NoRegionError:
        raise CloudWatchError("region: no AWS region was given and none is configured (AWS_REGION)")
    except (botocore.exceptions.BotoCoreError, ValueError) as exc:
        raise CloudWatchError("could not set up the CloudWatch client: %s" % exc)


def failure(action, exc):
    """A CloudWatchError for ``exc``, raised by the CloudWatch call ``action``, that says what to look at."""
    if isinstance(exc, CloudWatchError):
        return exc
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return CloudWatchError("no AWS credentials were found for %s: set access_key and secret_key, profile, or the "
                               "AWS_* environment of the host running the task" % action)
    if isinstance(exc, botocore.exceptions.NoRegionError):
        return CloudWatchError("region: no AWS region was given and none is configured (AWS_REGION)")
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return CloudWatchError("endpoint_url: %s failed, CloudWatch could not be reached: %s" % (action, exc))
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        if error.get("Code") in CREDENTIAL_ERRORS:
            return CloudWatchError("CloudWatch refused the credentials (%s) for %s: check access_key and secret_key "
                                   "(or session_token, profile, the AWS_* environment)" % (error.get("Code"), action))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 403 and error.get("Code") in (None, "", "403"):
            # An answer botocore could not parse (a proxy's, or moto's XML to a JSON-protocol client): no code to show.
            return CloudWatchError("CloudWatch refused %s (HTTP 403): check access_key and secret_key (or session_token, "
                                   "profile, the AWS_* environment) and that their policy allows cloudwatch:%s"
                                   % (action, action))
        return CloudWatchError("CloudWatch refused %s: %s: %s" % (action, error.get("Code"), error.get("Message")))
    return CloudWatchError("CloudWatch %s failed: %s" % (action, exc))


def call(cw, action, **kwargs):
    """``cw.<action>(**kwargs)`` (action in snake_case), with its failures as CloudWatchError."""
    try:
        return getattr(cw, action)(**kwargs)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise failure("".join(part.capitalize() for part in action.split("_")), exc)

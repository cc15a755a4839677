"""ECR authorization tokens: base64 of user:password (the ECR API reference, GetAuthorizationToken)."""

import base64

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils.ecr_token import EcrError, decode_token


def test_token_decoding():
    assert decode_token(base64.b64encode(b"AWS:pa:ss").decode()) == ("AWS", "pa:ss")
    for bad in ("not base64!", base64.b64encode(b"no-colon").decode(), base64.b64encode(b"AWS:").decode()):
        with pytest.raises(EcrError):
            decode_token(bad)

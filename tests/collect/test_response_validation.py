"""The response check on raw-payload policy bodies: an empty or non-JSON GetBucketPolicy is a gap."""

from __future__ import annotations

import botocore.session
import pytest

from cloudwarden.collect.responses import MalformedResponse, check_response

MODEL = botocore.session.get_session().get_service_model("s3").operation_model("GetBucketPolicy")


def _answer(body: bytes) -> dict[str, object]:
    return {"status_code": 200, "body": body, "headers": {"content-length": str(len(body))}}


@pytest.mark.parametrize("body", [b"", b"  ", b"<!DOCTYPE html><html><body>portal</body></html>", b'{"Version": "2012',
                                  b'["not", "an", "object"]'])
def test_a_damaged_bucket_policy_body_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponse):
        check_response(operation_model=MODEL, response_dict=_answer(body))


def test_a_policy_document_passes() -> None:
    check_response(operation_model=MODEL, response_dict=_answer(b'{"Version": "2012-10-17", "Statement": []}'))


def test_no_such_bucket_policy_is_left_to_the_error_path() -> None:
    # "No policy" is an error answer (404 NoSuchBucketPolicy), never a 200: not this check's business.
    check_response(operation_model=MODEL, response_dict={"status_code": 404, "body": b"<Error/>", "headers": {}})

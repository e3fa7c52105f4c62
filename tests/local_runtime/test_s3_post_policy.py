"""Presigned POST uploads are held to their policy, as S3 does (moto alone accepts anything)."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config

from local_runtime.aws.s3_post_policy import check_post_policy

BUCKET = "resumesbucket"
LIMIT = 1000


def presigned_fields(**extra_fields: str) -> dict[str, str]:
    """Fields exactly as the catalog function's boto3 call produces them (no endpoint needed)."""
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        config=Config(signature_version="s3v4"),
    )
    post = s3.generate_presigned_post(
        BUCKET,
        "resumes/job/candidate.pdf",
        Fields={"Content-Type": "application/pdf"},
        Conditions=[{"Content-Type": "application/pdf"}, ["content-length-range", 1, LIMIT]],
        ExpiresIn=900,
    )
    return {**post["fields"], **extra_fields}


def test_upload_within_the_policy_is_accepted():
    assert check_post_policy(presigned_fields(), 500, BUCKET) is None


@pytest.mark.parametrize(("size", "code"), [(LIMIT + 1, "EntityTooLarge"), (0, "EntityTooSmall")])
def test_size_outside_the_range_is_refused(size, code):
    violation = check_post_policy(presigned_fields(), size, BUCKET)
    assert violation is not None
    assert (violation.status, violation.code) == (400, code)


@pytest.mark.parametrize(
    "changed",
    [{"key": "resumes/other/file.pdf"}, {"Content-Type": "text/html"}, {"x-amz-date": "20000101T000000Z"}],
)
def test_field_that_breaks_a_condition_is_refused(changed):
    violation = check_post_policy(presigned_fields(**changed), 500, BUCKET)
    assert violation is not None
    assert (violation.status, violation.code) == (403, "AccessDenied")
    assert "Policy Condition failed" in violation.message


def test_upload_to_another_bucket_is_refused():
    violation = check_post_policy(presigned_fields(), 500, "otherbucket")
    assert violation is not None
    assert violation.code == "AccessDenied"


def test_field_the_policy_does_not_name_is_refused_unless_ignored():
    violation = check_post_policy(presigned_fields(acl="public-read"), 500, BUCKET)
    assert violation is not None
    assert "Extra input fields: acl" in violation.message
    assert check_post_policy(presigned_fields(**{"x-ignore-note": "hi"}), 500, BUCKET) is None


def test_expired_policy_is_refused():
    later = datetime.now(UTC) + timedelta(hours=1)
    violation = check_post_policy(presigned_fields(), 500, BUCKET, now=later)
    assert violation is not None
    assert violation.message == "Invalid according to Policy: Policy expired."


@pytest.mark.parametrize("policy", ["", "not base64!", "bm90IGpzb24="])
def test_missing_or_unreadable_policy_is_refused(policy):
    fields = {**presigned_fields(), "policy": policy}
    violation = check_post_policy(fields, 500, BUCKET)
    assert violation is not None
    assert violation.code == "AccessDenied"

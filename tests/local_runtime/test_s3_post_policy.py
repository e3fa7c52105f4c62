"""Presigned POST uploads are held to their policy, as S3 does (moto alone accepts anything)."""

import base64
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config

from local_runtime.aws.embedded import EmbeddedAws
from local_runtime.aws.s3_post_policy import check_post_policy
from local_runtime.demo.http_client import upload_presigned_post

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


@pytest.mark.parametrize("removed", ["x-amz-signature", "x-amz-algorithm", "x-amz-credential"])
def test_upload_without_its_signature_is_refused(removed):
    fields = presigned_fields()
    del fields[removed]
    violation = check_post_policy(fields, 500, BUCKET)
    assert violation is not None
    assert (violation.status, violation.code) == (403, "AccessDenied")
    assert removed in violation.message


def test_upload_with_an_altered_signature_is_refused():
    fields = presigned_fields()
    signature = fields["x-amz-signature"]
    fields["x-amz-signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    violation = check_post_policy(fields, 500, BUCKET)
    assert violation is not None
    assert (violation.status, violation.code) == (403, "AccessDenied")
    assert "signature" in violation.message.lower()


def test_altered_policy_with_the_old_signature_is_refused():
    fields = presigned_fields()
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [
        ["content-length-range", 1, 10 * LIMIT]
        if isinstance(c, list) and c[0] == "content-length-range"
        else c
        for c in policy["conditions"]
    ]
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()
    violation = check_post_policy(fields, 5 * LIMIT, BUCKET)
    assert violation is not None
    assert (violation.status, violation.code) == (403, "AccessDenied")
    assert "signature" in violation.message.lower()


def test_signature_made_with_another_secret_or_algorithm_is_refused():
    forged = presigned_fields_signed_with("not-the-secret")
    violation = check_post_policy(forged, 500, BUCKET)
    assert violation is not None
    assert violation.code == "AccessDenied"
    fields = {**presigned_fields(), "x-amz-algorithm": "AWS4-HMAC-SHA1"}
    violation = check_post_policy(fields, 500, BUCKET)
    assert violation is not None
    assert "AWS4-HMAC-SHA256" in violation.message


def test_unknown_access_key_is_refused():
    fields = presigned_fields()
    fields["x-amz-credential"] = "AKIDUNKNOWN/" + fields["x-amz-credential"].split("/", 1)[1]
    violation = check_post_policy(fields, 500, BUCKET)
    assert violation is not None
    assert (violation.status, violation.code) == (403, "InvalidAccessKeyId")


def presigned_fields_signed_with(secret: str) -> dict[str, str]:
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key=secret,
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
    return dict(post["fields"])


def test_the_embedded_aws_answers_a_forged_upload_as_s3_does():
    aws = EmbeddedAws()
    endpoint = aws.start()
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(signature_version="s3v4"),
        )
        s3.create_bucket(Bucket=BUCKET)
        post = s3.generate_presigned_post(
            BUCKET, "resumes/a.pdf", Conditions=[["content-length-range", 1, LIMIT]], ExpiresIn=900
        )
        forged = {**post["fields"], "x-amz-signature": "0" * 64}
        refused = upload_presigned_post(post["url"], forged, b"%PDF-1.4")
        assert refused.status == 403
        assert b"<Code>AccessDenied</Code>" in refused.body
        assert b"signature" in refused.body
        assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)
        accepted = upload_presigned_post(post["url"], post["fields"], b"%PDF-1.4")
        assert accepted.status in (200, 201, 204), accepted.text()
        assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["resumes/a.pdf"]
    finally:
        aws.stop()

"""The resumes bucket's CORS follows the recruiter app's origins (AllowedOrigins), as the API's does:
in the template, and in the buckets the local runtime creates from it."""

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_runtime.aws.resources import create_resources
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate, bucket_name

RESUMES = bucket_name("ResumesBucket")


def test_the_resumes_bucket_takes_posts_only_from_the_allowed_origins(stack_template: StackTemplate):
    api_cors = stack_template.resources["RecruiterApi"]["Properties"]["CorsConfiguration"]
    bucket_cors = stack_template.buckets()["ResumesBucket"]["CorsConfiguration"]
    condition, configured, otherwise = bucket_cors["Fn::If"]
    assert condition == api_cors["Fn::If"][0]  # HasAllowedOrigins: no origins, no CORS
    assert otherwise == {"Ref": "AWS::NoValue"}
    (rule,) = configured["CorsRules"]
    assert rule["AllowedOrigins"] == {"Ref": "AllowedOrigins"}
    assert rule["AllowedMethods"] == ["POST"]
    assert "*" not in json.dumps(rule["AllowedOrigins"])


def bucket_cors(stack_template: StackTemplate, parameters: dict[str, str]) -> list[Any] | None:
    with mock_aws():
        session = boto3.Session(region_name=LOCAL_REGION)
        create_resources(stack_template, session, parameters=parameters)
        try:
            return session.client("s3").get_bucket_cors(Bucket=RESUMES)["CORSRules"]
        except ClientError as error:
            assert error.response["Error"]["Code"] == "NoSuchCORSConfiguration"
            return None


def test_the_local_bucket_allows_the_origins_given(stack_template: StackTemplate):
    rules = bucket_cors(stack_template, {"AllowedOrigins": "https://a.test,https://b.test"})
    assert rules is not None
    (rule,) = rules
    assert rule["AllowedOrigins"] == ["https://a.test", "https://b.test"]
    assert rule["AllowedMethods"] == ["POST"]


@pytest.mark.parametrize("parameters", [{}, {"AllowedOrigins": ""}])
def test_the_local_bucket_has_no_cors_without_origins(stack_template: StackTemplate, parameters):
    assert Resolver(stack_template, parameters).condition("HasAllowedOrigins") is False
    assert bucket_cors(stack_template, parameters) is None

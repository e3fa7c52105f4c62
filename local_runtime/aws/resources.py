"""Creates the template's tables, bucket and queues in an AWS endpoint (moto, locally)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from local_runtime.template import LOCAL_REGION, StackTemplate, bucket_name

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CORSConfigurationTypeDef, ServerSideEncryptionConfigurationTypeDef


# Error codes that mean "already there" when the endpoint outlives one local run.
_ALREADY_EXISTS = {"ResourceInUseException", "BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


def create_resources(
    template: StackTemplate,
    session: boto3.Session | None = None,
    *,
    endpoint_url: str | None = None,
    exist_ok: bool = False,
) -> dict[str, dict[str, str]]:
    """Creates every data resource; returns attributes known only now (stream ARNs) by logical id.

    With `exist_ok`, resources left by an earlier run against the same endpoint are reused.
    """
    session = session or boto3.Session(region_name=LOCAL_REGION)
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    sqs = session.client("sqs", endpoint_url=endpoint_url)
    attributes: dict[str, dict[str, str]] = {}

    for table_id, definition in template.table_definitions().items():
        try:
            description = dynamodb.create_table(**definition)["TableDescription"]
        except ClientError as error:
            if not (exist_ok and _already_exists(error)):
                raise
            description = dynamodb.describe_table(TableName=table_id)["Table"]
        attributes[table_id] = {"Ref": table_id, "Arn": description["TableArn"]}
        if "LatestStreamArn" in description:
            attributes[table_id]["StreamArn"] = description["LatestStreamArn"]

    for bucket_id, properties in template.buckets().items():
        name = bucket_name(bucket_id)
        try:
            s3.create_bucket(Bucket=name)
        except ClientError as error:
            if not (exist_ok and _already_exists(error)):
                raise
        if "PublicAccessBlockConfiguration" in properties:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
            )
        if "BucketEncryption" in properties:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration=_encryption(properties["BucketEncryption"]),
            )
        if "CorsConfiguration" in properties:
            s3.put_bucket_cors(Bucket=name, CORSConfiguration=_cors(properties["CorsConfiguration"]))
        attributes[bucket_id] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}

    for queue_id in template.queue_ids():
        url = sqs.create_queue(QueueName=queue_id)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes[queue_id] = {"Ref": url, "Arn": arn}
    return attributes


def verify_sender_identity(
    address: str, session: boto3.Session | None = None, *, endpoint_url: str | None = None
) -> None:
    """Registers `address` as an SES identity, so the endpoint accepts mail sent from it."""
    session = session or boto3.Session(region_name=LOCAL_REGION)
    sesv2 = session.client("sesv2", endpoint_url=endpoint_url)
    try:
        sesv2.create_email_identity(EmailIdentity=address)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "AlreadyExistsException":
            raise


def _already_exists(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _ALREADY_EXISTS


def _encryption(bucket_encryption: dict[str, Any]) -> ServerSideEncryptionConfigurationTypeDef:
    """CloudFormation and the S3 API spell default encryption differently."""
    return {
        "Rules": [
            {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
            for rule in bucket_encryption["ServerSideEncryptionConfiguration"]
        ]
    }


def _cors(configuration: dict[str, Any]) -> CORSConfigurationTypeDef:
    """CloudFormation and the S3 API spell CORS rules differently."""
    return {
        "CORSRules": [
            {
                "AllowedMethods": rule["AllowedMethods"],
                "AllowedOrigins": rule["AllowedOrigins"],
                "AllowedHeaders": rule.get("AllowedHeaders", []),
                "MaxAgeSeconds": rule.get("MaxAge", 0),
            }
            for rule in configuration["CorsRules"]
        ]
    }

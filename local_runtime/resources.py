"""Creates the template's tables, bucket and queues in an AWS endpoint (moto, locally)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from local_runtime.template import LOCAL_REGION, StackTemplate, bucket_name

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CORSConfigurationTypeDef, ServerSideEncryptionConfigurationTypeDef


def create_resources(
    template: StackTemplate, session: boto3.Session | None = None
) -> dict[str, dict[str, str]]:
    """Creates every data resource; returns attributes known only now (stream ARNs) by logical id."""
    session = session or boto3.Session(region_name=LOCAL_REGION)
    dynamodb = session.client("dynamodb")
    s3 = session.client("s3")
    sqs = session.client("sqs")
    attributes: dict[str, dict[str, str]] = {}

    for table_id, definition in template.table_definitions().items():
        description = dynamodb.create_table(**definition)["TableDescription"]
        attributes[table_id] = {"Ref": table_id, "Arn": description["TableArn"]}
        if "LatestStreamArn" in description:
            attributes[table_id]["StreamArn"] = description["LatestStreamArn"]

    for bucket_id, properties in template.buckets().items():
        name = bucket_name(bucket_id)
        s3.create_bucket(Bucket=name)
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

"""Creates the template's tables, bucket, queues, secrets, schedule groups and SES configuration
sets in an AWS endpoint (moto, locally)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from local_runtime.aws.state import Item, SavedState
from local_runtime.template import LOCAL_REGION, Resolver, StackTemplate, as_list, bucket_name

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TableDescriptionTypeDef, WriteRequestTypeDef
    from mypy_boto3_s3.type_defs import CORSConfigurationTypeDef, ServerSideEncryptionConfigurationTypeDef


# Error codes that mean "already there" when the endpoint outlives one local run.
_BATCH_WRITE_LIMIT = 25
_ALREADY_EXISTS = {
    "ResourceInUseException",
    "BucketAlreadyOwnedByYou",
    "BucketAlreadyExists",
    "ResourceExistsException",
    "ConflictException",
    "ResourceAlreadyExistsException",
}


def create_resources(
    template: StackTemplate,
    session: boto3.Session | None = None,
    *,
    endpoint_url: str | None = None,
    exist_ok: bool = False,
    restore: SavedState | None = None,
    parameters: Mapping[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """Creates every data resource; returns attributes known only now (stream ARNs) by logical id.

    `parameters` are the template's, where a resource's settings depend on them (the buckets' CORS).

    With `exist_ok`, resources left by an earlier run against the same endpoint are reused.
    With `restore`, a table created now gets its saved items before its stream is enabled, so
    they reach no stream mapping; buckets get their saved objects.
    """
    session = session or boto3.Session(region_name=LOCAL_REGION)
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    sqs = session.client("sqs", endpoint_url=endpoint_url)
    attributes: dict[str, dict[str, str]] = {}
    resolver = Resolver(template, parameters)

    for table_id, definition in template.table_definitions().items():
        saved_items = restore.items.get(table_id, []) if restore else []
        description = _create_table(dynamodb, definition, saved_items, exist_ok=exist_ok)
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
        cors = resolver.resolve(properties.get("CorsConfiguration"))
        if cors is not None:
            s3.put_bucket_cors(Bucket=name, CORSConfiguration=_cors(cors))
        for stored in restore.objects.get(bucket_id, []) if restore else []:
            s3.put_object(
                Bucket=name,
                Key=stored.key,
                Body=stored.body,
                ContentType=stored.content_type,
                Metadata=dict(stored.metadata),
            )
        attributes[bucket_id] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}

    for queue_id in template.queue_ids():
        url = sqs.create_queue(QueueName=queue_id)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes[queue_id] = {"Ref": url, "Arn": arn}

    attributes |= _create_secrets(template, session, endpoint_url, exist_ok=exist_ok, restore=restore)
    attributes |= _create_schedule_groups(template, session, endpoint_url, exist_ok=exist_ok, restore=restore)
    attributes |= _create_configuration_sets(template, session, endpoint_url)
    attributes |= _create_event_buses(template, session, endpoint_url, exist_ok=exist_ok)
    return attributes


def _create_event_buses(
    template: StackTemplate, session: boto3.Session, endpoint_url: str | None, *, exist_ok: bool
) -> dict[str, dict[str, str]]:
    """The template's buses under their logical ids, and their archives: PutEvents to a bus
    EventBridge lacks is refused, and the archive is how the local runtime sees what was put
    (local_runtime.eventbridge.archive_watcher)."""
    events = session.client("events", endpoint_url=endpoint_url)
    attributes: dict[str, dict[str, str]] = {}
    for bus_id in template.event_buses():
        try:
            arn = events.create_event_bus(Name=bus_id)["EventBusArn"]
        except ClientError as error:
            if not (exist_ok and _already_exists(error)):
                raise
            arn = str(events.describe_event_bus(Name=bus_id)["Arn"])
        attributes[bus_id] = {"Ref": bus_id, "Arn": arn, "Name": bus_id}
    for archive_id, archived_bus in template.event_archives().items():
        if archived_bus is None:
            continue
        bus_id = archived_bus
        try:
            arn = events.create_archive(ArchiveName=archive_id, EventSourceArn=attributes[bus_id]["Arn"])[
                "ArchiveArn"
            ]
        except ClientError as error:
            if not (exist_ok and _already_exists(error)):
                raise
            arn = events.describe_archive(ArchiveName=archive_id)["ArchiveArn"]
        attributes[archive_id] = {"Ref": archive_id, "Arn": arn}
    return attributes


def _create_configuration_sets(
    template: StackTemplate, session: boto3.Session, endpoint_url: str | None
) -> dict[str, dict[str, str]]:
    """SES configuration sets under their logical ids: SES refuses a send naming one it lacks."""
    sesv2 = session.client("sesv2", endpoint_url=endpoint_url)
    existing = set(sesv2.list_configuration_sets().get("ConfigurationSets", []))
    attributes = {}
    for set_id, resource in template.of_type("AWS::SES::ConfigurationSet").items():
        if set_id not in existing:
            props = resource.get("Properties", {})
            options = ("DeliveryOptions", "ReputationOptions", "SendingOptions", "SuppressionOptions")
            sesv2.create_configuration_set(
                ConfigurationSetName=set_id, **{name: props[name] for name in options if name in props}
            )
        attributes[set_id] = {"Ref": set_id}
    return attributes


def _create_secrets(
    template: StackTemplate,
    session: boto3.Session,
    endpoint_url: str | None,
    *,
    exist_ok: bool,
    restore: SavedState | None,
) -> dict[str, dict[str, str]]:
    secretsmanager = session.client("secretsmanager", endpoint_url=endpoint_url)
    attributes = {}
    for secret_id in template.of_type("AWS::SecretsManager::Secret"):
        try:
            # The saved value (links already sent keep working), else, as GenerateSecretString
            # would, a random value nobody chose.
            saved = restore.secrets.get(secret_id) if restore else None
            value = saved or secrets.token_urlsafe(48)
            arn = secretsmanager.create_secret(Name=secret_id, SecretString=value)["ARN"]
        except ClientError as error:
            if not (exist_ok and _already_exists(error)):
                raise
            arn = secretsmanager.describe_secret(SecretId=secret_id)["ARN"]
        attributes[secret_id] = {"Ref": arn}
    return attributes


def _create_schedule_groups(
    template: StackTemplate,
    session: boto3.Session,
    endpoint_url: str | None,
    *,
    exist_ok: bool,
    restore: SavedState | None,
) -> dict[str, dict[str, str]]:
    scheduler = session.client("scheduler", endpoint_url=endpoint_url)
    attributes = {}
    for group_id in template.of_type("AWS::Scheduler::ScheduleGroup"):
        try:
            arn = scheduler.create_schedule_group(Name=group_id)["ScheduleGroupArn"]
        except ClientError as error:
            if not (exist_ok and _already_exists(error)):
                raise
            arn = scheduler.get_schedule_group(Name=group_id)["Arn"]
        attributes[group_id] = {"Ref": group_id, "Arn": arn}
    for saved in restore.schedules if restore else []:
        try:
            scheduler.create_schedule(**saved)
        except ClientError as error:
            if not _already_exists(error):
                raise
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


def _create_table(
    dynamodb: DynamoDBClient, definition: dict[str, Any], saved_items: list[Item], *, exist_ok: bool
) -> TableDescriptionTypeDef:
    """Creates one table; saved items go in before its stream is enabled, so no mapping sees them."""
    table_id = definition["TableName"]
    stream = definition.get("StreamSpecification") if saved_items else None
    try:
        if stream is None:
            description = dynamodb.create_table(**definition)["TableDescription"]
        else:
            dynamodb.create_table(**{k: v for k, v in definition.items() if k != "StreamSpecification"})
    except ClientError as error:
        if not (exist_ok and _already_exists(error)):
            raise
        return dynamodb.describe_table(TableName=table_id)["Table"]
    if not saved_items:
        return description
    _put_items(dynamodb, table_id, saved_items)
    if stream is not None:
        dynamodb.update_table(TableName=table_id, StreamSpecification=stream)
    return dynamodb.describe_table(TableName=table_id)["Table"]


def _put_items(dynamodb: DynamoDBClient, table_id: str, items: list[Item]) -> None:
    for start in range(0, len(items), _BATCH_WRITE_LIMIT):
        requests: list[WriteRequestTypeDef] = [
            {"PutRequest": {"Item": item}} for item in items[start : start + _BATCH_WRITE_LIMIT]
        ]
        pending: Mapping[str, Sequence[Any]] = {table_id: requests}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})


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
                "AllowedOrigins": as_list(rule["AllowedOrigins"]),
                "AllowedHeaders": rule.get("AllowedHeaders", []),
                "MaxAgeSeconds": rule.get("MaxAge", 0),
            }
            for rule in configuration["CorsRules"]
        ]
    }

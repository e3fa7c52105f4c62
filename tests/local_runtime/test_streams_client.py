"""The poller's DynamoDB Streams client (local_runtime.streams.records.streams_client) keeps
GetRecords' answer in DynamoDB Streams' JSON, the form Lambda hands a function, and parses every
other answer as boto3 does."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_runtime.streams.records import polled_record, streams_client
from local_runtime.template import LOCAL_REGION

ITEM: dict[str, Any] = {
    "id": {"S": "one"},
    "blob": {"B": b"\x00\xffbytes"},
    "blobs": {"BS": [b"x", b"y"]},
    "map": {"M": {"inner": {"B": b"z"}, "list": {"L": [{"N": "1"}, {"NULL": True}]}}},
}


@pytest.fixture
def stream() -> Iterator[tuple[boto3.Session, str]]:
    with mock_aws():
        session = boto3.Session(region_name=LOCAL_REGION)
        table = session.client("dynamodb").create_table(
            TableName="Things",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        session.client("dynamodb").put_item(TableName="Things", Item=ITEM)
        yield session, table["TableDescription"]["LatestStreamArn"]


def first_records(streams: Any, arn: str) -> list[dict[str, Any]]:
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=description["Shards"][0]["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return list(streams.get_records(ShardIterator=iterator, Limit=10)["Records"])


def as_json(value: Any) -> Any:
    """boto3's parsed values in the JSON protocol's form: bytes in base64, times in epoch seconds."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    return value


def test_get_records_is_the_json_boto3_parses(stream):
    session, arn = stream
    (sent,) = first_records(streams_client(session), arn)
    (parsed,) = first_records(session.client("dynamodbstreams"), arn)

    assert sent == as_json(parsed)
    assert sent["dynamodb"]["NewImage"]["blob"] == {"B": base64.b64encode(b"\x00\xffbytes").decode()}
    assert isinstance(sent["dynamodb"]["ApproximateCreationDateTime"], float)
    event = polled_record(sent, arn).event
    assert event["dynamodb"]["NewImage"] == sent["dynamodb"]["NewImage"]
    assert event["dynamodb"]["ApproximateCreationDateTime"] == float(
        int(parsed["dynamodb"]["ApproximateCreationDateTime"].timestamp())
    )


def test_other_answers_and_errors_are_boto3s(stream):
    session, arn = stream
    streams = streams_client(session)

    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert isinstance(description["CreationRequestDateTime"], datetime)
    with pytest.raises(ClientError) as refused:
        streams.describe_stream(StreamArn=arn.replace("Things", "Nothing"))
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"

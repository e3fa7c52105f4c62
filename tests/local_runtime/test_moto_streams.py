"""moto's GetRecords, answered as plain JSON (local_runtime.aws.moto_streams), says exactly what
moto's own serializer says: every attribute type, both images, each kind of record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from local_runtime.aws import moto_streams
from local_runtime.template import LOCAL_REGION

EVERY_TYPE: dict[str, Any] = {
    "id": {"S": "one"},
    "text": {"S": "Ada Lovelace <ada@example.com> ✓"},
    "number": {"N": "-12.5"},
    "blob": {"B": b"\x00\xffbytes"},
    "strings": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "blobs": {"BS": [b"x", b"y"]},
    "map": {"M": {"nested": {"L": [{"S": "x"}, {"N": "1"}, {"BOOL": True}, {"NULL": True}]}}},
    "flag": {"BOOL": False},
}


@pytest.fixture
def stream() -> Iterator[tuple[Any, Any, str]]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=LOCAL_REGION)
        streams = boto3.client("dynamodbstreams", region_name=LOCAL_REGION)
        table = dynamodb.create_table(
            TableName="Things",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield dynamodb, streams, table["TableDescription"]["LatestStreamArn"]


def records(streams: Any, arn: str, *, patched: bool) -> list[dict[str, Any]]:
    original = getattr(DynamoDBStreamsHandler, "_original_get_records", DynamoDBStreamsHandler.get_records)
    installed = DynamoDBStreamsHandler.get_records
    DynamoDBStreamsHandler.get_records = moto_streams._get_records if patched else original  # type: ignore[method-assign,assignment]
    try:
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        answer = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=100)
        assert answer["NextShardIterator"]
        return list(answer["Records"])
    finally:
        DynamoDBStreamsHandler.get_records = installed  # type: ignore[method-assign]


def test_the_plain_json_answer_is_moto_s_own(stream):
    dynamodb, streams, arn = stream
    dynamodb.put_item(TableName="Things", Item=EVERY_TYPE)
    dynamodb.update_item(
        TableName="Things",
        Key={"id": {"S": "one"}},
        UpdateExpression="SET #n = :n REMOVE #b",
        ExpressionAttributeNames={"#n": "number", "#b": "blob"},
        ExpressionAttributeValues={":n": {"N": "7"}},
    )
    dynamodb.delete_item(TableName="Things", Key={"id": {"S": "one"}})

    theirs, ours = records(streams, arn, patched=False), records(streams, arn, patched=True)

    assert [r["eventName"] for r in ours] == ["INSERT", "MODIFY", "REMOVE"]
    assert ours == theirs  # datetimes, bytes and sets as boto3 reads them from either answer
    assert ours[0]["dynamodb"]["NewImage"]["blob"] == {"B": b"\x00\xffbytes"}


def test_an_empty_read_and_a_limit_are_answered_as_moto_does(stream):
    dynamodb, streams, arn = stream
    assert records(streams, arn, patched=True) == records(streams, arn, patched=False) == []
    for n in range(5):
        dynamodb.put_item(TableName="Things", Item={"id": {"S": f"item-{n}"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    moto_streams.install()

    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    first = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=2)
    rest = streams.get_records(ShardIterator=first["NextShardIterator"])

    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in first["Records"] + rest["Records"]] == [
        f"item-{n}" for n in range(5)
    ]
    assert len(first["Records"]) == 2

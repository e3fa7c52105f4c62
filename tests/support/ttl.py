"""The stream record of an interview deleted by DynamoDB's Time to Live, as Lambda delivers it.

The item is deleted, its REMOVE record is read from the stream (moto's, unfiltered) in Lambda's
event shape, and it is given the `userIdentity` DynamoDB puts on deletions its TTL process makes,
as "DynamoDB Streams and Time to Live" documents
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html):
`{"type": "Service", "principalId": "dynamodb.amazonaws.com"}`. Without it, the same record is a
deletion someone requested.
"""

from __future__ import annotations

from typing import Any

import boto3

from local_runtime.streams.records import polled_record, streams_client
from local_runtime.template import LOCAL_REGION
from tests.conftest import LocalStack

TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def deletion_record(aws: LocalStack, stream_arn: str, interview_id: str) -> dict[str, Any]:
    """Deletes the interview and returns the REMOVE record its stream gives for that deletion."""
    table = aws.resolver.ref("InterviewsTable")
    aws.session.client("dynamodb").delete_item(TableName=table, Key={"interview_id": {"S": interview_id}})
    streams = streams_client(boto3.Session(region_name=LOCAL_REGION))
    removals = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            keys = record["dynamodb"]["Keys"]
            if record["eventName"] == "REMOVE" and keys["interview_id"]["S"] == interview_id:
                removals.append(polled_record(record, stream_arn).event)
    (removal,) = removals
    assert "OldImage" in removal["dynamodb"], "a NEW_AND_OLD_IMAGES stream gives the deleted item"
    return removal


def ttl_deletion(record: dict[str, Any]) -> dict[str, Any]:
    """The same record as DynamoDB's TTL process writes it."""
    return {**record, "userIdentity": dict(TTL_IDENTITY)}

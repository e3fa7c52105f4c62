"""DynamoDB Streams records, as GetRecords sends them, turned into Lambda's event records.

Lambda hands a function the records in DynamoDB Streams' own JSON: binary values in base64, the
creation time in epoch seconds. `streams_client` keeps GetRecords' records in that JSON; boto3 would
turn them into datetimes and bytes by walking the service model value by value, and the poller
would turn them back: a third of the runtime's time while a burst of bookings went through (the
tenth round of docs/PERFORMANCE.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from local_runtime.template import LOCAL_REGION

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient


@dataclass(frozen=True)
class PolledRecord:
    """One stream record read from a shard, with what the poller needs to order and age it."""

    sequence_number: str
    arrival: datetime  # ApproximateCreationDateTime, UTC
    event: dict[str, Any]  # the record exactly as the function receives it


def polled_record(stream_record: Mapping[str, Any], event_source_arn: str) -> PolledRecord:
    """Lambda's event record of one record of GetRecords' JSON (as `streams_client` returns it)."""
    change = stream_record["dynamodb"]
    created = change.get("ApproximateCreationDateTime")
    arrival = datetime.now(UTC) if created is None else datetime.fromtimestamp(created, UTC)
    dynamodb: dict[str, Any] = {
        # Lambda sends epoch seconds; DynamoDB Streams has second precision.
        "ApproximateCreationDateTime": float(int(arrival.timestamp())),
        "Keys": change.get("Keys", {}),
    }
    for image in ("NewImage", "OldImage"):
        if image in change:
            dynamodb[image] = change[image]
    dynamodb["SequenceNumber"] = change["SequenceNumber"]
    dynamodb["SizeBytes"] = change.get("SizeBytes", 0)
    dynamodb["StreamViewType"] = change.get("StreamViewType")
    event = {
        "eventID": stream_record["eventID"],
        "eventName": stream_record["eventName"],
        "eventVersion": stream_record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_record.get("awsRegion", LOCAL_REGION),
        "dynamodb": dynamodb,
        "eventSourceARN": event_source_arn,
    }
    if "userIdentity" in stream_record:  # present on TTL deletions
        event["userIdentity"] = dict(stream_record["userIdentity"])
    return PolledRecord(change["SequenceNumber"], arrival, event)


def streams_client(
    session: boto3.Session, endpoint_url: str | None = None, config: Config | None = None
) -> DynamoDBStreamsClient:
    """A DynamoDB Streams client of `session` whose GetRecords answer keeps its records as sent;
    everything else in every answer, errors included, is parsed as boto3 parses it."""
    client = session.client("dynamodbstreams", endpoint_url=endpoint_url, config=config)
    client.meta.events.register("before-parse.dynamodb-streams.GetRecords", _records_as_sent)
    return client


def _records_as_sent(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """botocore's hook before it parses an answer: what goes into `customized_response_dict` is
    added to the parsed answer as it is, so the records skip the parser."""
    if response_dict["status_code"] >= 300:
        return
    answer = json.loads(response_dict["body"])
    customized_response_dict["Records"] = answer.pop("Records", [])
    response_dict["body"] = json.dumps(answer).encode()

"""DynamoDB Streams records, as GetRecords gives them, turned into Lambda's event records."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local_runtime.template import LOCAL_REGION


@dataclass(frozen=True)
class PolledRecord:
    """One stream record read from a shard, with what the poller needs to order and age it."""

    sequence_number: str
    arrival: datetime  # ApproximateCreationDateTime, UTC
    event: dict[str, Any]  # the record exactly as the function receives it


def polled_record(stream_record: Mapping[str, Any], event_source_arn: str) -> PolledRecord:
    """Converts a boto3 GetRecords record (datetimes, bytes) back into Lambda's JSON record."""
    change = stream_record["dynamodb"]
    arrival = _utc(change.get("ApproximateCreationDateTime") or datetime.now(UTC))
    dynamodb: dict[str, Any] = {
        # Lambda sends epoch seconds; DynamoDB Streams has second precision.
        "ApproximateCreationDateTime": float(int(arrival.timestamp())),
        "Keys": _attribute_map(change.get("Keys", {})),
    }
    for image in ("NewImage", "OldImage"):
        if image in change:
            dynamodb[image] = _attribute_map(change[image])
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


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _attribute_map(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _attribute_value(value) for name, value in attributes.items()}


def _attribute_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """boto3 decodes binary values; the Lambda event carries them base64-encoded."""
    ((kind, data),) = value.items()
    if kind == "B":
        return {"B": _b64(data)}
    if kind == "BS":
        return {"BS": [_b64(item) for item in data]}
    if kind == "M":
        return {"M": _attribute_map(data)}
    if kind == "L":
        return {"L": [_attribute_value(item) for item in data]}
    return {kind: data}


def _b64(data: bytes | str) -> str:
    return base64.b64encode(data).decode() if isinstance(data, bytes) else data

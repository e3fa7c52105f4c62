"""The embedded AWS's data kept across restarts (`--persist`): every item of the template's tables,
every object of its buckets, its secrets' values (session keys are derived from them) and the
schedules not yet fired, as one JSON file written on a clean stop and read at start.

Read back before the tables' streams are enabled (see `resources.create_resources`), so
reloaded items are not new records to the stream mappings: no session is created and no email
sent a second time.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import boto3

from local_runtime.template import StackTemplate, bucket_name

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

STATE_FILE_NAME: Final = "aws-state.json"
FORMAT_VERSION: Final = 2
# The fields of a GetSchedule answer that CreateSchedule takes again.
_SCHEDULE_FIELDS: Final = (
    "Name",
    "GroupName",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "ActionAfterCompletion",
    "State",
)

Item = dict[str, "AttributeValueTypeDef"]


@dataclass(frozen=True)
class StoredObject:
    key: str
    body: bytes
    content_type: str = "binary/octet-stream"  # S3's own default
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedState:
    items: Mapping[str, list[Item]]  # by table's logical id
    objects: Mapping[str, list[StoredObject]]  # by bucket's logical id
    secrets: Mapping[str, str] = field(default_factory=dict)  # by secret's logical id
    schedules: list[dict[str, Any]] = field(default_factory=list)  # CreateSchedule arguments

    def summary(self) -> str:
        counts = [f"{table} {len(items)}" for table, items in self.items.items()]
        counts += [f"{bucket} {len(objects)} object(s)" for bucket, objects in self.objects.items()]
        counts += [f"{len(self.schedules)} schedule(s)"] if self.schedules else []
        return ", ".join(counts) or "nothing"

    @property
    def empty(self) -> bool:
        return not any(self.items.values()) and not any(self.objects.values())


def save_state(
    template: StackTemplate, session: boto3.Session, endpoint_url: str | None, path: Path
) -> SavedState:
    """Reads every table and bucket of the template from the endpoint and writes them to `path`."""
    dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
    s3 = session.client("s3", endpoint_url=endpoint_url)
    items: dict[str, list[Item]] = {}
    for table_id in template.table_definitions():
        items[table_id] = [
            item
            for page in dynamodb.get_paginator("scan").paginate(TableName=table_id)
            for item in page["Items"]
        ]
    objects: dict[str, list[StoredObject]] = {}
    for bucket_id in template.buckets():
        name = bucket_name(bucket_id)
        objects[bucket_id] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for listed in page.get("Contents", []):
                got = s3.get_object(Bucket=name, Key=listed["Key"])
                objects[bucket_id].append(
                    StoredObject(
                        listed["Key"],
                        got["Body"].read(),
                        got.get("ContentType", StoredObject.content_type),
                        got.get("Metadata", {}),
                    )
                )
    secretsmanager = session.client("secretsmanager", endpoint_url=endpoint_url)
    secrets = {
        secret_id: secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"]
        for secret_id in template.of_type("AWS::SecretsManager::Secret")
    }
    scheduler = session.client("scheduler", endpoint_url=endpoint_url)
    schedules: list[dict[str, Any]] = []
    for group_id in template.of_type("AWS::Scheduler::ScheduleGroup"):
        for summary in scheduler.list_schedules(GroupName=group_id)["Schedules"]:
            found: dict[str, Any] = dict(scheduler.get_schedule(Name=summary["Name"], GroupName=group_id))
            schedules.append({name: found[name] for name in _SCHEDULE_FIELDS if name in found})
    state = SavedState(items, objects, secrets, schedules)
    _write_atomically(path, json.dumps(_to_document(state)))
    return state


def load_state(path: Path) -> SavedState | None:
    """The state saved at `path`, or None if there is none."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    if document.get("version") not in {1, FORMAT_VERSION}:  # 1: before secrets and schedules
        raise ValueError(
            f"{path} is not a saved state this runtime reads (version {document.get('version')})"
        )
    return SavedState(
        items={table: [_decode_item(item) for item in items] for table, items in document["items"].items()},
        objects={
            bucket: [
                StoredObject(o["key"], base64.b64decode(o["body"]), o["content_type"], o["metadata"])
                for o in objects
            ]
            for bucket, objects in document["objects"].items()
        },
        secrets=document.get("secrets", {}),
        schedules=document.get("schedules", []),
    )


def _to_document(state: SavedState) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "items": {table: [_encode_item(item) for item in items] for table, items in state.items.items()},
        "objects": {
            bucket: [
                {
                    "key": o.key,
                    "body": base64.b64encode(o.body).decode(),
                    "content_type": o.content_type,
                    "metadata": dict(o.metadata),
                }
                for o in objects
            ]
            for bucket, objects in state.objects.items()
        },
        "secrets": dict(state.secrets),
        "schedules": state.schedules,
    }


def _encode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _encode_value(value) for name, value in item.items()}


def _encode_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """boto3 gives binary values as bytes; JSON holds them base64-encoded, as DynamoDB's wire does."""
    ((kind, data),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(data).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(member).decode() for member in data]}
    if kind == "M":
        return {"M": _encode_item(data)}
    if kind == "L":
        return {"L": [_encode_value(member) for member in data]}
    return {kind: data}


def _decode_item(item: Mapping[str, Any]) -> Item:
    return {name: _decode_value(value) for name, value in item.items()}


def _decode_value(value: Mapping[str, Any]) -> Any:
    ((kind, data),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(data)}
    if kind == "BS":
        return {"BS": [base64.b64decode(member) for member in data]}
    if kind == "M":
        return {"M": _decode_item(data)}
    if kind == "L":
        return {"L": [_decode_value(member) for member in data]}
    return {kind: data}


def _write_atomically(path: Path, text: str) -> None:
    """Written whole then renamed, so a crash while saving leaves the previous state intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    Path(temporary).replace(path)

"""Everything the embedded AWS holds, as text to search: every table's items (a Scan; tests may),
every object version in every bucket, every schedule's input and every queued message.

SES's sent mail is left out: like the local runtime's outbox, it holds the emails that were sent.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from local_runtime.template import LOCAL_REGION, StackTemplate


def table_items(template: StackTemplate) -> dict[str, list[dict[str, Any]]]:
    dynamodb = boto3.client("dynamodb", region_name=LOCAL_REGION)
    found: dict[str, list[dict[str, Any]]] = {}
    for table in template.table_definitions():
        pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
        found[table] = [item for page in pages for item in page["Items"]]
    return found


def object_versions() -> list[dict[str, Any]]:
    """Every version and delete marker in every bucket, with each version's body."""
    s3 = boto3.client("s3", region_name=LOCAL_REGION)
    found: list[dict[str, Any]] = []
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            for version in page.get("Versions", []):
                body = s3.get_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"])["Body"]
                found.append({"bucket": name, "key": version["Key"], "body": body.read().decode("latin-1")})
            for marker in page.get("DeleteMarkers", []):
                found.append({"bucket": name, "key": marker["Key"], "delete_marker": True})
    return found


def schedule_inputs() -> list[str]:
    scheduler = boto3.client("scheduler", region_name=LOCAL_REGION)
    inputs = []
    for group in scheduler.list_schedule_groups()["ScheduleGroups"]:
        for listed in scheduler.list_schedules(GroupName=group["Name"])["Schedules"]:
            schedule = scheduler.get_schedule(Name=listed["Name"], GroupName=group["Name"])
            inputs.append(schedule["Target"].get("Input", ""))
    return inputs


def queued_messages() -> list[str]:
    sqs = boto3.client("sqs", region_name=LOCAL_REGION)
    bodies = []
    for url in sqs.list_queues().get("QueueUrls", []):
        # Visibility 0: looking does not hide them from a later look.
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        bodies += [message["Body"] for message in received.get("Messages", [])]
    return bodies


def everything(template: StackTemplate) -> str:
    """All of the above in one text, for `in` checks."""
    return json.dumps(
        {
            "tables": table_items(template),
            "objects": object_versions(),
            "schedules": schedule_inputs(),
            "queues": queued_messages(),
        },
        default=str,
    )

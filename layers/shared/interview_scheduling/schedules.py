"""What time brings to an interview: a reminder at each of the job's offsets before the start,
and the no-show check when the session window closes. Each is an EventBridge Scheduler one-time
schedule with a deterministic name, so making the plan again (a redelivered record, a reschedule)
moves the same schedules instead of adding new ones, and cancelling deletes them.

A schedule carries the revision and start it was made for; its handler checks both when it fires
(interview_scheduling.time_events), so a late, doubled or outdated firing changes nothing.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from interview_scheduling import aws_clients
from interview_scheduling.models import Job
from interview_scheduling.settings import schedule_group_settings, schedule_settings, session_window_settings
from interview_scheduling.time_rules import session_window

if TYPE_CHECKING:
    from mypy_boto3_scheduler.type_defs import TargetTypeDef

REMINDER = "reminder"
NO_SHOW = "no_show"


@dataclass(frozen=True)
class Firing:
    """One thing to do at one time, as the schedule's input says it."""

    name: str
    at: datetime
    payload: dict[str, Any]


def plan(
    interview_id: str, revision: int, *, starts: datetime, ends: datetime, job: Job, now: datetime
) -> list[Firing]:
    """The schedules the interview needs now; a reminder already past is left out."""
    firings = []
    for minutes in sorted({int(m) for m in job.reminder_offsets_minutes}, reverse=True):
        at = starts - timedelta(minutes=minutes)
        if at > now:
            payload = {"action": REMINDER, "interview_id": interview_id, "revision": revision}
            payload |= {"reminder_minutes": minutes, "starts_at": starts.isoformat()}
            firings.append(Firing(f"{interview_id}-{REMINDER}-{minutes}", at, payload))
    window = session_window_settings()
    _, closes = session_window(
        starts,
        ends,
        timedelta(minutes=window.session_opens_before_minutes),
        timedelta(minutes=window.session_closes_after_minutes),
    )
    no_show = {"action": NO_SHOW, "interview_id": interview_id, "revision": revision}
    firings.append(Firing(f"{interview_id}-{NO_SHOW}", closes, no_show))
    return firings


def keep(interview_id: str, firings: list[Firing], *, existing_possible: bool) -> None:
    """Makes the interview's schedules exactly `firings`: creates or moves each, deletes the rest.

    `existing_possible` is False only for a brand-new session, whose interview has none yet.
    """
    for firing in firings:
        _create_or_update(firing)
    if existing_possible:
        wanted = {firing.name for firing in firings}
        for name in existing(interview_id):
            if name not in wanted:
                _delete(name)


def cancel(interview_id: str) -> None:
    """Deletes every schedule of the interview; deleting one that is gone is fine."""
    keep(interview_id, [], existing_possible=True)


def existing(interview_id: str) -> list[str]:
    """The names of the interview's schedules that exist now."""
    group = schedule_group_settings().schedule_group
    pages = aws_clients.scheduler().get_paginator("list_schedules")
    return [
        schedule["Name"]
        for page in pages.paginate(GroupName=group, NamePrefix=f"{interview_id}-")
        for schedule in page["Schedules"]
    ]


def _create_or_update(firing: Firing) -> None:
    settings = schedule_settings()
    target: TargetTypeDef = {
        "Arn": settings.schedule_target_arn,
        "RoleArn": settings.scheduler_role_arn,
        "Input": json.dumps(firing.payload, sort_keys=True),
        "RetryPolicy": {
            "MaximumRetryAttempts": settings.schedule_retry_attempts,
            "MaximumEventAgeInSeconds": settings.schedule_max_event_age_seconds,
        },
        "DeadLetterConfig": {"Arn": settings.schedule_dead_letter_arn},
    }
    arguments: dict[str, Any] = {
        "Name": firing.name,
        "GroupName": settings.schedule_group,
        "ScheduleExpression": f"at({firing.at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": target,
        # Gone once it has fired, as a one-time schedule should be.
        "ActionAfterCompletion": "DELETE",
    }
    scheduler = aws_clients.scheduler()
    try:
        scheduler.create_schedule(**arguments)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConflictException":
            raise
        scheduler.update_schedule(**arguments)  # made by an earlier delivery, or before a reschedule


def _delete(name: str) -> None:
    try:
        aws_clients.scheduler().delete_schedule(Name=name, GroupName=schedule_group_settings().schedule_group)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise

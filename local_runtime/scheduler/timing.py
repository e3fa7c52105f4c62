"""When a one-time schedule is due, as EventBridge Scheduler reads it (no I/O).

https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time-schedule-types:
`at(yyyy-mm-ddThh:mm:ss)` is a wall-clock time in the schedule's ScheduleExpressionTimezone
(UTC when absent); the schedule fires once, at that time or as soon after as it can.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")


class UnsupportedExpression(ValueError):
    """rate() and cron() schedules: the system makes none, and they are not emulated."""


def fires_at(schedule: dict[str, Any]) -> datetime:
    """The instant a one-time schedule (a GetSchedule answer) is due."""
    found = _AT.fullmatch(schedule["ScheduleExpression"])
    if found is None:
        raise UnsupportedExpression(f"only at() schedules fire locally, not {schedule['ScheduleExpression']}")
    zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
    return datetime.fromisoformat(found.group(1)).replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """The target's RetryPolicy: how often and how long a firing the target refused is retried."""

    attempts: int = 185  # EventBridge Scheduler's defaults
    max_age: timedelta = timedelta(hours=24)

    @classmethod
    def of(cls, target: dict[str, Any]) -> RetryPolicy:
        policy = target.get("RetryPolicy") or {}
        return cls(
            attempts=int(policy.get("MaximumRetryAttempts", cls.attempts)),
            max_age=timedelta(
                seconds=int(policy.get("MaximumEventAgeInSeconds", cls.max_age.total_seconds()))
            ),
        )

    def gives_up(self, failures: int, due: datetime, now: datetime) -> bool:
        return failures > self.attempts or now - due > self.max_age


class SchedulerClock:
    """The time schedules fire by: the real time plus an offset that only moves forward."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, by: timedelta) -> datetime:
        if by < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += by
        return self.now()

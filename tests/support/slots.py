"""Slot bodies for tests and benchmarks: the one place that keeps a slot within one local day.

A slot may cross midnight in its zone (tests of that write their own bodies), but the helpers'
slots do not: one that would is cut short at 23:59, and one that would start at 23:59 starts at
the next midnight instead, so a slot made at "now + N minutes" is the same kind of slot at any
hour.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any


def within_one_day(start: datetime, duration: timedelta) -> tuple[datetime, datetime]:
    """Start and end of a slot of about `duration` from `start`, on one day of start's zone."""
    start = start.replace(second=0, microsecond=0)
    last_minute = datetime.combine(start.date(), time(23, 59), tzinfo=start.tzinfo)
    if start >= last_minute:
        start = last_minute + timedelta(minutes=1)
        last_minute += timedelta(days=1)
    return start, min(start + duration, last_minute)


def slot_body(start: datetime, duration: timedelta, **fields: Any) -> dict[str, Any]:
    """The POST /jobs/{job_id}/slots body of a slot from `start`, in start's zone."""
    begins, ends = within_one_day(start, duration)
    return {
        "interview_date": begins.date().isoformat(),
        "start_time": begins.strftime("%H:%M"),
        "end_time": ends.strftime("%H:%M"),
        "timezone": str(begins.tzinfo),
        "ai_interview_type": "coding",
        **fields,
    }

"""When an interview takes place: one rule, used by the API and by session creation."""

from datetime import datetime

from interview_scheduling.models import Interview, InterviewSlot


def scheduled_at(interview: Interview, slot: InterviewSlot) -> datetime:
    """`started_at` once the interview has begun, else the slot's start (UTC, derived at slot creation)."""
    return interview.started_at or slot.starts_at

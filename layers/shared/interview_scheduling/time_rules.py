"""The time rules: wall-clock times in a slot's IANA zone, the instants they name, and the
windows derived from them. Everything is stored and sent in UTC.

A local time inside a DST gap does not exist and is refused. A local time inside a DST fold
happens twice; it resolves to the first occurrence (fold=0), the one a calendar shows first.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

if TYPE_CHECKING:
    from interview_scheduling.models import Interview, InterviewSlot


# The longest a slot may last, in real time (so across a DST change too): an interview, not a shift.
MAX_SLOT_DURATION = timedelta(hours=12)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class InvalidLocalTime(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; the one check every zone the system meets goes through."""
    # ZoneInfo also accepts file paths; only names from the IANA database are zones here.
    if name not in _known_zones():
        raise InvalidLocalTime(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidLocalTime(f"unknown time zone {name!r}") from error


@cache
def _known_zones() -> set[str]:
    return available_timezones()


def to_utc(day: date, wall_time: time, zone_name: str) -> datetime:
    """The UTC instant of `wall_time` on `day` in `zone_name`."""
    local = datetime.combine(day, wall_time.replace(tzinfo=None, fold=0), tzinfo=zone(zone_name))
    try:
        instant = local.astimezone(UTC)
        # A time in a DST gap does not survive the round trip back to local time.
        round_trip = instant.astimezone(local.tzinfo).replace(tzinfo=None)
    except OverflowError as error:
        raise InvalidLocalTime(f"{day} is outside the dates this system can schedule") from error
    if round_trip != local.replace(tzinfo=None):
        raise InvalidLocalTime(
            f"{day} {wall_time:%H:%M} does not exist in {zone_name} (a DST change skips it)"
        )
    return instant


def slot_instants(day: date, start: time, end: time, zone_name: str) -> tuple[datetime, datetime]:
    """The UTC start and end of a slot given as wall-clock times from `day` on, as a calendar
    reads them: an end at or before the start is on the next day (23:30-00:15)."""
    starts_at = to_utc(day, start, zone_name)
    end_day = day + timedelta(days=1) if end <= start else day
    return starts_at, to_utc(end_day, end, zone_name)


def scheduled_at(interview: "Interview") -> datetime:
    """`started_at` once the interview has begun, else its slot's start (copied when it was booked
    or moved, under the condition that the slot still started then)."""
    return interview.started_at or interview.scheduled_at


def session_times(interview: "Interview", slot: "InterviewSlot") -> tuple[datetime, datetime]:
    """When the session starts and ends: it lasts as long as its slot."""
    starts = scheduled_at(interview)
    return starts, starts + (slot.ends_at - slot.starts_at)


def session_window(
    starts: datetime, ends: datetime, opens_before: timedelta, closes_after: timedelta
) -> tuple[datetime, datetime]:
    """When the candidate's link opens the session: a little before the start, a while after the end."""
    return starts - opens_before, ends + closes_after


def format_moment(moment: datetime) -> str:
    """How an instant reads to a person, in its own zone: "Mon 3 Jun 2026, 14:30 IST".

    Day and month names come from tables, not strftime, so the process locale cannot change them."""
    weekday, month = _WEEKDAYS[moment.weekday()], _MONTHS[moment.month - 1]
    return f"{weekday} {moment.day} {month} {moment.year}, {moment:%H:%M} {moment.tzname()}"

"""Local wall-clock times in a slot's IANA zone, turned into instants in UTC.

A local time inside a DST gap does not exist and is refused. A local time inside a DST fold
happens twice; it resolves to the first occurrence (fold=0), the one a calendar shows first.
"""

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class InvalidLocalTime(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
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
    instant = local.astimezone(UTC)
    # A time in a DST gap does not survive the round trip back to local time.
    if instant.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidLocalTime(
            f"{day} {wall_time:%H:%M} does not exist in {zone_name} (a DST change skips it)"
        )
    return instant

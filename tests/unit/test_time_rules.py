"""Wall-clock slot times in IANA zones become UTC instants; DST gaps are refused, folds resolved."""

from datetime import UTC, date, datetime, time

import pytest

from interview_scheduling.models import Interview
from interview_scheduling.time_rules import InvalidLocalTime, scheduled_at, to_utc


def test_a_zone_without_dst_is_a_fixed_offset():
    assert to_utc(date(2030, 7, 1), time(10, 0), "Asia/Kolkata") == datetime(2030, 7, 1, 4, 30, tzinfo=UTC)


def test_summer_and_winter_offsets_come_from_the_zone_database():
    assert to_utc(date(2030, 1, 15), time(9, 0), "Europe/London") == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    assert to_utc(date(2030, 7, 15), time(9, 0), "Europe/London") == datetime(2030, 7, 15, 8, 0, tzinfo=UTC)


def test_a_time_skipped_by_the_spring_change_does_not_exist():
    with pytest.raises(InvalidLocalTime, match="does not exist"):
        to_utc(date(2030, 3, 31), time(2, 30), "Europe/Berlin")


def test_a_time_repeated_by_the_autumn_change_means_its_first_occurrence():
    # 01:30 happens twice in New York on 2030-11-03: first at UTC-4, then at UTC-5.
    assert to_utc(date(2030, 11, 3), time(1, 30), "America/New_York") == datetime(
        2030, 11, 3, 5, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "/usr/share/zoneinfo/UTC"])
def test_only_names_from_the_zone_database_are_zones(name):
    with pytest.raises(InvalidLocalTime):
        to_utc(date(2030, 1, 1), time(9, 0), name)


def test_an_interview_that_has_started_is_scheduled_when_it_started():
    booked = datetime(2030, 1, 1, 9, tzinfo=UTC)
    started = datetime(2030, 1, 1, 9, 7, tzinfo=UTC)

    assert scheduled_at(Interview(scheduled_at=booked)) == booked
    assert scheduled_at(Interview(scheduled_at=booked, started_at=started)) == started

"""The test helpers' slots stay within one day at any hour, so suites and benchmarks run at night."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.slots import slot_body, within_one_day


@pytest.mark.parametrize("minute", [0, 1, 30, 58, 59])
def test_a_slot_near_midnight_stays_within_one_day_and_ends_after_it_starts(minute):
    start = datetime(2026, 12, 1, 23, minute, tzinfo=UTC)

    begins, ends = within_one_day(start, timedelta(minutes=45))

    assert begins.date() == ends.date()
    assert ends > begins
    assert begins >= start.replace(second=0)


def test_every_minute_of_a_day_gives_a_valid_body():
    midnight = datetime(2026, 12, 1, tzinfo=UTC)
    for minute in range(24 * 60):
        body = slot_body(midnight + timedelta(minutes=minute), timedelta(minutes=1))
        assert body["end_time"] > body["start_time"], body

"""Parallel bookings over HTTP through the local runtime: capacity is never exceeded.

The runtime's HTTP functions run in several worker processes at once against an embedded AWS
whose requests are serialised, as DynamoDB's conditional writes are atomic; so any overbooking
seen here would be the booking logic's, not the test harness's.
"""

from collections import Counter

import pytest

from tests.support.booking_race import BOOKERS, race

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("round_", range(3))
def test_fifty_bookers_one_seat_exactly_one_wins(api, round_):
    statuses, slot = race(api, capacity=1, round_=round_)

    assert statuses == Counter({201: 1, 409: BOOKERS - 1})
    assert slot["booked_count"] == 1


def test_fifty_bookers_five_seats_exactly_five_win(api):
    statuses, slot = race(api, capacity=5, round_=99)

    assert statuses == Counter({201: 5, 409: BOOKERS - 5})
    assert slot["booked_count"] == 5

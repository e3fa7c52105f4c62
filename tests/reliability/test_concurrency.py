"""Many rounds of parallel bookings over HTTP: no slot is ever overbooked, no request fails.

The quick check is tests/e2e/test_concurrency.py (a few rounds); this runs the same race
(tests/support/booking_race.py) for as many rounds as it takes to trust a zero.
"""

from collections import Counter
from dataclasses import dataclass, field

import pytest

from local_runtime.demo.http_client import ApiClient
from tests.reliability.figures import Figures
from tests.support.booking_race import BOOKERS, race

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@dataclass
class RaceTally:
    rounds: int = 0
    overbooked_rounds: int = 0  # more seats taken, or more 201s, than the slot has
    short_rounds: int = 0  # fewer winners than seats: a free seat refused
    server_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    def add(self, capacity: int, statuses: Counter[int], booked_count: int) -> None:
        self.rounds += 1
        self.statuses += statuses
        if booked_count > capacity or statuses[201] > capacity:
            self.overbooked_rounds += 1
        if statuses[201] < capacity or booked_count < capacity:
            self.short_rounds += 1
        self.server_errors += sum(count for status, count in statuses.items() if status >= 500)


@pytest.mark.parametrize(("capacity", "rounds"), [(1, 100), (5, 20)], ids=["one-seat", "five-seats"])
def test_parallel_bookers_never_overbook(
    recruiter: ApiClient, figures: Figures, capacity: int, rounds: int
) -> None:
    tally = RaceTally()
    for round_ in range(rounds):
        statuses, slot = race(recruiter, capacity=capacity, round_=1000 * capacity + round_)
        tally.add(capacity, statuses, slot["booked_count"])

    name = f"concurrency.{capacity}-seat"
    figures.record(f"{name}.rounds", f"{tally.rounds} x {BOOKERS} bookers")
    figures.record(f"{name}.statuses", dict(sorted(tally.statuses.items())))
    figures.record(f"{name}.overbooked_rounds", tally.overbooked_rounds)
    figures.record(f"{name}.rounds_with_a_seat_left_free", tally.short_rounds)
    figures.record(f"{name}.server_errors", tally.server_errors)
    assert (tally.overbooked_rounds, tally.short_rounds, tally.server_errors) == (0, 0, 0)
    assert tally.statuses == Counter({201: capacity * rounds, 409: (BOOKERS - capacity) * rounds})

"""Parallel bookings over HTTP through the local runtime: capacity is never exceeded.

The runtime's HTTP functions run in several worker processes at once against an embedded AWS
whose requests are serialised, as DynamoDB's conditional writes are atomic; so any overbooking
seen here would be the booking logic's, not the test harness's.
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.http_client import ApiClient

pytestmark = pytest.mark.e2e

BOOKERS = 50


def created(response: Any) -> dict[str, Any]:
    assert response.status == 201, f"HTTP {response.status}: {response.text()}"
    return response.json()  # type: ignore[no-any-return]


def slot_body(capacity: int, minutes_ahead: int) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=1, minutes=minutes_ahead)).replace(second=0, microsecond=0)
    return {
        "interview_date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": (start + timedelta(minutes=1)).strftime("%H:%M"),
        "timezone": "UTC",
        "ai_interview_type": "coding",
        "capacity": capacity,
    }


def race(api: ApiClient, capacity: int, round_: int) -> tuple[Counter[int], dict[str, Any]]:
    """BOOKERS candidates book one slot at the same moment; returns the statuses and the slot after."""
    job_id = created(api.post("/jobs", {"job_title": f"Race {round_}", "company_name": "Acme"}))["job_id"]
    slot_id = created(api.post(f"/jobs/{job_id}/slots", slot_body(capacity, round_ % 600)))["slot_id"]
    candidates = [
        created(
            api.post(
                f"/jobs/{job_id}/candidates", {"full_name": f"Candidate {i}", "email": f"c{i}@example.com"}
            )
        )["candidate_id"]
        for i in range(BOOKERS)
    ]
    with ThreadPoolExecutor(max_workers=BOOKERS) as pool:
        responses = list(
            pool.map(
                lambda candidate_id: api.post(
                    f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id}
                ),
                candidates,
            )
        )
    slots = api.get(f"/jobs/{job_id}/slots").json()["items"]
    return Counter(r.status for r in responses), next(s for s in slots if s["slot_id"] == slot_id)


@pytest.mark.parametrize("round_", range(3))
def test_fifty_bookers_one_seat_exactly_one_wins(api, round_):
    statuses, slot = race(api, capacity=1, round_=round_)

    assert statuses == Counter({201: 1, 409: BOOKERS - 1})
    assert slot["booked_count"] == 1


def test_fifty_bookers_five_seats_exactly_five_win(api):
    statuses, slot = race(api, capacity=5, round_=99)

    assert statuses == Counter({201: 5, 409: BOOKERS - 5})
    assert slot["booked_count"] == 5

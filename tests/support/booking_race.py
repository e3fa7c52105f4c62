"""Parallel bookings of one slot over HTTP, as many recruiters would make them at the same moment."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from local_runtime.demo.http_client import ApiClient, ApiResponse
from tests.support import slots

BOOKERS = 50


def created(response: ApiResponse) -> dict[str, Any]:
    assert response.status == 201, f"HTTP {response.status}: {response.text()}"
    return response.json()  # type: ignore[no-any-return]


def slot_body(capacity: int, minutes_ahead: int) -> dict[str, Any]:
    """A one-minute slot a day and `minutes_ahead` minutes from now, in UTC."""
    start = datetime.now(UTC) + timedelta(days=1, minutes=minutes_ahead)
    return slots.slot_body(start, timedelta(minutes=1), capacity=capacity)


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

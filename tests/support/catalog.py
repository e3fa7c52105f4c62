"""Creates jobs, candidates and slots, and books interviews, through the API, for tests that need them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.api import ApiClient
from tests.support.slots import slot_body


def create_job(api: ApiClient, **overrides: Any) -> str:
    body = {"job_title": "Backend Engineer", "company_name": "Acme", "domain": "fintech", **overrides}
    response = api.post("/jobs", body)
    assert response.status == 201, response.body
    return str(response.body["job_id"])


def create_candidate(api: ApiClient, job_id: str, **overrides: Any) -> str:
    body = {"full_name": "Ada Lovelace", "email": "ada@example.com", **overrides}
    response = api.post(f"/jobs/{job_id}/candidates", body)
    assert response.status == 201, response.body
    return str(response.body["candidate_id"])


def create_slot(
    api: ApiClient,
    job_id: str,
    starts_in: timedelta = timedelta(days=2),
    capacity: int = 1,
    *,
    now: datetime | None = None,
    **overrides: Any,
) -> str:
    """A 45-minute slot `starts_in` from `now`; pass one `now` to slots whose distance apart a test checks,
    since slot times are whole minutes and two reads of the clock may fall either side of one."""
    start = (now or datetime.now(UTC)) + starts_in
    body = slot_body(start, timedelta(minutes=45), capacity=capacity, **overrides)
    response = api.post(f"/jobs/{job_id}/slots", body)
    assert response.status == 201, response.body
    return str(response.body["slot_id"])


def book_interview(api: ApiClient, job_id: str, candidate_id: str, slot_id: str) -> str:
    response = api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id})
    assert response.status == 201, response.body
    return str(response.body["interview_id"])

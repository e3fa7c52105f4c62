"""Many interviews at once, written through the models as a booking writes them (same items,
same keys, same guards), for tests that page through more than the API could book quickly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.client import BaseClient

from interview_scheduling import booking, clock
from interview_scheduling.enums import Actor
from interview_scheduling.ids import new_id
from interview_scheduling.listing_keys import job_scope, ordered
from interview_scheduling.models import Candidate, Interview, InterviewSlot


def seed_interviews(org: str, job_id: str, slot_ids: list[str], per_slot: int) -> list[Interview]:
    """`per_slot` booked interviews in each slot, each with a candidate of its own."""
    now = clock.now()
    interviews: list[Interview] = []
    with Candidate.batch_write() as candidates, Interview.batch_write() as written:
        for slot_id in slot_ids:
            slot = InterviewSlot.get(job_id, slot_id)
            booked = []
            for n in range(per_slot):
                candidate_id, interview_id = new_id(), new_id()
                candidates.save(
                    Candidate(
                        job_id=job_id,
                        candidate_id=candidate_id,
                        org_id=org,
                        full_name=f"Candidate {n}",
                        email=f"c{n}@example.com",
                        created_at=now,
                        job_scope=job_scope(org, job_id),
                        created_key=ordered(now, candidate_id),
                        active_interview_id=interview_id,
                    )
                )
                interview = booking.new_interview(
                    interview_id=interview_id,
                    org=org,
                    job_id=job_id,
                    candidate_id=candidate_id,
                    slot=slot,
                    booking_notes=None,
                    request_fingerprint=new_id(),
                    now=now,
                    by=Actor.RECRUITER,
                )
                written.save(interview)
                interviews.append(interview)
                booked.append(interview_id)
            slot.update(
                actions=[
                    InterviewSlot.capacity.set(per_slot + 10),
                    InterviewSlot.booked_count.set(per_slot),
                    InterviewSlot.booked_interview_ids.set(set(booked)),
                ]
            )
    return interviews


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    """Counts the DynamoDB requests made inside the block, by operation."""
    counted: Counter[str] = Counter()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            counted[operation] += 1
        return original(self, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", counting)
        yield counted

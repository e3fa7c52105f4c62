"""A candidate with a history to erase: a resume PDF in S3, a past interview that was cancelled
and an active one with booking notes, both with sessions and emails; and a second candidate in
the same slot, whose data must stay. Made through the API and the in-process pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tests.conftest import LocalStack
from tests.pdf_factory import make_text_pdf
from tests.support.api import ApiClient
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.pipeline import Pipeline, sent_emails, session_key_of

ERASED_CANDIDATE = {
    "full_name": "Ada Lovelace",
    "email": "ada.lovelace@example.com",
    "phone": "+44 20 7946 0018",
    "work_experience": "Wrote the first published program for the Analytical Engine",
}
RESUME_LINE = "Translated the Menabrea memoir and added notes A to G"
BOOKING_NOTES = "Ask about the Bernoulli numbers program"
KEPT_CANDIDATE = {"full_name": "Charles Babbage", "email": "charles.babbage@example.com"}
SOON = timedelta(minutes=10)  # inside the window in which a session link opens


def personal_values() -> list[str]:
    """What must be nowhere once the candidate is erased."""
    return [*ERASED_CANDIDATE.values(), RESUME_LINE, BOOKING_NOTES]


@dataclass(frozen=True)
class History:
    job_id: str
    candidate_id: str
    past_interview: str
    active_interview: str
    active_slot: str
    kept_candidate: str
    kept_interview: str
    session_key: str  # the active interview's, from its invitation


def book(api: ApiClient, job_id: str, candidate_id: str, slot_id: str, notes: str | None = None) -> str:
    body = {"candidate_id": candidate_id, "slot_id": slot_id}
    if notes is not None:
        body["booking_notes"] = notes
    response = api.post(f"/jobs/{job_id}/interviews", body)
    assert response.status == 201, response.body
    return str(response.body["interview_id"])


def upload_resume(api: ApiClient, aws: LocalStack, job_id: str, candidate_id: str, pdf: bytes) -> str:
    upload = api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {}).body
    aws.session.client("s3").put_object(
        Bucket=aws.resolver.ref("ResumesBucket"),
        Key=upload["resume_key"],
        Body=pdf,
        ContentType="application/pdf",
    )
    return str(upload["resume_key"])


def candidate_with_history(api: ApiClient, aws: LocalStack, pipeline: Pipeline) -> History:
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    upload_resume(
        api, aws, job_id, candidate_id, make_text_pdf([[ERASED_CANDIDATE["full_name"], RESUME_LINE]])
    )
    first_slot = create_slot(api, job_id, starts_in=SOON, capacity=2)
    past = book(api, job_id, candidate_id, first_slot)
    pipeline.run()
    assert api.post(f"/jobs/{job_id}/interviews/{past}/cancel").status == 200
    pipeline.run()
    active_slot = create_slot(api, job_id, starts_in=SOON + timedelta(minutes=5), capacity=2)
    active = book(api, job_id, candidate_id, active_slot, BOOKING_NOTES)
    kept_candidate = create_candidate(api, job_id, **KEPT_CANDIDATE)
    kept = book(api, job_id, kept_candidate, active_slot)
    pipeline.run()
    invitation = next(
        m for m in reversed(sent_emails()) if m["To"].addresses[0].addr_spec == ERASED_CANDIDATE["email"]
    )
    return History(
        job_id, candidate_id, past, active, active_slot, kept_candidate, kept, session_key_of(invitation)
    )

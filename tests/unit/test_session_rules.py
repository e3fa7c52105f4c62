"""What a session is built from: the job description rule and which stream records matter."""

from datetime import UTC, datetime

from interview_scheduling.interview_changes import ChangeKind, interview_change
from interview_scheduling.listing_keys import interview_keys
from interview_scheduling.models import Interview, Job
from interview_scheduling.sessions import job_description


def test_the_jobs_own_description_is_used_with_domain_and_language():
    job = Job(
        job_title="SRE",
        company_name="Acme",
        job_description="Keep payments up.",
        domain="fintech",
        coding_language="GO",
        tech_stack_details="legacy: COBOL, Perl",
    )

    assert job_description(job) == "Keep payments up.\nDomain: fintech\nCoding language: GO"


def test_without_a_description_title_and_company_stand_in_and_the_legacy_field_is_never_used():
    job = Job(job_title="SRE", company_name="Acme", tech_stack_details="legacy: COBOL")

    described = job_description(job)

    assert described == "Job Title: SRE\nCompany: Acme\nCoding language: PYTHON"
    assert "COBOL" not in described


def _interview(fields):
    keys = interview_keys(
        **{k: fields[k] for k in ("interview_id", "org_id", "job_id", "candidate_id", "status")},
        scheduled_at=fields["scheduled_at"],
        updated_at=fields["updated_at"],
    )
    return Interview(**{**fields, **keys}).serialize()


def _record(event_name, new, old=None):
    images = {"NewImage": _interview(new)}
    if old is not None:
        images["OldImage"] = _interview(old)
    return {"eventName": event_name, "dynamodb": images}


NOW = datetime(2030, 1, 1, tzinfo=UTC)
BASE = {
    "interview_id": "i1",
    "org_id": "o",
    "job_id": "j",
    "candidate_id": "c",
    "slot_id": "s1",
    "request_fingerprint": "f",
    "scheduled_at": NOW,
    "created_at": NOW,
    "updated_at": NOW,
}


def _kind(record):
    change = interview_change(record)
    return None if change is None else change.kind


def test_records_are_read_as_booked_cancelled_rescheduled_or_nothing():
    scheduled = {**BASE, "status": "SCHEDULED"}
    cancelled = {**BASE, "status": "CANCELLED", "revision": 1}
    moved = {**BASE, "status": "SCHEDULED", "slot_id": "s2", "revision": 1}
    notes_written = {**scheduled, "booking_notes": "bring ID"}

    assert _kind(_record("INSERT", scheduled)) == ChangeKind.BOOKED
    assert _kind(_record("MODIFY", cancelled, scheduled)) == ChangeKind.CANCELLED
    assert _kind(_record("MODIFY", moved, scheduled)) == ChangeKind.RESCHEDULED
    assert _kind(_record("MODIFY", notes_written, scheduled)) is None
    assert _kind(_record("INSERT", cancelled)) is None

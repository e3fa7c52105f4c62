"""Jobs, candidates, resume uploads and slots: the things a booking refers to.

Every read checks the caller's organisation; another organisation's item reads as missing.
Creations under a job check the job in the same transaction, so nothing is filed under a job
the caller does not own.
"""

import base64
import binascii
import json
from datetime import date, time, timedelta
from typing import Any, TypeVar

from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from interview_scheduling import aws_clients, bookable_slot, clock
from interview_scheduling.conditional_writes import Refused, Transaction, transact, update_if
from interview_scheduling.enums import SlotStatus
from interview_scheduling.errors import NotFound, RuleViolation
from interview_scheduling.ids import new_id
from interview_scheduling.models import Candidate, InterviewSlot, Job
from interview_scheduling.schemas import (
    CandidateIn,
    CandidateOut,
    JobIn,
    JobOut,
    PresignedPost,
    ResumeUploadOut,
    SlotIn,
    SlotOut,
    SlotPage,
)
from interview_scheduling.settings import api_settings, data_settings
from interview_scheduling.time_rules import InvalidLocalTime, to_utc

RESUME_CONTENT_TYPE = "application/pdf"
M = TypeVar("M", bound=Model)


def _owned(model: type[M], org: str, hash_key: str, range_key: str | None = None, *, what: str) -> M:
    try:
        item: M | None = model.get(hash_key, range_key, consistent_read=True)
    except DoesNotExist:
        item = None
    if item is None or item.org_id != org:  # type: ignore[attr-defined]
        raise NotFound(f"{what}_not_found", f"no {what} with that id")
    return item


def _save_under_job(org: str, job_id: str, item: Model, is_new: Condition) -> None:
    """Saves a new item only if the job exists and is the caller's: one transaction."""

    def build(transaction: Transaction) -> None:
        transaction.check("job", Job, job_id, None, condition=Job.org_id == org)
        transaction.put("item", item, condition=is_new)

    try:
        transact(build)
    except Refused as refusal:
        if refusal.refused("job"):
            raise NotFound("job_not_found", "no job with that id") from refusal
        raise


# ---------------------------------------------------------------- jobs
def create_job(org: str, request: JobIn) -> JobOut:
    job = Job(job_id=new_id(), org_id=org, created_at=clock.now(), **request.model_dump())
    job.save(condition=Job.job_id.does_not_exist())
    return job_out(job)


def get_job(org: str, job_id: str) -> JobOut:
    return job_out(_owned(Job, org, job_id, what="job"))


def job_out(job: Job) -> JobOut:
    # from_attributes: the self-service rules are a typed map, read field by field.
    return JobOut.model_validate(job.attribute_values, from_attributes=True)


# ---------------------------------------------------------------- candidates
def create_candidate(org: str, job_id: str, request: CandidateIn) -> CandidateOut:
    fields = request.model_dump()
    candidate = Candidate(
        job_id=job_id,
        candidate_id=new_id(),
        org_id=org,
        created_at=clock.now(),
        **fields,
    )
    _save_under_job(org, job_id, candidate, Candidate.candidate_id.does_not_exist())
    return candidate_out(candidate)


def get_candidate(org: str, job_id: str, candidate_id: str) -> CandidateOut:
    candidate = _owned(Candidate, org, job_id, candidate_id, what="candidate")
    return candidate_out(candidate, has_resume_pdf=_resume_uploaded(candidate))


def _resume_uploaded(candidate: Candidate) -> bool:
    """Whether the PDF is in S3: an upload link handed out may never have been used, or refused."""
    if candidate.resume_key is None:
        return False
    try:
        aws_clients.s3().head_object(Bucket=data_settings().resumes_bucket, Key=candidate.resume_key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True


def candidate_out(candidate: Candidate, *, has_resume_pdf: bool = False) -> CandidateOut:
    return CandidateOut(
        candidate_id=candidate.candidate_id,
        job_id=candidate.job_id,
        full_name=candidate.full_name,
        email=candidate.email,
        phone=candidate.phone,
        work_experience=candidate.work_experience,
        domain=candidate.domain,
        status=candidate.status,
        has_resume_pdf=has_resume_pdf,
        has_resume_text=bool(candidate.resume_text),
        created_at=candidate.created_at,
    )


def request_resume_upload(org: str, job_id: str, candidate_id: str) -> ResumeUploadOut:
    """A presigned POST for the candidate's resume PDF, under a key the server chooses.

    Recording the key first means a new upload replaces the resume and its parsed text.
    """
    settings = api_settings()
    resume_key = f"resumes/{org}/{job_id}/{candidate_id}/{new_id()}.pdf"
    recorded = update_if(
        Candidate(job_id=job_id, candidate_id=candidate_id),
        [
            Candidate.resume_key.set(resume_key),
            Candidate.resume_text.remove(),
            Candidate.resume_extraction.remove(),
        ],
        condition=Candidate.org_id == org,
    )
    if not recorded:
        raise NotFound("candidate_not_found", "no candidate with that id")
    post = aws_clients.s3().generate_presigned_post(
        Bucket=data_settings().resumes_bucket,
        Key=resume_key,
        Fields={"Content-Type": RESUME_CONTENT_TYPE},
        Conditions=[
            {"Content-Type": RESUME_CONTENT_TYPE},
            ["content-length-range", 1, settings.max_resume_bytes],
        ],
        ExpiresIn=settings.resume_upload_expiry_seconds,
    )
    return ResumeUploadOut(
        upload=PresignedPost(url=post["url"], fields=post["fields"]),
        resume_key=resume_key,
        max_bytes=settings.max_resume_bytes,
        expires_in=settings.resume_upload_expiry_seconds,
    )


# ---------------------------------------------------------------- slots
def create_slot(org: str, job_id: str, request: SlotIn) -> SlotOut:
    now = clock.now()
    horizon_days = api_settings().booking_horizon_days
    latest = now + timedelta(days=horizon_days)
    too_far = RuleViolation("slot_too_far_ahead", f"slots can be offered at most {horizon_days} days ahead")
    # The date first: one far enough ahead has no UTC instant to compare.
    if request.interview_date > latest.date():
        raise too_far
    try:
        starts_at = to_utc(request.interview_date, time.fromisoformat(request.start_time), request.timezone)
        ends_at = to_utc(request.interview_date, time.fromisoformat(request.end_time), request.timezone)
    except InvalidLocalTime as error:
        raise RuleViolation("nonexistent_local_time", str(error)) from error
    if starts_at <= now:
        raise RuleViolation("slot_in_past", "the slot starts in the past")
    if starts_at > latest:
        raise too_far
    slot = InterviewSlot(
        job_id=job_id,
        slot_id=new_id(),
        org_id=org,
        interview_date=request.interview_date.isoformat(),
        start_time=request.start_time,
        end_time=request.end_time,
        time_zone=request.timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        ai_interview_type=request.ai_interview_type,
        capacity=request.capacity,
        booked_count=0,
        status=SlotStatus.OPEN,
        created_at=clock.now(),
    )
    _save_under_job(org, job_id, slot, InterviewSlot.slot_id.does_not_exist())
    return slot_out(slot)


def list_slots(org: str, job_id: str, available_only: bool, limit: int, next_token: str | None) -> SlotPage:
    _owned(Job, org, job_id, what="job")
    condition = InterviewSlot.org_id == org
    if available_only:
        condition &= bookable_slot.bookable(clock.now())
    results = InterviewSlot.query(
        job_id,
        filter_condition=condition,
        limit=limit,
        last_evaluated_key=_decode_token(next_token, job_id),
    )
    items = [slot_out(slot) for slot in results]
    last_key = results.last_evaluated_key
    return SlotPage(
        items=items, next_token=_encode_token(last_key) if last_key and len(items) == limit else None
    )


def slot_out(slot: InterviewSlot) -> SlotOut:
    return SlotOut(
        slot_id=slot.slot_id,
        job_id=slot.job_id,
        interview_date=date.fromisoformat(slot.interview_date),
        start_time=slot.start_time,
        end_time=slot.end_time,
        timezone=slot.time_zone,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        ai_interview_type=slot.ai_interview_type,
        capacity=int(slot.capacity),
        booked_count=int(slot.booked_count),
        status=slot.status,
        available=bookable_slot.is_bookable(slot, clock.now()),
    )


def _encode_token(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decode_token(token: str | None, job_id: str) -> dict[str, Any] | None:
    if token is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
        valid = key["job_id"] == {"S": job_id} and set(key) == {"job_id", "slot_id"}
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise RuleViolation("invalid_next_token", "next_token is not one this API gave") from error
    if not valid:
        raise RuleViolation("invalid_next_token", "next_token is not one this API gave")
    return key  # type: ignore[no-any-return]

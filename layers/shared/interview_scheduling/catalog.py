"""Jobs, candidates, resume uploads and slots: the things a booking refers to.

Every read checks the caller's organisation; another organisation's item reads as missing.
Creations under a job check the job in the same transaction, so nothing is filed under a job
the caller does not own. Lists read one index page at a time (interview_scheduling.pagination),
in order of creation (jobs, candidates) or of start time (slots).
"""

from datetime import date, datetime, time, timedelta
from typing import TypeVar

from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from interview_scheduling import aws_clients, bookable_slot, booking, clock, pagination, resume_objects
from interview_scheduling.candidate_address import unreachable_out
from interview_scheduling.conditional_writes import Refused, Transaction, transact, update_if
from interview_scheduling.enums import Actor, SlotStatus
from interview_scheduling.errors import Conflict, NotFound, RuleViolation, SlotHasBookings
from interview_scheduling.ids import new_id
from interview_scheduling.listing_keys import job_scope, ordered
from interview_scheduling.models import Candidate, InterviewSlot, Job
from interview_scheduling.pagination import Query, TimeRange
from interview_scheduling.retention import expires_after
from interview_scheduling.schemas import (
    CancelIn,
    CandidateIn,
    CandidateOut,
    CandidatePage,
    CandidatePatch,
    CandidateSummary,
    JobIn,
    JobOut,
    JobPage,
    JobPatch,
    PresignedPost,
    ResumeUploadOut,
    SlotDeletion,
    SlotIn,
    SlotOut,
    SlotPage,
)
from interview_scheduling.settings import api_settings, data_settings
from interview_scheduling.time_rules import MAX_SLOT_DURATION, InvalidLocalTime, slot_instants

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
    job_id, now = new_id(), clock.now()
    job = Job(
        job_id=job_id, org_id=org, created_at=now, created_key=ordered(now, job_id), **request.model_dump()
    )
    job.save(condition=Job.job_id.does_not_exist())
    return job_out(job)


def owned_job(org: str, job_id: str) -> Job:
    """The job, if it is the caller's; NotFound otherwise."""
    return _owned(Job, org, job_id, what="job")


def get_job(org: str, job_id: str) -> JobOut:
    return job_out(owned_job(org, job_id))


def update_job(org: str, job_id: str, patch: JobPatch) -> JobOut:
    """Changes the fields the patch gives. Sessions made from now on copy the new values; the
    ones already made keep what their candidates were sent."""
    changes = patch.model_dump(exclude_unset=True)
    if not changes:
        return get_job(org, job_id)
    job = Job(job_id)
    actions = [
        getattr(Job, name).remove() if value is None else getattr(Job, name).set(value)
        for name, value in changes.items()
    ]
    if not update_if(job, actions, condition=Job.org_id == org):
        raise NotFound("job_not_found", "no job with that id")
    return job_out(job)  # as the update left it


def list_jobs(org: str, limit: int, cursor: str | None) -> JobPage:
    found = pagination.page(Job.by_org_created, org, query=Query("jobs", org, {}), limit=limit, cursor=cursor)
    return JobPage(items=[job_out(job) for job in found.items], next_cursor=found.next_cursor)


def job_out(job: Job) -> JobOut:
    # from_attributes: the self-service rules are a typed map, read field by field.
    return JobOut.model_validate(job.attribute_values, from_attributes=True)


# ---------------------------------------------------------------- candidates
def create_candidate(org: str, job_id: str, request: CandidateIn) -> CandidateOut:
    candidate_id, now = new_id(), clock.now()
    candidate = Candidate(
        job_id=job_id,
        candidate_id=candidate_id,
        org_id=org,
        created_at=now,
        job_scope=job_scope(org, job_id),
        created_key=ordered(now, candidate_id),
        # Kept this long if never booked; each session moves it to after that interview.
        expires_at=expires_after(now),
        **request.model_dump(),
    )
    _save_under_job(org, job_id, candidate, Candidate.candidate_id.does_not_exist())
    return candidate_out(candidate)


def list_candidates(org: str, job_id: str, limit: int, cursor: str | None) -> CandidatePage:
    found = pagination.page(
        Candidate.by_job_created,
        job_scope(org, job_id),
        query=Query("candidates", org, {"job_id": job_id}),
        limit=limit,
        cursor=cursor,
    )
    if not found.items and cursor is None:
        owned_job(org, job_id)  # nothing here: say whether the job is there at all
    items = [CandidateSummary.model_validate(c.attribute_values) for c in found.items]
    return CandidatePage(items=items, next_cursor=found.next_cursor)


def get_candidate(org: str, job_id: str, candidate_id: str) -> CandidateOut:
    candidate = owned_candidate(org, job_id, candidate_id)
    return candidate_out(candidate, has_resume_pdf=resume_uploaded(candidate))


def owned_candidate(org: str, job_id: str, candidate_id: str) -> Candidate:
    """The caller's candidate; an erased one (or one being erased) is no longer there to read."""
    candidate = _owned(Candidate, org, job_id, candidate_id, what="candidate")
    if candidate.erasure is not None:
        raise NotFound("candidate_erased", "the candidate's personal data was erased")
    return candidate


def resume_uploaded(candidate: Candidate) -> bool:
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
        email_unreachable=unreachable_out(candidate.email_unreachable),
        created_at=candidate.created_at,
    )


def update_candidate(org: str, job_id: str, candidate_id: str, patch: CandidatePatch) -> CandidateOut:
    """Changes the fields given. A new address clears the mark SES's bounce or complaint left on
    the old one (interview_scheduling.candidate_address); the same address again does not."""
    candidate = owned_candidate(org, job_id, candidate_id)
    changes = patch.model_dump(exclude_unset=True)
    actions = [getattr(Candidate, name).set(value) for name, value in changes.items()]
    if changes.get("email", candidate.email) != candidate.email:
        actions.append(Candidate.email_unreachable.remove())
    actions.append(Candidate.updated_at.set(clock.now()))
    # Unchanged since it was read, so the mark is cleared only for the address it was on.
    changed = update_if(
        candidate,
        actions,
        condition=(Candidate.org_id == org)
        & (Candidate.email == candidate.email)
        & Candidate.erasure.does_not_exist(),
    )
    if not changed:
        raise Conflict("busy", "the candidate changed meanwhile; try again")
    return candidate_out(candidate, has_resume_pdf=resume_uploaded(candidate))


def request_resume_upload(org: str, job_id: str, candidate_id: str) -> ResumeUploadOut:
    """A presigned POST for the candidate's resume PDF, under a key the server chooses.

    Recording the key first means a new upload replaces the resume and its parsed text.
    """
    settings = api_settings()
    resume_key = resume_objects.new_key(org, job_id, candidate_id)
    recorded = update_if(
        Candidate(job_id=job_id, candidate_id=candidate_id),
        [
            Candidate.resume_key.set(resume_key),
            Candidate.resume_text.remove(),
            Candidate.resume_extraction.remove(),
        ],
        condition=(Candidate.org_id == org) & Candidate.erasure.does_not_exist(),
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
        starts_at, ends_at = slot_instants(
            request.interview_date,
            time.fromisoformat(request.start_time),
            time.fromisoformat(request.end_time),
            request.timezone,
        )
    except InvalidLocalTime as error:
        raise RuleViolation("nonexistent_local_time", str(error)) from error
    if not timedelta(0) < ends_at - starts_at <= MAX_SLOT_DURATION:
        raise RuleViolation(
            "slot_too_long", f"a slot lasts at most {MAX_SLOT_DURATION} (an earlier end is the next day)"
        )
    if starts_at <= now:
        raise RuleViolation("slot_in_past", "the slot starts in the past")
    if starts_at > latest:
        raise too_far
    slot_id = new_id()
    slot = InterviewSlot(
        job_id=job_id,
        slot_id=slot_id,
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
        created_at=now,
        job_scope=job_scope(org, job_id),
        start_key=ordered(starts_at, slot_id),
        free_seat_key=ordered(starts_at, slot_id),
    )
    _save_under_job(org, job_id, slot, InterviewSlot.slot_id.does_not_exist())
    return slot_out(slot)


def list_slots(
    org: str, job_id: str, *, available_only: bool, starts: TimeRange, limit: int, cursor: str | None
) -> SlotPage:
    """The job's slots by start time. Available ones are read from the index of slots with a
    seat free, from now on; the rest of the rule (open, not yet started) is checked on what the
    page read, which drops only a closed slot that had a seat given back since."""
    query = Query(
        "slots", org, {"job_id": job_id, "available": available_only, "from": starts.start, "to": starts.end}
    )
    now = clock.now()
    index: GlobalSecondaryIndex[InterviewSlot] = InterviewSlot.by_job_start
    sort_key = InterviewSlot.start_key
    only_bookable = None
    if available_only:
        index, sort_key = InterviewSlot.by_job_free_seat, InterviewSlot.free_seat_key
        only_bookable = bookable_slot.bookable(now)
        # Past slots are never available: read from now on (an empty range if `to` is past).
        start = now if starts.start is None else max(starts.start, now)
        starts = TimeRange(start, None if starts.end is None else max(starts.end, start))
    found = pagination.page(
        index,
        job_scope(org, job_id),
        query=query,
        limit=limit,
        cursor=cursor,
        range_condition=starts.condition(sort_key),
        filter_condition=only_bookable,
    )
    if not found.items and cursor is None:
        owned_job(org, job_id)  # nothing here: say whether the job is there at all
    return SlotPage(items=[slot_out(slot, now) for slot in found.items], next_cursor=found.next_cursor)


def _live_slot(org: str, job_id: str, slot_id: str) -> InterviewSlot:
    slot = _owned(InterviewSlot, org, job_id, slot_id, what="slot")
    if slot.status == SlotStatus.DELETED:
        raise NotFound("slot_not_found", "no slot with that id")
    return slot


def close_slot(org: str, job_id: str, slot_id: str) -> SlotOut:
    """Stops new bookings into the slot; the ones it holds stay. Closing it again changes nothing."""
    slot = InterviewSlot(job_id, slot_id)
    closed = update_if(
        slot,
        [InterviewSlot.status.set(SlotStatus.CLOSED), InterviewSlot.free_seat_key.remove()],
        condition=(InterviewSlot.org_id == org) & (InterviewSlot.status != SlotStatus.DELETED),
    )
    if not closed:
        raise NotFound("slot_not_found", "no slot with that id")
    return slot_out(slot)  # as the update left it


def delete_slot(org: str, job_id: str, slot_id: str, cancel_bookings: bool) -> SlotDeletion:
    """Deletes a slot that holds no booking. With `cancel_bookings`, closes it, then cancels each
    booking it holds as a recruiter's cancel would (so each candidate hears of it once, through
    the stream), then deletes it.

    The item stays, marked DELETED and out of the list, for the interviews that were in it.
    """
    slot = _live_slot(org, job_id, slot_id)
    cancelled: list[str] = []
    if slot.booked_count > 0:
        if not cancel_bookings:
            raise SlotHasBookings(int(slot.booked_count))
        slot = InterviewSlot(job_id, slot_id)
        # Closed first: nothing can be booked into it while its bookings are cancelled.
        update_if(
            slot,
            [InterviewSlot.status.set(SlotStatus.CLOSED), InterviewSlot.free_seat_key.remove()],
            condition=InterviewSlot.org_id == org,
        )
        for interview_id in sorted(slot.booked_interview_ids or ()):
            booking.cancel_interview(
                org, job_id, interview_id, CancelIn(reason="the slot was deleted"), Actor.RECRUITER
            )
            cancelled.append(interview_id)
    deleted = update_if(
        InterviewSlot(job_id, slot_id),
        [
            InterviewSlot.status.set(SlotStatus.DELETED),
            InterviewSlot.job_scope.remove(),
            InterviewSlot.start_key.remove(),
            InterviewSlot.free_seat_key.remove(),
        ],
        condition=(InterviewSlot.org_id == org)
        & (InterviewSlot.booked_count == 0)
        & (InterviewSlot.status != SlotStatus.DELETED),
    )
    if not deleted:
        # Booked meanwhile (or deleted meanwhile): say how it is now.
        raise SlotHasBookings(int(_live_slot(org, job_id, slot_id).booked_count))
    return SlotDeletion(slot_id=slot_id, cancelled_interview_ids=cancelled)


def slot_out(slot: InterviewSlot, now: datetime | None = None) -> SlotOut:
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
        available=bookable_slot.is_bookable(slot, now or clock.now()),
    )

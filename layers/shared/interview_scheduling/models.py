"""The entities as DynamoDB items (pynamodb), one table each; names come from settings.

Every item carries the owning organisation's id (`org_id`); reads and writes check it.
Candidates, interviews and sessions carry `expires_at`, the table's TTL attribute
(interview_scheduling.retention says when); personal fields are absent once erased
(interview_scheduling.erasure).
"""

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

# Imported for its effect: pynamodb's sessions then share the process's botocore data files.
from interview_scheduling import aws_clients  # noqa: F401
from interview_scheduling.attributes import EnumAttribute, TypedMapAttribute
from interview_scheduling.enums import (
    DEFAULT_CANDIDATE_CUTOFF_MINUTES,
    DEFAULT_CANDIDATE_RESCHEDULES,
    DEFAULT_CODING_LANGUAGE,
    DEFAULT_REMINDERS,
    Actor,
    CodingLanguage,
    EmailStatus,
    ErasureReason,
    InterviewStatus,
    InterviewType,
    ReasonRule,
    SessionStatus,
    SlotStatus,
    TimelineKind,
    UnreachableReason,
)
from interview_scheduling.settings import data_settings


class _TableName:
    """Looks the table name up in settings when pynamodb asks, not when this module loads."""

    def __init__(self, setting: str) -> None:
        self._setting = setting

    def __get__(self, instance: object, owner: type | None = None) -> str:
        return str(getattr(data_settings(), self._setting))


class _Meta:
    # Retries of throttled or failed requests are botocore's (standard mode), not pynamodb's.
    max_retry_attempts = 3


class SelfServiceRules(MapAttribute[str, Any]):
    """What a job lets the candidate change through their links (interview_scheduling.self_service)."""

    enabled = BooleanAttribute(default=True)
    # No candidate change within this many minutes of the start; the recruiter's own are not bound.
    cutoff_minutes = NumberAttribute(default=DEFAULT_CANDIDATE_CUTOFF_MINUTES)
    max_reschedules = NumberAttribute(default=DEFAULT_CANDIDATE_RESCHEDULES)
    cancellation_reason = EnumAttribute(ReasonRule, default=ReasonRule.OPTIONAL)


# ---------------------------------------------------------------- the lists' indexes
# Each list a recruiter pages through is one Query on one of these (listing_keys makes their
# values). An item lacking an index's keys is not in that index.
class JobsByOrganisation(GlobalSecondaryIndex["Job"]):
    class Meta:
        index_name = "by_org_created"
        projection = AllProjection()

    org_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class CandidatesByJob(GlobalSecondaryIndex["Candidate"]):
    class Meta:
        index_name = "by_job_created"
        # Not the resume text (up to 100 kB): a list shows who, not what they wrote.
        projection = IncludeProjection(
            ["full_name", "email", "phone", "work_experience", "domain", "status", "created_at"]
        )

    job_scope = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


SLOT_LISTING_ATTRIBUTES = [
    "interview_date",
    "start_time",
    "end_time",
    "time_zone",
    "starts_at",
    "ends_at",
    "ai_interview_type",
    "capacity",
    "booked_count",
    "status",
]


class SlotsByJob(GlobalSecondaryIndex["InterviewSlot"]):
    class Meta:
        index_name = "by_job_start"
        projection = IncludeProjection(SLOT_LISTING_ATTRIBUTES)

    job_scope = UnicodeAttribute(hash_key=True)
    start_key = UnicodeAttribute(range_key=True)


class SlotsWithFreeSeat(GlobalSecondaryIndex["InterviewSlot"]):
    """Only the slots with a seat free (interview_scheduling.bookable_slot keeps it so)."""

    class Meta:
        index_name = "by_job_free_seat"
        projection = IncludeProjection(SLOT_LISTING_ATTRIBUTES)

    job_scope = UnicodeAttribute(hash_key=True)
    free_seat_key = UnicodeAttribute(range_key=True)


# What an interview list shows; not the history, the notes or the request fingerprint.
INTERVIEW_LISTING_ATTRIBUTES = [
    "job_id",
    "candidate_id",
    "slot_id",
    "status",
    "scheduled_at",
    "started_at",
    "revision",
    "created_at",
    "updated_at",
]


class _InterviewIndexMeta:
    projection = IncludeProjection(INTERVIEW_LISTING_ATTRIBUTES)


class InterviewsByOrganisation(GlobalSecondaryIndex["Interview"]):
    class Meta(_InterviewIndexMeta):
        index_name = "by_org_time"

    org_id = UnicodeAttribute(hash_key=True)
    schedule_key = UnicodeAttribute(range_key=True)


class InterviewsByOrganisationStatus(GlobalSecondaryIndex["Interview"]):
    class Meta(_InterviewIndexMeta):
        index_name = "by_org_status_time"

    org_status = UnicodeAttribute(hash_key=True)
    schedule_key = UnicodeAttribute(range_key=True)


class InterviewsByChange(GlobalSecondaryIndex["Interview"]):
    class Meta(_InterviewIndexMeta):
        index_name = "by_org_change"

    org_id = UnicodeAttribute(hash_key=True)
    change_key = UnicodeAttribute(range_key=True)


class InterviewsByJob(GlobalSecondaryIndex["Interview"]):
    class Meta(_InterviewIndexMeta):
        index_name = "by_job_time"

    job_scope = UnicodeAttribute(hash_key=True)
    schedule_key = UnicodeAttribute(range_key=True)


class InterviewsByJobStatus(GlobalSecondaryIndex["Interview"]):
    class Meta(_InterviewIndexMeta):
        index_name = "by_job_status_time"

    job_status = UnicodeAttribute(hash_key=True)
    schedule_key = UnicodeAttribute(range_key=True)


class InterviewsByCandidate(GlobalSecondaryIndex["Interview"]):
    class Meta(_InterviewIndexMeta):
        index_name = "by_candidate_time"

    candidate_scope = UnicodeAttribute(hash_key=True)
    schedule_key = UnicodeAttribute(range_key=True)


# ---------------------------------------------------------------- the entities
class Job(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("jobs_table")

    job_id = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute()
    job_title = UnicodeAttribute()
    company_name = UnicodeAttribute()
    job_description = UnicodeAttribute(null=True)
    domain = UnicodeAttribute(null=True)
    coding_language = EnumAttribute(CodingLanguage, default=DEFAULT_CODING_LANGUAGE)
    # Minutes before the start at which the candidate is reminded; empty for none.
    reminder_offsets_minutes = ListAttribute[int](default=lambda: list(DEFAULT_REMINDERS))
    candidate_self_service = SelfServiceRules(default=SelfServiceRules)
    # Kept from the system this replaces; never used to describe the job to the interviewer.
    tech_stack_details = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    created_key = UnicodeAttribute()
    by_org_created = JobsByOrganisation()


class UnreachableMark(MapAttribute[str, Any]):
    """Set on a candidate whose address bounced permanently or complained: nothing more is sent to
    it until the recruiter gives another address (interview_scheduling.candidate_address)."""

    reason = EnumAttribute(UnreachableReason)
    # What SES said: the bounce's type, subtype and diagnostic code, or the complaint's feedback type.
    detail = UnicodeAttribute(null=True)
    marked_at = UTCDateTimeAttribute()
    # The message whose outcome made the mark, so the recruiter can find it on the interview.
    interview_id = UnicodeAttribute()
    message_key = UnicodeAttribute()


class ErasureCounts(MapAttribute[str, Any]):
    """What an erasure found and erased, per kind (the receipt's counts)."""

    interviews = NumberAttribute(default=0)
    interviews_cancelled = NumberAttribute(default=0)
    sessions = NumberAttribute(default=0)
    emails_superseded = NumberAttribute(default=0)
    schedules = NumberAttribute(default=0)
    resume_versions = NumberAttribute(default=0)


class CandidateErasure(MapAttribute[str, Any]):
    """The erasure of a candidate's personal data: begun, counted, then done (its receipt)."""

    erasure_id = UnicodeAttribute()
    reason = EnumAttribute(ErasureReason)
    started_at = UTCDateTimeAttribute()
    counts = ErasureCounts(null=True)
    erased_at = UTCDateTimeAttribute(null=True)


class Candidate(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("candidates_table")

    job_id = UnicodeAttribute(hash_key=True)
    candidate_id = UnicodeAttribute(range_key=True)
    org_id = UnicodeAttribute()
    # Personal fields; gone once the candidate is erased.
    full_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    work_experience = UnicodeAttribute(null=True)
    domain = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    resume_key = UnicodeAttribute(null=True)
    resume_text = UnicodeAttribute(null=True)
    resume_extraction = UnicodeAttribute(null=True)
    # The booking guard: set while the candidate has an active interview for this job.
    active_interview_id = UnicodeAttribute(null=True)
    email_unreachable = UnreachableMark(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    job_scope = UnicodeAttribute()
    created_key = UnicodeAttribute()
    by_job_created = CandidatesByJob()
    expires_at = TTLAttribute(null=True)
    # Present from the moment an erasure begins: no booking or session is made for the candidate.
    erasure = CandidateErasure(null=True)


class InterviewSlot(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("slots_table")

    job_id = UnicodeAttribute(hash_key=True)
    slot_id = UnicodeAttribute(range_key=True)
    org_id = UnicodeAttribute()
    interview_date = UnicodeAttribute()  # YYYY-MM-DD, local to time_zone
    start_time = UnicodeAttribute()  # HH:MM, local to time_zone
    end_time = UnicodeAttribute()
    time_zone = UnicodeAttribute()  # IANA name
    starts_at = UTCDateTimeAttribute()  # derived once, when the slot is created
    ends_at = UTCDateTimeAttribute()
    ai_interview_type = EnumAttribute(InterviewType)
    capacity = NumberAttribute(default=1)
    booked_count = NumberAttribute(default=0)
    # The interviews holding its seats: the ones a deletion cancels. As many as booked_count.
    booked_interview_ids = UnicodeSetAttribute(null=True)
    status = EnumAttribute(SlotStatus, default=SlotStatus.OPEN)
    created_at = UTCDateTimeAttribute()
    # Removed when the slot is deleted, which takes it out of the lists.
    job_scope = UnicodeAttribute(null=True)
    start_key = UnicodeAttribute(null=True)
    # The same value as start_key while a seat is free (bookable_slot), else absent.
    free_seat_key = UnicodeAttribute(null=True)
    by_job_start = SlotsByJob()
    by_job_free_seat = SlotsWithFreeSeat()


class HistoryEntry(MapAttribute[str, Any]):
    """One change in an interview's history (interview_scheduling.interview_history writes them).

    The fields after `reason` are the change's details; each kind fills the ones it has.
    """

    kind = EnumAttribute(TimelineKind)
    at = UTCDateTimeAttribute()
    by = EnumAttribute(Actor)
    reason = UnicodeAttribute(null=True)
    slot_id = UnicodeAttribute(null=True)
    scheduled_at = UTCDateTimeAttribute(null=True)
    from_slot_id = UnicodeAttribute(null=True)
    from_scheduled_at = UTCDateTimeAttribute(null=True)
    to_slot_id = UnicodeAttribute(null=True)
    to_scheduled_at = UTCDateTimeAttribute(null=True)


class Interview(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("interviews_table")

    interview_id = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute()
    job_id = UnicodeAttribute()
    candidate_id = UnicodeAttribute()
    slot_id = UnicodeAttribute()
    status = EnumAttribute(InterviewStatus, default=InterviewStatus.SCHEDULED)
    # The slot's start, copied when it is booked or moved (the seat's condition keeps it true).
    scheduled_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)
    booking_notes = UnicodeAttribute(null=True)
    # Rises on every cancel or reschedule: the calendar invite's SEQUENCE.
    revision = NumberAttribute(default=0)
    # Reschedules the candidate made through their link; the job caps them.
    candidate_reschedules = NumberAttribute(default=0)
    request_fingerprint = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    history = ListAttribute(of=HistoryEntry, default=list)
    # Index keys (listing_keys.interview_keys), written with every change.
    schedule_key = UnicodeAttribute()
    change_key = UnicodeAttribute()
    org_status = UnicodeAttribute()
    job_scope = UnicodeAttribute()
    job_status = UnicodeAttribute()
    candidate_scope = UnicodeAttribute()
    by_org_time = InterviewsByOrganisation()
    by_org_status_time = InterviewsByOrganisationStatus()
    by_org_change = InterviewsByChange()
    by_job_time = InterviewsByJob()
    by_job_status_time = InterviewsByJobStatus()
    by_candidate_time = InterviewsByCandidate()
    expires_at = TTLAttribute(null=True)


class EmailEntry(MapAttribute[str, Any]):
    """One message of the email ledger (interview_scheduling.email_ledger moves it along)."""

    status = EnumAttribute(EmailStatus)
    updated_at = UTCDateTimeAttribute()
    # While SENDING: when the invocation that claimed it must have ended; then anyone may take over.
    lease_expires_at = UTCDateTimeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    message_id = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    # What SES reported after accepting it; each time is SES's own, kept once however often told.
    delayed_at = UTCDateTimeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)
    bounced_at = UTCDateTimeAttribute(null=True)
    rejected_at = UTCDateTimeAttribute(null=True)
    complained_at = UTCDateTimeAttribute(null=True)
    bounce_type = UnicodeAttribute(null=True)
    bounce_subtype = UnicodeAttribute(null=True)
    # The receiving server's answer for the candidate's address (a bounce's or a delay's).
    diagnostic_code = UnicodeAttribute(null=True)
    delay_type = UnicodeAttribute(null=True)
    complaint_type = UnicodeAttribute(null=True)


class SessionsByKeyHash(GlobalSecondaryIndex["InterviewSession"]):
    """A key's session id: keys only, so a session's many writes do not copy it into the index."""

    class Meta:
        index_name = "by_key_hash_keys"
        projection = KeysOnlyProjection()

    key_hash = UnicodeAttribute(hash_key=True)


class InterviewSession(Model):
    class Meta(_Meta):
        table_name: Any = _TableName("sessions_table")

    interview_id = UnicodeAttribute(hash_key=True)
    # Removed on cancellation, so a revoked key finds nothing in the index.
    key_hash = UnicodeAttribute(null=True)
    by_key_hash = SessionsByKeyHash()
    org_id = UnicodeAttribute()
    job_id = UnicodeAttribute()
    candidate_id = UnicodeAttribute()
    # Personal fields (with resume_text); gone once the candidate is erased.
    candidate_name = UnicodeAttribute(null=True)
    candidate_email = UnicodeAttribute(null=True)
    job_title = UnicodeAttribute()
    company_name = UnicodeAttribute()
    job_description = UnicodeAttribute()
    resume_text = UnicodeAttribute(default="")
    resume_extraction = UnicodeAttribute(null=True)
    coding_language = EnumAttribute(CodingLanguage)
    interview_type = EnumAttribute(InterviewType)
    scheduled_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    time_zone = UnicodeAttribute()
    language_code = UnicodeAttribute()
    accent_tld = UnicodeAttribute()
    status = EnumAttribute(SessionStatus, default=SessionStatus.SCHEDULED)
    revision = NumberAttribute(default=0)
    # The generation of the current session key (interview_scheduling.session_keys derives it).
    key_generation = NumberAttribute(default=0)
    # The email ledger: one entry per message, keyed "invitation-0", "cancellation-2", ...
    emails = TypedMapAttribute(EmailEntry, default=dict)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)
    # When the candidate's data was erased from it: no email is sent for it after that.
    erased_at = UTCDateTimeAttribute(null=True)


class WebhookSubscription(Model):
    """Where an organisation wants its events, and how delivering them goes. No secret is kept:
    the signing secret is derived from the subscription id (interview_scheduling.webhooks)."""

    class Meta(_Meta):
        table_name: Any = _TableName("webhooks_table")

    org_id = UnicodeAttribute(hash_key=True)
    subscription_id = UnicodeAttribute(range_key=True)
    url = UnicodeAttribute()
    event_types = UnicodeSetAttribute()
    enabled = BooleanAttribute(default=True)
    # Why it was disabled (failing for 3 days), for the owner to read on GET /webhooks.
    disabled_reason = UnicodeAttribute(null=True)
    # Since when every attempt has failed; cleared by any success.
    failing_since = UTCDateTimeAttribute(null=True)
    last_failure = UnicodeAttribute(null=True)
    last_success_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()

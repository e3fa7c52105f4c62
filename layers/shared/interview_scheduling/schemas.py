"""Request and response bodies of the HTTP API. The OpenAPI document is generated from these.

Every input is bounded (lengths, counts) and unknown fields are refused.
"""

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from interview_scheduling.enums import (
    DEFAULT_CANDIDATE_CUTOFF_MINUTES,
    DEFAULT_CANDIDATE_RESCHEDULES,
    DEFAULT_CODING_LANGUAGE,
    DEFAULT_REMINDERS,
    Actor,
    CodingLanguage,
    EmailStatus,
    ErasureReason,
    EventType,
    InterviewStatus,
    InterviewType,
    ReasonRule,
    SessionStatus,
    SlotStatus,
    TimelineKind,
    UnreachableReason,
)
from interview_scheduling.time_rules import InvalidLocalTime, zone

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SESSION_KEY_PATTERN = r"^[A-Za-z0-9_-]{20,128}$"

EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Notes = Annotated[str, StringConstraints(max_length=2_000)]
# Why a recruiter (or candidate) changed an interview; shown on its timeline.
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# A wall-clock time in the slot's zone, HH:MM: not an instant, so it has no UTC offset.
WallClock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
# Reminders before the start, in minutes (5 minutes to 2 weeks); an empty list sends none.
ReminderOffsets = Annotated[
    list[Annotated[int, Field(strict=True, ge=5, le=20_160)]],
    Field(max_length=5, description="Minutes before the start to remind the candidate; [] for none"),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()./-]{3,32}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: e.g. ['body', 'email'] or ['query', 'limit']")
    type: str = Field(description="What kind of problem, e.g. missing, string_too_long")


class ErrorBody(BaseModel):
    reason: str = Field(description="Stable machine-readable code, e.g. slot_full or invalid_request")
    message: str
    errors: list[FieldError] | None = Field(default=None, description="For invalid_request: each problem")
    active_bookings: int | None = Field(
        default=None, description="For slot_has_bookings: how many bookings the slot holds"
    )


# ---------------------------------------------------------------- jobs
class CandidateSelfService(_Input):
    """What the candidate may change through the reschedule and cancel links in their emails."""

    enabled: bool = Field(default=True, strict=True)
    cutoff_minutes: int = Field(
        default=DEFAULT_CANDIDATE_CUTOFF_MINUTES,
        strict=True,
        ge=0,
        le=20_160,
        description="No candidate change within this many minutes of the start; the recruiter is not bound",
    )
    max_reschedules: int = Field(default=DEFAULT_CANDIDATE_RESCHEDULES, strict=True, ge=0, le=10)
    cancellation_reason: ReasonRule = Field(
        default=ReasonRule.OPTIONAL, description="Whether a candidate who cancels must say why"
    )


class JobIn(_Input):
    job_title: ShortText
    company_name: ShortText
    job_description: LongText | None = None
    domain: Label | None = None
    coding_language: CodingLanguage = DEFAULT_CODING_LANGUAGE
    reminder_offsets_minutes: ReminderOffsets = list(DEFAULT_REMINDERS)
    candidate_self_service: CandidateSelfService = Field(default_factory=CandidateSelfService)
    tech_stack_details: Annotated[str, StringConstraints(max_length=5_000)] | None = Field(
        default=None, description="Kept for the records; not used to describe the job to the interviewer."
    )


class JobPatch(_Input):
    """The fields to change; a field left out stays as it is, a description or domain given as
    null is removed. Sessions copy the job when they are made: a change shows in sessions made
    after it, not in ones already sent."""

    job_title: ShortText | None = None
    company_name: ShortText | None = None
    job_description: LongText | None = None
    domain: Label | None = None
    coding_language: CodingLanguage | None = None
    reminder_offsets_minutes: ReminderOffsets | None = None
    # Given whole: the candidate's rules as they are to be from now on.
    candidate_self_service: CandidateSelfService | None = None

    @field_validator(
        "job_title", "company_name", "coding_language", "reminder_offsets_minutes", "candidate_self_service"
    )
    @classmethod
    def _not_removable(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            raise ValueError(f"{info.field_name} cannot be removed")
        return value


class JobOut(BaseModel):
    job_id: str
    job_title: str
    company_name: str
    job_description: str | None = None
    domain: str | None = None
    coding_language: CodingLanguage
    reminder_offsets_minutes: list[int]
    candidate_self_service: CandidateSelfService
    tech_stack_details: str | None = None
    created_at: datetime


NEXT_CURSOR = Field(
    description="Pass as `cursor`, with the same filters, for the next page; null on the last page."
)


class JobPage(BaseModel):
    items: list[JobOut]
    next_cursor: str | None = NEXT_CURSOR


# ---------------------------------------------------------------- candidates
class CandidateIn(_Input):
    # Built on first use: only the catalog takes candidates, and email validation is costly to load.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    full_name: ShortText
    email: Annotated[EmailStr, Field(max_length=254)]
    phone: Phone | None = None
    work_experience: Annotated[str, StringConstraints(max_length=2_000)] | None = None
    domain: Label | None = None
    status: Label | None = None
    resume_text: Annotated[str, StringConstraints(max_length=100_000)] | None = Field(
        default=None, description="Resume text, if already parsed; otherwise upload a PDF."
    )

    @field_validator("email")
    @classmethod
    def _mailable(cls, email: str) -> str:
        # SES and the invitation need plain ASCII addresses; refuse now, not at the first email.
        if not email.isascii():
            raise ValueError("the address must be plain ASCII")
        return email


class CandidatePatch(_Input):
    """The fields to change; those left out stay. A new email clears an unreachable mark."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    full_name: ShortText | None = None
    email: Annotated[EmailStr, Field(max_length=254)] | None = None
    phone: Phone | None = None
    work_experience: Annotated[str, StringConstraints(max_length=2_000)] | None = None
    domain: Label | None = None
    status: Label | None = None

    @field_validator("email")
    @classmethod
    def _mailable(cls, email: str | None) -> str | None:
        if email is not None and not email.isascii():
            raise ValueError("the address must be plain ASCII")
        return email

    @field_validator("full_name", "email", mode="before")
    @classmethod
    def _kept(cls, value: object) -> object:
        # Optional to send, but a candidate always has a name and an address.
        if value is None:
            raise ValueError("cannot be removed")
        return value


class UnreachableOut(BaseModel):
    """SES said the candidate's address takes no mail: nothing more is sent to it until it changes."""

    reason: UnreachableReason
    detail: str | None = Field(default=None, description="What SES said: bounce type/subtype and diagnostic")
    since: datetime
    interview_id: str = Field(description="The interview whose email bounced or was marked as spam")
    message: str = Field(description="Which email, as `kind` on the interview's emails")


class CandidateOut(BaseModel):
    candidate_id: str
    job_id: str
    full_name: str
    email: str
    phone: str | None = None
    work_experience: str | None = None
    domain: str | None = None
    status: str | None = None
    has_resume_pdf: bool
    has_resume_text: bool
    email_unreachable: UnreachableOut | None = Field(
        default=None, description="Set after a permanent bounce or a complaint; a new email clears it."
    )
    created_at: datetime


class CandidateSummary(BaseModel):
    candidate_id: str
    job_id: str
    full_name: str
    email: str
    phone: str | None = None
    work_experience: str | None = None
    domain: str | None = None
    status: str | None = None
    created_at: datetime


class CandidatePage(BaseModel):
    items: list[CandidateSummary]
    next_cursor: str | None = NEXT_CURSOR


class ResumeUploadIn(_Input):
    pass


class PresignedPost(BaseModel):
    url: str
    fields: dict[str, str]


class ResumeUploadOut(BaseModel):
    upload: PresignedPost = Field(
        description="POST these fields, then the PDF as `file`, as multipart form data."
    )
    resume_key: str
    max_bytes: int
    expires_in: int


# ---------------------------------------------------------------- slots
class SlotIn(_Input):
    interview_date: date
    start_time: WallClock
    end_time: WallClock
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="IANA time zone name, e.g. Asia/Kolkata"
    )
    ai_interview_type: InterviewType
    # Strict: "3" and true are not numbers (pydantic would otherwise read them as 3 and 1).
    capacity: Annotated[int, Field(strict=True, ge=1, le=100)] = 1

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except InvalidLocalTime as error:
            raise ValueError(str(error)) from error
        return value

    @field_validator("end_time")
    @classmethod
    def _not_the_start(cls, end: str, info: ValidationInfo) -> str:
        # An earlier end is on the next day (23:30-00:15); the same time would be no slot at all.
        if end == info.data.get("start_time"):
            raise ValueError("end_time must differ from start_time")
        return end


class SlotOut(BaseModel):
    slot_id: str
    job_id: str
    interview_date: date
    start_time: WallClock
    end_time: WallClock
    timezone: str
    starts_at: datetime
    ends_at: datetime
    ai_interview_type: InterviewType
    capacity: int
    booked_count: int
    status: SlotStatus
    available: bool


class SlotPage(BaseModel):
    items: list[SlotOut]
    next_cursor: str | None = NEXT_CURSOR


class SlotDeletion(BaseModel):
    slot_id: str
    cancelled_interview_ids: list[str] = Field(
        description="The bookings cancelled with it (cancel_bookings=true), each as a cancel would"
    )


# ---------------------------------------------------------------- interviews
class BookingIn(_Input):
    candidate_id: EntityId
    slot_id: EntityId
    booking_notes: Notes | None = None


class CancelIn(_Input):
    reason: Reason | None = None


class RescheduleIn(_Input):
    slot_id: EntityId
    reason: Reason | None = None


class BookingOut(BaseModel):
    """What a booking answers with, from what the booking itself wrote: no further reads."""

    interview_id: str
    job_id: str
    candidate_id: str
    slot_id: str
    status: InterviewStatus
    booking_notes: str | None = None
    scheduled_at: datetime
    revision: int
    created_at: datetime


class DeliveryOut(BaseModel):
    """What SES reported after accepting the email; times are SES's."""

    delayed_at: datetime | None = None
    delivered_at: datetime | None = None
    bounced_at: datetime | None = None
    rejected_at: datetime | None = None
    complained_at: datetime | None = None
    bounce_type: str | None = Field(default=None, description="Permanent, Transient or Undetermined")
    bounce_subtype: str | None = None
    diagnostic_code: str | None = Field(
        default=None, description="The receiving server's answer for the candidate's address"
    )
    delay_type: str | None = None
    complaint_type: str | None = None


class EmailOut(BaseModel):
    kind: str
    status: EmailStatus
    message_id: str | None = None
    failure_reason: str | None = None
    delivery: DeliveryOut | None = Field(default=None, description="Present once SES reported on it")


class SessionSummary(BaseModel):
    status: str
    scheduled_at: datetime
    resume_extraction: str | None = None


class TimelineEntry(BaseModel):
    at: datetime
    kind: TimelineKind
    by: Actor
    reason: str | None = None
    slot_id: str | None = Field(default=None, description="booked: the slot")
    scheduled_at: datetime | None = Field(default=None, description="booked: its time")
    from_slot_id: str | None = Field(default=None, description="rescheduled: the slot it left")
    from_scheduled_at: datetime | None = Field(default=None, description="rescheduled: the time it left")
    to_slot_id: str | None = Field(default=None, description="rescheduled: the new slot")
    to_scheduled_at: datetime | None = Field(default=None, description="rescheduled: the new time")
    email: str | None = Field(default=None, description="email: the message, e.g. invitation-0")
    email_status: EmailStatus | None = Field(default=None, description="email: its outcome so far")
    failure_reason: str | None = None


class InterviewSummary(BaseModel):
    """An interview as the lists show it: no session, emails or timeline (GET it for those)."""

    interview_id: str
    job_id: str
    candidate_id: str
    slot_id: str
    status: InterviewStatus
    scheduled_at: datetime
    revision: int
    created_at: datetime
    updated_at: datetime


class InterviewPage(BaseModel):
    items: list[InterviewSummary]
    next_cursor: str | None = NEXT_CURSOR


class InterviewOut(BaseModel):
    interview_id: str
    job_id: str
    candidate_id: str
    slot_id: str
    status: InterviewStatus
    scheduled_at: datetime
    booking_notes: str | None = None
    revision: int
    created_at: datetime
    updated_at: datetime
    session: SessionSummary | None = Field(
        description="Present once the session exists; never holds the key."
    )
    emails: list[EmailOut]
    candidate_email_unreachable: UnreachableOut | None = Field(
        default=None, description="The candidate's address takes no mail (see the candidate)."
    )
    timeline: list[TimelineEntry] = Field(description="What happened to it, oldest first")


# ---------------------------------------------------------------- the candidate's side
class SessionProgress(BaseModel):
    """Where the interview stands once the interview app said it started or finished."""

    status: InterviewStatus
    started_at: datetime | None = None
    ended_at: datetime | None = None


class SessionView(BaseModel):
    candidate_name: str
    job_description: str
    resume_text: str
    coding_language: CodingLanguage
    interview_type: InterviewType
    scheduled_at: datetime
    ends_at: datetime
    language_code: str
    accent_tld: str


# ---------------------------------------------------------------- the candidate's personal data
class ErasureCountsOut(BaseModel):
    interviews: int = Field(description="Interviews whose personal parts (booking notes) were erased")
    interviews_cancelled: int = Field(description="Of these, active ones cancelled first (seat released)")
    sessions: int = Field(description="Sessions whose name, email, resume text and key were erased")
    emails_superseded: int = Field(description="Emails not yet sent that never will be")
    schedules: int = Field(description="Reminders and no-show checks deleted")
    resume_versions: int = Field(description="Stored resume PDF versions deleted from S3")


class ErasureReceipt(BaseModel):
    """What an erasure did, and when; the same receipt answers every repeat of the request."""

    erasure_id: str
    job_id: str
    candidate_id: str
    reason: ErasureReason
    started_at: datetime
    erased_at: datetime
    counts: ErasureCountsOut
    erased: list[str] = Field(description="The personal data erased, by where it was kept")
    kept: list[str] = Field(description="What stays, and why")


class CandidateRecord(BaseModel):
    candidate_id: str
    job_id: str
    full_name: str
    email: str
    phone: str | None = None
    work_experience: str | None = None
    domain: str | None = None
    status: str | None = None
    resume_text: str | None = Field(default=None, description="As provided or extracted from the PDF")
    resume_extraction: str | None = None
    has_resume_pdf: bool
    created_at: datetime
    expires_at: datetime | None = Field(default=None, description="When retention deletes it")


class InterviewRecord(BaseModel):
    interview_id: str
    slot_id: str
    status: InterviewStatus
    booking_notes: str | None = None
    revision: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    expires_at: datetime | None = None
    timeline: list[TimelineEntry] = Field(description="What happened to it, oldest first")


class SessionRecord(BaseModel):
    """A session as stored for the candidate, without its key (which is never stored)."""

    interview_id: str
    status: SessionStatus
    candidate_name: str | None = None
    candidate_email: str | None = None
    job_title: str
    company_name: str
    job_description: str
    resume_text: str | None = None
    coding_language: CodingLanguage
    interview_type: InterviewType
    scheduled_at: datetime
    ends_at: datetime
    time_zone: str
    language_code: str
    accent_tld: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = None
    emails: list[EmailOut] = Field(description="Each email about this interview and its outcome")


class CandidateExport(BaseModel):
    """Everything stored about a candidate, for a data-subject access request."""

    exported_at: datetime
    candidate: CandidateRecord
    interviews: list[InterviewRecord]
    sessions: list[SessionRecord]


# ---------------------------------------------------------------- webhooks
class WebhookIn(_Input):
    url: Annotated[str, StringConstraints(min_length=8, max_length=2048, pattern=r"^https?://\S+$")] = Field(
        description="Where to POST each event: https, and a host whose addresses are all public"
    )
    event_types: list[EventType] = Field(
        min_length=1, max_length=len(EventType), description="The event types to send it"
    )

    @field_validator("event_types")
    @classmethod
    def _published_once(cls, value: list[EventType]) -> list[EventType]:
        if EventType.WEBHOOK_TEST in value:
            raise ValueError("webhook.test is sent only when asked for")
        if len(set(value)) != len(value):
            raise ValueError("each event type once")
        return value


class WebhookOut(BaseModel):
    webhook_id: str
    url: str
    event_types: list[EventType]
    enabled: bool
    disabled_reason: str | None = Field(default=None, description="Why it was disabled (failing for 3 days)")
    failing_since: datetime | None = Field(default=None, description="Every attempt since then failed")
    last_failure: str | None = None
    last_success_at: datetime | None = None
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret (`whsec_…`), shown only now")


class WebhookPage(BaseModel):
    items: list[WebhookOut]


class WebhookTestOut(BaseModel):
    event_id: str
    delivered: bool
    status_code: int | None = Field(description="The receiver's HTTP status; null when it did not answer")


class WebhookDeleted(BaseModel):
    webhook_id: str
    deleted: bool = True

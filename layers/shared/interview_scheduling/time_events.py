"""What happens when a schedule fires (interview_scheduling.schedules made it).

A firing may come late, twice, or after the interview changed: each handler re-reads what it
acts on and acts only if the interview is still what the schedule was made for. A reminder that
no longer applies is recorded SUPERSEDED in the email ledger, so the recruiter sees why.
"""

from datetime import datetime
from typing import Annotated, Literal

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field
from pynamodb.exceptions import DoesNotExist

from interview_scheduling import clock, email_ledger, interview_history
from interview_scheduling.batch_context import interview_and_session
from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import Actor, InterviewStatus, MessageKind, SessionStatus, TimelineKind
from interview_scheduling.models import Interview, InterviewSession
from interview_scheduling.notifications import EmailRequest

logger = Logger()


class _Firing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    interview_id: str = Field(min_length=1, max_length=64)
    revision: int = Field(ge=0)


class ReminderDue(_Firing):
    action: Literal["reminder"]
    reminder_minutes: int = Field(ge=1)
    starts_at: datetime


class NoShowCheck(_Firing):
    action: Literal["no_show"]


Firing = Annotated[ReminderDue | NoShowCheck, Field(discriminator="action")]


def remind(firing: ReminderDue) -> EmailRequest | None:
    """Asks for the reminder if the interview is still scheduled at this revision and time; the
    email itself goes through the ledger like every other (None: nothing to send)."""
    request = EmailRequest(
        interview_id=firing.interview_id,
        kind=MessageKind.REMINDER,
        revision=firing.revision,
        reminder_minutes=firing.reminder_minutes,
    )
    why_not = _why_not_remind(firing)
    requested = email_ledger.request_once(firing.interview_id, request.message_key, clock.now(), why_not)
    if why_not is not None:
        logger.info("reminder superseded", extra={"interview_id": firing.interview_id, "reason": why_not})
        return None
    if not requested:
        logger.info("reminder requested before", extra={"interview_id": firing.interview_id})
    # Asked again after a repeated firing: send_email's claim makes it one email.
    return request


def _why_not_remind(firing: ReminderDue) -> str | None:
    interview, session = interview_and_session(firing.interview_id)
    if interview is None or session is None:
        return "the interview is gone"
    if interview.status != InterviewStatus.SCHEDULED:
        return f"the interview is {interview.status}"
    if int(interview.revision) != firing.revision or int(session.revision) != firing.revision:
        return "the interview changed after the reminder was planned"
    if session.scheduled_at != firing.starts_at:
        return "the interview's time changed after the reminder was planned"
    if clock.now() >= session.scheduled_at:
        return "the interview had started when the reminder came"
    return None


def check_no_show(firing: NoShowCheck) -> bool:
    """Marks the interview NO_SHOW if its session window closed and it never started. True if marked."""
    now = clock.now()
    try:
        interview = Interview.get(firing.interview_id, consistent_read=True)
    except DoesNotExist:
        interview = None
    marked = interview is not None and update_if(
        interview,
        interview_history.progressed(
            interview_id=interview.interview_id,
            org_id=interview.org_id,
            job_id=interview.job_id,
            status=InterviewStatus.NO_SHOW,
            kind=TimelineKind.NO_SHOW,
            at=now,
            by=Actor.SYSTEM,
        ),
        condition=(Interview.status == InterviewStatus.SCHEDULED) & (Interview.revision == firing.revision),
    )
    if marked:
        # The session follows, so its link says the interview is over.
        update_if(
            InterviewSession(firing.interview_id),
            [InterviewSession.status.set(SessionStatus.CANCELLED), InterviewSession.updated_at.set(now)],
            condition=InterviewSession.status == SessionStatus.SCHEDULED,
        )
    logger.info("no-show checked", extra={"interview_id": firing.interview_id, "marked": marked})
    return marked

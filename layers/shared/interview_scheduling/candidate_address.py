"""A candidate's address, as the emails use it: the candidate's current one, unless SES said it
takes no mail.

A permanent bounce or a complaint marks the address unreachable on the candidate, with why and
when. Later emails to it are not attempted (email_delivery records them FAILED with the reason)
until the recruiter gives the candidate another address, which clears the mark. A session copies
the address when it is made; the emails follow the candidate's address as it is now.
"""

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from interview_scheduling.conditional_writes import update_if
from interview_scheduling.enums import UnreachableReason
from interview_scheduling.models import Candidate, InterviewSession, UnreachableMark
from interview_scheduling.schemas import UnreachableOut

_WHY = {
    UnreachableReason.HARD_BOUNCE: "the address bounced permanently",
    UnreachableReason.COMPLAINT: "the candidate marked an earlier email as spam",
}


@dataclass(frozen=True)
class Unreachable:
    """What SES said of an address: it bounced permanently, or its owner complained."""

    address: str  # only compared with the candidate's, never stored
    reason: UnreachableReason
    detail: str | None
    message_key: str


@dataclass(frozen=True)
class Address:
    email: str
    unreachable: str | None  # why nothing is sent to it, for the recruiter; None: send


def describe(mark: UnreachableMark) -> str:
    """The mark in words: why, and what SES said."""
    why = _WHY[mark.reason]
    return f"{why} ({mark.detail})" if mark.detail else why


def unreachable_out(mark: UnreachableMark | None) -> UnreachableOut | None:
    if mark is None:
        return None
    return UnreachableOut(
        reason=mark.reason,
        detail=mark.detail,
        since=mark.marked_at,
        interview_id=mark.interview_id,
        message=mark.message_key,
    )


def address_for(session: InterviewSession) -> Address:
    """Where the session's next email goes. If the recruiter changed the candidate's address since
    the session copied it, the session's copy follows."""
    try:
        candidate = Candidate.get(session.job_id, session.candidate_id, consistent_read=True)
    except DoesNotExist:
        return Address(session.candidate_email, None)
    if candidate.email != session.candidate_email:
        update_if(
            InterviewSession(session.interview_id),
            [InterviewSession.candidate_email.set(candidate.email)],
            condition=InterviewSession.interview_id.exists(),
        )
        session.candidate_email = candidate.email
    mark = candidate.email_unreachable
    return Address(candidate.email, describe(mark) if mark is not None else None)


def mark_unreachable(session: InterviewSession, said: Unreachable, now: datetime) -> bool:
    """Marks the session's candidate unreachable if their address is still the one SES reported
    on (the recruiter may have changed it since). The first mark stays. True if marked now."""
    mark = UnreachableMark(
        reason=said.reason,
        detail=said.detail,
        marked_at=now,
        interview_id=session.interview_id,
        message_key=said.message_key,
    )
    return update_if(
        Candidate(session.job_id, session.candidate_id),
        [Candidate.email_unreachable.set(mark), Candidate.updated_at.set(now)],
        condition=(Candidate.email == said.address) & Candidate.email_unreachable.does_not_exist(),
    )

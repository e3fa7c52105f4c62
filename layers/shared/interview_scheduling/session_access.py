"""The candidate's side: a session key opens its session, near the interview's time only, and
the interview app says when the candidate started and finished.

Keys are stored only as hashes, so a lookup hashes what it is given; a rotated or revoked key
no longer hashes to any live session.
"""

from datetime import datetime, timedelta

from interview_scheduling import clock, interview_history
from interview_scheduling.conditional_writes import Refused, Transaction, transact
from interview_scheduling.enums import Actor, InterviewStatus, SessionStatus, TimelineKind
from interview_scheduling.errors import Forbidden, NotFound, RuleViolation
from interview_scheduling.models import Interview, InterviewSession
from interview_scheduling.schemas import SessionProgress, SessionView
from interview_scheduling.session_keys import key_hash
from interview_scheduling.settings import session_window_settings
from interview_scheduling.time_rules import session_window

# The statuses in which a key still opens its session.
OPEN_STATUSES = frozenset({SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED})


def _session_of(session_key: str) -> InterviewSession | None:
    """The key's session as it is now. The index keeps keys only and is read eventually
    consistently, so the session is read itself (consistently) and must still have the key's
    hash: a key revoked or rotated a moment ago opens nothing."""
    hashed = key_hash(session_key)
    found = list(InterviewSession.by_key_hash.query(hashed, limit=1))
    if not found:
        return None
    try:
        session = InterviewSession.get(found[0].interview_id, consistent_read=True)
    except InterviewSession.DoesNotExist:
        return None
    return session if session.key_hash == hashed else None


def _session_in_window(session_key: str, now: datetime) -> InterviewSession:
    session = _session_of(session_key)
    if session is None or session.status not in OPEN_STATUSES:
        raise NotFound("session_not_found", "no session for that key")
    window = session_window_settings()
    opens, closes = session_window(
        session.scheduled_at,
        session.ends_at,
        timedelta(minutes=window.session_opens_before_minutes),
        timedelta(minutes=window.session_closes_after_minutes),
    )
    if not opens <= now <= closes:
        raise Forbidden(
            "outside_session_window",
            f"the session opens at {opens.isoformat()} and closes at {closes.isoformat()}",
        )
    return session


def open_session(session_key: str, now: datetime | None = None) -> SessionView:
    session = _session_in_window(session_key, now or clock.now())
    return SessionView(
        candidate_name=session.candidate_name,
        job_description=session.job_description,
        resume_text=session.resume_text,
        coding_language=session.coding_language,
        interview_type=session.interview_type,
        scheduled_at=session.scheduled_at,
        ends_at=session.ends_at,
        language_code=session.language_code,
        accent_tld=session.accent_tld,
    )


def start_session(session_key: str) -> SessionProgress:
    """The candidate began: the interview is IN_PROGRESS from now. Repeating it changes nothing."""
    return _advance(session_key, SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)


def complete_session(session_key: str) -> SessionProgress:
    """The candidate finished: COMPLETED from now, only after a start. Repeating it changes nothing."""
    return _advance(session_key, SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED)


_INTERVIEW_STATUS = {
    SessionStatus.SCHEDULED: InterviewStatus.SCHEDULED,
    SessionStatus.IN_PROGRESS: InterviewStatus.IN_PROGRESS,
    SessionStatus.COMPLETED: InterviewStatus.COMPLETED,
}
_TIMELINE_KIND = {
    SessionStatus.IN_PROGRESS: TimelineKind.STARTED,
    SessionStatus.COMPLETED: TimelineKind.COMPLETED,
}
_ORDER = [SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED]


def _advance(session_key: str, before: SessionStatus, after: SessionStatus) -> SessionProgress:
    now = clock.now()
    session = _session_in_window(session_key, now)
    if _ORDER.index(session.status) >= _ORDER.index(after):
        return _progress(session.interview_id)  # already there, or past it
    if session.status != before:
        raise RuleViolation("not_started", "the session can be completed only after it started")
    moment = Interview.started_at if after == SessionStatus.IN_PROGRESS else Interview.ended_at

    def build(transaction: Transaction) -> None:
        transaction.update(
            "session",
            InterviewSession(session.interview_id),
            actions=[InterviewSession.status.set(after), InterviewSession.updated_at.set(now)],
            condition=(InterviewSession.status == before) & (InterviewSession.revision == session.revision),
        )
        transaction.update(
            "interview",
            Interview(session.interview_id),
            actions=[
                moment.set(now),
                *interview_history.progressed(
                    interview_id=session.interview_id,
                    org_id=session.org_id,
                    job_id=session.job_id,
                    status=_INTERVIEW_STATUS[after],
                    kind=_TIMELINE_KIND[after],
                    at=now,
                    by=Actor.CANDIDATE,
                ),
            ],
            condition=(Interview.status == _INTERVIEW_STATUS[before])
            & (Interview.revision == session.revision),
        )

    try:
        transact(build)
    except Refused:
        # A concurrent start, or the interview changed (cancelled, moved) since the key was read.
        current = _progress(session.interview_id)
        if current.status == _INTERVIEW_STATUS[after]:
            return current
        raise RuleViolation("session_changed", f"the interview is {current.status}") from None
    return _progress(session.interview_id)


def _progress(interview_id: str) -> SessionProgress:
    interview = Interview.get(interview_id, consistent_read=True)
    return SessionProgress(
        status=interview.status, started_at=interview.started_at, ended_at=interview.ended_at
    )

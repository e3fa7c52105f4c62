"""The candidate's side: a session key opens its session, near the interview's time only.

Keys are stored only as hashes, so a lookup hashes what it is given; a rotated or revoked key
no longer hashes to any live session.
"""

from datetime import datetime, timedelta

from interview_scheduling import clock
from interview_scheduling.enums import SessionStatus
from interview_scheduling.errors import Forbidden, NotFound
from interview_scheduling.ids import key_hash
from interview_scheduling.models import InterviewSession
from interview_scheduling.schemas import SessionView
from interview_scheduling.settings import session_window_settings
from interview_scheduling.time_rules import session_window


def open_session(session_key: str, now: datetime | None = None) -> SessionView:
    now = now or clock.now()
    found = list(InterviewSession.by_key_hash.query(key_hash(session_key), limit=1))
    if not found or found[0].status != SessionStatus.SCHEDULED:
        raise NotFound("session_not_found", "no session for that key")
    session = found[0]
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

"""Everything stored about a candidate, as one document: the answer to a data-subject access
request. The candidate, the resume's text, each interview with its timeline (the reasons given
included), each session with every email's outcome as SES reported it; never a session key
(only its hash is stored, and that is left out too).
"""

from interview_scheduling import catalog, clock, interview_history
from interview_scheduling.candidate_interviews import interviews_of
from interview_scheduling.interview_status import email_outcomes
from interview_scheduling.models import Candidate, Interview, InterviewSession
from interview_scheduling.schemas import (
    CandidateExport,
    CandidateRecord,
    InterviewRecord,
    SessionRecord,
)


def export_candidate(org: str, job_id: str, candidate_id: str) -> CandidateExport:
    candidate = catalog.owned_candidate(org, job_id, candidate_id)
    interviews = interviews_of(candidate)
    return CandidateExport(
        exported_at=clock.now(),
        candidate=_candidate(candidate),
        interviews=[_interview(each.interview, each.session) for each in interviews],
        sessions=[_session(each.session) for each in interviews if each.session is not None],
    )


def _candidate(candidate: Candidate) -> CandidateRecord:
    return CandidateRecord(
        candidate_id=candidate.candidate_id,
        job_id=candidate.job_id,
        full_name=candidate.full_name,
        email=candidate.email,
        phone=candidate.phone,
        work_experience=candidate.work_experience,
        domain=candidate.domain,
        status=candidate.status,
        resume_text=candidate.resume_text,
        resume_extraction=candidate.resume_extraction,
        has_resume_pdf=catalog.resume_uploaded(candidate),
        created_at=candidate.created_at,
        expires_at=candidate.expires_at,
    )


def _interview(interview: Interview, session: InterviewSession | None) -> InterviewRecord:
    return InterviewRecord(
        interview_id=interview.interview_id,
        slot_id=interview.slot_id,
        status=interview.status,
        booking_notes=interview.booking_notes,
        revision=int(interview.revision),
        created_at=interview.created_at,
        updated_at=interview.updated_at,
        started_at=interview.started_at,
        ended_at=interview.ended_at,
        expires_at=interview.expires_at,
        timeline=interview_history.timeline(interview, session),
    )


def _session(session: InterviewSession) -> SessionRecord:
    return SessionRecord(
        interview_id=session.interview_id,
        status=session.status,
        candidate_name=session.candidate_name,
        candidate_email=session.candidate_email,
        job_title=session.job_title,
        company_name=session.company_name,
        job_description=session.job_description,
        resume_text=session.resume_text,
        coding_language=session.coding_language,
        interview_type=session.interview_type,
        scheduled_at=session.scheduled_at,
        ends_at=session.ends_at,
        time_zone=session.time_zone,
        language_code=session.language_code,
        accent_tld=session.accent_tld,
        created_at=session.created_at,
        updated_at=session.updated_at,
        expires_at=session.expires_at,
        emails=email_outcomes(session),
    )

"""A candidate's interviews, past and active, each with its session.

The active one is named on the candidate item (the booking guard, read consistently); the
others are found through the interviews table's `by_candidate_time` index. An index answers
eventually, so each interview it names is read again, consistently, with its session.
"""

from dataclasses import dataclass

from interview_scheduling.batch_context import interview_and_session
from interview_scheduling.listing_keys import candidate_scope
from interview_scheduling.models import Candidate, Interview, InterviewSession


@dataclass(frozen=True)
class CandidateInterview:
    interview: Interview
    session: InterviewSession | None


def interviews_of(candidate: Candidate) -> list[CandidateInterview]:
    """Every interview of the candidate that is stored now, oldest first."""
    ids = {
        found.interview_id
        for found in Interview.by_candidate_time.query(
            candidate_scope(candidate.org_id, candidate.job_id, candidate.candidate_id)
        )
    }
    if candidate.active_interview_id is not None:
        ids.add(candidate.active_interview_id)
    found = []
    for interview_id in sorted(ids):
        interview, session = interview_and_session(interview_id)
        if interview is not None and _belongs(interview, candidate):
            found.append(CandidateInterview(interview, session))
    return sorted(found, key=lambda each: each.interview.created_at)


def others_remain(interview: Interview) -> bool:
    """Whether the candidate of `interview` has another interview still stored."""
    its_scope = candidate_scope(interview.org_id, interview.job_id, interview.candidate_id)
    for found in Interview.by_candidate_time.query(its_scope):
        if found.interview_id == interview.interview_id:
            continue
        other, _ = interview_and_session(found.interview_id)
        if other is not None and other.org_id == interview.org_id and other.job_id == interview.job_id:
            return True
    return False


def _belongs(interview: Interview, candidate: Candidate) -> bool:
    return (interview.org_id, interview.job_id, interview.candidate_id) == (
        candidate.org_id,
        candidate.job_id,
        candidate.candidate_id,
    )

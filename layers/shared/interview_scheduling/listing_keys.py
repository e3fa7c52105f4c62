"""The key values items carry for the indexes the recruiter's lists read: the one place that
knows their formats.

Partitions put the organisation first ("{org_id}#{job_id}#..."), so a list can only ever read
the caller's own items, whatever it is asked. Sort keys are "{instant}#{id}": ordered by time,
then by id, so items at the same instant still have one stable order. Ids, organisation ids and
statuses never contain "#".
"""

from datetime import UTC, datetime

from interview_scheduling.enums import InterviewStatus

SEPARATOR = "#"


def instant(at: datetime) -> str:
    """An instant as text that sorts as time does: UTC, fixed width, to the microsecond."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def scope(*parts: str) -> str:
    return SEPARATOR.join(parts)


def ordered(at: datetime, item_id: str) -> str:
    return f"{instant(at)}{SEPARATOR}{item_id}"


def job_scope(org_id: str, job_id: str) -> str:
    """The partition of a job's candidates, slots and interviews."""
    return scope(org_id, job_id)


def candidate_scope(org_id: str, job_id: str, candidate_id: str) -> str:
    """The partition of a candidate's interviews."""
    return scope(org_id, job_id, candidate_id)


def interview_keys(
    *,
    interview_id: str,
    org_id: str,
    job_id: str,
    candidate_id: str,
    status: InterviewStatus,
    scheduled_at: datetime,
    updated_at: datetime,
) -> dict[str, str]:
    """Every index key of an interview, by attribute name; written again with every change."""
    return {
        "schedule_key": ordered(scheduled_at, interview_id),
        "job_scope": job_scope(org_id, job_id),
        "candidate_scope": candidate_scope(org_id, job_id, candidate_id),
        **status_keys(
            interview_id=interview_id, org_id=org_id, job_id=job_id, status=status, updated_at=updated_at
        ),
    }


def status_keys(
    *, interview_id: str, org_id: str, job_id: str, status: InterviewStatus, updated_at: datetime
) -> dict[str, str]:
    """The index keys a change of status moves (the time of change and the status lists); a start,
    a finish or a no-show writes only these."""
    return {
        "change_key": ordered(updated_at, interview_id),
        "org_status": scope(org_id, status),
        "job_status": scope(org_id, job_id, status),
    }

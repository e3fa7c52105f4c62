"""The recruiter's lists of interviews: a job's, and the whole organisation's.

Each combination of filters is answered by one index (models.Interviews*), so a page is one
Query: ordered by scheduled time, then id; or, with `updated_after`, by the time of the last
change, then id. A combination no index answers is refused, not filtered after reading.

While a client pages, a new booking shows up if it sorts after the page it is on; a cancelled
interview keeps its place (it leaves a `status=SCHEDULED` list); a rescheduled one moves to its
new time. In the `updated_after` order every change moves the interview to the end, so a sync
that pages to the end sees each interview as it last changed.
"""

from datetime import datetime

from pynamodb.indexes import GlobalSecondaryIndex

from interview_scheduling import catalog, pagination
from interview_scheduling.enums import InterviewStatus
from interview_scheduling.errors import RuleViolation
from interview_scheduling.interview_status import interview_summary
from interview_scheduling.listing_keys import candidate_scope, job_scope, scope
from interview_scheduling.models import Interview
from interview_scheduling.pagination import Page, Query, TimeRange
from interview_scheduling.schemas import InterviewPage


def job_interviews(
    org: str,
    job_id: str,
    *,
    status: InterviewStatus | None,
    scheduled: TimeRange,
    candidate_id: str | None,
    limit: int,
    cursor: str | None,
) -> InterviewPage:
    query = Query(
        "job_interviews",
        org,
        {
            "job_id": job_id,
            "status": status,
            "from": scheduled.start,
            "to": scheduled.end,
            "candidate_id": candidate_id,
        },
    )
    if candidate_id is not None and status is not None:
        raise RuleViolation("unsupported_filters", "candidate_id cannot be combined with status")
    index: GlobalSecondaryIndex[Interview]
    if candidate_id is not None:
        index, partition = Interview.by_candidate_time, candidate_scope(org, job_id, candidate_id)
    elif status is not None:
        index, partition = Interview.by_job_status_time, scope(org, job_id, status)
    else:
        index, partition = Interview.by_job_time, job_scope(org, job_id)
    found = pagination.page(
        index,
        partition,
        query=query,
        limit=limit,
        cursor=cursor,
        range_condition=scheduled.condition(Interview.schedule_key),
    )
    if not found.items and cursor is None:
        catalog.owned_job(org, job_id)  # nothing here: say whether the job is there at all
    return _out(found)


def organisation_interviews(
    org: str,
    *,
    status: InterviewStatus | None,
    scheduled: TimeRange,
    updated_after: datetime | None,
    limit: int,
    cursor: str | None,
) -> InterviewPage:
    changed = TimeRange(start=updated_after)
    query = Query(
        "interviews",
        org,
        {"status": status, "from": scheduled.start, "to": scheduled.end, "updated_after": updated_after},
    )
    if updated_after is not None:
        if status is not None or scheduled != TimeRange():
            raise RuleViolation(
                "unsupported_filters", "updated_after lists every change; it takes no other filter"
            )
        found = pagination.page(
            Interview.by_org_change,
            org,
            query=query,
            limit=limit,
            cursor=cursor,
            range_condition=changed.condition(Interview.change_key),
        )
    elif status is not None:
        found = pagination.page(
            Interview.by_org_status_time,
            scope(org, status),
            query=query,
            limit=limit,
            cursor=cursor,
            range_condition=scheduled.condition(Interview.schedule_key),
        )
    else:
        found = pagination.page(
            Interview.by_org_time,
            org,
            query=query,
            limit=limit,
            cursor=cursor,
            range_condition=scheduled.condition(Interview.schedule_key),
        )
    return _out(found)


def _out(found: Page[Interview]) -> InterviewPage:
    return InterviewPage(items=[interview_summary(i) for i in found.items], next_cursor=found.next_cursor)

"""Everything a batch of interview changes needs, read in as few requests as DynamoDB allows."""

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from interview_scheduling import aws_clients
from interview_scheduling.models import Candidate, Interview, InterviewSession, InterviewSlot, Job
from interview_scheduling.settings import data_settings

# BatchGetItem takes at most 100 keys per request.
MAX_KEYS_PER_REQUEST = 100
MAX_UNPROCESSED_ROUNDS = 8


@dataclass
class BatchContext:
    jobs: dict[str, Job] = field(default_factory=dict)
    candidates: dict[tuple[str, str], Candidate] = field(default_factory=dict)
    slots: dict[tuple[str, str], InterviewSlot] = field(default_factory=dict)
    sessions: dict[str, InterviewSession] = field(default_factory=dict)

    def job(self, interview: Interview) -> Job:
        return self.jobs[interview.job_id]

    def candidate(self, interview: Interview) -> Candidate:
        return self.candidates[(interview.job_id, interview.candidate_id)]

    def slot(self, interview: Interview) -> InterviewSlot:
        return self.slots[(interview.job_id, interview.slot_id)]

    def session(self, interview: Interview) -> InterviewSession | None:
        return self.sessions.get(interview.interview_id)


def load_batch_context(interviews: Iterable[Interview]) -> BatchContext:
    tables = data_settings()
    wanted: dict[str, dict[str, dict[str, Any]]] = {
        tables.jobs_table: {},
        tables.candidates_table: {},
        tables.slots_table: {},
        tables.sessions_table: {},
    }
    for interview in interviews:
        job, candidate, slot = interview.job_id, interview.candidate_id, interview.slot_id
        wanted[tables.jobs_table][job] = {"job_id": {"S": job}}
        wanted[tables.candidates_table][f"{job}/{candidate}"] = {
            "job_id": {"S": job},
            "candidate_id": {"S": candidate},
        }
        wanted[tables.slots_table][f"{job}/{slot}"] = {"job_id": {"S": job}, "slot_id": {"S": slot}}
        wanted[tables.sessions_table][interview.interview_id] = {
            "interview_id": {"S": interview.interview_id}
        }

    keys = [(table, key) for table, by_id in wanted.items() for key in by_id.values()]
    context = BatchContext()
    for start in range(0, len(keys), MAX_KEYS_PER_REQUEST):
        for table, item in _batch_get(keys[start : start + MAX_KEYS_PER_REQUEST]):
            _file(context, table, item)
    return context


def interview_and_session(interview_id: str) -> tuple[Interview | None, InterviewSession | None]:
    """An interview and its session, consistently, in one request."""
    tables = data_settings()
    key = {"interview_id": {"S": interview_id}}
    found = dict(_batch_get([(tables.interviews_table, key), (tables.sessions_table, key)]))
    interview, session = found.get(tables.interviews_table), found.get(tables.sessions_table)
    return (
        Interview.from_raw_data(interview) if interview else None,
        InterviewSession.from_raw_data(session) if session else None,
    )


def _batch_get(keys: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    request: dict[str, Any] = {}
    for table, key in keys:
        # Consistent reads: a redelivered record must see the session its first delivery wrote.
        request.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
    found: list[tuple[str, dict[str, Any]]] = []
    for round_ in range(MAX_UNPROCESSED_ROUNDS):
        response = aws_clients.dynamodb().batch_get_item(RequestItems=request)
        found += [(table, item) for table, items in response["Responses"].items() for item in items]
        request = dict(response.get("UnprocessedKeys") or {})
        if not request:
            return found
        time.sleep(0.05 * 2**round_)
    raise RuntimeError("DynamoDB kept keys of the batch unprocessed; the batch will be retried")


def _file(context: BatchContext, table: str, item: dict[str, Any]) -> None:
    tables = data_settings()
    if table == tables.jobs_table:
        job = Job.from_raw_data(item)
        context.jobs[job.job_id] = job
    elif table == tables.candidates_table:
        candidate = Candidate.from_raw_data(item)
        context.candidates[(candidate.job_id, candidate.candidate_id)] = candidate
    elif table == tables.slots_table:
        slot = InterviewSlot.from_raw_data(item)
        context.slots[(slot.job_id, slot.slot_id)] = slot
    else:
        session = InterviewSession.from_raw_data(item)
        context.sessions[session.interview_id] = session

"""An erasure that crashes at any step and is retried ends with the candidate erased, the seats
counted right, no email to the erased address and the receipt of an erasure that never crashed.

A crash point wraps the function a step ends with and raises `Crash` (the process died) right
after it, once: what it did stays done, nothing after it runs. The stream consumer and
send_email then run (they do not wait for the recruiter's retry), then the DELETE is sent again.
The same holds for the retention cascade, whose failed record Lambda delivers again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from interview_scheduling import booking, erasure, resume_objects, schedules
from interview_scheduling.enums import ErasureReason
from interview_scheduling.models import Candidate, Interview, InterviewSession, InterviewSlot
from tests.support import stored
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.erasure_scenario import (
    ERASED_CANDIDATE,
    KEPT_CANDIDATE,
    RESUME_LINE,
    SOON,
    book,
    candidate_with_history,
    personal_values,
    upload_resume,
)
from tests.support.pipeline import Crash, sent_emails
from tests.support.ttl import deletion_record, ttl_deletion

# An invocation that crashes before its first metric has none to flush, and Powertools says so.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

# (where the step's function lives, its name): the crash comes right after it returns.
STEPS = [
    (erasure, "_begin"),
    (erasure, "_count"),
    (erasure, "erase_session"),
    (booking, "cancel_interview"),
    (schedules, "cancel"),
    (resume_objects, "delete"),
    (erasure, "_finish"),
]
# What the scenario's erasure erases, crash or not.
COUNTS = {
    "interviews": 2,
    "interviews_cancelled": 1,
    "sessions": 2,
    "emails_superseded": 0,
    "schedules": 1,
    "resume_versions": 1,
}


def crash_after(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[str]:
    """Makes `module.name` crash once, right after it did its work; returns where it crashed."""
    real: Callable[..., Any] = getattr(module, name)
    crashed: list[str] = []

    def step(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        if not crashed:
            crashed.append(name)
            raise Crash(f"crashed after {name}")
        return result

    monkeypatch.setattr(module, name, step)
    return crashed


@pytest.mark.parametrize("step", STEPS, ids=[name for _, name in STEPS])
def test_an_erasure_crashed_after_any_step_ends_erased_when_retried(api, aws, pipeline, monkeypatch, step):
    module, name = step
    history = candidate_with_history(api, aws, pipeline)
    emailed = len(sent_emails())
    path = f"/jobs/{history.job_id}/candidates/{history.candidate_id}"
    crashed = crash_after(monkeypatch, module, name)

    with pytest.raises(Crash):
        api.delete(path)
    pipeline.run(deliveries=2)  # the stream and send_email go on meanwhile
    retried = api.delete(path)
    pipeline.run(deliveries=2)

    assert crashed == [name]
    assert retried.status == 200, retried.body
    assert retried.body["counts"] == COUNTS
    everything = stored.everything(aws.template)
    assert [value for value in personal_values() if value in everything] == []
    assert KEPT_CANDIDATE["email"] in everything
    assert InterviewSlot.get(history.job_id, history.active_slot).booked_count == 1
    assert len(sent_emails()) == emailed
    assert api.get(f"/sessions/{history.session_key}").status == 404
    assert api.delete(path).body == retried.body


CASCADE_STEPS = [
    (erasure, "_begin"),
    (erasure, "_count"),
    (resume_objects, "delete"),
    (erasure, "_finish"),
]


@pytest.mark.parametrize("step", CASCADE_STEPS, ids=[name for _, name in CASCADE_STEPS])
def test_a_retention_cascade_crashed_after_any_step_ends_erased_when_redelivered(
    api, aws, pipeline, monkeypatch, step
):
    module, name = step
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, **ERASED_CANDIDATE)
    upload_resume(api, aws, job_id, candidate_id, RESUME_LINE.encode())
    slot_id = create_slot(api, job_id, starts_in=SOON)
    interview_id = book(api, job_id, candidate_id, slot_id)
    pipeline.run()
    record = ttl_deletion(deletion_record(aws, pipeline.stream_arn, interview_id))
    crashed = crash_after(monkeypatch, module, name)

    with pytest.raises(Crash):
        pipeline.run_create_session([record])
    result = pipeline.run_create_session([record])  # Lambda delivers the failed record again

    assert crashed == [name]
    assert result["batchItemFailures"] == []
    erased = Candidate.get(job_id, candidate_id).erasure
    assert erased is not None
    assert (erased.reason, erased.erased_at is not None) == (ErasureReason.RETENTION, True)
    assert erased.counts.resume_versions == 1
    everything = stored.everything(aws.template)
    assert [value for value in personal_values() if value in everything] == []
    assert InterviewSession.count() == 0
    assert list(Interview.scan()) == []

"""Schedules fire at least once, sometimes twice, sometimes late (EventBridge Scheduler's
delivery is at-least-once and retried: https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets.html).
Whatever order and however often they come, each reminder reaches the candidate once (the one
documented window aside: a crash after SES accepted it), and none comes after a change."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from interview_scheduling import clock as system_clock
from interview_scheduling import email_ledger
from interview_scheduling.enums import EmailStatus, InterviewStatus
from interview_scheduling.models import Interview, InterviewSession
from tests.reliability.figures import Figures, scales
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import Crash, calendar_of, sent_emails


def reminders_by_interview() -> Counter[tuple[str, str]]:
    sent = [m for m in sent_emails() if m["Subject"].startswith("Interview reminder")]
    return Counter((calendar_of(m)["UID"], str(m["To"])) for m in sent)


def book_many(api, pipeline, count):
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, starts_in=timedelta(hours=48), capacity=count)
    interviews = [
        book_interview(api, job_id, create_candidate(api, job_id, email=f"c{n}@example.com"), slot_id)
        for n in range(count)
    ]
    pipeline.run()
    return job_id, interviews


@pytest.mark.parametrize("bookings", scales(quick=3, full=25))
def test_reminders_fired_twice_in_any_order_are_each_sent_once(api, pipeline, figures: Figures, bookings):
    _, interviews = book_many(api, pipeline, bookings)
    schedules = [s for i in interviews for s in pipeline.schedules(i) if "reminder" in s["Name"]]
    firings = [*schedules, *schedules]
    random.Random(bookings).shuffle(firings)

    for schedule in firings:
        pipeline.fire(schedule, delete=False)
    pipeline.deliver_emails(deliveries=2)

    counts = reminders_by_interview()
    figures.record(
        f"schedules.doubled[{bookings}]", f"firings={len(firings)} reminders_sent={sum(counts.values())}"
    )
    assert len(counts) == bookings
    assert set(counts.values()) == {2}  # the day-before and the hour-before reminder, once each
    for interview_id in interviews:
        entries = InterviewSession.get(interview_id).emails
        assert entries["reminder-0-1440"].status == entries["reminder-0-60"].status == EmailStatus.SENT


def test_firings_that_come_after_the_start_or_after_a_cancel_send_nothing(api, pipeline, monkeypatch):
    job_id, (late, cancelled) = book_many(api, pipeline, 2)
    late_firings = [s for s in pipeline.schedules(late) if "reminder" in s["Name"]]
    cancelled_firings = [s for s in pipeline.schedules(cancelled) if "reminder" in s["Name"]]
    api.post(f"/jobs/{job_id}/interviews/{cancelled}/cancel")
    pipeline.run()
    past_the_start = datetime.now(UTC) + timedelta(hours=49)
    monkeypatch.setattr(system_clock, "now", lambda: past_the_start)

    for schedule in late_firings + cancelled_firings:
        pipeline.fire(schedule, delete=False)
    pipeline.deliver_emails()

    assert reminders_by_interview() == Counter()
    late_entry = InterviewSession.get(late).emails["reminder-0-60"]
    assert (late_entry.status, late_entry.failure_reason) == (
        EmailStatus.SUPERSEDED,
        "the interview had started when the reminder came",
    )
    assert InterviewSession.get(cancelled).emails["reminder-0-60"].status == EmailStatus.SUPERSEDED


def test_a_crash_after_ses_accepted_a_reminder_resends_it_once_identically(api, pipeline, monkeypatch):
    _, (interview_id,) = book_many(api, pipeline, 1)
    reminder = next(s for s in pipeline.schedules(interview_id) if s["Name"].endswith("reminder-60"))
    real_record = email_ledger.record
    crashed: list[str] = []

    def crash_once_after_sending(session, key, outcome, now):
        if key.startswith("reminder") and outcome.status == EmailStatus.SENT and not crashed:
            crashed.append(key)
            raise Crash("the process died after SES accepted the reminder")
        return real_record(session, key, outcome, now)

    monkeypatch.setattr(email_ledger, "record", crash_once_after_sending)
    later = datetime.now(UTC)

    def move_clock(seconds: float) -> None:
        nonlocal later
        later += timedelta(seconds=seconds)
        monkeypatch.setattr(system_clock, "now", lambda: later)

    pipeline.fire(reminder, delete=False)
    pipeline.fire(reminder)
    run = pipeline.deliver_emails_as_lambda(deliveries=1, before_retry=move_clock)

    sent = [m for m in sent_emails() if m["Subject"].startswith("Interview reminder")]
    assert crashed == ["reminder-0-60"]
    assert len(sent) == 2  # the documented window: at least once, never lost
    assert calendar_of(sent[0]) | {"DTSTAMP": ""} == calendar_of(sent[1]) | {"DTSTAMP": ""}
    assert run.parked == []
    assert InterviewSession.get(interview_id).emails["reminder-0-60"].status == EmailStatus.SENT
    assert Interview.get(interview_id).status == InterviewStatus.SCHEDULED

"""What time brings: reminders as one-time schedules that move with the interview, the session
from start to finish, and no-shows. Schedules fire here as EventBridge Scheduler fires them
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time: an `at()`
expression fires once, and ActionAfterCompletion DELETE removes it afterwards)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from interview_scheduling.enums import InterviewStatus
from interview_scheduling.models import Interview, InterviewSession
from tests.support.catalog import create_candidate, create_job, create_slot
from tests.support.pipeline import calendar_of, sent_emails, session_key_of


def book(api, job_id, slot_id, email="ada@example.com"):
    candidate_id = create_candidate(api, job_id, email=email)
    response = api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": slot_id})
    assert response.status == 201, response.body
    return response.body["interview_id"]


def at_of(schedule) -> datetime:
    found = re.fullmatch(r"at\((.+)\)", schedule["ScheduleExpression"])
    assert found, schedule["ScheduleExpression"]
    return datetime.fromisoformat(found.group(1)).replace(tzinfo=UTC)


def by_name(schedules):
    return {s["Name"].split("-", 1)[1]: s for s in schedules}


def reminders(messages):
    return [m for m in messages if m["Subject"].startswith("Interview reminder")]


def test_a_booking_two_days_ahead_gets_both_reminders_and_the_no_show_check(api, pipeline):
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, starts_in=timedelta(hours=48))
    interview_id = book(api, job_id, slot_id)

    pipeline.run()

    schedules = by_name(pipeline.schedules(interview_id))
    assert set(schedules) == {"reminder-1440", "reminder-60", "no_show"}
    starts = InterviewSession.get(interview_id).scheduled_at
    assert at_of(schedules["reminder-1440"]) == (starts - timedelta(hours=24)).replace(microsecond=0)
    assert at_of(schedules["reminder-60"]) == (starts - timedelta(hours=1)).replace(microsecond=0)
    for schedule in schedules.values():
        assert schedule["ScheduleExpressionTimezone"] == "UTC"
        assert schedule["ActionAfterCompletion"] == "DELETE"
        assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert schedule["Target"]["DeadLetterConfig"]["Arn"].endswith("ScheduleFailuresQueue")


def test_reschedule_moves_the_schedules_and_cancel_deletes_them(api, pipeline):
    job_id = create_job(api)
    now = datetime.now(UTC)
    interview_id = book(api, job_id, create_slot(api, job_id, starts_in=timedelta(hours=48), now=now))
    pipeline.run()
    before = by_name(pipeline.schedules(interview_id))
    later = create_slot(api, job_id, starts_in=timedelta(hours=72), now=now)

    api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": later})
    pipeline.run()

    after = by_name(pipeline.schedules(interview_id))
    assert set(after) == set(before)
    for name in after:
        assert at_of(after[name]) - at_of(before[name]) == timedelta(hours=24)
    assert '"revision": 1' in after["reminder-60"]["Target"]["Input"]

    api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel")
    pipeline.run()

    assert pipeline.schedules(interview_id) == []


def test_a_booking_half_an_hour_ahead_gets_no_reminder_but_its_invitation(api, pipeline):
    job_id = create_job(api)
    interview_id = book(api, job_id, create_slot(api, job_id, starts_in=timedelta(minutes=30)))

    pipeline.run()

    assert set(by_name(pipeline.schedules(interview_id))) == {"no_show"}
    (invitation,) = sent_emails()
    assert invitation["Subject"].startswith("Interview invitation")


def test_a_booking_five_hours_ahead_gets_only_the_hour_reminder(api, pipeline):
    job_id = create_job(api)
    interview_id = book(api, job_id, create_slot(api, job_id, starts_in=timedelta(hours=5)))

    pipeline.run()

    assert set(by_name(pipeline.schedules(interview_id))) == {"reminder-60", "no_show"}


def test_a_job_chooses_its_reminders_or_none(api, pipeline):
    none = create_job(api, reminder_offsets_minutes=[])
    custom = create_job(api, reminder_offsets_minutes=[120, 15])
    quiet = book(api, none, create_slot(api, none, starts_in=timedelta(hours=48)))
    chosen = book(api, custom, create_slot(api, custom, starts_in=timedelta(hours=48)), "b@example.com")

    pipeline.run()

    assert set(by_name(pipeline.schedules(quiet))) == {"no_show"}
    assert set(by_name(pipeline.schedules(chosen))) == {"reminder-120", "reminder-15", "no_show"}


@pytest.mark.parametrize("offsets", [[0], [4], [20_161], ["60"], [60] * 6, "60"])
def test_reminder_offsets_are_validated(api, offsets):
    response = api.post(
        "/jobs", {"job_title": "Dev", "company_name": "Acme", "reminder_offsets_minutes": offsets}
    )

    assert response.status == 422


def test_a_reminder_is_sent_once_however_often_it_fires_with_the_link_and_the_same_uid(api, pipeline):
    job_id = create_job(api)
    interview_id = book(api, job_id, create_slot(api, job_id, starts_in=timedelta(hours=48)))
    pipeline.run()
    reminder = by_name(pipeline.schedules(interview_id))["reminder-1440"]

    pipeline.fire(reminder, delete=False)
    pipeline.fire(reminder)
    pipeline.deliver_emails(deliveries=2)

    invitation, *rest = sent_emails()
    (sent,) = reminders(rest)
    assert calendar_of(sent)["UID"] == calendar_of(invitation)["UID"]
    assert session_key_of(sent) == session_key_of(invitation)
    assert "reminder-1440" not in by_name(pipeline.schedules(interview_id))
    entry = InterviewSession.get(interview_id).emails["reminder-0-1440"]
    assert entry.status == "SENT"


def test_a_reminder_after_a_reschedule_says_the_new_time(api, pipeline):
    job_id = create_job(api)
    interview_id = book(api, job_id, create_slot(api, job_id, starts_in=timedelta(hours=48)))
    pipeline.run()
    later = create_slot(api, job_id, starts_in=timedelta(hours=72))
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": later})
    pipeline.run()

    pipeline.fire(by_name(pipeline.schedules(interview_id))["reminder-60"])
    pipeline.deliver_emails()

    (sent,) = reminders(sent_emails())
    new_start = InterviewSession.get(interview_id).scheduled_at
    assert calendar_of(sent)["DTSTART"] == new_start.strftime("%Y%m%dT%H%M%SZ")


def test_a_stale_or_cancelled_reminder_sends_nothing_and_says_why(api, pipeline):
    job_id = create_job(api)
    interview_id = book(api, job_id, create_slot(api, job_id, starts_in=timedelta(hours=48)))
    pipeline.run()
    stale = by_name(pipeline.schedules(interview_id))["reminder-1440"]
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel")
    pipeline.run()

    pipeline.fire(stale, delete=False)  # a firing that was already on its way
    pipeline.deliver_emails()

    assert reminders(sent_emails()) == []
    entry = InterviewSession.get(interview_id).emails["reminder-0-1440"]
    assert entry.status == "SUPERSEDED"
    assert "CANCELLED" in entry.failure_reason


def test_the_session_goes_from_scheduled_to_in_progress_to_completed(api, pipeline):
    job_id = create_job(api)
    interview_id = book(api, job_id, create_slot(api, job_id, starts_in=timedelta(minutes=10)))
    pipeline.run()
    key = session_key_of(sent_emails()[0])

    early = api.post(f"/sessions/{key}/complete")
    started = api.post(f"/sessions/{key}/start")
    again = api.post(f"/sessions/{key}/start")
    completed = api.post(f"/sessions/{key}/complete")
    after = api.post(f"/sessions/{key}/start")

    assert (early.status, early.body["reason"]) == (422, "not_started")
    assert started.status == again.status == completed.status == after.status == 200
    assert started.body["status"] == "IN_PROGRESS"
    assert again.body["started_at"] == started.body["started_at"]
    assert completed.body["status"] == after.body["status"] == "COMPLETED"
    recruiter_view = api.get(f"/jobs/{job_id}/interviews/{interview_id}").body
    assert recruiter_view["status"] == "COMPLETED"
    interview = Interview.get(interview_id)
    assert interview.started_at < interview.ended_at


def test_a_session_cannot_start_outside_its_window(api, pipeline):
    job_id = create_job(api)
    book(api, job_id, create_slot(api, job_id, starts_in=timedelta(hours=48)))
    pipeline.run()

    response = api.post(f"/sessions/{session_key_of(sent_emails()[0])}/start")

    assert (response.status, response.body["reason"]) == (403, "outside_session_window")


def test_an_interview_that_never_started_becomes_a_no_show_and_a_started_one_does_not(api, pipeline):
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, starts_in=timedelta(minutes=10), capacity=2)
    missed = book(api, job_id, slot_id)
    attended = book(api, job_id, slot_id, "b@example.com")
    pipeline.run()
    key = next(session_key_of(m) for m in sent_emails() if "b@example.com" in m["To"])
    api.post(f"/sessions/{key}/start")

    for interview_id in (missed, attended):
        no_show = by_name(pipeline.schedules(interview_id))["no_show"]
        pipeline.fire(no_show, delete=False)
        pipeline.fire(no_show)  # twice, as a scheduler may

    assert Interview.get(missed).status == InterviewStatus.NO_SHOW
    assert Interview.get(attended).status == InterviewStatus.IN_PROGRESS
    assert api.get(f"/jobs/{job_id}/interviews/{missed}").body["status"] == "NO_SHOW"
    missed_key = next(session_key_of(m) for m in sent_emails() if "ada@example.com" in m["To"])
    assert api.get(f"/sessions/{missed_key}").status == 404


def test_a_no_show_check_for_an_interview_moved_since_changes_nothing(api, pipeline):
    job_id = create_job(api)
    interview_id = book(api, job_id, create_slot(api, job_id, starts_in=timedelta(hours=5)))
    pipeline.run()
    stale = by_name(pipeline.schedules(interview_id))["no_show"]
    api.post(f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": create_slot(api, job_id)})
    pipeline.run()

    pipeline.fire(stale, delete=False)

    assert Interview.get(interview_id).status == InterviewStatus.SCHEDULED

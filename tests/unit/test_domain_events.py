"""Stream images → domain events: which events, their ids and data, and what they never carry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interview_scheduling import interview_history
from interview_scheduling.domain_events import (
    PUBLISHED_TYPES,
    candidate_erased,
    interview_events,
    record_events,
    session_events,
)
from interview_scheduling.enums import Actor, EmailStatus, ErasureReason, EventType, TimelineKind
from interview_scheduling.models import Candidate, CandidateErasure, EmailEntry, Interview, InterviewSession
from tests.support.event_schemas import problems, schema_paths

AT = datetime(2030, 7, 1, 9, 0, tzinfo=UTC)
STARTS = datetime(2030, 7, 3, 9, 0, tzinfo=UTC)
INTERVIEWS, SESSIONS = "InterviewsTable", "SessionsTable"


def interview(*entries: Any, status: str = "SCHEDULED") -> Interview:
    return Interview(
        interview_id="i1",
        org_id="org-a",
        job_id="j1",
        candidate_id="c1",
        slot_id="s1",
        status=status,
        scheduled_at=STARTS,
        request_fingerprint="f",
        created_at=AT,
        updated_at=AT,
        history=list(entries),
        schedule_key="k",
        change_key="k",
        org_status="k",
        job_scope="k",
        job_status="k",
        candidate_scope="k",
    )


def session(emails: dict[str, EmailEntry] | None = None) -> InterviewSession:
    return InterviewSession(
        interview_id="i1",
        key_hash="secret-hash-of-the-key",
        org_id="org-a",
        job_id="j1",
        candidate_id="c1",
        candidate_name="Ada Lovelace",
        candidate_email="ada@example.com",
        job_title="Engineer",
        company_name="Acme",
        job_description="Payments",
        resume_text="Built Kafka pipelines",
        coding_language="PYTHON",
        interview_type="coding",
        scheduled_at=STARTS,
        ends_at=STARTS + timedelta(minutes=45),
        time_zone="Europe/London",
        language_code="en-IN",
        accent_tld="co.in",
        emails=emails or {},
        created_at=AT,
        updated_at=AT,
    )


BOOKED = interview_history.entry(TimelineKind.BOOKED, AT, Actor.RECRUITER, slot_id="s1", scheduled_at=STARTS)
MOVED = interview_history.entry(
    TimelineKind.RESCHEDULED,
    AT + timedelta(hours=1),
    Actor.CANDIDATE,
    "a clash",
    from_slot_id="s1",
    from_scheduled_at=STARTS,
    to_slot_id="s2",
    to_scheduled_at=STARTS + timedelta(days=1),
)
CANCELLED = interview_history.entry(
    TimelineKind.CANCELLED, AT + timedelta(hours=2), Actor.RECRUITER, "filled"
)


def record(table: str, event_name: str, old: Any, new: Any) -> dict[str, Any]:
    images: dict[str, Any] = {"Keys": {"interview_id": {"S": "i1"}}}
    if old is not None:
        images["OldImage"] = old.serialize()
    if new is not None:
        images["NewImage"] = new.serialize()
    arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2030-07-01T00:00:00.000"
    return {"eventName": event_name, "eventSourceARN": arn, "dynamodb": images}


def events_of(rec: dict[str, Any]) -> list[Any]:
    return record_events(rec, interviews_table=INTERVIEWS, sessions_table=SESSIONS)


def test_a_booking_is_interview_booked_with_ids_and_the_time():
    (event,) = events_of(record(INTERVIEWS, "INSERT", None, interview(BOOKED)))
    assert event.type is EventType.INTERVIEW_BOOKED
    assert event.org_id == "org-a"
    assert event.timestamp == AT
    assert event.data == {
        "interview_id": "i1",
        "job_id": "j1",
        "candidate_id": "c1",
        "by": "recruiter",
        "slot_id": "s1",
        "scheduled_at": "2030-07-03T09:00:00Z",
    }


def test_only_the_entries_a_change_added_are_events_with_old_and_new_times_and_the_reason():
    moved = events_of(record(INTERVIEWS, "MODIFY", interview(BOOKED), interview(BOOKED, MOVED)))
    assert [e.type for e in moved] == [EventType.INTERVIEW_RESCHEDULED]
    assert moved[0].data["from_scheduled_at"] == "2030-07-03T09:00:00Z"
    assert moved[0].data["to_scheduled_at"] == "2030-07-04T09:00:00Z"
    assert (moved[0].data["by"], moved[0].data["reason"]) == ("candidate", "a clash")
    (cancelled,) = events_of(
        record(
            INTERVIEWS,
            "MODIFY",
            interview(BOOKED, MOVED),
            interview(BOOKED, MOVED, CANCELLED, status="CANCELLED"),
        )
    )
    assert cancelled.type is EventType.INTERVIEW_CANCELLED
    assert (cancelled.data["by"], cancelled.data["reason"]) == ("recruiter", "filled")


def test_a_redelivered_record_gives_the_same_ids_and_each_event_its_own():
    rec = record(INTERVIEWS, "MODIFY", interview(), interview(BOOKED, MOVED, CANCELLED))
    first, again = events_of(rec), events_of(json.loads(json.dumps(rec)))
    assert [e.id for e in first] == [e.id for e in again]
    assert len({e.id for e in first}) == 3
    # The same entry seen from a later record (another change) is the same event.
    (booked,) = events_of(record(INTERVIEWS, "INSERT", None, interview(BOOKED)))
    assert booked.id == first[0].id


def test_start_finish_and_no_show_are_events():
    started = interview_history.entry(TimelineKind.STARTED, AT, Actor.CANDIDATE)
    completed = interview_history.entry(TimelineKind.COMPLETED, AT, Actor.CANDIDATE)
    no_show = interview_history.entry(TimelineKind.NO_SHOW, AT, Actor.SYSTEM)
    types = [
        e.type for e in interview_events(interview(BOOKED), interview(BOOKED, started, completed, no_show))
    ]
    assert types == [EventType.SESSION_STARTED, EventType.SESSION_COMPLETED, EventType.INTERVIEW_NO_SHOW]


def entry(status: EmailStatus, **fields: Any) -> EmailEntry:
    return EmailEntry(status=status, updated_at=AT + timedelta(minutes=1), **fields)


def test_a_new_session_is_session_created_without_the_key_the_name_the_address_or_the_resume():
    (event,) = events_of(
        record(SESSIONS, "INSERT", None, session({"invitation-0": entry(EmailStatus.PENDING)}))
    )
    assert event.type is EventType.SESSION_CREATED
    text = event.body()
    for secret in ("secret-hash-of-the-key", "Ada", "ada@example.com", "Kafka", "key_hash"):
        assert secret not in text


def test_ledger_entries_that_reach_a_reported_status_are_email_events():
    pending = session({"invitation-0": entry(EmailStatus.PENDING)})
    sent = session({"invitation-0": entry(EmailStatus.SENT, message_id="m1")})
    bounced = session(
        {
            "invitation-0": entry(
                EmailStatus.BOUNCED, bounced_at=AT + timedelta(minutes=2), bounce_type="Permanent"
            ),
            "reminder-0-60": entry(EmailStatus.SENT),
        }
    )
    assert [e.type for e in session_events(pending, sent)] == [EventType.EMAIL_SENT]
    events = session_events(sent, bounced)
    assert [(e.type, e.data["message"]) for e in events] == [
        (EventType.EMAIL_BOUNCED, "invitation-0"),
        (EventType.REMINDER_SENT, "reminder-0-60"),
    ]
    assert events[0].timestamp == AT + timedelta(minutes=2)
    assert events[0].data["bounce_type"] == "Permanent"
    # Nothing moved, nothing published; a status no one hears of (SENDING) is none either.
    assert session_events(sent, sent) == []
    assert session_events(pending, session({"invitation-0": entry(EmailStatus.SENDING)})) == []


def test_a_report_that_comes_before_the_sent_write_is_also_the_sent_event_with_its_usual_id():
    """Locally SES's Delivery event can be handled before send_email records SENT (in AWS rarely):
    the entry goes from SENDING to DELIVERED, and a subscriber still hears that SES took it."""
    sending = session({"invitation-0": entry(EmailStatus.SENDING)})
    delivered = session(
        {"invitation-0": entry(EmailStatus.DELIVERED, delivered_at=AT + timedelta(seconds=3))}
    )
    sent = session({"invitation-0": entry(EmailStatus.SENT, message_id="m1")})

    events = session_events(sending, delivered)

    assert [e.type for e in events] == [EventType.EMAIL_SENT, EventType.EMAIL_DELIVERED]
    assert events[0].id == session_events(sending, sent)[0].id  # the same event, however it came
    assert events[1].timestamp == AT + timedelta(seconds=3)
    assert [e.type for e in session_events(sent, delivered)] == [EventType.EMAIL_DELIVERED]


def test_deletions_and_other_tables_make_no_events():
    assert events_of(record(INTERVIEWS, "REMOVE", interview(BOOKED), None)) == []
    assert events_of(record("OtherTable", "INSERT", None, interview(BOOKED))) == []


@pytest.mark.parametrize("event_type", sorted(PUBLISHED_TYPES))
def test_every_published_type_has_a_schema(event_type):
    assert f"{event_type}.json" in {path.name for path in schema_paths()}


def test_every_event_made_here_is_valid_by_its_schema():
    made = [
        *interview_events(None, interview(BOOKED, MOVED, CANCELLED)),
        *session_events(None, session({"invitation-0": entry(EmailStatus.DELIVERED, delivered_at=AT)})),
        *session_events(None, session({"invitation-0": entry(EmailStatus.BOUNCED, bounce_type="Transient")})),
    ]
    assert {e.type for e in made} >= {
        EventType.INTERVIEW_BOOKED,
        EventType.SESSION_CREATED,
        EventType.EMAIL_BOUNCED,
    }
    for event in made:
        assert problems(json.loads(event.body())) == [], event.type


def test_the_schema_refuses_an_event_with_a_field_it_does_not_name():
    (event,) = interview_events(None, interview(BOOKED))
    detail = json.loads(event.body())
    detail["data"]["candidate_email"] = "ada@example.com"
    assert problems(detail)


def test_a_finished_erasure_is_one_event_with_ids_only_and_valid_by_its_schema():
    erasure = CandidateErasure(erasure_id="e1", reason=ErasureReason.RETENTION, started_at=AT, erased_at=AT)
    candidate = Candidate("job-1", "cand-1", org_id="org-1", erasure=erasure)

    event = candidate_erased(candidate)

    assert (event.type, event.org_id, event.timestamp) == (EventType.CANDIDATE_ERASED, "org-1", AT)
    assert event.data == {
        "job_id": "job-1",
        "candidate_id": "cand-1",
        "erasure_id": "e1",
        "reason": "retention",
    }
    assert candidate_erased(candidate).id == event.id  # a repeat of the erasure: the same event
    assert problems(json.loads(event.body())) == []


def test_an_erasure_not_yet_done_makes_no_event():
    begun = CandidateErasure(erasure_id="e1", reason=ErasureReason.REQUEST, started_at=AT)
    with pytest.raises(ValueError):
        candidate_erased(Candidate("job-1", "cand-1", org_id="org-1", erasure=begun))

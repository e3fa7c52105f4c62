"""Slots as a calendar has them (across midnight, closed, deleted, by time) and jobs that change."""

from datetime import UTC, date, datetime, timedelta

import pytest

from interview_scheduling.models import InterviewSession, InterviewSlot
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import sent_emails

NEXT_YEAR = datetime.now(UTC).year + 1


@pytest.fixture
def job(api):
    return create_job(api)


def slot(api, job_id, **fields):
    body = {
        "interview_date": f"{NEXT_YEAR}-07-01",
        "start_time": "10:00",
        "end_time": "11:00",
        "timezone": "UTC",
        "ai_interview_type": "coding",
        **fields,
    }
    return api.post(f"/jobs/{job_id}/slots", body)


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


# ---------------------------------------------------------------- across midnight
def test_a_slot_may_end_after_midnight_on_the_next_day(api, job):
    response = slot(api, job, start_time="23:30", end_time="00:15", timezone="Asia/Kolkata")

    assert response.status == 201, response.body
    assert response.body["starts_at"] == f"{NEXT_YEAR}-07-01T18:00:00Z"
    assert response.body["ends_at"] == f"{NEXT_YEAR}-07-01T18:45:00Z"
    assert (response.body["start_time"], response.body["end_time"]) == ("23:30", "00:15")


def test_a_slot_across_midnight_and_a_dst_change_lasts_its_real_time(api, job):
    # Europe/London falls back at 02:00 on the last Sunday of October: 23:30-02:30 is 4 h, not 3.
    day = _last_sunday(NEXT_YEAR, 10) - timedelta(days=1)

    response = slot(
        api,
        job,
        interview_date=day.isoformat(),
        start_time="23:30",
        end_time="02:30",
        timezone="Europe/London",
    )

    assert response.status == 201, response.body
    starts = datetime.fromisoformat(response.body["starts_at"])
    ends = datetime.fromisoformat(response.body["ends_at"])
    assert ends - starts == timedelta(hours=4)


def test_a_slot_ending_in_a_dst_gap_is_refused(api, job):
    # Europe/London springs forward at 01:00 on the last Sunday of March: 01:30 does not exist.
    day = _last_sunday(NEXT_YEAR, 3) - timedelta(days=1)

    response = slot(
        api,
        job,
        interview_date=day.isoformat(),
        start_time="23:00",
        end_time="01:30",
        timezone="Europe/London",
    )

    assert response.status == 422
    assert response.body["reason"] == "nonexistent_local_time"


@pytest.mark.parametrize(("start", "end"), [("09:00", "21:01"), ("10:00", "09:00"), ("12:00", "00:01")])
def test_a_slot_longer_than_twelve_hours_is_refused(api, job, start, end):
    response = slot(api, job, start_time=start, end_time=end)

    assert response.status == 422
    assert response.body["reason"] == "slot_too_long"


def test_a_twelve_hour_slot_is_taken_and_the_same_start_and_end_is_not(api, job):
    assert slot(api, job, start_time="20:00", end_time="08:00").status == 201
    same = slot(api, job, start_time="10:00", end_time="10:00")
    assert same.status == 422
    assert same.body["reason"] == "invalid_request"


def test_a_booking_across_midnight_gets_a_session_as_long_as_the_slot(api, pipeline, job):
    start = datetime.now(UTC) + timedelta(days=2)
    body = {
        "interview_date": start.date().isoformat(),
        "start_time": "23:50",
        "end_time": "00:20",
        "timezone": "UTC",
        "ai_interview_type": "coding",
    }
    slot_id = api.post(f"/jobs/{job}/slots", body).body["slot_id"]
    interview_id = book_interview(api, job, create_candidate(api, job), slot_id)

    pipeline.run()

    session = InterviewSession.get(interview_id)
    assert session.ends_at - session.scheduled_at == timedelta(minutes=30)
    assert len(sent_emails()) == 1


# ---------------------------------------------------------------- listing by time
def test_slots_are_listed_by_start_within_from_and_to(api, job):
    days = [create_slot(api, job, starts_in=timedelta(days=d)) for d in (3, 1, 2)]
    starts = {s: InterviewSlot.get(job, s).starts_at for s in days}
    by_start = sorted(days, key=lambda slot_id: starts[slot_id])

    def listed(**query):
        response = api.get(
            f"/jobs/{job}/slots", query={k.rstrip("_"): v.isoformat() for k, v in query.items()}
        )
        assert response.status == 200, response.body
        return [s["slot_id"] for s in response.body["items"]]

    assert listed() == by_start
    assert listed(from_=starts[by_start[1]]) == by_start[1:]
    assert listed(to=starts[by_start[1]]) == by_start[:1]
    assert listed(from_=starts[by_start[0]], to=starts[by_start[2]]) == by_start[:2]


def test_past_slots_are_never_available_whatever_the_range(api, job):
    past = create_slot(api, job, starts_in=timedelta(hours=1))
    future = create_slot(api, job, starts_in=timedelta(days=1))
    record = InterviewSlot.get(job, past)
    earlier = record.starts_at - timedelta(days=2)
    record.update(
        actions=[
            InterviewSlot.starts_at.set(earlier),
            InterviewSlot.start_key.set(f"{earlier.isoformat(timespec='microseconds')}#{past}"),
        ]
    )
    long_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()

    everything = api.get(f"/jobs/{job}/slots", query={"from": long_ago}).body["items"]
    available = api.get(f"/jobs/{job}/slots", query={"available": "true", "from": long_ago}).body["items"]
    only_past = api.get(
        f"/jobs/{job}/slots", query={"available": "true", "to": datetime.now(UTC).isoformat()}
    ).body["items"]

    assert [s["slot_id"] for s in everything] == [past, future]
    assert everything[0]["available"] is False
    assert [s["slot_id"] for s in available] == [future]
    assert only_past == []


def test_slots_from_after_to_are_refused(api, job):
    response = api.get(
        f"/jobs/{job}/slots", query={"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"}
    )

    assert response.status == 422
    assert response.body["reason"] == "invalid_time_range"


# ---------------------------------------------------------------- close
def test_a_closed_slot_takes_no_new_booking_and_keeps_the_ones_it_has(api, job):
    slot_id = create_slot(api, job, capacity=3)
    kept = book_interview(api, job, create_candidate(api, job), slot_id)

    closed = api.post(f"/jobs/{job}/slots/{slot_id}/close")

    assert closed.status == 200
    assert (closed.body["status"], closed.body["available"], closed.body["booked_count"]) == (
        "CLOSED",
        False,
        1,
    )
    refused = api.post(
        f"/jobs/{job}/interviews",
        {"candidate_id": create_candidate(api, job, email="b@example.com"), "slot_id": slot_id},
    )
    assert (refused.status, refused.body["reason"]) == (422, "slot_closed")
    assert api.get(f"/jobs/{job}/interviews/{kept}").body["status"] == "SCHEDULED"
    assert api.post(f"/jobs/{job}/slots/{slot_id}/close").status == 200  # again: nothing changes
    assert api.get(f"/jobs/{job}/slots", query={"available": "true"}).body["items"] == []


def test_another_organisations_slot_cannot_be_closed(api, job):
    slot_id = create_slot(api, job)

    response = api.as_org("org-b").post(f"/jobs/{job}/slots/{slot_id}/close")

    assert response.status == 404
    assert InterviewSlot.get(job, slot_id).status == "OPEN"


# ---------------------------------------------------------------- delete
def test_a_slot_with_bookings_is_not_deleted_and_says_how_many(api, job):
    slot_id = create_slot(api, job, capacity=3)
    for n in range(2):
        book_interview(api, job, create_candidate(api, job, email=f"c{n}@example.com"), slot_id)

    response = api.request("DELETE", f"/jobs/{job}/slots/{slot_id}")

    assert response.status == 409
    assert response.body["reason"] == "slot_has_bookings"
    assert response.body["active_bookings"] == 2
    assert InterviewSlot.get(job, slot_id).status == "OPEN"


def test_a_slot_without_bookings_is_deleted_and_gone_for_lists_reads_and_bookings(api, job):
    slot_id = create_slot(api, job)
    other = create_slot(api, job, starts_in=timedelta(days=4))

    response = api.request("DELETE", f"/jobs/{job}/slots/{slot_id}")

    assert response.status == 200
    assert response.body == {"slot_id": slot_id, "cancelled_interview_ids": []}
    assert [s["slot_id"] for s in api.get(f"/jobs/{job}/slots").body["items"]] == [other]
    booked = api.post(
        f"/jobs/{job}/interviews", {"candidate_id": create_candidate(api, job), "slot_id": slot_id}
    )
    assert (booked.status, booked.body["reason"]) == (404, "slot_not_found")
    assert api.request("DELETE", f"/jobs/{job}/slots/{slot_id}").status == 404
    assert api.post(f"/jobs/{job}/slots/{slot_id}/close").status == 404


def test_deleting_a_slot_with_cancel_bookings_cancels_each_and_each_candidate_hears_once(api, pipeline, job):
    slot_id = create_slot(api, job, capacity=3)
    interviews = [
        book_interview(api, job, create_candidate(api, job, email=f"c{n}@example.com"), slot_id)
        for n in range(2)
    ]
    pipeline.run()  # sessions and invitations
    invitations = len(sent_emails())

    response = api.request("DELETE", f"/jobs/{job}/slots/{slot_id}", query={"cancel_bookings": "true"})
    pipeline.run(deliveries=2)  # every record and email delivered twice, as at-least-once allows

    assert response.status == 200, response.body
    assert sorted(response.body["cancelled_interview_ids"]) == sorted(interviews)
    cancellations = [m for m in sent_emails()[invitations:] if "cancel" in m["Subject"].lower()]
    assert sorted(m["To"].addresses[0].addr_spec for m in cancellations) == [
        "c0@example.com",
        "c1@example.com",
    ]
    assert len(sent_emails()) == invitations + 2
    for interview_id in interviews:
        view = api.get(f"/jobs/{job}/interviews/{interview_id}").body
        assert view["status"] == "CANCELLED"
        assert view["timeline"][-2]["reason"] == "the slot was deleted"
    assert InterviewSlot.get(job, slot_id).status == "DELETED"


def test_another_organisations_slot_cannot_be_deleted(api, job):
    slot_id = create_slot(api, job)

    response = api.as_org("org-b").request(
        "DELETE", f"/jobs/{job}/slots/{slot_id}", query={"cancel_bookings": "true"}
    )

    assert response.status == 404
    assert InterviewSlot.get(job, slot_id).status == "OPEN"


# ---------------------------------------------------------------- PATCH /jobs/{job_id}
def test_a_job_change_shows_in_sessions_made_after_it_not_in_ones_already_sent(api, pipeline, job):
    before = book_interview(api, job, create_candidate(api, job), create_slot(api, job, capacity=2))
    pipeline.run()

    response = api.request(
        "PATCH",
        f"/jobs/{job}",
        {"job_title": "Staff Engineer", "job_description": "Own the ledger.", "coding_language": "GO"},
    )
    after = book_interview(api, job, create_candidate(api, job, email="b@example.com"), create_slot(api, job))
    pipeline.run()

    assert response.status == 200
    assert (response.body["job_title"], response.body["coding_language"]) == ("Staff Engineer", "GO")
    assert response.body["company_name"] == "Acme"  # left out: unchanged
    old, new = InterviewSession.get(before), InterviewSession.get(after)
    assert (old.job_title, old.coding_language) == ("Backend Engineer", "PYTHON")
    assert "Own the ledger." not in old.job_description
    assert (new.job_title, new.coding_language) == ("Staff Engineer", "GO")
    assert new.job_description.startswith("Own the ledger.")


def test_a_job_description_and_domain_can_be_removed_but_not_its_title(api, job):
    api.request("PATCH", f"/jobs/{job}", {"job_description": "Temporary"})

    removed = api.request("PATCH", f"/jobs/{job}", {"job_description": None, "domain": None})
    untitled = api.request("PATCH", f"/jobs/{job}", {"job_title": None})

    assert removed.status == 200
    assert (removed.body["job_description"], removed.body["domain"]) == (None, None)
    assert untitled.status == 422
    assert api.get(f"/jobs/{job}").body["job_title"] == "Backend Engineer"


@pytest.mark.parametrize(
    "body",
    [
        {"job_title": ""},
        {"job_title": "x" * 201},
        {"coding_language": "COBOL"},
        {"salary": 1},
        {"company_name": None},
        {"candidate_self_service": None},
        {"candidate_self_service": {"cutoff_minutes": -1}},
        {"reminder_offsets_minutes": [1]},
    ],
)
def test_invalid_job_changes_are_refused(api, job, body):
    response = api.request("PATCH", f"/jobs/{job}", body)

    assert response.status == 422
    assert response.body["reason"] == "invalid_request"


def test_a_job_change_of_the_candidates_rules_and_reminders_is_kept_whole(api, job):
    rules = {"enabled": False, "cutoff_minutes": 60, "max_reschedules": 0, "cancellation_reason": "required"}
    changed = api.request(
        "PATCH", f"/jobs/{job}", {"candidate_self_service": rules, "reminder_offsets_minutes": [30]}
    )

    assert changed.status == 200, changed.body
    stored = api.get(f"/jobs/{job}").body
    assert (stored["candidate_self_service"], stored["reminder_offsets_minutes"]) == (rules, [30])


def test_an_empty_change_changes_nothing_and_another_organisations_job_is_not_found(api, job):
    assert api.request("PATCH", f"/jobs/{job}", {}).body["job_title"] == "Backend Engineer"
    response = api.as_org("org-b").request("PATCH", f"/jobs/{job}", {"job_title": "Mine now"})
    assert response.status == 404
    assert api.get(f"/jobs/{job}").body["job_title"] == "Backend Engineer"


# ---------------------------------------------------------------- available: the index of free seats
def available_ids(api, job_id, limit="100"):
    response = api.get(f"/jobs/{job_id}/slots", query={"available": "true", "limit": limit})
    assert response.status == 200, response.body
    return [s["slot_id"] for s in response.body["items"]], response.body["next_cursor"]


def test_available_slots_are_read_from_the_slots_with_a_free_seat_not_filtered_out_of_all(api, job):
    slots = [create_slot(api, job, starts_in=timedelta(days=1, minutes=n)) for n in range(6)]
    for n, slot_id in enumerate(slots[:4]):  # the first four are full
        book_interview(api, job, create_candidate(api, job, email=f"c{n}@example.com"), slot_id)

    assert available_ids(api, job, limit="2") == (slots[4:], None)  # one page, no empty ones before it


def test_a_slot_leaves_the_available_list_with_its_last_seat_and_comes_back_with_a_cancel(api, job):
    slot_id = create_slot(api, job, capacity=3)
    interviews = [
        book_interview(api, job, create_candidate(api, job, email=f"c{n}@example.com"), slot_id)
        for n in range(2)
    ]
    assert available_ids(api, job)[0] == [slot_id]

    last = book_interview(api, job, create_candidate(api, job, email="last@example.com"), slot_id)
    assert available_ids(api, job)[0] == []
    assert InterviewSlot.get(job, slot_id).free_seat_key is None

    api.post(f"/jobs/{job}/interviews/{interviews[0]}/cancel")
    assert available_ids(api, job)[0] == [slot_id]
    other = create_slot(api, job, starts_in=timedelta(days=4), capacity=2)
    assert api.post(f"/jobs/{job}/interviews/{last}/reschedule", {"slot_id": other}).status == 200
    assert available_ids(api, job)[0] == [slot_id, other]
    api.post(f"/jobs/{job}/slots/{slot_id}/close")
    assert available_ids(api, job)[0] == [other]


def test_a_booking_that_read_a_seat_count_another_booking_changed_reads_again(api, job, monkeypatch):
    from interview_scheduling import booking

    slot_id = create_slot(api, job, capacity=2)
    stale = InterviewSlot.get(job, slot_id)  # one seat taken of two, as read: not the last one
    book_interview(api, job, create_candidate(api, job, email="first@example.com"), slot_id)
    real_read = booking._slot_of
    reads = []

    def stale_first(org, job_id, wanted):
        reads.append(wanted)
        return stale if len(reads) == 1 else real_read(org, job_id, wanted)

    monkeypatch.setattr(booking, "_slot_of", stale_first)
    response = api.post(
        f"/jobs/{job}/interviews", {"candidate_id": create_candidate(api, job), "slot_id": slot_id}
    )

    assert response.status == 201
    assert len(reads) == 2
    slot = InterviewSlot.get(job, slot_id)
    assert slot.booked_count == 2
    assert slot.free_seat_key is None
    assert available_ids(api, job)[0] == []

"""Booking, cancelling and rescheduling through real API Gateway events against moto."""

from datetime import timedelta

import pytest

from interview_scheduling.enums import InterviewStatus, SlotStatus
from interview_scheduling.models import Candidate, Interview, InterviewSlot
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot


@pytest.fixture
def job(api):
    return create_job(api)


def book(api, job_id, candidate_id, slot_id, headers=None, **extra):
    return api.post(
        f"/jobs/{job_id}/interviews",
        {"candidate_id": candidate_id, "slot_id": slot_id, **extra},
        headers=headers,
    )


def test_a_booking_creates_the_interview_and_takes_a_seat(api, job):
    candidate_id = create_candidate(api, job)
    slot_id = create_slot(api, job, capacity=2)

    response = book(api, job, candidate_id, slot_id, booking_notes="Senior track")

    assert response.status == 201
    assert response.body["status"] == "SCHEDULED"
    interview = api.get(f"/jobs/{job}/interviews/{response.body['interview_id']}")
    assert interview.status == 200
    assert interview.body["booking_notes"] == "Senior track"
    assert interview.body["session"] is None
    assert interview.body["emails"] == []
    assert InterviewSlot.get(job, slot_id).booked_count == 1
    assert Candidate.get(job, candidate_id).active_interview_id == response.body["interview_id"]


def test_booking_a_full_slot_is_a_conflict(api, job):
    slot_id = create_slot(api, job)
    assert book(api, job, create_candidate(api, job), slot_id).status == 201

    response = book(api, job, create_candidate(api, job, email="b@example.com"), slot_id)

    assert response.status == 409
    assert response.body["reason"] == "slot_full"
    assert InterviewSlot.get(job, slot_id).booked_count == 1


def test_a_candidate_has_one_active_interview_per_job(api, job):
    candidate_id = create_candidate(api, job)
    assert book(api, job, candidate_id, create_slot(api, job)).status == 201

    response = book(api, job, candidate_id, create_slot(api, job))

    assert response.status == 409
    assert response.body["reason"] == "already_booked"


@pytest.mark.parametrize(
    ("unknown", "reason"), [("candidate", "candidate_not_found"), ("slot", "slot_not_found")]
)
def test_unknown_candidates_and_slots_are_not_found(api, job, unknown, reason):
    candidate_id = "nobody" if unknown == "candidate" else create_candidate(api, job)
    slot_id = "nowhen" if unknown == "slot" else create_slot(api, job)

    response = book(api, job, candidate_id, slot_id)

    assert response.status == 404
    assert response.body["reason"] == reason


def test_another_organisations_candidate_and_slot_are_not_found(api, job):
    candidate_id = create_candidate(api, job)
    slot_id = create_slot(api, job)

    response = book(api.as_org("org-b"), job, candidate_id, slot_id)

    assert response.status == 404
    assert InterviewSlot.get(job, slot_id).booked_count == 0


def test_a_closed_slot_cannot_be_booked(api, job):
    slot_id = create_slot(api, job)
    InterviewSlot(job, slot_id).update(actions=[InterviewSlot.status.set(SlotStatus.CLOSED)])

    response = book(api, job, create_candidate(api, job), slot_id)

    assert response.status == 422
    assert response.body["reason"] == "slot_closed"


def test_a_slot_that_has_started_cannot_be_booked(api, job):
    slot_id = create_slot(api, job, starts_in=timedelta(minutes=1))
    slot = InterviewSlot.get(job, slot_id)
    slot.update(actions=[InterviewSlot.starts_at.set(slot.starts_at - timedelta(hours=1))])

    response = book(api, job, create_candidate(api, job), slot_id)

    assert response.status == 422
    assert response.body["reason"] == "slot_in_past"


def test_a_retry_with_the_same_idempotency_key_returns_the_same_interview(api, job):
    candidate_id = create_candidate(api, job)
    slot_id = create_slot(api, job, capacity=3)
    headers = {"Idempotency-Key": "booking-7f3a"}

    first = book(api, job, candidate_id, slot_id, headers=headers)
    second = book(api, job, candidate_id, slot_id, headers=headers)

    assert (first.status, second.status) == (201, 201)
    assert first.body["interview_id"] == second.body["interview_id"]
    assert InterviewSlot.get(job, slot_id).booked_count == 1


def test_an_idempotency_key_reused_for_another_booking_is_unprocessable(api, job):
    slot_id = create_slot(api, job, capacity=3)
    headers = {"Idempotency-Key": "booking-7f3a"}
    assert book(api, job, create_candidate(api, job), slot_id, headers=headers).status == 201

    response = book(api, job, create_candidate(api, job, email="b@example.com"), slot_id, headers=headers)

    # As the IETF Idempotency-Key draft answers a key reused with another request body.
    assert response.status == 422
    assert response.body["reason"] == "idempotency_key_reused"


def test_the_same_body_repeated_soon_returns_the_same_interview(api, job):
    candidate_id = create_candidate(api, job)
    slot_id = create_slot(api, job, capacity=3)

    first = book(api, job, candidate_id, slot_id)
    second = book(api, job, candidate_id, slot_id)

    assert second.status == 201
    assert second.body["interview_id"] == first.body["interview_id"]
    assert InterviewSlot.get(job, slot_id).booked_count == 1


def test_the_same_body_after_the_replay_window_is_already_booked(api, job, monkeypatch):
    monkeypatch.setenv("BOOKING_REPLAY_WINDOW_SECONDS", "0")
    from interview_scheduling.settings import reset_settings

    reset_settings()
    candidate_id = create_candidate(api, job)
    slot_id = create_slot(api, job, capacity=3)
    assert book(api, job, candidate_id, slot_id).status == 201

    response = book(api, job, candidate_id, slot_id)

    assert response.status == 409
    assert response.body["reason"] == "already_booked"


@pytest.mark.parametrize(
    "body",
    [
        {"slot_id": "s1"},
        {"candidate_id": "c1", "slot_id": "s1", "booking_notes": "x" * 2001},
        {"candidate_id": "c1", "slot_id": "s1", "when": "now"},
        {"candidate_id": "c/../1", "slot_id": "s1"},
    ],
)
def test_malformed_bookings_are_refused(api, job, body):
    assert api.post(f"/jobs/{job}/interviews", body).status == 422


def test_an_idempotency_key_with_control_characters_is_refused(api, job):
    response = book(api, job, "c1", "s1", headers={"Idempotency-Key": "a\tb"})

    assert response.status == 422


def test_cancelling_frees_the_seat_and_the_candidate(api, job):
    candidate_id = create_candidate(api, job)
    slot_id = create_slot(api, job)
    interview_id = book(api, job, candidate_id, slot_id).body["interview_id"]

    response = api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    assert response.status == 200
    assert response.body["status"] == "CANCELLED"
    assert response.body["revision"] == 1
    assert InterviewSlot.get(job, slot_id).booked_count == 0
    assert Candidate.get(job, candidate_id).active_interview_id is None
    assert book(api, job, candidate_id, slot_id).status == 201


def test_cancelling_twice_changes_nothing_more(api, job):
    slot_id = create_slot(api, job, capacity=2)
    interview_id = book(api, job, create_candidate(api, job), slot_id).body["interview_id"]
    api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    again = api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    assert again.status == 200
    assert again.body["revision"] == 1
    assert InterviewSlot.get(job, slot_id).booked_count == 0


def test_rescheduling_moves_the_seat(api, job):
    old_slot = create_slot(api, job)
    new_slot = create_slot(api, job, starts_in=timedelta(days=3))
    interview_id = book(api, job, create_candidate(api, job), old_slot).body["interview_id"]

    response = api.post(f"/jobs/{job}/interviews/{interview_id}/reschedule", {"slot_id": new_slot})

    assert response.status == 200
    assert response.body["slot_id"] == new_slot
    assert response.body["revision"] == 1
    assert InterviewSlot.get(job, old_slot).booked_count == 0
    assert InterviewSlot.get(job, new_slot).booked_count == 1
    repeated = api.post(f"/jobs/{job}/interviews/{interview_id}/reschedule", {"slot_id": new_slot})
    assert repeated.body["revision"] == 1


def test_rescheduling_into_a_full_slot_is_a_conflict_and_keeps_the_old_seat(api, job):
    old_slot = create_slot(api, job)
    full_slot = create_slot(api, job, starts_in=timedelta(days=3))
    book(api, job, create_candidate(api, job, email="b@example.com"), full_slot)
    interview_id = book(api, job, create_candidate(api, job), old_slot).body["interview_id"]

    response = api.post(f"/jobs/{job}/interviews/{interview_id}/reschedule", {"slot_id": full_slot})

    assert response.status == 409
    assert response.body["reason"] == "slot_full"
    assert InterviewSlot.get(job, old_slot).booked_count == 1


def test_rescheduling_into_an_unknown_slot_is_not_found(api, job):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]

    response = api.post(f"/jobs/{job}/interviews/{interview_id}/reschedule", {"slot_id": "nowhen"})

    assert response.status == 404
    assert response.body["reason"] == "slot_not_found"


def test_a_cancelled_interview_cannot_be_rescheduled(api, job):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    response = api.post(
        f"/jobs/{job}/interviews/{interview_id}/reschedule", {"slot_id": create_slot(api, job)}
    )

    assert response.status == 422
    assert response.body["reason"] == "not_reschedulable"


def test_a_completed_interview_cannot_be_cancelled(api, job):
    from interview_scheduling.models import Interview

    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    Interview(interview_id).update(actions=[Interview.status.set(InterviewStatus.COMPLETED)])

    response = api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    assert response.status == 422
    assert response.body["reason"] == "not_cancellable"


def test_a_change_whose_condition_keeps_failing_is_a_conflict_after_retries(api, job):
    from interview_scheduling.models import Interview

    slot_id = create_slot(api, job)
    interview_id = book(api, job, create_candidate(api, job), slot_id).body["interview_id"]
    # Someone else freed the guard meanwhile: the cancel's condition on it fails.
    Candidate.get(job, Interview.get(interview_id).candidate_id).update(
        actions=[Candidate.active_interview_id.remove()]
    )

    response = api.post(f"/jobs/{job}/interviews/{interview_id}/cancel")

    assert response.status == 409
    assert response.body["reason"] == "busy"


@pytest.mark.parametrize("action", ["get", "cancel", "reschedule"])
def test_another_organisations_interview_is_not_found(api, job, action):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    other = api.as_org("org-b")

    if action == "get":
        response = other.get(f"/jobs/{job}/interviews/{interview_id}")
    elif action == "cancel":
        response = other.post(f"/jobs/{job}/interviews/{interview_id}/cancel")
    else:
        response = other.post(f"/jobs/{job}/interviews/{interview_id}/reschedule", {"slot_id": "s1"})

    assert response.status == 404
    assert response.body["reason"] == "interview_not_found"


def test_an_interview_is_not_found_under_another_job(api, job):
    interview_id = book(api, job, create_candidate(api, job), create_slot(api, job)).body["interview_id"]
    other_job = create_job(api)

    assert api.get(f"/jobs/{other_job}/interviews/{interview_id}").status == 404


# ---------------------------------------------------------------- the interview carries its time
def test_a_booking_answers_with_its_time_and_the_interview_keeps_it(api, job):
    slot_id = create_slot(api, job)
    starts = InterviewSlot.get(job, slot_id).starts_at

    response = api.post(
        f"/jobs/{job}/interviews", {"candidate_id": create_candidate(api, job), "slot_id": slot_id}
    )

    assert response.status == 201
    assert response.body["scheduled_at"] == starts.isoformat().replace("+00:00", "Z")
    assert Interview.get(response.body["interview_id"]).scheduled_at == starts


def test_a_reschedule_moves_the_interviews_time_and_its_place_in_the_lists(api, job):
    early, late = create_slot(api, job), create_slot(api, job, starts_in=timedelta(days=9))
    moved = book_interview(api, job, create_candidate(api, job), early)
    stays = book_interview(
        api, job, create_candidate(api, job, email="b@example.com"), create_slot(api, job, timedelta(days=5))
    )

    api.post(f"/jobs/{job}/interviews/{moved}/reschedule", {"slot_id": late})

    listed = api.get(f"/jobs/{job}/interviews").body["items"]
    assert [i["interview_id"] for i in listed] == [stays, moved]
    assert Interview.get(moved).scheduled_at == InterviewSlot.get(job, late).starts_at


def test_a_booking_whose_slot_start_moved_after_it_was_read_takes_the_new_start(api, job, monkeypatch):
    from interview_scheduling import booking

    slot_id = create_slot(api, job)
    real_read = booking._slot_of
    moved_to = InterviewSlot.get(job, slot_id).starts_at + timedelta(hours=1)

    def read_then_moved(org, job_id, wanted):
        slot = real_read(org, job_id, wanted)
        monkeypatch.setattr(booking, "_slot_of", real_read)
        # Someone moves the slot between the read and the transaction.
        InterviewSlot(job_id, wanted).update(actions=[InterviewSlot.starts_at.set(moved_to)])
        return slot

    monkeypatch.setattr(booking, "_slot_of", read_then_moved)
    response = api.post(
        f"/jobs/{job}/interviews", {"candidate_id": create_candidate(api, job), "slot_id": slot_id}
    )

    assert response.status == 201
    assert Interview.get(response.body["interview_id"]).scheduled_at == moved_to
    assert InterviewSlot.get(job, slot_id).booked_count == 1

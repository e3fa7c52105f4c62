"""The recruiter's lists: jobs, candidates, a job's interviews and the organisation's, paged by
cursor, one DynamoDB request per page, each organisation seeing only its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interview_scheduling.models import Interview
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.seeding import dynamodb_requests, seed_interviews


def page_through(api, path, limit, query=None, *, between_pages=lambda: None, max_pages=1000):
    """Every item of a list, page by page; `between_pages` runs after each page."""
    items, cursor, pages = [], None, 0
    while True:
        response = api.get(
            path, query={"limit": str(limit), **(query or {}), **({"cursor": cursor} if cursor else {})}
        )
        assert response.status == 200, response.body
        assert len(response.body["items"]) <= limit
        items += response.body["items"]
        pages += 1
        assert pages <= max_pages
        cursor = response.body["next_cursor"]
        if cursor is None:
            return items
        between_pages()


def order_key(item):
    return (item["scheduled_at"], item["interview_id"])


@pytest.fixture
def job(api):
    return create_job(api)


# ---------------------------------------------------------------- 1,000 interviews, paged while they change
def page_while_changing(api, path, job, seeded, *, cancels, bookings):
    """Pages through `path` 7 at a time; after each page, cancels one of `seeded` and books two
    new interviews: one after every seeded interview (so after any page read so far: it must
    appear) and one before them all (before the pages: it must not)."""
    late_slot = create_slot(api, job, starts_in=timedelta(days=3), capacity=100)
    early_slot = create_slot(api, job, starts_in=timedelta(days=1), capacity=100)
    to_cancel = sorted(seeded)[:: len(seeded) // cancels]
    cancelled: list[str] = []
    booked_late: list[str] = []
    booked_early: list[str] = []

    def meanwhile():
        if to_cancel:
            cancelled.append(to_cancel.pop())
            assert api.post(f"/jobs/{job}/interviews/{cancelled[-1]}/cancel").status == 200
        if len(booked_late) < bookings:
            booked_late.append(book_interview(api, job, create_candidate(api, job), late_slot))
            booked_early.append(book_interview(api, job, create_candidate(api, job), early_slot))

    seen = page_through(api, path, limit=7, between_pages=meanwhile)
    ids = [item["interview_id"] for item in seen]

    assert not to_cancel and len(booked_late) == bookings, "the changes did not all happen while paging"
    assert len(ids) == len(set(ids)), "an interview was listed twice"
    assert [order_key(i) for i in seen] == sorted(order_key(i) for i in seen)
    assert seeded <= set(ids), "an interview that existed throughout was skipped"
    assert set(booked_late) <= set(ids)
    assert not set(booked_early) & set(ids)
    return ids


def test_a_thousand_interviews_page_exactly_once_in_order_while_bookings_and_cancels_happen(api, job):
    slots = [create_slot(api, job, starts_in=timedelta(days=2, hours=h), capacity=100) for h in range(10)]
    # 100 interviews at each of 10 times: within a time, the id decides the order.
    seeded = {i.interview_id for i in seed_interviews("org-a", job, slots, per_slot=100)}

    ids = page_while_changing(api, f"/jobs/{job}/interviews", job, seeded, cancels=40, bookings=20)

    assert len(ids) == 1020


def test_the_organisations_list_pages_exactly_once_while_bookings_and_cancels_happen(api, job):
    slots = [create_slot(api, job, starts_in=timedelta(days=2, hours=h), capacity=100) for h in range(4)]
    seeded = {i.interview_id for i in seed_interviews("org-a", job, slots, per_slot=50)}
    other_org = api.as_org("org-b")
    other_job = create_job(other_org)
    foreign = [
        book_interview(
            other_org, other_job, create_candidate(other_org, other_job), create_slot(other_org, other_job)
        )
        for _ in range(3)
    ]
    another_job = create_job(api)
    elsewhere = book_interview(
        api, another_job, create_candidate(api, another_job), create_slot(api, another_job)
    )

    ids = page_while_changing(api, "/interviews", job, seeded, cancels=20, bookings=10)

    assert elsewhere in ids
    assert not set(foreign) & set(ids)


def test_a_scheduled_only_list_keeps_every_interview_that_stayed_scheduled(api, job):
    slots = [create_slot(api, job, starts_in=timedelta(days=2, hours=h), capacity=100) for h in range(3)]
    seeded = {i.interview_id for i in seed_interviews("org-a", job, slots, per_slot=40)}
    to_cancel = sorted(seeded)[::6]
    cancelled = []

    def meanwhile():
        if to_cancel:
            cancelled.append(to_cancel.pop(0))
            assert api.post(f"/jobs/{job}/interviews/{cancelled[-1]}/cancel").status == 200

    seen = page_through(api, f"/jobs/{job}/interviews", 9, {"status": "SCHEDULED"}, between_pages=meanwhile)
    ids = [item["interview_id"] for item in seen]

    assert len(ids) == len(set(ids))
    assert seeded - set(cancelled) <= set(ids)
    assert {item["status"] for item in seen} == {"SCHEDULED"}


def test_an_incremental_sync_sees_every_interview_as_it_last_changed(api, job):
    since = datetime.now(UTC) - timedelta(seconds=1)
    slots = [create_slot(api, job, starts_in=timedelta(days=2, hours=h), capacity=100) for h in range(2)]
    seeded = {i.interview_id for i in seed_interviews("org-a", job, slots, per_slot=30)}
    to_cancel = sorted(seeded)[:10]
    cancelled = []

    def meanwhile():
        if to_cancel:
            cancelled.append(to_cancel.pop())
            assert api.post(f"/jobs/{job}/interviews/{cancelled[-1]}/cancel").status == 200

    seen = page_through(api, "/interviews", 8, {"updated_after": since.isoformat()}, between_pages=meanwhile)

    last_seen = {item["interview_id"]: item for item in seen}
    assert set(last_seen) == seeded
    # A change moves the interview to the end of this order: its last sighting is its latest state.
    assert {last_seen[c]["status"] for c in cancelled} == {"CANCELLED"}
    changes = [(i["updated_at"], i["interview_id"]) for i in seen]
    assert changes == sorted(set(changes)), "not in order of change, or a change listed twice"


def test_updated_after_lists_what_changed_since_cancelled_ones_included(api, job):
    first = book_interview(api, job, create_candidate(api, job), create_slot(api, job))
    unchanged = book_interview(api, job, create_candidate(api, job), create_slot(api, job))
    since = datetime.now(UTC)
    api.post(f"/jobs/{job}/interviews/{first}/cancel")
    later = book_interview(api, job, create_candidate(api, job), create_slot(api, job))

    items = api.get("/interviews", query={"updated_after": since.isoformat()}).body["items"]

    assert [(i["interview_id"], i["status"]) for i in items] == [(first, "CANCELLED"), (later, "SCHEDULED")]
    assert unchanged not in {i["interview_id"] for i in items}


# ---------------------------------------------------------------- filters
def test_a_jobs_interviews_filter_by_status_time_and_candidate(api, job):
    near, far = (
        create_slot(api, job, timedelta(days=1), capacity=5),
        create_slot(api, job, timedelta(days=5), capacity=5),
    )
    ada = create_candidate(api, job)
    ada_interview = book_interview(api, job, ada, near)
    grace_interview = book_interview(api, job, create_candidate(api, job, email="g@example.com"), far)
    cancelled = book_interview(api, job, create_candidate(api, job, email="c@example.com"), far)
    api.post(f"/jobs/{job}/interviews/{cancelled}/cancel")
    middle = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    path = f"/jobs/{job}/interviews"

    def ids(**query):
        response = api.get(path, query={k.rstrip("_"): v for k, v in query.items()})
        assert response.status == 200, response.body
        return [i["interview_id"] for i in response.body["items"]]

    assert ids() == [ada_interview, *sorted([grace_interview, cancelled])]
    assert ids(status="CANCELLED") == [cancelled]
    assert ids(status="SCHEDULED", from_=middle) == [grace_interview]
    assert ids(to=middle) == [ada_interview]
    assert ids(candidate_id=ada) == [ada_interview]
    assert ids(candidate_id=ada, from_=middle) == []


def test_a_time_range_takes_its_start_and_leaves_out_its_end(api, job):
    slot_id = create_slot(api, job)
    interview_id = book_interview(api, job, create_candidate(api, job), slot_id)
    at = Interview.get(interview_id).scheduled_at.isoformat()
    path = f"/jobs/{job}/interviews"

    assert [i["interview_id"] for i in api.get(path, query={"from": at}).body["items"]] == [interview_id]
    assert api.get(path, query={"to": at}).body["items"] == []
    assert api.get(path, query={"from": at, "to": at}).body["items"] == []


def test_jobs_and_candidates_are_listed_in_creation_order_for_their_organisation_only(api):
    jobs = [create_job(api, job_title=f"Job {n}") for n in range(5)]
    create_job(api.as_org("org-b"))
    candidates = [create_candidate(api, jobs[0], email=f"c{n}@example.com") for n in range(4)]

    listed_jobs = page_through(api, "/jobs", 2)
    listed_candidates = page_through(api, f"/jobs/{jobs[0]}/candidates", 3)

    assert [j["job_id"] for j in listed_jobs] == jobs
    assert [c["candidate_id"] for c in listed_candidates] == candidates
    assert "resume_text" not in listed_candidates[0]
    assert page_through(api, f"/jobs/{jobs[1]}/candidates", 3) == []


@pytest.mark.parametrize("path", ["/jobs/{job}/interviews", "/jobs/{job}/candidates", "/jobs/{job}/slots"])
def test_another_organisations_job_lists_are_not_found(api, job, path):
    book_interview(api, job, create_candidate(api, job), create_slot(api, job))

    response = api.as_org("org-b").get(path.format(job=job))

    assert response.status == 404
    assert response.body["reason"] == "job_not_found"


# ---------------------------------------------------------------- one request per page
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/interviews", {}),
        ("/interviews", {"status": "SCHEDULED"}),
        ("/interviews", {"updated_after": "2000-01-01T00:00:00Z"}),
        ("/jobs/{job}/interviews", {}),
        ("/jobs/{job}/interviews", {"status": "SCHEDULED", "from": "2000-01-01T00:00:00Z"}),
        ("/jobs/{job}/interviews", {"candidate_id": "{candidate}"}),
        ("/jobs", {}),
        ("/jobs/{job}/candidates", {}),
        ("/jobs/{job}/slots", {}),
        ("/jobs/{job}/slots", {"available": "true"}),
    ],
)
def test_each_page_is_one_dynamodb_request(api, job, path, query):
    slots = [create_slot(api, job, starts_in=timedelta(days=2, hours=h), capacity=100) for h in range(4)]
    seeded = seed_interviews("org-a", job, slots, per_slot=3)
    for n in range(4):
        create_job(api, job_title=f"Job {n}")
    path = path.format(job=job)
    query = {k: v.format(candidate=seeded[0].candidate_id) for k, v in query.items()}
    pages, cursor = 0, None
    while True:
        with dynamodb_requests() as requests:
            response = api.get(path, query={**query, "limit": "2", **({"cursor": cursor} if cursor else {})})
        assert response.status == 200, response.body
        assert response.body["items"]
        assert dict(requests) == {"Query": 1}
        pages += 1
        cursor = response.body["next_cursor"]
        if cursor is None:
            break
    assert pages >= 1


def test_an_empty_first_page_of_a_job_also_reads_the_job(api, job):
    with dynamodb_requests() as requests:
        response = api.get(f"/jobs/{job}/interviews")

    assert (response.status, response.body["items"]) == (200, [])
    assert dict(requests) == {"Query": 1, "GetItem": 1}


# ---------------------------------------------------------------- cursors are bound to their query
def first_cursor(api, path, query=None):
    response = api.get(path, query={"limit": "1", **(query or {})})
    assert response.status == 200, response.body
    assert response.body["next_cursor"], "the list has one page only"
    return response.body["next_cursor"]


@pytest.fixture
def two_booked(api, job):
    slot_id = create_slot(api, job, capacity=3)
    for n in range(2):
        book_interview(api, job, create_candidate(api, job, email=f"c{n}@example.com"), slot_id)
    return job


@pytest.mark.parametrize(
    ("made_with", "used_with"),
    [
        ({}, {"status": "SCHEDULED"}),
        ({"status": "SCHEDULED"}, {"status": "CANCELLED"}),
        ({}, {"from": "2000-01-01T00:00:00Z"}),
        ({"from": "2000-01-01T00:00:00Z"}, {"from": "2000-01-02T00:00:00Z"}),
    ],
)
def test_a_cursor_used_with_other_filters_is_refused(api, two_booked, made_with, used_with):
    path = f"/jobs/{two_booked}/interviews"
    cursor = first_cursor(api, path, made_with)

    response = api.get(path, query={**used_with, "cursor": cursor})

    assert response.status == 400
    assert response.body["reason"] == "invalid_cursor"


def test_a_cursor_used_by_another_organisation_or_on_another_list_is_refused(api, two_booked):
    cursor = first_cursor(api, "/interviews")
    other_org = api.as_org("org-b")

    assert other_org.get("/interviews", query={"cursor": cursor}).status == 400
    assert api.get(f"/jobs/{two_booked}/interviews", query={"cursor": cursor}).status == 400
    assert api.get(f"/jobs/{two_booked}/slots", query={"cursor": cursor}).status == 400
    # The same cursor on its own query goes on.
    assert api.get("/interviews", query={"cursor": cursor, "limit": "1"}).status == 200


def test_a_tampered_cursor_is_refused(api, two_booked):
    cursor = first_cursor(api, "/interviews")
    body, _, checksum = cursor.partition(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]

    for tampered in (f"{flipped}.{checksum}", body, f"{body}.", "x" * 200, "é", cursor + "A"):
        response = api.get("/interviews", query={"cursor": tampered})
        assert response.status == 400, tampered
        assert response.body["reason"] == "invalid_cursor"


# ---------------------------------------------------------------- bad input is a 4xx with a reason
@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5", ""])
@pytest.mark.parametrize("path", ["/interviews", "/jobs", "/jobs/{job}/interviews", "/jobs/{job}/slots"])
def test_a_limit_outside_1_to_100_is_refused(api, job, path, limit):
    response = api.get(path.format(job=job), query={"limit": limit})

    assert response.status == 422
    assert response.body["reason"] == "invalid_request"
    assert response.body["errors"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ({"from": "2030-02-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"}, 422, "invalid_time_range"),
        ({"from": "2030-01-01T00:00:00"}, 422, "invalid_request"),  # no offset: no instant
        ({"from": "yesterday"}, 422, "invalid_request"),
        ({"to": "9999-12-31T23:00:00-05:00"}, 422, "invalid_time"),
        ({"status": "POSTPONED"}, 422, "invalid_request"),
        ({"updated_after": "2030-01-01T00:00:00Z", "status": "SCHEDULED"}, 422, "unsupported_filters"),
        (
            {"updated_after": "2030-01-01T00:00:00Z", "from": "2030-01-01T00:00:00Z"},
            422,
            "unsupported_filters",
        ),
        ({"cursor": "c" * 1025}, 422, "invalid_request"),
    ],
)
def test_bad_list_filters_are_refused_with_a_reason(api, query, status, reason):
    response = api.get("/interviews", query=query)

    assert response.status == status
    assert response.body["reason"] == reason


def test_a_candidate_filter_takes_no_status(api, job):
    response = api.get(f"/jobs/{job}/interviews", query={"candidate_id": "c1", "status": "SCHEDULED"})

    assert response.status == 422
    assert response.body["reason"] == "unsupported_filters"

"""Jobs, candidates, resume uploads and slots through real API Gateway events against moto."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support.catalog import create_candidate, create_job, create_slot

# Dates a year ahead: inside the booking horizon whenever the tests run.
NEXT_YEAR = datetime.now(UTC).year + 1


def _us_spring_forward(year: int) -> date:
    """The second Sunday of March, when US clocks skip 02:00-03:00."""
    first = date(year, 3, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)


def test_a_job_is_created_and_read_back_with_defaults(api):
    job_id = create_job(api, job_description="Build payment APIs")

    job = api.get(f"/jobs/{job_id}")

    assert job.status == 200
    assert job.body["job_title"] == "Backend Engineer"
    assert job.body["coding_language"] == "PYTHON"
    assert job.body["job_description"] == "Build payment APIs"
    assert job.body["candidate_self_service"] == {
        "enabled": True,
        "cutoff_minutes": 24 * 60,
        "max_reschedules": 2,
        "cancellation_reason": "optional",
    }


def test_a_job_keeps_the_candidate_self_service_rules_it_was_given(api):
    rules = {"enabled": False, "cutoff_minutes": 90, "max_reschedules": 0, "cancellation_reason": "required"}
    job_id = create_job(api, candidate_self_service=rules)

    assert api.get(f"/jobs/{job_id}").body["candidate_self_service"] == rules


@pytest.mark.parametrize(
    "rules",
    [
        {"cutoff_minutes": -1},
        {"cutoff_minutes": "60"},
        {"max_reschedules": 11},
        {"enabled": "yes"},
        {"cancellation_reason": "sometimes"},
        {"window": 3},
    ],
)
def test_invalid_self_service_rules_are_refused(api, rules):
    body = {"job_title": "Dev", "company_name": "Acme", "candidate_self_service": rules}
    response = api.post("/jobs", body)

    assert response.status == 422
    assert any("candidate_self_service" in error["loc"] for error in response.body["errors"])


@pytest.mark.parametrize(
    ("body", "bad_field"),
    [
        ({"company_name": "Acme"}, "job_title"),
        ({"job_title": "x" * 201, "company_name": "Acme"}, "job_title"),
        ({"job_title": "Dev", "company_name": "Acme", "coding_language": "COBOL"}, "coding_language"),
        ({"job_title": "Dev", "company_name": "Acme", "salary": 1}, "salary"),
    ],
)
def test_invalid_job_bodies_are_refused_with_the_field_named(api, body, bad_field):
    response = api.post("/jobs", body)

    assert response.status == 422
    assert response.body["reason"] == "invalid_request"
    assert any(bad_field in error["loc"] for error in response.body["errors"])


def test_a_body_that_is_not_json_is_refused(api):
    response = api.request("POST", "/jobs", raw_body="{not json")

    assert response.status == 422


def test_oversized_bodies_are_refused_before_validation(api):
    response = api.post(
        "/jobs", {"job_title": "Dev", "company_name": "Acme", "job_description": "x" * 300_000}
    )

    assert response.status == 413
    assert response.body["reason"] == "body_too_large"


def test_another_organisations_job_reads_as_missing(api):
    job_id = create_job(api)

    response = api.as_org("org-b").get(f"/jobs/{job_id}")

    assert response.status == 404
    assert response.body["reason"] == "job_not_found"


def test_a_token_without_an_organisation_is_refused(api):
    api.org = ""

    assert api.post("/jobs", {"job_title": "Dev", "company_name": "Acme"}).status == 403


def test_ids_that_no_server_could_have_made_are_refused(api):
    response = api.get("/jobs/" + "a" * 65)

    assert response.status == 422


def test_candidates_are_filed_under_a_job_of_the_callers_organisation(api):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, phone="+91 98765 43210", resume_text="Ten years of Go")

    candidate = api.get(f"/jobs/{job_id}/candidates/{candidate_id}")

    assert candidate.status == 200
    assert candidate.body["email"] == "ada@example.com"
    assert candidate.body["has_resume_text"] is True
    assert candidate.body["has_resume_pdf"] is False
    assert api.as_org("org-b").get(f"/jobs/{job_id}/candidates/{candidate_id}").status == 404


def test_a_candidate_under_another_organisations_job_is_refused(api):
    job_id = create_job(api)

    response = api.as_org("org-b").post(
        f"/jobs/{job_id}/candidates", {"full_name": "Eve", "email": "eve@example.com"}
    )

    assert response.status == 404
    assert response.body["reason"] == "job_not_found"


@pytest.mark.parametrize(
    "email",
    ["not-an-email", "a@b", "ada@example.com\r\nBcc: x@y.z", "josé@example.com", "ada@bücher.example"],
)
def test_candidate_emails_are_validated(api, email):
    job_id = create_job(api)

    response = api.post(f"/jobs/{job_id}/candidates", {"full_name": "Ada", "email": email})

    assert response.status == 422


def test_a_resume_upload_is_a_presigned_pdf_post_under_a_server_chosen_key(api, aws):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)

    response = api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume", {})

    assert response.status == 201
    upload = response.body["upload"]
    assert upload["fields"]["key"] == response.body["resume_key"]
    assert response.body["resume_key"].startswith(f"resumes/org-a/{job_id}/{candidate_id}/")
    assert upload["fields"]["Content-Type"] == "application/pdf"
    # A link handed out is not a resume: only what is in S3 counts.
    assert api.get(f"/jobs/{job_id}/candidates/{candidate_id}").body["has_resume_pdf"] is False
    aws.session.client("s3").put_object(
        Bucket=aws.resolver.ref("ResumesBucket"), Key=response.body["resume_key"], Body=b"%PDF-1.7"
    )
    assert api.get(f"/jobs/{job_id}/candidates/{candidate_id}").body["has_resume_pdf"] is True


def test_a_resume_upload_for_an_unknown_candidate_is_refused(api):
    job_id = create_job(api)

    response = api.post(f"/jobs/{job_id}/candidates/nobody/resume", {})

    assert response.status == 404
    assert response.body["reason"] == "candidate_not_found"


def test_a_slot_is_stored_with_its_start_in_utc(api):
    job_id = create_job(api)

    response = api.post(
        f"/jobs/{job_id}/slots",
        {
            "interview_date": f"{NEXT_YEAR}-07-01",
            "start_time": "10:00",
            "end_time": "10:45",
            "timezone": "Asia/Kolkata",
            "ai_interview_type": "technical",
        },
    )

    assert response.status == 201
    assert response.body["starts_at"] == f"{NEXT_YEAR}-07-01T04:30:00Z"
    assert response.body["ends_at"] == f"{NEXT_YEAR}-07-01T05:15:00Z"
    assert (response.body["capacity"], response.body["booked_count"]) == (1, 0)


def test_a_slot_in_a_dst_gap_is_refused(api):
    job_id = create_job(api)

    response = api.post(
        f"/jobs/{job_id}/slots",
        {
            "interview_date": _us_spring_forward(NEXT_YEAR).isoformat(),  # clocks jump from 02:00 to 03:00
            "start_time": "02:30",
            "end_time": "03:30",
            "timezone": "America/New_York",
            "ai_interview_type": "coding",
        },
    )

    assert response.status == 422
    assert response.body["reason"] == "nonexistent_local_time"


@pytest.mark.parametrize(
    "change",
    [
        {"end_time": "09:00"},
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "../../etc/passwd"},
        {"ai_interview_type": "behavioural"},
        {"capacity": 0},
        {"interview_date": "2030-02-30"},
    ],
)
def test_malformed_slots_are_refused(api, change):
    job_id = create_job(api)
    body = {
        "interview_date": "2030-07-01",
        "start_time": "10:00",
        "end_time": "11:00",
        "timezone": "UTC",
        "ai_interview_type": "coding",
        **change,
    }

    assert api.post(f"/jobs/{job_id}/slots", body).status == 422


def test_a_slot_in_the_past_is_refused(api):
    job_id = create_job(api)
    yesterday = datetime.now(UTC) - timedelta(days=1)

    response = api.post(
        f"/jobs/{job_id}/slots",
        {
            "interview_date": yesterday.date().isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "timezone": "UTC",
            "ai_interview_type": "coding",
        },
    )

    assert response.status == 422
    assert response.body["reason"] == "slot_in_past"


def test_available_slots_are_listed_page_by_page(api):
    job_id = create_job(api)
    created = {create_slot(api, job_id, starts_in=timedelta(days=1, minutes=i)) for i in range(5)}
    full_slot = create_slot(api, job_id)
    candidate_id = create_candidate(api, job_id)
    assert (
        api.post(f"/jobs/{job_id}/interviews", {"candidate_id": candidate_id, "slot_id": full_slot}).status
        == 201
    )

    seen: list[str] = []
    token = None
    while True:
        query = {"available": "true", "limit": "2", **({"cursor": token} if token else {})}
        page = api.get(f"/jobs/{job_id}/slots", query=query)
        assert page.status == 200
        assert len(page.body["items"]) <= 2
        seen += [slot["slot_id"] for slot in page.body["items"]]
        token = page.body["next_cursor"]
        if token is None:
            break

    assert set(seen) == created
    assert len(seen) == len(created)
    everything = api.get(f"/jobs/{job_id}/slots", query={"limit": "100"}).body["items"]
    assert full_slot in {slot["slot_id"] for slot in everything}


@pytest.mark.parametrize("token", ["garbage", "eyJ4IjogMX0=", "bnVsbA==", "eyJ4IjogMX0.AAAA"])
def test_forged_page_cursors_are_refused(api, token):
    job_id = create_job(api)

    response = api.get(f"/jobs/{job_id}/slots", query={"cursor": token})

    assert response.status == 400
    assert response.body["reason"] == "invalid_cursor"


def test_slots_of_another_organisations_job_are_not_listed(api):
    job_id = create_job(api)
    create_slot(api, job_id)

    assert api.as_org("org-b").get(f"/jobs/{job_id}/slots").status == 404

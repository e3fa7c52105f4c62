"""GET /jobs/{job_id}/candidates/{candidate_id}/export: everything stored about the candidate,
as the documented model, for a data-subject access request; never a session key or its hash."""

from __future__ import annotations

import json

from interview_scheduling.schemas import CandidateExport, CandidateRecord, InterviewRecord, SessionRecord
from interview_scheduling.session_keys import key_hash
from tests.support.catalog import create_candidate, create_job
from tests.support.erasure_scenario import (
    BOOKING_NOTES,
    ERASED_CANDIDATE,
    RESUME_LINE,
    candidate_with_history,
)


def test_the_export_holds_the_documented_fields_and_the_candidates_data(api, aws, pipeline):
    history = candidate_with_history(api, aws, pipeline)

    response = api.get(f"/jobs/{history.job_id}/candidates/{history.candidate_id}/export")

    assert response.status == 200
    body = response.body
    assert set(body) == set(CandidateExport.model_fields)
    assert set(body["candidate"]) == set(CandidateRecord.model_fields)
    assert {k: body["candidate"][k] for k in ERASED_CANDIDATE} == ERASED_CANDIDATE
    assert RESUME_LINE in body["candidate"]["resume_text"]
    assert body["candidate"]["has_resume_pdf"] is True
    assert [i["interview_id"] for i in body["interviews"]] == [
        history.past_interview,
        history.active_interview,
    ]
    assert all(set(i) == set(InterviewRecord.model_fields) for i in body["interviews"])
    assert [i["status"] for i in body["interviews"]] == ["CANCELLED", "SCHEDULED"]
    assert body["interviews"][1]["booking_notes"] == BOOKING_NOTES
    assert [s["interview_id"] for s in body["sessions"]] == [history.past_interview, history.active_interview]
    assert all(set(s) == set(SessionRecord.model_fields) for s in body["sessions"])
    assert {s["candidate_email"] for s in body["sessions"]} == {ERASED_CANDIDATE["email"]}
    assert {e["kind"]: e["status"] for e in body["sessions"][0]["emails"]} == {
        "invitation-0": "SENT",
        "cancellation-1": "SENT",
    }
    # Each interview's timeline, as the recruiter reads it: the past one booked, then cancelled.
    past = body["interviews"][0]["timeline"]
    assert [(e["kind"], e["by"]) for e in past if e["kind"] in {"booked", "cancelled"}] == [
        ("booked", "recruiter"),
        ("cancelled", "recruiter"),
    ]


def test_the_export_never_holds_a_key(api, aws, pipeline):
    history = candidate_with_history(api, aws, pipeline)

    text = json.dumps(api.get(f"/jobs/{history.job_id}/candidates/{history.candidate_id}/export").body)

    assert history.session_key not in text
    assert key_hash(history.session_key) not in text
    assert "key" not in {name for session in json.loads(text)["sessions"] for name in session}
    assert "key_hash" not in text and "key_generation" not in text


def test_an_export_of_another_organisations_or_an_erased_candidate_is_not_found(api, aws, pipeline):
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id)
    path = f"/jobs/{job_id}/candidates/{candidate_id}/export"

    assert api.as_org("org-b").get(path).status == 404
    assert api.delete(f"/jobs/{job_id}/candidates/{candidate_id}").status == 200
    assert (api.get(path).status, api.get(path).body["reason"]) == (404, "candidate_erased")
    assert api.route_of("GET", path).scopes == ("interviews/read",)

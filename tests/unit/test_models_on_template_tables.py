"""The models read and write the tables exactly as the template creates them."""

from datetime import UTC, datetime

import pytest

from interview_scheduling import models

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def data_environment(aws, monkeypatch):
    aws.use_function_environment(monkeypatch, "CreateSessionFunction")
    return aws


def test_models_round_trip_through_the_template_tables(data_environment):
    models.Job(
        job_id="j1", org_id="o1", job_title="Engineer", company_name="Acme", created_at=NOW, created_key="k"
    ).save()
    models.Candidate(
        job_id="j1",
        candidate_id="c1",
        org_id="o1",
        full_name="Ada",
        email="ada@x.test",
        created_at=NOW,
        job_scope="o1#j1",
        created_key="k",
    ).save()
    models.InterviewSlot(
        job_id="j1",
        slot_id="s1",
        org_id="o1",
        interview_date="2026-12-01",
        start_time="10:00",
        end_time="11:00",
        time_zone="Europe/London",
        starts_at=NOW,
        ends_at=NOW,
        ai_interview_type="coding",
        created_at=NOW,
        job_scope="o1#j1",
        start_key="k",
    ).save()

    assert models.Job.get("j1").job_title == "Engineer"
    assert models.Job.get("j1").coding_language == "PYTHON"
    assert models.Candidate.get("j1", "c1").full_name == "Ada"
    slot = models.InterviewSlot.get("j1", "s1")
    assert (slot.capacity, slot.booked_count, slot.status) == (1, 0, "OPEN")


def test_sessions_are_found_by_key_hash_through_the_template_index(data_environment):
    session = models.InterviewSession(
        interview_id="i1",
        key_hash="h1",
        org_id="o1",
        job_id="j1",
        candidate_id="c1",
        candidate_name="Ada",
        candidate_email="ada@x.test",
        job_title="Engineer",
        company_name="Acme",
        job_description="Job Title: Engineer",
        coding_language="PYTHON",
        interview_type="coding",
        scheduled_at=NOW,
        ends_at=NOW,
        time_zone="UTC",
        language_code="en-IN",
        accent_tld="co.in",
        created_at=NOW,
        updated_at=NOW,
    )
    session.save()

    (found,) = models.InterviewSession.by_key_hash.query("h1")
    assert found.interview_id == "i1"
    assert list(models.InterviewSession.by_key_hash.query("unknown")) == []


def test_a_missing_table_setting_fails_loudly(monkeypatch):
    monkeypatch.delenv("SESSIONS_TABLE", raising=False)
    with pytest.raises(ValueError, match="sessions_table"):
        models.InterviewSession.get("i1")

"""What became of each email, over HTTP against the local runtime: its SES answers as the mailbox
simulator does ("Using the mailbox simulator manually",
https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator)
and publishes the events through the template's configuration set destination and rule, so a
booking's interview shows, within seconds, what SES reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.demo.http_client import ApiClient, ApiResponse
from local_runtime.launcher import RuntimeProcess
from tests.support.slots import slot_body
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

WITHIN_SECONDS = 20.0


def expect(response: ApiResponse, status: int) -> Any:
    assert response.status == status, f"HTTP {response.status}: {response.text()}"
    return response.json()


def book(api: ApiClient, address: str, hours_ahead: int) -> tuple[str, str, str]:
    job_id = expect(api.post("/jobs", {"job_title": "SRE", "company_name": "Example Labs"}), 201)["job_id"]
    candidate_id = expect(
        api.post(f"/jobs/{job_id}/candidates", {"full_name": "Sam Tester", "email": address}), 201
    )["candidate_id"]
    slot = slot_body(datetime.now(UTC) + timedelta(hours=hours_ahead), timedelta(minutes=30))
    slot_id = expect(api.post(f"/jobs/{job_id}/slots", slot), 201)["slot_id"]
    booking = {"candidate_id": candidate_id, "slot_id": slot_id}
    interview_id = expect(api.post(f"/jobs/{job_id}/interviews", booking), 201)["interview_id"]
    return job_id, candidate_id, interview_id


def invitation_once(
    api: ApiClient, job_id: str, interview_id: str, status: str, *, marked: bool = False
) -> dict[str, Any]:
    """The interview once its invitation has `status` (and, if `marked`, the address its mark:
    the entry and the candidate are two writes)."""

    def reached() -> dict[str, Any] | None:
        view = expect(api.get(f"/jobs/{job_id}/interviews/{interview_id}"), 200)
        emails = {e["kind"]: e for e in view["emails"]}
        invitation = emails.get("invitation-0")
        done = invitation and invitation["status"] == status
        return view if done and (view["candidate_email_unreachable"] or not marked) else None

    return eventually(reached, f"invitation {status}", timeout=WITHIN_SECONDS)


def test_a_bounced_address_shows_bounced_with_its_reason(runtime: RuntimeProcess, api: ApiClient) -> None:
    job_id, candidate_id, interview_id = book(api, "bounce@simulator.amazonses.com", hours_ahead=30)

    view = invitation_once(api, job_id, interview_id, "BOUNCED", marked=True)

    (invitation,) = [e for e in view["emails"] if e["kind"] == "invitation-0"]
    delivery = invitation["delivery"]
    assert (delivery["bounce_type"], delivery["bounce_subtype"]) == ("Permanent", "General")
    assert delivery["diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    assert delivery["bounced_at"]
    assert view["candidate_email_unreachable"]["reason"] == "hard_bounce"
    candidate = expect(api.get(f"/jobs/{job_id}/candidates/{candidate_id}"), 200)
    assert candidate["email_unreachable"]["interview_id"] == interview_id


def test_a_complaint_shows_complained(runtime: RuntimeProcess, api: ApiClient) -> None:
    job_id, _, interview_id = book(api, "complaint@simulator.amazonses.com", hours_ahead=31)

    view = invitation_once(api, job_id, interview_id, "COMPLAINED", marked=True)

    (invitation,) = [e for e in view["emails"] if e["kind"] == "invitation-0"]
    assert invitation["delivery"]["complaint_type"] == "abuse"
    assert view["candidate_email_unreachable"]["reason"] == "complaint"


def test_a_successful_delivery_shows_delivered(runtime: RuntimeProcess, api: ApiClient) -> None:
    job_id, _, interview_id = book(api, "success@simulator.amazonses.com", hours_ahead=32)

    view = invitation_once(api, job_id, interview_id, "DELIVERED")

    (invitation,) = [e for e in view["emails"] if e["kind"] == "invitation-0"]
    assert invitation["delivery"]["delivered_at"]
    assert view["candidate_email_unreachable"] is None


def test_a_corrected_address_gets_the_invitation_again(runtime: RuntimeProcess, api: ApiClient) -> None:
    job_id, candidate_id, interview_id = book(api, "bounce+fixme@simulator.amazonses.com", hours_ahead=33)
    invitation_once(api, job_id, interview_id, "BOUNCED", marked=True)

    patched = api.request(
        "PATCH", f"/jobs/{job_id}/candidates/{candidate_id}", {"email": "success@simulator.amazonses.com"}
    )
    assert expect(patched, 200)["email_unreachable"] is None
    # No Idempotency-Key: the request is one resend.
    expect(api.post(f"/jobs/{job_id}/interviews/{interview_id}/resend"), 202)

    def resent() -> dict[str, Any] | None:
        view = expect(api.get(f"/jobs/{job_id}/interviews/{interview_id}"), 200)
        done = [e for e in view["emails"] if e["kind"].startswith("resend-0-") and e["status"] == "DELIVERED"]
        return done[0] if done else None

    eventually(resent, "resent invitation delivered", timeout=WITHIN_SECONDS)


def test_the_runtime_says_what_it_emulates(runtime: RuntimeProcess) -> None:
    log = runtime.log_text()
    assert "SES events (EmailConfigurationSet:" in log
    assert "EmailEventsRule -> EmailEventsFunction" in log
    assert "bounce@, ooto@, complaint@, suppressionlist@simulator.amazonses.com" in log

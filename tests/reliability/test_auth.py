"""Every recruiter route over HTTP through the local runtime: no token, a token signed by a key
the API does not trust, and an expired token are refused with 401; a valid token of another
organisation gets 404 for the first organisation's ids, and changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runtime.demo.http_client import ApiClient, ApiResponse
from local_runtime.launcher import RuntimeProcess
from local_runtime.template import HttpRoute, StackTemplate
from tests.reliability.figures import Figures, scales
from tests.reliability.http_support import new_candidate, new_interview, new_job, new_slot
from tests.support.booking_race import slot_body

pytestmark = pytest.mark.e2e

RECRUITER_ROUTES = [r for r in StackTemplate().http_routes() if r.authorizer is not None]
# A few routes for the quick run: one read and one write of each kind of id.
QUICK_ROUTES = {"GET /jobs/{job_id}", "POST /jobs/{job_id}/interviews", "POST /jobs/{job_id}/slots"}


@dataclass(frozen=True)
class OrgA:
    """Everything organisation A owns; its ids fill every path parameter and body reference."""

    job_id: str
    candidate_id: str
    slot_id: str
    other_slot_id: str
    interview_id: str
    webhook_id: str = "w"

    def path(self, route: HttpRoute) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: str(getattr(self, m.group(1))), route.path)

    def body(self, route: HttpRoute) -> Any:
        """A body that would be accepted, so that only the token decides the answer."""
        if route.method in {"GET", "DELETE"}:
            return None
        bodies: dict[str, Any] = {
            "/jobs": {"job_title": "Intruder", "company_name": "Elsewhere"},
            "/jobs/{job_id}": {"job_title": "Intruder"},
            "/jobs/{job_id}/candidates": {"full_name": "Intruder", "email": "intruder@example.com"},
            "/jobs/{job_id}/candidates/{candidate_id}": {"full_name": "Intruder"},
            "/jobs/{job_id}/candidates/{candidate_id}/resume": {},
            "/jobs/{job_id}/slots": slot_body(1, 777),
            "/jobs/{job_id}/slots/{slot_id}/close": {},
            "/jobs/{job_id}/interviews": {"candidate_id": self.candidate_id, "slot_id": self.slot_id},
            "/jobs/{job_id}/interviews/{interview_id}/cancel": {},
            "/jobs/{job_id}/interviews/{interview_id}/reschedule": {"slot_id": self.other_slot_id},
            "/jobs/{job_id}/interviews/{interview_id}/resend": {},
            "/webhooks": {"url": "http://127.0.0.1:9/hooks", "event_types": ["interview.booked"]},
            "/webhooks/{webhook_id}/test": {},
        }
        return bodies[route.path]


def label(route: HttpRoute) -> str:
    return f"{route.method} {route.path}"


def call(api: ApiClient, org: OrgA, route: HttpRoute, token: str) -> ApiResponse:
    return api.request(route.method, org.path(route), org.body(route), token=token)


def interview_state(api: ApiClient, org: OrgA) -> dict[str, Any]:
    """The interview as its owner sees it, less what the pipeline fills in meanwhile."""
    view = api.get(f"/jobs/{org.job_id}/interviews/{org.interview_id}").json()
    state = {k: v for k, v in view.items() if k not in {"session", "emails", "timeline"}}
    # The timeline's own changes, not the session's and emails' the pipeline adds meanwhile.
    return state | {"history": [e for e in view["timeline"] if e["kind"] not in {"session_created", "email"}]}


@pytest.fixture(scope="module")
def org_a(runtime: RuntimeProcess) -> OrgA:
    api = ApiClient(runtime.info.api_url, runtime.tokens.mint(org_id="org-a"))
    job_id = new_job(api)
    slot_id = new_slot(api, job_id)
    interview_id = new_interview(api, job_id, new_candidate(api, job_id, "booked@example.com"), slot_id)
    # An unbooked candidate and a free slot: another organisation's booking would succeed if allowed.
    free_candidate, free_slot = new_candidate(api, job_id), new_slot(api, job_id)
    # Loopback: the local runtime allows it (nothing listens there; its deliveries just fail).
    webhook = api.post("/webhooks", {"url": "http://127.0.0.1:9/hooks", "event_types": ["interview.booked"]})
    assert webhook.status == 201, webhook.text()
    return OrgA(
        job_id, free_candidate, free_slot, new_slot(api, job_id), interview_id, webhook.json()["webhook_id"]
    )


def routes_for(scale: str) -> list[HttpRoute]:
    return [r for r in RECRUITER_ROUTES if scale == "full" or label(r) in QUICK_ROUTES]


def test_the_suite_knows_every_recruiter_route() -> None:
    # A route added to the template without a body here fails loudly rather than going unchecked.
    ids = OrgA("j", "c", "s", "t", "i")
    assert {label(r) for r in RECRUITER_ROUTES} >= QUICK_ROUTES
    for route in RECRUITER_ROUTES:
        ids.body(route)


@pytest.mark.parametrize("scale", scales(quick="quick", full="full"))
def test_tokens_that_prove_nothing_get_401_on_every_route(
    runtime: RuntimeProcess, org_a: OrgA, figures: Figures, scale: str
) -> None:
    api = ApiClient(runtime.info.api_url)
    tokens = runtime.tokens
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    cases = {
        "no token": "",
        "bad signature": tokens.mint_badly_signed(org_id="org-a"),
        "expired": tokens.mint(org_id="org-a", issued_at=two_hours_ago, expires_in=timedelta(hours=1)),
    }
    # The control: the same claims, validly signed and current, are accepted.
    assert api.get(f"/jobs/{org_a.job_id}", token=tokens.mint(org_id="org-a")).status == 200
    answers: dict[str, Counter[int]] = {case: Counter() for case in cases}
    for route in routes_for(scale):
        for case, token in cases.items():
            response = call(api, org_a, route, token)
            answers[case][response.status] += 1
            assert response.status == 401, f"{case}: {label(route)} answered {response.status}"
            assert response.json() == {"message": "Unauthorized"}
    figures.record(
        f"auth.refused_tokens[{scale}]",
        f"routes={len(routes_for(scale))} " + " ".join(f"{c}={dict(a)}" for c, a in answers.items()),
    )


@pytest.mark.parametrize("scale", scales(quick="quick", full="full"))
def test_another_organisations_ids_are_not_found_and_left_unchanged(
    runtime: RuntimeProcess, org_a: OrgA, figures: Figures, scale: str
) -> None:
    a = ApiClient(runtime.info.api_url, runtime.tokens.mint(org_id="org-a"))
    b = ApiClient(runtime.info.api_url, runtime.tokens.mint(org_id="org-b"))
    # POST /jobs names no id: another organisation's job is simply its own.
    routes = [r for r in routes_for(scale) if "{" in r.path]
    before = interview_state(a, org_a)
    slots_before = a.get(f"/jobs/{org_a.job_id}/slots").json()["items"]

    answers: Counter[int] = Counter()
    for route in routes:
        response = call(b, org_a, route, b.token or "")
        answers[response.status] += 1
        assert response.status == 404, f"{label(route)} answered {response.status}: {response.text()}"

    figures.record(f"auth.other_organisation[{scale}]", f"routes={len(routes)} statuses={dict(answers)}")
    # Not cancelled, not moved, no seat taken, no slot added.
    assert interview_state(a, org_a) == before
    assert a.get(f"/jobs/{org_a.job_id}/slots").json()["items"] == slots_before

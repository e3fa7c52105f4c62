"""Faults around the pipeline, in-process against moto: a resume object that is not there, SES
throttling that lasts a while, and SES (or the email builder) refusing an address or the sender.
Each ends with a session and an email outcome the recruiter can read on GET …/interviews/{id}.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from interview_scheduling import aws_clients
from interview_scheduling.settings import reset_settings
from tests.conftest import LocalStack
from tests.reliability.figures import Figures, scales
from tests.support.api import ApiClient
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import Pipeline, sent_emails

SEND_EMAIL = "before-call.sesv2.SendEmail"


def interview_view(api: ApiClient, job_id: str, interview_id: str) -> dict[str, Any]:
    response = api.get(f"/jobs/{job_id}/interviews/{interview_id}")
    assert response.status == 200, response.body
    return dict(response.body)


def invitation_of(view: dict[str, Any]) -> dict[str, Any]:
    (invitation,) = (e for e in view["emails"] if e["kind"] == "invitation-0")
    return dict(invitation)


@dataclass
class SesHook:
    """A before-call hook on the sesv2 client: answers SendEmail with an error while `refuse` says so."""

    refuse: Callable[[list[str]], str | None]  # the recipients → an SES error code, or None to send
    calls: Counter[str] = field(default_factory=Counter)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        recipients = json.loads(params["body"])["Destination"]["ToAddresses"]
        code = self.refuse(recipients)
        self.calls[code or "sent"] += 1
        if code is not None:
            raise ClientError({"Error": {"Code": code, "Message": "refused by the test"}}, "SendEmail")


@pytest.fixture
def ses_hook(pipeline: Pipeline) -> Iterator[Callable[[SesHook], SesHook]]:
    # After `pipeline`: the function environment is set and the client send_email will use exists.
    events = aws_clients.sesv2().meta.events

    def install(hook: SesHook) -> SesHook:
        events.register(SEND_EMAIL, hook, unique_id="reliability-ses")
        return hook

    yield install
    events.unregister(SEND_EMAIL, unique_id="reliability-ses")


def throttled_for(calls: int) -> Callable[[list[str]], str | None]:
    """SES throttles its first `calls` SendEmail calls, then recovers."""
    made = itertools.count()
    return lambda _recipients: "TooManyRequestsException" if next(made) < calls else None


def book_candidates(api: ApiClient, job_id: str, emails: list[str]) -> list[str]:
    slot_id = create_slot(api, job_id, capacity=len(emails))
    return [book_interview(api, job_id, create_candidate(api, job_id, email=e), slot_id) for e in emails]


# ---------------------------------------------------------------- S3


@pytest.mark.parametrize("bookings", scales(quick=2, full=10))
def test_a_missing_resume_object_still_gives_a_session_and_an_invitation(
    api: ApiClient, aws: LocalStack, pipeline: Pipeline, figures: Figures, bookings: int
) -> None:
    job_id = create_job(api)
    slot_id = create_slot(api, job_id, capacity=bookings)
    s3 = aws.session.client("s3")
    interviews = []
    for n in range(bookings):
        candidate_id = create_candidate(api, job_id, email=f"c{n}@example.com")
        upload = api.post(f"/jobs/{job_id}/candidates/{candidate_id}/resume").body
        # Half are never uploaded; half are uploaded, then gone before the session is made.
        if n % 2:
            bucket = aws.resolver.ref("ResumesBucket")
            s3.put_object(Bucket=bucket, Key=upload["resume_key"], Body=b"%PDF-1.7\n")
            s3.delete_object(Bucket=bucket, Key=upload["resume_key"])
        interviews.append(book_interview(api, job_id, candidate_id, slot_id))

    pipeline.run()

    views = [interview_view(api, job_id, i) for i in interviews]
    extraction = Counter(v["session"]["resume_extraction"] for v in views if v["session"])
    invitations = Counter(invitation_of(v)["status"] for v in views if v["session"])
    figures.record(
        f"faults.s3_object_missing[{bookings}]",
        f"bookings={bookings} sessions={sum(extraction.values())} resume_extraction={dict(extraction)} "
        f"invitations={dict(invitations)}",
    )
    assert extraction == Counter({"missing": bookings})
    assert invitations == Counter({"SENT": bookings})
    assert len(sent_emails()) == bookings


# ---------------------------------------------------------------- SES throttling


@pytest.mark.parametrize("bookings", scales(quick=2, full=10))
def test_ses_throttling_for_a_while_delays_the_invitations_and_loses_none(
    api: ApiClient,
    pipeline: Pipeline,
    ses_hook: Callable[[SesHook], SesHook],
    figures: Figures,
    bookings: int,
) -> None:
    job_id = create_job(api)
    interviews = book_candidates(api, job_id, [f"c{n}@example.com" for n in range(bookings)])
    # SES throttles the first attempt of every invitation and the retry of half of them.
    throttled_calls = bookings + bookings // 2
    hook = ses_hook(SesHook(throttled_for(throttled_calls)))
    while_throttled: list[Counter[str]] = []

    def look(_delay: float) -> None:
        views = [invitation_of(interview_view(api, job_id, i)) for i in interviews]
        while_throttled.append(Counter(f"{v['status']}: {v.get('failure_reason')}" for v in views))

    pipeline.process_stream()
    run = pipeline.deliver_emails_as_lambda(before_retry=look)

    final = Counter(invitation_of(interview_view(api, job_id, i))["status"] for i in interviews)
    figures.record(
        f"faults.ses_throttling[{bookings}]",
        f"bookings={bookings} ses_calls={dict(hook.calls)} send_email_invocations={run.invocations} "
        f"(failed {run.failed_invocations}, parked {len(run.parked)}) invitations={dict(final)} "
        f"emails={len(sent_emails())}",
    )
    # While SES throttles, the recruiter sees why the invitation waits.
    assert while_throttled[0] == Counter({"PENDING: will retry after TooManyRequestsException": bookings})
    assert hook.calls == Counter({"TooManyRequestsException": throttled_calls, "sent": bookings})
    assert final == Counter({"SENT": bookings})
    assert (len(sent_emails()), len(run.parked)) == (bookings, 0)


@pytest.mark.parametrize("bookings", scales(quick=1, full=5))
def test_ses_throttling_past_the_retry_budget_leaves_a_final_outcome(
    api: ApiClient, pipeline: Pipeline, ses_hook: Callable[[SesHook], SesHook], bookings: int
) -> None:
    job_id = create_job(api)
    interviews = book_candidates(api, job_id, [f"c{n}@example.com" for n in range(bookings)])
    ses_hook(SesHook(lambda _: "TooManyRequestsException"))

    pipeline.process_stream()
    run = pipeline.deliver_emails_as_lambda()

    # The last of Lambda's attempts records the failure instead of leaving the email waiting.
    outcomes = Counter(
        f"{invitation['status']}: {invitation['failure_reason']}"
        for invitation in (invitation_of(interview_view(api, job_id, i)) for i in interviews)
    )
    reason = "SES kept failing (TooManyRequestsException); gave up after 3 attempts"
    assert outcomes == Counter({f"FAILED: {reason}": bookings})
    assert (len(run.parked), sent_emails()) == (0, [])


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("bookings", scales(quick=3, full=12))
def test_refused_addresses_are_recorded_as_failed_with_the_reason(
    api: ApiClient,
    pipeline: Pipeline,
    ses_hook: Callable[[SesHook], SesHook],
    figures: Figures,
    bookings: int,
) -> None:
    # Half are refused by SES (as its sandbox refuses unverified recipients), half are fine.
    # (Addresses no invitation could be built for, non-ASCII ones, are refused by the API itself.)
    addresses = [(f"bounce{n}@example.com", f"ok{n}@example.com")[n % 2] for n in range(bookings)]
    ses_hook(SesHook(lambda to: "MessageRejected" if to[0].startswith("bounce") else None))
    job_id = create_job(api)
    interviews = book_candidates(api, job_id, addresses)

    pipeline.run(deliveries=2)

    outcomes: Counter[str] = Counter()
    for address, interview_id in zip(addresses, interviews, strict=True):
        invitation = invitation_of(interview_view(api, job_id, interview_id))
        outcomes[f"{invitation['status']}: {invitation.get('failure_reason')}"] += 1
        if address.startswith("bounce"):
            assert (invitation["status"], invitation["failure_reason"]) == (
                "FAILED",
                "SES refused: MessageRejected",
            )
        else:
            assert invitation["status"] == "SENT"
    figures.record(f"faults.refused_addresses[{bookings}]", dict(outcomes))
    assert len(sent_emails()) == bookings // 2


@pytest.mark.parametrize("bookings", scales(quick=1, full=5))
def test_a_sender_ses_refuses_is_recorded_as_failed_with_the_reason(
    api: ApiClient, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, figures: Figures, bookings: int
) -> None:
    # moto's SES, like SES, refuses a sender that is not a verified identity.
    monkeypatch.setenv("SENDER_EMAIL", "unverified@elsewhere.test")
    reset_settings()
    job_id = create_job(api)
    interviews = book_candidates(api, job_id, [f"c{n}@example.com" for n in range(bookings)])

    pipeline.run(deliveries=2)

    outcomes: Counter[str] = Counter()
    for interview_id in interviews:
        invitation = invitation_of(interview_view(api, job_id, interview_id))
        outcomes[f"{invitation['status']}: {invitation['failure_reason']}"] += 1
    figures.record(f"faults.refused_sender[{bookings}]", dict(outcomes))
    assert outcomes == Counter({"FAILED: SES refused: MessageRejected": bookings})
    assert sent_emails() == []

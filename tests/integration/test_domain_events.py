"""Domain events from a real booking, on the bus and out to webhooks: in order, with stable ids,
valid by their schemas, without personal data, only to the organisation's own webhooks, and
signed as Standard Webhooks says on every attempt (verified with its own library)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from standardwebhooks.webhooks import Webhook

from interview_scheduling import clock
from interview_scheduling.webhook_delivery import DISABLE_AFTER, LAST_ATTEMPT, RETRY_DELAYS
from local_runtime.template import LOCAL_REGION
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.event_schemas import problems
from tests.support.pipeline import sent_emails, session_key_of
from tests.support.receiver import receiving

RESUME = "Built Kafka pipelines at Initech"


def booked(api: Any, pipeline: Any, **candidate: Any) -> tuple[str, str]:
    job_id = create_job(api)
    candidate_id = create_candidate(api, job_id, resume_text=RESUME, **candidate)
    interview_id = book_interview(api, job_id, candidate_id, create_slot(api, job_id))
    pipeline.run()
    return job_id, interview_id


def register(api: Any, url: str, types: list[str] | None = None) -> dict[str, Any]:
    response = api.post("/webhooks", {"url": url, "event_types": types or ["interview.booked"]})
    assert response.status == 201, response.body
    return dict(response.body)


def test_a_booking_puts_booked_session_created_and_email_sent_on_the_bus_in_order(
    api, pipeline, domain_events
):
    _, interview_id = booked(api, pipeline)
    records = domain_events.publish()
    events = domain_events.bus_events()
    details = [event["detail"] for event in events]
    types = [detail["type"] for detail in details]
    assert types == ["interview.booked", "session.created", "email.sent"]
    assert [event["detail-type"] for event in events] == types
    assert {event["source"] for event in events} == {"interview-scheduling"}
    assert all(detail["data"]["interview_id"] == interview_id for detail in details)
    assert {detail["org_id"] for detail in details} == {"org-a"}
    for detail in details:
        assert problems(detail) == [], detail["type"]

    # Lambda delivers the same records again: the same events, with the same ids.
    for table_id in ("InterviewsTable", "SessionsTable"):
        again = [r for r in records if r["eventSourceARN"] == domain_events.stream_arns[table_id]]
        assert domain_events.run(again) == {"batchItemFailures": []}
    repeated = domain_events.bus_events()
    assert [e["detail"]["id"] for e in repeated] == [d["id"] for d in details]
    assert len({d["id"] for d in details}) == 3


def test_no_event_carries_the_name_the_address_the_resume_or_the_key(api, pipeline, domain_events):
    job_id, interview_id = booked(api, pipeline, full_name="Grace Hopper", email="grace@example.com")
    key = session_key_of(sent_emails()[-1])
    assert (
        api.post(f"/jobs/{job_id}/interviews/{interview_id}/cancel", {"reason": "position filled"}).status
        == 200
    )
    pipeline.run()
    domain_events.publish()
    text = json.dumps(domain_events.bus_events())
    assert "interview.cancelled" in text and "position filled" in text
    for secret in ("Grace", "Hopper", "grace@example.com", "Kafka", key):
        assert secret not in text


def test_an_event_of_one_organisation_reaches_only_its_own_webhooks(api, pipeline, domain_events):
    with receiving() as ours, receiving() as theirs, receiving() as other_type:
        register(api, ours.url)
        register(api, other_type.url, ["email.bounced"])
        register(api.as_org("org-b"), theirs.url)
        booked(api, pipeline)
        domain_events.publish()
        (delivered,) = domain_events.route(
            [e for e in domain_events.bus_events() if e["detail"]["type"] == "interview.booked"]
        )
        assert [a["result"] for a in domain_events.deliver(delivered)["attempted"]] == ["delivered"]
    assert len(ours.received) == 1
    assert theirs.received == []
    assert other_type.received == []  # subscribed to another type
    assert json.loads(ours.received[0].body)["org_id"] == "org-a"


def test_a_receiver_that_fails_twice_gets_the_same_id_three_times_each_signed_afresh(
    api, pipeline, domain_events, monkeypatch
):
    real_now = datetime.now(UTC)
    # Each attempt at its own moment (within the 5 minutes a receiver tolerates), as time passes.
    moments = [real_now - timedelta(seconds=60), real_now - timedelta(seconds=30), real_now]
    moment = [moments[0]]
    with receiving([500, 500]) as receiver:
        subscription = register(api, receiver.url)
        booked(api, pipeline)
        domain_events.publish()
        (event,) = domain_events.route(
            [e for e in domain_events.bus_events() if e["detail"]["type"] == "interview.booked"]
        )
        monkeypatch.setattr(clock, "now", lambda: moment[0])
        assert domain_events.deliver(event)["attempted"][0]["result"] == "retrying"
        (second,) = domain_events.retries()
        moment[0] = moments[1]
        assert domain_events.fire(second)["attempted"][0]["result"] == "retrying"
        (third,) = domain_events.retries()
        moment[0] = moments[2]
        assert domain_events.fire(third)["attempted"][0]["result"] == "delivered"
        assert domain_events.retries() == []
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids == [event["detail"]["id"]] * 3
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert stamps == sorted(set(stamps))  # a new timestamp, so a new signature, for every attempt
    assert len({r.headers["webhook-signature"] for r in receiver.received}) == 3
    for request in receiver.received:
        assert Webhook(subscription["secret"]).verify(request.body, request.headers)["id"] == ids[0]
    # Scheduled as RETRY_DELAYS say: the second attempt 5 s after the first, the third 5 min after that.
    assert second["ScheduleExpression"] == f"at({moments[0] + RETRY_DELAYS[0]:%Y-%m-%dT%H:%M:%S})"
    assert third["ScheduleExpression"] == f"at({moments[1] + RETRY_DELAYS[1]:%Y-%m-%dT%H:%M:%S})"
    (listed,) = api.get("/webhooks").body["items"]
    assert listed["failing_since"] is None and listed["last_success_at"] is not None
    assert "secret" not in listed


def test_410_deletes_the_subscription(api, pipeline, domain_events):
    with receiving(then=410) as receiver:
        register(api, receiver.url)
        booked(api, pipeline)
        domain_events.publish()
        (event,) = domain_events.route(
            [e for e in domain_events.bus_events() if e["detail"]["type"] == "interview.booked"]
        )
        assert domain_events.deliver(event)["attempted"][0]["result"] == "gone"
    assert api.get("/webhooks").body["items"] == []
    assert domain_events.retries() == []


def test_after_the_last_attempt_the_delivery_is_parked_and_after_three_days_the_webhook_is_disabled(
    api, pipeline, domain_events, monkeypatch, aws
):
    with receiving(then=503) as receiver:
        register(api, receiver.url)
        booked(api, pipeline)
        domain_events.publish()
        (event,) = domain_events.route(
            [e for e in domain_events.bus_events() if e["detail"]["type"] == "interview.booked"]
        )
        started = datetime.now(UTC)
        monkeypatch.setattr(clock, "now", lambda: started)
        assert domain_events.deliver(event)["attempted"][0]["result"] == "retrying"
        for attempt in range(2, LAST_ATTEMPT + 1):
            (retry,) = domain_events.retries()
            assert json.loads(retry["Target"]["Input"])["attempt"] == attempt
            result = domain_events.fire(retry)["attempted"][0]["result"]
        assert result == "gave_up"
        assert len(receiver.received) == LAST_ATTEMPT
        sqs = boto3.client("sqs", region_name=LOCAL_REGION)
        queue = aws.resolver.ref("WebhookFailuresQueue")
        (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        parked = json.loads(message["Body"])
        assert (parked["attempts"], parked["last_answer"]) == (LAST_ATTEMPT, "HTTP 503")
        assert parked["event"]["id"] == event["detail"]["id"]
        (listed,) = api.get("/webhooks").body["items"]
        assert listed["enabled"] and listed["last_failure"].startswith("HTTP 503")

        # Still failing three days after its first failure: disabled, and GET says why.
        monkeypatch.setattr(clock, "now", lambda: started + DISABLE_AFTER)
        assert domain_events.deliver(event)["attempted"][0]["result"] == "gave_up"
    (listed,) = api.get("/webhooks").body["items"]
    assert listed["enabled"] is False
    assert "every delivery failed since" in listed["disabled_reason"]
    # A disabled webhook is sent nothing more.
    assert domain_events.deliver(event)["attempted"] == []


def test_the_routes_register_list_test_and_delete_each_organisations_own(api, domain_events):
    with receiving() as receiver:
        created = register(api, receiver.url, ["interview.booked", "email.bounced"])
        assert created["secret"].startswith("whsec_")
        webhook_id = created["webhook_id"]
        tested = api.post(f"/webhooks/{webhook_id}/test")
        assert tested.status == 200 and tested.body["delivered"] and tested.body["status_code"] == 200
    (ping,) = receiver.received
    assert Webhook(created["secret"]).verify(ping.body, ping.headers)["type"] == "webhook.test"
    other = api.as_org("org-b")
    assert other.get("/webhooks").body["items"] == []
    assert other.post(f"/webhooks/{webhook_id}/test").status == 404
    assert other.request("DELETE", f"/webhooks/{webhook_id}").status == 404
    assert api.request("DELETE", f"/webhooks/{webhook_id}").status == 200
    assert api.get("/webhooks").body["items"] == []


@pytest.mark.parametrize(
    ("url", "types"),
    [
        ("http://receiver.example/hook", ["interview.booked"]),  # not https
        ("https://127.0.0.1/hook", ["interview.booked"]),  # not a public address
        ("https://receiver.example/hook", ["webhook.test"]),  # not an event of the bus
        ("https://receiver.example/hook", []),
    ],
)
def test_in_aws_a_webhook_must_be_https_to_a_public_address_and_name_published_types(api, url, types):
    response = api.post("/webhooks", {"url": url, "event_types": types})
    assert response.status == 422


def _refusing_put_events(monkeypatch: pytest.MonkeyPatch, refused_interview: str | None) -> None:
    """EventBridge refuses every entry about `refused_interview` (None: every entry)."""
    from interview_scheduling import aws_clients

    client = aws_clients.events()
    original = client.put_events

    def refused(entry: dict[str, Any]) -> bool:
        interview = json.loads(entry["Detail"])["data"]["interview_id"]
        return refused_interview is None or interview == refused_interview

    def put_events(**arguments: Any) -> Any:
        # As EventBridge answers: an entry each, in order, a refused one with its error code.
        entries = arguments["Entries"]
        accepted = [entry for entry in entries if not refused(entry)]
        put = iter(original(Entries=accepted)["Entries"] if accepted else [])
        answers = [{"ErrorCode": "InternalFailure"} if refused(entry) else next(put) for entry in entries]
        return {"FailedEntryCount": len(entries) - len(accepted), "Entries": answers}

    monkeypatch.setattr(client, "put_events", put_events)


def test_a_record_whose_events_are_refused_fails_alone_and_holds_back_its_interviews_later_records(
    api, pipeline, domain_events, monkeypatch
):
    job_id, refused = booked(api, pipeline)
    _, accepted = booked(api, pipeline)
    assert api.post(f"/jobs/{job_id}/interviews/{refused}/cancel").status == 200
    records = domain_events.new_records("InterviewsTable")
    of_refused = [r for r in records if r["dynamodb"]["Keys"]["interview_id"]["S"] == refused]
    assert len(of_refused) >= 2  # booked, then cancelled
    _refusing_put_events(monkeypatch, refused)
    answer = domain_events.run(records)
    # Only the first of its records is reported: Lambda retries from there, the cancel after it.
    assert answer == {"batchItemFailures": [{"itemIdentifier": of_refused[0]["dynamodb"]["SequenceNumber"]}]}
    published = [e["detail"] for e in domain_events.bus_events()]
    assert {d["data"]["interview_id"] for d in published} == {accepted}


def test_a_batch_whose_every_record_fails_fails_the_invocation(api, pipeline, domain_events, monkeypatch):
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    booked(api, pipeline)
    # The booking's own record; the session's write-back of the interview's expiry makes no event.
    records = [r for r in domain_events.new_records("InterviewsTable") if r["eventName"] == "INSERT"]
    _refusing_put_events(monkeypatch, None)
    with pytest.raises(BatchProcessingError):
        domain_events.run(records)
    assert domain_events.bus_events() == []

"""scripts/redrive.py for the domain events' and webhooks' failure queues, against moto in-process:
a domain_events stream batch read again and its events put with the ids they had; a webhook
delivery that ran out of attempts given one more once the receiver works, and kept, not parked
twice, while it does not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from interview_scheduling import event_bus, webhook_delivery
from interview_scheduling.settings import reset_settings
from local_runtime.streams.batches import stream_failure_record
from scripts.capture_events import handler_of
from scripts.redrive import EVENTS, WEBHOOK, WEBHOOK_LAST_ATTEMPT, Invocation, Redrive, local_targets
from tests.integration.test_redrive import failing, messages_left, send
from tests.support.api import LambdaContextStub
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot
from tests.support.pipeline import invoked
from tests.support.receiver import receiving


@pytest.fixture
def redrive(aws, domain_events, monkeypatch) -> Redrive:
    """Each function invoked in-process with its template environment, as a synchronous invoke;
    webhooks may go to loopback receivers, as in the local runtime."""

    def invoke(function_name: str, payload: dict[str, Any]) -> Invocation:
        aws.use_function_environment(monkeypatch, function_name)
        monkeypatch.setenv("WEBHOOK_ALLOW_LOOPBACK", "true")
        reset_settings()
        handler = handler_of(aws.template, function_name)
        result = invoked(lambda: handler(payload, LambdaContextStub()))
        return Invocation(result.ok, result.json(), "" if result.ok else result.error_summary())

    return Redrive(aws.session, local_targets(aws.session, None), invoke, wait_seconds=0)


def test_the_last_attempt_is_the_one_webhook_delivery_makes_last():
    assert WEBHOOK_LAST_ATTEMPT == webhook_delivery.LAST_ATTEMPT


def booked(api, pipeline) -> None:
    job_id = create_job(api)
    book_interview(api, job_id, create_candidate(api, job_id), create_slot(api, job_id))
    pipeline.run()


def test_a_domain_events_batch_is_read_again_and_its_events_put_with_their_ids(
    api, aws, pipeline, domain_events, redrive
):

    booked(api, pipeline)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(event_bus, "put_groups", failing("EventBridge was unreachable"))
        discarded = domain_events.process_as_lambda("InterviewsTable")
    stream_arn = domain_events.stream_arns["InterviewsTable"]
    (shard,) = aws.session.client("dynamodbstreams").describe_stream(StreamArn=stream_arn)[
        "StreamDescription"
    ]["Shards"]
    for batch in discarded:
        send(
            aws,
            "DomainEventFailuresQueue",
            stream_failure_record(
                batch,
                function_arn=aws.resolver.get_att("DomainEventsFunction", "Arn"),
                shard_id=shard["ShardId"],
                stream_arn=stream_arn,
            ),
        )
    assert domain_events.bus_events() == []

    report = redrive.run([EVENTS])[EVENTS]

    assert (report.redriven, report.kept) == (len(discarded), [])
    (event,) = domain_events.bus_events()
    assert event["detail"]["type"] == "interview.booked"
    assert messages_left(aws, "DomainEventFailuresQueue") == 0


def parked(api, pipeline, domain_events, receiver_url: str) -> dict[str, Any]:
    """A delivery of interview.booked that ran out of attempts, as webhook_delivery parks it."""
    response = api.post("/webhooks", {"url": receiver_url, "event_types": ["interview.booked"]})
    assert response.status == 201
    booked(api, pipeline)
    domain_events.publish()
    (event,) = domain_events.route(
        [e for e in domain_events.bus_events() if e["detail"]["type"] == "interview.booked"]
    )
    return {
        "org_id": "org-a",
        "webhook_id": response.body["webhook_id"],
        "attempts": webhook_delivery.LAST_ATTEMPT,
        "last_answer": "HTTP 503",
        "event": event["detail"],
    }


def test_a_parked_delivery_gets_one_more_attempt_and_is_deleted_once_taken(
    api, aws, pipeline, domain_events, redrive
):
    with receiving() as receiver:
        send(aws, "WebhookFailuresQueue", parked(api, pipeline, domain_events, receiver.url))
        report = redrive.run([WEBHOOK])[WEBHOOK]
    assert (report.redriven, report.kept) == (1, [])
    (request,) = receiver.received
    assert json.loads(request.body)["type"] == "interview.booked"
    assert messages_left(aws, "WebhookFailuresQueue") == 0


def test_a_parked_delivery_refused_again_stays_once_and_is_not_parked_twice(
    api, aws, pipeline, domain_events, redrive
):
    with receiving(then=503) as receiver:
        send(aws, "WebhookFailuresQueue", parked(api, pipeline, domain_events, receiver.url))
        report = redrive.run([WEBHOOK])[WEBHOOK]
    (why,) = report.kept
    assert "refused it again" in why
    assert len(receiver.received) == 1
    assert messages_left(aws, "WebhookFailuresQueue") == 1
    assert domain_events.retries() == []


def test_the_buss_dead_letter_is_the_event_and_goes_to_every_webhook_again(
    api, aws, pipeline, domain_events, redrive
):
    with receiving() as receiver:
        message = parked(api, pipeline, domain_events, receiver.url)
        send(
            aws,
            "WebhookFailuresQueue",
            {"version": "0", "detail-type": "interview.booked", "detail": message["event"]},
        )
        report = redrive.run([WEBHOOK])[WEBHOOK]
    assert (report.redriven, report.kept) == (1, [])
    assert [r.headers["webhook-id"] for r in receiver.received] == [message["event"]["id"]]

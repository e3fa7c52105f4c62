"""Nothing personal where it does not belong: through a whole run of every function (uploads,
bookings, sessions, every kind of email, the candidate's link, a reschedule, an export, failures
that end in the failure queues, an erasure and a retention cascade), no log line the functions
write, no failure-queue message and no event payload holds a candidate's name, email or resume
text, or a session key. Where a log line says who, it says it with ids.

Logs are Powertools' JSON lines as the functions' log groups would receive them (the service
logger, at DEBUG so nothing is held back); the failure-queue messages are the documents Lambda
sends to the on-failure destinations, built by the local runtime's code from what the in-process
Lambda retries gave up on; the event payloads are the send_email invokes, the schedules' input and
every domain event on the bus.
The local runtime's outbox (SES's sent mail here) holds emails by design and is left out.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from botocore.exceptions import ClientError

from interview_scheduling import aws_clients, email_ledger
from interview_scheduling.enums import MessageKind
from interview_scheduling.notifications import EmailRequest
from local_runtime.lambda_.async_invoke import QueuedEvent, async_failure_record
from local_runtime.streams.batches import stream_failure_record
from tests.conftest import SERVICE_NAME
from tests.support.api import LambdaContextStub
from tests.support.catalog import create_slot
from tests.support.erasure_scenario import KEPT_CANDIDATE, candidate_with_history, personal_values
from tests.support.pipeline import Crash, invoked, sent_emails, session_key_of
from tests.support.ttl import deletion_record, ttl_deletion

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """Every line the functions' Powertools loggers write, as JSON, at every level."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(LambdaPowertoolsFormatter())
    service_logger = logging.getLogger(SERVICE_NAME)
    level = service_logger.level
    service_logger.addHandler(handler)
    service_logger.setLevel(logging.DEBUG)
    try:
        yield written
    finally:
        service_logger.removeHandler(handler)
        service_logger.setLevel(level)


def test_logs_queues_and_events_carry_ids_never_personal_data_or_keys(
    api, aws, pipeline, domain_events, service_log
):
    invokes: list[dict[str, Any]] = []
    aws_clients.lambda_().meta.events.register_first(
        "before-call.lambda.Invoke", lambda params, **_: invokes.append(json.loads(params["body"]))
    )
    schedule_inputs: list[str] = []

    def note_schedules(*interview_ids: str) -> None:
        for interview_id in interview_ids:
            schedule_inputs.extend(s["Target"]["Input"] for s in pipeline.schedules(interview_id))

    # Uploads, bookings, sessions, invitations, a cancel and its email, a second candidate.
    history = candidate_with_history(api, aws, pipeline)
    note_schedules(history.active_interview, history.kept_interview)
    keys = session_keys()
    assert api.get(f"/sessions/{history.session_key}").status == 200
    assert api.post(f"/sessions/{history.session_key}/start").status == 200
    (no_show,) = pipeline.schedules(history.active_interview)
    pipeline.fire(no_show, delete=False)
    later = create_slot(api, history.job_id, starts_in=timedelta(minutes=40))
    api.post(f"/jobs/{history.job_id}/interviews/{history.kept_interview}/reschedule", {"slot_id": later})
    pipeline.process_stream()
    note_schedules(history.kept_interview)
    pipeline.deliver_emails()
    keys |= session_keys()
    assert api.get(f"/jobs/{history.job_id}/candidates/{history.candidate_id}/export").status == 200

    # Failures that end in the on-failure queues: a stream batch and an email Lambda gave up on.
    queued = failure_documents(api, pipeline, history)

    # The erasure, and the other candidate's interview reaching the end of its retention.
    assert api.delete(f"/jobs/{history.job_id}/candidates/{history.candidate_id}").status == 200
    pipeline.run()
    pipeline.run_create_session(
        [ttl_deletion(deletion_record(aws, pipeline.stream_arn, history.kept_interview))]
    )

    # The domain events every change of the run made, as the bus holds them.
    for table_id in ("InterviewsTable", "SessionsTable"):
        assert domain_events.run(domain_events.new_records(table_id)) == {"batchItemFailures": []}
    bus = domain_events.bus_events()
    assert {"interview.booked", "email.sent", "candidate.erased"} <= {e["detail-type"] for e in bus}

    logs = service_log.getvalue()
    payloads = json.dumps({"invokes": invokes, "schedules": schedule_inputs, "bus": bus})
    assert history.active_interview in logs and history.candidate_id in logs  # who, by id
    assert invokes and schedule_inputs and queued
    secrets = [*personal_values(), *KEPT_CANDIDATE.values(), *keys]
    assert len(keys) >= 3
    for place, text in (("logs", logs), ("queues", queued), ("events", payloads)):
        assert [secret for secret in secrets if secret in text] == [], place


def session_keys() -> set[str]:
    """The keys in every sent email's link (a cancellation carries none)."""
    keys = set()
    for message in sent_emails():
        body = message.get_body(preferencelist=("plain",))
        if body is not None and "session_key=" in body.get_content():
            keys.add(session_key_of(message))
    return keys


def failure_documents(api, pipeline, history) -> str:
    """What the on-failure queues would receive for a stream batch and an email given up on."""
    from create_session import app as create_session_app
    from send_email.app import handler as send_email

    api.post(f"/jobs/{history.job_id}/interviews/{history.kept_interview}/cancel")

    def crash(interviews: Any) -> Any:
        raise Crash("the function's host was lost")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(create_session_app, "load_batch_context", crash)
        streamed = pipeline.process_stream_as_lambda()
    assert streamed.discarded
    stream_docs = [
        stream_failure_record(
            batch, function_arn="create-session", shard_id="shard-0", stream_arn=pipeline.stream_arn
        )
        for batch in streamed.discarded
    ]

    throttled = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate of requests exceeded"}},
        "UpdateItem",
    )

    def claim(*args: Any) -> Any:
        raise throttled

    request = EmailRequest(interview_id=history.kept_interview, kind=MessageKind.INVITATION, revision=0)
    payload = request.model_dump(mode="json")
    event = QueuedEvent("request-1", json.dumps(payload).encode(), 0.0, attempts=3)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(email_ledger, "claim", claim)
        event.last_result = invoked(partial(send_email, payload, LambdaContextStub()))
    assert not event.last_result.ok
    email_doc = async_failure_record(event, "RetriesExhausted", "send-email")
    pipeline.run()  # the cancel, now that create_session works again
    return json.dumps([*stream_docs, email_doc])

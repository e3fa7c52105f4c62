"""Webhooks over HTTP against the local runtime: a booking's domain events go from the streams
through domain_events onto the stack's bus, through its rule to webhook_delivery, and out to a
receiver on loopback (which the local runtime allows), each signed as Standard Webhooks says;
the runtime's scheduler fires the retry of the one the receiver refused."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from standardwebhooks.webhooks import Webhook

from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess
from tests.e2e.test_delivery import book, expect
from tests.support.receiver import receiving
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

TYPES = ["interview.booked", "session.created", "email.sent", "email.delivered"]


def test_a_booking_reaches_the_webhook_signed_and_a_refused_delivery_is_retried(
    runtime: RuntimeProcess, api: ApiClient
) -> None:
    with receiving([500]) as receiver:
        created = expect(api.post("/webhooks", {"url": receiver.url, "event_types": TYPES}), 201)
        _, _, interview_id = book(api, "webhooks@example.com", hours_ahead=30)

        def all_taken() -> set[str] | None:
            """Every type, and the refused first request retried (the runtime's scheduler fires it)."""
            mine = [json.loads(r.body) for r in receiver.received]
            seen = {body["type"] for body in mine if body["data"]["interview_id"] == interview_id}
            ids = [r.headers["webhook-id"] for r in receiver.received]
            return seen if seen == set(TYPES) and ids and ids.count(ids[0]) == 2 else None

        try:
            eventually(all_taken, "every subscribed event taken by the receiver", timeout=60)
        except AssertionError as error:
            # What did arrive, for whoever reads the failure: ids and types only.
            got = [f"{r.headers['webhook-id']} {json.loads(r.body)['type']}" for r in receiver.received]
            raise AssertionError(f"{error}; received {got}") from None
        # While the receiver still answers: the shared runtime's other interviews in the
        # organisation go on making events, and a receiver gone would fail their deliveries.
        (listed,) = [
            w for w in expect(api.get("/webhooks"), 200)["items"] if w["webhook_id"] == created["webhook_id"]
        ]
        expect(api.request("DELETE", f"/webhooks/{created['webhook_id']}"), 200)
        received = list(receiver.received)
    assert listed["failing_since"] is None and listed["enabled"]
    ids = [r.headers["webhook-id"] for r in received]
    refused = ids[0]
    assert ids.count(refused) == 2  # refused once, then retried with the same id
    # The runtime is shared: an event of another test's interview in the organisation may come
    # too (and be the refused one). This interview's events come once each, the refused one twice.
    mine = Counter(
        r.headers["webhook-id"]
        for r in received
        if json.loads(r.body)["data"]["interview_id"] == interview_id
    )
    assert len(mine) == len(TYPES)
    assert all(count == (2 if event_id == refused else 1) for event_id, count in mine.items())
    for request in received:
        assert (
            Webhook(created["secret"]).verify(request.body, request.headers)["id"]
            == request.headers["webhook-id"]
        )

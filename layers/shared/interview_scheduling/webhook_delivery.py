"""Delivering each domain event to the webhooks that asked for it, until they take it.

The bus's rule hands every event to webhook_delivery, which sends it to each enabled
subscription of the event's organisation that names its type (one Query on that organisation's
partition: an event can reach no other organisation's webhook). Each attempt is signed afresh;
its `webhook-id` is the event id, so a receiver drops repeats.

An answer 2xx is delivered. 410 Gone deletes the subscription. Anything else (another status, a
timeout, no answer, an address no longer allowed) is retried after RETRY_DELAYS, about 24 h in
all, each retry an EventBridge Scheduler one-time schedule with a deterministic name (a repeated
attempt makes no second one); after the last, the delivery is parked in the failure queue. A
subscription whose every attempt has failed for DISABLE_AFTER is disabled, with the reason,
which GET /webhooks shows; a success in between starts the count again.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, timedelta
from enum import StrEnum
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from pynamodb.exceptions import DeleteError, UpdateError

from interview_scheduling import aws_clients, clock, ids, webhooks
from interview_scheduling.domain_events import DomainEvent, event_id
from interview_scheduling.enums import EventType
from interview_scheduling.models import WebhookSubscription
from interview_scheduling.schemas import WebhookTestOut
from interview_scheduling.settings import webhook_retry_settings

# After attempt n fails, attempt n + 1 comes RETRY_DELAYS[n - 1] later: 8 attempts over about 24 h
# (the shape the Standard Webhooks specification suggests).
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=8),
    timedelta(hours=8),
)
LAST_ATTEMPT = len(RETRY_DELAYS) + 1
DISABLE_AFTER = timedelta(days=3)
# Subscriptions of one event attempted at once.
FAN_OUT_WORKERS = 8
RETRY_ACTION: Literal["webhook_retry"] = "webhook_retry"


class Result(StrEnum):
    DELIVERED = "delivered"
    RETRYING = "retrying"
    GAVE_UP = "gave_up"  # parked in the failure queue
    GONE = "gone"  # 410: the subscription was deleted
    FAILED = "failed"  # a redriven delivery that failed again: not parked again (the redrive keeps it)
    SKIPPED = "skipped"  # the subscription is gone or disabled


class RetryFiring(BaseModel):
    """A retry's schedule input: which subscription, which attempt, and the event itself."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["webhook_retry"]
    org_id: str = Field(min_length=1)
    webhook_id: str = Field(min_length=1)
    attempt: int = Field(ge=2, le=LAST_ATTEMPT)
    event: DomainEvent
    # From the redrive of a parked delivery: one more attempt, and no second parking if it fails.
    redrive: bool = False


@dataclass(frozen=True)
class Attempted:
    webhook_id: str
    result: Result
    answer: str | None = None


def fan_out(event: DomainEvent, retry_target: str) -> list[Attempted]:
    """The event's first attempt at each subscription of its organisation that wants it;
    `retry_target` is the function a retry's schedule invokes (this one)."""
    wanted = [
        subscription
        for subscription in webhooks.subscriptions(event.org_id)
        if subscription.enabled and str(event.type) in subscription.event_types
    ]
    if len(wanted) <= 1:
        return [attempt(subscription, event, 1, retry_target) for subscription in wanted]
    with ThreadPoolExecutor(max_workers=min(FAN_OUT_WORKERS, len(wanted))) as pool:
        return list(pool.map(lambda subscription: attempt(subscription, event, 1, retry_target), wanted))


def retry(firing: RetryFiring, retry_target: str) -> Attempted:
    try:
        subscription = WebhookSubscription.get(firing.org_id, firing.webhook_id, consistent_read=True)
    except WebhookSubscription.DoesNotExist:
        return Attempted(firing.webhook_id, Result.SKIPPED)
    if not subscription.enabled:
        return Attempted(firing.webhook_id, Result.SKIPPED)
    return attempt(subscription, firing.event, firing.attempt, retry_target, park=not firing.redrive)


def attempt(
    subscription: WebhookSubscription,
    event: DomainEvent,
    number: int,
    retry_target: str,
    *,
    park: bool = True,
) -> Attempted:
    body = event.body()
    headers = webhooks.signed_headers(
        webhooks.secret_of(subscription.subscription_id), event.id, clock.now(), body
    )
    answer = webhooks.send(subscription.url, headers, body)
    webhook_id = subscription.subscription_id
    if answer.delivered:
        _succeeded(subscription)
        return Attempted(webhook_id, Result.DELIVERED, answer.describe())
    if answer.status == 410:
        _delete(subscription)
        return Attempted(webhook_id, Result.GONE, answer.describe())
    still_enabled = _failed(subscription, answer.describe())
    if still_enabled and number < LAST_ATTEMPT:
        _schedule_retry(subscription, event, number + 1, retry_target)
        return Attempted(webhook_id, Result.RETRYING, answer.describe())
    if not park:
        return Attempted(webhook_id, Result.FAILED, answer.describe())
    _park(subscription, event, number, answer.describe())
    return Attempted(webhook_id, Result.GAVE_UP, answer.describe())


def send_test(org: str, webhook_id: str) -> WebhookTestOut:
    """A `webhook.test` event to one subscription, once, now; its answer is returned, not retried."""
    subscription = webhooks.owned(org, webhook_id)
    now = clock.now()
    event = DomainEvent(
        id=event_id(webhook_id, "test", ids.new_id()),
        type=EventType.WEBHOOK_TEST,
        timestamp=now,
        org_id=org,
        data={"webhook_id": webhook_id},
    )
    body = event.body()
    answer = webhooks.send(
        subscription.url, webhooks.signed_headers(webhooks.secret_of(webhook_id), event.id, now, body), body
    )
    return WebhookTestOut(event_id=event.id, delivered=answer.delivered, status_code=answer.status)


# ---------------------------------------------------------------- the subscription's state
def _exists() -> Any:
    return WebhookSubscription.subscription_id.exists()


def _succeeded(subscription: WebhookSubscription) -> None:
    try:
        subscription.update(
            actions=[
                WebhookSubscription.last_success_at.set(clock.now()),
                WebhookSubscription.failing_since.remove(),
            ],
            condition=_exists(),
        )
    except UpdateError as error:
        if not _condition_failed(error):
            raise


def _failed(subscription: WebhookSubscription, why: str) -> bool:
    """Notes the failure; disables the subscription once it has failed for DISABLE_AFTER.
    Whether it is still enabled (False if it is gone)."""
    now = clock.now()
    try:
        subscription.update(
            actions=[
                WebhookSubscription.failing_since.set(WebhookSubscription.failing_since | now),
                WebhookSubscription.last_failure.set(f"{why} at {now.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"),
            ],
            condition=_exists(),
        )
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    since = subscription.failing_since
    if since is None or now - since < DISABLE_AFTER or not subscription.enabled:
        return subscription.enabled
    reason = f"every delivery failed since {since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ} (last: {why})"
    try:
        subscription.update(
            actions=[WebhookSubscription.enabled.set(False), WebhookSubscription.disabled_reason.set(reason)],
            condition=_exists(),
        )
    except UpdateError as error:
        if not _condition_failed(error):
            raise
    return False


def _delete(subscription: WebhookSubscription) -> None:
    try:
        subscription.delete()
    except DeleteError as error:
        if not _condition_failed(error):
            raise


def _condition_failed(error: UpdateError | DeleteError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


# ---------------------------------------------------------------- retries and the failure queue
def retry_name(webhook_id: str, event: DomainEvent, number: int) -> str:
    return f"wh-{ids.derived_id(webhook_id, event.id)}-{number}"


def _schedule_retry(
    subscription: WebhookSubscription, event: DomainEvent, number: int, retry_target: str
) -> None:
    settings = webhook_retry_settings()
    at = clock.now() + RETRY_DELAYS[number - 2]
    firing = RetryFiring(
        action=RETRY_ACTION,
        org_id=subscription.org_id,
        webhook_id=subscription.subscription_id,
        attempt=number,
        event=event,
    )
    try:
        aws_clients.scheduler().create_schedule(
            Name=retry_name(subscription.subscription_id, event, number),
            GroupName=settings.webhook_retry_group,
            ScheduleExpression=f"at({at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})",
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": retry_target,
                "RoleArn": settings.webhook_scheduler_role_arn,
                "Input": firing.model_dump_json(),
                "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600},
                "DeadLetterConfig": {"Arn": settings.webhook_failures_queue_arn},
            },
            ActionAfterCompletion="DELETE",
        )
    except ClientError as error:
        # A repeated attempt (a redelivered event) finds its retry already made.
        if error.response.get("Error", {}).get("Code") != "ConflictException":
            raise


def _park(subscription: WebhookSubscription, event: DomainEvent, number: int, why: str) -> None:
    """What ran out of attempts (ids and the event, which holds no personal data), for a redrive."""
    message = {
        "org_id": subscription.org_id,
        "webhook_id": subscription.subscription_id,
        "attempts": number,
        "last_answer": why,
        "event": json.loads(event.body()),
    }
    aws_clients.sqs().send_message(
        QueueUrl=webhook_retry_settings().webhook_failures_queue, MessageBody=json.dumps(message)
    )

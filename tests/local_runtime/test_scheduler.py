"""The local scheduler fires moto's stored one-time schedules as EventBridge Scheduler does:
at their `at()` time in their zone, once, through the target's retry policy to its dead-letter
queue, deleting those with ActionAfterCompletion DELETE
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time-schedule-types,
https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from local_runtime.scheduler.poller import ROUNDS_LONGEST_WAIT, SchedulePoller, TargetUnavailable, round_wait
from local_runtime.scheduler.timing import RetryPolicy, SchedulerClock, UnsupportedExpression, fires_at
from local_runtime.template import LOCAL_REGION

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:TimeEventsFunction"


def test_an_at_expression_is_read_in_its_zone():
    schedule = {
        "ScheduleExpression": "at(2027-03-28T01:30:00)",
        "ScheduleExpressionTimezone": "Europe/Berlin",
    }

    assert fires_at(schedule) == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    assert fires_at({"ScheduleExpression": "at(2027-03-28T01:30:00)"}) == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )


def test_recurring_expressions_are_not_emulated():
    with pytest.raises(UnsupportedExpression):
        fires_at({"ScheduleExpression": "rate(5 minutes)"})


def test_the_retry_policy_gives_up_after_its_attempts_or_its_age():
    policy = RetryPolicy.of({"RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}})
    due = datetime(2027, 1, 1, tzinfo=UTC)

    assert not policy.gives_up(2, due, due)
    assert policy.gives_up(3, due, due)
    assert policy.gives_up(1, due, due + timedelta(seconds=61))


def test_a_long_round_waits_longer_but_never_so_long_that_a_near_schedule_fires_late():
    assert round_wait(0.5, 0.01) == 0.5  # a quick round: the interval
    assert round_wait(0.5, 0.2) == pytest.approx(1.8)  # nine times the round, to leave the AWS idle
    assert round_wait(0.5, 30.0) == ROUNDS_LONGEST_WAIT  # a webhook's retry in 5 s is not a minute late


def test_the_clock_only_moves_forward():
    clock = SchedulerClock()
    before = clock.now()

    assert clock.advance(timedelta(hours=2)) - before >= timedelta(hours=2)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))


@pytest.fixture
def aws():
    with mock_aws():
        scheduler = boto3.client("scheduler", region_name=LOCAL_REGION)
        sqs = boto3.client("sqs", region_name=LOCAL_REGION)
        scheduler.create_schedule_group(Name="interviews")
        queue = sqs.create_queue(QueueName="ScheduleFailuresQueue")["QueueUrl"]
        yield scheduler, sqs, queue


def schedule(scheduler, name, at, retries=1, after="DELETE"):
    scheduler.create_schedule(
        Name=name,
        GroupName="interviews",
        ScheduleExpression=f"at({at:%Y-%m-%dT%H:%M:%S})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion=after,
        Target={
            "Arn": TARGET,
            "RoleArn": "arn:aws:iam::123456789012:role/SchedulerRole",
            "Input": json.dumps({"action": "no_show", "interview_id": name}),
            "RetryPolicy": {"MaximumRetryAttempts": retries, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:ScheduleFailuresQueue"},
        },
    )


def test_due_schedules_fire_once_into_their_target_and_are_deleted(aws):
    scheduler, sqs, _ = aws
    clock = SchedulerClock()
    delivered: list[tuple[str, bytes]] = []
    poller = SchedulePoller(scheduler, sqs, clock, lambda arn, payload: delivered.append((arn, payload)))
    schedule(scheduler, "soon", clock.now() + timedelta(hours=1))
    schedule(scheduler, "later", clock.now() + timedelta(days=2))
    schedule(scheduler, "kept", clock.now() + timedelta(hours=1), after="NONE")

    assert poller.fire_due() == 0
    clock.advance(timedelta(hours=2))
    assert poller.fire_due() == 2
    assert poller.fire_due() == 0  # once only

    assert sorted(json.loads(p)["interview_id"] for _, p in delivered) == ["kept", "soon"]
    assert {arn for arn, _ in delivered} == {TARGET}
    remaining = {s["Name"]: s["State"] for s in scheduler.list_schedules(GroupName="interviews")["Schedules"]}
    assert remaining == {"later": "ENABLED", "kept": "DISABLED"}


def test_a_round_from_the_clock_and_one_of_the_pollers_own_at_once_fire_each_schedule_once(aws):
    scheduler, sqs, _ = aws
    clock = SchedulerClock()
    delivered: list[bytes] = []

    def slow(_: str, payload: bytes) -> None:
        time.sleep(0.2)  # both rounds have listed the schedules before the first one deletes any
        delivered.append(payload)

    poller = SchedulePoller(scheduler, sqs, clock, slow)
    for name in ("first", "second"):
        schedule(scheduler, name, clock.now() + timedelta(minutes=30))
    clock.advance(timedelta(hours=1))

    with ThreadPoolExecutor(2) as rounds:
        fired = list(rounds.map(lambda _: poller.fire_due(), range(2)))  # raises what a round raised

    assert sorted(fired) == [0, 2]
    assert sorted(json.loads(p)["interview_id"] for p in delivered) == ["first", "second"]


def test_a_firing_the_target_refuses_is_retried_then_dead_lettered(aws):
    scheduler, sqs, queue = aws
    clock = SchedulerClock()
    attempts: list[bytes] = []

    def refuse(_: str, payload: bytes) -> None:
        attempts.append(payload)
        raise TargetUnavailable("the function is not there")

    poller = SchedulePoller(scheduler, sqs, clock, refuse)
    schedule(scheduler, "refused", clock.now() - timedelta(minutes=1), retries=1)

    assert poller.fire_due() == 0  # first failure: retried
    assert poller.fire_due() == 1  # second failure: past MaximumRetryAttempts, dead-lettered

    assert len(attempts) == 2
    (message,) = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"]) == {"action": "no_show", "interview_id": "refused"}
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "TargetUnavailable"
    assert scheduler.list_schedules(GroupName="interviews")["Schedules"] == []


def test_each_schedule_is_read_once_until_it_changes_and_a_moved_one_fires_at_its_new_time(aws):
    """ListSchedules gives no expression, so each schedule is read with GetSchedule: once, then
    again only when its listing shows another modification date, and just before it fires."""
    scheduler, sqs, _ = aws
    clock = SchedulerClock()
    delivered: list[bytes] = []
    reads: list[str] = []
    scheduler.meta.events.register(
        "provide-client-params.scheduler.GetSchedule", lambda params, **_: reads.append(params["Name"])
    )
    poller = SchedulePoller(scheduler, sqs, clock, lambda arn, payload: delivered.append(payload))
    for n in range(3):
        schedule(scheduler, f"later-{n}", clock.now() + timedelta(days=2))
    schedule(scheduler, "moved", clock.now() + timedelta(days=2))

    assert poller.fire_due() == 0
    assert poller.fire_due() == 0
    assert sorted(reads) == ["later-0", "later-1", "later-2", "moved"]  # the second round read none

    scheduler.update_schedule(
        Name="moved",
        GroupName="interviews",
        ScheduleExpression=f"at({clock.now() + timedelta(hours=1):%Y-%m-%dT%H:%M:%S})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        State="ENABLED",
        Target={"Arn": TARGET, "RoleArn": "arn:aws:iam::123456789012:role/SchedulerRole", "Input": "{}"},
    )
    clock.advance(timedelta(hours=2))
    reads.clear()
    assert poller.fire_due() == 1
    assert reads == ["moved", "moved"]  # read again as it changed, and once more as it fires
    assert delivered == [b"{}"]

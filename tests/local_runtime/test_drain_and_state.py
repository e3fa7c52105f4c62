"""The rules behind Ctrl-C and --persist, without processes: how long the drain waits and what it
reports, and the saved state's round trip through moto with no stream record for reloaded items."""

from dataclasses import dataclass, field
from typing import Any

import boto3
from moto import mock_aws

from local_runtime.aws.resources import create_resources
from local_runtime.aws.state import load_state, save_state
from local_runtime.shutdown import PendingWork, drain
from local_runtime.template import StackTemplate, bucket_name


@dataclass
class FakeClock:
    now: float = 0.0


@dataclass
class FakeGateway:
    clock: FakeClock
    idle: bool = True

    def wait_idle(self, timeout: float) -> bool:
        if not self.idle:
            self.clock.now += max(0.0, timeout)
        return self.idle


@dataclass
class FakeMapping:
    """Handles one batch on each of its first `busy_rounds` waits, then is caught up."""

    clock: FakeClock
    busy_rounds: int = 0
    batches_handled: int = 0
    waits: int = 0

    def wait_caught_up(self, timeout: float) -> bool:
        self.waits += 1
        self.clock.now += 0.2
        if self.busy_rounds:
            self.busy_rounds -= 1
            self.batches_handled += 1
        return timeout > 0.2


@dataclass
class FakeQueue:
    accepted: int = 0
    idle_after: list[bool] = field(default_factory=lambda: [True])

    def wait_idle(self, timeout: float) -> bool:
        return self.idle_after.pop(0) if self.idle_after else True


def test_drain_waits_in_rounds_until_a_round_starts_nothing_new():
    clock = FakeClock()
    mapping = FakeMapping(clock, busy_rounds=2)
    finished = drain(FakeGateway(clock), [mapping], [FakeQueue()], deadline=30.0, clock=lambda: clock.now)
    assert finished
    assert mapping.waits == 3  # two rounds that handled a batch, then a quiet one


def test_drain_gives_up_at_the_deadline():
    clock = FakeClock()
    assert not drain(FakeGateway(clock, idle=False), [], [], deadline=5.0, clock=lambda: clock.now)
    assert clock.now == 5.0
    endless = FakeMapping(clock, busy_rounds=10_000)
    assert not drain(FakeGateway(clock), [endless], [], deadline=7.0, clock=lambda: clock.now)
    assert clock.now < 7.5


def test_pending_work_names_each_mapping_and_queue_with_something_left():
    assert PendingWork(0, {"T → F": 0}, {"F": 0}).describe() == "nothing was left pending"
    pending = PendingWork(
        1, {"InterviewsTable → CreateSessionFunction": 3, "X → Y": 0}, {"SendEmailFunction": 2}
    )
    assert not pending.empty
    assert pending.describe() == (
        "still pending on exit: HTTP API: 1 request(s) unanswered; "
        "InterviewsTable → CreateSessionFunction: 3 stream record(s); SendEmailFunction: 2 async event(s)"
    )


def test_saved_state_comes_back_whole_and_reaches_no_stream(tmp_path, stack_template: StackTemplate):
    session = boto3.Session(region_name="us-east-1")
    path = tmp_path / "aws-state.json"
    interview: dict[str, Any] = {
        "interview_id": {"S": "int-1"},
        "status": {"S": "SCHEDULED"},
        "blob": {"B": b"\x00\xffbinary"},
        "nested": {"M": {"tags": {"BS": [b"a", b"b"]}, "list": {"L": [{"N": "3"}, {"NULL": True}]}}},
    }
    bucket = bucket_name(next(iter(stack_template.buckets())))
    with mock_aws():
        create_resources(stack_template, session)
        session.client("dynamodb").put_item(TableName="InterviewsTable", Item=interview)
        session.client("s3").put_object(
            Bucket=bucket, Key="resumes/a.pdf", Body=b"%PDF-1.4", ContentType="application/pdf"
        )
        saved = save_state(stack_template, session, None, path)
    assert len(saved.items["InterviewsTable"]) == 1

    restored = load_state(path)
    assert restored is not None
    assert restored.items["InterviewsTable"] == [interview]
    with mock_aws():
        attributes = create_resources(stack_template, session, restore=restored)
        dynamodb, s3 = session.client("dynamodb"), session.client("s3")
        assert dynamodb.get_item(TableName="InterviewsTable", Key={"interview_id": {"S": "int-1"}})[
            "Item"
        ] == (interview)
        got = s3.get_object(Bucket=bucket, Key="resumes/a.pdf")
        assert (got["Body"].read(), got["ContentType"]) == (b"%PDF-1.4", "application/pdf")

        streams = session.client("dynamodbstreams")
        stream_arn = attributes["InterviewsTable"]["StreamArn"]

        def records() -> list[dict[str, object]]:
            shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
            iterator = streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            return streams.get_records(ShardIterator=iterator)["Records"]  # type: ignore[return-value]

        assert records() == []
        dynamodb.put_item(TableName="InterviewsTable", Item={"interview_id": {"S": "int-2"}})
        assert [r["eventName"] for r in records()] == ["INSERT"]


def test_no_saved_state_is_none(tmp_path):
    assert load_state(tmp_path / "missing.json") is None


def test_saved_state_keeps_the_link_secret_and_the_schedules_not_yet_fired(tmp_path, stack_template):
    """Session keys are derived from the secret: a restart with a new one would end every link
    already sent, and reminders already planned must still come."""
    session = boto3.Session(region_name="us-east-1")
    path = tmp_path / "aws-state.json"
    (secret_id,) = stack_template.of_type("AWS::SecretsManager::Secret")
    group_id = "InterviewSchedules"  # the reminders' group (webhook retries have their own)
    assert group_id in stack_template.of_type("AWS::Scheduler::ScheduleGroup")
    schedule: dict[str, Any] = {
        "Name": "int-1-reminder-60",
        "GroupName": group_id,
        "ScheduleExpression": "at(2099-01-01T10:00:00)",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": "arn:aws:lambda:us-east-1:123456789012:function:TimeEventsFunction",
            "RoleArn": "r",
        },
        "ActionAfterCompletion": "DELETE",
    }
    with mock_aws():
        create_resources(stack_template, session)
        session.client("scheduler").create_schedule(**schedule)
        secret = session.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        save_state(stack_template, session, None, path)

    restored = load_state(path)
    assert restored is not None
    with mock_aws():
        create_resources(stack_template, session, restore=restored)
        assert session.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"] == secret
        kept = session.client("scheduler").get_schedule(Name=schedule["Name"], GroupName=group_id)
        assert (kept["ScheduleExpression"], kept["Target"]["Arn"]) == (
            schedule["ScheduleExpression"],
            schedule["Target"]["Arn"],
        )

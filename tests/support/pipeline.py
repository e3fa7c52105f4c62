"""Runs the asynchronous half of the system in-process: stream → create_session → send_email.

Stream records are read from moto's DynamoDB Streams and shaped as Lambda delivers them, and
filtered and batched by the template's event source mapping. The one boundary faked here is the
Lambda Invoke API: create_session's asynchronous invokes are caught and kept, so a test decides
when (and how often) send_email receives them. The local runtime serves the real Invoke API.
"""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from interview_scheduling import aws_clients
from local_runtime.event_filter import matches_any
from local_runtime.stream_records import polled_record
from local_runtime.template import LOCAL_REGION, StackTemplate
from tests.support.api import LambdaContextStub


@dataclass
class Pipeline:
    template: StackTemplate
    stream_arn: str
    invokes: list[dict[str, Any]] = field(default_factory=list)
    _iterators: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (source,) = self.template.stream_sources()
        self.source = source
        aws_clients.lambda_().meta.events.register("before-call.lambda.Invoke", self._capture_invoke)  # type: ignore[arg-type]

    def _capture_invoke(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        self.invokes.append(json.loads(params["body"]))
        reply = {"StatusCode": 202, "ResponseMetadata": {"HTTPStatusCode": 202}}
        return AWSResponse("", 202, HTTPHeaders(), None), reply

    # ------------------------------------------------------------------ stream side
    def new_records(self) -> list[dict[str, Any]]:
        """Records added to the stream since the last call, as Lambda's event records."""
        streams = boto3.client("dynamodbstreams", region_name=LOCAL_REGION)
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            iterator = (
                self._iterators.get(shard_id)
                or streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            response = streams.get_records(ShardIterator=iterator)
            self._iterators[shard_id] = response["NextShardIterator"]
            records += [polled_record(r, self.stream_arn).event for r in response["Records"]]
        return [r for r in records if matches_any(self.source.filter_patterns, r)]

    def run_create_session(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        from create_session.app import handler

        result: dict[str, Any] = handler({"Records": records}, LambdaContextStub())
        return result

    def process_stream(self, deliveries: int = 1) -> list[dict[str, Any]]:
        """Feeds new records to create_session in template-sized batches, each batch `deliveries` times."""
        records = self.new_records()
        results = []
        for start in range(0, len(records), self.source.batch_size):
            batch = records[start : start + self.source.batch_size]
            for _ in range(deliveries):
                results.append(self.run_create_session(batch))
        return results

    # ------------------------------------------------------------------ email side
    def deliver_emails(self, deliveries: int = 1) -> list[Any]:
        """Hands every caught invoke to send_email, each `deliveries` times; returns what each returned."""
        from send_email.app import handler

        pending, self.invokes = self.invokes, []
        return [handler(payload, LambdaContextStub()) for payload in pending for _ in range(deliveries)]

    def run(self, deliveries: int = 1) -> None:
        self.process_stream(deliveries)
        self.deliver_emails(deliveries)


def sent_emails() -> list[EmailMessage]:
    """Every email moto's SES accepted, parsed back with the standard library."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION]
    return [email.message_from_string(m.raw_data, policy=email.policy.default) for m in backend.sent_messages]


def calendar_of(message: EmailMessage) -> dict[str, str]:
    """The VEVENT/VCALENDAR properties of the message's calendar part, unfolded."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    text = part.get_content()
    unfolded = text.replace("\r\n ", "").replace("\n ", "")
    properties: dict[str, str] = {}
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        properties.setdefault(name.split(";")[0], value)
    return properties

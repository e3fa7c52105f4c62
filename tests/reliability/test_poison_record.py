"""A poison stream record, over HTTP through the local runtime: an interview whose slot is gone
by the time create_session reads it. The record fails alone, is retried and bisected as the
template says, then lands in SessionFailuresQueue; bookings around it get their sessions and
invitations, visible on the API, and the shard moves on.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from pynamodb.attributes import UTCDateTimeAttribute

from local_runtime.apigw.tokens import DEMO_ORG_ID
from local_runtime.demo.http_client import ApiClient
from local_runtime.launcher import RuntimeProcess
from tests.reliability.figures import Figures, scales
from tests.reliability.http_support import (
    embedded_aws,
    new_candidate,
    new_interview,
    new_job,
    new_slot,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Failure:
    """One on-failure record: the stream range it covers."""

    start: int
    end: int
    condition: str

    def covers(self, sequence: int) -> bool:
        return self.start <= sequence <= self.end


def put_poison_interview(runtime: RuntimeProcess, api: ApiClient, job_id: str, candidate_id: str) -> str:
    """An interview booked on a slot that was deleted before its stream record was processed."""
    slot_id = new_slot(api, job_id)
    embedded_aws(runtime, "dynamodb").delete_item(
        TableName="SlotsTable", Key={"job_id": {"S": job_id}, "slot_id": {"S": slot_id}}
    )
    interview_id = uuid.uuid4().hex
    now = UTCDateTimeAttribute().serialize(datetime.now(UTC))
    item = {
        "interview_id": interview_id,
        "org_id": DEMO_ORG_ID,  # the organisation of the runtime's dev token
        "job_id": job_id,
        "candidate_id": candidate_id,
        "slot_id": slot_id,
        "status": "SCHEDULED",
        "revision": 0,
        "request_fingerprint": "poison",
        "created_at": now,
        "updated_at": now,
    }
    embedded_aws(runtime, "dynamodb").put_item(
        TableName="InterviewsTable",
        Item={k: ({"N": str(v)} if isinstance(v, int) else {"S": v}) for k, v in item.items()},
    )
    return interview_id


def insert_sequences(runtime: RuntimeProcess, interview_ids: set[str]) -> dict[str, int]:
    """The stream sequence number of each interview's INSERT record."""
    dynamodb, streams = embedded_aws(runtime, "dynamodb"), embedded_aws(runtime, "dynamodbstreams")
    arn = dynamodb.describe_table(TableName="InterviewsTable")["Table"]["LatestStreamArn"]
    found: dict[str, int] = {}
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                interview_id = record["dynamodb"]["Keys"]["interview_id"]["S"]
                if record["eventName"] == "INSERT" and interview_id in interview_ids:
                    found[interview_id] = int(record["dynamodb"]["SequenceNumber"])
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return found


def drain_failures(runtime: RuntimeProcess) -> list[Failure]:
    sqs = embedded_aws(runtime, "sqs")
    url = sqs.get_queue_url(QueueName="SessionFailuresQueue")["QueueUrl"]
    failures = []
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        document: dict[str, Any] = json.loads(message["Body"])
        info = document["DDBStreamBatchInfo"]
        failures.append(
            Failure(
                int(info["startSequenceNumber"]),
                int(info["endSequenceNumber"]),
                document["requestContext"]["condition"],
            )
        )
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return failures


# The invitation reached an outcome: sent (the local SES then reports the delivery) or failed.
OUTCOMES = frozenset({"SENT", "DELIVERED", "FAILED"})
# What an ordinary address's invitation ends as, whether or not SES's report has come yet.
SENT = frozenset({"SENT", "DELIVERED"})


def settled(api: ApiClient, job_id: str, interview_id: str) -> dict[str, Any] | None:
    """The interview once its session exists and its invitation has an outcome."""
    view = api.get(f"/jobs/{job_id}/interviews/{interview_id}").json()
    done = view.get("session") and any(e["status"] in OUTCOMES for e in view.get("emails", []))
    return view if done else None


@pytest.mark.parametrize("size", scales(quick=(1, 2), full=(3, 12)))
def test_a_poison_record_is_parked_and_the_bookings_around_it_go_through(
    runtime: RuntimeProcess, recruiter: ApiClient, figures: Figures, size: tuple[int, int]
) -> None:
    poisons, good = size
    job_id = new_job(recruiter)
    candidate_for_poison = new_candidate(recruiter, job_id, "poison@example.com")
    slot_id = new_slot(recruiter, job_id, capacity=good)
    bookings: list[str] = []
    poisoned: list[str] = []
    # Interleaved, so that poison and good records share the mapping's batches.
    per_poison = good // poisons
    for n in range(good):
        bookings.append(
            new_interview(recruiter, job_id, new_candidate(recruiter, job_id, f"c{n}@example.com"), slot_id)
        )
        if n % per_poison == 0 and len(poisoned) < poisons:
            poisoned.append(put_poison_interview(runtime, recruiter, job_id, candidate_for_poison))

    views = [eventually(partial(settled, recruiter, job_id, i), f"session for {i}") for i in bookings]
    sequences = insert_sequences(runtime, set(poisoned) | set(bookings))
    failures: list[Failure] = []

    def parked() -> bool:
        failures.extend(drain_failures(runtime))
        return all(any(f.covers(sequences[p]) for f in failures) for p in poisoned)

    eventually(parked, "on-failure record for every poison record")
    sessions = embedded_aws(runtime, "dynamodb").batch_get_item(
        RequestItems={"SessionsTable": {"Keys": [{"interview_id": {"S": p}} for p in poisoned]}}
    )["Responses"]["SessionsTable"]
    good_parked = sum(any(f.covers(sequences[b]) for f in failures) for b in bookings)
    figures.record(
        f"faults.poison_record[{poisons} poison, {good} good]",
        f"on_failure_records={len(failures)} conditions={sorted({f.condition for f in failures})} "
        f"poison_sessions={len(sessions)} good_with_session_and_sent_invitation="
        f"{sum(v['session']['status'] == 'SCHEDULED' and v['emails'][0]['status'] in SENT for v in views)}"
        f"/{good} good_records_in_parked_ranges={good_parked} (processed before being parked)",
    )
    assert sessions == []
    assert all(v["session"]["status"] == "SCHEDULED" for v in views)
    assert all(v["emails"][0]["status"] in SENT for v in views)
    assert {f.condition for f in failures} == {"RetryAttemptsExhausted"}

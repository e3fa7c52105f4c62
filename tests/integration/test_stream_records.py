"""create_session takes every record the stream can bring, whatever the mapping's filter lets
through: one it has no use for is done, not a batch item failure."""

from typing import Any

from interview_scheduling.models import Interview, InterviewSession
from local_runtime.streams.event_filter import matches_any
from local_runtime.streams.records import polled_record, streams_client
from tests.support.catalog import book_interview, create_candidate, create_job, create_slot


def every_record(aws, stream_arn: str) -> list[dict[str, Any]]:
    """The whole stream, unfiltered, as Lambda's event records (read as the runtime reads it)."""
    streams = streams_client(aws.session)
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += [
            polled_record(r, stream_arn).event for r in streams.get_records(ShardIterator=iterator)["Records"]
        ]
    return records


def test_a_removed_interview_is_skipped_as_done(api, aws, pipeline):
    """with-ddb-filtering (Lambda developer guide): the template's filters are on the `dynamodb`
    key, which cannot tell a TTL deletion from a user's, so the REMOVE of an interview that had
    an expiry is delivered; the handler answers an empty batchItemFailures list, which Lambda
    takes as complete success (services-ddb-batchfailurereporting), and changes nothing."""
    job_id = create_job(api)
    interview_id = book_interview(api, job_id, create_candidate(api, job_id), create_slot(api, job_id))
    pipeline.run()
    assert InterviewSession.count() == 1
    Interview.get(interview_id).delete()

    stream_arn = aws.resolver.get_att("InterviewsTable", "StreamArn")
    (removed,) = [record for record in every_record(aws, stream_arn) if record["eventName"] == "REMOVE"]
    assert matches_any(pipeline.source.filter_patterns, removed)

    result = pipeline.run_create_session([removed])

    assert result == {"batchItemFailures": []}
    assert InterviewSession.count() == 1
    assert pipeline.invokes == []

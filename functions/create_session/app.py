"""DynamoDB stream of interviews → AI-interview sessions, then a request for the email.

Each record is handled on its own (partial batch responses): a record that keeps failing is
retried alone, then parked in the on-failure queue, and never blocks the rest of its shard.
Records of different interviews are handled concurrently; one interview's, in stream order.
"""

from contextlib import suppress
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import ordered_batch, settings
from interview_scheduling.batch_context import BatchContext, load_batch_context
from interview_scheduling.interview_changes import UNREADABLE_RECORD, interview_change
from interview_scheduling.notifications import request_email
from interview_scheduling.sessions import apply_change

# Cold start: a missing or invalid setting fails the init, before any record is taken.
settings.data_settings()
settings.session_settings()
settings.retention_settings()
settings.event_bus_settings()

logger = Logger()
metrics = Metrics()


def handle_record(record: dict[str, Any], context: BatchContext) -> None:
    change = interview_change(record)
    if change is None:
        return
    # Records run on several threads: each log line carries its own record's interview.
    logger.thread_safe_append_keys(correlation_id=change.interview.interview_id)
    step = apply_change(change, context)
    if step.session_created:
        metrics.add_metric(name="SessionsCreated", unit=MetricUnit.Count, value=1)
    if step.resume_extraction is not None:
        metrics.add_metric(name=f"ResumeExtraction_{step.resume_extraction}", unit=MetricUnit.Count, value=1)
    if step.email is not None:
        request_email(step.email)
        logger.info(
            "email requested",
            extra={"interview_id": step.email.interview_id, "email_message": step.email.message_key},
        )


def _interviews(records: list[dict[str, Any]]) -> list[Any]:
    """The interviews of the records that can be read; one that cannot fails alone, later."""
    interviews = []
    for record in records:
        with suppress(*UNREADABLE_RECORD):
            change = interview_change(record)
            if change is not None:
                interviews.append(change.interview)
    return interviews


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    records = event["Records"]
    # One batched read for everything the batch's records need.
    context = load_batch_context(_interviews(records))
    workers = settings.session_settings().session_workers
    return ordered_batch.stream_batch(records, lambda record: handle_record(record, context), workers, logger)

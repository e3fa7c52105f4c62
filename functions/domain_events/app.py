"""DynamoDB streams of interviews and sessions → domain events on the stack's EventBridge bus.

Each record's images are mapped to its events (interview_scheduling.domain_events) and put on the
bus in order. Records of different interviews are handled concurrently; one interview's, in
stream order, and a failed one holds back the interview's later records (partial batch
responses), so a retry puts them again in order, with the same event ids.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import event_bus, ordered_batch, settings
from interview_scheduling.domain_events import record_events

# Cold start: a missing or invalid setting fails the init, before any record is taken.
settings.data_settings()
settings.event_bus_settings()

logger = Logger()
metrics = Metrics()


def handle_record(record: dict[str, Any]) -> None:
    tables = settings.data_settings()
    events = record_events(
        record, interviews_table=tables.interviews_table, sessions_table=tables.sessions_table
    )
    if not events:
        return
    event_bus.put(events)
    metrics.add_metric(name="DomainEventsPublished", unit=MetricUnit.Count, value=len(events))
    logger.info(
        "events published",
        extra={
            "interview_id": ordered_batch.interview_of(record),
            "events": [f"{e.type} {e.id}" for e in events],
        },
    )


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    workers = settings.event_bus_settings().event_workers
    return ordered_batch.stream_batch(event["Records"], handle_record, workers, logger)

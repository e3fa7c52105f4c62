"""DynamoDB streams of interviews and sessions → domain events on the stack's EventBridge bus.

Each record's images are mapped to its events (interview_scheduling.domain_events). A batch is
put a round at a time: the first record of every interview together, in as few PutEvents calls
as the limit allows, then the second of each, and so on, so one interview's events go on the bus
in stream order. A failed record holds back the interview's later records (partial batch
responses), so a retry puts them again in order, with the same event ids.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import event_bus, ordered_batch, settings
from interview_scheduling.domain_events import DomainEvent, record_events

# Cold start: a missing or invalid setting fails the init, before any record is taken.
settings.data_settings()
settings.event_bus_settings()

logger = Logger()
metrics = Metrics()


def publish_round(records: list[dict[str, Any]]) -> list[Exception | None]:
    """Puts the events of records of different interviews together; each record's error, or None."""
    tables = settings.data_settings()
    mapped: list[list[DomainEvent] | Exception] = []
    for record in records:
        try:
            events = record_events(
                record, interviews_table=tables.interviews_table, sessions_table=tables.sessions_table
            )
        except Exception as error:  # a record that cannot be read fails alone
            mapped.append(error)
        else:
            mapped.append(events)
    try:
        refused = iter(event_bus.put_groups([m for m in mapped if not isinstance(m, Exception)]))
    except Exception as error:  # a call failed as a whole: every record that had events is retried
        return [m if isinstance(m, Exception) else (error if m else None) for m in mapped]
    outcomes: list[Exception | None] = []
    for record, result in zip(records, mapped, strict=True):
        if isinstance(result, Exception):
            outcomes.append(result)
            continue
        codes = next(refused)
        outcomes.append(event_bus.EventsNotPut.of(codes) if codes else None)
        if result and not codes:
            metrics.add_metric(name="DomainEventsPublished", unit=MetricUnit.Count, value=len(result))
            logger.info(
                "events published",
                extra={
                    "interview_id": ordered_batch.interview_of(record),
                    "events": [f"{e.type} {e.id}" for e in result],
                },
            )
    return outcomes


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    return ordered_batch.stream_batch_in_rounds(event["Records"], publish_round, logger)

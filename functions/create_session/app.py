"""DynamoDB stream of interviews → AI-interview sessions, then a request for the email.

Each record is handled on its own (partial batch responses): a record that keeps failing is
retried alone, then parked in the on-failure queue, and never blocks the rest of its shard.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from create_session.batch_context import BatchContext, load_batch_context
from create_session.interview_changes import ChangeKind, InterviewChange, interview_change
from create_session.sessions import cancel_session, create_session, metrics, reschedule_session
from interview_scheduling.notifications import EmailRequest, request_email

logger = Logger()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

HANDLERS = {
    ChangeKind.BOOKED: create_session,
    ChangeKind.CANCELLED: cancel_session,
    ChangeKind.RESCHEDULED: reschedule_session,
}


def handle_change(change: InterviewChange, context: BatchContext) -> None:
    logger.set_correlation_id(change.interview.interview_id)
    request: EmailRequest | None = HANDLERS[change.kind](change.interview, context)
    if request is not None:
        request_email(request)
        logger.info(
            "email requested",
            extra={"interview_id": request.interview_id, "email_message": request.message_key},
        )


def _read_change(record: dict[str, Any]) -> InterviewChange | Exception | None:
    try:
        return interview_change(record)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return error


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    changes = {record["eventID"]: _read_change(record) for record in event["Records"]}
    context = load_batch_context(c.interview for c in changes.values() if isinstance(c, InterviewChange))

    def record_handler(record: DynamoDBRecord) -> None:
        change = changes[record.event_id]
        if isinstance(change, Exception):
            raise change  # a record that cannot be read fails alone
        if change is not None:
            handle_change(change, context)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=lambda_context
    )
    return dict(response)

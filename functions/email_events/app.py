"""EventBridge (SES's events through the configuration set) → what became of each email.

EventBridge invokes the function asynchronously with one event at a time, so there is no batch
to answer for in part. A DynamoDB error raises: Lambda retries the event, then parks it in the
on-failure queue. An event this function cannot read, or one about no message of this system,
is logged and dropped as a success: retrying it would never help.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from interview_scheduling import settings
from interview_scheduling.email_outcomes import Effect, apply
from interview_scheduling.enums import EmailStatus
from interview_scheduling.ses_events import SesEventBridgeEvent

# Cold start: a missing or invalid setting fails the init, so the event is retried, not lost.
settings.data_settings()
settings.email_event_settings()

logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    configuration_set = settings.email_event_settings().ses_configuration_set
    try:
        ses_event = SesEventBridgeEvent.model_validate(event)
    except ValidationError as error:
        # Where and what kind only: an event's values may hold addresses.
        problems = [{"loc": list(e["loc"]), "type": e["type"]} for e in error.errors()]
        logger.warning("not an SES event of a kind read here; dropped", extra={"problems": problems[:10]})
        return {"effect": Effect.IGNORED}
    logger.set_correlation_id(ses_event.id)
    applied = apply(ses_event, configuration_set)
    # Counted once per email and outcome (repeats change nothing); send_email counts EmailsSent.
    if applied.effect is Effect.MOVED and applied.status not in (None, EmailStatus.SENT):
        metrics.add_metric(name=f"Emails{applied.status.title()}", unit=MetricUnit.Count, value=1)
    return {"effect": applied.effect, "status": applied.status, "candidate_marked": applied.candidate_marked}

"""The bus's domain events (and their scheduled retries) → each organisation's webhooks.

EventBridge invokes it asynchronously with one event; a retry's schedule invokes it with the
retry's input. Receivers' failures are the package's to retry (interview_scheduling.
webhook_delivery); an error here (DynamoDB, Scheduler) fails the invoke, so Lambda retries it
and then parks it in the failure queue.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import settings, webhook_delivery
from interview_scheduling.domain_events import DomainEvent

# Cold start: a missing or invalid setting fails the init, so the event is retried, not lost.
settings.data_settings()
settings.secret_settings()
settings.webhook_settings()
settings.webhook_retry_settings()

logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("action") == webhook_delivery.RETRY_ACTION:
        firing = webhook_delivery.RetryFiring.model_validate(event)
        logger.set_correlation_id(firing.event.id)
        attempted = [webhook_delivery.retry(firing, context.invoked_function_arn)]
    else:
        domain_event = DomainEvent.model_validate(event["detail"])
        logger.set_correlation_id(domain_event.id)
        attempted = webhook_delivery.fan_out(domain_event, context.invoked_function_arn)
    for item in attempted:
        metrics.add_metric(name=f"Webhooks_{item.result}", unit=MetricUnit.Count, value=1)
        logger.info(
            "webhook attempted",
            extra={"webhook_id": item.webhook_id, "result": item.result, "answer": item.answer},
        )
    return {"attempted": [{"webhook_id": a.webhook_id, "result": a.result} for a in attempted]}

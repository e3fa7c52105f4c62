"""Asynchronous invoke from create_session → the email, sent once through SES v2.

Transient failures raise, so Lambda retries the event; once retries run out it lands in the
on-failure queue. Permanent failures are recorded on the session for the recruiter to see.
"""

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import settings
from interview_scheduling.email_delivery import deliver
from interview_scheduling.notifications import EmailRequest

# Cold start: a missing or invalid setting fails the init, so the event is retried, not lost.
settings.data_settings()
settings.email_settings()

logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = EmailRequest.model_validate(event)
    logger.set_correlation_id(request.interview_id)
    outcome = deliver(request, timedelta(milliseconds=context.get_remaining_time_in_millis()))
    if outcome is None:
        return {"email_message": request.message_key, "status": "already handled"}
    metrics.add_metric(name=f"Emails{outcome.status.title()}", unit=MetricUnit.Count, value=1)
    return {"email_message": request.message_key, "status": outcome.status}

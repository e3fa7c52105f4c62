"""Asynchronous invoke from create_session → the email, sent once through SES v2.

Transient failures raise, so Lambda retries the event; once retries run out it lands in the
on-failure queue. Permanent failures are recorded on the session for the recruiter to see.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling.notifications import EmailRequest
from send_email.delivery import deliver, metrics

logger = Logger()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = EmailRequest.model_validate(event)
    logger.set_correlation_id(request.interview_id)
    outcome = deliver(request)
    return {
        "email_message": request.message_key,
        "status": outcome.status.value if outcome else "already handled",
    }

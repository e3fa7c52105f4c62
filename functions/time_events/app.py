"""EventBridge Scheduler → what time brings to an interview: a reminder, or the no-show check.

The schedule's input names what to do; a firing that no longer applies changes nothing. An
error fails the invoke, so Lambda retries it, then parks it in the on-failure queue.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from interview_scheduling import settings
from interview_scheduling.notifications import request_email
from interview_scheduling.time_events import Firing, NoShowCheck, ReminderDue, check_no_show, remind

# Cold start: a missing or invalid setting fails the init, so the firing is retried, not lost.
settings.data_settings()
settings.session_settings()

logger = Logger()
metrics = Metrics()
FIRING = TypeAdapter[ReminderDue | NoShowCheck](Firing)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    firing = FIRING.validate_python(event)
    logger.set_correlation_id(firing.interview_id)
    if isinstance(firing, NoShowCheck):
        marked = check_no_show(firing)
        if marked:
            metrics.add_metric(name="NoShows", unit=MetricUnit.Count, value=1)
        return {"action": firing.action, "marked": marked}
    request = remind(firing)
    if request is not None:
        request_email(request)
        metrics.add_metric(name="RemindersRequested", unit=MetricUnit.Count, value=1)
    return {"action": firing.action, "requested": request is not None}

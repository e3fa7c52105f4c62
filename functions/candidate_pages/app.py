"""HTTP, no JWT: the candidate's reschedule and cancel pages; the signed link is the credential.

HTML for people, not part of the JSON API: its routes are left out of openapi.json.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import candidate_pages, settings
from interview_scheduling.candidate_pages import Page, PostedForm

# Cold start: a missing or invalid setting fails the init, not the tenth request.
settings.data_settings()
settings.secret_settings()

logger = Logger()
metrics = Metrics()
router = APIGatewayHttpRouter()


@router.get("/candidate/<link_token>", include_in_schema=False)
def show_link(link_token: str) -> Response[str]:
    return _page(candidate_pages.link_page(link_token))


@router.get("/candidate/<link_token>/reschedule", include_in_schema=False)
def confirm_reschedule(link_token: str) -> Response[str]:
    slot_id = router.current_event.get_query_string_value("slot_id")
    return _page(candidate_pages.reschedule_confirmation(link_token, slot_id))


@router.post("/candidate/<link_token>/reschedule", include_in_schema=False)
def reschedule(link_token: str) -> Response[str]:
    return _page(candidate_pages.reschedule(link_token, _posted()))


@router.post("/candidate/<link_token>/cancel", include_in_schema=False)
def cancel(link_token: str) -> Response[str]:
    return _page(candidate_pages.cancel(link_token, _posted()))


def _posted() -> PostedForm:
    event = router.current_event
    return PostedForm(event.body, bool(event.is_base64_encoded), event.headers.get("content-type"))


def _page(page: Page) -> Response[str]:
    metrics.add_metric(name="CandidatePagesServed", unit=MetricUnit.Count, value=1)
    if page.rejected is not None:
        # Counted, and which check failed; never the token or what it names.
        metrics.add_metric(name="CandidateLinkRejected", unit=MetricUnit.Count, value=1)
        logger.info("candidate link refused", extra={"check": page.rejected, "status": page.status})
    if page.changed is not None:
        metrics.add_metric(name=f"Candidate{page.changed.title()}", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=page.status,
        body=candidate_pages.render(page),
        headers=candidate_pages.page_headers(),
    )


app = APIGatewayHttpResolver()
app.include_router(router)


@app.not_found
def not_a_link(_: Exception) -> Response[str]:
    # A token with characters no route takes: the same answer as every other invalid link.
    return _page(candidate_pages.not_a_link())


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

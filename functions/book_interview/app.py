"""HTTP: book, cancel and reschedule interviews, read their status, and resend the invitation."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import booking, resend, settings
from interview_scheduling.http_api import (
    IdPath,
    create_resolver,
    created,
    idempotency_key_header,
    organisation_of,
    responses,
    serve,
)
from interview_scheduling.interview_status import describe_interview, interview_out
from interview_scheduling.schemas import BookingIn, BookingOut, InterviewOut, RescheduleIn

# Cold start: a missing or invalid setting fails the init, not the tenth request.
settings.data_settings()
settings.api_settings()
settings.session_settings()

logger = Logger()
router = APIGatewayHttpRouter()


@router.post(
    "/jobs/<job_id>/interviews", responses=responses(201, BookingOut, 403, 404, 409), tags=["interviews"]
)
def book_interview(
    job_id: IdPath,
    request: Annotated[BookingIn, Body()],
    idempotency_key: Annotated[
        str | None,
        idempotency_key_header(
            "Repeat a request with the same key to get the same interview, never a second one."
        ),
    ] = None,
) -> Response[BookingOut]:
    org = organisation_of(router.current_event)
    result = booking.book_interview(org, job_id, request, idempotency_key)
    interview = result.interview
    logger.info(
        "interview booked", extra={"interview_id": interview.interview_id, "replayed": result.replayed}
    )
    return created(BookingOut.model_validate(interview.attribute_values))


@router.get(
    "/jobs/<job_id>/interviews/<interview_id>",
    responses=responses(200, InterviewOut, 403, 404),
    tags=["interviews"],
)
def get_interview(job_id: IdPath, interview_id: IdPath) -> InterviewOut:
    return describe_interview(organisation_of(router.current_event), job_id, interview_id)


@router.post(
    "/jobs/<job_id>/interviews/<interview_id>/cancel",
    responses=responses(200, InterviewOut, 403, 404, 409),
    tags=["interviews"],
)
def cancel_interview(job_id: IdPath, interview_id: IdPath) -> InterviewOut:
    org = organisation_of(router.current_event)
    return interview_out(booking.cancel_interview(org, job_id, interview_id))


@router.post(
    "/jobs/<job_id>/interviews/<interview_id>/reschedule",
    responses=responses(200, InterviewOut, 403, 404, 409),
    tags=["interviews"],
)
def reschedule_interview(
    job_id: IdPath, interview_id: IdPath, request: Annotated[RescheduleIn, Body()]
) -> InterviewOut:
    org = organisation_of(router.current_event)
    return interview_out(booking.reschedule_interview(org, job_id, interview_id, request))


@router.post(
    "/jobs/<job_id>/interviews/<interview_id>/resend",
    responses=responses(202, InterviewOut, 403, 404, 409),
    tags=["interviews"],
)
def resend_invitation(
    job_id: IdPath,
    interview_id: IdPath,
    idempotency_key: Annotated[
        str | None,
        idempotency_key_header("Repeat a request with the same key to send the invitation once, not again."),
    ] = None,
) -> Response[InterviewOut]:
    org = organisation_of(router.current_event)
    result = resend.resend_invitation(org, job_id, interview_id, idempotency_key)
    extra = {"interview_id": interview_id, "email_message": result.message_key, "replayed": result.replayed}
    logger.info("invitation resend", extra=extra)
    return Response(
        HTTPStatus.ACCEPTED, content_type=content_types.APPLICATION_JSON, body=interview_out(result.interview)
    )


app = create_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)

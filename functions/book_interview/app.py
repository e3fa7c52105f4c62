"""HTTP: book, cancel and reschedule interviews, read their status, list them, and resend the invitation."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime

from interview_scheduling import booking, interview_lists, resend, settings
from interview_scheduling.enums import Actor, InterviewStatus
from interview_scheduling.http_api import (
    CursorQuery,
    FromQuery,
    IdPath,
    LimitQuery,
    ToQuery,
    create_resolver,
    created,
    idempotency_key_header,
    organisation_of,
    responses,
    serve,
)
from interview_scheduling.interview_status import describe_interview, interview_out
from interview_scheduling.pagination import DEFAULT_LIMIT, TimeRange
from interview_scheduling.schemas import (
    ID_PATTERN,
    BookingIn,
    BookingOut,
    CancelIn,
    InterviewOut,
    InterviewPage,
    RescheduleIn,
)

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
    result = booking.book_interview(org, job_id, request, idempotency_key, Actor.RECRUITER)
    interview = result.interview
    logger.info(
        "interview booked", extra={"interview_id": interview.interview_id, "replayed": result.replayed}
    )
    return created(BookingOut.model_validate(interview.attribute_values))


@router.get(
    "/jobs/<job_id>/interviews", responses=responses(200, InterviewPage, 400, 403, 404), tags=["interviews"]
)
def list_job_interviews(
    job_id: IdPath,
    *,
    status: Annotated[InterviewStatus | None, Query()] = None,
    scheduled_from: FromQuery = None,
    scheduled_before: ToQuery = None,
    candidate_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> InterviewPage:
    """The job's interviews by scheduled time, then id; `from` and `to` bound the scheduled time."""
    return interview_lists.job_interviews(
        organisation_of(router.current_event),
        job_id,
        status=status,
        scheduled=TimeRange(scheduled_from, scheduled_before),
        candidate_id=candidate_id,
        limit=limit,
        cursor=cursor,
    )


@router.get("/interviews", responses=responses(200, InterviewPage, 400, 403), tags=["interviews"])
def list_interviews(
    *,
    status: Annotated[InterviewStatus | None, Query()] = None,
    scheduled_from: FromQuery = None,
    scheduled_before: ToQuery = None,
    updated_after: Annotated[
        AwareDatetime | None,
        Query(description="Every interview changed at or after this instant, cancelled ones too, by change"),
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> InterviewPage:
    """The organisation's interviews by scheduled time, then id; with `updated_after`, by the time
    of their last change, then id (for incremental syncs)."""
    return interview_lists.organisation_interviews(
        organisation_of(router.current_event),
        status=status,
        scheduled=TimeRange(scheduled_from, scheduled_before),
        updated_after=updated_after,
        limit=limit,
        cursor=cursor,
    )


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
def cancel_interview(
    job_id: IdPath, interview_id: IdPath, request: Annotated[CancelIn | None, Body()] = None
) -> InterviewOut:
    org = organisation_of(router.current_event)
    cancelled = booking.cancel_interview(org, job_id, interview_id, request or CancelIn(), Actor.RECRUITER)
    return interview_out(cancelled)


@router.post(
    "/jobs/<job_id>/interviews/<interview_id>/reschedule",
    responses=responses(200, InterviewOut, 403, 404, 409),
    tags=["interviews"],
)
def reschedule_interview(
    job_id: IdPath, interview_id: IdPath, request: Annotated[RescheduleIn, Body()]
) -> InterviewOut:
    org = organisation_of(router.current_event)
    return interview_out(booking.reschedule_interview(org, job_id, interview_id, request, Actor.RECRUITER))


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

"""HTTP: jobs, candidates, resume uploads and interview slots."""

from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import catalog, settings
from interview_scheduling.http_api import (
    CursorQuery,
    FromQuery,
    IdPath,
    LimitQuery,
    ToQuery,
    create_resolver,
    created,
    organisation_of,
    responses,
    serve,
)
from interview_scheduling.pagination import DEFAULT_LIMIT, TimeRange
from interview_scheduling.schemas import (
    CandidateIn,
    CandidateOut,
    CandidatePage,
    CandidatePatch,
    JobIn,
    JobOut,
    JobPage,
    JobPatch,
    ResumeUploadIn,
    ResumeUploadOut,
    SlotDeletion,
    SlotIn,
    SlotOut,
    SlotPage,
)

# Cold start: a missing or invalid setting fails the init, not the tenth request.
settings.data_settings()
settings.api_settings()
settings.retention_settings()

logger = Logger()
router = APIGatewayHttpRouter()


@router.post("/jobs", responses=responses(201, JobOut, 403), tags=["catalog"])
def create_job(job: Annotated[JobIn, Body()]) -> Response[JobOut]:
    return created(catalog.create_job(organisation_of(router.current_event), job))


@router.get("/jobs", responses=responses(200, JobPage, 400, 403), tags=["catalog"])
def list_jobs(limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None) -> JobPage:
    return catalog.list_jobs(organisation_of(router.current_event), limit, cursor)


@router.get("/jobs/<job_id>", responses=responses(200, JobOut, 403, 404), tags=["catalog"])
def get_job(job_id: IdPath) -> JobOut:
    return catalog.get_job(organisation_of(router.current_event), job_id)


@router.patch("/jobs/<job_id>", responses=responses(200, JobOut, 403, 404), tags=["catalog"])
def update_job(job_id: IdPath, patch: Annotated[JobPatch, Body()]) -> JobOut:
    return catalog.update_job(organisation_of(router.current_event), job_id, patch)


@router.post("/jobs/<job_id>/candidates", responses=responses(201, CandidateOut, 403, 404), tags=["catalog"])
def create_candidate(job_id: IdPath, candidate: Annotated[CandidateIn, Body()]) -> Response[CandidateOut]:
    org = organisation_of(router.current_event)
    return created(catalog.create_candidate(org, job_id, candidate))


@router.get(
    "/jobs/<job_id>/candidates", responses=responses(200, CandidatePage, 400, 403, 404), tags=["catalog"]
)
def list_candidates(
    job_id: IdPath, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> CandidatePage:
    return catalog.list_candidates(organisation_of(router.current_event), job_id, limit, cursor)


@router.get(
    "/jobs/<job_id>/candidates/<candidate_id>",
    responses=responses(200, CandidateOut, 403, 404),
    tags=["catalog"],
)
def get_candidate(job_id: IdPath, candidate_id: IdPath) -> CandidateOut:
    return catalog.get_candidate(organisation_of(router.current_event), job_id, candidate_id)


@router.post(
    "/jobs/<job_id>/candidates/<candidate_id>/resume",
    responses=responses(201, ResumeUploadOut, 403, 404),
    tags=["catalog"],
)
def request_resume_upload(
    job_id: IdPath, candidate_id: IdPath, _: Annotated[ResumeUploadIn, Body()]
) -> Response[ResumeUploadOut]:
    org = organisation_of(router.current_event)
    return created(catalog.request_resume_upload(org, job_id, candidate_id))


@router.post("/jobs/<job_id>/slots", responses=responses(201, SlotOut, 403, 404), tags=["catalog"])
def create_slot(job_id: IdPath, slot: Annotated[SlotIn, Body()]) -> Response[SlotOut]:
    return created(catalog.create_slot(organisation_of(router.current_event), job_id, slot))


@router.get("/jobs/<job_id>/slots", responses=responses(200, SlotPage, 400, 403, 404), tags=["catalog"])
def list_slots(
    job_id: IdPath,
    *,
    available: Annotated[bool, Query(description="Only open, future slots with a free seat")] = False,
    starts_from: FromQuery = None,
    starts_before: ToQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> SlotPage:
    org = organisation_of(router.current_event)
    starts = TimeRange(starts_from, starts_before)
    return catalog.list_slots(
        org, job_id, available_only=available, starts=starts, limit=limit, cursor=cursor
    )


@router.post(
    "/jobs/<job_id>/slots/<slot_id>/close", responses=responses(200, SlotOut, 403, 404), tags=["catalog"]
)
def close_slot(job_id: IdPath, slot_id: IdPath) -> SlotOut:
    return catalog.close_slot(organisation_of(router.current_event), job_id, slot_id)


@router.delete(
    "/jobs/<job_id>/slots/<slot_id>", responses=responses(200, SlotDeletion, 403, 404, 409), tags=["catalog"]
)
def delete_slot(
    job_id: IdPath,
    slot_id: IdPath,
    cancel_bookings: Annotated[
        bool, Query(description="Cancel the slot's bookings (each candidate is told) instead of refusing")
    ] = False,
) -> SlotDeletion:
    return catalog.delete_slot(organisation_of(router.current_event), job_id, slot_id, cancel_bookings)


@router.patch(
    "/jobs/<job_id>/candidates/<candidate_id>",
    responses=responses(200, CandidateOut, 403, 404, 409),
    tags=["catalog"],
)
def update_candidate(
    job_id: IdPath, candidate_id: IdPath, changes: Annotated[CandidatePatch, Body()]
) -> CandidateOut:
    org = organisation_of(router.current_event)
    return catalog.update_candidate(org, job_id, candidate_id, changes)


app = create_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)

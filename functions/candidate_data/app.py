"""HTTP: a candidate's personal data, erased everywhere in one call, or exported for an access request."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import settings
from interview_scheduling.candidate_export import export_candidate
from interview_scheduling.erasure import erase_candidate
from interview_scheduling.http_api import IdPath, create_resolver, organisation_of, responses, serve
from interview_scheduling.schemas import CandidateExport, ErasureReceipt

# Cold start: a missing or invalid setting fails the init, not the tenth request.
settings.data_settings()
settings.api_settings()
settings.retention_settings()
settings.event_bus_settings()
settings.schedule_group_settings()

logger = Logger()
router = APIGatewayHttpRouter()


@router.delete(
    "/jobs/<job_id>/candidates/<candidate_id>",
    responses=responses(200, ErasureReceipt, 403, 404, 409),
    tags=["candidate data"],
)
def erase(job_id: IdPath, candidate_id: IdPath) -> ErasureReceipt:
    receipt = erase_candidate(organisation_of(router.current_event), job_id, candidate_id)
    logger.info("erasure receipt", extra={"candidate_id": candidate_id, "erasure_id": receipt.erasure_id})
    return receipt


@router.get(
    "/jobs/<job_id>/candidates/<candidate_id>/export",
    responses=responses(200, CandidateExport, 403, 404),
    tags=["candidate data"],
)
def export(job_id: IdPath, candidate_id: IdPath) -> CandidateExport:
    return export_candidate(organisation_of(router.current_event), job_id, candidate_id)


app = create_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)

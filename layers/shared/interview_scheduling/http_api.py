"""What every HTTP function shares: the resolver, error mapping, the caller's organisation."""

from http import HTTPStatus
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling.errors import DomainError, Forbidden, PayloadTooLarge
from interview_scheduling.schemas import ID_PATTERN, ErrorBody
from interview_scheduling.settings import api_settings

# Far above any valid body here (the largest is a 100 kB resume text); refuses floods early.
MAX_BODY_BYTES = 256 * 1024

logger = Logger()
T = TypeVar("T")


def error_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI entries for the domain errors a route can answer with."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {content_types.APPLICATION_JSON: {"model": ErrorBody}},
        }
        for status in statuses
    }


_DESCRIPTIONS = {
    403: "The token lacks what this needs",
    404: "Not found (or owned by another organisation)",
    409: "Conflicts with the current state",
    413: "Body too large",
    422: "Refused by the rules",
}


def create_resolver(*routers: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response[str]:
        logger.info("request refused", extra={"reason": error.reason, "status": error.status_code})
        return Response(
            status_code=error.status_code,
            content_type=content_types.APPLICATION_JSON,
            body=_error_json(error),
        )

    return app


def _error_json(error: DomainError) -> str:
    return ErrorBody(reason=error.reason, message=error.message).model_dump_json()


def serve(app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Resolves one request; a flood of a body is refused before anything parses it."""
    if len(event.get("body") or "") > MAX_BODY_BYTES:
        error = PayloadTooLarge("body_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
        return {
            "statusCode": error.status_code,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": _error_json(error),
        }
    return app.resolve(event, context)


def organisation_of(event: APIGatewayProxyEventV2) -> str:
    """The caller's organisation, from the verified JWT (API Gateway checked the signature)."""
    claims = event.request_context.authorizer.jwt_claim or {}
    organisation = claims.get(api_settings().organisation_claim)
    if not isinstance(organisation, str) or not organisation:
        raise Forbidden("no_organisation", "the token names no organisation")
    return organisation


# Path parameters: server-made ids only; anything else cannot name an item.
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]


def created(body: T) -> Response[T]:
    return Response(HTTPStatus.CREATED, content_type=content_types.APPLICATION_JSON, body=body)

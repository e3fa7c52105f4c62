"""What every HTTP function shares: the resolver, error mapping, the caller's organisation."""

from http import HTTPStatus
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from interview_scheduling.errors import DomainError, Forbidden, PayloadTooLarge
from interview_scheduling.schemas import ID_PATTERN, ErrorBody, FieldError
from interview_scheduling.settings import api_settings

# Far above any valid body here (the largest is a 100 kB resume text); refuses floods early.
MAX_BODY_BYTES = 256 * 1024

logger = Logger()
T = TypeVar("T")


def responses(success: int, model: type[BaseModel], *errors: int) -> dict[int, OpenAPIResponse]:
    """A route's OpenAPI answers: its success, 422 (every input is validated) and its refusals.

    Powertools documents only these once a route lists any, so the success is listed too.
    """
    answers: dict[int, OpenAPIResponse] = {
        success: {"description": "Success", "content": {content_types.APPLICATION_JSON: {"model": model}}}
    }
    for status in sorted({*errors, HTTPStatus.UNPROCESSABLE_ENTITY}):
        answers[status] = {
            "description": _DESCRIPTIONS[status],
            "content": {content_types.APPLICATION_JSON: {"model": ErrorBody}},
        }
    return answers


_DESCRIPTIONS = {
    403: "Forbidden: the token names no organisation, or the session is not open now",
    404: "Not found (or owned by another organisation)",
    409: "Conflicts with the current state",
    422: "Invalid input (`errors` says where), or refused by the rules",
}


def create_resolver(*routers: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response[str]:
        logger.info("request refused", extra={"reason": error.reason, "status": error.status_code})
        return _error_response(error.status_code, ErrorBody(reason=error.reason, message=error.message))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[str]:
        # Where and what kind, never the offending values or pydantic's wording.
        problems = [FieldError(loc=list(e["loc"]), type=e["type"]) for e in error.errors()]
        body = ErrorBody(
            reason="invalid_request", message="the request does not match the API", errors=problems
        )
        return _error_response(HTTPStatus.UNPROCESSABLE_ENTITY, body)

    return app


def _error_response(status: int, body: ErrorBody) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(exclude_none=True),
    )


def serve(app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Resolves one request; a flood of a body is refused before anything parses it."""
    if len(event.get("body") or "") > MAX_BODY_BYTES:
        error = PayloadTooLarge("body_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
        return {
            "statusCode": error.status_code,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": ErrorBody(reason=error.reason, message=error.message).model_dump_json(exclude_none=True),
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

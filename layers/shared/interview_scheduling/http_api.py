"""What every HTTP function shares: the resolver, error mapping, the caller's organisation."""

import base64
import binascii
import re
from http import HTTPStatus
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel

from interview_scheduling.errors import BadRequest, DomainError, Forbidden, PayloadTooLarge
from interview_scheduling.pagination import MAX_CURSOR_LENGTH, MAX_LIMIT
from interview_scheduling.schemas import ID_PATTERN, ErrorBody, FieldError
from interview_scheduling.settings import api_settings

# Far above any valid body here (the largest is a 100 kB resume text); refuses floods early.
MAX_BODY_BYTES = 256 * 1024
# The deepest valid body nests 3 levels; Python's json would recurse until it fails near 1,000.
MAX_BODY_DEPTH = 32
# An organisation id as identity providers issue them; a list or object claim arrives flattened
# to text such as "[a b]" and must not become a tenant.
ORGANISATION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
# Every answer may carry personal data (names, emails, resume text): no cache may keep it.
NO_STORE = {"Cache-Control": "no-store"}

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
    400: "Bad request: e.g. a cursor this list did not give for these filters",
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
        return _refusal(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[str]:
        # Where and what kind, never the offending values or pydantic's wording.
        problems = [FieldError(loc=list(e["loc"]), type=e["type"]) for e in error.errors()]
        body = ErrorBody(
            reason="invalid_request", message="the request does not match the API", errors=problems
        )
        return _error_response(HTTPStatus.UNPROCESSABLE_ENTITY, body)

    return app


def _refusal(error: DomainError) -> Response[str]:
    logger.info("request refused", extra={"reason": error.reason, "status": error.status_code})
    body = ErrorBody(reason=error.reason, message=error.message, **error.details())
    return _error_response(error.status_code, body)


def _error_response(status: int, body: ErrorBody) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(exclude_none=True),
    )


def serve(app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Resolves one request; a body that cannot be JSON text is refused before anything parses it."""
    try:
        event = _with_checked_body(event)
    except DomainError as error:
        result = ResponseBuilder[APIGatewayProxyEventV2](_refusal(error)).build(APIGatewayProxyEventV2(event))
    else:
        result = app.resolve(event, context)
    result["headers"] = {**(result.get("headers") or {}), **NO_STORE}
    return result


def _with_checked_body(event: dict[str, Any]) -> dict[str, Any]:
    body = event.get("body") or ""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge("body_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
    if event.get("isBase64Encoded"):
        # API Gateway passes a body it could not take as text base64-encoded; JSON must be UTF-8.
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise BadRequest("invalid_encoding", "the body is not UTF-8 text") from error
        event = {**event, "body": body, "isBase64Encoded": False}
    # Counting brackets is cheap; only a body with enough of them is walked.
    if body.count("[") + body.count("{") > MAX_BODY_DEPTH and _nesting_depth(body) > MAX_BODY_DEPTH:
        raise BadRequest("body_too_deep", f"JSON bodies may nest at most {MAX_BODY_DEPTH} levels")
    return event


def _nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in JSON text, counted without parsing it.

    Hand-written because the json module has no depth limit of its own: it recurses, and a
    2 kB body of brackets exhausts the interpreter's stack before any validation can refuse it.
    """
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def organisation_of(event: APIGatewayProxyEventV2) -> str:
    """The caller's organisation, from the verified JWT (API Gateway checked the signature)."""
    claims = event.request_context.authorizer.jwt_claim or {}
    organisation = claims.get(api_settings().organisation_claim)
    if not isinstance(organisation, str) or not ORGANISATION_PATTERN.fullmatch(organisation):
        raise Forbidden("no_organisation", "the token names no organisation")
    return organisation


# Path parameters: server-made ids only; anything else cannot name an item.
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
# What every list takes (interview_scheduling.pagination).
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
CursorQuery = Annotated[
    str | None, Query(max_length=MAX_CURSOR_LENGTH, description="`next_cursor` of the page before")
]
# Instants with their offset (a time without one names no instant); `from` and `to` are keywords.
FromQuery = Annotated[AwareDatetime | None, Query(alias="from", description="From this instant, included")]
ToQuery = Annotated[AwareDatetime | None, Query(alias="to", description="Up to this instant, left out")]


def created(body: T) -> Response[T]:
    return Response(HTTPStatus.CREATED, content_type=content_types.APPLICATION_JSON, body=body)


def idempotency_key_header(description: str) -> Header:
    """The `Idempotency-Key` request header (IETF draft): printable ASCII, at most 128 characters."""
    return Header(alias="idempotency-key", max_length=128, pattern=r"^[\x21-\x7e]+$", description=description)

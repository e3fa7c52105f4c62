"""HTTP, no JWT: the interview app reads a session with the key from the candidate's link, and
says when the candidate started and finished it."""

from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import settings
from interview_scheduling.http_api import create_resolver, responses, serve
from interview_scheduling.schemas import SESSION_KEY_PATTERN, SessionProgress, SessionView
from interview_scheduling.session_access import complete_session, open_session, start_session

# Cold start: a missing or invalid setting fails the init, not the tenth request.
settings.data_settings()
settings.api_settings()
settings.session_window_settings()

logger = Logger()
router = APIGatewayHttpRouter()


@router.get(
    "/sessions/<session_key>",
    responses=responses(200, SessionView, 403, 404),
    tags=["sessions"],
)
def get_session(session_key: Annotated[str, Path(pattern=SESSION_KEY_PATTERN)]) -> SessionView:
    return open_session(session_key)


SessionKey = Annotated[str, Path(pattern=SESSION_KEY_PATTERN)]


@router.post(
    "/sessions/<session_key>/start",
    responses=responses(200, SessionProgress, 403, 404),
    tags=["sessions"],
)
def start(session_key: SessionKey) -> SessionProgress:
    return start_session(session_key)


@router.post(
    "/sessions/<session_key>/complete",
    responses=responses(200, SessionProgress, 403, 404),
    tags=["sessions"],
)
def complete(session_key: SessionKey) -> SessionProgress:
    return complete_session(session_key)


app = create_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)

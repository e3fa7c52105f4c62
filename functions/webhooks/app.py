"""HTTP: an organisation's webhook subscriptions (register, list, delete, test)."""

from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from interview_scheduling import settings, webhook_delivery, webhooks
from interview_scheduling.http_api import IdPath, create_resolver, created, organisation_of, responses, serve
from interview_scheduling.schemas import (
    WebhookCreated,
    WebhookDeleted,
    WebhookIn,
    WebhookPage,
    WebhookTestOut,
)

# Cold start: a missing or invalid setting fails the init, not the tenth request.
settings.data_settings()
settings.api_settings()
settings.secret_settings()
settings.webhook_settings()

logger = Logger()
router = APIGatewayHttpRouter()


@router.post("/webhooks", responses=responses(201, WebhookCreated, 403, 409), tags=["webhooks"])
def create_webhook(webhook: Annotated[WebhookIn, Body()]) -> Response[WebhookCreated]:
    return created(webhooks.create(organisation_of(router.current_event), webhook))


@router.get("/webhooks", responses=responses(200, WebhookPage, 403), tags=["webhooks"])
def list_webhooks() -> WebhookPage:
    return webhooks.list_all(organisation_of(router.current_event))


@router.delete(
    "/webhooks/<webhook_id>", responses=responses(200, WebhookDeleted, 403, 404), tags=["webhooks"]
)
def delete_webhook(webhook_id: IdPath) -> WebhookDeleted:
    webhooks.delete(organisation_of(router.current_event), webhook_id)
    return WebhookDeleted(webhook_id=webhook_id)


@router.post(
    "/webhooks/<webhook_id>/test", responses=responses(200, WebhookTestOut, 403, 404), tags=["webhooks"]
)
def test_webhook(webhook_id: IdPath) -> WebhookTestOut:
    return webhook_delivery.send_test(organisation_of(router.current_event), webhook_id)


app = create_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return serve(app, event, context)

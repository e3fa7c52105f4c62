"""Writes openapi.json: the whole HTTP API, generated from the routes and their models.

`python scripts/generate_openapi.py` rewrites it; tests fail while the committed copy is stale.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from local_runtime.config import LOCAL_PARAMETERS
from local_runtime.template import StackTemplate, import_environment

# The handler modules check their settings at import; the local values serve for the document.
for _name, _value in import_environment(StackTemplate(), LOCAL_PARAMETERS).items():
    os.environ.setdefault(_name, _value)

from book_interview.app import router as booking_routes  # noqa: E402
from candidate_data.app import router as candidate_data_routes  # noqa: E402
from candidate_pages.app import router as page_routes  # noqa: E402
from candidate_session.app import router as session_routes  # noqa: E402
from catalog.app import router as catalog_routes  # noqa: E402
from interview_scheduling.http_api import create_resolver  # noqa: E402
from webhooks.app import router as webhook_routes  # noqa: E402

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.json"


def openapi_document() -> str:
    # The candidate's pages are HTML for people: their routes are not in the schema.
    api = create_resolver(
        catalog_routes, candidate_data_routes, booking_routes, session_routes, webhook_routes, page_routes
    )
    schema = api.get_openapi_json_schema(
        title="Interview scheduling",
        version="1.0.0",
        description="Book candidates into interview slots; each booking becomes an AI-interview session "
        "and an emailed invitation.",
        security_schemes={"recruiterJwt": HTTPBearer(bearerFormat="JWT")},
    )
    document = json.loads(schema)
    _declare_route_security(document, StackTemplate())
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _declare_route_security(document: dict[str, Any], template: StackTemplate) -> None:
    """Who may call each operation, as the template's authorizer decides it, and what the
    authorizer answers itself (API Gateway's `{"message": ...}`, before any function runs)."""
    schemas = document["components"]["schemas"]
    schemas["GatewayError"] = {
        "type": "object",
        "properties": {"message": {"type": "string"}},
        "required": ["message"],
        "title": "GatewayError",
    }
    for route in template.http_routes():
        if route.path not in document["paths"]:
            continue  # an HTML page (include_in_schema=False)
        operation = document["paths"][route.path][route.method.lower()]
        operation["security"] = [{"recruiterJwt": list(route.scopes)}] if route.authorizer else []
        if route.authorizer is None:
            continue
        answers = operation["responses"]
        answers["401"] = _json(
            "Missing, invalid or expired token", {"$ref": "#/components/schemas/GatewayError"}
        )
        refusal = answers["403"]["content"]["application/json"]["schema"]
        answers["403"] = _json(
            "The token lacks the route's scope, or names no organisation",
            {"anyOf": [{"$ref": "#/components/schemas/GatewayError"}, refusal]},
        )


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


if __name__ == "__main__":
    OPENAPI_PATH.write_text(openapi_document())
    sys.stdout.write(f"wrote {OPENAPI_PATH}\n")

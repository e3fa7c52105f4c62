"""The committed openapi.json is what the code generates, and it covers every template route."""

import json

from scripts.generate_openapi import OPENAPI_PATH, openapi_document


def test_committed_openapi_document_is_up_to_date():
    assert OPENAPI_PATH.read_text() == openapi_document(), "run: python scripts/generate_openapi.py"


def test_every_template_route_is_documented_with_its_security(stack_template):
    paths = json.loads(OPENAPI_PATH.read_text())["paths"]
    for route in stack_template.http_routes():
        operation = paths[route.path][route.method.lower()]
        expected = [{"recruiterJwt": list(route.scopes)}] if route.authorizer else []
        assert operation["security"] == expected
    documented = {(path, method.upper()) for path, ops in paths.items() for method in ops}
    assert documented == {(r.path, r.method) for r in stack_template.http_routes()}

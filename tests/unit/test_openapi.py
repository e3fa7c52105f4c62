"""The committed openapi.json is what the code generates, and it covers every template route."""

import json

from scripts.generate_openapi import OPENAPI_PATH, openapi_document


def test_committed_openapi_document_is_up_to_date():
    assert OPENAPI_PATH.read_text() == openapi_document(), "run: python scripts/generate_openapi.py"


# HTML for people, not JSON: the candidate's pages are left out of the API document.
HTML_FUNCTIONS = {"CandidatePagesFunction"}


def _json_routes(template):
    return [route for route in template.http_routes() if route.function_id not in HTML_FUNCTIONS]


def test_every_template_route_is_documented_with_its_security(stack_template):
    paths = json.loads(OPENAPI_PATH.read_text())["paths"]
    for route in _json_routes(stack_template):
        operation = paths[route.path][route.method.lower()]
        expected = [{"recruiterJwt": list(route.scopes)}] if route.authorizer else []
        assert operation["security"] == expected
    documented = {(path, method.upper()) for path, ops in paths.items() for method in ops}
    assert documented == {(r.path, r.method) for r in _json_routes(stack_template)}


def test_the_html_pages_are_public_routes_left_out_of_the_document(stack_template):
    pages = [route for route in stack_template.http_routes() if route.function_id in HTML_FUNCTIONS]
    paths = json.loads(OPENAPI_PATH.read_text())["paths"]
    assert pages and all(route.authorizer is None for route in pages)
    assert not [route for route in pages if route.path in paths]

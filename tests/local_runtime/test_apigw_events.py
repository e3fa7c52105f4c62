"""API Gateway HTTP API behaviour without a server: route selection, payload 2.0 events and
responses made from what a function returns."""

import base64
import json
from datetime import UTC, datetime

import pytest

from local_runtime.apigw.events import (
    HttpRequest,
    JwtContext,
    MalformedResponseError,
    RouteTable,
    build_event,
    response_from_result,
)
from local_runtime.template import HttpRoute

ROUTES = RouteTable(
    [
        HttpRoute("POST", "/jobs", "Catalog", "Jwt", ("interviews/write",)),
        HttpRoute("GET", "/jobs/{job_id}", "Catalog", "Jwt", ("interviews/read",)),
        HttpRoute("POST", "/jobs/{job_id}/interviews", "Book", "Jwt", ("interviews/write",)),
        HttpRoute("GET", "/jobs/{job_id}/interviews/{interview_id}", "Book", "Jwt", ("interviews/read",)),
        HttpRoute("GET", "/jobs/special", "Special", None, ()),
        HttpRoute("ANY", "/files/{path+}", "Files", None, ()),
        HttpRoute("GET", "/sessions/{session_key}", "Session", None, ()),
    ]
)


RECEIVED = datetime(2030, 3, 12, 19, 3, 58, tzinfo=UTC)


def request(method: str, target: str, body: bytes = b"", headers=None) -> HttpRequest:
    path, _, query = target.partition("?")
    return HttpRequest(
        method=method,
        raw_path=path,
        raw_query=query,
        headers=headers or [("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8")],
        body=body,
        source_ip="127.0.0.1",
        received_at=RECEIVED,
    )


class TestRouteMatching:
    def test_path_parameters_are_captured(self):
        match = ROUTES.match("GET", "/jobs/j-1/interviews/i-2")
        assert match is not None
        assert match.route.function_id == "Book"
        assert match.route_key == "GET /jobs/{job_id}/interviews/{interview_id}"
        assert match.path_parameters == {"job_id": "j-1", "interview_id": "i-2"}

    def test_method_must_match(self):
        assert ROUTES.match("DELETE", "/jobs/j-1") is None
        assert ROUTES.match("post", "/jobs").route.function_id == "Catalog"  # type: ignore[union-attr]

    def test_literal_segment_wins_over_parameter(self):
        assert ROUTES.match("GET", "/jobs/special").route.function_id == "Special"  # type: ignore[union-attr]
        assert ROUTES.match("GET", "/jobs/other").route.function_id == "Catalog"  # type: ignore[union-attr]

    def test_greedy_parameter_takes_the_rest_of_the_path_for_any_method(self):
        match = ROUTES.match("PUT", "/files/a/b/c.txt")
        assert match is not None
        assert match.path_parameters == {"path": "a/b/c.txt"}

    @pytest.mark.parametrize(
        "path", ["/", "/jobs/", "/jobs/j-1/candidates", "/jobs//interviews", "/files", "/nope"]
    )
    def test_unknown_paths_do_not_match(self, path):
        assert ROUTES.match("GET", path) is None

    def test_path_parameters_are_decoded(self):
        match = ROUTES.match("GET", "/sessions/a%2Fb%20c")
        assert match is not None
        assert match.path_parameters == {"session_key": "a/b c"}


class TestEvent:
    def test_payload_v2_fields(self):
        incoming = request(
            "POST",
            "/jobs/j-1/interviews?dry=1&tag=a&tag=b",
            b'{"slot_id": "s"}',
            [
                ("Host", "127.0.0.1:3000"),
                ("Content-Type", "application/json"),
                ("X-Trace", "one"),
                ("X-Trace", "two"),
                ("Cookie", "a=1; b=2"),
            ],
        )
        match = ROUTES.match("POST", "/jobs/j-1/interviews")
        assert match is not None
        jwt = JwtContext(
            {"sub": "u", "org_id": "o", "exp": 1900000000, "groups": ["x", "y"]}, ["interviews/write"]
        )
        event = build_event(incoming, match, "req-1", jwt)

        assert event["version"] == "2.0"
        assert event["routeKey"] == "POST /jobs/{job_id}/interviews"
        assert event["rawPath"] == "/jobs/j-1/interviews"
        assert event["rawQueryString"] == "dry=1&tag=a&tag=b"
        assert event["queryStringParameters"] == {"dry": "1", "tag": "a,b"}
        assert event["pathParameters"] == {"job_id": "j-1"}
        assert event["headers"] == {
            "host": "127.0.0.1:3000",
            "content-type": "application/json",
            "x-trace": "one,two",
        }
        assert event["cookies"] == ["a=1", "b=2"]
        assert event["body"] == '{"slot_id": "s"}'
        assert event["isBase64Encoded"] is False
        context = event["requestContext"]
        assert context["http"] == {
            "method": "POST",
            "path": "/jobs/j-1/interviews",
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "",
        }
        assert context["requestId"] == "req-1"
        assert context["routeKey"] == "POST /jobs/{job_id}/interviews"
        assert context["stage"] == "$default"
        assert context["time"] == "12/Mar/2030:19:03:58 +0000"
        assert context["timeEpoch"] == int(RECEIVED.timestamp()) * 1000
        assert context["authorizer"]["jwt"] == {
            "claims": {"sub": "u", "org_id": "o", "exp": "1900000000", "groups": "[x y]"},
            "scopes": ["interviews/write"],
        }
        json.dumps(event)

    def test_public_route_event_has_no_authorizer_query_or_body(self):
        match = ROUTES.match("GET", "/sessions/k")
        assert match is not None
        event = build_event(request("GET", "/sessions/k"), match, "req-2")
        assert "authorizer" not in event["requestContext"]
        assert "queryStringParameters" not in event
        assert "body" not in event
        assert event["isBase64Encoded"] is False
        assert event["requestContext"]["http"]["userAgent"] == "curl/8"

    @pytest.mark.parametrize("content_type", ["application/pdf", "multipart/form-data; boundary=x", None])
    def test_binary_body_is_base64_encoded(self, content_type):
        body = b"%PDF-1.4\xff\x00"
        headers = [("Content-Type", content_type)] if content_type else []
        match = ROUTES.match("POST", "/jobs")
        assert match is not None
        event = build_event(request("POST", "/jobs", body, headers), match, "req-3")
        assert event["isBase64Encoded"] is True
        assert base64.b64decode(event["body"]) == body

    @pytest.mark.parametrize("content_type", ["text/plain; charset=utf-8", "application/problem+json"])
    def test_text_body_is_passed_as_text(self, content_type):
        match = ROUTES.match("POST", "/jobs")
        assert match is not None
        event = build_event(request("POST", "/jobs", b"hello", [("content-type", content_type)]), match, "r")
        assert (event["body"], event["isBase64Encoded"]) == ("hello", False)


class TestResponse:
    def test_structured_response(self):
        response = response_from_result(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "application/json"},
                "body": '{"a": 1}',
                "cookies": ["s=1"],
            }
        )
        assert response.status == 201
        assert ("Content-Type", "application/json") in response.headers
        assert ("set-cookie", "s=1") in response.headers
        assert response.body == b'{"a": 1}'

    def test_base64_body_is_decoded(self):
        body = base64.b64encode(b"\x89PNG").decode()
        response = response_from_result({"statusCode": 200, "body": body, "isBase64Encoded": True})
        assert response.body == b"\x89PNG"

    def test_status_without_body_sends_an_empty_body(self):
        assert response_from_result({"statusCode": 204}).body == b""

    @pytest.mark.parametrize("returned", [{"message": "hi"}, ["a", 1], "text", None])
    def test_inferred_format_is_a_json_200(self, returned):
        response = response_from_result(returned)
        assert response.status == 200
        assert response.headers == [("content-type", "application/json")]
        assert json.loads(response.body) == returned

    @pytest.mark.parametrize(
        "returned",
        [
            {"statusCode": "abc"},
            {"statusCode": 999},
            {"statusCode": 200, "body": {"not": "a string"}},
            {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
        ],
    )
    def test_malformed_response_is_refused(self, returned):
        with pytest.raises(MalformedResponseError):
            response_from_result(returned)

"""The background servers' keep-alive: real HTTP over loopback, with http.client and boto3."""

from __future__ import annotations

import http.client
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import boto3
import pytest

from local_runtime.aws.embedded import EmbeddedAws
from local_runtime.servers import BackgroundServer, KeepAliveRequestHandler, read_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def echo(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Answers with the client's port and the body it read: all of it, or none with `?unread`."""
    body = b"" if environ["QUERY_STRING"] == "unread" else read_body(environ)
    answer = f"{environ['REMOTE_PORT']} ".encode() + body
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "999")])
    return [answer[:3], answer[3:]]  # in parts, and with a wrong length the handler must not send


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    server = BackgroundServer("test", echo, request_handler=KeepAliveRequestHandler)
    server.start()
    yield server
    server.stop()


def ask(
    connection: http.client.HTTPConnection, method: str, path: str, body: bytes = b""
) -> tuple[str, bytes]:
    connection.request(method, path, body=body)
    response = connection.getresponse()
    payload = response.read()
    return response.getheader("Connection", ""), payload


def test_one_connection_carries_several_requests_each_answered_with_its_own_length(server: BackgroundServer):
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    answers = [ask(connection, "POST", "/", f"request {n}".encode()) for n in range(3)]
    ports = {payload.split(b" ", 1)[0] for _, payload in answers}
    assert len(ports) == 1  # the same client port: one connection
    assert [payload.split(b" ", 1)[1] for _, payload in answers] == [b"request 0", b"request 1", b"request 2"]
    assert all(header.lower() != "close" for header, _ in answers)
    connection.close()


def test_a_body_the_app_left_unread_closes_the_connection_rather_than_being_read_as_a_request(
    server: BackgroundServer,
):
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    header, _ = ask(connection, "POST", "/?unread", b"GET /smuggled HTTP/1.1\r\n\r\n")
    assert header.lower() == "close"
    # http.client opens a new connection for the next request; it is answered as sent.
    _, payload = ask(connection, "POST", "/", b"next")
    assert payload.endswith(b" next")
    connection.close()


def test_head_keeps_the_apps_content_length_and_sends_no_body(server: BackgroundServer):
    connection = http.client.HTTPConnection("127.0.0.1", server.port)
    connection.request("HEAD", "/")
    response = connection.getresponse()
    assert response.getheader("Content-Length") == "999"
    assert response.read() == b""
    # Nothing of a body was sent: the next answer on the connection parses.
    _, payload = ask(connection, "POST", "/", b"after head")
    assert payload.endswith(b" after head")
    connection.close()


def test_stopping_the_server_closes_the_connections_it_kept_open():
    server = BackgroundServer("test", echo, request_handler=KeepAliveRequestHandler)
    server.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    ask(connection, "POST", "/", b"before stop")
    server.stop()
    # A kept connection to a stopped server must not still be answered by its handler's thread.
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        connection.request("POST", "/", body=b"after stop")
        connection.getresponse().read()
    connection.close()


def test_the_embedded_aws_keeps_botocores_connections_and_s3_metadata_with_underscores(
    boto_session: boto3.Session,
):
    aws = EmbeddedAws()
    endpoint = aws.start()
    try:
        s3 = boto_session.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="keep-alive-test")
        s3.put_object(
            Bucket="keep-alive-test", Key="k", Body=b"x" * 2_000_000, Metadata={"candidate_ref": "c-1"}
        )
        head = s3.head_object(Bucket="keep-alive-test", Key="k")
        assert head["ContentLength"] == 2_000_000
        assert head["Metadata"] == {"candidate_ref": "c-1"}
        assert s3.get_object(Bucket="keep-alive-test", Key="k")["Body"].read() == b"x" * 2_000_000
        answer = s3.list_objects_v2(Bucket="keep-alive-test")["ResponseMetadata"]["HTTPHeaders"]
        assert "connection" not in answer  # no "Connection: close": botocore keeps it for the next call
    finally:
        aws.stop()

"""The Invoke API's request handling that needs no running function."""

import pytest

from local_runtime.lambda_.invoke_api import MAX_EVENT_PAYLOAD, check_invoke_request, function_name


@pytest.mark.parametrize(
    "identifier",
    [
        "SendEmailFunction",
        "SendEmailFunction:$LATEST",
        "arn:aws:lambda:us-east-1:123456789012:function:SendEmailFunction",
        "arn:aws:lambda:us-east-1:123456789012:function:SendEmailFunction:live",
        "123456789012:function:SendEmailFunction",
    ],
)
def test_every_form_of_function_name_is_understood(identifier):
    assert function_name(identifier) == "SendEmailFunction"


@pytest.mark.parametrize(
    ("invocation_type", "payload", "status"),
    [
        ("RequestResponse", b"{}", None),
        ("Event", b'{"a": 1}', None),
        ("DryRun", b"{}", None),
        ("Sometimes", b"{}", 400),
        ("RequestResponse", b"not json", 400),
        ("Event", b'"' + b"x" * MAX_EVENT_PAYLOAD + b'"', 413),
    ],
)
def test_requests_are_checked_as_lambda_does(invocation_type, payload, status):
    refusal = check_invoke_request(invocation_type, payload)
    assert (refusal.status if refusal else None) == status

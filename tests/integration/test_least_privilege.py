"""Each function's template policy allows every AWS action the function really makes, and little else.

A full scenario runs through every function against moto while every botocore call is recorded
with the function that made it; the calls are then checked against the template's statements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from interview_scheduling import session_keys
from interview_scheduling.models import Candidate, InterviewSession
from local_runtime.template import LOCAL_ACCOUNT, LOCAL_REGION
from tests.support.candidate_pages import PagesClient, links_of
from tests.support.catalog import create_candidate, create_slot
from tests.support.pipeline import sent_emails, session_key_of
from tests.support.receiver import receiving
from tests.support.ttl import deletion_record, ttl_deletion

FAR_FUTURE = datetime.now(UTC) + timedelta(days=3650)
ACTIVE: list[str] = []
# (function, IAM action, resource as the template names it)
CALLS: set[tuple[str, str, str]] = set()
# Granted but not called by the function's code: used on its behalf, with its role.
USED_ON_ITS_BEHALF = {
    # Lambda sends failed records and events to the on-failure queues.
    ("CreateSessionFunction", "sqs:SendMessage"),
    ("SendEmailFunction", "sqs:SendMessage"),
    # The browser's upload through the presigned POST the function signs.
    ("CatalogFunction", "s3:PutObject"),
    # Schedules it makes run as the scheduler's role, which it passes.
    ("CreateSessionFunction", "iam:PassRole"),
    # Lambda sends firings that kept failing to the on-failure queue.
    ("TimeEventsFunction", "sqs:SendMessage"),
    # Lambda sends SES events that kept failing to the on-failure queue.
    ("EmailEventsFunction", "sqs:SendMessage"),
    # Lambda sends stream batches that kept failing to the on-failure queue.
    ("DomainEventsFunction", "sqs:SendMessage"),
    # Retries it schedules run as the scheduler's role, which it passes; Lambda parks events that
    # kept failing, and the function parks deliveries that ran out of retries, in the failure queue.
    ("WebhookDeliveryFunction", "iam:PassRole"),
    ("WebhookDeliveryFunction", "sqs:SendMessage"),
}
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _dynamodb_calls(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    if operation == "TransactWriteItems":
        return [
            (f"dynamodb:{TRANSACT_ACTIONS[kind]}", op["TableName"])
            for item in params["TransactItems"]
            for kind, op in item.items()
        ]
    if operation == "BatchGetItem":
        return [("dynamodb:BatchGetItem", table) for table in params["RequestItems"]]
    table = params["TableName"]
    if "IndexName" in params:
        table = f"{table}/index/{params['IndexName']}"
    return [(f"dynamodb:{operation}", table)]


def _ses_calls(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """SES authorises a send against the sender's domain identity and the configuration set, if any.

    A SES v2 SendEmail with raw content is refused as `ses:SendRawEmail` when only
    `ses:SendEmail` is granted, so both are needed.
    """
    actions = [f"ses:{operation}"]
    if operation == "SendEmail" and "Raw" in params.get("Content", {}):
        actions.append("ses:SendRawEmail")
    domain = params["FromEmailAddress"].rpartition("@")[2]
    resources = [_ses_arn(f"identity/{domain}")]
    if "ConfigurationSetName" in params:
        resources.append(_ses_arn(f"configuration-set/{params['ConfigurationSetName']}"))
    return [(action, resource) for action in actions for resource in resources]


def _ses_arn(resource: str) -> str:
    return f"arn:aws:ses:{LOCAL_REGION}:{LOCAL_ACCOUNT}:{resource}"


def _s3_call(operation: str, params: dict[str, Any]) -> tuple[str, str]:
    """The action S3 authorises a call as, on the bucket or the object it names."""
    if operation == "ListObjectVersions":
        return "s3:ListBucketVersions", params["Bucket"]
    if operation == "DeleteObject" and "VersionId" in params:
        return "s3:DeleteObjectVersion", f"{params['Bucket']}/{params['Key']}"
    # HeadObject is authorised as GetObject.
    action = "GetObject" if operation == "HeadObject" else operation
    return f"s3:{action}", f"{params['Bucket']}/{params['Key']}"


def _record(client: BaseClient, operation: str, params: dict[str, Any]) -> None:
    if not ACTIVE:
        return
    service = client.meta.service_model.signing_name
    if service == "dynamodb":
        calls = _dynamodb_calls(operation, params)
    elif service == "s3":
        calls = [_s3_call(operation, params)]
    elif service == "lambda":
        calls = [("lambda:InvokeFunction", params["FunctionName"])]
    elif service == "ses":
        calls = _ses_calls(operation, params)
    else:
        calls = [(f"{service}:{operation}", "*")]
    CALLS.update((ACTIVE[-1], action, resource) for action, resource in calls)


@contextmanager
def acting_as(function_id: str) -> Iterator[None]:
    # Each function has its own execution environment: nothing it fetched is cached for another.
    session_keys.reset()
    ACTIVE.append(function_id)
    try:
        yield
    finally:
        ACTIVE.pop()


def _granted(template: Any, function_id: str) -> list[tuple[set[str], list[Any]]]:
    statements = template.resources[function_id]["Properties"]["Policies"][0]["Statement"]
    granted = []
    for statement in statements:
        resources = statement["Resource"]
        granted.append((set(statement["Action"]), resources if isinstance(resources, list) else [resources]))
    return granted


def _covers(resource_expression: Any, resource: str, resolver: Any) -> bool:
    """Whether a template Resource entry names the (locally named) resource."""
    if resource == "*":
        return True
    if "Fn::GetAtt" in resource_expression:
        logical_id = resource_expression["Fn::GetAtt"][0]
        return bool(resolver.ref(logical_id) == resource)
    if "Fn::Sub" in resource_expression and ":ses:" in resource_expression["Fn::Sub"]:
        return resource == _substituted(resource_expression["Fn::Sub"], resolver)
    if "Fn::Sub" in resource_expression:
        pattern: str = resource_expression["Fn::Sub"]
        head, _, tail = pattern.partition(".Arn}")
        logical_id = head.removeprefix("${")
        named = resolver.ref(logical_id) + tail
        return resource == named or (named.endswith("*") and resource.startswith(named[:-1]))
    return False


def _substituted(pattern: str, resolver: Any) -> str:
    """A Fn::Sub string with pseudo parameters, parameters and resources as the local stack has them."""
    pseudo = {"AWS::Partition": "aws", "AWS::Region": LOCAL_REGION, "AWS::AccountId": LOCAL_ACCOUNT}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in pseudo:
            return pseudo[name]
        resource_id, _, attribute = name.partition(".")
        return str(resolver.get_att(resource_id, attribute) if attribute else resolver.ref(name))

    return re.sub(r"\$\{([^}]+)\}", value, pattern)


def test_every_call_each_function_makes_is_granted_and_every_grant_is_used(api, aws, pipeline, domain_events):
    template, resolver = aws.template, aws.resolver

    def call(method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> Any:
        with acting_as(api.route_of(method, path).function_id):
            return api.request(method, path, body, query=query)

    with pytest.MonkeyPatch.context() as patch:
        original = BaseClient._make_api_call  # type: ignore[attr-defined]

        def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            _record(self, operation, params)
            return original(self, operation, params)

        patch.setattr(BaseClient, "_make_api_call", recording)
        CALLS.clear()

        job = {"job_title": "SRE", "company_name": "Acme", "reminder_offsets_minutes": [5]}
        job_id = call("POST", "/jobs", job).body["job_id"]
        call("GET", f"/jobs/{job_id}")
        with acting_as("CatalogFunction"):
            candidate_id = create_candidate(api, job_id)
            slot_id = create_slot(api, job_id, starts_in=timedelta(minutes=10))
            later_slot = create_slot(api, job_id, starts_in=timedelta(minutes=20))
            # Far enough ahead for the candidate's own changes (a day's cutoff by default).
            far_slot = create_slot(api, job_id, starts_in=timedelta(days=2))
            farther_slot = create_slot(api, job_id, starts_in=timedelta(days=3))
        call("GET", f"/jobs/{job_id}/candidates/{candidate_id}")
        upload = call("POST", f"/jobs/{job_id}/candidates/{candidate_id}/resume", {}).body
        aws.session.client("s3").put_object(
            Bucket=resolver.ref("ResumesBucket"), Key=upload["resume_key"], Body=b"%PDF-1.7 not really"
        )
        call("GET", f"/jobs/{job_id}/candidates/{candidate_id}")  # is the upload there?
        call("GET", f"/jobs/{job_id}/slots")
        booking = {"candidate_id": candidate_id, "slot_id": slot_id}
        interview_id = call("POST", f"/jobs/{job_id}/interviews", booking).body["interview_id"]
        call("POST", f"/jobs/{job_id}/interviews", booking)  # a repeat: the replay path reads
        records = pipeline.new_records()  # reading the stream is Lambda's work, not the function's
        for _ in range(2):  # the second time finds everything done
            with acting_as("CreateSessionFunction"):
                pipeline.run_create_session(records)
            invokes = list(pipeline.invokes)
            with acting_as("SendEmailFunction"):
                pipeline.deliver_emails()
            pipeline.invokes = invokes
        pipeline.invokes = []
        body = sent_emails()[0].get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        key = text.split("session_key=")[1].split()[0]
        call("GET", f"/sessions/{key}")
        call("POST", f"/jobs/{job_id}/interviews/{interview_id}/reschedule", {"slot_id": later_slot})
        call("POST", f"/jobs/{job_id}/interviews/{interview_id}/cancel")
        records = pipeline.new_records()
        with acting_as("CreateSessionFunction"):
            pipeline.run_create_session(records)
        with acting_as("SendEmailFunction"):
            pipeline.deliver_emails()
        call("GET", f"/jobs/{job_id}/interviews/{interview_id}")
        # A second candidate in the freed seat: the schedules fire, the address bounces and is
        # corrected, the invitation is resent, the session starts and ends.
        with acting_as("CatalogFunction"):
            second = create_candidate(api, job_id, email="bounce@simulator.amazonses.com")
        booking = {"candidate_id": second, "slot_id": later_slot}
        second_interview = call("POST", f"/jobs/{job_id}/interviews", booking).body["interview_id"]
        records = pipeline.new_records()
        with acting_as("CreateSessionFunction"):
            pipeline.run_create_session(records)
        reminder, no_show = sorted(pipeline.schedules(second_interview), key=lambda s: "no_show" in s["Name"])
        with acting_as("TimeEventsFunction"):
            pipeline.fire(reminder, delete=False)  # deleting it is the scheduler's work
        with acting_as("SendEmailFunction"):
            pipeline.deliver_emails()
        with acting_as("EmailEventsFunction"):
            pipeline.report(pipeline.ses_events())
        call("PATCH", f"/jobs/{job_id}/candidates/{second}", {"email": "b@example.com"})
        assert call("POST", f"/jobs/{job_id}/interviews/{second_interview}/resend").status == 202
        with acting_as("SendEmailFunction"):
            pipeline.deliver_emails()
        key = session_key_of(sent_emails()[-1])
        assert call("POST", f"/sessions/{key}/start").status == 200
        assert call("POST", f"/sessions/{key}/complete").status == 200
        with acting_as("TimeEventsFunction"):
            pipeline.fire(no_show, delete=False)
        # The lists, each filter on the index that answers it.
        call("GET", "/jobs")
        call("PATCH", f"/jobs/{job_id}", {"domain": "payments"})
        call("GET", f"/jobs/{job_id}/candidates")
        call("GET", f"/jobs/{job_id}/slots", query={"available": "true"})
        for query in ({}, {"status": "CANCELLED"}, {"candidate_id": candidate_id}):
            call("GET", f"/jobs/{job_id}/interviews", query=query)
        for query in ({}, {"status": "CANCELLED"}, {"updated_after": "2000-01-01T00:00:00Z"}):
            call("GET", "/interviews", query=query)
        empty_job = call("POST", "/jobs", {"job_title": "SRE", "company_name": "Acme"}).body["job_id"]
        call("GET", f"/jobs/{empty_job}/interviews")  # nothing listed: is the job there?
        # A slot closed, and one deleted with the booking it holds.
        call("POST", f"/jobs/{job_id}/slots/{slot_id}/close")
        with acting_as("CatalogFunction"):
            last_slot = create_slot(api, job_id, starts_in=timedelta(minutes=30))
        last_booking = {"candidate_id": candidate_id, "slot_id": last_slot}
        last_interview = call("POST", f"/jobs/{job_id}/interviews", last_booking).body["interview_id"]
        call("DELETE", f"/jobs/{job_id}/slots/{last_slot}", query={"cancel_bookings": "true"})
        # Webhooks: registered, listed and tested; the bus's events made from every change so far,
        # delivered, one receiver failing once (a scheduled retry), one gone (410), then deleted.
        with receiving([200, 500]) as flaky, receiving(then=410) as gone:
            hook = call("POST", "/webhooks", {"url": flaky.url, "event_types": ["interview.booked"]}).body
            call("POST", "/webhooks", {"url": gone.url, "event_types": ["interview.booked"]})
            call("GET", "/webhooks")
            assert call("POST", f"/webhooks/{hook['webhook_id']}/test").body["delivered"]
            for table_id in ("InterviewsTable", "SessionsTable"):
                records = domain_events.new_records(table_id)
                with acting_as("DomainEventsFunction"):
                    assert domain_events.run(records) == {"batchItemFailures": []}
            booked = [e for e in domain_events.bus_events() if e["detail"]["type"] == "interview.booked"]
            (delivered, *_) = domain_events.route(booked)
            with acting_as("WebhookDeliveryFunction"):
                domain_events.deliver(delivered)
            (retry,) = domain_events.retries()
            with acting_as("WebhookDeliveryFunction"):
                domain_events.deliver(json.loads(retry["Target"]["Input"]))
            call("DELETE", f"/webhooks/{hook['webhook_id']}")

        # A third candidate, with a resume, booked and then erased: export, then erasure.
        with acting_as("CatalogFunction"):
            third = create_candidate(api, job_id, email="c@example.com")
            third_slot = create_slot(api, job_id, starts_in=timedelta(minutes=30))
        Candidate(job_id, third).update(actions=[Candidate.expires_at.set(FAR_FUTURE)])  # kept longer
        upload = call("POST", f"/jobs/{job_id}/candidates/{third}/resume", {}).body
        aws.session.client("s3").put_object(
            Bucket=resolver.ref("ResumesBucket"), Key=upload["resume_key"], Body=b"%PDF-1.7 not really"
        )
        booking = {"candidate_id": third, "slot_id": third_slot}
        third_interview = call("POST", f"/jobs/{job_id}/interviews", booking).body["interview_id"]
        records = pipeline.new_records()
        with acting_as("CreateSessionFunction"):
            pipeline.run_create_session(records)  # its expiry is later already: only checked
        pipeline.invokes = []
        assert call("GET", f"/jobs/{job_id}/candidates/{third}/export").status == 200
        assert call("DELETE", f"/jobs/{job_id}/candidates/{third}").status == 200
        records = pipeline.new_records()
        with acting_as("CreateSessionFunction"):
            pipeline.run_create_session(records)  # the erasure's cancel of an erased candidate
        assert InterviewSession.get(third_interview).erased_at is not None
        # The first candidate's interviews reach the end of their retention: TTL deletes them.
        for expiring in (last_interview, interview_id):
            expired = ttl_deletion(deletion_record(aws, pipeline.stream_arn, expiring))
            with acting_as("CreateSessionFunction"):
                pipeline.run_create_session([expired])
        assert Candidate.get(job_id, candidate_id).erasure is not None
        # A third candidate moves, then cancels, their interview through the links in their emails.
        pages = PagesClient(template)
        with acting_as("CatalogFunction"):
            third = create_candidate(api, job_id, email="c@example.com")
        call("POST", f"/jobs/{job_id}/interviews", {"candidate_id": third, "slot_id": far_slot})
        for change in ("reschedule", "cancel"):
            records = pipeline.new_records()
            with acting_as("CreateSessionFunction"):
                pipeline.run_create_session(records)
            with acting_as("SendEmailFunction"):
                pipeline.deliver_emails()
            link = links_of(sent_emails()[-1])[change]
            with acting_as("CandidatePagesFunction"):
                page = pages.get(link)
                form = {}
                if change == "reschedule":
                    page = pages.get(f"{link}/reschedule", slot_id=farther_slot)
                    form["slot_id"] = farther_slot
                form["form_token"] = page.field("form_token")
                assert pages.post(f"{link}/{change}", form).status == 200

    functions = {function for function, _, _ in CALLS}
    assert functions == set(template.functions)
    ungranted = [
        (function, action, resource)
        for function, action, resource in sorted(CALLS)
        if not any(
            action in actions and any(_covers(r, resource, resolver) for r in resources)
            for actions, resources in _granted(template, function)
        )
    ]
    assert ungranted == []
    unused = [
        (function, action)
        for function in template.functions
        for actions, _ in _granted(template, function)
        for action in sorted(actions)
        if (function, action) not in {(f, a) for f, a, _ in CALLS}
        and (function, action) not in USED_ON_ITS_BEHALF
    ]
    assert unused == [], json.dumps(unused)
    # Each index a function may query, it queries: a grant names exactly the indexes used.
    unqueried = [
        (function, resource)
        for function in template.functions
        for actions, resources in _granted(template, function)
        if "dynamodb:Query" in actions
        for resource in resources
        if not any(
            (f, a) == (function, "dynamodb:Query") and _covers(resource, r, resolver) for f, a, r in CALLS
        )
    ]
    assert unqueried == [], json.dumps(unqueried)

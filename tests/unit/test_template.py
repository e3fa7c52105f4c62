"""The template declares everything the code uses, in the shape the code expects."""

import importlib

import pytest
from pynamodb.models import Model

from interview_scheduling import models, settings
from local_runtime.template import StackTemplate

MODELS = [
    models.Job,
    models.Candidate,
    models.InterviewSlot,
    models.Interview,
    models.InterviewSession,
    models.WebhookSubscription,
]
# Which function must be given each settings model's variables.
SETTINGS_USERS: list[tuple[type[settings.FromEnvironment], list[str]]] = [
    (
        settings.DataSettings,
        [
            "CatalogFunction",
            "BookInterviewFunction",
            "CandidateSessionFunction",
            "CandidateDataFunction",
            "CandidatePagesFunction",
            "CreateSessionFunction",
            "SendEmailFunction",
            "EmailEventsFunction",
            "DomainEventsFunction",
            "WebhooksFunction",
            "WebhookDeliveryFunction",
        ],
    ),
    (settings.SessionSettings, ["CreateSessionFunction", "BookInterviewFunction"]),
    (settings.RetentionSettings, ["CatalogFunction", "CreateSessionFunction", "CandidateDataFunction"]),
    (settings.ScheduleGroupSettings, ["CreateSessionFunction", "CandidateDataFunction"]),
    (
        settings.SecretSettings,
        [
            "CreateSessionFunction",
            "SendEmailFunction",
            "CandidatePagesFunction",
            "WebhooksFunction",
            "WebhookDeliveryFunction",
        ],
    ),
    (settings.SessionWindowSettings, ["CandidateSessionFunction"]),
    (settings.EmailSettings, ["SendEmailFunction"]),
    (settings.EmailEventSettings, ["EmailEventsFunction"]),
    (settings.EventBusSettings, ["DomainEventsFunction", "CreateSessionFunction", "CandidateDataFunction"]),
    (settings.WebhookSettings, ["WebhooksFunction", "WebhookDeliveryFunction"]),
    (settings.WebhookRetrySettings, ["WebhookDeliveryFunction"]),
]


def _table_id_of(model: type[Model], template: StackTemplate) -> str:
    """The template table behind a model: the Ref held by the variable its settings field reads."""
    setting_name = model.Meta.__dict__["table_name"]._setting
    ref = template.document["Globals"]["Function"]["Environment"]["Variables"][setting_name.upper()]
    return str(ref["Ref"])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_model_has_a_template_table_with_its_keys(model, stack_template):
    table_id = _table_id_of(model, stack_template)
    definition = stack_template.table_definitions()[table_id]

    declared_keys = {k["AttributeName"]: k["KeyType"] for k in definition["KeySchema"]}
    model_keys = {model._hash_keyname: "HASH"}
    if model._range_keyname:
        model_keys[model._range_keyname] = "RANGE"
    assert declared_keys == model_keys
    assert definition["BillingMode"] == "PAY_PER_REQUEST"


def test_every_table_is_encrypted_and_recoverable(stack_template):
    tables = stack_template.of_type("AWS::DynamoDB::Table")
    assert len(tables) == len(MODELS)
    for table in tables.values():
        props = table["Properties"]
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


MODEL_INDEXES = [(model, index) for model in MODELS for index in model._indexes.values()]


@pytest.mark.parametrize(
    ("model", "index"), MODEL_INDEXES, ids=[f"{m.__name__}.{i.Meta.index_name}" for m, i in MODEL_INDEXES]
)
def test_each_model_index_is_declared_with_its_keys_and_projection(model, index, stack_template):
    table_id = _table_id_of(model, stack_template)
    declared = {
        gsi["IndexName"]: gsi
        for gsi in stack_template.table_definitions()[table_id].get("GlobalSecondaryIndexes", [])
    }
    gsi = declared[index.Meta.index_name]
    keys = {a.attr_name: "HASH" if a.is_hash_key else "RANGE" for a in index.Meta.attributes.values()}
    assert {k["AttributeName"]: k["KeyType"] for k in gsi["KeySchema"]} == keys
    projection = index.Meta.projection
    assert gsi["Projection"]["ProjectionType"] == projection.projection_type
    assert gsi["Projection"].get("NonKeyAttributes") == getattr(projection, "non_key_attributes", None)
    # Whatever the index projects, the model has: a list can read its items back.
    assert set(gsi["Projection"].get("NonKeyAttributes", [])) <= set(model.get_attributes())


def test_every_template_index_belongs_to_a_model(stack_template):
    declared = {
        (table_id, gsi["IndexName"])
        for table_id, table in stack_template.table_definitions().items()
        for gsi in table.get("GlobalSecondaryIndexes", [])
    }
    modelled = {(_table_id_of(m, stack_template), i.Meta.index_name) for m, i in MODEL_INDEXES}
    assert declared == modelled


def test_interviews_stream_carries_both_images_and_feeds_create_session(stack_template):
    table_id = _table_id_of(models.Interview, stack_template)
    stream = stack_template.table_definitions()[table_id]["StreamSpecification"]
    assert stream["StreamViewType"] == "NEW_AND_OLD_IMAGES"

    (source,) = [s for s in stack_template.stream_sources() if s.function_id == "CreateSessionFunction"]
    assert (source.function_id, source.table_id) == ("CreateSessionFunction", table_id)
    assert source.report_batch_item_failures
    assert source.bisect_on_error
    assert source.maximum_retry_attempts >= 0
    assert source.maximum_record_age_seconds > 0
    assert source.on_failure_queue_id in stack_template.queue_ids()
    assert source.filter_patterns


def test_send_email_retries_a_bounded_number_of_times_then_parks_the_event(stack_template):
    config = stack_template.functions["SendEmailFunction"].async_config
    assert 0 <= config.maximum_retry_attempts <= 2
    assert config.on_failure_queue_id in stack_template.queue_ids()


def test_send_email_knows_which_attempt_is_its_last(stack_template):
    function = stack_template.functions["SendEmailFunction"]
    attempts = int(function.environment["MAX_SEND_ATTEMPTS"])
    assert attempts == function.async_config.maximum_retry_attempts + 1


@pytest.mark.parametrize("function_id", list(StackTemplate().functions))
def test_each_handler_named_in_the_template_can_be_imported(function_id, stack_template):
    spec = stack_template.functions[function_id]
    module_name, attribute = spec.handler.rsplit(".", 1)
    assert (spec.code_dir / module_name.split(".")[0]).is_dir()
    assert callable(getattr(importlib.import_module(module_name), attribute))


@pytest.mark.parametrize(
    ("settings_model", "function_id"),
    [(model, fid) for model, fids in SETTINGS_USERS for fid in fids],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_functions_are_given_every_required_setting(settings_model, function_id, stack_template):
    environment = stack_template.functions[function_id].environment
    required = [name for name, field in settings_model.model_fields.items() if field.is_required()]
    missing = [name for name in required if name.upper() not in environment]
    assert not missing


def test_routes_need_a_token_except_the_candidates_links(stack_template):
    routes = stack_template.http_routes()
    public = [(r.method, r.path) for r in routes if r.authorizer is None]
    assert public == [
        ("GET", "/sessions/{session_key}"),
        ("POST", "/sessions/{session_key}/start"),
        ("POST", "/sessions/{session_key}/complete"),
        ("GET", "/candidate/{link_token}"),
        ("GET", "/candidate/{link_token}/reschedule"),
        ("POST", "/candidate/{link_token}/reschedule"),
        ("POST", "/candidate/{link_token}/cancel"),
    ]
    assert all(r.scopes for r in routes if r.authorizer is not None)


def test_resume_bucket_is_private_encrypted_and_tls_only(stack_template):
    (bucket,) = stack_template.buckets().values()
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (policy,) = stack_template.of_type("AWS::S3::BucketPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

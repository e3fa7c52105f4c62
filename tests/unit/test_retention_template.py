"""Retention as the template declares it: TTL on the tables that hold personal data, on the
attribute the models write; lifecycle rules that expire every resume version after RetentionDays
and a margin; the index erasure and export find a candidate's interviews through."""

from __future__ import annotations

import pytest
from pynamodb.attributes import TTLAttribute

from interview_scheduling import models, resume_objects

PERSONAL = [models.Candidate, models.Interview, models.InterviewSession]


def _table_of(model, template):
    setting_name = model.Meta.__dict__["table_name"]._setting
    return template.document["Globals"]["Function"]["Environment"]["Variables"][setting_name.upper()]["Ref"]


@pytest.mark.parametrize("model", PERSONAL, ids=lambda m: m.__name__)
def test_tables_with_personal_data_expire_items_on_the_models_ttl_attribute(model, stack_template):
    ttl = stack_template.resources[_table_of(model, stack_template)]["Properties"]["TimeToLiveSpecification"]
    (attribute,) = [a for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    assert ttl == {"AttributeName": attribute.attr_name, "Enabled": True}


def test_the_retention_reaches_every_function_from_one_parameter(stack_template):
    variables = stack_template.document["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["RETENTION_DAYS"] == {"Ref": "RetentionDays"}
    assert stack_template.document["Parameters"]["RetentionDays"]["Default"] == 180


def test_resumes_expire_with_every_version_a_margin_after_the_retention(stack_template):
    parameter = stack_template.document["Parameters"]["RetentionDays"]
    bucket = stack_template.resources["ResumesBucket"]["Properties"]
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    expiry = rules["expire-resumes"]
    assert expiry["Status"] == "Enabled"
    assert expiry["ExpirationInDays"] == {
        "Fn::FindInMap": ["ResumeRetention", {"Ref": "RetentionDays"}, "Days"]
    }
    table = stack_template.document["Mappings"]["ResumeRetention"]
    for days in parameter["AllowedValues"]:
        assert table[str(days)]["Days"] > days
    # What the expiry leaves behind in a versioned bucket goes too.
    assert expiry["NoncurrentVersionExpiration"]["NoncurrentDays"] >= 1
    assert rules["remove-expired-delete-markers"]["ExpiredObjectDeleteMarker"] is True
    prefix = resume_objects.prefix("org", "job", "candidate")
    assert all(prefix.startswith(rule["Prefix"]) for rule in rules.values())

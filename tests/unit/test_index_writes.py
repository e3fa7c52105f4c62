"""The cost figure's index writes (bench/index_writes.py) follow DynamoDB's rule for global
secondary indexes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes"""

from bench.index_writes import Index, indexes_of, units
from local_runtime.template import StackTemplate

BY_STATUS = Index(
    "Interviews", "by_status", ("org_status", "scheduled_at"), ("interview_id",), "INCLUDE", ("slot_id",)
)
EVERYTHING = Index("Interviews", "by_time", ("org_id", "scheduled_at"), ("interview_id",), "ALL")


def interview(**attributes: str) -> dict[str, dict[str, str]]:
    base = {
        "interview_id": "i-1",
        "org_id": "org",
        "org_status": "org#SCHEDULED",
        "scheduled_at": "T10",
        "slot_id": "s",
    }
    return {name: {"S": value} for name, value in {**base, **attributes}.items()}


def test_putting_an_item_into_an_index_and_taking_it_out_cost_one_write_each():
    assert BY_STATUS.write_units(None, interview()) == 1
    assert BY_STATUS.write_units(interview(), None) == 1


def test_an_item_without_the_index_key_is_not_in_a_sparse_index():
    unindexed = {k: v for k, v in interview().items() if k != "org_status"}

    assert BY_STATUS.write_units(None, unindexed) == 0
    assert BY_STATUS.write_units(unindexed, interview()) == 1


def test_only_a_change_the_index_projects_costs_a_write():
    assert BY_STATUS.write_units(interview(), interview(notes="changed")) == 0  # not projected
    assert EVERYTHING.write_units(interview(), interview(notes="changed")) == 1  # ALL projects it
    assert BY_STATUS.write_units(interview(), interview(slot_id="other")) == 1  # projected


def test_a_change_of_the_index_key_deletes_the_old_entry_and_puts_the_new():
    assert BY_STATUS.write_units(interview(), interview(org_status="org#CANCELLED")) == 2


def test_a_write_unit_is_a_kilobyte_of_the_entry():
    assert units(interview()) == 1
    assert units(interview(notes="x" * 2900)) == 3  # about 2.9 KB


def test_the_templates_indexes_are_all_read(stack_template: StackTemplate):
    found = indexes_of(stack_template)

    assert {index.name for index in found["InterviewsTable"]} >= {"by_org_time", "by_candidate_time"}
    assert all(index.keys for indexes in found.values() for index in indexes)

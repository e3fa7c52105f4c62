"""The domain events' JSON Schemas (schemas/events/), and a check of an event against its own."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from local_runtime.template import REPO_ROOT

SCHEMAS_DIR = REPO_ROOT / "schemas" / "events"


def schema_paths() -> list[Path]:
    return sorted(SCHEMAS_DIR.glob("*.json"))


@cache
def validator(event_type: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS_DIR / f"{event_type}.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def problems(detail: dict[str, Any]) -> list[str]:
    """What is wrong with the event by its type's schema (empty: valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(detail["type"]).iter_errors(detail)]

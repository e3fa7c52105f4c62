"""Translate template.yaml to plain CloudFormation, as `sam deploy` would, for cfn-lint.

cfn-lint alone does not look inside the serverless transform (event sources, HttpApi auth),
so `make validate` lints what this prints as well.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform


class _NoManagedPolicies:
    """The template uses inline statements only; asking IAM for managed policies needs AWS."""

    def load(self) -> dict[str, str]:
        return {}


def _point_code_at_s3(sam_template: dict[str, Any]) -> None:
    """Stand in for `sam package`, which uploads local code folders and rewrites their URIs."""
    for name, resource in sam_template["Resources"].items():
        properties = resource.get("Properties", {})
        for uri_key in ("CodeUri", "ContentUri"):
            if uri_key in properties:
                properties[uri_key] = f"s3://artifacts/{name}.zip"


def translate(template_path: Path) -> dict[str, Any]:
    sam_template = yaml_parse(template_path.read_text())
    _point_code_at_s3(sam_template)
    # The translator asks boto3 for a region even though the output does not depend on it.
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    translated: dict[str, Any] = transform(sam_template, {}, _NoManagedPolicies())
    return translated


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
    json.dump(translate(source), sys.stdout, indent=2, sort_keys=True)

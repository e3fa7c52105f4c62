"""Writes a copy of a SAM template whose functions declare the local runtime's endpoints, for
`sam local invoke` and `sam local start-api`.

SAM CLI passes a function only the variables its template declares; `--env-vars` can change
their values but not add one (samcli.local.lambdafn.env_vars: "Default value for the variable
gets lowest priority", and only declared names are resolved). The deployed template declares no
endpoint, so this copy, made from the built template (`make build`), declares
AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_LAMBDA with the values env.json gives them too, and
the stack in AWS never has them.

    python -m scripts.sam_local_template   # .aws-sam/build/template.yaml -> template.local.yaml
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_dump, yaml_parse

from local_runtime.template import REPO_ROOT
from scripts.capture_events import LOCAL_ENDPOINTS

BUILT_TEMPLATE = REPO_ROOT / ".aws-sam" / "build" / "template.yaml"


def with_local_endpoints(document: dict[str, Any]) -> dict[str, Any]:
    """The template with the local endpoints declared for every function (Globals)."""
    function_globals = document.setdefault("Globals", {}).setdefault("Function", {})
    variables = function_globals.setdefault("Environment", {}).setdefault("Variables", {})
    variables.update(LOCAL_ENDPOINTS)
    return document


def write_local_template(source: Path, target: Path) -> Path:
    document = with_local_endpoints(yaml_parse(source.read_text()))
    target.write_text(yaml_dump(document))
    return target


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.sam_local_template", description=__doc__)
    parser.add_argument("--template", type=Path, default=BUILT_TEMPLATE, help="the built SAM template")
    parser.add_argument(
        "--output", type=Path, help="where to write it (default: template.local.yaml beside it)"
    )
    args = parser.parse_args(argv)
    if not args.template.exists():
        parser.error(f"{args.template} does not exist: run `make build` first")
    # Beside the built template, so the relative CodeUri and ContentUri still point at the artifacts.
    target = args.output or args.template.with_name("template.local.yaml")
    print(f"wrote {write_local_template(args.template, target)}")


if __name__ == "__main__":
    main()

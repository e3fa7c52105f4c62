"""What a function may import from the local virtual environment: what Lambda would give it.

On Lambda a function imports the standard library, its own folder, its layers and the Python
runtime's own SDK, boto3 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html,
"Runtime-included SDK versions"). Here the workers run the development environment's interpreter,
whose site-packages also hold the tools (moto, the SAM CLI, awscrt, pyOpenSSL...). botocore and
urllib3 import awscrt and pyOpenSSL whenever they find them, which Lambda's runtime does not have
(aws/aws-lambda-base-images#147): about 65 ms of every cold start here, and a handler could import
a tool that is not in its layer and work locally, to fail on AWS with Runtime.ImportModuleError.

So each worker is handed the top-level modules of the distributions a built function would have:
those its layers' and its own requirements.txt name (SAM builds both), their dependencies, and the
runtime's boto3 with its own. The worker (worker.py) finds nothing else in site-packages.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from local_runtime.template import FunctionSpec

# What the Lambda Python runtime ships besides the standard library; its dependencies come along.
LAMBDA_RUNTIME_DISTRIBUTIONS = ("boto3",)
REQUIREMENTS_FILE = "requirements.txt"  # what `sam build` installs for a function and for a layer
# A requirement line's distribution name (PEP 508), before any extras, version or marker.
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# A dependency needed only with an extra the requirement did not ask for.
_EXTRA_ONLY = re.compile(r";.*\bextra\s*==")


def normalized(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(lines: Iterable[str]) -> list[str]:
    """The distributions a requirements file names (comments, options and blank lines skipped)."""
    found = []
    for line in lines:
        match = _NAME.match(line.split("#", 1)[0])
        if match:
            found.append(normalized(match.group(1)))
    return found


def with_dependencies(names: Iterable[str]) -> frozenset[str]:
    """The distributions and everything they require, as far as they are installed here.

    Markers other than extras are not evaluated: a dependency for another Python version is kept,
    which lets a function import no more than it could if that dependency were installed.
    """
    seen: set[str] = set()
    pending = [normalized(name) for name in names]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed: nothing to find, nor to allow
        pending.extend(requirement_names(r for r in requires if not _EXTRA_ONLY.search(r)))
    return frozenset(seen)


@cache
def _modules_by_distribution() -> dict[str, frozenset[str]]:
    """Top-level module names of every installed distribution, by its normalized name."""
    found: dict[str, set[str]] = {}
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            found.setdefault(normalized(distribution), set()).add(module)
    return {name: frozenset(modules) for name, modules in found.items()}


def importable_modules(spec: FunctionSpec) -> frozenset[str]:
    """The top-level modules of site-packages a worker of this function may import."""
    return _importable((spec.code_dir, *spec.layer_dirs))


def runtime_modules() -> frozenset[str]:
    """What a function with no layer and no requirements may import: the runtime's boto3."""
    return _importable(())


@cache  # every worker of a function asks, and the answer holds for the runtime's life
def _importable(folders: tuple[Path, ...]) -> frozenset[str]:
    requirements = [*LAMBDA_RUNTIME_DISTRIBUTIONS, *(n for f in folders for n in _requirements_in(f))]
    modules = _modules_by_distribution()
    return frozenset(m for name in with_dependencies(requirements) for m in modules.get(name, ()))


def _requirements_in(folder: Path) -> list[str]:
    file = folder / REQUIREMENTS_FILE
    return requirement_names(file.read_text().splitlines()) if file.is_file() else []

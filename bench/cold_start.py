"""Cold start of each function in template.yaml next to the floor: a process that imports boto3 and
creates one client.

Run: make bench (or PYTHONPATH=layers/shared:functions:. python bench/cold_start.py [--runs N]).
Each sample is a fresh `python -I` process with the function's template environment, Lambda's
import path (the function folder, then the layer), of site-packages only what a worker of the
local runtime lets it import (what Lambda would have: local_runtime/lambda_/site_modules.py) and
its working directory; it imports the handler's module (its init) and exits. Samples of all
subjects are interleaved, so a noisy neighbour slows them alike. Prints `name: value` lines: the
median (and fastest) wall time of a process from spawn to exit, the median's ratio to the
floor's, the init time measured inside the process, and whether pypdf or the X-Ray SDK was
imported at init. For a function above the goal, its heaviest imports that the floor does not
make (from `python -X importtime`) follow.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from local_runtime.config import LOCAL_PARAMETERS
from local_runtime.lambda_.function_pool import WORKER_SCRIPT
from local_runtime.lambda_.site_modules import importable_modules, runtime_modules
from local_runtime.runtime import worker_environment
from local_runtime.template import Resolver, StackTemplate

GOAL_RATIO = 1.3
FLOOR = "floor_boto3_client"
# Lambda's own endpoints are never called at init; these only fill the variables the runtime sets.
UNUSED_ENDPOINT = "http://127.0.0.1:9"
HEAVY_MODULES = ("pypdf", "aws_xray_sdk")
_IMPORT_TIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)")

# Before its clock starts, each measured process keeps to the modules a worker may import, with the
# worker's own code (which also brings what the worker has imported before a handler's init).
_SITE_MODULES = """
import sys, time
sys.path.insert(0, {worker_dir!r})
from worker import keep_to_site_modules
del sys.path[0]
keep_to_site_modules({path!r}, frozenset({modules!r}))
"""
_HANDLER_PROGRAM = """
started = time.perf_counter()
sys.path[:0] = {path!r}
__import__({module!r})  # not importlib: -X importtime then reports the handler's module itself
handler = getattr(sys.modules[{module!r}], {attribute!r})
"""
_FLOOR_PROGRAM = """
started = time.perf_counter()
import boto3
client = boto3.client("dynamodb")
"""
# Appended to both: the init time, what of HEAVY_MODULES was imported, how many modules.
_REPORT = """
import json
print(json.dumps({{"init_ms": (time.perf_counter() - started) * 1000,
    "heavy": [m for m in {heavy!r} if m in sys.modules], "modules": len(sys.modules)}}))
"""


@dataclass
class Subject:
    name: str
    program: str
    environment: dict[str, str]
    cwd: Path
    process_ms: list[float] = field(default_factory=list)
    init_ms: list[float] = field(default_factory=list)
    heavy: set[str] = field(default_factory=set)
    modules: int = 0

    def run(self, *options: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-I", *options, "-c", self.program],
            env=self.environment,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: init failed with status {done.returncode}\n{done.stderr}")
        return done

    def sample(self) -> None:
        started = time.perf_counter()
        done = self.run()
        self.process_ms.append((time.perf_counter() - started) * 1000)
        report = json.loads(done.stdout.splitlines()[-1])
        self.init_ms.append(report["init_ms"])
        self.heavy.update(report["heavy"])
        self.modules = report["modules"]

    def imports(self) -> list[Imported]:
        """What this init imports, in the order `python -X importtime` reports it (innermost first)."""
        found = []
        for line in self.run("-X", "importtime").stderr.splitlines():
            match = _IMPORT_TIME.match(line)
            if match:
                depth = (len(match.group(3)) - 1) // 2
                found.append(Imported(match.group(4), depth, int(match.group(1))))
        return found


@dataclass(frozen=True)
class Imported:
    module: str
    depth: int  # nesting: a module's importer is the next line with a smaller depth
    self_us: int

    @property
    def package(self) -> str:
        return self.module.partition(".")[0]


def subjects(template: StackTemplate) -> list[Subject]:
    resolver = Resolver(template, LOCAL_PARAMETERS)
    found = []
    for function_id, spec in template.functions.items():
        environment = worker_environment(
            spec,
            resolver.environment(function_id),
            aws_endpoint=UNUSED_ENDPOINT,
            invoke_url=UNUSED_ENDPOINT,
        )
        module, _, attribute = spec.handler.rpartition(".")
        path = [str(spec.code_dir), *(str(layer) for layer in spec.layer_dirs)]
        program = _site_modules(path, importable_modules(spec)) + _HANDLER_PROGRAM.format(
            path=path, module=module, attribute=attribute
        )
        found.append(
            Subject(function_id, program + _REPORT.format(heavy=HEAVY_MODULES), environment, spec.code_dir)
        )
    # The floor gets the same environment and folder as a function, so only the imports differ.
    first = found[0]
    floor = _site_modules([], runtime_modules()) + _FLOOR_PROGRAM + _REPORT.format(heavy=HEAVY_MODULES)
    return [Subject(FLOOR, floor, first.environment, first.cwd), *found]


def _site_modules(path: list[str], modules: frozenset[str]) -> str:
    return _SITE_MODULES.format(worker_dir=str(WORKER_SCRIPT.parent), path=path, modules=sorted(modules))


def extra_imports(mine: list[Imported], floor: set[str], top: int) -> list[str]:
    """Packages imported beyond the floor's, by their own import time, each with its first importer."""
    cost: dict[str, int] = {}
    importer: dict[str, str] = {}
    for index, entry in enumerate(mine):
        if entry.module in floor:
            continue
        cost[entry.package] = cost.get(entry.package, 0) + entry.self_us
        # Reports come innermost first, so the first module of a package with an importer from
        # outside it is the root of the first chain that brought the package in.
        for outer in mine[index + 1 :]:
            if outer.depth < entry.depth:
                if outer.package != entry.package:
                    importer.setdefault(entry.package, outer.module)
                break
    ranked = sorted(cost.items(), key=lambda item: -item[1])[:top]
    return [
        f"{package} {micros / 1000:.0f} (from {importer.get(package, 'the runtime')})"
        for package, micros in ranked
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9, help="samples per subject (median)")
    parser.add_argument("--imports", action="store_true", help="list extra imports of every function")
    parser.add_argument("--top", type=int, default=6, help="extra imports listed per function")
    args = parser.parse_args()

    everyone = subjects(StackTemplate())
    floor = everyone[0]
    for subject in everyone:
        subject.sample()  # warm-up: writes bytecode caches, fills the page cache
        subject.process_ms.clear()
        subject.init_ms.clear()
    for _ in range(args.runs):
        for subject in everyone:
            subject.sample()

    floor_ms = statistics.median(floor.process_ms)
    floor_init_ms = statistics.median(floor.init_ms)
    print(f"python: {sys.version.split()[0]}")
    print(f"runs_per_figure: {args.runs} (median, interleaved)")
    print(
        f"cold_start_ms.{FLOOR}: {floor_ms:.0f} "
        f"(fastest {min(floor.process_ms):.0f}; init {floor_init_ms:.0f} in-process)"
    )
    to_explain = []
    for subject in everyone[1:]:
        process_ms = statistics.median(subject.process_ms)
        init_ms = statistics.median(subject.init_ms)
        ratio = process_ms / floor_ms
        print(
            f"cold_start_ms.{subject.name}: {process_ms:.0f} "
            f"(fastest {min(subject.process_ms):.0f}; init {init_ms:.0f} in-process)"
        )
        verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
        print(
            f"cold_start_ratio.{subject.name}: {ratio:.2f} "
            f"(init {init_ms / floor_init_ms:.2f}; goal <= {GOAL_RATIO}: {verdict})"
        )
        print(f"modules_at_init.{subject.name}: {subject.modules} (floor {floor.modules})")
        print(f"heavy_imports_at_init.{subject.name}: {', '.join(sorted(subject.heavy)) or 'none'}")
        if ratio > GOAL_RATIO or args.imports:
            to_explain.append(subject)

    floor_imports = {entry.module for entry in floor.imports()} if to_explain else set()
    for subject in to_explain:
        listed = extra_imports(subject.imports(), floor_imports, args.top)
        print(f"imports_beyond_floor_ms.{subject.name}: {', '.join(listed)}")


if __name__ == "__main__":
    main()

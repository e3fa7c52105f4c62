"""Checks `sam build` output against template.yaml: native code must suit the Lambda platform.

A wheel built for the build machine imports fine here and fails in Lambda, so every shared
object in the artifacts must be an ELF for the template's architecture and, where it names
one, for the template's Python version. Prints the artifacts' unzipped sizes.
"""

import sys
from pathlib import Path

from local_runtime.template import StackTemplate

# ELF e_machine values (the two bytes at offset 18) for Lambda's architectures.
ELF_MACHINES = {"arm64": 183, "x86_64": 62}
ABI_TAG_ARCH = {"arm64": "aarch64", "x86_64": "x86_64"}


def lambda_platform(template: StackTemplate) -> tuple[str, str]:
    """The (python version like '312', architecture) every function is declared with."""
    function_globals = template.document["Globals"]["Function"]
    runtime: str = function_globals["Runtime"]
    architectures: list[str] = function_globals["Architectures"]
    return runtime.removeprefix("python").replace(".", ""), architectures[0]


def wrong_binaries(build_dir: Path, python_version: str, architecture: str) -> list[str]:
    problems = []
    for shared_object in sorted(build_dir.rglob("*.so*")):
        header = shared_object.read_bytes()[:20]
        if header[:4] != b"\x7fELF":
            problems.append(f"{shared_object}: not an ELF file")
            continue
        if int.from_bytes(header[18:20], "little") != ELF_MACHINES[architecture]:
            problems.append(f"{shared_object}: not built for {architecture}")
        name = shared_object.name
        if ".cpython-" in name and f".cpython-{python_version}-{ABI_TAG_ARCH[architecture]}" not in name:
            problems.append(f"{shared_object}: not for CPython {python_version} on {architecture}")
    return problems


def size_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def main() -> int:
    template = StackTemplate()
    build_dir = Path(".aws-sam/build")
    python_version, architecture = lambda_platform(template)
    binaries = list(build_dir.rglob("*.so*"))
    if not binaries:
        print(f"no native code found under {build_dir}: was `sam build` run?")
        return 1
    problems = wrong_binaries(build_dir, python_version, architecture)
    for problem in problems:
        print(problem)
    for artifact in sorted(p for p in build_dir.iterdir() if p.is_dir()):
        print(f"artifact_unzipped_mib.{artifact.name}: {size_mib(artifact):.1f}")
    print(f"native_binaries_checked: {len(binaries)} (cpython {python_version}, {architecture})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

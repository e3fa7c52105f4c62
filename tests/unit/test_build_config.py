"""The layer build targets the template's Lambda platform, and the artifact check can fail."""

import re
from pathlib import Path

from local_runtime.template import REPO_ROOT
from scripts.check_build import lambda_platform, wrong_binaries

LAYER_MAKEFILE = REPO_ROOT / "layers" / "shared" / "Makefile"


def _make_variable(name: str) -> str:
    match = re.search(rf"^{name} := (.+)$", LAYER_MAKEFILE.read_text(), re.MULTILINE)
    assert match, f"{name} is not set in {LAYER_MAKEFILE}"
    return match.group(1)


def test_layer_wheels_are_chosen_for_the_templates_runtime_and_architecture(stack_template):
    python_version, architecture = lambda_platform(stack_template)
    assert _make_variable("LAMBDA_PYTHON_VERSION").replace(".", "") == python_version
    platforms = re.findall(r"--platform (\S+)", _make_variable("LAMBDA_PLATFORMS"))
    expected_arch = {"arm64": "aarch64", "x86_64": "x86_64"}[architecture]
    assert platforms
    assert all(p.endswith(expected_arch) for p in platforms)


def _elf(machine: int) -> bytes:
    return b"\x7fELF" + bytes(14) + machine.to_bytes(2, "little") + bytes(40)


def test_artifact_check_accepts_lambda_binaries_and_flags_the_build_machines(tmp_path: Path):
    good = tmp_path / "good" / "_core.cpython-312-aarch64-linux-gnu.so"
    good.parent.mkdir()
    good.write_bytes(_elf(183))
    assert wrong_binaries(tmp_path / "good", "312", "arm64") == []

    wrong_arch = tmp_path / "bad" / "_core.cpython-312-x86_64-linux-gnu.so"
    wrong_arch.parent.mkdir()
    wrong_arch.write_bytes(_elf(62))
    wrong_python = tmp_path / "bad" / "_other.cpython-311-aarch64-linux-gnu.so"
    wrong_python.write_bytes(_elf(183))
    problems = wrong_binaries(tmp_path / "bad", "312", "arm64")
    assert any("_core" in p and "not built for arm64" in p for p in problems)
    assert any("_other" in p and "CPython 312" in p for p in problems)

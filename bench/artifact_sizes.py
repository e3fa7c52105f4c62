"""Sizes of the `sam build` artifacts: each function and layer, unzipped and zipped.

Run after `make build`: make bench (or python bench/artifact_sizes.py). Each artifact folder is
zipped in a temporary folder with deflate, as `sam package` zips it for upload. Prints
`name: value` lines, and each function's unzipped size with its layers next to Lambda's limit.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

from local_runtime.template import REPO_ROOT, StackTemplate

BUILD_DIR = REPO_ROOT / ".aws-sam" / "build"
# Lambda's quota: a function and all its layers, unzipped.
UNZIPPED_LIMIT_BYTES = 250 * 2**20


def unzipped_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def zipped_bytes(folder: Path, scratch: Path) -> int:
    archive = scratch / f"{folder.name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(folder))
    size = archive.stat().st_size
    archive.unlink()
    return size


def readable(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size / 2**10:.1f} KiB"


def largest_packages(layer: Path, count: int) -> list[tuple[str, int]]:
    """The layer's biggest top-level entries under python/, where Lambda's Python finds them."""
    entries = [
        (p.name, unzipped_bytes(p) if p.is_dir() else p.stat().st_size) for p in (layer / "python").iterdir()
    ]
    return sorted(entries, key=lambda entry: -entry[1])[:count]


def layer_ids(template: StackTemplate, function_id: str) -> list[str]:
    """The template's own layers a function uses (Globals first, as SAM orders them)."""
    globals_ = template.document.get("Globals", {}).get("Function", {}).get("Layers", [])
    own = template.resources[function_id]["Properties"].get("Layers", [])
    return [layer["Ref"] for layer in [*globals_, *own] if isinstance(layer, dict) and "Ref" in layer]


def main() -> int:
    if not BUILD_DIR.is_dir():
        print(f"artifact sizes: skipped, {BUILD_DIR.relative_to(REPO_ROOT)} is missing (run `make build`)")
        return 1
    template = StackTemplate()
    unzipped: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="artifact-sizes-") as scratch:
        for artifact in sorted(p for p in BUILD_DIR.iterdir() if p.is_dir()):
            unzipped[artifact.name] = unzipped_bytes(artifact)
            zipped = zipped_bytes(artifact, Path(scratch))
            size = readable(unzipped[artifact.name])
            print(f"artifact.{artifact.name}: {size} unzipped, {readable(zipped)} zipped")
    for layer_id in template.of_type("AWS::Serverless::LayerVersion"):
        if (BUILD_DIR / layer_id / "python").is_dir():
            biggest = ", ".join(
                f"{name} {readable(size)}" for name, size in largest_packages(BUILD_DIR / layer_id, 8)
            )
            print(f"largest_in.{layer_id}: {biggest}")
    for function_id in template.functions:
        if function_id not in unzipped:
            continue
        total = unzipped[function_id] + sum(
            unzipped.get(layer, 0) for layer in layer_ids(template, function_id)
        )
        print(
            f"function_with_layers_unzipped.{function_id}: {readable(total)} "
            f"({total / UNZIPPED_LIMIT_BYTES:.1%} of Lambda's 250 MiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Copies of the real package for tests: every test damages or builds in a copy under tmp_path, never in data/."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE_PARTS = ("datapackage.json", "data", "schemas")
METADATA_PARTS = ("CITATION.cff", ".zenodo.json", "pyproject.toml")
TEXTS = "sources"
NOT_PACKAGE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "dist", "build", "site", "__pycache__", "*.egg-info", ".pytest_cache",
    ".hypothesis", "node_modules", "cli", "tests", "benchmarks",
)


def copy_package(destination: Path, *, with_text: bool = True, whole: bool = False) -> Path:
    """Copy the real package into `destination` and return it.

    The descriptor, data, schemas and metadata files always; the stored source texts unless `with_text` is
    false (as in a release archive); with `whole`, every file of the repository except code, tests and build
    output (README, CHANGELOG, docs), as a release build needs.
    """
    if whole:
        shutil.copytree(ROOT, destination, ignore=NOT_PACKAGE)
        if not with_text:
            shutil.rmtree(destination / TEXTS)
        return destination
    destination.mkdir(parents=True, exist_ok=True)
    for part in TABLE_PARTS + METADATA_PARTS + ((TEXTS,) if with_text else ()):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        elif source.is_file():
            shutil.copy2(source, destination / part)
    return destination

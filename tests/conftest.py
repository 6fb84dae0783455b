"""Shared fixtures: copies of the real package in tmp_path (nothing under data/ is ever changed by a test)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_PARTS = ("datapackage.json", "data", "schemas", "sources", "CITATION.cff", ".zenodo.json", "pyproject.toml")


def copy_package(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for part in PACKAGE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        elif source.is_file():
            shutil.copy2(source, destination / part)
    return destination


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the real package (descriptor, data, schemas, sources, citation and project metadata)."""
    return copy_package(tmp_path / "package")


@pytest.fixture
def run_validate():
    """Run `minusma-facts validate ARGS` as a user does; return (exit code, stdout, stderr, parsed JSON or None)."""
    from typer.testing import CliRunner

    from minusma_facts.cli import app

    def run(*args: str):
        runner = CliRunner()
        result = runner.invoke(app, ["validate", *map(str, args)])
        stdout = result.stdout
        try:
            stderr = result.stderr
        except ValueError:
            stderr = ""
        parsed = None
        if "--json" in args and stdout.strip().startswith("{"):
            parsed = json.loads(stdout)
        return result.exit_code, stdout, stderr, parsed

    return run

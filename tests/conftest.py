"""Shared fixtures: copies of the real package in tmp_path (nothing under data/ is ever changed by a test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packages import copy_package

ROOT = Path(__file__).resolve().parents[1]
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

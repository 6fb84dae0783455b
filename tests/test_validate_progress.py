"""Long runs show which table is being checked, on a terminal only; CI logs and --quiet stay clean."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from minusma_facts.cli import app
from minusma_facts.validation import validate_package


def test_progress_is_called_once_per_table_in_order(package_copy):
    calls = []
    report = validate_package(package_copy, progress=lambda table, done, total: calls.append((table, done, total)))
    descriptor = json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"]]
    assert report.valid
    assert sorted(table for table, _, _ in calls) == sorted(names)
    assert [done for _, done, _ in calls] == list(range(len(names)))
    assert {total for _, _, total in calls} == {len(names)}
    assert calls[0][0] == "sources"  # the stored texts are loaded before any span is checked


def test_no_status_line_when_output_is_not_a_terminal(package_copy, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = CliRunner().invoke(app, ["validate", str(package_copy)])
    assert result.exit_code == 0
    line = result.output.strip().splitlines()[-1]  # the verdict, after the warnings' table (empty event_reports)
    tables = len(json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    assert line.startswith(f"valid: {tables} tables, ") and "checking" not in result.output

"""`minusma-facts validate` as a user runs it: the real package, output forms, exit codes, no writes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from damage import matching, set_cell
from minusma_facts.validation import validate_package

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_real_package_is_valid(package_copy, run_validate):
    code, out, err, _ = run_validate(package_copy)
    assert code == 0, out + err
    tables = len(json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    assert out.strip().splitlines()[-1].startswith(f"valid: {tables} tables, ")


def test_real_package_is_valid_for_frictionless(package_copy):
    frictionless = VENV_BIN / "frictionless"
    result = subprocess.run([str(frictionless), "validate", "datapackage.json"], cwd=package_copy,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]


def test_help_works(run_validate):
    code, out, _, _ = run_validate("--help")
    assert code == 0
    assert "--json" in out and "--sources" in out and "--limit" in out


def test_json_output_equals_python_api(package_copy, run_validate):
    set_cell(package_copy, "events", 2, "date_start", "2023-02-30")
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 1
    assert report == validate_package(package_copy).to_dict()
    assert report["valid"] is False and report["partial"] is False


def test_human_output_names_file_row_and_field(package_copy, run_validate):
    set_cell(package_copy, "events", 3, "admin_level", "seven")
    code, out, _, _ = run_validate(package_copy)
    assert code == 1
    assert "events.csv" in out
    assert "events.csv row 3 (line 3), field admin_level" in out
    assert "type-error" in out
    assert out.strip().splitlines()[-1] == "invalid: 1 error in 1 file"


def test_quiet_prints_only_the_verdict(package_copy, run_validate):
    code, out, _, _ = run_validate(package_copy, "--quiet")
    assert code == 0
    assert len(out.strip().splitlines()) == 1 and out.startswith("valid: ")


def test_limit_says_the_list_is_partial(package_copy, run_validate):
    for row in (2, 3, 4):
        set_cell(package_copy, "actors", row, "is_named", "maybe")
    code, out, _, report = run_validate(package_copy, "--json", "--limit", "2")
    assert code == 1
    assert report["partial"] is True
    assert report["counts"]["errors"] == 3 and len(report["errors"]) == 2
    code, out, _, _ = run_validate(package_copy, "--limit", "2")
    assert "partial: 2 of 3 errors" in out


def test_validate_never_writes_to_the_package(package_copy, run_validate):
    set_cell(package_copy, "events", 2, "event_type", "picnic")
    before = tree_hashes(package_copy)
    run_validate(package_copy)
    run_validate(package_copy, "--json")
    run_validate(package_copy / "datapackage.json", "--quiet")
    assert tree_hashes(package_copy) == before


@pytest.mark.parametrize(
    "make_args",
    [
        pytest.param(lambda tmp, pkg: [tmp / "nowhere"], id="path does not exist"),
        pytest.param(lambda tmp, pkg: [tmp / "empty-folder"], id="folder without datapackage.json"),
        pytest.param(lambda tmp, pkg: [pkg / "data" / "events.csv"], id="a csv file, not a package"),
        pytest.param(lambda tmp, pkg: [tmp / "broken.zip"], id="zip that is not a zip"),
        pytest.param(lambda tmp, pkg: [pkg, "--limit", "0"], id="limit below one"),
        pytest.param(lambda tmp, pkg: [pkg, "--sources", tmp / "nowhere"], id="sources folder missing"),
        pytest.param(lambda tmp, pkg: [pkg, "--no-such-option"], id="unknown option"),
    ],
)
def test_cannot_run_exits_2_without_traceback(tmp_path, package_copy, run_validate, make_args):
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "broken.zip").write_bytes(b"this is not a zip archive")
    code, out, err, _ = run_validate(*make_args(tmp_path, package_copy))
    assert code == 2
    assert "Traceback" not in out + err


def test_console_script_exits_2_with_one_line(tmp_path):
    result = subprocess.run([str(VENV_BIN / "minusma-facts"), "validate", str(tmp_path / "nowhere")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip().count("\n") == 0 and "cannot run" in result.stderr


def test_descriptor_path_and_folder_give_the_same_report(package_copy):
    set_cell(package_copy, "quotes", 2, "quote_type", "shouted")
    by_folder = validate_package(package_copy).to_dict()
    by_file = validate_package(package_copy / "datapackage.json").to_dict()
    assert by_folder["errors"] == by_file["errors"]
    assert matching(by_folder, "constraint-error", file="data/quotes.csv", row=2, field="quote_type")


def test_every_problem_is_reported_in_one_run(package_copy, run_validate):
    set_cell(package_copy, "events", 2, "date_start", "not a date")
    set_cell(package_copy, "actors", 4, "actor_kind", "alien")
    set_cell(package_copy, "figures", 3, "value_low", "-1")
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 1
    assert matching(report, "type-error", file="data/events.csv", row=2, field="date_start")
    assert matching(report, "constraint-error", file="data/actors.csv", row=4, field="actor_kind")
    assert matching(report, "constraint-error", file="data/figures.csv", row=3, field="value_low")
    assert report["counts"]["files_with_errors"] == 3
    json.dumps(report)

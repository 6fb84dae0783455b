"""validate in other projects' CI: `--format github`, JSON even when it cannot run, the pre-commit hook, workflows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from damage import set_cell
from minusma_facts.cli import app
from minusma_facts.validation import validate_package

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def github_lines(*args) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["validate", *map(str, args), "--format", "github"])
    return result.exit_code, result.stdout.splitlines()


def test_github_format_names_file_line_column_and_type(package_copy, monkeypatch):
    set_cell(package_copy, "events", 3, "admin_level", "seven")
    monkeypatch.chdir(package_copy.parent)
    code, lines = github_lines(package_copy.name)
    assert code == 1
    header = (package_copy / "data" / "events.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    col = header.index("admin_level") + 1
    message = validate_package(package_copy).errors[0].message
    assert lines == [
        f"::error file=package/data/events.csv,line=3,col={col},title=minusma-facts type-error::{message}",
        "::error title=minusma-facts validate::invalid: 1 error in 1 file",
    ]


def test_github_format_on_a_valid_package_is_one_notice(package_copy):
    code, lines = github_lines(package_copy)
    assert code == 0
    tables = len(json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    assert len(lines) == 1 and lines[0].startswith(f"::notice title=minusma-facts validate::valid: {tables} tables, ")


@pytest.mark.parametrize("cell", [
    pytest.param("x\n::error file=README.md::all is well", id="newline and a command of its own"),
    pytest.param("x,\r::stop-commands::token", id="carriage return"),
    pytest.param("x\x1b[2J\x1b[Hvalid", id="terminal escape"),
    pytest.param("x\u202egnirts", id="bidi override"),
    pytest.param("x\u2028::error::y", id="line separator"),
])
def test_github_format_cannot_be_steered_by_a_cell(package_copy, cell):
    set_cell(package_copy, "events", 3, "admin_level", cell)
    code, lines = github_lines(package_copy)
    assert code == 1
    assert len(lines) == 2 and all(line.startswith("::error ") for line in lines)
    finding = lines[0]
    assert "\x1b" not in finding and "\r" not in finding and "\u202e" not in finding and "\u2028" not in finding
    # a `::` inside the line is inert: the runner reads a command only at the start of a line
    assert "%0A" in finding or "\\u" in finding


def test_github_format_points_at_the_archive_for_a_zip(tmp_path, package_copy):
    set_cell(package_copy, "events", 3, "admin_level", "seven")
    archive = Path(shutil.make_archive(str(tmp_path / "pkg"), "zip", package_copy))
    code, lines = github_lines(archive)
    assert code == 1
    assert lines[0].startswith(f"::error file={os.path.relpath(archive).replace(':', '%3A')},line=3,title=")


@pytest.mark.parametrize("args", [
    pytest.param(["{tmp}/nowhere", "--json"], id="missing path"),
    pytest.param(["{pkg}", "--json", "--limit", "0"], id="limit below one"),
    pytest.param(["{pkg}", "--format", "json", "--sources", "{tmp}/nowhere"], id="sources folder missing"),
    pytest.param(["{pkg}", "--json", "--no-such-option"], id="unknown option"),
])
def test_json_is_printed_even_when_validate_cannot_run(tmp_path, package_copy, args):
    argv = [a.format(tmp=tmp_path, pkg=package_copy) for a in args]
    result = subprocess.run([str(VENV_BIN / "minusma-facts"), "validate", *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["cannot_run"] is True and report["exit_code"] == 2 and report["valid"] is None
    assert report["message"]


def test_an_unknown_format_cannot_run(package_copy):
    result = CliRunner().invoke(app, ["validate", str(package_copy), "--format", "xml"])
    assert result.exit_code == 2
    assert "--format must be one of table, json, github" in result.stderr


# -- the pre-commit hook ------------------------------------------------------------------------------------
def test_pre_commit_hook_is_declared_for_validate():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "minusma-facts-validate" and hook["entry"] == "minusma-facts validate"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    # any file can change the verdict (a source text, CITATION.cff, a dialect, a .csv.gz part): no filter skips it
    assert "files" not in hook and "exclude" not in hook and "types" not in hook
    assert hook["always_run"] is True  # a commit that only deletes a table or a source text stages no file
    assert set(hook["stages"]) == {"pre-commit", "pre-merge-commit", "pre-push", "manual"}  # never on a checkout


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_pre_commit_try_repo_runs_the_hook(tmp_path, package_copy):
    """Another repository runs our hook with `pre-commit try-repo`: it passes on the package, fails on damage."""
    if not (ROOT / ".git").exists():
        pytest.fail("pre-commit try-repo needs this project as a git checkout")
    _git(package_copy, "init", "-q")
    _git(package_copy, "add", "-A")
    _git(package_copy, "commit", "-q", "-m", "package")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    command = [str(VENV_BIN / "pre-commit"), "try-repo", str(ROOT), "minusma-facts-validate", "--all-files"]
    passed = subprocess.run(command, cwd=package_copy, capture_output=True, text=True, env=env, timeout=1200)
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    assert "minusma-facts validate" in passed.stdout and "Passed" in passed.stdout
    set_cell(package_copy, "events", 3, "admin_level", "seven")
    failed = subprocess.run(command, cwd=package_copy, capture_output=True, text=True, env=env, timeout=1200)
    assert failed.returncode == 1
    assert "Failed" in failed.stdout and "events.csv row 3 (line 3), field admin_level" in failed.stdout


# -- the workflow files -------------------------------------------------------------------------------------
def test_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"tests.yml", "release.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(workflow):
    result = subprocess.run([str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _steps(workflow: str) -> list[str]:
    document = yaml.safe_load((ROOT / ".github" / "workflows" / workflow).read_text(encoding="utf-8"))
    return [step.get("run", "") for job in document["jobs"].values() for step in job["steps"]]


def test_tests_workflow_runs_the_readme_test_command_on_push_and_pull_request():
    document = yaml.safe_load((ROOT / ".github" / "workflows" / "tests.yml").read_text(encoding="utf-8"))
    triggers = document.get("on", document.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    assert "bash .ci/run" in _steps("tests.yml")
    assert any("minusma-facts validate --format github" in run for run in _steps("tests.yml"))


def test_release_workflow_builds_and_attaches_on_a_version_tag():
    document = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    triggers = document.get("on", document.get(True))
    assert triggers["push"]["tags"] == ["v*"]
    assert any("minusma-facts release" in run for run in _steps("release.yml"))
    uses = [step.get("uses", "") for job in document["jobs"].values() for step in job["steps"]]
    assert any(u.startswith("softprops/action-gh-release@") for u in uses)

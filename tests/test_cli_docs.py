"""Every command has help text, runs `--help`, and is documented in the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from minusma_facts.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(get_command(app).commands)


def test_the_core_commands_exist():
    assert {"validate", "release", "export", "show", "coverage", "site"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_works_and_says_something(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert get_command(app).commands[command].help, f"{command} has no help text"


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_documents_every_command(command):
    assert f"minusma-facts {command}" in README


def test_readme_opens_with_the_two_commands():
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", README, flags=re.S)
    first, second = blocks[0], blocks[1]
    assert "python3 -m venv" in first and "minusma-facts validate" in first
    assert ".ci/run" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv" in ci and "pytest" in ci and "'.[test]'" in ci


def test_console_script_entry_point_runs_help():
    result = subprocess.run([sys.executable, "-c", "from minusma_facts.cli import main; main()", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "validate" in result.stdout


def test_unknown_command_exits_2_without_traceback():
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_readme_validate_example_is_what_validate_prints(package_copy, run_validate):
    """The README's damaged-copy example: the same damage gives the same messages and exit code."""
    from damage import find_row, set_cell

    block = README.split("$ minusma-facts validate damaged/\n", 1)[1].split("```", 1)[0]
    shown = re.findall(r"│ +\d+ │ \S+ +│ \S+ +│ (.+?) +│", block)
    assert len(shown) == 2
    row = find_row(package_copy, "casualties", lambda r: r["count_text"] == "More than 300")
    set_cell(package_copy, "casualties", row, "count_low", "300")
    row = find_row(package_copy, "casualties", lambda r: r["casualty_id"] == "moura_civilians_executed")
    set_cell(package_copy, "casualties", row, "event_id", "moura_killings")
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 1 and "$ echo $?\n1\n" in block
    assert sorted(e["message"] for e in report["errors"]) == sorted(shown)
    human = CliRunner().invoke(app, ["validate", str(package_copy)]).output
    assert "invalid: 2 errors in 1 file" in human and "invalid: 2 errors in 1 file" in block

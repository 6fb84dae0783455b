"""One rule for finding the package, for every command and for load(): the path given, else the current folder;
never a search upward, never a fallback to another package, and the package's path printed where not obvious."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minusma_facts.cli import app
from packages import copy_package

ROOT = Path(__file__).resolve().parents[1]

# each command with the arguments it needs besides the package
COMMANDS = {
    "validate": [],
    "export": ["--format", "acled", "--output", "{tmp}/out.csv"],
    "release": ["--output-dir", "{tmp}/dist"],
    "dictionary": ["--check"],
    "coverage": [],
    "show": ["events", "moura_killings_2022_03"],
    "site": ["{tmp}/site"],
    "locate": ["--check"],
    "add-source": ["{tmp}/text.txt", "--id", "new_source"],
    "bump": ["9.9.9", "--dry-run"],
    "apply": ["{tmp}/patch.json", "--dry-run"],
}
# commands that compare two packages, each given explicitly (neither defaults to the current folder)
TWO_PACKAGES = {"diff"}


def invoke(args: list[str], tmp_path: Path):
    return CliRunner().invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in args])


def test_every_command_is_covered_here():
    assert sorted(COMMANDS) == sorted(c.name for c in app.registered_commands if c.name not in TWO_PACKAGES)


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=sorted(COMMANDS))
def test_every_command_declares_the_package_with_the_shared_options(command: str):
    from minusma_facts.options import PackageArgument, PackageOption

    callback = next(c.callback for c in app.registered_commands if c.name == command)
    annotations = [p.annotation for p in inspect.signature(callback).parameters.values()]
    hints = [a if not isinstance(a, str) else eval(a, callback.__globals__) for a in annotations]
    assert PackageArgument in hints and PackageOption in hints


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=sorted(COMMANDS))
def test_in_an_unrelated_folder_every_command_says_where_it_looked_and_exits_2(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke([command, *COMMANDS[command]], tmp_path)
    assert result.exit_code == 2, result.output
    assert f"no datapackage.json in the current folder ({tmp_path})" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=sorted(COMMANDS))
def test_in_a_package_subfolder_nothing_is_searched_upward(command, tmp_path, monkeypatch):
    package = copy_package(tmp_path / "package")
    monkeypatch.chdir(package / "data")
    result = invoke([command, *COMMANDS[command]], tmp_path)
    assert result.exit_code == 2, result.output
    assert f"no datapackage.json in the current folder ({package / 'data'})" in result.output


@pytest.mark.parametrize("form", ["argument", "option"], ids=["PACKAGE argument", "--package option"])
@pytest.mark.parametrize("command", ["validate", "coverage", "show", "dictionary"], ids=str)
def test_the_package_is_given_the_same_way_to_every_command(command, form, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    given = [str(ROOT)] if form == "argument" else ["--package", str(ROOT)]
    result = invoke([command, *COMMANDS[command], *given], tmp_path)
    assert result.exit_code == 0, result.output
    assert "package: " not in result.output  # the user named it: nothing to announce


def test_a_package_given_twice_differently_is_refused(tmp_path):
    result = invoke(["coverage", str(ROOT), "--package", str(tmp_path)], tmp_path)
    assert result.exit_code == 2
    assert "the package is given twice" in result.output


@pytest.mark.parametrize("command", ["coverage", "show", "export"], ids=str)
def test_a_package_taken_from_the_current_folder_is_named(command, tmp_path, monkeypatch):
    package = copy_package(tmp_path / "package")
    monkeypatch.chdir(package)
    result = invoke([command, *COMMANDS[command]], tmp_path)
    assert result.exit_code == 0, result.output
    assert f"package: {package}" in result.output


def test_coverage_json_from_the_current_folder_stays_parseable_on_stdout(tmp_path, monkeypatch):
    package = copy_package(tmp_path / "package")
    monkeypatch.chdir(package)
    result = CliRunner().invoke(app, ["coverage", "--json"])
    assert result.exit_code == 0
    json.loads(result.stdout)
    assert f"package: {package}" in result.stderr

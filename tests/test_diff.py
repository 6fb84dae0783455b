"""`minusma-facts diff OLD NEW` and `minusma-facts bump VERSION`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from damage import edit_rows, find_row, read_rows, set_cell, write_rows
from minusma_facts.cli import app
from packages import ROOT, copy_package
from test_load import zip_package


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*map(str, args)])
    return result.exit_code, result.stdout + (result.stderr or "")


def _correct(package: Path) -> None:
    """A valid revision: a value corrected, a row removed."""
    row = find_row(package, "figures", lambda r: r["figure_id"] == "protest_crowd_lede")
    set_cell(package, "figures", row, "coding_note", "Revised note.")
    edit_rows("actor_relations", lambda header, rows: rows.pop())(package)


def _revise(package: Path) -> None:
    """A revision as a coder makes one: a value corrected, a row removed, a row added, a column added."""
    _correct(package)
    header, rows = read_rows(package, "actor_aliases")
    rows.append(["new_alias", *rows[0][1:]])
    write_rows(package, "actor_aliases", header, rows)
    header, rows = read_rows(package, "events")
    write_rows(package, "events", header + ["extra"], [r + ["x"] for r in rows])


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = copy_package(tmp_path / "old"), copy_package(tmp_path / "new")
    _revise(new)
    return old, new


def test_json_lists_rows_added_removed_and_changed_by_primary_key(versions):
    old, new = versions
    _, rows = read_rows(old, "actor_relations")
    removed = rows[-1][0]
    code, out = run("diff", old, new, "--json")
    assert code == 0
    report = {t["table"]: t for t in json.loads(out)["tables"]}
    assert report["figures"]["changed"] == [{"id": "protest_crowd_lede", "fields": {"coding_note": {
        "old": "'Several thousand': at least 3,000 ('several' is more than two).", "new": "Revised note."}}}]
    assert report["actor_relations"]["removed"] == [removed] and report["actor_relations"]["added"] == []
    assert report["actor_aliases"]["added"] == ["new_alias"]
    assert report["events"]["columns_added"] == ["extra"] and report["events"]["changed"] == []
    assert report["actors"]["status"] == "same"


def test_markdown_is_ready_for_the_changelog(versions):
    code, out = run("diff", *versions, "--markdown")
    assert code == 0
    assert "#### `figures`: 0 added, 0 removed, 1 changed" in out
    assert ("- Changed `protest_crowd_lede`: `coding_note`: `'Several thousand': at least 3,000 ('several' is more "
            "than two).` → `Revised note.`") in out
    assert "- Added `new_alias`" in out and "columns added: extra" in out
    assert "`actors`" not in out


def test_the_table_for_people_shows_old_and_new(versions):
    code, out = run("diff", *versions)
    assert code == 0
    assert "figures: 0 added, 0 removed, 1 changed" in out
    assert re.search(r"changed +│ protest_crowd_lede +│ coding_note +│ 'Several thousand'", out)


def test_release_archives_are_compared_like_folders(versions, tmp_path):
    old, new = versions
    archive = zip_package(old, tmp_path / "old.zip")
    assert json.loads(run("diff", archive, new, "--json")[1]) == {
        **json.loads(run("diff", old, new, "--json")[1]), "old": str(archive)}


def test_no_change_says_so(tmp_path, versions):
    code, out = run("diff", ROOT, copy_package(tmp_path / "same"), "--exit-code")
    assert code == 0 and "no change to any table" in out
    assert run("diff", *versions, "--exit-code", "--json")[0] == 1
    assert run("diff", ROOT, ROOT, "--markdown")[1] == "No change to any table.\n"


def test_text_of_the_package_is_never_printed_raw(tmp_path):
    old, new = copy_package(tmp_path / "old"), copy_package(tmp_path / "new")
    row = find_row(new, "figures", lambda r: r["figure_id"] == "protest_crowd_lede")
    set_cell(new, "figures", row, "coding_note", "bell\x07 and \x1b[31mred")
    header, rows = read_rows(new, "actors")
    write_rows(new, "actors", header + ["[bold]sneaky[/bold]"], [r + [""] for r in rows])
    code, out = run("diff", old, new)
    assert code == 0 and "\x1b[31m" not in out and "\x07" not in out and "\\u001b[31mred" in out
    assert "columns added: [bold]sneaky[/bold]" in out  # shown as written, not read as rich markup


@pytest.mark.parametrize("args", [
    pytest.param(["/no/such/folder", "."], id="missing folder"),
    pytest.param([".", ".", "--json", "--markdown"], id="two formats"),
])
def test_what_cannot_run_exits_2(args):
    code, out = run("diff", *args)
    assert code == 2 and "Traceback" not in out


# -- bump -----------------------------------------------------------------------------------------------------
VERSION_HOMES = ("datapackage.json", "pyproject.toml", "CITATION.cff", ".zenodo.json", "cli/minusma_facts/__init__.py",
                 "README.md", "docs/data-dictionary.md")
# where the old version may stay after a bump, because there it names that old version on purpose
HISTORY = {
    "CHANGELOG.md": "the policy's examples and the sections of earlier releases",
    "docs/releasing.md": "the worked example of the first release's DOI",
    "docs/coding.md": "the worked example, which starts from the current release",
}
CURRENT = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
_MAJOR, _MINOR, _PATCH = map(int, CURRENT.split("-")[0].split("."))
NEXT_MINOR, NEXT_PATCH = f"{_MAJOR}.{_MINOR + 1}.0", f"{_MAJOR}.{_MINOR}.{_PATCH + 1}"


def _repository(tmp_path: Path) -> Path:
    repository = copy_package(tmp_path / "repo", whole=True)
    (repository / "cli" / "minusma_facts").mkdir(parents=True)
    shutil.copy2(ROOT / "cli" / "minusma_facts" / "__init__.py", repository / "cli" / "minusma_facts" / "__init__.py")
    return repository


def test_bump_sets_the_version_everywhere_and_opens_the_changelog_with_the_diff(tmp_path):
    previous = copy_package(tmp_path / "previous")
    repository = _repository(tmp_path)
    _correct(repository)
    old = json.loads((repository / "datapackage.json").read_text())["version"]
    code, out = run("bump", NEXT_MINOR, "--previous", previous, "--date", "2026-12-01", "--package", repository)
    assert code == 0, out
    assert (f"CHANGELOG.md: section [{NEXT_MINOR}] opened with the data changes since {CURRENT}, from previous "
            "(given with --previous)") in out
    for home in VERSION_HOMES:
        assert NEXT_MINOR in (repository / home).read_text(encoding="utf-8"), home
    left = {}
    for path in repository.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".json", ".cff", ".toml", ".py", ".txt", ".csv"):
            if old in path.read_text(encoding="utf-8", errors="replace"):
                left[str(path.relative_to(repository))] = True
    assert set(left) <= set(HISTORY), f"the old version {old} is still in {sorted(set(left) - set(HISTORY))}"
    descriptor = json.loads((repository / "datapackage.json").read_text())
    assert (descriptor["version"], descriptor["created"]) == (NEXT_MINOR, "2026-12-01T00:00:00Z")
    assert 'date-released: "2026-12-01"' in (repository / "CITATION.cff").read_text() or \
        "date-released" not in (repository / "CITATION.cff").read_text()
    changelog = (repository / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split(f"## [{NEXT_MINOR}] - 2026-12-01\n", 1)[1].split(f"\n## [{CURRENT}]", 1)[0]
    assert f"## [Unreleased]\n\nNothing yet.\n\n## [{NEXT_MINOR}]" in changelog
    assert "#### `figures`: 0 added, 0 removed, 1 changed" in section and "#### `actor_relations`: 0 added, 1 removed" in section
    tables, rows, warnings = re.fullmatch(r"valid: (\d+) tables, (\d+) rows( \(\d+ warnings?\))?\n", run("validate", ROOT, "--quiet")[1]).groups()
    # versions agree everywhere
    assert run("validate", repository, "--quiet") == (0, f"valid: {tables} tables, {int(rows) - 1} rows{warnings or ''}\n")
    assert run("dictionary", "--check", repository)[0] == 0  # the dictionary is rendered again


def test_bump_takes_the_previous_release_from_the_git_tag(tmp_path):
    repository = _repository(tmp_path)
    git = ["git", "-C", str(repository), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", CURRENT], check=True)
    subprocess.run([*git, "tag", f"v{CURRENT}"], check=True)
    _revise(repository)
    code, out = run("bump", NEXT_PATCH, "--package", repository)
    assert code == 0, out
    assert f"data changes since {CURRENT}, from git tag v{CURRENT}" in out
    assert "#### `figures`: 0 added, 0 removed, 1 changed" in (repository / "CHANGELOG.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("version, extra, code, message", [
    pytest.param(CURRENT, ["--previous", "."], 1, f"is not above the current version {CURRENT}", id="not above"),
    pytest.param("banana", ["--previous", "."], 1, "is not a version", id="not a version"),
    pytest.param(NEXT_MINOR, [], 2, "pass --previous PATH", id="no tag and no --previous"),
    pytest.param(NEXT_MINOR, ["--previous", ".", "--date", "1 Dec"], 1, "is not a date", id="bad date"),
])
def test_bump_refusals_change_nothing(tmp_path, version, extra, code, message):
    repository = _repository(tmp_path)
    before = {p: p.read_bytes() for p in repository.rglob("*") if p.is_file()}
    got, out = run("bump", version, *[str(repository) if e == "." else e for e in extra], "--package", repository)
    assert got == code and message in out
    assert {p: p.read_bytes() for p in repository.rglob("*") if p.is_file()} == before

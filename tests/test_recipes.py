"""The README's "Using the data" recipes run as written: pandas, DuckDB, and R (readr) through Rscript, in the
repository and in an unpacked release archive (the archive's own README recipes: tests/test_archive.py)."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import minusma_facts

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Using the data"
NOT_RUN = "<!-- recipe: not run"


def section_text() -> str:
    """The section of README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no {SECTION!r} section"
    body = text.split(SECTION, 1)[1]
    return SECTION + re.split(r"\n## (?!#)", body, maxsplit=1)[0]


def blocks(language: str) -> list[str]:
    """The fenced code blocks of one language, leaving out those marked as not run."""
    found = []
    for match in re.finditer(r"(?P<before>[^\n]*)\n```(?P<lang>\w+)\n(?P<code>.*?)\n```", section_text(), re.S):
        if match["lang"] == language and not match["before"].startswith(NOT_RUN):
            found.append(match["code"])
    return found


@pytest.fixture(scope="module")
def unpacked_release(tmp_path_factory) -> Path:
    import zipfile

    from minusma_facts.release import build_release
    from packages import copy_package

    package = copy_package(tmp_path_factory.mktemp("build") / "package", whole=True)
    archive = build_release(package, project=ROOT).path
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(archive) as z:
        z.extractall(target)
    (folder,) = target.iterdir()
    return folder


@pytest.fixture(params=["repository", "release"], ids=["in the repository", "in an unpacked release"])
def in_package(request, monkeypatch) -> Path:
    folder = ROOT if request.param == "repository" else request.getfixturevalue("unpacked_release")
    monkeypatch.chdir(folder)
    return folder


def killed():
    tables = minusma_facts.load()
    casualties = tables["casualties"]
    return casualties[casualties["harm_type"] == "killed"].merge(tables["events"], on="event_id")


def test_the_section_has_one_recipe_for_each_tool():
    assert section_text().startswith(SECTION)
    assert (len(blocks("python")), len(blocks("sql")), len(blocks("r"))) == (1, 1, 1)
    assert "read_package(" in section_text()  # frictionless-r is shown, not run


def test_the_pandas_recipe_prints_the_killed_with_their_events(in_package):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks("python")[0], "README pandas recipe", "exec"), {})
    printed = out.getvalue()
    for _, row in killed().iterrows():
        assert row["event_name"] in printed
        if isinstance(row["count_text"], str):
            assert row["count_text"] in printed
    assert "2023-05-25" in printed


def test_the_duckdb_recipe_joins_casualties_to_events_and_perpetrators(in_package):
    import duckdb

    result = duckdb.sql(blocks("sql")[0]).fetchall()
    tables = minusma_facts.load()
    perpetrators = tables["event_actors"].query("role == 'perpetrator'").merge(tables["actors"], on="actor_id")
    expected = killed().merge(perpetrators, on="event_id")
    assert sorted((r[0], r[1]) for r in result) == sorted(zip(expected["event_name"], expected["actor_name"]))
    assert result, "some death toll has a perpetrator"
    # typed: count_low is a number, and coalesce() over the empty count_best gives it back
    assert {type(r[3]) for r in result} <= {int, type(None)} and all(r[6] == r[3] for r in result)


def test_the_r_recipe_reads_typed_columns(tmp_path, in_package):
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is needed: apt-get install -y r-base-core r-cran-readr"
    script = tmp_path / "recipe.R"
    script.write_text(blocks("r")[0], encoding="utf-8")
    run = subprocess.run([rscript, str(script)], cwd=in_package, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    events = minusma_facts.load("events")
    assert f"{len(events)} events; date_start is Date" in run.stdout
    for _, row in killed().iterrows():
        if isinstance(row["count_text"], str):
            assert row["count_text"] in run.stdout

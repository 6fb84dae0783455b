"""The release archive stands on its own: what a researcher who has only the archive gets.

A folder that holds nothing but the unpacked archive: its README installs the tools from the archive into a fresh
virtual environment, and there `validate` (the same verdict and warnings as on the .zip), `load()`, `export`, the
ACLED and UCDP layouts and every recipe of the README work. No file in the archive links to a file it lacks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest
import yaml

from minusma_facts import citation
from minusma_facts.release import build_release
from packages import copy_package

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
STEM = f"{DESCRIPTOR['name']}-{DESCRIPTOR['version']}"
DOI, REPOSITORY = "10.5281/zenodo.7654321", "https://example.org/minusma-facts/repository"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    package = copy_package(tmp_path_factory.mktemp("build") / "package", whole=True)
    return build_release(package, project=ROOT).path


@pytest.fixture(scope="module")
def unpacked(archive: Path, tmp_path_factory) -> Path:
    """A fresh folder holding only the unpacked archive; returns the archive's top folder."""
    fresh = tmp_path_factory.mktemp("fresh")
    with zipfile.ZipFile(archive) as z:
        z.extractall(fresh)
    assert [p.name for p in fresh.iterdir()] == [STEM]
    return fresh / STEM


def readme_section(folder: Path, heading: str) -> str:
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert f"\n## {heading}\n" in text, heading
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)\n```", text, flags=re.S)


def clean_environment() -> dict[str, str]:
    """The machine's environment without this test run's Python (no PYTHONPATH, no active virtual environment)."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def sh(command: str | list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    shell = isinstance(command, str)
    return subprocess.run(["bash", "-euo", "pipefail", "-c", command] if shell else command, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=clean_environment())


# -- the tools, installed from the archive alone ------------------------------------------------------------------
@pytest.fixture(scope="module")
def installed(unpacked: Path) -> Path:
    """Run the README's install commands, as written, in the unpacked archive; returns the venv's bin folder."""
    block = code_blocks(readme_section(unpacked, "Install the tools"), "sh")[0]
    result = sh(block, unpacked)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "validate" in result.stdout  # the block ends with `minusma-facts --help`
    return unpacked / ".venv" / "bin"


def test_the_readme_installs_the_wheel_shipped_in_the_archive(installed: Path, unpacked: Path):
    block = code_blocks(readme_section(unpacked, "Install the tools"), "sh")[0]
    wheel = re.search(r"pip install (\S+\.whl)", block)[1]
    assert (unpacked / wheel).is_file() and wheel.startswith("tools/")
    where = sh([str(installed / "python"), "-c", "import minusma_facts; print(minusma_facts.__file__)"], unpacked)
    assert where.stdout.strip().startswith(str(unpacked / ".venv")), where.stdout  # not the repository's code


def test_installed_validate_gives_the_zip_verdict_on_the_unpacked_folder(installed: Path, unpacked: Path, archive: Path):
    block = code_blocks(readme_section(unpacked, "Check the archive"), "sh")[0]
    assert block.strip() == ".venv/bin/minusma-facts validate"
    folder = sh(block + " --json", unpacked)
    zipped = sh(f"{block} --json {archive}", unpacked)
    assert folder.returncode == zipped.returncode == 0, folder.stderr + zipped.stderr
    on_folder, on_zip = json.loads(folder.stdout), json.loads(zipped.stdout)
    assert on_folder["valid"] and on_folder["errors"] == []
    assert [(w["type"], w["message"]) for w in on_folder["warnings"]] == [(w["type"], w["message"]) for w in on_zip["warnings"]]
    assert {w["type"] for w in on_folder["warnings"]} == {"source-not-included", "spans-unverified"}


def test_installed_load_and_the_pandas_recipe(installed: Path, unpacked: Path):
    recipe = code_blocks(readme_section(unpacked, "Load the tables with their types"), "python")[0]
    result = sh([str(installed / "python"), "-c", recipe], unpacked)
    assert result.returncode == 0, result.stderr
    assert "more than 500" in result.stdout
    assert "{'date_start': 'datetime64[s]', 'admin_level': 'Int64'}" in result.stdout


@pytest.mark.parametrize("fmt", ["acled", "ucdp"])
def test_installed_export_writes_the_layouts_the_archive_ships(installed: Path, unpacked: Path, fmt: str):
    result = sh([str(installed / "minusma-facts"), "export", "--format", fmt], unpacked)
    assert result.returncode == 0, result.stderr
    written = unpacked / "dist" / f"{STEM}-{fmt}.csv"
    assert written.read_bytes() == (unpacked / "exports" / f"{STEM}-{fmt}.csv").read_bytes()


def test_the_parquet_and_duckdb_recipes_run_on_the_archive_with_types(installed: Path, unpacked: Path):
    section = readme_section(unpacked, "Load the tables with their types")
    parquet = sh([str(installed / "python"), "-c", code_blocks(section, "python")[1]], unpacked)
    assert parquet.returncode == 0, parquet.stderr
    assert "{'count_low': 'Int64', 'count_best': 'Int64'}" in parquet.stdout  # numbers, though count_best is empty
    queries = code_blocks(section, "sql")
    assert len(queries) == 2
    runner = "import duckdb, json, sys; print(json.dumps(duckdb.sql(sys.argv[1]).fetchall(), default=str))"
    results = []
    for query in queries:
        run = sh([str(installed / "python"), "-c", runner, query], unpacked)
        assert run.returncode == 0, run.stderr
        results.append(json.loads(run.stdout))
    assert results[0] == results[1] and results[0]
    # count_best and count_high are empty in every row; typed, they are numbers and coalesce() works
    assert all(row[4] is None and row[6] == row[3] for row in results[0])
    assert {type(row[6]) for row in results[0]} == {int, type(None)}


def test_the_r_recipe_runs_on_the_archive_with_explicit_types(unpacked: Path, tmp_path: Path):
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is needed: apt-get install -y r-base-core r-cran-readr"
    recipe = code_blocks(readme_section(unpacked, "Load the tables with their types"), "r")[0]
    assert "col_guess" not in recipe and ".default = col_character()" in recipe
    script = tmp_path / "recipe.R"
    script.write_text(recipe, encoding="utf-8")
    run = subprocess.run([rscript, str(script)], cwd=unpacked, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "date_start is Date ; count_best is integer" in run.stdout
    assert "more than 500" in run.stdout


# -- what the archive says --------------------------------------------------------------------------------------
def test_the_readme_states_the_provenance_honestly(unpacked: Path):
    section = readme_section(unpacked, "The source and what the data says about it")
    sources = yaml.safe_load  # noqa: F841 - (keeps the import used when the section changes)
    import csv

    with open(unpacked / "data" / "sources.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            assert row["original_url"] in section and row["copy_url"] in section
            assert row["text_sha256"] in section
    assert "not Al Jazeera's own wording" in section and "reworded republication" in section


def test_the_archive_readme_is_generated_for_users_not_the_developers_readme(unpacked: Path):
    text = (unpacked / "README.md").read_text(encoding="utf-8")
    assert "pip install -e" not in text and ".ci/run" not in text
    for table in DESCRIPTOR["resources"]:
        assert f"| `{table['name']}` |" in text


# -- no link to a file the archive lacks --------------------------------------------------------------------------
FILE_SUFFIXES = (".md", ".py", ".csv", ".json", ".cff", ".png", ".zip", ".whl", ".gz", ".sqlite", ".xlsx",
                 ".parquet", ".txt", ".r", ".sql", ".html", ".toml", ".yml", ".yaml", ".sh")


def referenced_paths(name: str, text: str) -> list[str]:
    """Files a document points at: Markdown links and images, and code spans that name a file or folder (outside
    fenced code blocks, which hold commands, not references). Paths relative to the document's folder for links,
    to the archive's root for code spans (the docs' convention)."""
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    found = []
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        target = target.split("#", 1)[0]
        found.append(str(PurePosixPath(name).parent / target) if "/" in name else target)
    for span in re.findall(r"`([^`\s]+)`", prose):
        if re.search(r"[<>*{}$\\]|://|X\.Y\.Z|^[-./]+$|^\.[a-z0-9]+$", span) or span.startswith(("-", "/")):
            continue
        if "/" in span or span.lower().endswith(FILE_SUFFIXES):
            found.append(span)
    if name.endswith(".cff"):
        found += re.findall(r"(?<![\w/.])((?:[\w.-]+/)+[\w.-]+\.\w+)", text)
    return found


def test_the_link_finder_finds_what_the_issue_found():
    text = "See [the mapping](docs/interop-mapping.md), ![shot](docs/site-screenshot.png), `benchmarks/README.md`,\n" \
           "`tests/test_recipes.py` and `https://example.org/x.md`, `minusma_facts.load()`.\n```sh\ncat .ci/run\n```"
    assert referenced_paths("README.md", text) == ["docs/interop-mapping.md", "docs/site-screenshot.png",
                                                  "benchmarks/README.md", "tests/test_recipes.py"]


def test_no_file_in_the_archive_links_to_a_file_the_archive_lacks(unpacked: Path):
    import csv

    files = {p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file()
             and not p.relative_to(unpacked).parts[0] in (".venv", "dist")}
    folders = {str(PurePosixPath(f).parent) + "/" for f in files}
    with open(unpacked / "data" / "sources.csv", encoding="utf-8", newline="") as handle:
        left_out = {row["text_path"] for row in csv.DictReader(handle)}  # absent by design, and said so
    left_out |= {str(PurePosixPath(p).parent) + "/" for p in left_out}
    broken = []
    for name in sorted(files):
        if not name.endswith((".md", ".cff", ".json")):
            continue
        for target in referenced_paths(name, (unpacked / name).read_text(encoding="utf-8")):
            target = str(PurePosixPath(target))
            if target in files or target + "/" in folders or target in folders or target in left_out \
                    or target.rstrip("/") + "/" in left_out:
                continue
            broken.append(f"{name} -> {target}")
    assert broken == []


# -- the citation in the archive ------------------------------------------------------------------------------------
def test_release_fills_the_doi_and_repository_into_the_archive(tmp_path: Path):
    package = copy_package(tmp_path / "package", whole=True)
    result = build_release(package, tmp_path / "out", project=ROOT, doi=DOI, repository_url=REPOSITORY)
    assert result.notes == ()
    with zipfile.ZipFile(result.path) as z:
        cff = citation.load(z.read(f"{STEM}/CITATION.cff").decode("utf-8"))
        zenodo = json.loads(z.read(f"{STEM}/.zenodo.json"))
        readme = z.read(f"{STEM}/README.md").decode("utf-8")
    assert citation.placeholders(cff) == []
    assert cff["doi"] == cff["preferred-citation"]["doi"] == DOI
    assert cff["repository-code"] == REPOSITORY
    assert {"identifier": REPOSITORY, "relation": "isSupplementedBy", "resource_type": "software"} in zenodo["related_identifiers"]
    assert "doi" not in zenodo
    assert f"https://doi.org/{DOI}" in readme and "year = {2026}" in readme and REPOSITORY in readme


def test_an_unfilled_placeholder_never_reaches_the_archive(unpacked: Path):
    cff = citation.load((unpacked / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation.placeholders(cff) == [] and "doi" not in cff
    for name in ("README.md", "CITATION.cff", ".zenodo.json"):
        text = (unpacked / name).read_text(encoding="utf-8")
        assert citation.DOI_PLACEHOLDER not in text and citation.REPOSITORY_PLACEHOLDER not in text, name


def test_the_tools_hold_the_code_and_never_the_article_text(unpacked: Path):
    import tarfile

    text = (ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt").read_bytes()
    (sdist,) = (unpacked / "tools").glob("*.tar.gz")
    (wheel,) = (unpacked / "tools").glob("*.whl")
    with tarfile.open(sdist) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    top = sdist.name[: -len(".tar.gz")]
    inside = {name.split("/", 1)[1] for name in members}
    assert all(name.startswith("cli/minusma_facts/") or name in ("pyproject.toml", "README.md", "PKG-INFO", ".gitignore")
               for name in inside), sorted(inside)
    assert all(name.startswith(f"{top}/") for name in members)
    with zipfile.ZipFile(wheel) as z:
        members |= {name: z.read(name) for name in z.namelist()}
        assert all(n.startswith(("minusma_facts/", f"{top}.dist-info/")) for n in z.namelist())
    assert "minusma_facts/cli.py" in members and f"{top}/cli/minusma_facts/cli.py" in members
    assert not any(text in data or text[:200] in data for data in members.values())

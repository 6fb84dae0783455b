"""Release archives (validated through the zip itself; spans unverified without texts) and metadata agreement."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pytest

from damage import edit_json, matching, resource_of, set_cell

SOURCE_TEXT = "sources/mali-protesters-demand-exit-of-un-peacekeeping-mission.txt"


def make_zip(package: Path, destination: Path, with_sources: bool = False, top: str = "minusma-facts-0.2.0/") -> Path:
    with zipfile.ZipFile(destination, "w") as archive:
        for path in sorted(package.rglob("*")):
            relative = path.relative_to(package).as_posix()
            if path.is_file() and (with_sources or not relative.startswith("sources/")):
                archive.write(path, top + relative)
    return destination


def test_release_zip_without_texts_warns_and_is_valid(tmp_path, package_copy, run_validate):
    archive = make_zip(package_copy, tmp_path / "release.zip")
    code, out, err, report = run_validate(archive, "--json")
    assert code == 0, report["errors"][:5]
    assert report["valid"] is True
    warning = matching(report, "spans-unverified", severity="warning")
    assert warning and "spans could not be verified" in warning[0]["message"]
    assert int(re.search(r"(\d+) spans could not", warning[0]["message"]).group(1)) > 0
    code, out, _, _ = run_validate(archive)
    assert code == 0 and "could not be verified" in out


def test_sources_option_verifies_spans_of_a_zip(tmp_path, package_copy, run_validate):
    set_cell(package_copy, "events", 2, "evidence_start", "0")
    archive = make_zip(package_copy, tmp_path / "release.zip")
    code, _, _, report = run_validate(archive, "--json")
    assert code == 0  # without texts the broken span cannot be seen
    code, _, _, report = run_validate(archive, "--json", "--sources", package_copy / "sources")
    assert code == 1
    assert matching(report, "evidence-mismatch", file="data/events.csv", row=2, field="evidence")
    assert not matching(report, "spans-unverified", severity="warning")


def test_damaged_cell_inside_a_zip_is_found(tmp_path, package_copy, run_validate):
    set_cell(package_copy, "figures", 3, "unit", "furlongs")
    archive = make_zip(package_copy, tmp_path / "release.zip")
    code, _, _, report = run_validate(archive, "--json")
    assert code == 1
    assert matching(report, "constraint-error", file="data/figures.csv", row=3, field="unit")


def _declare(bytes_delta: int = 0, hash_text: str | None = None):
    def damage(package: Path):
        raw = (package / "data" / "figures.csv").read_bytes()
        def change(descriptor):
            resource = resource_of(descriptor, "figures")
            resource["bytes"] = len(raw) + bytes_delta
            resource["hash"] = hash_text or "sha256:" + hashlib.sha256(raw).hexdigest()
        edit_json(package, "datapackage.json", change)
    return damage


@pytest.mark.parametrize(
    "damage, type_, field",
    [
        pytest.param(_declare(bytes_delta=1), "byte-count", "bytes", id="bytes differ"),
        pytest.param(_declare(hash_text="sha256:" + "0" * 64), "hash-count", "hash", id="sha256 differs"),
    ],
)
def test_declared_bytes_and_hash_are_checked_in_a_zip(tmp_path, package_copy, run_validate, damage, type_, field):
    damage(package_copy)
    archive = make_zip(package_copy, tmp_path / "release.zip")
    code, _, _, report = run_validate(archive, "--json")
    assert code == 1
    assert matching(report, type_, file="data/figures.csv", field=field)


def test_correct_bytes_and_hash_pass(tmp_path, package_copy, run_validate):
    _declare()(package_copy)
    code, _, _, report = run_validate(make_zip(package_copy, tmp_path / "release.zip"), "--json")
    assert code == 0, report["errors"][:3]


# -- metadata agreement ------------------------------------------------------------------------------
def _cff(change):
    def damage(package: Path):
        import yaml

        path = package / "CITATION.cff"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return damage


def _zenodo(change):
    return lambda package: edit_json(package, ".zenodo.json", change)


def _pyproject(old: str, new: str):
    def damage(package: Path):
        path = package / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return damage


METADATA_CASES = [
    pytest.param(_cff(lambda d: d.update(title="Another title")), "CITATION.cff", "title", id="citation title"),
    pytest.param(_cff(lambda d: d.update(version="9.9.9")), "CITATION.cff", "version", id="citation version"),
    pytest.param(_cff(lambda d: d.update(license="MIT")), "CITATION.cff", "licence", id="citation licence"),
    pytest.param(_cff(lambda d: d.update(authors=[{"name": "Someone Else"}])), "CITATION.cff", "authors", id="citation authors"),
    pytest.param(_cff(lambda d: d.update(keywords=["only one"])), "CITATION.cff", "keywords", id="citation keywords"),
    pytest.param(_cff(lambda d: d.update(abstract="Something else entirely.")), "CITATION.cff", "description", id="citation abstract"),
    pytest.param(_zenodo(lambda d: d.update(version="0.0.1")), ".zenodo.json", "version", id="zenodo version"),
    pytest.param(_zenodo(lambda d: d.update(title="Another title")), ".zenodo.json", "title", id="zenodo title"),
    pytest.param(_pyproject('version = "0.2.0"', 'version = "0.3.0"'), "pyproject.toml", "version", id="pyproject version"),
]


@pytest.mark.parametrize("damage, file, field", METADATA_CASES)
def test_metadata_disagreement_is_found(package_copy, run_validate, damage, file, field):
    if not (package_copy / file).exists():
        pytest.fail(f"{file} is missing from the package; the metadata test needs it")
    damage(package_copy)
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 1
    found = matching(report, "metadata-mismatch", file=file, field=field)
    assert found and "datapackage.json" in found[0]["message"] and file in found[0]["message"]


def test_missing_metadata_file_is_skipped(package_copy, run_validate):
    (package_copy / "CITATION.cff").unlink()
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 0, report["errors"][:3]

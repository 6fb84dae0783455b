"""`minusma-facts release`: a reproducible, Zenodo-ready archive that validates and leaves out the source text."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import packages
from minusma_facts.cli import app
from minusma_facts.package import Package
from minusma_facts.release import EXPORTS_FOLDER, RELEASE_DOCUMENTS, build_release

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
STEM = f"{DESCRIPTOR['name']}-{DESCRIPTOR['version']}"


def copy_package(destination: Path) -> Path:
    return packages.copy_package(destination, whole=True)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "dist" not in p.relative_to(folder).parts
    }


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return copy_package(tmp_path / "package")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One archive built from a copy of the real package, shared by the tests that only read it."""
    package = copy_package(tmp_path_factory.mktemp("released") / "package")
    result = run("release", package, "--project", ROOT)
    assert result.exit_code == 0, result.output
    return package / "dist" / f"{STEM}.zip"


def members(archive: Path) -> dict[str, bytes]:
    """The archive's files by their path inside the package folder."""
    with zipfile.ZipFile(archive) as z:
        return {info.filename.split("/", 1)[1]: z.read(info) for info in z.infolist()}


# -- reproducibility --------------------------------------------------------------------------------------
def test_two_builds_give_byte_identical_archives_and_the_same_printed_sha256(package: Path):
    first = run("release", package, "--project", ROOT)
    assert first.exit_code == 0, first.output
    archive = package / "dist" / f"{STEM}.zip"
    first_bytes = archive.read_bytes()
    second = run("release", package, "--project", ROOT)
    assert second.exit_code == 0, second.output
    assert archive.read_bytes() == first_bytes
    digest = hashlib.sha256(first_bytes).hexdigest()
    assert f"sha256 {digest}" in first.output
    assert f"sha256 {digest}" in second.output


def test_builds_from_two_folders_are_identical(package: Path, tmp_path: Path):
    """Nothing of the build's location or time leaks into the archive."""
    other = copy_package(tmp_path / "elsewhere" / "another-copy")
    one = build_release(package, tmp_path / "out-one", project=ROOT)
    two = build_release(other, tmp_path / "out-two", project=ROOT)
    assert one.sha256 == two.sha256
    assert one.path.read_bytes() == two.path.read_bytes()


def test_entries_have_fixed_order_timestamp_and_permissions(archive: Path):
    with zipfile.ZipFile(archive) as z:
        infos = z.infolist()
    names = [i.filename for i in infos]
    assert names[0] == f"{STEM}/datapackage.json"
    assert names[1:] == sorted(names[1:])
    assert all(name.startswith(f"{STEM}/") for name in names)
    assert len({i.date_time for i in infos}) == 1
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
    assert all(not i.is_dir() and i.extra == b"" for i in infos)


# -- contents ---------------------------------------------------------------------------------------------
def test_descriptor_in_the_archive_gives_bytes_and_sha256_of_each_resource(archive: Path):
    files = members(archive)
    released = json.loads(files["datapackage.json"])
    assert [r["name"] for r in released["resources"]] == [r["name"] for r in DESCRIPTOR["resources"]]
    for resource in released["resources"]:
        data = files[resource["path"]]
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert data == (ROOT / resource["path"]).read_bytes()
    # Everything else in the descriptor is unchanged.
    strip = lambda d: {**d, "resources": [{k: v for k, v in r.items() if k not in ("bytes", "hash")} for r in d["resources"]]}
    assert strip(released) == DESCRIPTOR


def test_archive_holds_data_schemas_metadata_docs_and_exports(archive: Path):
    files = members(archive)
    expected = {"datapackage.json", "README.md", *RELEASE_DOCUMENTS}
    for resource in DESCRIPTOR["resources"]:
        expected |= {resource["path"], resource["schema"]}
    expected |= {f"{EXPORTS_FOLDER}/{STEM}.sqlite", f"{EXPORTS_FOLDER}/{STEM}.xlsx"}
    expected |= {f"{EXPORTS_FOLDER}/{STEM}-acled.csv", f"{EXPORTS_FOLDER}/{STEM}-ucdp.csv"}
    expected |= {f"{EXPORTS_FOLDER}/parquet/{r['name']}.parquet" for r in DESCRIPTOR["resources"]}
    expected |= {f"{EXPORTS_FOLDER}/parquet/computed_estimates.parquet"}  # computed (minusma_facts.reconcile)
    wheel_name = DESCRIPTOR["name"].replace("-", "_") + "-" + DESCRIPTOR["version"]
    expected |= {f"tools/{wheel_name}-py3-none-any.whl", f"tools/{wheel_name}.tar.gz"}
    expected |= {p for p in ("LICENSE", "LICENSE.md", "LICENSE.txt") if (ROOT / p).is_file()}
    assert set(files) == expected
    # the documents as in the repository; the citation files with their placeholders filled (test_archive.py)
    for document in set(RELEASE_DOCUMENTS) - {"CITATION.cff", ".zenodo.json"}:
        assert files[document] == (ROOT / document).read_bytes(), document
    assert files["README.md"] != (ROOT / "README.md").read_bytes()  # the users' README, not the developers'


def test_archive_leaves_out_the_source_text_but_keeps_its_hash(archive: Path):
    files = members(archive)
    sources = Package.open(ROOT).read_table("sources", typed=False)
    for row in sources.to_dict("records"):
        text = (ROOT / row["text_path"]).read_bytes()
        assert row["text_path"] not in files
        assert not any(text in data for data in files.values()), "the full text is inside the archive"
        # What stays: the hash and URLs in the sources table, and the short evidence excerpts.
        assert row["text_sha256"].encode() in files[DESCRIPTOR["resources"][0]["path"]]
    assert not any(name.startswith("sources/") for name in files)


def test_archive_opens_with_the_package_reader_and_its_tables_equal_the_csvs(archive: Path):
    released, original = Package.open(archive), Package.open(ROOT)
    assert released.is_archive
    for name in original.resource_names:
        assert released.read_table(name).equals(original.read_table(name)), name


def test_the_data_dictionary_in_the_archive_is_current(archive: Path):
    result = run("dictionary", "--check", archive)
    assert result.exit_code == 0, result.output


def test_frictionless_accepts_the_hashes_and_byte_counts(archive: Path, tmp_path: Path):
    from frictionless import Package as FrictionlessPackage

    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "unpacked")
    report = FrictionlessPackage(str(tmp_path / "unpacked" / STEM / "datapackage.json")).validate()
    errors = [e.type for task in report.tasks for e in task.errors]
    assert not [e for e in errors if e in ("hash-count", "byte-count")]
    # A changed byte is caught by the hash the release wrote.
    path = tmp_path / "unpacked" / STEM / DESCRIPTOR["resources"][1]["path"]
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 1))
    report = FrictionlessPackage(str(tmp_path / "unpacked" / STEM / "datapackage.json")).validate()
    assert "hash-count" in [e.type for task in report.tasks for e in task.errors]


# -- validate on the archive ------------------------------------------------------------------------------
def _validate_json(*args) -> dict:
    result = run("validate", *args, "--json")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def test_the_archive_validates_with_unverified_spans_warned_without_sources(archive: Path):
    report = _validate_json(archive)
    assert report["valid"] is True and report["errors"] == []
    warnings = {w["type"]: w["message"] for w in report["warnings"]}
    assert "spans-unverified" in warnings
    assert "--sources" in warnings["spans-unverified"]


def test_the_archive_validates_with_sources_and_no_span_warning(archive: Path):
    report = _validate_json(archive, "--sources", ROOT / "sources")
    assert report["valid"] is True and report["errors"] == []
    assert not {"spans-unverified", "source-missing"} & {w["type"] for w in report["warnings"]}


# -- safety -----------------------------------------------------------------------------------------------
def test_release_never_writes_to_the_package(package: Path):
    before = tree_digest(package)
    assert run("release", package, "--project", ROOT).exit_code == 0
    assert tree_digest(package) == before
    assert sorted(p.name for p in (package / "dist").iterdir()) == [f"{STEM}.zip"]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, OSError], ids=["interrupted", "disk error"])
def test_a_failed_build_leaves_no_partial_archive_and_keeps_the_previous_one(
    package: Path, monkeypatch: pytest.MonkeyPatch, interrupt
):
    import minusma_facts.export as export

    previous = build_release(package, project=ROOT).path.read_bytes()
    before = tree_digest(package)
    real_writer = export.write_reproducible_zip

    def failing_writer(target, entries, stamp):
        real_writer(target, entries[: len(entries) // 2], stamp)  # half an archive, then the failure
        raise interrupt()

    monkeypatch.setattr(export, "write_reproducible_zip", failing_writer)
    with pytest.raises(interrupt):
        build_release(package, project=ROOT)
    assert [p.name for p in (package / "dist").iterdir()] == [f"{STEM}.zip"]
    assert (package / "dist" / f"{STEM}.zip").read_bytes() == previous
    assert tree_digest(package) == before


def _drop(path: str):
    return lambda root: (root / path).unlink()


def _set_citation_version(root: Path):
    text = (root / "CITATION.cff").read_text(encoding="utf-8")
    (root / "CITATION.cff").write_text(text.replace(f'version: "{DESCRIPTOR["version"]}"', 'version: "9.9.9"'))


def _resource_on_the_source_text(root: Path):
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    text_path = Package.open(root).read_table("sources", typed=False)["text_path"][0]
    descriptor["resources"].append({"name": "article", "path": text_path, "format": "txt"})
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


@pytest.mark.parametrize(
    "damage,message",
    [
        pytest.param(_drop("docs/interop-mapping.md"), "docs/interop-mapping.md", id="no ACLED/UCDP mapping"),
        pytest.param(_drop("CHANGELOG.md"), "CHANGELOG.md", id="no CHANGELOG"),
        pytest.param(_drop("docs/data-dictionary.md"), "docs/data-dictionary.md", id="no data dictionary"),
        pytest.param(_resource_on_the_source_text, "stored source text", id="resource is the article text"),
        pytest.param(_drop("datapackage.json"), "no datapackage.json", id="not a package folder"),
    ],
)
def test_release_refuses_with_exit_2_and_one_line(package: Path, damage, message: str):
    damage(package)
    result = run("release", package, "--project", ROOT)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("release: ") and len(result.output.strip().splitlines()) == 1
    assert message in result.output
    assert not (package / "dist").exists() or not any((package / "dist").iterdir())


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_drop(DESCRIPTOR["resources"][2]["path"]), id="missing data file"),
        pytest.param(_set_citation_version, id="CITATION.cff version disagrees"),
    ],
)
def test_release_refuses_an_invalid_package_with_exit_1_and_builds_nothing(package: Path, damage):
    damage(package)
    result = run("release", package, "--project", ROOT)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("release: the package does not validate")
    assert not (package / "dist").exists() or not any((package / "dist").iterdir())


@pytest.mark.parametrize(
    "damage,message",
    [
        pytest.param(_set_citation_version, "version '9.9.9'", id="CITATION.cff version disagrees"),
        pytest.param(_resource_on_the_source_text, "stored source text", id="resource is the article text"),
    ],
)
def test_the_release_builder_itself_refuses_what_validate_also_catches(package: Path, damage, message: str):
    """The builder does not rely on the command's validation: called directly it still refuses."""
    from minusma_facts.release import ReleaseError

    damage(package)
    with pytest.raises(ReleaseError, match=message):
        build_release(package, project=ROOT)
    assert not (package / "dist").exists() or not any((package / "dist").iterdir())


def test_release_refuses_an_archive_as_input(archive: Path, tmp_path: Path):
    result = run("release", archive, "--output-dir", tmp_path, "--project", ROOT)
    assert result.exit_code == 2
    assert "package folder" in result.output

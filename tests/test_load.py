"""minusma_facts.load(): every table typed from its schema, from the repository, a folder or a release zip."""

from __future__ import annotations

import doctest
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import minusma_facts
from minusma_facts import loader
from packages import copy_package
from minusma_facts.package import Package, PackageError
from minusma_facts.schema import Schema

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Package.open(ROOT)
TABLES = PACKAGE.resource_names


def zip_package(folder: Path, archive: Path, top: str = "minusma-facts-0.2.0") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return archive


@pytest.fixture(autouse=True)
def in_the_repository(monkeypatch):
    """load() without a path reads the current folder's package: these tests run from the repository root."""
    monkeypatch.chdir(ROOT)


def test_the_docstring_example_runs():
    result = doctest.testmod(loader, verbose=False)
    assert result.attempted >= 5
    assert result.failed == 0


def test_load_returns_every_table_of_the_descriptor():
    tables = minusma_facts.load()
    assert list(tables) == TABLES
    assert all(isinstance(frame, pd.DataFrame) for frame in tables.values())
    # every table holds rows but event_reports, which holds none until a second source reports an event
    assert [name for name, frame in tables.items() if len(frame) == 0] == ["event_reports"]
    assert list(tables["event_reports"].columns) == [f["name"] for f in json.loads((ROOT / "schemas/event_reports.schema.json").read_text())["fields"]]


def test_load_gives_the_computed_estimates_only_when_asked():
    assert "computed_estimates" not in minusma_facts.load()
    tables = minusma_facts.load(computed=True)
    estimates = tables["computed_estimates"]
    assert estimates.equals(minusma_facts.load("computed_estimates"))
    crowd = estimates[(estimates["event_id"] == "bamako_protest_2023_05_25") & (estimates["kind"] == "crowd_size")].iloc[0]
    # the one source's two crowd figures: "Thousands" (2,000 or more) and "Several thousand" (3,000 or more)
    assert (crowd["low"], crowd["best"], crowd["high"] is pd.NA, crowd["number_of_sources"]) == (2000, 3000, True, 1)
    assert str(estimates["number_of_sources"].dtype) == "Int64"


@pytest.mark.parametrize("table", TABLES, ids=TABLES)
def test_column_dtypes_are_derived_from_the_schema(table):
    frame = minusma_facts.load(table)
    expected = Schema.from_descriptor(PACKAGE.schema(table)).dtypes()
    assert list(frame.columns) == list(expected)
    for column, dtype in expected.items():
        assert frame[column].dtype == dtype, column


@pytest.mark.parametrize("table", TABLES, ids=TABLES)
def test_categories_keep_the_schema_order(table):
    frame = minusma_facts.load(table)
    for field in PACKAGE.schema(table)["fields"]:
        enum = (field.get("constraints") or {}).get("enum")
        if enum and field.get("type", "string") == "string":
            assert list(frame[field["name"]].cat.categories) == enum


def test_kinds_of_columns_a_researcher_relies_on():
    events = minusma_facts.load("events")
    casualties = minusma_facts.load("casualties")
    assert pd.api.types.is_datetime64_dtype(events["date_start"])
    assert str(casualties["count_low"].dtype) == "Int64"
    assert casualties["count_best"].isna().any()  # nullable: vague figures have no best count
    assert str(events["event_id"].dtype) == "string"
    assert events.loc[events["event_id"] == "bamako_protest_2023_05_25", "date_start"].iloc[0] == pd.Timestamp("2023-05-25")


def test_load_one_table_equals_the_same_table_of_load_all():
    pd.testing.assert_frame_equal(minusma_facts.load("casualties"), minusma_facts.load()["casualties"])


def test_load_reads_a_package_folder(tmp_path):
    folder = copy_package(tmp_path / "pkg")
    rows = folder / "data" / "casualties.csv"
    rows.write_text("\n".join(rows.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8")
    assert len(minusma_facts.load(folder)["casualties"]) == 1
    assert len(minusma_facts.load(str(folder), "casualties")) == 1
    assert len(minusma_facts.load("casualties", path=folder)) == 1


def test_load_reads_a_release_archive_without_the_text(tmp_path):
    archive = zip_package(copy_package(tmp_path / "pkg", with_text=False), tmp_path / "release.zip")
    tables = minusma_facts.load(archive)
    for name in TABLES:
        pd.testing.assert_frame_equal(tables[name], minusma_facts.load(name))


def test_without_a_path_the_package_is_the_current_folder(monkeypatch, tmp_path):
    folder = copy_package(tmp_path / "mine")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "9.9.9"
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    monkeypatch.chdir(folder)
    assert loader.default_location() == folder
    assert loader.open_package().descriptor["version"] == "9.9.9"


@pytest.mark.parametrize("where", ["subfolder", "unrelated"], ids=["a package's subfolder", "an unrelated folder"])
def test_without_a_path_load_never_searches_or_falls_back(monkeypatch, tmp_path, where):
    """No upward search and no silent fallback to the repository of an editable install: an error naming the folder."""
    folder = copy_package(tmp_path / "pkg") / "schemas" if where == "subfolder" else tmp_path
    monkeypatch.chdir(folder)
    with pytest.raises(PackageError, match=f"no datapackage.json in the current folder \\({folder}\\)"):
        minusma_facts.load()


def test_unknown_table_names_the_tables_there_are():
    with pytest.raises(KeyError, match="no table named 'evnts'.*events"):
        minusma_facts.load("evnts")


def test_missing_path_is_a_package_error(tmp_path):
    with pytest.raises(PackageError, match="no such file or folder"):
        minusma_facts.load(tmp_path / "nowhere")


def test_pandera_schema_passes_every_real_table_and_names_what_fails():
    """The pandera schemas users get carry every column constraint of the Table Schema and validate's rules across
    columns, each check named by the finding type validate reports."""
    import pandera.errors

    package = Package.open(".")
    for name in package.resource_names:
        frame = minusma_facts.load(name)
        assert minusma_facts.pandera_schema(name).validate(frame, lazy=True).equals(frame), name
    events = minusma_facts.load("events")
    schema = minusma_facts.pandera_schema("events")
    events.loc[0, "date_end"] = events.loc[0, "date_start"] - pd.Timedelta(days=1)  # ends before it starts
    events["event_id"] = events["event_id"].astype("string")
    events.loc[1, "event_id"] = "Not An Id"  # the schema's pattern
    with pytest.raises(pandera.errors.SchemaErrors) as raised:
        schema.validate(events, lazy=True)
    cases = raised.value.failure_cases
    assert {"date-order", "date-precision"} <= set(cases["check"])
    assert set(cases.loc[cases["check"].isin(["date-order", "date-precision"]), "index"]) == {0}
    pattern = cases[(cases["column"] == "event_id") & cases["check"].str.startswith("str_matches")]
    assert list(pattern["failure_case"]) == ["Not An Id"] and list(pattern["index"]) == [1]
    with pytest.raises(KeyError, match="no table named 'nope'"):
        minusma_facts.pandera_schema("nope")

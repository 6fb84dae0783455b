"""ACLED and UCDP GED layouts: write_interop() and `minusma-facts export --format acled|ucdp`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from damage import find_row, set_cells
from typer.testing import CliRunner

from minusma_facts.cli import app
from minusma_facts.interop import (
    ACLED_COLUMNS,
    UCDP_COLUMNS,
    InteropError,
    acled_date,
    layout,
    priogrid_gid,
    ucdp_date_prec,
    write_interop,
)
from minusma_facts.package import Package

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Package.open(ROOT)
runner = CliRunner()


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def events() -> list[dict[str, str]]:
    return PACKAGE.read_table("events", typed=False).to_dict(orient="records")


def side_one(event_id: str) -> list[str]:
    """Names of the event's non-person actors in ACLED actor-1 roles, the typed protesters first; links that
    are only possible left out."""
    actors = {a["actor_id"]: a for a in PACKAGE.read_table("actors", typed=False).to_dict(orient="records")}
    links = [
        r for r in PACKAGE.read_table("event_actors", typed=False).to_dict(orient="records")
        if r["event_id"] == event_id and r["role"] in ("participant", "organizer") and r["certainty"] != "possible"
    ]
    links.sort(key=lambda r: ("participant", "organizer").index(r["role"]))
    found = [actors[r["actor_id"]] for r in links]
    found.sort(key=lambda a: not a["acled_inter_code"])
    found = [a for a in found if a["actor_kind"] != "person"]
    return [a["actor_name"] for a in found[:1] + [a for a in found[1:] if a["is_named"] == "true"]]  # ACLED lists named actors


@pytest.fixture(scope="module")
def acled(tmp_path_factory):
    out = tmp_path_factory.mktemp("acled") / "acled.csv"
    written = write_interop(PACKAGE, "acled", out)
    header, rows = read(out)
    return written, header, {r["notes"].rsplit("minusma-facts event ", 1)[1].rstrip(")"): r for r in rows}


@pytest.fixture(scope="module")
def ucdp(tmp_path_factory):
    out = tmp_path_factory.mktemp("ucdp") / "ucdp.csv"
    written = write_interop(PACKAGE, "ucdp", out)
    header, rows = read(out)
    return written, header, {r["relid"]: r for r in rows}


def test_acled_has_acleds_columns_in_order(acled):
    written, header, rows = acled
    assert header == ACLED_COLUMNS and len(header) == 31
    assert header[:4] == ["event_id_cnty", "event_date", "year", "time_precision"] and header[-2:] == ["tags", "timestamp"]
    assert header[18:21] == ["admin1", "admin2", "admin3"]
    assert written == len(rows)


def test_acled_rows_are_the_events_with_an_acled_type(acled):
    _, _, rows = acled
    expected = {e["event_id"] for e in events() if e["acled_event_type"]}
    assert set(rows) == expected
    assert all(not e["parent_event_id"] and e["is_series"] != "true" for e in events() if e["event_id"] in expected)


def test_acled_counts_the_bamako_protest_once(acled):
    _, _, rows = acled
    bamako = [r for r in rows.values() if r["event_type"] == "Protests" and r["location"] == "Bamako"]
    assert [r["notes"].rsplit(" ", 1)[1] for r in bamako] == ["bamako_protest_2023_05_25)"]
    parts = {e["event_id"] for e in events() if e["parent_event_id"] == "bamako_protest_2023_05_25"}
    assert parts and not parts & set(rows)


def test_acled_protest(acled):
    row = acled[2]["bamako_protest_2023_05_25"]
    assert (row["event_date"], row["year"], row["time_precision"]) == ("2023-05-25", "2023", "1")
    assert (row["disorder_type"], row["event_type"], row["sub_event_type"]) == ("Demonstrations", "Protests", "Peaceful protest")
    assert (row["iso"], row["country"], row["region"]) == ("466", "Mali", "Western Africa")
    assert (row["inter1"], row["interaction"], row["actor2"]) == ("Protesters", "Protesters only", "")
    assert row["actor1"] == "Protesters in Bamako, 25 May 2023" == side_one("bamako_protest_2023_05_25")[0]
    assert row["assoc_actor_1"] == "; ".join(side_one("bamako_protest_2023_05_25")[1:]) == "M5-RFP"  # the named organizer
    assert "Unnamed associated actors: Civil society organizations supporting the transitional government." in row["notes"]
    assert row["fatalities"] == "0"  # the source reports no one killed at the protest: ACLED writes 0 (issue 12)
    assert "crowd size=Several thousand" in row["tags"]
    assert row["source"] == "Al Jazeera" and row["source_scale"] == ""


def test_acled_moura_killings_carry_the_count_the_source_gives(acled):
    row = acled[2]["moura_killings_2022_03"]
    casualty = next(
        c for c in PACKAGE.read_table("casualties", typed=False).to_dict(orient="records")
        if c["casualty_id"] == "moura_civilians_executed"
    )
    assert row["fatalities"] == casualty["count_low"] == "501"  # "more than 500"
    assert (row["inter1"], row["inter2"], row["interaction"]) == ("State forces", "Civilians", "State forces-Civilians")
    assert row["civilian_targeting"] == "Civilian targeting"
    assert (row["event_date"], row["time_precision"]) == ("2022-03-15", "3")  # a month: ACLED's mid-month date


@pytest.mark.parametrize(
    "event_id, values",
    [
        pytest.param("france_withdrawal_2022", {"acled_event_type": "Strategic developments", "acled_sub_event_type": "Change to group/activity"},
                     id="a year-only date"),
        pytest.param("bamako_protest_signs", {"acled_event_type": "Protests", "acled_sub_event_type": "Peaceful protest"}, id="a part of the protest"),
        pytest.param("wagner_killings", {"acled_event_type": "Violence against civilians", "acled_sub_event_type": "Attack"}, id="a series"),
        pytest.param("peace_agreement_signed", {"acled_event_type": "Strategic developments", "acled_sub_event_type": "Agreement"}, id="no actor1"),
    ],
)
def test_acled_export_leaves_out_an_event_acled_could_not_record(package_copy, tmp_path, event_id, values):
    set_cells(package_copy, "events", find_row(package_copy, "events", lambda r: r["event_id"] == event_id), values)
    _, rows = read_export(package_copy, "acled", tmp_path)
    assert event_id not in {r["notes"].rsplit("minusma-facts event ", 1)[1].rstrip(")") for r in rows}
    assert len(rows) == len([e for e in events() if e["acled_event_type"]])


def test_a_possible_perpetrator_is_no_side_in_either_layout(package_copy, tmp_path):
    row = find_row(package_copy, "event_actors", lambda r: r["event_actor_id"] == "moura_killings_2022_03__malian_armed_forces__perpetrator")
    set_cells(package_copy, "event_actors", row, {"certainty": "possible"})
    _, acled_rows = read_export(package_copy, "acled", tmp_path)
    _, ucdp_rows = read_export(package_copy, "ucdp", tmp_path)
    (moura,) = [r for r in acled_rows if r["location"] == "Moura"]
    assert (moura["actor1"], moura["assoc_actor_1"]) == ("Russian forces in Mali", "")
    assert [r["side_a"] for r in ucdp_rows] == ["Russian forces in Mali"]


def read_export(package: Path, fmt: str, tmp_path: Path):
    out = tmp_path / f"{fmt}.csv"
    write_interop(Package.open(package), fmt, out)
    return read(out)


@pytest.mark.parametrize(
    "start, end, precision, expected",
    [
        pytest.param("2023-05-25", "2023-05-25", "day", ("2023-05-25", 1), id="day"),
        pytest.param("2023-05-22", "2023-05-28", "between", ("2023-05-25", 2), id="week"),
        pytest.param("2022-03-01", "2022-03-31", "month", ("2022-03-15", 3), id="month"),
        pytest.param("2022-01-01", "2022-12-31", "year", (None, None), id="year"),
        pytest.param("", "2023-05-26", "between", (None, None), id="open start"),
    ],
)
def test_acled_time_precision(start, end, precision, expected):
    date, time_precision = acled_date({"date_start": start, "date_end": end, "date_precision": precision})
    assert (date.isoformat() if date else None, time_precision) == expected


def test_ucdp_has_geds_columns_and_one_row_per_single_event_toll(ucdp):
    written, header, rows = ucdp
    assert header == UCDP_COLUMNS
    casualties = PACKAGE.read_table("casualties", typed=False).to_dict(orient="records")
    typed = {e["event_id"] for e in events() if e["ucdp_type_of_violence"]}
    expected = {c["casualty_id"] for c in casualties
                if c["harm_type"] == "killed" and c["tally_type"] == "event_toll" and c["event_id"] in typed}
    assert set(rows) == expected == {"moura_civilians_executed"} and written == len(expected)


def test_ucdp_export_leaves_out_an_event_ged_could_not_record(package_copy, tmp_path):
    """A UCDP type on an event without a count of the dead (the Wagner killings) does not make a GED row."""
    set_cells(package_copy, "events", find_row(package_copy, "events", lambda r: r["event_id"] == "wagner_killings"),
              {"ucdp_type_of_violence": "3"})
    set_cells(package_copy, "casualties", find_row(package_copy, "casualties", lambda r: r["casualty_id"] == "wagner_indiscriminate_killings"),
              {"tally_type": "event_toll"})
    _, rows = read_export(package_copy, "ucdp", tmp_path)
    assert [r["relid"] for r in rows] == ["moura_civilians_executed"]


def test_ucdp_moura_low_best_high_and_precisions(ucdp):
    row = ucdp[2]["moura_civilians_executed"]
    # "more than 500": best is the smallest number the words allow; GED's high cannot be unbounded, so high = best
    assert (row["low"], row["best"], row["high"]) == ("501", "501", "501")
    assert (row["deaths_a"], row["deaths_b"], row["deaths_civilians"], row["deaths_unknown"]) == ("0", "0", "501", "0")
    assert (row["side_a"], row["side_b"]) == ("Government of Mali", "Civilians")  # one actor a side, GED's names
    assert (row["date_prec"], row["date_start"], row["date_end"]) == ("4", "2022-03-01 00:00:00.000", "2022-03-31 00:00:00.000")
    assert row["where_prec"] == "1" and row["where_coordinates"] == "Moura"
    assert (row["country"], row["country_id"], row["type_of_violence"]) == ("Mali", "432", "3")
    assert row["source_original"] == "a UN report"
    assert row["priogrid_gid"] == str(priogrid_gid(float(row["latitude"]), float(row["longitude"])))


@pytest.mark.parametrize(
    "start, end, expected",
    [
        pytest.param("2023-05-25", "2023-05-25", 1, id="day"),
        pytest.param("2023-05-24", "2023-05-26", 2, id="three days"),
        pytest.param("2023-05-22", "2023-05-28", 3, id="week"),
        pytest.param("2022-03-01", "2022-03-31", 4, id="month"),
        pytest.param("2022-01-01", "2022-12-31", 5, id="year"),
        pytest.param("2013-01-01", "2023-05-26", None, id="years"),
    ],
)
def test_ucdp_date_prec(start, end, expected):
    assert ucdp_date_prec({"date_start": start, "date_end": end}) == expected


def test_priogrid_cells_are_numbered_from_the_south_west_corner():
    assert priogrid_gid(-89.9, -179.9) == 1
    assert priogrid_gid(-89.9, 179.9) == 720
    assert priogrid_gid(-89.4, -179.9) == 721


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(InteropError, match="unknown interoperability format 'gdelt'"):
        write_interop(PACKAGE, "gdelt", tmp_path / "x.csv")


@pytest.mark.parametrize("fmt, columns", [("acled", ACLED_COLUMNS), ("ucdp", UCDP_COLUMNS)], ids=["acled", "ucdp"])
def test_the_export_command_writes_the_layout(tmp_path, fmt, columns):
    out = tmp_path / f"{fmt}.csv"
    result = runner.invoke(app, ["export", str(ROOT), "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    header, rows = read(out)
    assert header == columns
    assert f"({len(rows)} rows)" in result.output


# -- the layouts append to real downloads -------------------------------------------------------------------------
# One made-up row of each real export, written as the real CSV writes it: the real column list, in order, with
# values of the real types (text inter codes, as ACLED's API gives them by default).
REAL_ACLED_ROW = {
    "event_id_cnty": "MLI99999", "event_date": "2023-05-20", "year": "2023", "time_precision": "1",
    "disorder_type": "Political violence", "event_type": "Violence against civilians", "sub_event_type": "Attack",
    "actor1": "Unidentified Armed Group (Mali)", "assoc_actor_1": "", "inter1": "Political militia",
    "actor2": "Civilians (Mali)", "assoc_actor_2": "", "inter2": "Civilians", "interaction": "Political militia-Civilians",
    "civilian_targeting": "Civilian targeting", "iso": "466", "region": "Western Africa", "country": "Mali",
    "admin1": "Mopti", "admin2": "Bandiagara", "admin3": "Example", "location": "Example", "latitude": "14.3",
    "longitude": "-3.6", "geo_precision": "2", "source": "Example outlet", "source_scale": "National",
    "notes": "A made-up row for the test.", "fatalities": "3", "tags": "", "timestamp": "1700000000",
}  # fmt: skip
REAL_UCDP_ROW = {
    "id": "999999", "relid": "MLI-2022-1-999-1", "year": "2022", "active_year": "1", "code_status": "Clear",
    "type_of_violence": "3", "conflict_dset_id": "999", "conflict_new_id": "999", "conflict_name": "Example - civilians",
    "dyad_dset_id": "999", "dyad_new_id": "999", "dyad_name": "Example - civilians", "side_a_dset_id": "999",
    "side_a_new_id": "999", "side_a": "Example", "side_b_dset_id": "1", "side_b_new_id": "1", "side_b": "Civilians",
    "number_of_sources": "2", "source_article": "Example", "source_office": "Example", "source_date": "2022-03-05 00:00:00.000",
    "source_headline": "Example", "source_original": "Example", "where_prec": "1", "where_coordinates": "Example",
    "where_description": "Example", "adm_1": "Mopti region", "adm_2": "Djenné cercle", "latitude": "14.3",
    "longitude": "-4.6", "geom_wkt": "POINT (-4.6 14.3)", "priogrid_gid": "150111", "country": "Mali",
    "country_id": "432", "region": "Africa", "event_clarity": "1", "date_prec": "1",
    "date_start": "2022-03-02 00:00:00.000", "date_end": "2022-03-02 00:00:00.000", "deaths_a": "0", "deaths_b": "0",
    "deaths_civilians": "4", "deaths_unknown": "0", "best": "4", "high": "6", "low": "4", "gwnoa": "432", "gwnob": "",
}  # fmt: skip


def real_download(path: Path, row: dict[str, str]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    return path


@pytest.mark.parametrize(
    "fmt, real_row",
    [pytest.param("acled", REAL_ACLED_ROW, id="acled"), pytest.param("ucdp", REAL_UCDP_ROW, id="ucdp")],
)
def test_the_layout_appends_to_a_real_download_and_the_types_hold(tmp_path, fmt, real_row):
    import pandas as pd

    from minusma_facts.interop import layout_dtypes

    assert list(real_row) == [n for n, _ in layout(fmt)]  # the real column list, in order
    ours = tmp_path / f"{fmt}.csv"
    write_interop(PACKAGE, fmt, ours)
    dtypes = layout_dtypes(fmt)
    real = pd.read_csv(real_download(tmp_path / "real.csv", real_row), dtype=dtypes, keep_default_na=False, na_values=[""])
    mine = pd.read_csv(ours, dtype=dtypes, keep_default_na=False, na_values=[""])
    assert list(mine.columns) == list(real.columns)
    both = pd.concat([real, mine], ignore_index=True)
    assert both.dtypes.to_dict() == real.dtypes.to_dict()
    assert len(both) == 1 + len(mine)
    # Read without types, as pandas guesses them, every column our rows always fill guesses the same type as
    # the real download's: text inter codes stay text, counts stay integers.
    real_guessed, mine_guessed = pd.read_csv(tmp_path / "real.csv"), pd.read_csv(ours)
    full = [c for c in mine_guessed.columns if mine_guessed[c].notna().all()]
    assert {"fatalities", "timestamp"} <= set(full) if fmt == "acled" else {"best", "high", "low", "deaths_civilians"} <= set(full)
    for column in full:
        assert mine_guessed[column].dtype == real_guessed[column].dtype, column


def test_acled_inter_codes_can_be_numeric(tmp_path):
    out = tmp_path / "acled.csv"
    write_interop(PACKAGE, "acled", out, inter="numeric")
    _, rows = read(out)
    moura = next(r for r in rows if "moura_killings_2022_03" in r["notes"])
    assert (moura["inter1"], moura["inter2"], moura["interaction"]) == ("1", "7", "17")
    protest = next(r for r in rows if r["notes"].endswith("bamako_protest_2023_05_25)"))
    assert (protest["inter1"], protest["interaction"]) == ("6", "60")
    assert dict(layout("acled", "numeric"))["inter1"] == "integer"


@pytest.mark.parametrize("code, text", [(60, "Protesters only"), (17, "State forces-Civilians"), (78, "External/Other forces-Civilians"), (11, "State forces-State forces")], ids=str)
def test_acled_interaction_text(code, text):
    from minusma_facts.interop import _acled_inter_style

    first, second = divmod(code, 10)
    row = _acled_inter_style({"inter1": first, "inter2": second or None, "interaction": code}, "text")
    assert row["interaction"] == text


def test_the_mapping_document_lists_every_column_in_order_with_its_type():
    """docs/interop-mapping.md and the layouts in interop.py say the same thing."""
    import re

    text = (ROOT / "docs" / "interop-mapping.md").read_text(encoding="utf-8")
    for fmt, heading in (("acled", "## ACLED"), ("ucdp", "## UCDP GED")):
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        listed = re.findall(r"^\| `([a-z_0-9]+)` \| (string|integer|number|date) \|", section, flags=re.M)
        assert listed == layout(fmt), fmt


def test_the_export_command_creates_dist_and_writes_beside_a_zip(tmp_path):
    """Without -o: dist/ in a package folder, created when missing; beside a release .zip, never dist/dist/."""
    from packages import copy_package

    package = copy_package(tmp_path / "package")
    stem = f"minusma-facts-{PACKAGE.descriptor['version']}"
    result = runner.invoke(app, ["export", str(package), "--format", "acled"])
    assert result.exit_code == 0, result.output
    assert (package / "dist" / f"{stem}-acled.csv").is_file()
    import zipfile

    archive = tmp_path / "elsewhere" / "dist" / f"{stem}.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(package.rglob("*")):
            if path.is_file() and "dist" not in path.relative_to(package).parts:
                z.write(path, f"{stem}/{path.relative_to(package).as_posix()}")
    for fmt in ("ucdp", "sqlite"):
        result = runner.invoke(app, ["export", str(archive), "--format", fmt])
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in archive.parent.iterdir()) == [
        f"{stem}-ucdp.csv", f"{stem}.sqlite", f"{stem}.zip"]
    assert not (archive.parent / "dist").exists()

"""The conversions every module asks `minusma_facts.schema.Field` for: SQLite, Parquet and Excel exports, the
archive's readr and DuckDB recipes and the benchmark's DuckDB floor. A boolean with its own trueValues and
falseValues is exported by them, and a type the table does not know is exported as text."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import sqlite3
from pathlib import Path

import pytest

from packages import copy_package
from minusma_facts.export import ExportError, create_table_sql, write_parquet, write_sqlite, write_xlsx
from minusma_facts.package import Package
from minusma_facts.schema import TEXT, TYPES, Field, sql_literal
from minusma_facts.userguide import duckdb_csv_recipe, r_recipe

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", [*TYPES, "time", "geopoint", "any"])
def test_each_type_converts_from_one_row_and_any_other_type_is_text(kind):
    field = Field.from_descriptor({"name": "x", "type": kind})
    row = TYPES.get(kind, TEXT)
    assert (field.to_sql(), field.to_sqlite(), field.to_readr(), field.to_python(), field.to_pandas()) == (
        row.sql, row.sqlite, row.readr, row.python, row.pandas)
    assert str(field.to_arrow()) == {"int64": "int64", "float64": "double", "bool_": "bool", "date32": "date32[day]",
                                     "timestamp": "timestamp[s]", "string": "string"}[row.arrow]


def test_a_value_of_a_boolean_is_read_by_the_fields_own_words():
    field = Field.from_descriptor({"name": "ok", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]})
    assert [field.python_value(v) for v in ("yes", "no", None, True)] == [True, False, None, True]
    with pytest.raises(ValueError, match="'true' is not one of the true or false values of field 'ok'"):
        field.python_value("true")
    assert not field.default_truth and Field("plain", "boolean").default_truth


def test_sql_literals_write_booleans_as_each_engine_stores_them():
    assert [sql_literal(v) for v in (True, False, 3, 1.5, "it's")] == ["TRUE", "FALSE", "3", "1.5", "'it''s'"]
    assert [sql_literal(v, sqlite=True) for v in (True, False)] == ["1", "0"]


@pytest.fixture(scope="module")
def custom(tmp_path_factory) -> Path:
    """The package with events.is_series written "yes"/"no" (its enum given in those words too), and two fields
    added to events: a year and a time (a type the conversions table does not list)."""
    root = copy_package(tmp_path_factory.mktemp("custom") / "package", with_text=False)
    path = root / "schemas/events.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    for f in schema["fields"]:
        if f["name"] == "is_series":
            f.update(trueValues=["yes"], falseValues=["no"], constraints={"required": True, "enum": ["yes", "no"]})
    schema["fields"] += [{"name": "coded_year", "type": "year"}, {"name": "coded_time", "type": "time"}]
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    table = root / "data/events.csv"
    rows = list(csv.reader(table.open(encoding="utf-8", newline="")))
    flag = rows[0].index("is_series")
    rows[0] += ["coded_year", "coded_time"]
    for row in rows[1:]:
        row[flag] = {"true": "yes", "false": "no"}[row[flag]]
        row += ["2023", "12:30:00"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    table.write_text(out.getvalue(), encoding="utf-8")
    return root


def first_event(rows: list[dict]) -> dict:
    """is_series and the added fields of bamako_protest_2023_05_25 (one event, not a series)."""
    row = next(r for r in rows if r["event_id"] == "bamako_protest_2023_05_25")
    return {k: row[k] for k in ("is_series", "coded_year", "coded_time")}


EXPECTED = {"is_series": False, "coded_year": 2023, "coded_time": "12:30:00"}


def test_sqlite_writes_the_fields_words_as_0_and_1_and_an_unknown_type_as_text(custom, tmp_path):
    write_sqlite(Package.open(custom), tmp_path / "x.sqlite")
    db = sqlite3.connect(tmp_path / "x.sqlite")
    db.row_factory = sqlite3.Row
    types = {row[1]: row[2] for row in db.execute("PRAGMA table_info(events)")}
    assert (types["is_series"], types["coded_year"], types["coded_time"]) == ("INTEGER", "INTEGER", "TEXT")
    assert first_event([dict(r) for r in db.execute("SELECT * FROM events")]) == {**EXPECTED, "is_series": 0}
    assert db.execute("SELECT count(*) FROM events WHERE is_series = 1").fetchone()[0] > 0
    sql = create_table_sql("events", json.loads((custom / "schemas/events.schema.json").read_text(encoding="utf-8")))
    assert '"is_series" INTEGER NOT NULL CHECK ("is_series" IN (0, 1)) CHECK ("is_series" IN (1, 0))' in sql


def test_an_enum_member_that_is_not_of_the_fields_type_is_an_export_error_naming_it():
    schema = {"fields": [{"name": "ok", "type": "boolean", "trueValues": ["yes"], "constraints": {"enum": ["maybe"]}}]}
    with pytest.raises(ExportError, match="t: cannot write the enum of field 'ok' .'maybe' is not one of"):
        create_table_sql("t", schema)


def test_parquet_and_excel_write_the_fields_words_as_booleans_and_an_unknown_type_as_text(custom, tmp_path):
    import openpyxl
    import pyarrow.parquet as pq

    package = Package.open(custom)
    write_parquet(package, tmp_path / "pq")
    table = pq.read_table(tmp_path / "pq/events.parquet")
    assert [str(table.schema.field(n).type) for n in EXPECTED] == ["bool", "int64", "string"]
    assert first_event(table.to_pylist()) == EXPECTED
    write_xlsx(package, tmp_path / "x.xlsx", stamp=dt.datetime(2024, 1, 1))
    header, *rows = openpyxl.load_workbook(tmp_path / "x.xlsx")["events"].iter_rows(values_only=True)
    assert first_event([dict(zip(header, row)) for row in rows]) == EXPECTED


def test_the_recipes_type_a_year_and_leave_a_boolean_in_its_own_words_and_an_unknown_type_as_text(custom):
    package = Package.open(custom)
    paths = {r["name"]: r["path"] for r in package.resources}
    r, duckdb = r_recipe(package, paths), duckdb_csv_recipe(package, paths)
    assert "coded_year = col_integer()" in r and "'coded_year': 'BIGINT'" in duckdb
    assert "is_series" not in r and "is_series" not in duckdb and "coded_time" not in r + duckdb
    assert "date_start = col_date()" in r and "'date_start': 'DATE'" in duckdb and ".default = col_character()" in r
    assert "is_named = col_logical()" not in r and "'is_named': 'BOOLEAN'" in duckdb  # actors keeps the defaults


def test_the_floor_casts_by_the_fields_words_and_types():
    spec = importlib.util.spec_from_file_location("floor", ROOT / "benchmarks/floor.py")
    floor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(floor)
    boolean = {"name": "ok", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no", "0"]}
    assert floor.typed(boolean) == """(CASE WHEN "ok" IN ('yes') THEN TRUE WHEN "ok" IN ('no', '0') THEN FALSE END)"""
    assert floor.typed({"name": "n", "type": "year"}) == 'TRY_CAST("n" AS BIGINT)'
    assert floor.typed({"name": "t", "type": "time"}) == '"t"'


def test_the_recipes_type_a_year_whatever_stray_true_values_it_carries():
    """Only a boolean's own trueValues make a recipe leave it as text; the key on any other type changes nothing."""
    from minusma_facts.userguide import _typed_fields

    class OneTable:
        def schema(self, table):
            return {"fields": [{"name": "y", "type": "year", "trueValues": ["oui"]},
                               {"name": "b", "type": "boolean", "trueValues": ["oui"]},
                               {"name": "c", "type": "boolean"}]}

    assert _typed_fields(OneTable(), "t", Field.to_readr) == [("y", "col_integer()"), ("c", "col_logical()")]

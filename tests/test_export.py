"""`minusma-facts export`: SQLite, Parquet and Excel exports typed from the schemas, that round-trip the CSVs."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from packages import copy_package
from minusma_facts.cli import app

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in DESCRIPTOR["resources"]}
SCHEMAS = {n: json.loads((ROOT / r["schema"]).read_text(encoding="utf-8")) for n, r in RESOURCES.items()}
STEM = f"{DESCRIPTOR['name']}-{DESCRIPTOR['version']}"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return copy_package(tmp_path / "package", whole=True)


def csv_rows(name: str) -> list[dict[str, str]]:
    with open(ROOT / RESOURCES[name]["path"], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def expected(name: str, convert) -> list[tuple]:
    """The CSV's rows with each cell typed by `convert(kind, text)` from its schema field; None when empty."""
    fields = SCHEMAS[name]["fields"]
    return [
        tuple(None if row[f["name"]] == "" else convert(f.get("type", "string"), row[f["name"]]) for f in fields)
        for row in csv_rows(name)
    ]


def python_value(kind: str, text: str):
    return {
        "integer": int,
        "number": float,
        "boolean": lambda t: t in ("true", "True", "TRUE", "1"),
        "date": dt.date.fromisoformat,
        "datetime": lambda t: dt.datetime.fromisoformat(t.replace("Z", "+00:00")).replace(tzinfo=None),
    }.get(kind, str)(text)


def sqlite_value(kind: str, text: str):
    value = python_value(kind, text)
    if kind == "boolean":
        return int(value)
    if kind in ("date", "datetime"):
        return value.isoformat()
    return value


NAMES = sorted(RESOURCES)
COMPUTED = "computed_estimates"  # computed from casualties and figures (minusma_facts.reconcile), in every export


def computed_rows(package: Path, convert=lambda v: v) -> list[tuple]:
    from minusma_facts.package import Package
    from minusma_facts.reconcile import computed_schema, reconcile

    names = [f["name"] for f in computed_schema()["fields"]]
    return [tuple(convert(row[n]) for n in names) for row in reconcile(Package.open(package))]


# -- round trips ------------------------------------------------------------------------------------------
def test_sqlite_round_trips_every_table(package: Path, tmp_path: Path):
    out = tmp_path / "facts.sqlite"
    result = run("export", "--format", "sqlite", "--output", out, package)
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(out)
    assert sorted(r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")) == sorted(NAMES + [COMPUTED])
    for name in NAMES:
        columns = ", ".join(f'"{f["name"]}"' for f in SCHEMAS[name]["fields"])
        got = connection.execute(f'SELECT {columns} FROM "{name}" ORDER BY rowid').fetchall()
        assert got == expected(name, sqlite_value), name
    assert connection.execute(f'SELECT * FROM "{COMPUTED}" ORDER BY rowid').fetchall() == computed_rows(package)
    sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (COMPUTED,)).fetchone()[0]
    assert "COMPUTED by minusma_facts.reconcile" in sql
    connection.close()


def test_parquet_round_trips_every_table(package: Path, tmp_path: Path):
    import pyarrow.parquet as pq

    out = tmp_path / "parquet"
    result = run("export", "-f", "parquet", "-o", out, package)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.parquet" for n in NAMES + [COMPUTED])
    computed = pq.read_table(out / f"{COMPUTED}.parquet")
    assert computed.schema.metadata[b"computed"] == b"true"
    assert [tuple(row.values()) for row in computed.to_pylist()] == computed_rows(package)
    for name in NAMES:
        table = pq.read_table(out / f"{name}.parquet")
        assert table.column_names == [f["name"] for f in SCHEMAS[name]["fields"]]
        got = [tuple(row.values()) for row in table.to_pylist()]
        assert got == expected(name, python_value), name


def test_xlsx_round_trips_every_table(package: Path, tmp_path: Path):
    from openpyxl import load_workbook

    out = tmp_path / "facts.xlsx"
    result = run("export", "-f", "xlsx", "-o", out, package)
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out, read_only=True)
    for name in NAMES:
        fields = SCHEMAS[name]["fields"]
        rows = list(workbook[name].iter_rows(values_only=True))
        assert list(rows[0]) == [f["name"] for f in fields]
        got = [
            tuple(v.date() if f.get("type") == "date" and v is not None else v for f, v in zip(fields, row))
            for row in rows[1:]
        ]
        assert got == expected(name, python_value), name
    described = list(workbook["_fields"].iter_rows(values_only=True))[1:]
    from minusma_facts.reconcile import computed_schema

    assert [(r[0], r[1]) for r in described] == [(n, f["name"]) for n in RESOURCES for f in SCHEMAS[n]["fields"]] + [
        (COMPUTED, f["name"]) for f in computed_schema()["fields"]]
    assert all(r[5].startswith("COMPUTED") for r in described if r[0] == COMPUTED)
    assert [tuple(r) for r in list(workbook[COMPUTED].iter_rows(values_only=True))[1:]] == computed_rows(package)


# -- types and keys from the schemas -----------------------------------------------------------------------
@pytest.fixture
def database(package: Path, tmp_path: Path) -> sqlite3.Connection:
    out = tmp_path / "facts.sqlite"
    assert run("export", "-f", "sqlite", "-o", out, package).exit_code == 0
    connection = sqlite3.connect(out)
    yield connection
    connection.close()


@pytest.mark.parametrize("name", NAMES)
def test_sqlite_tables_have_the_schema_types_and_primary_key(database: sqlite3.Connection, name: str):
    sql_type = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}
    info = database.execute(f'PRAGMA table_info("{name}")').fetchall()  # cid, name, type, notnull, default, pk
    fields = SCHEMAS[name]["fields"]
    assert [c[1] for c in info] == [f["name"] for f in fields]
    assert [c[2] for c in info] == [sql_type.get(f.get("type"), "TEXT") for f in fields]
    required = [bool((f.get("constraints") or {}).get("required")) for f in fields]
    assert [bool(c[3]) for c in info] == required
    primary = sorted((c[5], c[1]) for c in info if c[5])
    assert [c for _, c in primary] == SCHEMAS[name]["primaryKey"]


@pytest.mark.parametrize("name", NAMES)
def test_sqlite_tables_have_the_schema_foreign_keys(database: sqlite3.Connection, name: str):
    # id, seq, table, from, to, ...
    rows = database.execute(f'PRAGMA foreign_key_list("{name}")').fetchall()
    got = sorted((r[2], r[3], r[4]) for r in rows)
    want = sorted(
        (fk["reference"].get("resource") or name, column, target)
        for fk in SCHEMAS[name].get("foreignKeys", [])
        for column, target in zip(fk["fields"], fk["reference"]["fields"])
    )
    assert got == want


def test_sqlite_foreign_keys_hold_and_are_enforced(database: sqlite3.Connection):
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    database.execute("PRAGMA foreign_keys = ON")
    table, fk = next((n, fk) for n in NAMES for fk in SCHEMAS[n].get("foreignKeys", []))
    column = fk["fields"][0]
    with pytest.raises(sqlite3.IntegrityError):
        database.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = (SELECT MIN(rowid) FROM "{table}")',
                         ("no_such_key_anywhere",))


def test_sqlite_enforces_enums_from_the_schema(database: sqlite3.Connection):
    table, field = next(
        (n, f) for n in NAMES for f in SCHEMAS[n]["fields"] if (f.get("constraints") or {}).get("enum")
    )
    with pytest.raises(sqlite3.IntegrityError):
        database.execute(f'UPDATE "{table}" SET "{field["name"]}" = ?', ("not one of the allowed values",))


def test_parquet_types_and_nullability_come_from_the_schemas(package: Path, tmp_path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "date": pa.date32(),
             "datetime": pa.timestamp("s")}
    assert run("export", "-f", "parquet", "-o", tmp_path / "pq", package).exit_code == 0
    for name in NAMES:
        schema = pq.read_schema(tmp_path / "pq" / f"{name}.parquet")
        for f in SCHEMAS[name]["fields"]:
            assert schema.field(f["name"]).type == arrow.get(f.get("type"), pa.string()), f"{name}.{f['name']}"
            assert schema.field(f["name"]).nullable is not bool((f.get("constraints") or {}).get("required"))
            assert schema.field(f["name"]).metadata[b"description"] == f["description"].encode()


# -- reproducibility -----------------------------------------------------------------------------------------
def _digest(path: Path) -> dict[str, str]:
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


@pytest.mark.parametrize("fmt,target", [("sqlite", "x.sqlite"), ("parquet", "x-parquet"), ("xlsx", "x.xlsx")])
def test_exports_are_reproducible(package: Path, tmp_path: Path, fmt: str, target: str):
    assert run("export", "-f", fmt, "-o", tmp_path / "one" / target, package).exit_code == 0
    assert run("export", "-f", fmt, "-o", tmp_path / "two" / target, package).exit_code == 0
    assert _digest(tmp_path / "one" / target) == _digest(tmp_path / "two" / target)


def test_xlsx_carries_fixed_document_and_entry_times(package: Path, tmp_path: Path):
    out = tmp_path / "facts.xlsx"
    assert run("export", "-f", "xlsx", "-o", out, package).exit_code == 0
    created = DESCRIPTOR["created"][:19]
    with zipfile.ZipFile(out) as z:
        core = z.read("docProps/core.xml").decode()
        assert f">{created}Z</dcterms:created>" in core and f">{created}Z</dcterms:modified>" in core
        stamp = dt.datetime.fromisoformat(created).timetuple()[:5]
        assert {i.date_time[:5] for i in z.infolist()} == {stamp}


# -- the command -------------------------------------------------------------------------------------------
def test_default_output_goes_to_dist_beside_the_package(package: Path):
    result = run("export", "-f", "sqlite", package)
    assert result.exit_code == 0, result.output
    assert (package / "dist" / f"{STEM}.sqlite").is_file()
    total = sum(len(csv_rows(n)) for n in NAMES) + len(computed_rows(package))
    assert f"({len(NAMES) + 1} tables, {total} rows)" in result.output


def test_export_reads_a_release_archive(package: Path, tmp_path: Path):
    assert run("release", package, "--project", ROOT).exit_code == 0
    out = tmp_path / "from-archive.sqlite"
    result = run("export", "-f", "sqlite", "-o", out, package / "dist" / f"{STEM}.zip")
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(out)
    for name in NAMES:
        assert connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] == len(csv_rows(name))
    connection.close()


def _bad_integer(root: Path):
    name, field = next((n, f["name"]) for n in NAMES for f in SCHEMAS[n]["fields"] if f.get("type") == "integer")
    path = root / RESOURCES[name]["path"]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0][field] = "not a number"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.mark.parametrize(
    "args,damage,message",
    [
        pytest.param(["-f", "csv"], None, "unknown format 'csv'", id="unknown format"),
        pytest.param([], None, "--format is required", id="no format"),
        pytest.param(["-f", "sqlite", "{missing}"], None, "no such file or folder", id="no such package"),
        pytest.param(["-f", "sqlite", "{empty}"], None, "no datapackage.json", id="folder without descriptor"),
        pytest.param(["-f", "xlsx", "{package}"], lambda r: (r / "datapackage.json").write_text("{oops"), "not JSON",
                     id="descriptor not JSON"),
        pytest.param(["-f", "parquet", "{package}"], lambda r: (r / RESOURCES[NAMES[0]]["path"]).unlink(), "missing",
                     id="data file missing"),
        pytest.param(["-f", "sqlite", "{package}"], _bad_integer, "cannot type the table", id="cell not of its type"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(package: Path, tmp_path: Path, args, damage, message):
    if damage:
        damage(package)
    (tmp_path / "empty").mkdir()
    where = {"missing": tmp_path / "missing", "empty": tmp_path / "empty", "package": package}
    args = [a.format(**where) for a in args]
    if not any(a.startswith(str(tmp_path)) for a in args):
        args.append(str(package))
    result = run("export", "-o", tmp_path / "out" / "x", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("export: ") and len(result.output.strip().splitlines()) == 1
    assert message in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())

"""Write the package's tables to SQLite, Parquet or Excel, typed from the Table Schemas.

Every column type, key and constraint comes from the schema files (through `Package.schema`), and every
type's conversion from `minusma_facts.schema.Field`, never from a list kept here. The writers are reproducible:
the same package gives the same bytes, so the exports can go inside a release archive whose hash must not change
between two builds.

- SQLite: one table per resource, with the schema's primary key, foreign keys, ``NOT NULL`` for required
  fields, ``UNIQUE`` for unique ones and ``CHECK`` constraints for enums and booleans. Dates are ISO 8601
  text, booleans 0/1.
- Parquet: one file per resource in a folder, Arrow types from the schema, field descriptions as metadata.
- Excel: one sheet per resource plus a ``_fields`` sheet describing every column; fixed document
  timestamps.

Each format also holds ``computed_estimates``, COMPUTED from casualties and figures by
:mod:`minusma_facts.reconcile` (one estimate per event and kind across sources), never a file of the package:
its SQLite table's comment, its Parquet metadata (``computed: true``) and its ``_fields`` rows say so.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import sqlite3
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .package import Package, PackageError
from .safety import clean_name, looks_like_formula, output_path
from .schema import Field, Schema, sql_literal

FORMATS = ("sqlite", "parquet", "xlsx")
INTEROP_FORMATS = ("acled", "ucdp")

# The oldest time a zip entry can carry; used when the descriptor gives no usable `created`.
ZIP_EPOCH = dt.datetime(1980, 1, 1)


class ExportError(Exception):
    """An export cannot be written (the command exits 2 on it)."""


# -- values typed from the schema ------------------------------------------------------------------------
def table_columns(package: Package, name: str) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """The resource's schema fields and its columns as lists of Python values (None where missing)."""
    fields = list(package.schema(name).get("fields", []))
    try:
        frame = package.read_table(name)
    except FileNotFoundError:
        raise ExportError(f"{package.resource_path(name)}: the data file of resource {name!r} is missing") from None
    except (ValueError, TypeError) as error:
        raise ExportError(f"{package.resource_path(name)}: cannot type the table from its schema ({error})") from None
    missing = [f["name"] for f in fields if f["name"] not in frame.columns]
    if missing:
        raise ExportError(
            f"{package.resource_path(name)}: no column {', '.join(missing)} although its schema lists it"
        )
    columns = [[typed.python_value(v) for v in frame[typed.name].tolist()] for typed in map(Field.from_descriptor, fields)]
    return fields, columns


def export_tables(package: Package) -> list[tuple[str, dict[str, Any], tuple[list[dict[str, Any]], list[list[Any]]], bool]]:
    """(name, schema, (fields, columns), computed) of every resource, then of the computed estimates."""
    from .reconcile import COMPUTED_TABLE, computed_schema, estimate_columns

    tables = [(name, package.schema(name), table_columns(package, name), False) for name in package.resource_names]
    if COMPUTED_TABLE not in package.resource_names:
        try:
            tables.append((COMPUTED_TABLE, computed_schema(), estimate_columns(package), True))
        except FileNotFoundError as error:
            raise ExportError(f"cannot compute {COMPUTED_TABLE}: {error}") from None
    return tables


def _rows(columns: list[list[Any]]) -> list[tuple[Any, ...]]:
    return list(zip(*columns)) if columns else []


# -- reproducibility helpers -------------------------------------------------------------------------------
def package_timestamp(descriptor: dict[str, Any]) -> dt.datetime:
    """The fixed time stamped on archive entries and document properties: the descriptor's `created`
    (UTC, naive), or 1980-01-01 when it is absent, unreadable or earlier than zip can store."""
    created = descriptor.get("created")
    if isinstance(created, str):
        try:
            stamp = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return ZIP_EPOCH
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)
        if ZIP_EPOCH <= stamp < dt.datetime(2108, 1, 1):
            return stamp.replace(microsecond=0)
    return ZIP_EPOCH


def write_reproducible_zip(target, entries: list[tuple[str, bytes]], stamp: dt.datetime) -> None:
    """Write entries, in the order given, with one fixed timestamp, mode 0644 and no extra fields."""
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second - stamp.second % 2)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permission bits below are read
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


@contextmanager
def atomic_target(final: Path, *, directory: bool = False) -> Iterator[Path]:
    """A temporary path beside `final` that is renamed onto it only when the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if directory and (final.is_symlink() or final.exists()):
        _replaceable_export_folder(final)
    if directory:
        temporary = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    else:
        handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
        os.close(handle)
        temporary = Path(name)
    try:
        yield temporary
        if directory:
            if final.is_symlink() or final.exists():
                _replaceable_export_folder(final)  # checked again: it may have changed meanwhile
                import shutil

                shutil.rmtree(final)
            temporary.rename(final)
        else:
            os.replace(temporary, final)
    finally:
        if temporary.exists():
            if temporary.is_dir():
                import shutil

                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink()


def _replaceable_export_folder(folder: Path) -> None:
    """Refuse to replace `folder` unless it is one this export wrote: a real folder (not a symbolic link)
    holding nothing but .parquet files. A folder export did not create is never removed."""
    if folder.is_symlink() or not folder.is_dir() or any(
        entry.is_symlink() or not entry.is_file() or entry.suffix != ".parquet" for entry in folder.iterdir()
    ):
        raise ExportError(f"{folder}: exists and is not a Parquet export this command wrote; nothing was removed "
                          "(choose another --output or remove it yourself)")


# -- SQLite --------------------------------------------------------------------------------------------------
def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def create_table_sql(name: str, schema: dict[str, Any]) -> str:
    """CREATE TABLE for one resource, with keys and constraints taken from its Table Schema."""
    lines = []
    parsed = Schema.from_descriptor(schema)
    primary = parsed.primary_key
    for field in parsed.fields:
        column = f"{_quote(field.name)} {field.to_sqlite()}"
        if field.required:
            column += " NOT NULL"
        if field.constraints.get("unique") and primary != (field.name,):
            column += " UNIQUE"
        if field.type == "boolean":
            column += f" CHECK ({_quote(field.name)} IN (0, 1))"
        if field.enum is not None:
            try:
                values = ", ".join(sql_literal(field.python_value(v), sqlite=True) for v in field.enum)
            except ValueError as error:  # an enum member that is not of the field's type
                raise ExportError(f"{name}: cannot write the enum of field {field.name!r} ({error})") from None
            column += f" CHECK ({_quote(field.name)} IN ({values}))"
        lines.append(column)
    if primary:
        lines.append(f"PRIMARY KEY ({', '.join(_quote(f) for f in primary)})")
    for fields, target, target_fields in parsed.foreign_keys:
        lines.append(
            f"FOREIGN KEY ({', '.join(_quote(f) for f in fields)}) "
            f"REFERENCES {_quote(target or name)} ({', '.join(_quote(f) for f in target_fields)})"  # "": the table itself
        )
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {_quote(name)} (\n  {body}\n)"


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def write_sqlite(package: Package, out_path: Path) -> dict[str, int]:
    """One SQLite database with a table per resource; returns the row count of each table."""
    out_path = Path(out_path)
    counts: dict[str, int] = {}
    tables = export_tables(package)
    with atomic_target(out_path) as temporary:
        temporary.unlink()  # sqlite3 creates the file itself
        connection = sqlite3.connect(temporary)
        try:
            connection.execute("PRAGMA journal_mode = OFF")
            for name, schema, (fields, columns), computed in tables:
                sql = create_table_sql(name, schema)
                if computed:  # the statement SQLite keeps in sqlite_master says what the table is
                    sql = sql.replace("\n", f"\n  -- COMPUTED by minusma_facts.reconcile from casualties and figures; not a file of the package\n", 1)
                connection.execute(sql)
                names = ", ".join(_quote(f["name"]) for f in fields)
                marks = ", ".join("?" for _ in fields)
                rows = [tuple(_sqlite_value(v) for v in row) for row in _rows(columns)]
                connection.executemany(f"INSERT INTO {_quote(name)} ({names}) VALUES ({marks})", rows)
                counts[name] = len(rows)
            connection.commit()
        finally:
            connection.close()
    return counts


# -- Parquet -------------------------------------------------------------------------------------------------
def write_parquet(package: Package, out_dir: Path) -> dict[str, int]:
    """A folder with one Parquet file per resource (`<name>.parquet`); returns the row counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    counts: dict[str, int] = {}
    tables = export_tables(package)
    with atomic_target(out_dir, directory=True) as temporary:
        for name, _, (fields, columns), computed in tables:
            typed = [Field.from_descriptor(f) for f in fields]
            arrow_fields = [
                pa.field(
                    t.name,
                    t.to_arrow(),
                    nullable=not t.required,
                    metadata={"description": f.get("description", ""), "title": f.get("title", "")},
                )
                for t, f in zip(typed, fields)
            ]
            arrays = [pa.array(values, type=t.to_arrow()) for t, values in zip(typed, columns)]
            schema = pa.schema(arrow_fields, metadata={"resource": name, **({"computed": "true"} if computed else {})})
            table = pa.Table.from_arrays(arrays, schema=schema)
            pq.write_table(table, temporary / f"{name}.parquet")
            counts[name] = table.num_rows
    return counts


# -- Excel ---------------------------------------------------------------------------------------------------
FIELDS_SHEET = "_fields"


def _sheet_title(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31]


def write_xlsx(package: Package, out_path: Path, *, stamp: dt.datetime | None = None) -> dict[str, int]:
    """One workbook, a sheet per resource (header row, typed cells) and a `_fields` sheet; returns row counts."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    out_path = Path(out_path)
    stamp = stamp or package_timestamp(package.descriptor)
    tables = export_tables(package)
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "minusma-facts"
    workbook.properties.title = str(package.descriptor.get("title", ""))
    bold = Font(bold=True)

    def text(sheet, value, font=None):
        """Every value as a cell; a string is always text (never a formula, whatever it starts with), and a
        string a spreadsheet would take for a formula is shown quote-prefixed, so editing it keeps it text."""
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
        if font is not None:
            cell.font = font
        return cell

    def header(sheet, names):
        sheet.append([text(sheet, name, bold) for name in names])

    counts: dict[str, int] = {}
    for name, _, (fields, columns), _computed in tables:
        sheet = workbook.create_sheet(_sheet_title(name))
        header(sheet, [f["name"] for f in fields])
        rows = _rows(columns)
        for row in rows:
            sheet.append([text(sheet, value) for value in row])
        sheet.freeze_panes = "A2"
        counts[name] = len(rows)

    sheet = workbook.create_sheet(FIELDS_SHEET)
    header(sheet, ["table", "field", "type", "required", "title", "description"])
    for name, schema, _, computed in tables:
        for f in schema.get("fields", []):
            description = f"COMPUTED (minusma_facts.reconcile), not typed: {f.get('description')}" if computed else f.get("description")
            sheet.append([text(sheet, v) for v in (name, f["name"], f.get("type", "string"), Field.from_descriptor(f).required, f.get("title"), description)])

    buffer = io.BytesIO()
    workbook.save(buffer)
    with atomic_target(out_path) as temporary:
        temporary.write_bytes(_fix_xlsx_times(buffer.getvalue(), stamp))
    return counts


_CORE = "docProps/core.xml"


def _fix_xlsx_times(data: bytes, stamp: dt.datetime) -> bytes:
    """Re-pack an .xlsx with fixed entry times and fixed created/modified document properties."""
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == _CORE:
                content = re.sub(
                    rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + when + m.group(3),
                    content,
                )
            entries.append((info.filename, content))
    out = io.BytesIO()
    write_reproducible_zip(out, entries, stamp)
    return out.getvalue()


# -- one entry point -----------------------------------------------------------------------------------------
def default_output(package: Package, fmt: str) -> Path:
    """Where an export goes when no --output is given: dist/ inside a package folder (created when missing), or
    the folder that holds a release .zip (which is usually dist/ already: no dist/dist/). Never through a
    symbolic link (`safety.output_path`)."""
    # the descriptor's name and version are the package's words: made plain file names, never a path
    stem = f"{clean_name(package.descriptor.get('name'), 'package')}-{clean_name(package.descriptor.get('version'), 'unversioned')}"
    name = {
        "sqlite": f"{stem}.sqlite",
        "xlsx": f"{stem}.xlsx",
        "parquet": f"{stem}-parquet",
    }.get(fmt, f"{stem}-{fmt}.csv")
    if package.is_archive:
        return output_path(package.location.parent, name)
    return output_path(package.location, f"dist/{name}")


def export(package: Package, fmt: str, out_path: Path) -> dict[str, int]:
    """Write `package` in one of FORMATS to `out_path`; returns the row count per table."""
    writers = {"sqlite": write_sqlite, "parquet": write_parquet, "xlsx": write_xlsx}
    if fmt not in writers:
        raise ExportError(f"unknown format {fmt!r} (choose {', '.join(FORMATS + INTEROP_FORMATS)})")
    if not package.resource_names:
        raise ExportError("the package lists no resources")
    try:
        return writers[fmt](package, Path(out_path))
    except PackageError as error:
        raise ExportError(str(error)) from None

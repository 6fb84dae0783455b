"""Patches: row changes (insert, update, delete) to a package's tables, checked and then written by `apply`.

A patch is one JSON object (docs/patch-format.md; its JSON Schema is docs/patch-format.schema.json):

    {"format": "minusma-facts-patch", "version": 1,
     "changes": [{"table": "events", "op": "update", "key": {"event_id": "..."},
                  "row": {"event_name": "..."}, "original": {...every cell of the row as it was...}}]}

Everything about the tables comes from the package: table names from datapackage.json, fields and primary keys
from the Table Schemas, so a patch can only name what the schemas have. Changes are applied in order, each to the
tables as the changes before it left them. `plan` refuses, listing every reason, a patch whose format is unknown,
that names a table or field the schemas do not have, whose key does not exist (update, delete) or already exists
(insert), or that changes a row whose cells are no longer those the patch carries as `original` (a stale patch).

The CSVs are edited record by record: an untouched record keeps its bytes (quoting, line ending); an updated
record keeps the bytes of every cell it does not change; a new record goes at the end of its file, written as
the repository writes CSV (minimal quoting, the file's own line ending). `check` writes the patched tables into
a temporary copy of the package and validates that copy; `write` replaces every changed file or none.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .coverage import primary_key
from .csvcells import CsvError, CsvFile, Dialect, Record
from .package import Package, PackageError
from .safety import output_path, read_file

FORMAT = "minusma-facts-patch"
VERSION = 1
OPS = ("insert", "update", "delete")
TOP_KEYS = {"format", "version", "changes", "created", "generator", "package", "description"}
CHANGE_KEYS = {"table", "op", "key", "row", "original"}
BOM = "\ufeff"


class PatchRefused(Exception):
    """The patch cannot be applied (exit 1). `problems` holds every reason; nothing has been written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class CannotApply(Exception):
    """apply cannot run at all (exit 2): an unreadable patch file, no package folder, a file changed meanwhile.
    (An unsafe path is `safety.Refused`, a PackageError: exit 2 as well.)"""


def shown(value: Any) -> str:
    """A value as it may be printed on a terminal: quoted, hidden and control characters as visible \\u escapes
    (`safety.clean`, as every command prints a package's text), clipped past 300 characters."""
    from .safety import clean

    return "'" + clean(value, 300) + "'" if isinstance(value, str) else clean(json.dumps(value), 300)


# -- the patch file ---------------------------------------------------------------------------------------------
@dataclass
class Change:
    number: int  # 1-based position in the patch's list of changes
    table: str
    op: str
    key: dict[str, str]
    row: dict[str, str]
    original: dict[str, str] | None

    @property
    def where(self) -> str:
        key = ", ".join(f"{k}={shown(v)}" for k, v in self.key.items())
        return f"change {self.number} ({self.op} {self.table} {key})"


def read_patch(raw: bytes) -> tuple[list[Change], list[str]]:
    """The well-formed changes of a patch file's bytes, and what is wrong with the others (for `plan` to report
    with its own findings). PatchRefused when the file is not a patch of this format and version at all."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise PatchRefused([f"patch: not UTF-8 text (byte {error.start})"]) from None
    except json.JSONDecodeError as error:
        raise PatchRefused([f"patch: not JSON ({error.msg} at line {error.lineno}, column {error.colno})"]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise PatchRefused([f"patch: not a minusma-facts patch (its \"format\" is {shown(found) if found is not None else 'missing'}, "
                            f"not \"{FORMAT}\")"])
    if data.get("version") != VERSION:
        raise PatchRefused([f"patch: format version {shown(data.get('version'))} is not one this minusma-facts reads "
                            f"(it reads version {VERSION})"])
    problems = [f"patch: unknown key {shown(k)} at the top level" for k in data if k not in TOP_KEYS]
    changes = data.get("changes")
    if not isinstance(changes, list) or not changes:
        problems.append("patch: \"changes\" must be a non-empty list of changes")
        raise PatchRefused(problems)
    parsed = []
    for number, item in enumerate(changes, start=1):
        change = _read_change(number, item, problems)
        if change is not None:
            parsed.append(change)
    return parsed, problems


def _read_change(number: int, item: Any, problems: list[str]) -> Change | None:
    where = f"change {number}"
    if not isinstance(item, dict):
        problems.append(f"{where}: not a JSON object")
        return None
    before = len(problems)
    problems.extend(f"{where}: unknown key {shown(k)}" for k in item if k not in CHANGE_KEYS)
    table, op = item.get("table"), item.get("op")
    if not isinstance(table, str) or not table:
        problems.append(f"{where}: \"table\" must be a table name")
    if op not in OPS:
        problems.append(f"{where}: \"op\" must be one of {', '.join(OPS)}, not {shown(op) if op is not None else 'missing'}")
    key = _cells(where, "key", item.get("key"), problems, nulls=False)
    if key == {}:
        problems.append(f"{where}: \"key\" must name the row's primary key fields")
    row = _cells(where, "row", item.get("row"), problems) if "row" in item else None
    original = _cells(where, "original", item.get("original"), problems) if "original" in item else None
    if op == "insert":
        if row is None:
            problems.append(f"{where}: an insert needs \"row\", the new row's cells")
        if original is not None:
            problems.append(f"{where}: an insert has no \"original\" (there is no row before it)")
    elif op == "update":
        if not row:
            problems.append(f"{where}: an update needs \"row\", the cells it changes")
        if original is None:
            problems.append(f"{where}: an update needs \"original\", the row's cells as they were, to detect a stale patch")
    elif op == "delete":
        if row is not None:
            problems.append(f"{where}: a delete has no \"row\"")
        if original is None:
            problems.append(f"{where}: a delete needs \"original\", the row's cells as they were, to detect a stale patch")
    if len(problems) > before or key is None:
        return None
    return Change(number, table, op, key, row or {}, original)


def _cells(where: str, name: str, value: Any, problems: list[str], nulls: bool = True) -> dict[str, str] | None:
    """A {field: cell} object of the patch: cells are the stored text (a string; null for an empty cell)."""
    if not isinstance(value, dict):
        problems.append(f"{where}: \"{name}\" must be an object of field names and cell values")
        return None
    cells = {}
    for field_name, cell in value.items():
        if cell is None and nulls:
            cells[field_name] = ""
        elif isinstance(cell, str):
            cells[field_name] = cell
        else:
            kind = "null" if cell is None else type(cell).__name__
            problems.append(f"{where}, {name} field {shown(field_name)}: the cell must be a string, as stored in the CSV"
                            f" (not {kind} {shown(cell)})")
    return cells


# -- one CSV file, record by record -----------------------------------------------------------------------------
@dataclass
class Row:
    """One record of a table being patched: its values, and the stored record it comes from (None for a new
    one); `changed` when its values are no longer the stored ones."""

    values: list[str]
    record: Record | None = None
    changed: bool = False


class CsvTable:
    """The records of one CSV file (read by `csvcells`, which knows every cell's bytes); `bytes()` gives them
    back with untouched records byte for byte and changed records keeping every unchanged cell's bytes."""

    def __init__(self, name: str, file: str, raw: bytes, dialect: Dialect = Dialect()):
        import csv

        self.name, self.file = name, file
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PatchRefused([f"{file}: cannot be edited, it is not UTF-8 (byte {error.start}); run `minusma-facts validate`"]) from None
        refused = f"{file}: cannot be edited row by row (blank lines, or cells this reader and Python's csv read differently); run `minusma-facts validate`"
        try:
            self.csv = CsvFile(raw, file, dialect)
        except CsvError:
            raise PatchRefused([refused]) from None
        self.rows = [Row(self.csv.values(record), record) for record in self.csv.records]
        delimiter, quote = dialect.delimiter.decode(), dialect.quote.decode()
        expected = [row for row in csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=delimiter,
                                              quotechar=quote, strict=False) if row]
        if not self.csv.contiguous() or [row.values for row in self.rows] != expected:
            raise PatchRefused([refused])
        self.header = self.rows[0].values

    def new_row(self, values: list[str]) -> Row:
        return Row(list(values))

    def changed_row(self, row: Row, values: list[str]) -> Row:
        return Row(list(values), row.record, changed=row.changed or values != row.values)

    def bytes(self, rows: list[Row | None]) -> bytes:
        return self.csv.render([(row.record, row.values if row.changed or row.record is None else None)
                                for row in rows if row is not None])


# -- applying the changes in memory -----------------------------------------------------------------------------
@dataclass
class Edit:
    """One applied change, for the listing: op, the row's key, and old -> new for each field it changes."""

    op: str
    table: str
    row_id: str
    fields: list[tuple[str, str, str]]  # (field, old, new); old is "" for an insert, new "" for a delete


@dataclass
class TablePlan:
    name: str
    file: str
    table: CsvTable
    key: list[str]
    records: list[Row | None]
    index: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)

    def reindex(self) -> None:
        self.index = {}
        for i, record in enumerate(self.records):
            if record is not None and i > 0:
                self.index.setdefault(self.key_of(record.values), []).append(i)

    def key_of(self, values: list[str]) -> tuple[str, ...]:
        return tuple(values[self.table.header.index(k)] for k in self.key)

    def row_number(self, i: int) -> int:
        """The row number validate would give this record now (the header is row 1)."""
        return 1 + sum(1 for r in self.records[1:i + 1] if r is not None)


@dataclass
class Plan:
    package: Package
    tables: dict[str, TablePlan]
    originals: dict[str, bytes]  # file -> its bytes as read

    @property
    def edits(self) -> list[Edit]:
        return [e for t in self.tables.values() for e in t.edits]

    def files(self) -> dict[str, bytes]:
        """file -> new bytes, for each file the patch changes."""
        out = {}
        for plan in self.tables.values():
            data = plan.table.bytes(plan.records)
            if data != self.originals[plan.file]:
                out[plan.file] = data
        return out


def plan(package: Package, changes: list[Change], problems: list[str] | None = None) -> Plan:
    """Apply the changes, in order, to the tables in memory; PatchRefused lists every change that cannot be
    (after `problems`, those found in the patch's shape)."""
    problems = list(problems or [])
    tables: dict[str, TablePlan] = {}
    originals: dict[str, bytes] = {}
    for change in changes:
        if change.table not in package.resource_names:
            problems.append(f"{change.where}: the package has no table {shown(change.table)} "
                            f"(its tables: {', '.join(package.resource_names)})")
            continue
        if change.table not in tables:
            try:
                tables[change.table] = _open_table(package, change.table, originals)
            except PatchRefused as refused:
                problems.extend(refused.problems)
                tables[change.table] = None  # type: ignore[assignment]
        target = tables[change.table]
        if target is not None:
            _apply(package, target, change, problems)
    if problems:
        raise PatchRefused(sorted(problems, key=_change_number))
    return Plan(package, tables, originals)


def _change_number(problem: str) -> int:
    match = re.match(r"change (\d+)", problem)
    return int(match.group(1)) if match else 0


def _open_table(package: Package, name: str, originals: dict[str, bytes]) -> TablePlan:
    file = package.resource_path(name)
    schema = package.schema(name)
    key = primary_key(schema)
    if not key:
        raise PatchRefused([f"{file}: table {name} has no primary key in its schema, so a patch cannot name its rows"])
    try:
        raw = read_file(package.location, file)
    except FileNotFoundError:
        raise PatchRefused([f"{file}: the data file of table {name} is missing; run `minusma-facts validate`"]) from None
    except OSError as error:
        raise CannotApply(f"{file}: cannot be read ({error.strerror})") from None
    originals[file] = raw
    try:
        dialect = Dialect.of(package.resource(name), file, package)
    except CsvError as error:
        raise PatchRefused([f"{error}; apply cannot edit this table"]) from None
    table = CsvTable(name, file, raw, dialect)
    missing = [k for k in key if k not in table.header]
    if missing:
        raise PatchRefused([f"{file}: the header has no primary key column {', '.join(missing)}; run `minusma-facts validate`"])
    plan = TablePlan(name, file, table, key, list(table.rows))
    plan.reindex()
    return plan


def _apply(package: Package, plan: TablePlan, change: Change, problems: list[str]) -> None:
    where, header, file = change.where, plan.table.header, plan.file
    schema_fields = [f.get("name") for f in package.schema(plan.name).get("fields", []) if isinstance(f, dict)]
    before = len(problems)
    if set(change.key) != set(plan.key):
        problems.append(f"{where}: \"key\" must name exactly the primary key of {plan.name} ({', '.join(plan.key)}), "
                        f"not {', '.join(map(shown, change.key)) or 'nothing'}")
    for part, cells in (("row", change.row), ("original", change.original or {})):
        for name in cells:
            if name not in schema_fields:
                problems.append(f"{where}, {part}: table {plan.name} has no field {shown(name)} in its schema")
            elif name not in header:
                problems.append(f"{where}, {part}: {file} has no column {shown(name)} (its header differs from the schema; "
                                "run `minusma-facts validate`)")
    if len(problems) > before:
        return
    key = tuple(change.key[k] for k in plan.key)
    found = plan.index.get(key, [])
    row_id = "/".join(key)
    if change.op == "insert":
        if found:
            problems.append(f"{where}: {file} row {plan.row_number(found[0])} already has this key")
            return
        values = [change.row.get(name, change.key.get(name, "")) for name in header]
        clash = [k for k in plan.key if k in change.row and change.row[k] != change.key[k]]
        if clash:
            problems.append(f"{where}: the row's {', '.join(clash)} differs from its \"key\"")
            return
        plan.records.append(plan.table.new_row(values))
        plan.index[key] = [len(plan.records) - 1]
        plan.edits.append(Edit("insert", plan.name, row_id, [(n, "", v) for n, v in zip(header, values) if v]))
        return
    if not found:
        problems.append(f"{where}: {file} has no row with this key")
        return
    if len(found) > 1:
        problems.append(f"{where}: {file} has {len(found)} rows with this key (rows "
                        f"{', '.join(str(plan.row_number(i)) for i in found)}); run `minusma-facts validate`")
        return
    i = found[0]
    record = plan.records[i]
    stale = _stale(header, record.values, change.original or {})
    if stale:
        problems.append(f"{where}: {file} row {plan.row_number(i)} has changed since the patch was made: " + "; ".join(stale))
        return
    if change.op == "delete":
        plan.records[i] = None
        del plan.index[key]
        plan.edits.append(Edit("delete", plan.name, row_id, [(n, v, "") for n, v in zip(header, record.values) if v]))
        return
    values = [change.row.get(name, old) for name, old in zip(header, record.values)]
    new_key = plan.key_of(values)
    if new_key != key and plan.index.get(new_key):
        problems.append(f"{where}: the new key {'/'.join(new_key)} is already taken by {file} row "
                        f"{plan.row_number(plan.index[new_key][0])}")
        return
    plan.records[i] = plan.table.changed_row(record, values)
    del plan.index[key]
    plan.index[new_key] = [i]
    plan.edits.append(Edit("update", plan.name, row_id,
                           [(n, old, new) for n, old, new in zip(header, record.values, values) if old != new]))


def _stale(header: list[str], current: list[str], original: dict[str, str]) -> list[str]:
    """How the row differs from the patch's `original`, which must carry every cell of the row as stored."""
    missing = [name for name in header if name not in original]
    out = [f"field {name} is {shown(value)} in the file, {shown(original[name])} in the patch's original"
           for name, value in zip(header, current) if name in original and original[name] != value]
    if missing:
        out.append(f"the patch's original has no value for {', '.join(missing)} (it must carry every cell of the row)")
    return out


# -- listing, checking, writing ---------------------------------------------------------------------------------
SIGNS = {"insert": "+", "update": "~", "delete": "-"}
VERBS = {"insert": "added", "update": "changed", "delete": "removed"}


def describe(plan: Plan) -> list[str]:
    """What the patch changes, table by table: each row added, changed or removed, each field old -> new.

    (One small function on purpose: `diff`'s rendering can take its place, comparing the package before and after.)
    """
    lines = []
    for table in plan.tables.values():
        if not table.edits:
            continue
        counts = {op: sum(1 for e in table.edits if e.op == op) for op in OPS}
        lines.append(f"{table.file}: " + ", ".join(f"{n} {VERBS[op]}" for op, n in counts.items() if n))
        for edit in table.edits:
            lines.append(f"  {SIGNS[edit.op]} {table.name} {shown(edit.row_id)}")
            for name, old, new in edit.fields:
                if edit.op == "insert":
                    lines.append(f"      {name}: {shown(new)}")
                elif edit.op == "update":
                    lines.append(f"      {name}: {shown(old)} -> {shown(new)}")
    return lines


NOT_COPIED = ("venv", "node_modules", "__pycache__", "dist", "build", "site")


def _skip(folder: str, names: list[str]) -> set[str]:
    base = Path(folder)
    return {n for n in names if (n in NOT_COPIED or n.startswith(".") or n.endswith(".egg-info")) and (base / n).is_dir()
            and not (base / n).is_symlink()}


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def check(plan: Plan, sources_dir: Path | None = None, inspect=None):
    """validate's report on a temporary copy of the package with the patched files in place.

    ``inspect(copy)``, when given, is called with the patched copy's folder before the copy is removed (the
    dry run shows `diff`'s view of the change from it).
    """
    from .validation import validate_package

    with tempfile.TemporaryDirectory(prefix="minusma-facts-apply-") as folder:
        copy = Path(folder) / "package"
        shutil.copytree(plan.package.location, copy, symlinks=True, ignore=_skip, copy_function=_link_or_copy)
        for file, data in plan.files().items():
            target = copy / file
            target.unlink(missing_ok=True)  # a hard link to the real file: never write through it
            target.write_bytes(data)
        report = validate_package(copy, sources_dir=sources_dir)
        if inspect is not None:
            inspect(copy)
        return report


def write(plan: Plan) -> list[str]:
    """Replace every changed file, all or none (`writes.write_all`); return the files written."""
    from .writes import write_all

    root = plan.package.location
    files = plan.files()
    targets = {file: output_path(root, file) for file in files}
    for file, target in targets.items():
        if target.read_bytes() != plan.originals[file]:
            raise CannotApply(f"{file} changed while the patch was being checked; nothing was written, run apply again")
    write_all({targets[file]: data for file, data in files.items()})
    return list(files)


def open_folder(path: Path | None) -> Package:
    """The package to change: a folder (or its datapackage.json), never an archive; None is the current folder."""
    from .package import locate

    try:
        path = locate(path)
        package = Package.open(path)
    except PackageError as error:
        raise CannotApply(str(error)) from None
    if package.is_archive:
        raise CannotApply(f"{path}: a release archive cannot be changed; apply a patch to a package folder")
    return package

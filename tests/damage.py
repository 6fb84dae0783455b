"""Helpers that damage a temporary copy of the package (never the real one) for validate's tests.

Row numbers are frictionless's: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Callable


def read_rows(package: Path, table: str) -> tuple[list[str], list[list[str]]]:
    text = (package / "data" / f"{table}.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def write_rows(package: Path, table: str, header: list[str], rows: list[list[str]], line_ending: str = "\n") -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=line_ending)
    writer.writerow(header)
    writer.writerows(rows)
    (package / "data" / f"{table}.csv").write_bytes(buffer.getvalue().encode("utf-8"))


def edit_rows(table: str, change: Callable[[list[str], list[list[str]]], Any]) -> Callable[[Path], None]:
    """A damage that calls change(header, rows) on a table's rows, in place, and writes them back."""
    def damage(package: Path) -> None:
        header, rows = read_rows(package, table)
        change(header, rows)
        write_rows(package, table, header, rows)
    return damage


def get_cell(package: Path, table: str, row: int, field: str) -> str:
    header, rows = read_rows(package, table)
    return rows[row - 2][header.index(field)]


def set_cell(package: Path, table: str, row: int, field: str, value: str) -> None:
    header, rows = read_rows(package, table)
    rows[row - 2][header.index(field)] = value
    write_rows(package, table, header, rows)


def set_cells(package: Path, table: str, row: int, values: dict[str, str]) -> None:
    header, rows = read_rows(package, table)
    for field, value in values.items():
        rows[row - 2][header.index(field)] = value
    write_rows(package, table, header, rows)


def find_row(package: Path, table: str, predicate: Callable[[dict[str, str]], bool]) -> int:
    """The frictionless row number of the first row for which predicate(row as dict) holds."""
    header, rows = read_rows(package, table)
    for i, row in enumerate(rows):
        if predicate(dict(zip(header, row))):
            return i + 2
    raise LookupError(f"no row of {table} fits")


def edit_bytes(package: Path, relpath: str, change: Callable[[bytes], bytes]) -> None:
    path = package / relpath
    path.write_bytes(change(path.read_bytes()))


def link_outside(package: Path, relpath: str, outside: Path) -> Path:
    """Replace a package file by a symbolic link to a copy of it at `outside` (outside the package); returns
    `outside`."""
    target = package / relpath
    outside.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(outside)
    return outside


def edit_json(package: Path, relpath: str, change: Callable[[Any], Any]) -> None:
    path = package / relpath
    data = json.loads(path.read_text(encoding="utf-8"))
    result = change(data)
    path.write_text(json.dumps(data if result is None else result, indent=2, ensure_ascii=False), encoding="utf-8")


def resource_of(descriptor: dict, name: str) -> dict:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def matching(report: dict, type_: str, *, file: str | None = None, row: int | None = None, field: str | None = None,
             severity: str = "error") -> list[dict]:
    """The report's problems of this type (and file / row / field when given)."""
    problems = report["errors"] if severity == "error" else report["warnings"]
    return [p for p in problems if p["type"] == type_
            and (file is None or p["file"] == file)
            and (row is None or p["row"] == row)
            and (field is None or p["field"] == field)]

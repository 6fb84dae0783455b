"""What changed between two versions of the package (folders or release archives), row by row.

Rows are matched by each table's primary key (from its schema; the new version's key when both have it).
For each table: rows added, rows removed, and for each changed row the fields whose cells differ, old -> new,
compared as stored (the exact strings of the CSV). Columns added or removed are listed too. The stored
source texts are not compared (release archives do not carry them); their hashes, in the sources table, are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .coverage import primary_key
from .locate import shown
from .package import Package, PackageError


@dataclass
class TableDiff:
    name: str
    key: list[str]
    status: str = "same"  # same, changed, added, removed
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, dict[str, tuple[str | None, str | None]]]] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    rows_old: int = 0
    rows_new: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def is_same(self) -> bool:
        return not (self.added or self.removed or self.changed or self.columns_added or self.columns_removed
                    or self.status in ("added", "removed"))

    def summary(self) -> str:
        if self.status == "added":
            return f"new table ({self.rows_new} rows)"
        if self.status == "removed":
            return f"table removed ({self.rows_old} rows)"
        parts = [f"{len(self.added)} added", f"{len(self.removed)} removed", f"{len(self.changed)} changed"]
        if self.columns_added:
            parts.append(f"columns added: {', '.join(map(shown, self.columns_added))}")
        if self.columns_removed:
            parts.append(f"columns removed: {', '.join(map(shown, self.columns_removed))}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.name, "key": self.key, "status": self.status, "rows_old": self.rows_old,
            "rows_new": self.rows_new, "added": self.added, "removed": self.removed,
            "changed": [{"id": key, "fields": {f: {"old": o, "new": n} for f, (o, n) in fields.items()}}
                        for key, fields in self.changed],
            "columns_added": self.columns_added, "columns_removed": self.columns_removed, "notes": self.notes,
        }


@dataclass
class PackageDiff:
    old: str
    new: str
    old_version: str | None
    new_version: str | None
    tables: list[TableDiff]

    @property
    def is_same(self) -> bool:
        return all(t.is_same for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "old_version": self.old_version, "new_version": self.new_version,
                "same": self.is_same, "tables": [t.to_dict() for t in self.tables]}


def _rows(package: Package, name: str):
    try:
        return package.read_table(name, typed=False)
    except FileNotFoundError as error:
        raise PackageError(f"{package.location}: the data file of table {name!r} is missing ({error})") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise PackageError(f"{package.location}: table {name!r} cannot be read as CSV ({error})") from None


def _keyed(frame, key: list[str], notes: list[str], which: str) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for record in frame.to_dict(orient="records"):
        ident = "/".join(str(record.get(k, "")) for k in key)
        if ident in rows:
            notes.append(f"{which}: the key {ident!r} occurs more than once; the last row is compared")
        rows[ident] = record
    return rows


def diff_table(name: str, old: Package | None, new: Package | None) -> TableDiff:
    new_schema = new.schema(name) if new is not None else None
    old_schema = old.schema(name) if old is not None else None
    key = primary_key(new_schema or old_schema or {})
    result = TableDiff(name, key)
    old_frame = _rows(old, name) if old is not None else None
    new_frame = _rows(new, name) if new is not None else None
    result.rows_old = 0 if old_frame is None else len(old_frame)
    result.rows_new = 0 if new_frame is None else len(new_frame)
    if old_frame is None:
        result.status = "added"
        result.added = list(_keyed(new_frame, key, result.notes, "new"))
        return result
    if new_frame is None:
        result.status = "removed"
        result.removed = list(_keyed(old_frame, key, result.notes, "old"))
        return result
    if not key or any(k not in old_frame.columns or k not in new_frame.columns for k in key):
        old_key = primary_key(old_schema or {})
        result.notes.append(f"the primary key changed ({', '.join(old_key) or 'none'} -> {', '.join(key) or 'none'}); "
                            "rows are compared as whole rows")
        key = list(new_frame.columns) if not key else key
        key = [k for k in key if k in old_frame.columns] or list(new_frame.columns)
        result.key = key
    result.columns_added = [c for c in new_frame.columns if c not in old_frame.columns]
    result.columns_removed = [c for c in old_frame.columns if c not in new_frame.columns]
    old_rows = _keyed(old_frame, key, result.notes, "old")
    new_rows = _keyed(new_frame, key, result.notes, "new")
    result.added = [k for k in new_rows if k not in old_rows]
    result.removed = [k for k in old_rows if k not in new_rows]
    columns = [c for c in new_frame.columns if c in old_frame.columns]
    for ident, row in new_rows.items():
        before = old_rows.get(ident)
        if before is None:
            continue
        fields = {c: (before[c], row[c]) for c in columns if before[c] != row[c]}
        if fields:
            result.changed.append((ident, fields))
    if not result.is_same:
        result.status = "changed"
    return result


def diff_packages(old: Package, new: Package) -> PackageDiff:
    names = list(new.resource_names) + [n for n in old.resource_names if n not in new.resource_names]
    tables = [diff_table(name, old if name in old.resource_names else None, new if name in new.resource_names else None)
              for name in names]
    return PackageDiff(str(old.location), str(new.location), _version(old), _version(new), tables)


def _version(package: Package) -> str | None:
    version = package.descriptor.get("version")
    return version if isinstance(version, str) else None


# -- rendering --------------------------------------------------------------------------------------------
def _clip(value: str | None, size: int = 80) -> str:
    if value is None:
        return "(none)"
    text = shown(value)
    return text if len(text) <= size else text[: size - 1] + "…"


def to_markdown(result: PackageDiff, heading: str = "####") -> str:
    """The diff as Markdown for a CHANGELOG section: one sub-heading per table that changed."""
    lines: list[str] = []
    for table in result.tables:
        if table.is_same:
            continue
        lines.append(f"{heading} {_md_code(table.name)}: {_md_escape(table.summary())}")
        lines.append("")
        for ident in table.added if table.status != "added" else []:
            lines.append(f"- Added {_md_code(ident)}")
        for ident in table.removed if table.status != "removed" else []:
            lines.append(f"- Removed {_md_code(ident)}")
        for ident, fields in table.changed:
            changes = "; ".join(f"{_md_code(f)}: {_md_value(o)} → {_md_value(n)}" for f, (o, n) in fields.items())
            lines.append(f"- Changed {_md_code(ident)}: {changes}")
        for note in table.notes:
            lines.append(f"- Note: {_md_escape(note)}")
        lines.append("")
    if not lines:
        lines = ["No change to any table.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_escape(text: str) -> str:
    text = shown(text)
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def _md_code(text: str) -> str:
    text = shown(text)
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_value(value: str | None) -> str:
    if value is None:
        return "(none)"
    if value == "":
        return "(empty)"
    return _md_code(_clip(value))


def render(result: PackageDiff) -> None:
    """The diff as tables for a person, on the terminal (no text of the package printed raw)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    import sys

    console = Console(soft_wrap=False, highlight=False, width=None if sys.stdout.isatty() else 200)
    versions = f" ({result.old_version or '?'} -> {result.new_version or '?'})"
    console.print(Text(shown(f"{result.old} -> {result.new}{versions}")))
    if result.is_same:
        console.print(Text("no change to any table"))
        return
    for table in result.tables:
        if table.is_same:
            continue
        grid = Table(title=Text(f"{shown(table.name)}: {table.summary()}"), title_justify="left")
        grid.add_column("change", no_wrap=True)
        grid.add_column(Text(shown(" / ".join(table.key)) or "row"), overflow="fold")
        grid.add_column("field", no_wrap=True)
        grid.add_column("old", overflow="fold")
        grid.add_column("new", overflow="fold")
        for ident in table.added if table.status != "added" else []:
            grid.add_row("added", Text(shown(ident)), "", "", "")
        for ident in table.removed if table.status != "removed" else []:
            grid.add_row("removed", Text(shown(ident)), "", "", "")
        for ident, fields in table.changed:
            for number, (name, (old, new)) in enumerate(fields.items()):
                grid.add_row("changed" if number == 0 else "", Text(shown(ident) if number == 0 else ""), Text(shown(name)),
                             Text(_clip(old)), Text(_clip(new)))
        if grid.row_count:
            console.print(grid)
        else:
            console.print(Text(f"{shown(table.name)}: {table.summary()}"))
        for note in table.notes:
            console.print(Text(f"  note: {shown(note)}"))

"""One error shape for every layer of `validate`: descriptor, files, cells, semantics, provenance, metadata.

A `Problem` carries a kebab-case `type` (frictionless's codes where they fit, ours in the same style), its
`severity`, where it is (`resource`, `file`, `row`, `line`, `field`, `cell`) and a short `note`; its
`message` is rendered from those and starts with where it is: ``events.csv row 7 (line 7), field
date_start: ...``. Row numbers are frictionless's: the header is row 1; `line` is the physical line, which
differs when quoted cells hold newlines.

A `Report` collects problems up to a limit and keeps counting past it, so a capped list says plainly how
many there were in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Callable, Iterable

class Phase(IntEnum):
    """The phases of a run, in report order: a section key (`Report.section`) starts with one, so findings are
    listed in this order whatever order the engine runs its checks in."""

    DESCRIPTOR = 0
    TABLE = 1  # a table's file, header, rows and cells (then its keys)
    FOREIGN_KEYS = 2
    SEMANTICS = 3
    PROVENANCE = 4
    METADATA = 5


ERROR = "error"
WARNING = "warning"

DEFAULT_LIMIT = 1000
CELL_CLIP = 200  # characters of a cell, field name or file name a problem echoes
NOTE_CLIP = 1000


@dataclass
class Problem:
    type: str
    note: str = ""
    severity: str = ERROR
    resource: str | None = None
    file: str | None = None
    row: int | None = None
    line: int | None = None
    field: str | None = None
    cell: str | None = None

    def __post_init__(self) -> None:
        # a package's text never reaches a terminal, a log or --json raw or whole (safety.clean): control
        # characters and bidi controls escaped, cells, field names and files clipped
        from .safety import clean

        self.note = clean(self.note, NOTE_CLIP)
        for name in ("cell", "field", "file", "resource"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, clean(value, CELL_CLIP))

    @property
    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file.rsplit("/", 1)[-1])
        elif self.resource:
            parts.append(self.resource)
        if self.row is not None:
            row = f"row {self.row}"
            if self.line is not None:
                row += f" (line {self.line})"
            parts.append(row)
        elif self.line is not None:
            parts.append(f"line {self.line}")
        where = " ".join(parts) or "package"
        if self.field:
            where += f", field {self.field}"
        return where

    @property
    def message(self) -> str:
        return f"{self.where}: {self.note or self.type}"

    def sort_key(self) -> tuple:
        return (self.file or "", self.row if self.row is not None else -1, self.line or 0, self.type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "severity": self.severity,
            "resource": self.resource,
            "file": self.file,
            "row": self.row,
            "line": self.line,
            "field": self.field,
            "cell": self.cell,
            "note": self.note,
            "message": self.message,
        }


@dataclass
class TableStats:
    resource: str
    file: str
    rows: int = 0
    errors: int = 0


class Report:
    """Problems found in one run. Counts every problem; keeps at most `limit` errors (and `limit` warnings)."""

    def __init__(self, path: str, limit: int = DEFAULT_LIMIT):
        self.path = path
        self.limit = limit
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.error_count = 0
        self.warning_count = 0
        self.files_with_errors: set[str] = set()
        self.tables: dict[str, TableStats] = {}
        self.error_types: dict[str, int] = {}
        # Problems are kept in sections (each capped at `limit`) and merged in section order by `sort()`, so
        # the kept list is the same whatever order the engine runs its checks in.
        self._sections: dict[tuple, tuple[list[Problem], list[Problem]]] = {}
        self._section: tuple = ()
        self._resource_errors: dict[str | None, int] = {}

    # -- collecting ------------------------------------------------------------------------------------
    def section(self, key: tuple) -> None:
        """Add what follows to section `key`; the kept list is merged in key order, each in insertion order."""
        self._section = key

    def _kept(self, severity: str) -> list[Problem]:
        bucket = self._sections.get(self._section)
        if bucket is None:
            bucket = self._sections[self._section] = ([], [])
        return bucket[0] if severity == ERROR else bucket[1]

    def add(self, problem: Problem) -> None:
        self._count(problem, 1)
        kept = self._kept(problem.severity)
        if len(kept) < self.limit:
            kept.append(problem)

    def add_many(self, count: int, make: Callable[[int], Problem], severity: str = ERROR) -> None:
        """Count `count` problems, building only those that fit under the limit (make(i) builds the i-th)."""
        if count <= 0:
            return
        kept = self._kept(severity)
        room = max(0, self.limit - len(kept))
        first = None
        for i in range(min(count, room)):
            problem = make(i)
            kept.append(problem)
            first = first or problem
        if first is None:
            first = make(0)
        self._count(first, count)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def _count(self, problem: Problem, count: int) -> None:
        if problem.severity == ERROR:
            self.error_count += count
            self.files_with_errors.add(problem.file or problem.resource or "datapackage.json")
            self.error_types[problem.type] = self.error_types.get(problem.type, 0) + count
            if problem.resource in self.tables:
                self.tables[problem.resource].errors += count
            self._resource_errors[problem.resource] = self._resource_errors.get(problem.resource, 0) + count
        else:
            self.warning_count += count

    def merge(self, other: "Report") -> None:
        """Add everything `other` found (its sections, counts and per-table error counts) to this report."""
        for key, (errors, warnings) in other._sections.items():
            bucket = self._sections.setdefault(key, ([], []))
            bucket[0].extend(errors[: max(0, self.limit - len(bucket[0]))])
            bucket[1].extend(warnings[: max(0, self.limit - len(bucket[1]))])
        self.error_count += other.error_count
        self.warning_count += other.warning_count
        self.files_with_errors |= other.files_with_errors
        for kind, count in other.error_types.items():
            self.error_types[kind] = self.error_types.get(kind, 0) + count
        for resource, count in other._resource_errors.items():
            self._resource_errors[resource] = self._resource_errors.get(resource, 0) + count
            if resource in self.tables:
                self.tables[resource].errors += count

    def table(self, resource: str, file: str, rows: int) -> None:
        self.tables[resource] = TableStats(resource, file, rows)

    # -- reading ---------------------------------------------------------------------------------------
    @property
    def valid(self) -> bool:
        return self.error_count == 0

    @property
    def partial(self) -> bool:
        return self.error_count > len(self.errors) or self.warning_count > len(self.warnings)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    @property
    def verdict(self) -> str:
        if self.valid:
            text = f"valid: {len(self.tables)} tables, {self.rows} rows"
            if self.warning_count:
                text += f" ({self.warning_count} warning{'s' if self.warning_count != 1 else ''})"
            return text
        files = len(self.files_with_errors)
        text = f"invalid: {self.error_count} error{'s' if self.error_count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
        if self.partial:
            text += f" (showing the first {len(self.errors)})"
        return text

    def sort(self) -> None:
        """Merge the sections in key order (keeping the first `limit` of each kind), then sort by place."""
        errors: list[Problem] = []
        warnings: list[Problem] = []
        for key in sorted(self._sections):
            section_errors, section_warnings = self._sections[key]
            errors.extend(section_errors[: max(0, self.limit - len(errors))])
            warnings.extend(section_warnings[: max(0, self.limit - len(warnings))])
        errors.sort(key=Problem.sort_key)
        warnings.sort(key=Problem.sort_key)
        self.errors, self.warnings = errors, warnings

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "valid": self.valid,
            "partial": self.partial,
            "limit": self.limit,
            "verdict": self.verdict,
            "counts": {
                "errors": self.error_count,
                "warnings": self.warning_count,
                "errors_shown": len(self.errors),
                "warnings_shown": len(self.warnings),
                "tables": len(self.tables),
                "rows": self.rows,
                "files_with_errors": len(self.files_with_errors),
                "by_type": dict(sorted(self.error_types.items())),
            },
            "tables": [
                {"resource": t.resource, "file": t.file, "rows": t.rows, "errors": t.errors}
                for t in self.tables.values()
            ],
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
        }

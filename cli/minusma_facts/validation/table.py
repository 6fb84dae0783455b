"""Read one CSV resource into string columns with exact row and line numbers, reporting file-level problems.

The raw bytes are read once. Encoding, byte-order mark and line endings are checked on the bytes; the rows
are parsed by `pyarrow.csv` with every column read as a string (so no bad cell is lost), blank lines kept,
and rows with the wrong number of cells handed to a handler that records them. Those rows are then parsed
alone, padded or cut to the header's width, and merged back in file order, so every later check sees every
row once, under frictionless's row number (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Callable

from ..report import Problem, Report

BOM = b"\xef\xbb\xbf"


@dataclass
class TableData:
    """One table as read: raw string columns by schema field, in file order, with row numbers."""

    resource: str
    file: str
    schema: dict[str, Any]
    header: list[str]
    columns: dict[str, Any]  # field name -> pyarrow string array (fields matched to the header by position)
    row_numbers: Any  # numpy int64 array, frictionless row number of each row
    blank: Any  # numpy bool array, True for blank rows (every cell missing)
    line_of: Callable[[int], int]
    typed: dict[str, Any] = field(default_factory=dict)  # field name -> pyarrow array of typed values

    @property
    def n_rows(self) -> int:
        return len(self.row_numbers)

    @property
    def fields(self) -> list[dict[str, Any]]:
        return [f for f in self.schema.get("fields", []) if isinstance(f, dict) and isinstance(f.get("name"), str)]

    def problem(self, type_: str, note: str, index: int | None = None, field: str | None = None, cell: Any = None, severity: str = "error") -> Problem:
        row = line = None
        if index is not None:
            row = int(self.row_numbers[index])
            line = self.line_of(row)
            if cell is None and field is not None and field in self.columns:
                cell = self.columns[field][index].as_py()
        return Problem(type_, note, severity, self.resource, self.file, row, line, field, None if cell is None else str(cell))


def _is_utf8(raw: bytes) -> bool:
    """UTF-8 validity checked by pyarrow on the bytes in place (no Python string is built)."""
    import pyarrow as pa

    offsets = pa.array([0, len(raw)], pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(raw)]).validate(full=True)
        return True
    except pa.ArrowInvalid:
        return False


def _decode(raw: bytes, report: Report, resource: str, file: str) -> tuple[str | None, bool]:
    """(None, True) when the bytes are UTF-8; else report each bad line and return the text with U+FFFD."""
    if _is_utf8(raw):
        return None, True
    position, found = 0, 0
    while position < len(raw) and found < 20:
        try:
            raw[position:].decode("utf-8")
            break
        except UnicodeDecodeError as error:
            bad = position + error.start
            line = raw.count(b"\n", 0, bad) + 1
            report.add(Problem("encoding-error", f"bytes that are not UTF-8 at line {line} (byte {bad}: {raw[bad:bad + 4]!r})",
                               resource=resource, file=file, line=line))
            found += 1
            position = position + error.end
    return raw.decode("utf-8", errors="replace"), False


def _check_line_endings(raw: bytes, report: Report, resource: str, file: str) -> None:
    lf = raw.count(b"\n")
    crlf = raw.count(b"\r\n")
    if crlf and lf != crlf:
        # name the first line whose ending differs from the first line's
        first_crlf = raw.find(b"\r\n")
        first_lf = raw.find(b"\n")
        if first_crlf == first_lf - 1 and first_crlf >= 0:  # file starts CRLF: find first bare LF
            position = 0
            while True:
                position = raw.find(b"\n", position)
                if position <= 0 or raw[position - 1 : position] != b"\r":
                    break
                position += 1
            kind, other = "LF", "CRLF"
        else:
            position = first_crlf + 1
            kind, other = "CRLF", "LF"
        line = raw.count(b"\n", 0, position) + 1
        report.add(Problem("mixed-line-endings",
                           f"{crlf} lines end in CRLF and {lf - crlf} in LF; line {line} is the first to end in {kind} where earlier lines end in {other}",
                           resource=resource, file=file, line=line))


def _iter_lines(raw: bytes):
    """The file's lines, decoded one at a time (so the whole file is never one Python string)."""
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        if end < 0:
            yield raw[start:].decode("utf-8", errors="replace")
            return
        yield raw[start : end + 1].decode("utf-8", errors="replace")
        start = end + 1


def _record_lines(text: bytes) -> list[int]:
    """Physical start line of every record (index 0 = header), as Python's csv module splits them."""
    starts = []
    reader = csv.reader(_iter_lines(text))
    previous = 0
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    return starts


def read_table(report: Report, resource: str, file: str, raw: bytes, schema: dict[str, Any]) -> TableData | None:
    """Check the file's bytes and parse it; None when there is nothing to check further."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def add(type_: str, note: str, **where) -> None:
        report.add(Problem(type_, note, resource=resource, file=file, **where))

    if not raw:
        add("empty-table", "the file is empty: no header and no rows")
        return None
    if raw.startswith(BOM):
        add("bom", "the file starts with a byte-order mark (UTF-8 files here carry none)", line=1)
        raw = raw[len(BOM):]
    text, utf8 = _decode(raw, report, resource, file)
    if not utf8:
        raw = text.encode("utf-8")
    del text  # bad bytes become U+FFFD so the rows can still be checked
    _check_line_endings(raw, report, resource, file)

    # -- header: the first record ---------------------------------------------------------------------
    reader = csv.reader(_iter_lines(raw))
    try:
        header = next(reader)
    except StopIteration:
        add("empty-table", "the file holds no header and no rows")
        return None
    except csv.Error as error:
        add("source-error", f"the header cannot be parsed as CSV ({error})", row=1, line=1)
        return None
    header_lines = reader.line_num
    fields = [f for f in schema.get("fields", []) if isinstance(f, dict) and isinstance(f.get("name"), str)]
    _check_header(report, resource, file, header, [f["name"] for f in fields])

    body_start = _offset_after_lines(raw, header_lines)
    if body_start >= len(raw):
        add("empty-table", "the table has a header and no rows", row=1, line=1)
        return None

    width = max(len(header), 1)
    names = [f"c{i}" for i in range(width)]
    invalid: list[tuple[int | None, str]] = []

    def handler(row) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    def parse(threads: bool):
        invalid.clear()
        return pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(use_threads=threads, column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=b'"' in raw, ignore_empty_lines=False, invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False, check_utf8=False),
        )

    try:
        parsed = parse(True)
        if any(number is None for number, _ in invalid):
            parsed = parse(False)
    except (pa.ArrowInvalid, pa.ArrowException) as error:
        add("source-error", f"the file cannot be parsed as CSV ({str(error).splitlines()[0]})")
        return None

    n_valid = parsed.num_rows
    total = n_valid + len(invalid)
    if total == 0:
        add("empty-table", "the table has a header and no rows", row=1, line=1)
        return None
    all_numbers = np.arange(2, total + 2, dtype=np.int64)
    invalid_numbers = np.array([number for number, _ in invalid], dtype=np.int64)
    row_numbers = np.delete(all_numbers, invalid_numbers - 2) if len(invalid) else all_numbers
    arrays = [parsed.column(i) for i in range(width)]

    # -- line numbers: equal to row numbers unless quoted cells hold newlines ----------------------------
    physical = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    record_lines: list[int] | None = None
    if physical != total + 1 or header_lines != 1:
        record_lines = _record_lines(raw)  # only files whose quoted cells hold newlines pay for this

    def line_of(row: int) -> int:
        if record_lines is None:
            return row
        return record_lines[row - 1] if row - 1 < len(record_lines) else row

    # -- rows with the wrong number of cells -----------------------------------------------------------
    missing_values = set(schema.get("missingValues", [""]))
    field_names = [f["name"] for f in fields]
    if invalid:
        side = [[] for _ in range(width)]
        for number, row_text in invalid:
            try:
                cells = next(csv.reader(io.StringIO(row_text)), [])
            except csv.Error:
                cells = row_text.split(",")
            padded = (cells + [""] * width)[:width]
            for i in range(width):
                side[i].append(padded[i])
            blank = all(c in missing_values for c in padded[: len(field_names)] or padded)
            if blank:
                continue
            line = line_of(number)
            for position in range(len(header), len(cells)):
                report.add(Problem("extra-cell", f"the row has {len(cells)} cells where the header has {len(header)}; cell {position + 1} is extra",
                                   resource=resource, file=file, row=number, line=line, cell=cells[position]))
            for position in range(len(cells), len(header)):
                name = field_names[position] if position < len(field_names) else header[position]
                report.add(Problem("missing-cell", f"the row has {len(cells)} cells where the header has {len(header)}; this one is missing",
                                   resource=resource, file=file, row=number, line=line, field=name))
        order = np.argsort(np.concatenate([row_numbers, invalid_numbers]), kind="stable")
        indices = pa.array(order)
        arrays = [pa.chunked_array(arrays[i].chunks + [pa.array(side[i], pa.string())], pa.string()).take(indices) for i in range(width)]
        row_numbers = np.concatenate([row_numbers, invalid_numbers])[order]

    columns = {name: arrays[i] for i, name in enumerate(field_names) if i < len(header)}
    blank = _blank_rows(arrays[: len(field_names)] if field_names else arrays, missing_values, len(row_numbers))
    table = TableData(resource, file, schema, header, columns, row_numbers, blank, line_of)
    blank_index = np.flatnonzero(blank)
    report.add_many(len(blank_index), lambda i: table.problem("blank-row", "the row is blank: every cell is empty", int(blank_index[i])))
    return table


def _offset_after_lines(raw: bytes, lines: int) -> int:
    position = 0
    for _ in range(lines):
        position = raw.find(b"\n", position)
        if position < 0:
            return len(raw)
        position += 1
    return position


def _blank_rows(arrays, missing_values, n):
    """True where every cell is missing; columns after the first only look at rows still blank so far."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not arrays:
        return np.zeros(n, dtype=bool)
    values = pa.array(sorted(missing_values), pa.string())
    blank = pc.is_in(arrays[0], value_set=values).to_numpy(zero_copy_only=False)
    for array in arrays[1:]:
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        still = pc.is_in(array.take(pa.array(candidates)), value_set=values).to_numpy(zero_copy_only=False)
        blank[candidates[~still]] = False
    return blank


def _check_header(report: Report, resource: str, file: str, header: list[str], names: list[str]) -> None:
    def add(type_: str, note: str, field: str | None, cell: str | None = None) -> None:
        report.add(Problem(type_, note, resource=resource, file=file, row=1, line=1, field=field, cell=cell))

    seen: dict[str, int] = {}
    reordered = sorted(header) == sorted(names) and header != names
    for position, label in enumerate(header):
        expected = names[position] if position < len(names) else None
        if label.strip() == "":
            add("blank-label", f"column {position + 1} has no name (expected {expected!r})", expected, label)
        elif label in seen:
            add("duplicate-label", f"column {position + 1} {label!r} repeats column {seen[label] + 1}", expected or label, label)
        elif expected is None:
            add("extra-label", f"column {position + 1} {label!r} is not in the schema, which has {len(names)} fields", None, label)
        elif label != expected:
            how = "the header is reordered: " if reordered else ""
            add("incorrect-label", f"{how}column {position + 1} is {label!r} where the schema has {expected!r}", expected, label)
        seen.setdefault(label, position)
    for position in range(len(header), len(names)):
        add("missing-label", f"the header has no column {position + 1} ({names[position]!r}) that the schema names", names[position])

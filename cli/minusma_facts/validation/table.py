"""Read one CSV resource into string columns with exact row and line numbers, reporting file-level problems.

Two readers, both honouring the resource's Table Dialect (`dialect.Dialect`):

- `open_batches`, the fast one: pyarrow parses a clean file piece by piece, never holding all of it. It
  declines (FALLBACK, having reported nothing) whenever exact findings need the general reader.
- `read_table`, the general one: the raw bytes are read once; encoding, byte-order mark and line endings are
  checked on them; the rows are parsed by `pyarrow.csv` with every column read as a string (so no bad cell is
  lost), blank lines kept, and rows with the wrong number of cells handed to a handler that records them, then
  parsed alone, padded or cut to the header's width and merged back in file order. Dialects pyarrow has no
  option for (several header rows, comments, no header, skipInitialSpace) are read record by record by
  Python's csv module (`_read_records`).

Either way every later check sees every row once, under frictionless's row number (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable

from ..report import Phase, Problem, Report
from .dialect import DEFAULT, Dialect

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
    # set when the table is checked batch by batch: each checker files its findings under
    # (phase, index, check, ..., batch) so the kept list is the one a whole-table run keeps
    index: int | None = None
    batch: int | None = None

    def section(self, report: Report, phase: Phase, *check: int) -> None:
        if self.batch is not None:
            report.section((phase, self.index) + check + (self.batch,))

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


def _is_utf8(raw) -> bool:
    """UTF-8 validity checked by pyarrow on the bytes in place (no Python string is built); `raw` is bytes or a
    pyarrow Buffer."""
    import pyarrow as pa

    data = raw if isinstance(raw, pa.Buffer) else pa.py_buffer(raw)
    offsets = pa.array([0, data.size], pa.int64()).buffers()[1]
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, data]).validate(full=True)
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


def _newline(raw: bytes) -> bytes:
    """The byte lines end in: LF, or CR in a file without a single LF."""
    return b"\n" if b"\n" in raw or b"\r" not in raw else b"\r"


def _iter_lines(raw: bytes):
    """The file's lines, decoded one at a time (so the whole file is never one Python string). A file with no
    LF at all ends its lines in CR (as old Mac files do, and as pyarrow reads them)."""
    start = 0
    newline = _newline(raw)
    while start < len(raw):
        end = raw.find(newline, start)
        if end < 0:
            yield raw[start:].decode("utf-8", errors="replace")
            return
        yield raw[start : end + 1].decode("utf-8", errors="replace")
        start = end + 1


def _record_lines(text: bytes, dialect: Dialect = DEFAULT) -> list[int]:
    """Physical start line of every record (index 0 = header), as Python's csv module splits them."""
    starts = []
    reader = csv.reader(_iter_lines(text), **dialect.csv_kwargs())
    previous = 0
    try:
        for _ in reader:
            starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error:  # a lone CR inside an unquoted cell: count it as a line end, as pyarrow and csv in files do
        starts, previous = [], 0
        reader = csv.reader(io.StringIO(text.decode("utf-8", errors="replace"), newline=""), **dialect.csv_kwargs())
        for _ in reader:
            starts.append(previous + 1)
            previous = reader.line_num
    return starts


def _checked_bytes(report: Report, resource: str, file: str, raw: bytes) -> bytes | None:
    """Report what is wrong with the file's bytes (empty, BOM, not UTF-8, mixed line endings); the bytes to
    parse (bad bytes as U+FFFD), or None when there is nothing to parse."""
    if not raw:
        report.add(Problem("empty-table", "the file is empty: no header and no rows", resource=resource, file=file))
        return None
    if raw.startswith(BOM):
        report.add(Problem("bom", "the file starts with a byte-order mark (UTF-8 files here carry none)", resource=resource, file=file, line=1))
        raw = raw[len(BOM):]
    text, utf8 = _decode(raw, report, resource, file)
    if not utf8:
        raw = text.encode("utf-8")
    del text  # bad bytes become U+FFFD so the rows can still be checked
    _check_line_endings(raw, report, resource, file)
    return raw


def read_table(report: Report, resource: str, file: str, raw: bytes, schema: dict[str, Any],
               dialect: Dialect = DEFAULT) -> TableData | None:
    """Check the file's bytes and parse it as `dialect` says; None when there is nothing to check further."""
    import numpy as np
    import pyarrow as pa

    def add(type_: str, note: str, **where) -> None:
        report.add(Problem(type_, note, resource=resource, file=file, **where))

    raw = _checked_bytes(report, resource, file, raw)
    if raw is None:
        return None
    if not dialect.fast:
        return _read_records(report, resource, file, raw, schema, dialect)

    # -- header: the first record ---------------------------------------------------------------------
    reader = csv.reader(_iter_lines(raw), **dialect.csv_kwargs())
    try:
        header = next(reader)
    except StopIteration:
        add("empty-table", "the file holds no header and no rows")
        return None
    except csv.Error as error:
        add("source-error", f"the header cannot be parsed as CSV ({error})", row=1, line=1)
        return None
    header_lines = reader.line_num
    if header_lines != 1:  # a quoted label holds a line break: pyarrow skips lines, not records, so read by record
        return _read_records(report, resource, file, raw, schema, dialect)
    fields = [f for f in schema.get("fields", []) if isinstance(f, dict) and isinstance(f.get("name"), str)]
    if too_wide(header, fields):
        add("source-error", f"the header has {len(header):,} columns where the schema has {len(fields)} fields; a table "
                            f"this much wider than its schema is not read", row=1, line=1)
        return None
    _check_header(report, resource, file, header, [f["name"] for f in fields], dialect.case_sensitive_header)

    body_start = _offset_after_lines(raw, header_lines)
    if body_start >= len(raw):  # a header and no rows: valid, as the spec and frictionless have it
        return _no_rows(resource, file, schema, header)

    width = max(len(header), 1)
    names = [f"c{i}" for i in range(width)]
    invalid: list[tuple[int | None, str]] = []

    def handler(row) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    def parse(threads: bool):
        invalid.clear()
        return parse_strings(io.BytesIO(raw), names, handler, threads=threads, skip_header=True,
                             newlines_in_values=_quote(dialect) in raw, check_utf8=False, block_size=1 << 24,
                             restart=invalid.clear, dialect=dialect)

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
        return _no_rows(resource, file, schema, header)
    all_numbers = np.arange(2, total + 2, dtype=np.int64)
    invalid_numbers = np.array([number for number, _ in invalid], dtype=np.int64)
    row_numbers = np.delete(all_numbers, invalid_numbers - 2) if len(invalid) else all_numbers
    arrays = [parsed.column(i) for i in range(width)]

    # -- line numbers: equal to row numbers unless quoted cells hold newlines ----------------------------
    physical = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    record_lines: list[int] | None = None
    if physical != total + 1:
        record_lines = _record_lines(raw, dialect)  # only files whose quoted cells hold newlines pay for this

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
                cells = next(csv.reader(io.StringIO(row_text), **dialect.csv_kwargs()), [])
            except csv.Error:
                cells = row_text.split(dialect.delimiter)
            _uneven_row(report, resource, file, header, field_names, missing_values, side, cells, number, line_of)
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


def _read_records(report: Report, resource: str, file: str, raw: bytes, schema: dict[str, Any], dialect: Dialect) -> TableData | None:
    """The general reader for the dialect corners pyarrow has no option for (no header, several header rows,
    comment rows and characters, skipInitialSpace): Python's csv module, record by record.

    Rows are numbered as frictionless numbers them: every physical record counts (comment lines, header rows
    and blank lines too); the header rows are picked among the records that are not comments."""
    import numpy as np
    import pyarrow as pa

    fields = [f for f in schema.get("fields", []) if isinstance(f, dict) and isinstance(f.get("name"), str)]
    field_names = [f["name"] for f in fields]
    state = {"line": 0, "start": True, "comments": 0, "first": 0}

    def lines():
        for text in _iter_lines(raw):
            state["line"] += 1
            if state["start"]:
                if dialect.comment_char and text.startswith(dialect.comment_char):
                    state["comments"] += 1
                    continue
                state["first"] = state["line"]
                state["start"] = False
            yield text

    reader = csv.reader(lines(), **dialect.csv_kwargs())
    header_parts: list[list[str]] = []
    last_header = max(dialect.header_rows) if dialect.header else 0
    # headerRows are numbered as commentRows are (comment rows count), as frictionless reads
    # {"commentRows": [1], "headerRows": [2]}; where a header row is itself a comment row (the default [1] beside
    # commentRows [1]), the header is the first rows that are no comments. commentChar lines never count.
    counted_with_comment_rows = not set(dialect.header_rows) & set(dialect.comment_rows)
    header_row = header_line = 1
    rows: list[list[str]] = []
    numbers: list[int] = []
    line_at: dict[int, int] = {}
    records = logical = 0
    while True:
        state["start"] = True
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            report.add(Problem("source-error", f"the file cannot be parsed as CSV ({error})", resource=resource, file=file,
                               line=state["line"]))
            return None
        records += 1
        number = records + state["comments"]
        if number in dialect.comment_rows:
            continue
        logical += 1
        position = records if counted_with_comment_rows else logical
        if position <= last_header:
            if position in dialect.header_rows:
                header_parts.append(cells)
                header_row, header_line = number, state["first"]
            continue
        if len(cells) > 4 * max(len(field_names), 64) + 256:
            cells = cells[: 4 * max(len(field_names), 64) + 256]  # memory by the row, never by one hostile record
        rows.append(cells)
        numbers.append(number)
        line_at[number] = state["first"]
    if dialect.header:
        if not header_parts:
            report.add(Problem("empty-table", "the file holds no header and no rows", resource=resource, file=file))
            return None
        header = _join_labels(header_parts, dialect.header_join)
        if too_wide(header, fields):
            report.add(Problem("source-error", f"the header has {len(header):,} columns where the schema has {len(fields)} "
                                               "fields; a table this much wider than its schema is not read",
                               resource=resource, file=file, row=header_row, line=header_line))
            return None
        _check_header(report, resource, file, header, field_names, dialect.case_sensitive_header, header_row, header_line)
    else:
        header = list(field_names)
    if not rows:  # a header and no rows: valid, as the spec and frictionless have it
        return _no_rows(resource, file, schema, header)
    width = max(len(header), 1)
    missing_values = set(schema.get("missingValues", [""]))
    side: list[list[str]] = [[] for _ in range(width)]
    for cells, number in zip(rows, numbers):
        _uneven_row(report, resource, file, header, field_names, missing_values, side, cells, number, line_at.__getitem__)
    del rows
    arrays = [pa.array(column, pa.string()) for column in side]
    del side
    columns = {name: arrays[i] for i, name in enumerate(field_names) if i < len(header)}
    row_numbers = np.array(numbers, dtype=np.int64)
    blank = _blank_rows(arrays[: len(field_names)] if field_names else arrays, missing_values, len(numbers))
    table = TableData(resource, file, schema, header, columns, row_numbers, blank, line_at.__getitem__)
    blank_index = np.flatnonzero(blank)
    report.add_many(len(blank_index), lambda i: table.problem("blank-row", "the row is blank: every cell is empty", int(blank_index[i])))
    return table


def _uneven_row(report: Report, resource: str, file: str, header: list[str], field_names: list[str], missing_values: set,
                side: list[list[str]], cells: list[str], number: int, line_of: Callable[[int], int]) -> None:
    """Append the row's cells, padded or cut to the header's width, to the columns in `side`; report each
    cell too many or too few (a blank row is only blank)."""
    width = len(side)
    padded = (cells + [""] * width)[:width]
    for i in range(width):
        side[i].append(padded[i])
    if len(cells) == len(header) or all(c in missing_values for c in padded[: len(field_names)] or padded):
        return
    line = line_of(number)
    for position in range(len(header), len(cells)):
        report.add(Problem("extra-cell", f"the row has {len(cells)} cells where the header has {len(header)}; cell {position + 1} is extra",
                           resource=resource, file=file, row=number, line=line, cell=cells[position]))
    for position in range(len(cells), len(header)):
        name = field_names[position] if position < len(field_names) else header[position]
        report.add(Problem("missing-cell", f"the row has {len(cells)} cells where the header has {len(header)}; this one is missing",
                           resource=resource, file=file, row=number, line=line, field=name))


def _join_labels(rows: list[list[str]], join: str) -> list[str]:
    """The labels of several header rows, joined as frictionless joins them: a cell equal to the one above it
    (a spreadsheet's merged cell) is not repeated."""
    labels: list[str] = []
    above: dict[int, str] = {}
    for cells in rows:
        for index, cell in enumerate(cells):
            if above.get(index) == cell:
                continue
            above[index] = cell
            if len(labels) <= index:
                labels.append(cell)
            else:
                labels[index] = join.join([labels[index], cell])
    return labels


def too_wide(header: list[str], fields: list) -> bool:
    """A header so much wider than the schema that parsing its rows would cost memory by the column (a
    hostile header of 500,000 commas): the table is reported, not read."""
    return len(header) > max(4 * len(fields), len(fields) + 256)


MAX_HEADER_BYTES = 1 << 20  # a header line longer than this is a hostile one: reported, never parsed
def long_header(report: Report, resource: str, file: str, head: bytes, size: int) -> bool:
    """Report a header line over MAX_HEADER_BYTES (`head`: the file's first bytes, at least that many + 1)."""
    end = head.find(b"\n")
    if (end < 0 and size > MAX_HEADER_BYTES) or end > MAX_HEADER_BYTES:
        report.add(Problem("source-error", f"the header line is over {MAX_HEADER_BYTES:,} bytes long; the table is not read",
                           resource=resource, file=file, row=1, line=1))
        return True
    return False


FALLBACK = object()  # the fast reader declines: read the whole file and take the general path


def open_batches(path, schema: dict[str, Any], block_size: int = 1 << 25, threads: bool = True, dialect: Dialect = DEFAULT):
    """Start reading a clean file piece by piece, never holding all of it; FALLBACK when it is not clean.

    The body is cut at line ends into pieces of about `block_size` bytes, each read and parsed by `pyarrow.csv`
    in a worker thread (the next one while the current one is checked). Returns (header, field names,
    batches, finish): `batches` yields (columns by field, blank mask) per piece and raises FallbackNeeded
    when a piece holds CR line ends, bytes that are not UTF-8, a row with the wrong number of cells or a
    quoted cell with a newline (its rows then differ from its lines); `finish(rows)` is False for no rows.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pyarrow as pa

    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return FALLBACK
    end = head.find(b"\n")
    if not dialect.fast or head.startswith(BOM) or end < 0 or _quote(dialect) in head[:end] or b"\r" in head[:end]:
        return FALLBACK
    try:
        header = next(csv.reader([head[:end].decode("utf-8")], **dialect.csv_kwargs()))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return FALLBACK
    fields = [f for f in schema.get("fields", []) if isinstance(f, dict) and isinstance(f.get("name"), str)]
    if too_wide(header, fields):
        return FALLBACK
    field_names = [f["name"] for f in fields]
    width = max(len(header), 1)
    names = [f"c{i}" for i in range(width)]
    missing_values = set(schema.get("missingValues", [""]))

    def pieces():
        """(buffer, length) of each piece. Two buffers are read into in turn, so no fresh memory is touched per
        piece: the one read into next is the one whose piece was parsed (into Arrow's own buffers) before the
        last piece was handed out. A buffer is no larger than what is left of the file (a small file costs a
        small one), and a line longer than a block gets a larger one."""
        buffers: list = [None, None]
        turn, carry = 0, b""
        with open(path, "rb", buffering=0) as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.seek(end + 1)
            while True:
                need = len(carry) + block_size
                room = min(need, len(carry) + max(size - handle.tell(), 0) + 1)
                if buffers[turn] is None or len(buffers[turn]) < room:
                    buffers[turn] = bytearray(room)
                buffer = buffers[turn]
                buffer[: len(carry)] = carry
                count, ended = _fill(handle, buffer, len(carry), min(need, len(buffer)))
                filled = len(carry) + count
                if ended:
                    if filled:
                        yield buffer, filled
                    return
                cut = buffer.rfind(b"\n", 0, filled)
                carry = bytes(buffer[cut + 1 : filled]) if cut >= 0 else bytes(buffer[:filled])
                if cut >= 0:
                    yield buffer, cut + 1
                    turn ^= 1

    def parse(piece):
        buffer, length = piece
        if buffer.find(b"\r", 0, length) >= 0:
            raise FallbackNeeded
        lines = _count_lines(buffer, length)
        invalid = []

        def handler(row) -> str:
            invalid.append(row.number)
            return "skip"

        # the piece's bytes are checked as UTF-8 at once (~10% less parse CPU than pyarrow's check of every cell);
        # each cell is then valid too, since UTF-8 cut at ASCII bytes (delimiters, quotes, line ends) stays UTF-8.
        # A piece that is not goes to the general path, which names the lines.
        data = pa.py_buffer(memoryview(buffer)[:length])
        if not _is_utf8(data):
            raise FallbackNeeded
        # a value holding a line end leaves fewer rows than lines (or a parse error): the general path reads such a
        # table in any case. So pyarrow may cut its blocks at every line end, not with its quote-aware chunker
        # (~25% less parse CPU); within a block its parser reads quotes all the same.
        try:
            with _catch_unraisable() as caught:
                parsed = parse_strings(data, names, handler, threads=threads, skip_header=False,
                                       newlines_in_values=False, check_utf8=False, restart=invalid.clear, dialect=dialect)
        except Exception:  # not parseable: the general path names the lines
            raise FallbackNeeded from None
        if caught or invalid or parsed.num_rows != lines:
            raise FallbackNeeded
        rows = parsed.num_rows
        arrays = [parsed.column(i) for i in range(width)]
        del parsed
        # one chunk a column, here in the worker: pyarrow parses a piece in blocks, ~8 chunks a column, and every
        # check of the batch would otherwise go over each of them (~5% less wall and CPU time at 10^6 rows per
        # table). A column at a time, so that only one column is held twice.
        for i, array in enumerate(arrays):
            if array.num_chunks > 1:
                arrays[i] = pa.chunked_array([array.combine_chunks()], array.type)
                del array
        columns = {name: arrays[i] for i, name in enumerate(field_names) if i < len(header)}
        blank = _blank_rows(arrays[: len(field_names)] if field_names else arrays, missing_values, rows)
        return columns, blank

    def batches():
        """Each piece is read and parsed in the worker thread, the next one while the current one is checked: the
        reads (~1 s of a table of 10^6 rows) are off the checking thread too. The worker runs one task at a time,
        so a buffer is read into again only after the piece it held was parsed."""
        source = pieces()

        def read_and_parse():
            piece = next(source, None)
            return None if piece is None else parse(piece)

        try:
            with ThreadPoolExecutor(1, thread_name_prefix="csv-piece") as pool:
                pending = pool.submit(read_and_parse)
                while (parsed := pending.result()) is not None:
                    pending = pool.submit(read_and_parse)
                    yield parsed
                    del parsed
        finally:
            source.close()  # the file, also when the table falls back part way (the worker has finished by now)

    def finish(rows: int) -> bool:
        return rows > 0

    return header, field_names, batches(), finish


def _count_lines(buffer, length: int, block: int = 1 << 20) -> int:
    """Lines in buffer[:length] (a last one without its line end counted): numpy a block at a time, in cache
    (~3x faster than bytearray.count on the pieces of a table of 10^6 rows)."""
    import numpy as np

    raw = np.frombuffer(buffer, np.uint8, length)
    ends = sum(int(np.count_nonzero(raw[start : start + block] == 10)) for start in range(0, length, block))
    return ends + (0 if length and raw[length - 1] == 10 else 1)


def _fill(handle, buffer: bytearray, start: int, stop: int) -> tuple[int, bool]:
    """Read into buffer[start:stop] until it is full or the file ends: (bytes read, whether the file ended)."""
    view = memoryview(buffer)
    try:
        position = start
        while position < stop:
            with view[position:stop] as part:
                count = handle.readinto(part)
            if not count:
                return position - start, True
            position += count
        return position - start, False
    finally:
        view.release()


def _quote(dialect: Dialect) -> bytes:
    """The byte that may open a quoted cell (or an escape), whose presence makes a row span lines."""
    return (dialect.quote_char or dialect.escape_char or "\x00").encode("utf-8")


class FallbackNeeded(Exception):
    """The batch reader met something only the general path reports exactly."""


def _same_line(row: int) -> int:
    return row


def parse_strings(source, names: list[str], handler, *, threads: bool, skip_header: bool, newlines_in_values: bool,
                  check_utf8: bool = True, block_size: int = 1 << 22, restart: Callable[[], Any] | None = None,
                  dialect: Dialect = DEFAULT):
    """Parse CSV with pyarrow keeping every cell as a string (empty, never null) and blank lines as rows;
    rows with the wrong number of cells go to `handler`. The one set of parser options every path uses.

    A cell larger than a block (pyarrow's "straddling object") is no reason to give up on the table: the
    parse is run again with one block as large as the source, after `restart()` (which forgets the rows
    `handler` was given)."""
    import os

    import pyarrow as pa
    import pyarrow.csv as pacsv

    def parse(size: int):
        return pacsv.read_csv(
            pa.BufferReader(source) if isinstance(source, pa.Buffer) else source,
            read_options=pacsv.ReadOptions(use_threads=threads, column_names=names, skip_rows=1 if skip_header else 0,
                                           block_size=size),
            parse_options=pacsv.ParseOptions(newlines_in_values=newlines_in_values, ignore_empty_lines=False,
                                             invalid_row_handler=handler, **dialect.arrow_parse()),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False, check_utf8=check_utf8),
        )

    try:
        return parse(block_size)
    except pa.ArrowInvalid as error:
        if "straddl" not in str(error):
            raise
    if isinstance(source, io.BytesIO):
        total = source.getbuffer().nbytes
        source.seek(0)
    elif isinstance(source, pa.Buffer):
        total = source.size
    else:
        total = os.path.getsize(source)
    if restart is not None:
        restart()
    return parse(min(max(total + 1, 2 * block_size), 2**31 - 1))


def _no_rows(resource: str, file: str, schema: dict[str, Any], header: list[str]) -> TableData:
    """A table with a header and no rows: nothing to check in it, but every reference into it fails."""
    import numpy as np
    import pyarrow as pa

    arrow = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "date": pa.date32()}  # as cells.py types them
    fields = [f for f in schema.get("fields", []) if isinstance(f, dict) and isinstance(f.get("name"), str)]
    typed = {f["name"]: pa.array([], arrow.get(f.get("type"), pa.string())) for f in fields}
    columns = {f["name"]: pa.array([], pa.string()) for f in fields}
    return TableData(resource, file, schema, header, columns, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool),
                     _same_line, typed)


@contextmanager
def _catch_unraisable():
    """Collect the exceptions Python would print as 'Exception ignored in ...' (with a traceback) meanwhile.

    pyarrow decodes a bad row's text before calling the invalid-row handler; when that text is not UTF-8 the
    error cannot reach the caller and Python prints it on stderr. The fast paths catch it here and fall back
    to the general path, which reads the bytes with replacement characters and reports each bad line.
    """
    caught: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = caught.append
    try:
        yield caught
    finally:
        sys.unraisablehook = previous


def _offset_after_lines(raw: bytes, lines: int) -> int:
    position = 0
    newline = _newline(raw)
    for _ in range(lines):
        position = raw.find(newline, position)
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


def _check_header(report: Report, resource: str, file: str, header: list[str], names: list[str],
                  case_sensitive: bool = True, row: int = 1, line: int = 1) -> None:
    def add(type_: str, note: str, field: str | None, cell: str | None = None) -> None:
        report.add(Problem(type_, note, resource=resource, file=file, row=row, line=line, field=field, cell=cell))

    from ..safety import clip

    seen: dict[str, int] = {}
    reordered = sorted(header) == sorted(names) and header != names
    for position, label in enumerate(header):
        expected = names[position] if position < len(names) else None
        if label.strip() == "" and expected is None:  # a column past the schema's fields (a trailing delimiter)
            add("extra-label", f"column {position + 1} has no name and is not in the schema, which has {len(names)} fields", None, clip(label))
        elif label.strip() == "":
            add("blank-label", f"column {position + 1} has no name (expected {clip(expected)!r})", expected, clip(label))
        elif label in seen:
            add("duplicate-label", f"column {position + 1} {clip(label)!r} repeats column {seen[label] + 1}", expected or label, clip(label))
        elif expected is None:
            add("extra-label", f"column {position + 1} {clip(label)!r} is not in the schema, which has {len(names)} fields", None, clip(label))
        elif label != expected and (case_sensitive or label.casefold() != expected.casefold()):
            how = "the header is reordered: " if reordered else ""
            add("incorrect-label", f"{how}column {position + 1} is {clip(label)!r} where the schema has {None if expected is None else clip(expected)!r}", expected, clip(label))
        seen.setdefault(label, position)
    for position in range(len(header), len(names)):
        add("missing-label", f"the header has no column {position + 1} ({clip(names[position])!r}) that the schema names", names[position])

"""A minimal CSV reader that knows where every cell's bytes are, and a writer that edits only those bytes.

`locate` and `add-source --replace` change offset cells and nothing else: every other byte of the file (its
quoting, line endings, column order, a missing final newline) stays as it was, so a diff shows only the
offsets. Python's csv module and pandas both re-serialize whole rows and would not keep those bytes, hence
this small reader of RFC 4180 files (quoted cells with doubled quotes, CRLF, LF or CR line endings, newlines
inside quoted cells) that yields each cell's byte range, and `rewrite`, which splices new cells into them.

A cell that starts with the quote character is quoted; its value is the text between the quotes with doubled
quotes undone, and a quoted cell must be followed by the delimiter, a line ending or the end of the file.
An unquoted cell runs to the next delimiter or line ending (a quote inside it is kept, as Python's csv does).
Blank lines are skipped, as pandas and frictionless skip them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

BOM = b"\xef\xbb\xbf"


class CsvError(ValueError):
    """The file is not CSV this reader can edit without changing other bytes."""


@dataclass(frozen=True)
class Dialect:
    delimiter: bytes = b","
    quote: bytes = b'"'

    @classmethod
    def of(cls, resource: dict[str, Any], file: str, package: Any = None) -> "Dialect":
        """The dialect a Data Package resource declares, read as validate reads it (validation.dialect: inline, or
        a file inside `package`); refuses what this reader cannot keep intact byte for byte."""
        from .validation.dialect import DEFAULT, DialectError, of_resource, parse

        declared = resource.get("dialect")
        if isinstance(declared, str) and package is None:
            raise CsvError(f"{file}: the resource's dialect is a reference, not read here (inline it)")
        try:
            dialect = of_resource(package, str(resource.get("name", file)), resource) if package is not None else parse(declared)
        except DialectError as error:
            raise CsvError(f"{file}: {error}") from None
        odd = [key for key, value, default in (
            ("header", dialect.header, DEFAULT.header), ("doubleQuote", dialect.double_quote, DEFAULT.double_quote),
            ("skipInitialSpace", dialect.skip_initial_space, DEFAULT.skip_initial_space),
            ("escapeChar", dialect.escape_char, None), ("commentChar", dialect.comment_char, None),
            ("commentRows", dialect.comment_rows, ()), ("headerRows", dialect.header_rows, DEFAULT.header_rows),
            ("headerJoin", dialect.header_join, DEFAULT.header_join)) if value != default]
        if dialect.quote_char is None:
            odd.append("quoteChar")
        if odd:
            raise CsvError(f"{file}: dialect option {', '.join(sorted(odd))} is not supported by this command")
        for key, value in (("delimiter", dialect.delimiter), ("quoteChar", dialect.quote_char)):
            if ord(value) > 127:
                raise CsvError(f"{file}: dialect {key} {value!r} must be one ASCII character")
        return cls(dialect.delimiter.encode("ascii"), dialect.quote_char.encode("ascii"))


@dataclass(frozen=True)
class Record:
    """One CSV record: where it starts (1-based physical line), each cell's byte range [start, end), and the
    byte after its line ending (the file's length for a last record without one)."""

    line: int
    cells: tuple[tuple[int, int], ...]
    end: int = -1


class CsvFile:
    """The bytes of one CSV file, its records and the byte range of every cell."""

    def __init__(self, raw: bytes, file: str, dialect: Dialect = Dialect()):
        self.raw = raw
        self.file = file
        self.dialect = dialect
        self.records = list(_records(raw, file, dialect))
        if not self.records:
            raise CsvError(f"{file}: the file has no header")
        self.header = [self.value(cell) for cell in self.records[0].cells]

    def value(self, cell: tuple[int, int]) -> str:
        start, end = cell
        piece = self.raw[start:end]
        quote = self.dialect.quote
        if piece[:1] == quote:
            piece = piece[1:-1].replace(quote + quote, quote)
        try:
            return piece.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CsvError(f"{self.file}: not UTF-8 at byte {start + error.start}") from None

    def values(self, record: Record) -> list[str]:
        return [self.value(cell) for cell in record.cells]

    def rows(self, columns: list[str] | None = None) -> Iterator[tuple[int, Record, dict[str, str]]]:
        """(row number as validate counts it: the header is row 1, record, {column: value}) for each data row;
        with `columns`, only those columns' values are read."""
        wanted = [(name, i) for i, name in enumerate(self.header) if columns is None or name in columns]
        for number, record in enumerate(self.records[1:], start=2):
            if len(record.cells) != len(self.header):
                raise CsvError(f"{self.file} row {number} (line {record.line}): {len(record.cells)} cells, "
                               f"the header has {len(self.header)}")
            yield number, record, {name: self.value(record.cells[i]) for name, i in wanted}

    def encode(self, value: str, quoted: bool = False) -> bytes:
        """A cell holding `value`; quoted when it must be, or when `quoted` (to keep the old cell's style)."""
        data = value.encode("utf-8")
        quote, delimiter = self.dialect.quote, self.dialect.delimiter
        if quoted or any(c in data for c in (quote, delimiter, b"\r", b"\n")):
            return quote + data.replace(quote, quote + quote) + quote
        return data

    def rewrite(self, edits: dict[tuple[int, int], str]) -> bytes:
        """The file's bytes with the cells at the given byte ranges replaced by new values, nothing else changed.

        A cell that was quoted stays quoted; an empty or unquoted one is quoted only if its new value needs it."""
        out, position = [], 0
        for (start, end), value in sorted(edits.items()):
            if start < position:
                raise ValueError(f"{self.file}: overlapping edits at byte {start}")
            out.append(self.raw[position:start])
            out.append(self.encode(value, quoted=self.raw[start:start + 1] == self.dialect.quote and end > start))
            position = end
        out.append(self.raw[position:])
        return b"".join(out)

    def line_ending(self) -> bytes:
        """The line ending the file uses after its header (LF when it has none)."""
        end = self.records[0].cells[-1][1]
        for ending in (b"\r\n", b"\n", b"\r"):
            if self.raw.startswith(ending, end):
                return ending
        return b"\n"

    def append(self, values: list[str]) -> bytes:
        """The file's bytes with one record added at the end, in the file's own line endings."""
        ending = self.line_ending()
        raw = self.raw
        if raw and not raw.endswith((b"\n", b"\r")):
            raw += ending
        return raw + self.dialect.delimiter.join(self.encode(v) for v in values) + ending


    def render(self, rows: list[tuple[Record | None, list[str] | None]]) -> bytes:
        """The file rebuilt from its rows, header first, BOM kept: `(record, None)` is a stored record, kept byte
        for byte; `(record, values)` a stored record with new values, keeping the bytes of every cell whose value
        is unchanged; `(None, values)` a new record, quoted only where it must be. Rows left out are removed.
        A record that had no line ending (the old last one) gets the file's own when it is no longer last."""
        out = [BOM] if self.raw.startswith(BOM) else []
        ending = self.line_ending()
        for i, (record, values) in enumerate(rows):
            if record is None:
                out.append(self.dialect.delimiter.join(self.encode(v) for v in values or []) + ending)
                continue
            own = self.raw[record.cells[-1][1]:record.end]
            if values is None:
                out.append(self.raw[record.cells[0][0]:record.end])
                if not own and i + 1 < len(rows):
                    out.append(ending)
                continue
            cells = [self.raw[start:end] if new == self.value((start, end)) else self.encode(new)
                     for (start, end), new in zip(record.cells, values)]
            out.append(self.dialect.delimiter.join(cells) + (own or ending))
        return b"".join(out)

    def contiguous(self) -> bool:
        """True when the records fill the file: no blank line before, between or after them."""
        start = len(BOM) if self.raw.startswith(BOM) else 0
        for record in self.records:
            if record.cells[0][0] != start:
                return False
            start = record.end
        return start == len(self.raw)


def _records(raw: bytes, file: str, dialect: Dialect) -> Iterator[Record]:
    q, d = re.escape(dialect.quote), re.escape(dialect.delimiter)
    # one cell and what ends it: the delimiter, a line ending or the end of the file
    token = re.compile(rb"(%s(?:[^%s]|%s%s)*%s|(?!%s)[^%s\r\n]*)(%s|\r\n|\n|\r|\Z)" % (q, q, q, q, q, q, d, d))
    n, quote = len(raw), dialect.quote[0]
    position = len(BOM) if raw.startswith(BOM) else 0
    line = start_line = 1
    cells: list[tuple[int, int]] = []
    for match in token.finditer(raw, position):
        if match.start() != position:
            break
        if position == n and not cells:
            return
        start, end = match.span(1)
        cells.append((start, end))
        if end > start and raw[start] == quote:
            line += raw.count(b"\n", start, end) + _lone_crs(raw, start, end)
        position = match.end()
        ending = match.group(2)
        if ending == dialect.delimiter:
            continue
        if len(cells) > 1 or cells[0][0] != cells[0][1]:  # a blank line is no record
            yield Record(start_line, tuple(cells), position)
        cells = []
        line += 1
        start_line = line
        if not ending:
            return
    if position < n:
        if raw.startswith(dialect.quote, position) and (position == 0 or raw[position - 1:position] in (dialect.delimiter, b"\r", b"\n")) \
                and re.match(rb"%s(?:[^%s]|%s%s)*%s" % (q, q, q, q, q), raw[position:]) is None:
            raise CsvError(f"{file} line {line}: a quoted cell is never closed")
        raise CsvError(f"{file} line {line}: text after the closing quote of a cell")


def _lone_crs(raw: bytes, start: int, end: int) -> int:
    """Line breaks inside a quoted cell written as a CR alone (not followed by LF)."""
    count = raw.count(b"\r", start, end)
    return count - raw.count(b"\r\n", start, end) if count else 0

"""A resource's Table Dialect (Data Package v2) or CSV Dialect (v1), parsed once and checked before any row is read.

Every CSV property of the v2 Table Dialect is honoured: `delimiter`, `lineTerminator`, `quoteChar`,
`doubleQuote`, `escapeChar`, `nullSequence`, `skipInitialSpace`, `header`, `headerRows`, `headerJoin`,
`commentChar`, `commentRows`; and the v1 CSV Dialect's `csvddfVersion` and `caseSensitiveHeader`. The dialect
may be inline or a path inside the package (read through the safety gate). A property this reader does not
know, or a value it cannot honour, raises `DialectError`: validate exits 2 naming it, and never reports
findings that come from reading the file the wrong way. `docs/validation.md` says how each is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# properties of the v2 Table Dialect that describe JSON or spreadsheet sources: meaningless for a CSV file
NOT_FOR_CSV = {"property", "itemType", "itemKeys", "sheetNumber", "sheetName", "table"}
DESCRIPTIVE = {"$schema", "name", "title", "description", "profile"}


class DialectError(Exception):
    """The resource's dialect cannot be honoured (an unknown property, a value out of range, an unreadable file)."""


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    line_terminator: str | None = None  # "\n", "\r\n" or "\r"; the readers accept all three whatever it says
    quote_char: str | None = '"'  # None: no quoting (v1 quoteChar "" or v2 quoteChar absent where escapes only)
    double_quote: bool = True
    escape_char: str | None = None
    null_sequence: str | None = None
    skip_initial_space: bool = False
    header: bool = True
    header_rows: tuple[int, ...] = (1,)
    header_join: str = " "
    comment_char: str | None = None
    comment_rows: tuple[int, ...] = ()
    case_sensitive_header: bool = True

    @property
    def fast(self) -> bool:
        """True when pyarrow's CSV reader can read the file as this dialect says, row for row."""
        return (self.header and self.header_rows == (1,) and not self.comment_char and not self.comment_rows
                and not self.skip_initial_space and self.quote_char is not None)

    @property
    def data_start(self) -> int:
        """The row number of the first row after the header rows (rows are counted from 1, physically)."""
        return max(self.header_rows) + 1 if self.header else 1

    def csv_kwargs(self) -> dict[str, Any]:
        """The same dialect for Python's csv module."""
        import csv

        kwargs: dict[str, Any] = {"delimiter": self.delimiter, "doublequote": self.double_quote,
                                  "skipinitialspace": self.skip_initial_space, "strict": False}
        if self.quote_char is None:
            kwargs["quoting"] = csv.QUOTE_NONE
        else:
            kwargs["quotechar"] = self.quote_char
        if self.escape_char is not None:
            kwargs["escapechar"] = self.escape_char
        return kwargs

    def arrow_parse(self) -> dict[str, Any]:
        """The same dialect as pyarrow.csv.ParseOptions keywords (only meaningful when `fast`)."""
        return {"delimiter": self.delimiter, "quote_char": self.quote_char if self.quote_char is not None else False,
                "double_quote": self.double_quote, "escape_char": self.escape_char if self.escape_char is not None else False}

    def missing_values(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema the cells are checked against: `nullSequence` is one more missing value."""
        if self.null_sequence is None:
            return schema
        missing = list(schema.get("missingValues", [""]))
        if self.null_sequence not in missing:
            missing.append(self.null_sequence)
        return {**schema, "missingValues": missing}


DEFAULT = Dialect()


def _char(name: str, value: Any, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) != 1 or value in "\r\n":
        if allow_empty and value == "":
            return value
        raise DialectError(f"dialect property {name!r} must be one character (not a line break), not {value!r}")
    return value


def _rows(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value):
        raise DialectError(f"dialect property {name!r} must be a list of row numbers (1 or more), not {value!r}")
    return tuple(sorted(set(value)))


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise DialectError(f"dialect property {name!r} must be a string, not {value!r}")
    return value


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise DialectError(f"dialect property {name!r} must be true or false, not {value!r}")
    return value


def parse(descriptor: Any) -> Dialect:
    """A Dialect from its descriptor (a JSON object); DialectError naming the first property it cannot honour."""
    if descriptor is None:
        return DEFAULT
    if not isinstance(descriptor, dict):
        raise DialectError(f"the dialect must be a JSON object or a path, not {type(descriptor).__name__}")
    values: dict[str, Any] = {}
    for key, value in descriptor.items():
        if key in DESCRIPTIVE or key in NOT_FOR_CSV or key == "csvddfVersion":
            continue
        if key == "delimiter":
            if not isinstance(value, str) or len(value) != 1 or value in '\r\n"':
                raise DialectError(f"dialect property 'delimiter' {value!r} is not one character; validate reads "
                                   "one-character delimiters only (use `frictionless validate` for others)")
            values["delimiter"] = value
        elif key == "lineTerminator":
            if value not in ("\n", "\r\n", "\r"):
                raise DialectError(f"dialect property 'lineTerminator' {value!r} is not supported: validate reads "
                                   "lines ending in LF, CRLF or CR")
            values["line_terminator"] = value
        elif key == "quoteChar":
            values["quote_char"] = _char(key, value, allow_empty=True) or None
        elif key == "doubleQuote":
            values["double_quote"] = _bool(key, value)
        elif key == "escapeChar":
            values["escape_char"] = _char(key, value)
        elif key == "nullSequence":
            values["null_sequence"] = _text(key, value)
        elif key == "skipInitialSpace":
            values["skip_initial_space"] = _bool(key, value)
        elif key == "header":
            values["header"] = _bool(key, value)
        elif key == "headerRows":
            rows = _rows(key, value)
            if not rows:
                raise DialectError("dialect property 'headerRows' is empty; say \"header\": false for a file without one")
            values["header_rows"] = rows
        elif key == "headerJoin":
            values["header_join"] = _text(key, value)
        elif key == "commentChar":
            if not isinstance(value, str) or not value or "\n" in value or "\r" in value:
                raise DialectError(f"dialect property 'commentChar' must be a non-empty string on one line, not {value!r}")
            values["comment_char"] = value
        elif key == "commentRows":
            values["comment_rows"] = _rows(key, value)
        elif key == "caseSensitiveHeader":
            values["case_sensitive_header"] = _bool(key, value)
        elif key == "csv" and isinstance(value, dict):
            raise DialectError("dialect property 'csv' is frictionless-py's nested dialect form, not a Data Package v2 "
                               "Table Dialect; write its properties at the dialect's top level (e.g. \"delimiter\": \";\")")
        else:
            raise DialectError(f"dialect property {key!r} is not a Table Dialect property validate knows; it is not "
                               "guessed at (use `frictionless validate` if another tool defines it)")
    dialect = Dialect(**values)
    if dialect.quote_char is not None and dialect.quote_char in (dialect.delimiter, dialect.escape_char):
        raise DialectError(f"dialect: quoteChar {dialect.quote_char!r} is also the delimiter or the escape character")
    if dialect.escape_char is not None and dialect.escape_char == dialect.delimiter:
        raise DialectError(f"dialect: escapeChar {dialect.escape_char!r} is also the delimiter")
    return dialect


def of_resource(package, name: str, resource: dict[str, Any]) -> Dialect:
    """The resource's dialect: inline, or read from its path inside the package (through the gate)."""
    try:
        return parse(_descriptor(package, resource.get("dialect")))
    except DialectError as error:
        raise DialectError(f"resource {name!r}: {error}") from None


def _descriptor(package, value: Any) -> Any:
    from ..safety import load_json, unsafe_path_reason

    if not isinstance(value, str):
        return value
    reason = unsafe_path_reason(value)
    if reason:
        raise DialectError(f"dialect path {value!r} {reason}; validate reads only a dialect file inside the package")
    try:
        return load_json(package.read_bytes(value), value)
    except FileNotFoundError:
        raise DialectError(f"dialect file {value!r} does not exist") from None
    except (OSError, ValueError) as error:  # refused by the gate, not JSON, over the budget
        raise DialectError(f"dialect file {value!r} cannot be read ({error})") from None

"""Find every span's words in its source text and fill in, or check, its offsets.

A span is a text column `X` with integer columns `X_start` and `X_end` beside it in the table's schema (the
`evidence` quadruple is one); the spans are read from the schemas (`coverage.span_fields`), never listed here.
Each span's row names its source in `source_id`. For each span:

- offsets that already point at the words are kept, whatever else the text holds;
- a start (or end) typed alone that points at the words is completed: this is how a coder chooses one of
  several occurrences;
- otherwise the words are looked up: found once, the offsets are written (filled when empty, corrected when
  they pointed elsewhere); found more than once, nothing is guessed: every occurrence is listed with its
  line, column and context; not found, the closest passage is shown with what differs (curly quotes typed
  straight, a changed space).

Only offset cells are rewritten (`csvcells`), so every other byte of each CSV stays as it was.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .coverage import span_fields
from .csvcells import CsvError, CsvFile, Dialect
from .package import Package, PackageError
from .report import Problem
from .safety import clean

SOURCES = "sources"
SOURCE_ID = "source_id"
CONTEXT = 30


class CannotLocate(PackageError):
    """The package cannot be read for locating (the command exits 2)."""


# -- reading ----------------------------------------------------------------------------------------------
@dataclass
class SpanCell:
    """One span of one row, as typed in the CSV."""

    table: str
    file: str
    row: int
    line: int
    field: str
    start_field: str
    end_field: str
    source_id: str
    words: str
    start: str
    end: str
    start_cell: tuple[int, int]
    end_cell: tuple[int, int]

    def problem(self, type_: str, note: str, field: str | None = None, cell: str | None = None) -> Problem:
        return Problem(type_, note, resource=self.table, file=self.file, row=self.row, line=self.line,
                       field=field or self.field, cell=cell if cell is not None else self.words)

    @property
    def where(self) -> str:
        return self.problem("", "").where


@dataclass
class TableFile:
    name: str
    file: str
    csv: CsvFile
    spans: list[SpanCell]


def read_csv(package: Package, name: str) -> CsvFile:
    """A resource's CSV as `csvcells` reads it, refusing what it could not edit byte for byte."""
    try:
        path = package.resource_path(name)
        return CsvFile(package.read_bytes(path), path, Dialect.of(package.resource(name), path, package))
    except FileNotFoundError as error:
        raise CannotLocate(f"{error.args[0]}: the data file of resource {name!r} is missing") from None
    except (CsvError, PackageError) as error:
        raise CannotLocate(str(error)) from None


def read_spans(package: Package, source: str | None = None) -> list[TableFile]:
    """Every table whose schema has spans and a source_id column, with every non-blank span cell."""
    tables = []
    for name in package.resource_names:
        try:
            schema = package.schema(name)
        except PackageError as error:
            raise CannotLocate(str(error)) from None
        fields = span_fields(schema)
        names = {f.get("name") for f in schema.get("fields", []) if isinstance(f, dict)}
        if not fields or SOURCE_ID not in names:
            continue
        table = read_csv(package, name)
        missing = [n for f in fields for n in (f.text, f.start, f.end) if n not in table.header]
        missing += [SOURCE_ID] if SOURCE_ID not in table.header else []
        if missing:
            raise CannotLocate(f"{table.file}: the header lacks column {', '.join(missing)} that the schema declares")
        index = {n: i for i, n in enumerate(table.header)}
        spans = []
        try:
            for number, record, row in table.rows([SOURCE_ID, *(n for f in fields for n in (f.text, f.start, f.end))]):
                if source is not None and row[SOURCE_ID] != source:
                    continue
                for f in fields:
                    if not (row[f.text] or row[f.start] or row[f.end]):
                        continue
                    spans.append(SpanCell(name, table.file, number, record.line, f.text, f.start, f.end,
                                          row[SOURCE_ID], row[f.text], row[f.start].strip(), row[f.end].strip(),
                                          record.cells[index[f.start]], record.cells[index[f.end]]))
        except CsvError as error:
            raise CannotLocate(str(error)) from None
        tables.append(TableFile(name, table.file, table, spans))
    return tables


@dataclass
class Sources:
    """The stored texts by source_id (None where a text cannot be used), and what was wrong with them."""

    texts: dict[str, str | None] = field(default_factory=dict)
    problems: list[tuple[str, Problem]] = field(default_factory=list)  # (source_id, problem)
    rows: dict[str, dict[str, str]] = field(default_factory=dict)


def read_sources(package: Package) -> Sources:
    """Every source's stored text, checked against its row: UTF-8, NFC, the recorded sha256."""
    found = Sources()
    if SOURCES not in package.resource_names:
        return found
    table = read_csv(package, SOURCES)
    try:
        rows = list(table.rows())
    except CsvError as error:
        raise CannotLocate(str(error)) from None
    for number, record, row in rows:
        source_id = row.get(SOURCE_ID, "")
        found.rows[source_id] = row

        def problem(type_: str, note: str, field: str = "text_path") -> None:
            found.problems.append((source_id, Problem(type_, note, resource=SOURCES, file=table.file, row=number,
                                                      line=record.line, field=field, cell=row.get(field))))

        path = row.get("text_path", "")
        found.texts[source_id] = None
        try:
            raw = package.read_bytes(path)
        except PackageError as error:
            problem("unsafe-path", str(error))
            continue
        except (FileNotFoundError, IsADirectoryError, OSError):
            problem("source-missing", f"the stored text {path!r} of {source_id} does not exist")
            continue
        digest = hashlib.sha256(raw).hexdigest()
        if row.get("text_sha256") and digest != row["text_sha256"]:
            problem("source-hash-mismatch", f"{path} has sha256 {digest}, not the recorded {row['text_sha256']}; "
                    "its spans are not located (use add-source --replace to change a stored text)", "text_sha256")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            problem("encoding-error", f"{path} is not UTF-8 ({error.reason} at byte {error.start})")
            continue
        if not unicodedata.is_normalized("NFC", text):
            problem("not-nfc", f"{path} is not in Unicode NFC, so offsets would depend on the normalization")
            continue
        found.texts[source_id] = text
    return found


# -- looking words up -------------------------------------------------------------------------------------
def occurrences(text: str, words: str) -> list[int]:
    """Start of every occurrence of `words` in `text`, overlapping ones included."""
    found, start = [], text.find(words)
    while start >= 0:
        found.append(start)
        start = text.find(words, start + 1)
    return found


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in code points) of an offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def shown(text: str) -> str:
    """Text safe to print on a terminal (`safety.clean`), with each newline shown as ⏎ so a context stays one line."""
    return clean(text.replace("\n", "⏎"))


def context(text: str, start: int, end: int, size: int = CONTEXT) -> str:
    """The words between ⟦ ⟧ with some text either side, printable."""
    before, after = text[max(0, start - size):start], text[end:end + size]
    return ("…" if start > size else "") + shown(before) + "⟦" + shown(text[start:end]) + "⟧" + shown(after) + (
        "…" if end + size < len(text) else "")


def describe(text: str, start: int, end: int) -> dict[str, Any]:
    line, column = line_column(text, start)
    return {"start": start, "end": end, "line": line, "column": column, "context": context(text, start, end)}


_FOLD = {"‘": "'", "’": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"', "«": '"', "»": '"',
         "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"}


def _folded(text: str) -> tuple[str, list[int]]:
    """Quotes and dashes made plain, every run of white space one space; with each folded char's offset."""
    out, where = [], []
    for i, char in enumerate(text):
        if char.isspace():
            if out and out[-1] == " ":
                continue
            char = " "
        out.append(_FOLD.get(char, char))
        where.append(i)
    return "".join(out), where


def closest(text: str, words: str) -> dict[str, Any] | None:
    """The passage of `text` closest to `words`, and what differs between them."""
    folded_text, where = _folded(text)
    folded_words, _ = _folded(words)
    for fold in (str, str.casefold):
        hit = fold(folded_text).find(fold(folded_words).strip())
        if hit >= 0 and folded_words.strip():
            start = where[hit]
            end = where[hit + len(folded_words.strip()) - 1] + 1
            return {**describe(text, start, end), "differences": differences(words.strip(), text[start:end])}
    matcher = difflib.SequenceMatcher(None, text, words, autojunk=False)
    a, b, size = matcher.find_longest_match(0, len(text), 0, len(words))
    if size == 0:
        return None
    start = max(0, a - b)
    end = min(len(text), start + len(words))
    return {**describe(text, start, end), "differences": []}


def differences(words: str, passage: str) -> list[str]:
    """What the words have where the passage has something else, as a coder would fix it."""
    found: list[str] = []
    matcher = difflib.SequenceMatcher(None, words, passage, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        typed, stored = words[a1:a2], passage[b1:b2]
        note = f"the words have {_name(typed)} where the text has {_name(stored)}"
        if note not in found:
            found.append(note)
    return found


def _name(piece: str) -> str:
    if not piece:
        return "nothing"
    return " ".join(f"{shown(c)!r} (U+{ord(c):04X})" if not c.isalnum() else repr(c) for c in piece[:6]) + (
        " …" if len(piece) > 6 else "")


# -- deciding ---------------------------------------------------------------------------------------------
@dataclass
class Change:
    span: SpanCell
    kind: str  # filled, completed, corrected
    start: int
    end: int

    @property
    def message(self) -> str:
        old = f" (was [{self.span.start}:{self.span.end}])" if self.kind == "corrected" else ""
        return f"{self.span.where}: {self.kind} [{self.start}:{self.end}]{old}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.span.file, "row": self.span.row, "line": self.span.line, "field": self.span.field,
                "kind": self.kind, "old": [self.span.start, self.span.end], "new": [self.start, self.end],
                "message": self.message}


@dataclass
class Finding:
    """A span locate cannot settle, in validate's error shape, with the occurrences or closest passage."""

    problem: Problem
    occurrences: list[dict[str, Any]] = field(default_factory=list)
    closest: dict[str, Any] | None = None

    def lines(self) -> list[str]:
        out = [self.problem.message]
        for o in self.occurrences:
            hint = "".join(f"  ({label})" for key, label in (("in_evidence", "inside this row's evidence"),
                                                               ("inside_word", "inside a word")) if o.get(key))
            out.append(f"    [{o['start']}:{o['end']}] line {o['line']}, column {o['column']}: {o['context']}{hint}")
        if self.closest:
            c = self.closest
            out.append(f"    closest passage [{c['start']}:{c['end']}] line {c['line']}, column {c['column']}: {c['context']}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**self.problem.to_dict(), "occurrences": self.occurrences, "closest": self.closest}


def _offset(value: str) -> int | None | str:
    if value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return "bad"


def decide(span: SpanCell, text: str, evidence: tuple[int, int] | None = None) -> Change | Finding | None:
    """What to do with one span: nothing (None), a change of its offsets, or a finding for the coder."""
    words = span.words
    start, end = _offset(span.start), _offset(span.end)
    for value, typed, name in ((start, span.start, span.start_field), (end, span.end, span.end_field)):
        if value == "bad":
            return Finding(span.problem("type-error", f"{typed!r} is not an integer offset", name, typed))
    if not words:
        return Finding(span.problem("missing-cell", f"{span.start_field}/{span.end_field} are set but "
                                    f"{span.field} is empty: type the words, or clear the offsets", span.field, ""))
    n = len(words)
    if start is not None and end is not None and text[start:end] == words and start >= 0:
        return None
    if start is not None and 0 <= start and text[start:start + n] == words:
        return Change(span, "completed" if end is None else "corrected", start, start + n)
    if end is not None and end - n >= 0 and text[end - n:end] == words:
        return Change(span, "completed" if start is None else "corrected", end - n, end)
    found = occurrences(text, words)
    if len(found) == 1:
        kind = "filled" if start is None and end is None else "corrected"
        return Change(span, kind, found[0], found[0] + n)
    if not found:
        near = closest(text, words)
        note = f"{_clip(words)!r} does not occur in the text of {span.source_id}"
        if near:
            note += f"; the closest passage is [{near['start']}:{near['end']}]"
            if near["differences"]:
                note += f" ({'; '.join(near['differences'])})"
        return Finding(span.problem("span-not-found", note), closest=near)
    listed = []
    for o in found:
        item = describe(text, o, o + n)
        if evidence and span.field != "evidence" and evidence[0] <= o and o + n <= evidence[1]:
            item["in_evidence"] = True
        if _splits_word(text, o, o + n):
            item["inside_word"] = True
        listed.append(item)
    typed = "" if start is None and end is None else f" and [{span.start}:{span.end}] points at none of them"
    note = (f"{_clip(words)!r} occurs {len(found)} times in the text of {span.source_id}{typed}; not guessed: "
            f"to choose one, type its start in {span.start_field} and run locate again (or widen the words so "
            f"that they occur once)")
    return Finding(span.problem("span-ambiguous", note), occurrences=listed)


def _splits_word(text: str, start: int, end: int) -> bool:
    """Whether the span begins or ends in the middle of a word ("UN" in "MUNISMA")."""
    return (start > 0 and text[start - 1].isalnum() and text[start].isalnum()) or (
        end < len(text) and text[end].isalnum() and text[end - 1].isalnum())


def _clip(text: str, size: int = 60) -> str:
    text = shown(text)
    return text if len(text) <= size else text[: size - 1] + "…"


# -- one run ----------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """What locate found: changes to write, findings for the coder, and the new bytes of each changed file."""

    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    kept: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    tables: int = 0

    @property
    def spans(self) -> int:
        return self.kept + len(self.changes) + len(self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"spans": self.spans, "kept": self.kept, "changes": [c.to_dict() for c in self.changes],
                "problems": [f.to_dict() for f in self.findings], "files": sorted(self.files)}


def plan(package: Package, source: str | None = None, texts: dict[str, str | None] | None = None,
         sources: Sources | None = None) -> Plan:
    """Decide every span of the package (of one source with `source`); nothing is written here.

    `texts` overrides the stored texts (add-source --replace locates against a text not stored yet)."""
    sources = sources or read_sources(package)
    if source is not None and source not in sources.rows:
        raise CannotLocate(f"no source {source!r} in the sources table")
    result = Plan(findings=[Finding(p) for of, p in sources.problems if source in (None, of)])
    texts = {**sources.texts, **(texts or {})}
    for table in read_spans(package, source):
        result.tables += 1
        edits: dict[tuple[int, int], str] = {}
        evidence_at: dict[int, tuple[int, int]] = {}
        # evidence first, so a shorter span's listed occurrences can say which lie inside the row's evidence
        for span in sorted(table.spans, key=lambda s: (s.row, s.field != "evidence")):
            if span.source_id not in texts:
                result.findings.append(Finding(span.problem(
                    "foreign-key", f"source_id {span.source_id!r} is not in the sources table", SOURCE_ID, span.source_id)))
                continue
            text = texts[span.source_id]
            if text is None:
                result.findings.append(Finding(span.problem(
                    "source-missing", f"the text of {span.source_id} cannot be used (see the sources table), so "
                    "this span is not located")))
                continue
            outcome = decide(span, text, evidence_at.get(span.row))
            if outcome is None:
                result.kept += 1
                if span.field == "evidence":
                    evidence_at[span.row] = (int(span.start), int(span.end))
            elif isinstance(outcome, Change):
                result.changes.append(outcome)
                edits[span.start_cell] = str(outcome.start)
                edits[span.end_cell] = str(outcome.end)
                if span.field == "evidence":
                    evidence_at[span.row] = (outcome.start, outcome.end)
            else:
                result.findings.append(outcome)
        if edits:
            result.files[table.file] = table.csv.rewrite(edits)
    return result


def write(package: Package, files: dict[str, bytes]) -> None:
    """Write the changed CSVs into the package folder, all or none."""
    from .safety import output_path
    from .writes import write_all

    if package.is_archive:
        raise CannotLocate(f"{package.location}: a release archive cannot be changed; locate works on a package folder")
    root = Path(package.location)
    write_all({output_path(root, relpath): data for relpath, data in files.items()})

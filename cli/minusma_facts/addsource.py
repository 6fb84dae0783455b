"""Store a source text and its `sources` row; replace a stored text and re-anchor every span of it.

`add` stores the text under `sources/<id>.txt` byte for byte and appends its row (sha256, length in code points
and in bytes, path) to the sources table. The row's cells are checked by `validate`'s own cell checks against
the sources schema before anything is written; the text file and the row are written together or not at all.

`replace` swaps a stored text for a corrected copy. Every span of that source is re-anchored by its words, as
the W3C Web Annotation model pairs a TextQuoteSelector (the words, with the text before and after them) with a
TextPositionSelector (the offsets): a span is *unchanged* when its words are still at its offsets and the
old text around them agrees best there; *moved* when its words are found elsewhere (the occurrence whose
surrounding text agrees best with the old text's); *orphaned* when its words are gone, or *ambiguous* when two
occurrences agree equally well. Nothing is written while there are orphaned or ambiguous spans, unless the
coder says so (`allow_orphans`), in which case their offsets are cleared for `locate` to report.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .locate import (SOURCE_ID, SOURCES, CannotLocate, SpanCell, closest, context, line_column, occurrences,
                     read_csv, read_spans, shown)
from .package import Package
from .report import Problem

TEXT_FOLDER = "sources"
ANCHOR_CONTEXT = 32
DEFAULT_RIGHTS = ("Rights not recorded by the coder; the text is treated as not redistributable: kept in the "
                  "repository only to verify evidence spans and left out of release archives.")


class Refused(Exception):
    """The request is refused (the command exits 1); the message names file, row and field."""


# -- the text ---------------------------------------------------------------------------------------------
NORMALIZE_HINT = ("normalize it yourself and check the result before adding it, for example: "
                  "python3 -c \"import sys, unicodedata; sys.stdout.write(unicodedata.normalize('NFC', "
                  "open(sys.argv[1], encoding='utf-8').read()))\" FILE > FILE.nfc  (or: uconv -x any-nfc)")


def read_text(file: Path) -> tuple[bytes, str]:
    """The file's bytes and text, refused unless it is UTF-8, NFC, LF line endings, no byte-order mark."""
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise CannotLocate(f"{file}: cannot be read ({error.strerror})") from None
    if not raw:
        raise Refused(f"{file}: the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise Refused(f"{file} line {line}, byte {error.start}: not UTF-8 ({error.reason}); convert it to UTF-8 "
                      "first, e.g. iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8, and check the result") from None
    if text.startswith("\ufeff"):
        raise Refused(f"{file}: starts with a byte-order mark (U+FEFF), which would count as a character in every "
                      "offset; remove it (sed -i '1s/^\\xEF\\xBB\\xBF//' FILE) and add the file again")
    if "\r" in text:
        line, column = line_column(text, text.index("\r"))
        raise Refused(f"{file} line {line}, column {column}: has CR line endings; stored texts use LF only "
                      "(convert with dos2unix FILE, then add it again)")
    if not unicodedata.is_normalized("NFC", text):
        where = len(os.path.commonprefix([text, unicodedata.normalize("NFC", text)]))
        line, column = line_column(text, where)
        end = where + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        raise Refused(f"{file} line {line}, column {column}: not in Unicode NFC ({context(text, where, end, 15)}), "
                      f"so code-point offsets would depend on how it is normalized; the text is never changed "
                      f"silently: {NORMALIZE_HINT}")
    return raw, text


# -- adding -----------------------------------------------------------------------------------------------
@dataclass
class Added:
    source_id: str
    text_path: str
    sha256: str
    chars: int
    size: int
    row: int


def add(package: Package, file: Path, values: dict[str, str]) -> Added:
    """Store `file` as source `values['source_id']` with its sources row; all or nothing."""
    from .safety import output_path
    from .writes import write_all

    _folder_only(package)
    source_id = values[SOURCE_ID]
    raw, text = read_text(file)
    table = read_csv(package, SOURCES)
    digest = hashlib.sha256(raw).hexdigest()
    rows = list(table.rows())
    for number, record, row in rows:
        if row.get(SOURCE_ID) == source_id:
            raise Refused(f"{table.file} row {number} (line {record.line}), field {SOURCE_ID}: the id {source_id!r} is already taken")
        if row.get("text_sha256") == digest:
            raise Refused(f"{table.file} row {number} (line {record.line}), field text_sha256: the same text is already stored "
                          f"as source {row.get(SOURCE_ID)!r} ({row.get('text_path')})")
    text_path = f"{TEXT_FOLDER}/{source_id}.txt"
    row = {**values, "text_path": text_path, "text_sha256": digest, "text_length_chars": str(len(text)),
           "text_length_bytes": str(len(raw))}
    unknown = sorted(set(row) - set(table.header))
    if unknown:
        raise Refused(f"{table.file}: no column {', '.join(unknown)} (the columns are: {', '.join(table.header)})")
    new_csv = table.append([row.get(name, "") for name in table.header])
    _check_sources_row(package, table.file, new_csv, len(rows) + 2)
    target = output_path(Path(package.location), text_path)
    if target.exists():
        raise Refused(f"{text_path}: a file of that name is already stored; choose another id")
    write_all({target: raw, output_path(Path(package.location), table.file): new_csv})
    return Added(source_id, text_path, digest, len(text), len(raw), len(rows) + 2)


def _check_sources_row(package: Package, file: str, raw: bytes, row: int) -> None:
    """validate's cell checks on the new sources table; refuse with every problem of the new row."""
    from .report import Report
    from .validation import screens
    from .validation.cells import check_fields
    from .validation.table import read_table

    report = Report(file)
    table = read_table(report, SOURCES, file, raw, package.schema(SOURCES))
    if table is not None:
        try:
            check_fields(report, table)
        finally:
            screens.close()  # the DuckDB database of its key screens (from SCREEN_ROWS rows), not kept to the process's end
    report.sort()
    mine = [p for p in report.errors if p.row == row or p.row is None]
    if mine:
        raise Refused("\n".join(p.message for p in mine))


def _folder_only(package: Package) -> None:
    if package.is_archive:
        raise CannotLocate(f"{package.location}: a release archive cannot be changed; use the package folder")


# -- replacing --------------------------------------------------------------------------------------------
@dataclass
class Anchored:
    span: SpanCell
    status: str  # unchanged, moved, orphaned, ambiguous, unlocated
    start: int | None = None
    end: int | None = None
    candidates: list[int] = field(default_factory=list)
    near: dict[str, Any] | None = None

    @property
    def message(self) -> str:
        where, words = self.span.where, shown(self.span.words)
        words = words if len(words) <= 60 else words[:59] + "…"
        if self.status == "moved":
            return f"{where}: moved [{self.span.start}:{self.span.end}] -> [{self.start}:{self.end}]"
        if self.status == "orphaned":
            near = f"; closest passage [{self.near['start']}:{self.near['end']}]: {self.near['context']}" if self.near else ""
            return f"{where}: orphaned, {words!r} is not in the new text{near}"
        if self.status == "ambiguous":
            at = ", ".join(f"[{c}:{c + len(self.span.words)}]" for c in self.candidates)
            return f"{where}: ambiguous, {words!r} occurs at {at} and the text around them does not decide"
        if self.status == "unlocated":
            return f"{where}: no offsets yet; run locate"
        return f"{where}: unchanged [{self.start}:{self.end}]"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.span.file, "row": self.span.row, "line": self.span.line, "field": self.span.field,
                "status": self.status, "old": [self.span.start, self.span.end],
                "new": None if self.start is None else [self.start, self.end], "message": self.message}


@dataclass
class Replaced:
    source_id: str
    text_path: str
    sha256: str
    spans: list[Anchored]
    written: bool
    identical: bool = False

    def count(self, status: str) -> int:
        return sum(a.status == status for a in self.spans)

    @property
    def blocking(self) -> list[Anchored]:
        return [a for a in self.spans if a.status in ("orphaned", "ambiguous")]


def _around(text: str, start: int, end: int) -> tuple[str, str]:
    return text[max(0, start - ANCHOR_CONTEXT):start], text[end:end + ANCHOR_CONTEXT]


def _agreement(old: tuple[str, str], new: tuple[str, str]) -> int:
    """How many characters of the old text's surroundings the new surroundings keep (before, after)."""
    before = 0
    while before < min(len(old[0]), len(new[0])) and old[0][-1 - before] == new[0][-1 - before]:
        before += 1
    after = 0
    while after < min(len(old[1]), len(new[1])) and old[1][after] == new[1][after]:
        after += 1
    return before + after


def reanchor(span: SpanCell, old_text: str | None, new_text: str) -> Anchored:
    """Where a span's words are in the new text (see the module's docstring)."""
    words = span.words
    try:
        start, end = int(span.start), int(span.end)
    except ValueError:
        return Anchored(span, "unlocated")
    found = occurrences(new_text, words)
    if not found:
        return Anchored(span, "orphaned", near=closest(new_text, words))
    old_ok = old_text is not None and old_text[start:end] == words
    if old_ok:
        before = _around(old_text, start, end)
        scores = {o: _agreement(before, _around(new_text, o, o + len(words))) for o in found}
    else:  # the old offsets were stale: only the position can help
        scores = {o: 0 for o in found}
    best = max(scores.values())
    winners = [o for o, s in scores.items() if s == best]
    if start in winners:
        return Anchored(span, "unchanged", start, end)
    if len(winners) == 1:
        return Anchored(span, "moved", winners[0], winners[0] + len(words))
    return Anchored(span, "ambiguous", candidates=winners)


def replace(package: Package, source_id: str, file: Path, values: dict[str, str], *, allow_orphans: bool = False,
            check: bool = False) -> Replaced:
    """Replace source `source_id`'s stored text with `file`, re-anchor its spans and update its row."""
    from .safety import output_path
    from .writes import write_all

    _folder_only(package)
    raw, new_text = read_text(file)
    table = read_csv(package, SOURCES)
    digest = hashlib.sha256(raw).hexdigest()
    mine = None
    for number, record, row in table.rows():
        if row.get(SOURCE_ID) == source_id:
            mine = (number, record, row)
        elif row.get("text_sha256") == digest:
            raise Refused(f"{table.file} row {number} (line {record.line}), field text_sha256: the same text is already "
                          f"stored as source {row.get(SOURCE_ID)!r} ({row.get('text_path')})")
    if mine is None:
        raise Refused(f"{table.file}: no source {source_id!r} to replace (add it with add-source first)")
    number, record, row = mine
    text_path = row.get("text_path", "")
    root = Path(package.location)
    target = output_path(root, text_path)
    old_text = None
    if target.is_file():
        try:
            old_text = target.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            old_text = None
    spans = [s for t in read_spans(package, source_id) for s in t.spans if s.words]
    anchored = [reanchor(s, old_text, new_text) if (s.start or s.end) else Anchored(s, "unlocated") for s in spans]
    result = Replaced(source_id, text_path, digest, anchored, written=False, identical=row.get("text_sha256") == digest)
    if result.identical and not values:
        return result
    if check or (result.blocking and not allow_orphans):
        return result

    updates = {**values, "text_sha256": digest, "text_length_chars": str(len(new_text)),
               "text_length_bytes": str(len(raw))}
    unknown = sorted(set(updates) - set(table.header))
    if unknown:
        raise Refused(f"{table.file}: no column {', '.join(unknown)} (the columns are: {', '.join(table.header)})")
    index = {n: i for i, n in enumerate(table.header)}
    sources_csv = table.rewrite({record.cells[index[k]]: v for k, v in updates.items()})
    _check_sources_row(package, table.file, sources_csv, number)

    edits: dict[str, dict[tuple[int, int], str]] = {}
    for a in anchored:
        if a.status == "moved":
            edits.setdefault(a.span.file, {}).update({a.span.start_cell: str(a.start), a.span.end_cell: str(a.end)})
        elif a.status in ("orphaned", "ambiguous"):
            edits.setdefault(a.span.file, {}).update({a.span.start_cell: "", a.span.end_cell: ""})
    files = {target: raw, output_path(root, table.file): sources_csv}
    for relpath, cells in edits.items():
        name = next(n for n in package.resource_names if _resource_file(package, n) == relpath)
        files[output_path(root, relpath)] = read_csv(package, name).rewrite(cells)
    write_all(files)
    result.written = True
    return result


def _resource_file(package: Package, name: str) -> str | None:
    try:
        return package.resource_path(name)
    except Exception:  # noqa: BLE001 - a resource without a usable path holds no spans
        return None


def problems_of(result: Replaced) -> list[Problem]:
    """The blocking spans in validate's error shape."""
    return [a.span.problem(f"span-{a.status}", a.message.split(": ", 1)[1]) for a in result.blocking]

"""Cell checks for every field of every table, as its Table Schema says, done column by column.

Types, `required`, `enum`, `pattern`, `minimum`/`maximum`, `minLength`/`maxLength`, `unique` and format
`uri` follow frictionless's reading of a cell (so both name the same cells); primary and foreign keys are
checked over whole columns. Ours: ids with white space at either end (`id-whitespace`), text not in Unicode
NFC (`not-nfc`), and text cells a spreadsheet would run as a formula (`formula-injection`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from ..report import Phase, Report
from ..schema import DEFAULT_FALSE, DEFAULT_TRUE, as_list
from ..safety import CONTROL_PATTERN, clean, clip, looks_like_formula
from .screens import all_found, no_repeats
from .table import TableData

NUMERIC = {"integer", "number", "year"}
WS = r"[ \t\n\r\f\v]*"
TYPE_PATTERNS = {
    "integer": rf"^{WS}[+-]?[0-9]+{WS}$",
    "number": rf"^{WS}[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan|snan)){WS}$",
    "date": r"^([0-9]{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12][0-9]|0[1-9]|[1-9])$",
}
URI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$"
FORMULA_START = ("=", "+", "-", "@")
FORMULA_BYTES = "".join(FORMULA_START).encode("ascii")
# first bytes of white space, NBSP (C2), zero-width spaces and U+2060 (E2), BOM and fullwidth signs (EF)
LOOKALIKE_LEADS = b"\t\n\x0b\x0c\r \xc2\xe2\xef"
# bytes that may be or begin a control character: C0 but tab/LF/CR, DEL, and C2 (C1 controls), E2 (bidi,
# U+2028/9)
_SUSPECT_BYTES = __import__("numpy").zeros(256, bool)
_SUSPECT_BYTES[[*range(0, 9), 11, 12, *range(14, 32), 127, 0xC2, 0xE2]] = True
_FORMULA_LEADS = __import__("numpy").zeros(256, bool)
_FORMULA_LEADS[list(FORMULA_BYTES)] = True
_LOOKALIKE = __import__("numpy").zeros(256, bool)
_LOOKALIKE[list(LOOKALIKE_LEADS)] = True
_CONTROL_RE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]"


def _np(mask):
    return mask.to_numpy(zero_copy_only=False)


def _short(values, limit: int = 8) -> str:
    values = [str(v) for v in values]
    text = ", ".join(values[:limit])
    return text + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _regex_mask(array, pattern: str):
    """True where the whole cell matches `pattern` (RE2 through pyarrow, in time linear in the text).

    Patterns that are a run of ASCII character classes (`^[a-z][a-z0-9_]*$`, `^[A-Z]{3}$`) are read from the
    Arrow buffers by `_class_run_mask` instead, with the same verdicts."""
    import numpy as np
    import pyarrow.compute as pc

    atoms = _class_run(pattern)
    if atoms is not None and not array.null_count:
        return _class_run_mask(array, *atoms)
    # RE2 only: a pattern it refuses is a schema-error (schema_shape), never run by a backtracking engine
    return _np(pc.match_substring_regex(array, pattern=pattern))


_CLASS_ATOM = re.compile(r"\[([A-Za-z0-9_./-]+)\](\*|\+|\{([0-9]{1,3})\})?|([A-Za-z0-9_])(\*|\+|\{([0-9]{1,3})\})?")


def _class_run(pattern: str):
    """(classes of the fixed first bytes, class of a repeated last byte or None, how many of it at least) when
    the anchored pattern is ASCII classes or letters, each once or {n} times, the last maybe * or +; else None."""
    body = pattern
    while body.startswith("^(?:") and body.endswith(")$"):
        body = body[4:-2]
    if not (body.startswith("^") and body.endswith("$")) or "$" in body[1:-1] or "^" in body[1:-1]:
        return None
    body = body[1:-1]
    fixed: list[frozenset] = []
    position = 0
    while position < len(body):
        atom = _CLASS_ATOM.match(body, position)
        if atom is None:
            return None
        position = atom.end()
        text, quantifier, count = (atom[1], atom[2], atom[3]) if atom[1] else (None, atom[5], atom[6])
        if text is None:
            allowed = frozenset(atom[4].encode())
        else:
            allowed = set()
            i = 0
            while i < len(text):
                if i + 2 < len(text) and text[i + 1] == "-":
                    low, high = text[i], text[i + 2]
                    if not (low.isalnum() and high.isalnum() and low <= high):
                        return None
                    allowed.update(range(ord(low), ord(high) + 1))
                    i += 3
                else:
                    allowed.add(ord(text[i]))
                    i += 1
            allowed = frozenset(allowed)
        if quantifier in ("*", "+"):
            if position != len(body):
                return None
            return fixed, allowed, 1 if quantifier == "+" else 0
        fixed.extend([allowed] * (int(count) if count is not None else 1))
    return fixed, None, 0


def _positions(raw, marked, block: int = 1 << 16):
    """np.flatnonzero(marked[raw]) for a 256-entry boolean table, a block of bytes at a time (the lookups stay
    in cache and no temporary grows with the column). A column with no marked byte (the common case) is
    screened first by bytes.translate, which deletes the other bytes in one C loop, ~3x faster than the lookups."""
    import numpy as np

    if not raw.tobytes().translate(None, np.flatnonzero(~marked).astype(np.uint8).tobytes()):
        return np.zeros(0, np.int64)
    found = []
    looked = np.empty(min(block, len(raw)), bool)
    for start in range(0, len(raw), block):
        part = raw[start : start + block]
        np.take(marked, part, out=looked[: len(part)], mode="clip")
        if looked[: len(part)].any():
            found.append(np.flatnonzero(looked[: len(part)]) + start)
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _class_run_mask(column, fixed, repeated, at_least):
    """True where the cell's bytes are `fixed` classes one by one, then (if `repeated`) at least `at_least`
    bytes of that class and nothing else; a byte that is not ASCII is in no class, as in RE2."""
    import numpy as np

    def table(allowed):
        out = np.zeros(256, bool)
        out[list(allowed)] = True
        return out

    parts = []
    width = len(fixed)
    for chunk in _chunks(column):
        offsets = _offsets(chunk).astype(np.int64)
        starts, lengths = offsets[:-1], np.diff(offsets)
        ok = lengths == width if repeated is None else lengths >= width + at_least
        data = chunk.buffers()[2]
        raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
        for k, allowed in enumerate(fixed):
            if not ok.any():  # so some cell has a byte k, and `raw` is not empty
                break
            # byte k of every cell at once, not of the cells still in (a gather and a scatter fewer): where a cell
            # is too short, the byte read is another cell's or clipped, and `ok` is False there already
            ok &= table(allowed).take(raw.take(starts + k, mode="clip"))
        if repeated is not None and len(chunk):
            first, last = int(offsets[0]), int(offsets[-1])
            bad = _positions(raw[first:last], ~table(repeated)) + first
            cells = np.searchsorted(offsets, bad, side="right") - 1
            ok[cells[bad - starts[cells] >= width]] = False
        parts.append(ok)
    return np.concatenate(parts) if parts else np.zeros(0, bool)


def _formula_mask(column, first=None):
    """True where a spreadsheet would run the cell as a formula (safety.looks_like_formula): the first byte
    is a sign, or a byte that may begin white space, NBSP, a zero-width space or a fullwidth sign, and then
    the cell is looked at in Python (few cells do). `first`: the cells' first bytes, when already read."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    first = _first_bytes(column) if first is None else first
    mask = _FORMULA_LEADS[first]
    maybe = _LOOKALIKE[first]
    if maybe.any():
        distinct = pc.unique(column.filter(pa.array(maybe))).to_pylist()
        hits = [v for v in distinct if looks_like_formula(v)]
        if hits:
            mask |= maybe & _np(pc.is_in(column, value_set=pa.array(hits, pa.string())))
    return mask


_LEADING = " \t\n\r\f\v\u00a0\u200b\u200c\u200d\u2060\ufeff"


def _formula_sign(cell: str) -> str:
    return cell.lstrip(_LEADING)[:1]


def _behind(cell: str) -> str:
    """ ' behind "\\t"' when white space or an invisible character stands before the sign."""
    lead = cell[: len(cell) - len(cell.lstrip(_LEADING))]
    if not lead:
        return ""
    shown = "".join(f"\\u{ord(c):04x}" if ord(c) > 0x7f else (c if c.isprintable() and c != " " else f"\\x{ord(c):02x}")
                    for c in lead[:10])
    return f' behind "{shown}"'


def _suspect_bytes(raw, block: int = 1 << 20):
    """Positions of the `_SUSPECT_BYTES` in `raw` that may begin a control character (`_control_leads`), a block
    at a time: one subtraction and one comparison pick the bytes below 0x20 or from 0x7f up, the table then keeps
    the few that are suspect, and their next bytes the fewer that may be controls. Only those are kept from one
    block to the next, not every lead byte of the text's curly quotes, dashes or arrows (which held ~9x the
    column's bytes for a text of arrows)."""
    import numpy as np

    found = []
    shifted = np.empty(min(block, len(raw)), np.uint8)
    outside = np.empty(len(shifted), bool)
    for start in range(0, len(raw), block):
        part = raw[start : start + block]
        n = len(part)
        np.subtract(part, np.uint8(0x20), out=shifted[:n])  # bytes below 0x20 wrap round to 0xe0 and up
        np.greater_equal(shifted[:n], np.uint8(0x5F), out=outside[:n])
        if outside[:n].any():
            near = np.flatnonzero(outside[:n])
            near = near[_SUSPECT_BYTES[part[near]]]
            if len(near):
                near = _control_leads(raw, near + start)
            if len(near):
                found.append(near)
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _control_mask(column):
    """True where a cell holds a control character (C0 but tab, LF and CR; DEL; C1), a bidi override or
    isolate, or U+2028/9. ASCII bytes are screened on the Arrow buffers; RE2 looks at the candidate cells."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for chunk in _chunks(column):
        offsets = _offsets(chunk).astype(np.int64)
        out = np.zeros(len(chunk), bool)
        data = chunk.buffers()[2]
        if len(chunk) and data is not None and data.size:
            first, last = int(offsets[0]), int(offsets[-1])
            raw = np.frombuffer(data, np.uint8)
            hits = _suspect_bytes(raw[first:last]) + first
            if len(hits):
                out[np.unique(np.searchsorted(offsets, hits, side="right") - 1)] = True
        parts.append(out)
    candidates = np.concatenate(parts) if parts else np.zeros(0, bool)
    index = np.flatnonzero(candidates)
    if len(index):
        found = _np(pc.fill_null(pc.match_substring_regex(column.take(pa.array(index)), pattern=CONTROL_PATTERN), False))
        candidates[index[~found]] = False
    return candidates


def _control_leads(raw, hits):
    """The suspect bytes that may begin a control character in UTF-8: C0 and DEL themselves, C2 before 80-9F
    (C1), E2 before 80 A8-AE (U+2028-202E) or 81 A6-A9 (U+2066-2069). So the curly quotes and dashes of common
    text (E2 80 98-9D, E2 80 93-94) and NBSP (C2 A0) are no candidates; RE2 still judges every cell left."""
    import numpy as np

    last = len(raw) - 1
    lead = raw[hits]
    second = raw[np.minimum(hits + 1, last)]
    third = raw[np.minimum(hits + 2, last)]
    keep = lead < 0xC2
    keep |= (lead == 0xC2) & (second >= 0x80) & (second <= 0x9F)
    keep |= (lead == 0xE2) & (((second == 0x80) & (third >= 0xA8) & (third <= 0xAE)) | ((second == 0x81) & (third >= 0xA6) & (third <= 0xA9)))
    return hits[keep]


def _nfc_suspects(column, block: int = 1 << 20):
    """True where a cell may not be in Unicode NFC: it holds a code point from U+0300 up (a UTF-8 lead byte from
    0xCC up) other than U+2002 to U+203F (E2 80 82 to E2 80 BF: spaces, dashes, quotes, primes). Every code point
    below U+0300 and in that range is assigned, and a starter (combining class 0) that NFC leaves as it is and never
    composes with what stands before it (NFC_Quick_Check=Yes; the tests derive this from unicodedata, and Unicode's
    stability policy keeps it so for assigned code points), and a text made of such code points only is in NFC.
    So unicodedata looks at the other cells only: in text of the Latin scripts with typographic quotes and dashes,
    none. The bytes are read a block at a time."""
    import numpy as np

    parts = []
    for chunk in _chunks(column):
        out = np.zeros(len(chunk), bool)
        data = chunk.buffers()[2]
        if len(chunk) and data is not None and data.size:
            offsets = _offsets(chunk).astype(np.int64)
            first, last = int(offsets[0]), int(offsets[-1])
            raw = np.frombuffer(data, np.uint8)
            end = len(raw) - 1
            for start in range(first, last, block):
                near = np.flatnonzero(raw[start : min(start + block, last)] >= 0xCC) + start
                if len(near):
                    second = raw[np.minimum(near + 1, end)]
                    safe = (raw[near] == 0xE2) & (second == 0x80) & (raw[np.minimum(near + 2, end)] >= 0x82)
                    # their cells at once, a block at a time: text of other scripts holds a lead byte in every
                    # few bytes, and their positions are not kept beyond their block
                    out[np.searchsorted(offsets, near[~safe], side="right") - 1] = True
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros(0, bool)


def _controls(cell: str) -> str:
    found = sorted({c for c in cell if re.match(_CONTROL_RE, c)})
    return ", ".join(f"U+{ord(c):04X}" for c in found[:5]) + (" and more" if len(found) > 5 else "")


# -- screens with nothing to screen ------------------------------------------------------------------------
# The screens of ours (id white space, formulas, control characters, NFC) judge each cell by itself. So when
# every non-empty cell of a column is known to be one of a few texts (an enum, a boolean's words), or to be made
# of bytes none of them flags (a pattern of ASCII classes, a date the fast path read), their verdict on the
# column is known without reading it. An empty cell none of them flags.
def _spaced(column, first=None):
    """True where an id has white space at its start or end. White space begins and ends with a byte that is no
    printable ASCII: only cells with one at an end are trimmed to compare (~3x faster on the ids, which have none)."""
    import numpy as np
    import pyarrow.compute as pc

    spaced = np.zeros(len(column), bool)
    for edge in (_first_bytes(column) if first is None else first, _first_bytes(column, last=True)):
        spaced |= (edge > 0) & ((edge <= 0x20) | (edge >= 0x7F))
    if spaced.any():
        spaced &= _np(pc.not_equal(pc.utf8_trim_whitespace(column), column))
    return spaced


@functools.lru_cache(maxsize=64)
def _texts_pass(texts: tuple[str, ...], is_id: bool) -> bool:
    """Whether no screen flags any of these texts: the same code that screens a column, run on them. A text that
    is no string (a null in a boolean's trueValues, which the descriptor check reports) leaves the column screened.
    Kept per texts: a large table asks it again for every batch (~0.6 ms each time)."""
    import pyarrow as pa

    if not all(isinstance(t, str) for t in texts):
        return False
    array = pa.array(texts, pa.string())
    if is_id and _spaced(array).any():
        return False
    return not (_formula_mask(array).any() or _control_mask(array).any()) and all(unicodedata.is_normalized("NFC", t) for t in texts)


def _class_run_passes(pattern: str) -> bool:
    """Whether no screen flags a cell that matches this pattern of ASCII classes: every byte it allows is printable
    ASCII but the space (no white space, control character or other script), and none it allows first may begin
    a formula, even behind white space."""
    atoms = _class_run(pattern)
    if atoms is None:
        return False
    fixed, repeated, _ = atoms
    classes = [*fixed, *([repeated] if repeated is not None else [])]
    if not classes or not all(0x21 <= b <= 0x7E for allowed in classes for b in allowed):  # all _class_run reads
        return False
    leads = _FORMULA_LEADS | _LOOKALIKE
    return not any(leads[b] for b in classes[0])


def _all_or_empty(column, known, empty=None) -> bool:
    """Whether every cell is `known` or empty (`empty`: where the cells are empty, when already known)."""
    if known.all():
        return True
    return bool((known | ((_lengths(column) == 0) if empty is None else empty)).all())


# -- fast paths: numpy on the Arrow buffers, for the cells almost every column holds -------------------------
def _chunks(column):
    return column.chunks if hasattr(column, "chunks") else [column]


def _offsets(chunk):
    import numpy as np
    import pyarrow as pa

    dtype = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    return np.frombuffer(chunk.buffers()[1], dtype=dtype)[chunk.offset : chunk.offset + len(chunk) + 1]


def _lengths(column):
    """Byte length of every cell (no Python per cell)."""
    import numpy as np

    parts = [np.diff(_offsets(c)) for c in _chunks(column) if len(c)]
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)


def _ascii(column) -> bool:
    """Whether every cell is ASCII, from the largest byte of the Arrow buffers: numpy's max reads them ~6x
    faster than pc.string_is_ascii, which then runs only on the columns that hold other bytes."""
    import numpy as np

    for chunk in _chunks(column):
        data = chunk.buffers()[2]
        if len(chunk) and data is not None:
            offsets = _offsets(chunk)
            raw = np.frombuffer(data, np.uint8)[int(offsets[0]) : int(offsets[-1])]
            if len(raw) and raw.max() >= 0x80:
                return False
    return True


def _first_bytes(column, last: bool = False):
    """The first (or last) byte of every cell, 0 for an empty one."""
    import numpy as np

    parts = []
    for chunk in _chunks(column):
        if not len(chunk):
            continue
        offsets = _offsets(chunk)
        data = chunk.buffers()[2]
        if data is not None and data.size:
            starts = offsets[:-1]
            # an empty last cell starts at the end, an empty first one ends before the start
            out = np.frombuffer(data, np.uint8).take(offsets[1:] - 1 if last else starts, mode="clip")
            out[offsets[1:] == starts] = 0
        else:
            out = np.zeros(len(chunk), np.uint8)
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros(0, np.uint8)


def _with_nulls(column, valid):
    """The column with null where `valid` is False, sharing its buffers (a validity bitmap is all it adds)."""
    import numpy as np
    import pyarrow as pa

    if valid.all():
        return column
    chunked = hasattr(column, "chunks")
    out, start = [], 0
    for chunk in _chunks(column):
        n = len(chunk)
        mask = valid[start : start + n]
        start += n
        if chunk.null_count:  # never for raw columns; keep the general path exact
            out.append(pc_if_else(chunk, mask))
            continue
        bits = np.packbits(np.concatenate([np.zeros(chunk.offset, bool), mask]) if chunk.offset else mask, bitorder="little")
        buffers = chunk.buffers()
        out.append(pa.Array.from_buffers(chunk.type, n, [pa.py_buffer(bits.tobytes())] + buffers[1:],
                                         null_count=int(n - np.count_nonzero(mask)), offset=chunk.offset))
    return pa.chunked_array(out, column.type) if chunked else out[0]


def pc_if_else(chunk, mask):
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask), chunk, pa.nulls(len(chunk), chunk.type))


def _missing(column, values: list[str]):
    """True where the cell is one of the missing values; by its offsets alone when the only one is ''."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if set(values) == {""}:
        parts = [offsets[1:] == offsets[:-1] for offsets in map(_offsets, _chunks(column))]
        return np.concatenate(parts) if parts else np.zeros(0, bool)
    return _np(pc.is_in(column, value_set=pa.array(values, pa.string())))


def _fast_integer(column, present):
    """Typed int64 values when every present cell is plain digits (so the type pattern holds), else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (_np(pc.ascii_is_decimal(column)) | ~present).all():
        return None
    try:
        return pc.cast(_with_nulls(column, present), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _fast_number(column, present):
    """Typed float64 values when every present cell is digits with at most one point, else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.replace_substring(column, pattern=".", replacement="", max_replacements=1)
    if not ((_np(pc.ascii_is_decimal(digits)) & (_lengths(digits) > 0)) | ~present).all():
        return None
    try:
        return pc.cast(_with_nulls(column, present), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


_DAYS_IN_MONTH = __import__("numpy").array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], "int32")
_DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9]


def _fast_date(column, present):
    """Typed date32 values when every present cell is a real YYYY-MM-DD date (years 1000-9999), else None. The
    ten bytes of each cell are read as one row of a uint8 matrix; the day count is civil arithmetic in int32
    (H. Hinnant's days_from_civil), with no datetime64 conversion."""
    import numpy as np
    import pyarrow as pa

    lengths = _lengths(column)
    if not ((lengths == 10) | ~present).all():
        return None
    flat = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    index = np.flatnonzero(present)
    days = np.zeros(len(flat), np.int32)
    if len(index):
        data = flat.buffers()[2]
        if data is None:
            return None
        raw = np.frombuffer(data, np.uint8)
        starts = _offsets(flat)[:-1][index]
        cells = raw[starts[:, None] + np.arange(10, dtype=starts.dtype)]
        cells -= 48  # "0" is 0; a byte below it wraps round above 9, and "-" is 253
        if not ((cells[:, _DATE_DIGITS] <= 9).all() and (cells[:, 4] == 253).all() and (cells[:, 7] == 253).all()):
            return None
        cells = cells.astype(np.int32)
        year = cells[:, 0] * 1000 + cells[:, 1] * 100 + cells[:, 2] * 10 + cells[:, 3]
        month = cells[:, 5] * 10 + cells[:, 6]
        day = cells[:, 8] * 10 + cells[:, 9]
        if not ((year >= 1000).all() and (month >= 1).all() and (month <= 12).all() and (day >= 1).all()):
            return None
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        if not (day <= _DAYS_IN_MONTH[month] + (leap & (month == 2))).all():
            return None
        # days since 1970-01-01: years counted from March, so that February's leap day ends a year
        shifted = year - (month <= 2)
        era = shifted // 400
        of_era = shifted - era * 400
        of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
        days[index] = era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468
    return pa.array(days, pa.date32(), mask=~present)


def _flat(array):
    """A plain Array (value sets must not be chunked)."""
    return array.combine_chunks() if hasattr(array, "combine_chunks") else array


def key_fields(schema: dict[str, Any], skip=frozenset()) -> set[str]:
    """Fields that hold ids: the primary key and every foreign key's fields (but those of the foreign keys
    numbered in `skip`)."""
    names: set[str] = set(as_list(schema.get("primaryKey") or []))
    for number, fk in enumerate(schema.get("foreignKeys") or []):
        if number not in skip:
            names.update(as_list(fk.get("fields") or []))
    return names


def check_fields(report: Report, table: TableData, keep: set[str] | None = None, unique_at: dict | None = None) -> None:
    """Check every cell of every field; leave typed values (null where missing or invalid) in table.typed.

    With `keep`, the raw and typed columns of other fields are dropped once checked (to free memory).
    With `unique_at` (a dict), `unique` is not checked here (a batch cannot): the section the check's findings
    belong to is stored there by field name, for `check_unique` on the whole key columns.
    The common cells take fast paths (lengths, first bytes and digits read from the Arrow buffers); a
    column with any other cell takes the general path, so every finding comes from the same code as before.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    schema = table.schema
    missing_values = sorted(set(schema.get("missingValues", [""])))
    counts: dict[str, int] = {}
    for descriptor in table.fields:
        counts[descriptor["name"]] = counts.get(descriptor["name"], 0) + 1
    not_blank = ~table.blank
    ids = key_fields(schema)

    ordinal = [0, 0]  # (field position, check number within the field): the batch sections

    def emit(mask, type_: str, name: str, note) -> None:
        check = ordinal[1]
        ordinal[1] += 1
        if not mask.any():  # what almost every check finds: no row to look up
            return
        table.section(report, Phase.TABLE, 1, ordinal[0], check)
        index = np.flatnonzero(mask & not_blank)
        column = table.columns[name]
        report.add_many(len(index), lambda i: table.problem(type_, note(clip(column[int(index[i])].as_py())), int(index[i]), name))

    for position, descriptor in enumerate(table.fields):
        name = descriptor["name"]
        if name not in table.columns:
            continue
        ordinal[:] = [position, 0]
        column = table.columns[name]
        kind = descriptor.get("type", "string") or "string"
        fmt = descriptor.get("format", "default") or "default"
        constraints = descriptor.get("constraints") or {}
        field_missing = descriptor.get("missingValues")
        values = [str(v) for v in field_missing] if field_missing is not None else missing_values
        missing = _missing(column, values)
        empty = missing if set(values) == {""} else None  # where the cells are empty, if `missing` says so
        present = ~missing

        # -- type ---------------------------------------------------------------------------------------
        typed = None
        fast = None
        if kind == "integer":
            fast = _fast_integer(column, present)
        elif kind == "number":
            fast = _fast_number(column, present)
        elif kind == "date" and fmt == "default":
            fast = _fast_date(column, present)
        settled = False  # every non-empty cell known to pass the screens of ours (see _spaced and below)
        if fast is not None:
            valid, typed = present, fast
            # a date the fast path read is ten digits and dashes
            settled = kind == "date" and _all_or_empty(column, present, empty)
        elif kind in ("integer", "number"):
            valid = _regex_mask(column, TYPE_PATTERNS[kind]) & present
            cleaned = pc.replace_substring_regex(pc.utf8_trim_whitespace(column), pattern=r"^\+", replacement="")
            cleaned = pc.if_else(pa.array(valid), cleaned, pa.nulls(len(column), pa.string()))
            if kind == "integer":
                try:
                    typed = pc.cast(cleaned, pa.int64())
                except pa.ArrowInvalid:  # beyond 64 bits: floats would compare them inexactly, so no verdict
                    from . import CannotRun
                    from .layout import FRICTIONLESS

                    raise CannotRun(f"{clean(table.file, 200)}, field {clean(name, 80)!r}: an integer beyond 64 bits; validate "
                                    f"does not compare such integers exactly; {FRICTIONLESS}") from None
            else:
                typed = pc.cast(cleaned, pa.float64())
        elif kind == "boolean":
            # only strings (a member of another type is the profile check's descriptor-error; no cell is read as it)
            trues = [v for v in descriptor.get("trueValues", DEFAULT_TRUE) if isinstance(v, str)]
            falses = [v for v in descriptor.get("falseValues", DEFAULT_FALSE) if isinstance(v, str)]
            is_true = _np(pc.is_in(column, value_set=pa.array(trues, pa.string())))
            is_false = _np(pc.is_in(column, value_set=pa.array(falses, pa.string())))
            valid = (is_true | is_false) & present
            typed = pa.array(np.where(is_true, True, False), mask=~valid)
            settled = _all_or_empty(column, valid, empty) and _texts_pass((*trues, *falses), name in ids)
        elif kind == "date" and fmt == "default":
            valid = _regex_mask(column, TYPE_PATTERNS["date"]) & present
            candidates = pc.if_else(pa.array(valid), column, pa.scalar("1970-01-01"))
            parsed = pc.strptime(candidates, format="%Y-%m-%d", unit="s", error_is_null=True)
            parts = pc.extract_regex(candidates, pattern=r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})$")
            same = pc.and_(pc.and_(pc.equal(pc.year(parsed), pc.cast(pc.struct_field(parts, "y"), pa.int64())),
                                   pc.equal(pc.month(parsed), pc.cast(pc.struct_field(parts, "m"), pa.int64()))),
                           pc.equal(pc.day(parsed), pc.cast(pc.struct_field(parts, "d"), pa.int64())))
            valid = valid & _np(pc.fill_null(same, False))
            typed = pc.cast(pc.if_else(pa.array(valid), parsed, pa.nulls(len(column), parsed.type)), pa.date32())
        elif kind == "string":
            valid = present
            if fmt == "uri":
                valid = _regex_mask(column, URI_PATTERN) & present
            # no copy when every cell is a value (most text columns): the typed column is the column
            typed = _with_nulls(column, valid)
        else:  # a type this engine does not read cell by cell: only required/unique/enum on the text
            valid = present
            typed = _with_nulls(column, valid)
        type_label = kind if fmt == "default" else f"{kind} ({fmt})"
        emit(present & ~valid, "type-error", name, lambda cell: f'"{cell}" is not of type {type_label}')
        table.typed[name] = typed

        # -- constraints, on cells of the right type ---------------------------------------------------------
        if constraints.get("required"):
            emit(missing, "constraint-error", name, lambda cell: "a value is required and the cell is empty")
        if "enum" in constraints and isinstance(constraints["enum"], list):
            enum = constraints["enum"]
            try:
                if kind == "string":
                    allowed = pa.array([str(v) for v in enum], pa.string())
                else:
                    allowed = _enum_values(enum, typed.type)
                inside = _np(pc.fill_null(pc.is_in(typed, value_set=allowed), True))
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                inside = _np(pc.is_in(column, value_set=pa.array([str(v) for v in enum], pa.string())))
            emit(valid & ~inside, "constraint-error", name, lambda cell: f'"{cell}" is not one of the allowed values ({_short(enum)})')
            if kind == "string" and not settled:
                settled = _all_or_empty(column, valid & inside, empty) and _texts_pass(tuple(str(v) for v in enum), name in ids)
        if "pattern" in constraints and kind == "string":
            pattern = constraints["pattern"]
            matches = _regex_mask(column, f"^(?:{pattern})$")
            emit(valid & ~matches, "constraint-error", name, lambda cell: f'"{cell}" does not match the pattern {pattern}')
            if not settled:
                settled = _class_run_passes(f"^(?:{pattern})$") and _all_or_empty(column, matches, empty)
        for key, compare, word in (("minimum", pc.less, "below the minimum"), ("maximum", pc.greater, "above the maximum"),
                                   ("exclusiveMinimum", pc.less_equal, "not above the exclusive minimum"),
                                   ("exclusiveMaximum", pc.greater_equal, "not below the exclusive maximum")):
            if key in constraints and kind in ("integer", "number", "date"):
                bound = constraints[key]
                try:
                    if kind == "date":
                        import datetime as _dt

                        scalar = pa.scalar(_dt.date.fromisoformat(str(bound)), pa.date32())
                    else:
                        scalar = pa.scalar(bound).cast(typed.type)
                    out = _np(pc.fill_null(compare(typed, scalar), False))
                except Exception:
                    continue
                emit(out, "constraint-error", name, lambda cell, word=word, bound=bound: f"{str(cell).strip()} is {word} {bound}")
        for key, compare, word in (("minLength", pc.less, "shorter than"), ("maxLength", pc.greater, "longer than")):
            if key in constraints and kind == "string":
                bound = min(int(constraints[key]), 2**31 - 1)  # a longer text does not fit in a cell anyway
                out = _np(compare(pc.utf8_length(column), pa.scalar(bound, pa.int32()))) & valid
                emit(out, "constraint-error", name, lambda cell, word=word, bound=bound: f'"{cell}" is {word} {bound} characters')
        if constraints.get("unique"):
            if unique_at is None:
                _emit_duplicates(report, table, [name], "unique-error", valid & not_blank)
            else:
                unique_at[name] = (1, table.index, 1, position, ordinal[1], 0)
            ordinal[1] += 1

        # -- ours ----------------------------------------------------------------------------------------
        if not settled:  # else every non-empty cell is known to pass the screens: nothing to read
            _screen(emit, column, name, kind, name in ids)
        if keep is not None and name not in keep and counts.get(name) == 1:
            del table.columns[name]
            table.typed.pop(name, None)


def _enum_values(enum: list, type_):
    """An enum's members as values of the field's type: a member may be the value itself or a string of it
    (Table Schema: constraint values may be strings the field's type reads), so "1.5" and 1.5 are one number.
    A member of neither kind matches no cell; an enum of those only is compared as text (the caller's fallback)."""
    import pyarrow as pa

    values = []
    for member in enum:
        try:
            if isinstance(member, str):
                values.append(pa.array([member.strip()], pa.string()).cast(type_))
            elif not isinstance(member, bool) or pa.types.is_boolean(type_):
                values.append(pa.array([member]).cast(type_))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
            continue
    if not values and enum:
        raise pa.ArrowInvalid("no member of the enum is a value of the field's type")
    return pa.concat_arrays(values) if values else pa.array([], type_)


def _screen(emit, column, name: str, kind: str, is_id: bool) -> None:
    """Ours, on one column: ids with white space at an end, formulas, control characters, text not in NFC."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first = None  # the cells' first bytes, read once for both screens that look at them
    if is_id:
        first = _first_bytes(column)
        emit(_spaced(column, first), "id-whitespace", name,
             lambda cell: f'the id "{cell}" has white space at its start or end')
    if kind not in NUMERIC:
        emit(_formula_mask(column, first), "formula-injection", name,
             lambda cell: f'"{cell[:40]}" starts with "{_formula_sign(cell)}"{_behind(cell)}, which a spreadsheet would run as a formula')
        emit(_control_mask(column), "control-character", name,
             lambda cell: f'"{clean(cell, 60)}" holds {_controls(cell)}, which a terminal or editor would act on or hide')
    if not _ascii(column):
        suspect = _nfc_suspects(column)
        if suspect.any():
            # each distinct text that may not be in NFC is checked once in Python, then found again in the column
            distinct = pc.unique(column.filter(pa.array(suspect))).to_pylist()
            bad = [v for v in distinct if not unicodedata.is_normalized("NFC", v)]
            if bad:
                mask = suspect & _np(pc.is_in(column, value_set=pa.array(bad, pa.string())))
                emit(mask, "not-nfc", name, lambda cell: f'"{cell[:40]}" is not in Unicode NFC (normalize it to NFC)')


def _key_strings(table: TableData, names: list[str]):
    """One string per row for the key made of `names` (typed values, so "05" and "5" are one integer)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [pc.cast(table.typed[n], pa.string()) for n in names]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, "\x1f", null_handling="replace", null_replacement="")


def _repeats(keys):
    """series.duplicated(keep="first") of the keys without a Python object per row: Arrow's dictionary codes
    are numbered in order of first appearance (a null is one value), so a row repeats an earlier one unless
    its code is the highest seen so far."""
    import numpy as np
    import pyarrow.compute as pc

    if not len(keys) or no_repeats(keys):  # the clean case, screened on both cores; else the codes below
        return np.zeros(len(keys), bool)
    encoded = pc.dictionary_encode(keys, null_encoding="encode")
    chunks = encoded.chunks if hasattr(encoded, "chunks") else [encoded]
    return repeated(np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks if len(c)]).astype(np.int64))


def repeated(codes):
    """True where a code is not above every earlier one: of codes numbered in order of first appearance (Arrow's
    dictionary codes, pandas.factorize), the places that repeat an earlier one, without a sort."""
    import numpy as np

    out = np.zeros(len(codes), bool)
    out[1:] = codes[1:] <= np.maximum.accumulate(codes)[:-1]
    return out


def _emit_duplicates(report: Report, table: TableData, names: list[str], type_: str, considered) -> None:
    """Report every row whose key repeats an earlier row's (the first occurrence is not an error)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    cache = table.__dict__.setdefault("_duplicates", {})
    if tuple(names) not in cache:  # a single-field primary key that is also unique is hashed once
        keys = _key_strings(table, names)
        cache[tuple(names)] = (keys, _repeats(keys))
    keys, duplicated = cache[tuple(names)]
    index = np.flatnonzero(duplicated & considered)
    if not len(index):
        return
    repeated = keys.take(pa.array(index)).to_pylist()
    wanted = pa.array(sorted(set(repeated)), pa.string())  # noqa: the few repeated keys
    candidates = np.flatnonzero(considered & pc.fill_null(pc.is_in(keys, value_set=wanted), False).to_numpy(zero_copy_only=False))
    first_row: dict[str, int] = {}
    for i, key in zip(candidates, keys.take(pa.array(candidates)).to_pylist()):
        first_row.setdefault(key, int(table.row_numbers[i]))

    def make(i: int):
        position = int(index[i])
        key = repeated[i]
        shown = key.replace("\x1f", ", ")
        if type_ == "unique-error":
            note = f'"{shown}" repeats row {first_row.get(key)}; the field is unique'
            return table.problem(type_, note, position, names[0])
        note = f"the primary key ({', '.join(names)}) = ({shown}) repeats row {first_row.get(key)}"
        return table.problem(type_, note, position, names[0] if len(names) == 1 else None, cell=shown)

    report.add_many(len(index), make)


def check_unique(report: Report, table: TableData, unique_at: dict) -> None:
    """`unique` over whole columns (typed: null where missing or invalid), filed where check_fields would."""
    for name, section in unique_at.items():
        if name in table.typed:
            report.section(section)
            valid = ~table.typed[name].is_null().to_numpy(zero_copy_only=False)
            _emit_duplicates(report, table, [name], "unique-error", valid & ~table.blank)


def check_primary_key(report: Report, table: TableData) -> None:
    import numpy as np

    primary = table.schema.get("primaryKey")
    if not primary:
        return
    names = as_list(primary)
    if not all(n in table.typed for n in names):
        return  # the header lacks a key field: a label error says so already
    null = np.ones(table.n_rows, dtype=bool)
    for n in names:
        null &= table.typed[n].is_null().to_numpy(zero_copy_only=False)
    index = np.flatnonzero(null)
    report.add_many(len(index), lambda i: table.problem(
        "primary-key", f"the primary key ({', '.join(names)}) is empty", int(index[i]), names[0] if len(names) == 1 else None))
    _emit_duplicates(report, table, names, "primary-key", ~null)
    table.__dict__.pop("_duplicates", None)  # the last use: a table kept for foreign keys does not carry it


def _single_field_lookups(table: TableData, tables: dict[str, TableData], numbers=None) -> dict:
    """For each single-field foreign key: True where the value is in the target column (or is null).

    The foreign keys into one target column are looked up together, and where their values are few next to
    the target's, the target is hashed against them (not they against it): each distinct value missing from
    the target is found, then its rows."""
    import numpy as np
    import pyarrow as pa

    groups: dict = {}
    for number, fk in enumerate(table.schema.get("foreignKeys") or []):
        if numbers is not None and number not in numbers:
            continue
        fields = fk.get("fields")
        reference = fk.get("reference") or {}
        names = as_list(fields)
        target_fields = reference.get("fields")
        target_fields = as_list(target_fields)
        target = tables.get(reference.get("resource") or table.resource)
        if len(names) != 1 or len(target_fields) != 1 or target is None or names[0] not in table.typed \
                or target_fields[0] not in target.typed:
            continue
        source = table.typed[names[0]]
        groups.setdefault((id(target), target_fields[0], str(source.type)), (target, [])) [1].append((number, source))
    found_of: dict = {}
    for (_, field, _), (target, members) in groups.items():
        sources = [source for _, source in members]
        values = pa.chunked_array([c for source in sources for c in _chunks(source)], sources[0].type)
        if all_found(values, target.typed[field]):  # the clean case, screened on both cores; else the exact lookup
            found = np.ones(len(values), bool)
        else:
            found = _lookup(values, _value_set(target.typed[field], values.type))
            if found is None:
                continue  # types that do not compare: each foreign key alone, as before
        start = 0
        for number, source in members:
            found_of[number] = found[start:start + len(source)]
            start += len(source)
    return found_of


def _lookup(values, target_values):
    """True where the value is in the target column; None when their types do not compare. What it says of a
    null differs by path: check_foreign_keys masks the nulls itself."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        distinct = _flat(pc.unique(values).drop_null()) if _few_distinct(values, len(target_values)) else None
        if distinct is not None and FEW * len(distinct) < len(target_values):
            present = pc.unique(target_values.filter(pc.is_in(target_values, value_set=distinct)))
            absent = distinct.filter(pc.invert(pc.is_in(distinct, value_set=present)))
            return ~pc.fill_null(pc.is_in(values, value_set=absent), False).to_numpy(zero_copy_only=False)
        return pc.fill_null(pc.is_in(values, value_set=target_values), True).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


# the distinct values of foreign keys are found first when they are fewer than 1/FEW of the targets: that way hashes
# them three times, so it wins only below ~240,000 distinct values for 10^6 targets (measured; at half it cost 1.6x)
FEW = 4


def _value_set(target, type_):
    """The target column's values as one array of the source's type where they convert (else as they are),
    nulls dropped: what is_in looks a foreign key up in. Made only where it is used: it copies the column."""
    import pyarrow as pa

    values = _flat(target.drop_null())
    try:
        return values.cast(type_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return values


def _few_distinct(values, targets: int, sample: int = 1 << 14) -> bool:
    """Whether the values may have fewer than 1/FEW as many distinct values as there are targets, judged from a
    sample of them: only then is finding the distinct values first (a hash of every value) worth its cost. Either
    way the lookup is exact; this only picks the cheaper one."""
    import pyarrow.compute as pc

    present = len(values) - values.null_count
    if FEW * present < targets:
        return True
    picked = values.slice(0, sample).drop_null() if present > sample else values.drop_null()
    if not len(picked):
        return True
    return FEW * present * len(pc.unique(picked)) < targets * len(picked)


def check_foreign_keys(report: Report, table: TableData, tables: dict[str, TableData], numbers=None,
                       linked: dict | None = None) -> None:
    """Report every row whose foreign key points at no row. `numbers`: only the foreign keys at these places in
    the schema's list (the others were checked batch by batch, or will be). A table read batch by batch files
    each foreign key's findings under a section of its own (table.section), so they keep the schema's order.
    `linked` (a dict) learns of each single-field key between text columns whether all its values were found,
    {(resource, field, target, target field): bool}, over all batches: check_eligibility asks the same of the
    same columns, and each lookup hashes a whole id column (~0.4 s at 10^6 rows)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..report import Problem

    found_of = _single_field_lookups(table, tables, numbers)
    for number, fk in enumerate(table.schema.get("foreignKeys") or []):
        if numbers is not None and number not in numbers:
            continue
        table.section(report, Phase.FOREIGN_KEYS, number)
        fields = fk.get("fields")
        reference = fk.get("reference") or {}
        names = as_list(fields)
        target_name = reference.get("resource") or table.resource
        target_fields = reference.get("fields")
        target_fields = as_list(target_fields)
        if not names or len(names) != len(target_fields):
            report.add(Problem("schema-error", f"a foreign key's fields {names} and reference fields {target_fields} do not pair up",
                               resource=table.resource, file=table.file))
            continue
        target = tables.get(target_name)
        if target is None:
            continue  # the referenced table is missing or unreadable: reported where it is read
        if not all(n in table.typed for n in names) or not all(n in target.typed for n in target_fields):
            continue
        if len(names) == 1:
            source_values, target_values = table.typed[names[0]], target.typed[target_fields[0]]
            null = source_values.is_null().to_numpy(zero_copy_only=False)
            found = found_of.get(number)
            if found is None:  # types that do not compare with the other keys' into the same column
                value_set = _value_set(target_values, source_values.type)
                found = pc.fill_null(pc.is_in(source_values, value_set=value_set), True).to_numpy(zero_copy_only=False)
            if linked is not None and pa.types.is_string(source_values.type) and pa.types.is_string(target_values.type):
                key = (table.resource, names[0], target_name, target_fields[0])
                linked[key] = linked.get(key, True) and bool((found | null).all())  # is_in finds no null
        else:
            separator = "\x1f"
            def joined(t, ns):
                parts = [pc.cast(t.typed[n], pa.string()) for n in ns]
                return pc.binary_join_element_wise(*parts, separator, null_handling="replace", null_replacement="\x00")
            null = np.ones(table.n_rows, dtype=bool)
            for n in names:
                null &= table.typed[n].is_null().to_numpy(zero_copy_only=False)
            found = pc.is_in(joined(table, names), value_set=_flat(joined(target, target_fields))).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(~null & ~found & ~table.blank)
        target_label = f"{target_name}.{', '.join(target_fields)}"

        def make(i: int, names=names, target_label=target_label, bad=bad):
            position = int(bad[i])
            values = [table.columns[n][position].as_py() for n in names]
            shown = ", ".join(str(v) for v in values)
            return table.problem("foreign-key", f'"{shown}" is not a {target_label} (no such row in {target_label.split(".")[0]})',
                                 position, names[0] if len(names) == 1 else None, cell=shown)

        report.add_many(len(bad), make)

"""Findings do not depend on how a table is cut into batches (issue 9, fast at 10^6 rows).

Clean tables are streamed piece by piece (`table.open_batches`); a rule that reads other rows than its own
(`sub-event-date`: a part of an event lies within its parent's dates) must still see the whole table. Here a
child event is moved outside its parent's dates, with the parent in another batch (before or after it), and
the streamed run, with pieces so small that every row is a batch of its own, must report exactly what the
general path (the whole table at once) reports.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from damage import edit_rows, find_row, matching, set_cells
from minusma_facts.validation import table as table_module
from minusma_facts.validation import validate_package


def _child(package):
    return find_row(package, "events", lambda r: bool(r["parent_event_id"]))


def _outside(package):
    """The first part of an event a day after its parent (day precision, so no other rule objects)."""
    set_cells(package, "events", _child(package), {"date_start": "2023-05-26", "date_end": "2023-05-26"})


def _parent_last(package):
    """As _outside, with the parent moved to the end of the table: after its parts, in the last batch."""
    _outside(package)

    def move(header, rows):
        parent = rows[_child(package) - 2][header.index("parent_event_id")]
        at = next(i for i, row in enumerate(rows) if row[header.index("event_id")] == parent)
        rows.append(rows.pop(at))
    edit_rows("events", move)(package)


DAMAGE = [
    pytest.param(_outside, id="parent in an earlier batch"),
    pytest.param(_parent_last, id="parent in a later batch"),
]


def _run(package, block_size, limit=1000):
    with pytest.MonkeyPatch.context() as patch:
        if block_size is None:
            patch.setattr(table_module, "open_batches", lambda *a, **k: table_module.FALLBACK)
        else:
            patch.setattr(table_module, "open_batches", functools.partial(table_module.open_batches, block_size=block_size))
        return validate_package(package, limit=limit).to_dict()


@pytest.mark.parametrize("limit", [1000, 1], ids=["limit 1000", "limit 1"])
@pytest.mark.parametrize("damage", DAMAGE)
def test_sub_event_date_is_judged_on_the_whole_table(package_copy, damage, limit):
    damage(package_copy)
    general = _run(package_copy, None, limit)
    found = matching(general, "sub-event-date", file="data/events.csv")
    assert len(found) == 1 and found[0]["field"] == "date_start", general["errors"]
    assert "2023-05-26 to 2023-05-26" in found[0]["note"]
    for block_size in (300, 5000):
        assert _run(package_copy, block_size, limit) == general, block_size


def test_sub_event_date_within_the_parent_is_fine_in_every_batch(package_copy):
    assert _run(package_copy, 300)["valid"] and _run(package_copy, None)["valid"]


def test_an_event_without_an_id_is_no_ones_parent(package_copy):
    """A row whose event_id is empty (a primary-key error) is not the parent of the rows without a parent."""
    set_cells(package_copy, "events", find_row(package_copy, "events", lambda r: not r["parent_event_id"] and r["date_end"] < "2020"),
              {"event_id": ""})
    for block_size in (None, 300):
        report = _run(package_copy, block_size)
        assert not matching(report, "sub-event-date"), report["errors"]
        assert len(matching(report, "primary-key", file="data/events.csv")) == 1


def _unknown_sources(package):
    """source_id pointing at no source in rows of several tables (checked batch by batch against the small
    sources table), beside another foreign key of the same table (checked on the whole table)."""
    set_cells(package, "events", 5, {"source_id": "no_such_source"})
    set_cells(package, "events", 9, {"source_id": "no_such_source_either", "claim_quote_id": "no_such_quote"})
    set_cells(package, "casualties", 2, {"event_id": "no_such_event"})
    set_cells(package, "casualties", 3, {"source_id": "no_such_source"})
    set_cells(package, "actors", 3, {"source_id": ""})


@pytest.mark.parametrize("limit", [1000, 2, 1], ids=["limit 1000", "limit 2", "limit 1"])
def test_foreign_keys_checked_batch_by_batch_report_what_the_whole_table_reports(package_copy, limit):
    _unknown_sources(package_copy)
    general = _run(package_copy, None, limit)
    if limit == 1000:
        assert len(matching(general, "foreign-key", field="source_id")) == 3, general["errors"]
        assert matching(general, "foreign-key", field="claim_quote_id") and matching(general, "foreign-key", field="event_id")
    for block_size in (300, 5000):
        assert _run(package_copy, block_size, limit) == general, block_size


@pytest.mark.parametrize("ending", ["\n", ""], ids=["final line end", "no final line end"])
@pytest.mark.parametrize("block_size", [7, 64, 1000, 1 << 20])
def test_pieces_hold_every_row_once_whatever_the_block_size(tmp_path, block_size, ending):
    """open_batches reads into two buffers in turn: every row comes out once, in order, also when a line is
    longer than a block (then a larger buffer) and when the last line has no line end."""
    rows = [["r%d" % i, "x" * (i * 37 % 150), "é" * (i % 5)] for i in range(300)]
    text = "id,text,more\n" + "\n".join(",".join(row) for row in rows) + ending
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    schema = {"fields": [{"name": "id"}, {"name": "text"}, {"name": "more"}]}
    header, names, batches, finish = table_module.open_batches(path, schema, block_size=block_size)
    got = {name: [] for name in names}
    pieces = 0
    for columns, blank in batches:
        pieces += 1
        for name in names:
            got[name].extend(columns[name].to_pylist())
    assert finish(len(got["id"])) and header == names == ["id", "text", "more"]
    assert [list(row) for row in zip(*(got[n] for n in names))] == rows
    assert pieces > 1 if block_size < 1000 else pieces >= 1


def test_batches_kept_to_the_end_are_not_overwritten_by_later_reads(tmp_path):
    """The worker reads each piece into one of two buffers while the last batch is checked: Arrow's columns of
    every batch, kept to the end as the key columns are, still hold their own rows once every piece was read."""
    rows = [["r%d" % i, "t%d-" % i + "y" * (i % 40)] for i in range(2000)]
    path = tmp_path / "t.csv"
    path.write_text("id,text\n" + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    header, names, batches, finish = table_module.open_batches(path, {"fields": [{"name": "id"}, {"name": "text"}]}, block_size=256)
    kept = [columns for columns, _ in batches]
    assert len(kept) > 10
    assert [[i, t] for columns in kept for i, t in zip(columns["id"].to_pylist(), columns["text"].to_pylist())] == rows


def test_a_table_that_falls_back_part_way_leaves_no_file_open(tmp_path, monkeypatch):
    """A CR line end in a later piece sends the table to the general path (FallbackNeeded); the reader stops and
    every file it opened is closed, though the worker had read and parsed ahead."""
    import builtins

    handles = []

    def recording_open(*args, **kwargs):
        handles.append(builtins.open(*args, **kwargs))
        return handles[-1]

    monkeypatch.setattr(table_module, "open", recording_open, raising=False)  # the reader's own opens, on any system
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,text\n" + b"".join(b"r%d,x\n" % i for i in range(500)) + b"late,cr\r\n" + b"z,z\n" * 50)
    header, names, batches, finish = table_module.open_batches(path, {"fields": [{"name": "id"}, {"name": "text"}]}, block_size=128)
    seen = 0
    with pytest.raises(table_module.FallbackNeeded):
        for _ in batches:
            seen += 1
    assert seen > 3
    assert len(handles) == 2 and all(handle.closed for handle in handles)  # the header's read and the pieces'


def test_each_column_of_a_batch_is_one_chunk(tmp_path, monkeypatch):
    """pyarrow parses a piece in blocks; the reader hands each column of a batch over as one chunk (the checks
    then go over one buffer, not one per block), with every value in its place."""
    monkeypatch.setattr(table_module, "parse_strings", functools.partial(table_module.parse_strings, block_size=256))
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,text\n" + b"".join(b"r%d,some text %d\n" % (i, i) for i in range(2000)))
    header, names, batches, finish = table_module.open_batches(path, {"fields": [{"name": "id"}, {"name": "text"}]}, block_size=1 << 13)
    seen = list(batches)
    assert len(seen) > 3 and finish(sum(len(blank) for _, blank in seen))
    assert all(column.num_chunks == 1 for columns, _ in seen for column in columns.values())
    assert [v for columns, _ in seen for v in columns["id"].to_pylist()] == [f"r{i}" for i in range(2000)]
    assert [v for columns, _ in seen for v in columns["text"].to_pylist()] == [f"some text {i}" for i in range(2000)]


def test_control_and_formula_screens_agree_with_the_full_checks():
    """cells._control_mask screens bytes before RE2 and _formula_mask reads first bytes: on random cells full
    of look-alikes (curly quotes, dashes, NBSP, zero-width and bidi characters, C0 and C1 controls) both give
    exactly what the full checks give cell by cell; the ends of the cells where id-whitespace trims (first and
    last bytes) include every cell the trim changes."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from minusma_facts.safety import CONTROL_PATTERN, looks_like_formula
    from minusma_facts.validation import cells as cells_module
    from minusma_facts.validation.cells import _control_mask, _first_bytes, _formula_mask

    rng = random.Random(9)
    alphabet = list("ab =+-@\t\n\r ") + ["\u2019", "\u201c", "\u2013", "\u00a0", "\u0085", "\u009f", "\u2028", "\u2029", "\u202a",
                                          "\u202e", "\u202f", "\u2066", "\u2069", "\u206a", "\u2060", "\u200b", "\ufeff", "\uff0b", "\u2192",
                                          "\x01", "\x7f", "\u00e9", "\u00c2", "\u20ac", ""]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(5000)]
    column = pa.chunked_array([pa.array(cells[:2000]), pa.array(cells[2000:]).slice(7)])
    flat = cells[:2000] + cells[2007:]
    expected = pc.match_substring_regex(pa.array(flat), pattern=CONTROL_PATTERN).to_pylist()
    assert _control_mask(column).tolist() == expected
    for block in (1, 2, 3, 7):  # a control character cut by the blocks its bytes are read in
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(cells_module, "_suspect_bytes", functools.partial(cells_module._suspect_bytes, block=block))
            assert _control_mask(column).tolist() == expected
    # what it keeps from block to block is the bytes that may begin a control, not every lead of the text
    import numpy as np

    text = np.frombuffer(("\u2192\u201c\u2014\u00a0" * 1000 + "\u202e\x01\u0085").encode(), np.uint8)
    assert cells_module._suspect_bytes(text, block=64).tolist() == [11000, 11003, 11004]
    assert _formula_mask(column).tolist() == [looks_like_formula(v) for v in flat]
    encoded = [v.encode() for v in flat]
    assert _first_bytes(column).tolist() == [e[0] if e else 0 for e in encoded]
    assert _first_bytes(column, last=True).tolist() == [e[-1] if e else 0 for e in encoded]
    changed = [v.encode() for v, t in zip(flat, pc.utf8_trim_whitespace(pa.array(flat)).to_pylist()) if v != t]
    assert changed and all(any(0 < b <= 0x20 or b >= 0x7F for b in (e[0], e[-1])) for e in changed)


def _nfc_maybe() -> set[int]:
    """The code points NFC may compose with what stands before them (NFC_Quick_Check=Maybe), from unicodedata: the
    second of the two code points a primary composite decomposes to (one NFC leaves as it is), and the Hangul
    vowel and trailing jamo, which compose by rule."""
    import unicodedata

    maybe = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for code in range(0x110000):
        mapping = unicodedata.decomposition(chr(code))
        if mapping and not mapping.startswith("<") and len(mapping.split()) == 2 \
                and unicodedata.normalize("NFC", chr(code)) == chr(code):
            maybe.add(int(mapping.split()[1], 16))
    return maybe


def test_the_nfc_screen_passes_only_starters_that_nfc_keeps_and_never_composes():
    """cells._nfc_suspects, on one cell per code point from U+0080 up: a code point it passes is assigned, has
    combining class 0, is its own NFC and is no second half of a composition (so a text of such code points is in
    NFC: Unicode's quick check). It passes exactly U+0080 to U+02FF and U+2002 to U+203F; U+2000 and U+2001 (which
    NFC replaces) and the combining marks are looked at. Also read a byte at a time (a character cut by a block)."""
    import unicodedata

    import pyarrow as pa

    from minusma_facts.validation.cells import _nfc_suspects

    codes = [c for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    suspect = _nfc_suspects(pa.array([chr(c) for c in codes], pa.string()))
    passed = [c for c, flagged in zip(codes, suspect.tolist()) if not flagged]
    assert passed == [*range(0x80, 0x300), *range(0x2002, 0x2040)]
    near = [chr(c) for c in range(0x80, 0x3100)]
    assert (_nfc_suspects(pa.array(near, pa.large_string()), block=1) == _nfc_suspects(pa.array(near, pa.string()))).all()
    maybe = _nfc_maybe()
    for code in passed:
        char = chr(code)
        assert unicodedata.category(char) != "Cn", hex(code)
        assert unicodedata.combining(char) == 0 and unicodedata.normalize("NFC", char) == char and code not in maybe, hex(code)


def test_the_nfc_screen_finds_every_cell_that_is_not_nfc():
    """On random cells of passed and looked-at code points (precomposed and decomposed letters, combining marks
    in and out of order, Hangul syllables and jamo, NFC's singletons, typographic quotes), the not-nfc findings of
    cells._screen are exactly the cells unicodedata finds not in NFC, in a sliced chunk too."""
    import random
    import unicodedata

    import numpy as np
    import pyarrow as pa

    from minusma_facts.validation.cells import _nfc_suspects, _screen

    rng = random.Random(12)
    alphabet = list("ae AE") + ["\u00e9", "\u00c5", "\u0301", "\u0327", "\u0323", "\u0344", "\u212b", "\u2126", "\u2000", "\u2001",
                                "\u2002", "\u2019", "\u201c", "\u2014", "\u2070", "\u1100", "\u1161", "\u11a8", "\uac00", "\uac01",
                                "\u0b47", "\u0b3e", "\uf900", "\u3042", "\u3099", "\U0001f600", "\u02bc", "\u00ef", ""]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(6000)]
    # a sliced chunk, an empty one and one of empty cells
    column = pa.chunked_array([pa.array(cells[:2500]), pa.array(cells[2500:]).slice(5), pa.array([], pa.string()), pa.array(["", ""])])
    flat = cells[:2500] + cells[2505:] + ["", ""]
    expected = [not unicodedata.is_normalized("NFC", v) for v in flat]
    assert 100 < sum(expected) < len(flat) - 100
    suspect = _nfc_suspects(column)
    assert not any(e and not s for e, s in zip(expected, suspect.tolist()))
    assert (~suspect).sum() > 1000  # the screen passes cells: unicodedata looks at the rest only
    for block in (1, 2, 3, 7):  # characters cut by the blocks the bytes are read in
        assert (_nfc_suspects(column, block=block) == suspect).all()
    assert (_nfc_suspects(column.cast(pa.large_string())) == suspect).all()
    found = {}
    _screen(lambda mask, type_, name, note: found.__setitem__(type_, np.asarray(mask)), column, "text", "string", False)
    assert found["not-nfc"].tolist() == expected


def test_the_fast_date_path_reads_every_date_as_python_does():
    """cells._fast_date, on columns of random dates from 1000 to 9999 (leap days, month and year ends, sliced
    chunks, missing cells): the same days as datetime.date; and no typed column at all (the general path then
    reads it) when one cell is no real YYYY-MM-DD date."""
    import datetime
    import random

    import numpy as np
    import pyarrow as pa

    from minusma_facts.validation.cells import _fast_date

    rng = random.Random(13)
    first, last = datetime.date(1000, 1, 1).toordinal(), datetime.date(9999, 12, 31).toordinal()
    edges = ["1000-01-01", "9999-12-31", "1970-01-01", "1969-12-31", "2000-02-29", "2024-02-29", "1600-02-29", "2023-03-01",
             "2023-12-31", "2024-01-01", "1900-02-28", "2100-03-01"]
    wrong = ["1900-02-29", "2023-02-29", "2100-02-29", "2023-04-31", "2023-00-10", "2023-13-01", "2023-01-00", "2023-01-32",
             "0999-12-31", "2023/01/05", "2023-1-05 ", "２０２３-01-05"[:10], "2023-01-0a", "-023-01-05", "2023--1-05", "2023-01/05", "2023-01005", "2023001-05",
             "2023-01-\u00e9", "2023-01-0/", "2023-0:-05"]  # ten bytes: a byte above "9", or below "0", where a digit goes
    for _ in range(60):
        cells = [rng.choice(edges) if rng.random() < 0.2 else datetime.date.fromordinal(rng.randint(first, last)).isoformat()
                 for _ in range(rng.randint(1, 300))]
        present = np.array([rng.random() > 0.1 for _ in cells])
        cells = [c if p else "" for c, p in zip(cells, present)]
        cut = rng.randint(0, len(cells))
        column = pa.chunked_array([pa.array(["x"] + cells[:cut], pa.string()).slice(1), pa.array(cells[cut:], pa.string())])
        expected = pa.array([datetime.date.fromisoformat(c) if p else None for c, p in zip(cells, present)], pa.date32())
        assert _fast_date(column, present).equals(expected)
        bad = rng.randrange(len(cells))
        cells[bad], present[bad] = rng.choice(wrong), True
        assert _fast_date(pa.chunked_array([pa.array(cells)]), present) is None, cells[bad]


def test_distinct_rows_groups_rows_by_their_values():
    """provenance._distinct_rows (one Arrow group-by) gives each row with every value its combination's group
    and that group's first row, on random columns of text and integers cut into chunks anywhere."""
    import random

    import pyarrow as pa

    from minusma_facts.validation.provenance import _distinct_rows

    rng = random.Random(11)
    for _ in range(200):
        n = rng.randint(0, 60)
        columns, values = [], []
        for kind in rng.choices([pa.string(), pa.int64()], k=rng.randint(1, 4)):
            cells = [rng.choice(["a", "b", "", None, "\u00e9"] if kind == pa.string() else [None, 0, 1, 2]) for _ in range(n)]
            cut = rng.randint(0, n)
            columns.append(pa.chunked_array([pa.array(cells[:cut], kind), pa.array(cells[cut:], kind)], kind))
            values.append(cells)
        combination = [tuple(cells[i] for cells in values) for i in range(n)]
        complete = [i for i in range(n) if None not in combination[i]]
        firsts: dict = {}
        for i in complete:
            firsts.setdefault(combination[i], i)
        rows, first, inverse = _distinct_rows(columns)
        assert rows.tolist() == complete
        assert sorted(rows[first].tolist()) == sorted(firsts.values())
        assert [int(rows[first[g]]) for g in inverse] == [firsts[combination[i]] for i in complete]


def test_per_distinct_judges_every_row_by_its_own_values():
    """semantics._per_distinct calls the rule once per distinct combination (found from codes in order of first
    appearance, without a sort) and gives every row the verdict on its own values."""
    import random

    import pandas as pd

    from minusma_facts.validation import semantics

    rng = random.Random(13)
    for _ in range(100):
        n = rng.randint(0, 40)
        frame = pd.DataFrame({"a": pd.array([rng.choice(["x", "y", None]) for _ in range(n)], "string"),
                              "b": pd.array([rng.choice([1, 2, None]) for _ in range(n)], "Int64")})
        calls = []

        def fine(values):
            calls.append(values)
            return values

        def judge(values):
            return values[0] != "x" or values[1] is None
        try:
            got = semantics._per_distinct(frame, ["a", "b"], fine, judge).tolist()
        finally:
            semantics._DISTINCT.clear()
        rows = [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]
        assert got == [judge(row) for row in rows]
        assert len(calls) == len(set(rows)) and set(calls) == set(rows)  # once per distinct combination


@pytest.mark.parametrize("block_size", [64, 300, 5000, 1 << 20])
def test_a_value_holding_a_line_end_sends_the_table_to_the_general_path(package_copy, block_size):
    """The pieces are parsed with pyarrow's newline chunker, which may cut a quoted value that holds a line end:
    such a piece gives a parse error or fewer rows than lines, either way the general path reads the table."""
    set_cells(package_copy, "figures", 4, {"coding_note": 'a "quoted, odd" note\nover two lines'})
    set_cells(package_copy, "figures", 6, {"coding_note": "\n", "value_best": "lots"})
    general = _run(package_copy, None)
    assert matching(general, "type-error", field="value_best"), general["errors"]
    assert _run(package_copy, block_size) == general


@settings(max_examples=200, deadline=None)
@given(text=st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"")), block=st.integers(1, 40))
def test_lines_are_counted_as_the_bytes_hold_them(text, block):
    """A piece's lines, counted by numpy a block at a time, are its line ends plus a last line without one."""
    buffer = bytearray(text + b"\0" * 7)  # the reader's buffers are larger than what they hold
    expected = text.count(b"\n") + (0 if text.endswith(b"\n") else 1)
    assert table_module._count_lines(buffer, len(text), block=block) == expected


def test_each_batch_is_checked_across_its_columns_beside_the_next_batchs_cells(package_copy, monkeypatch):
    """The rules and spans of batch k run in a thread of their own while check_fields reads batch k+1; never more
    than one batch waits there (memory stays at two batches), and what they find is filed as before."""
    import threading

    from minusma_facts.validation import cells, semantics

    events: list[tuple[str, int, str]] = []
    lock = threading.Lock()
    next_fields = threading.Event()
    overlapped = []
    real_fields, real_rules = cells.check_fields, semantics.check_semantics

    def note(what, table):
        if table.resource == "events" and table.batch is not None:
            with lock:
                events.append((what, table.batch, threading.current_thread().name))

    def fields(report, table, *args, **kwargs):
        if table.resource == "events" and table.batch == 1:
            next_fields.set()
        note("fields", table)
        return real_fields(report, table, *args, **kwargs)

    def rules(report, table, whole=None, present=None):
        if table.resource == "events" and whole is False:
            if table.batch == 0:  # waits (a deadlock guard, not a timing) for batch 1's cells to be checked meanwhile
                overlapped.append(next_fields.wait(timeout=60))
            note("rules", table)
        return real_rules(report, table, whole, present)

    monkeypatch.setattr(cells, "check_fields", fields)
    monkeypatch.setattr(semantics, "check_semantics", rules)
    set_cells(package_copy, "casualties", 2, {"count_low": "9", "count_best": "3", "count_high": "1"})
    with monkeypatch.context() as patch:
        patch.setattr(table_module, "open_batches", lambda *a, **k: table_module.FALLBACK)
        general = validate_package(package_copy).to_dict()
    events.clear()
    monkeypatch.setattr(table_module, "open_batches", functools.partial(table_module.open_batches, block_size=300))
    streamed = validate_package(package_copy).to_dict()
    assert streamed == general and not streamed["valid"]
    assert overlapped == [True]
    assert {thread for what, _, thread in events if what == "rules"} != {threading.main_thread().name}
    assert all(thread == threading.main_thread().name for what, _, thread in events if what == "fields")
    order = [(what, batch) for what, batch, _ in events]
    batches = max(batch for _, batch in order) + 1
    assert batches > 3
    for batch in range(batches - 2):  # batch k's rules are done before batch k+2's cells are checked
        if ("rules", batch) in order and ("fields", batch + 2) in order:
            assert order.index(("rules", batch)) < order.index(("fields", batch + 2))


def test_a_failure_in_the_second_thread_stops_the_run(package_copy, monkeypatch):
    """An exception in the thread that checks a batch across its columns is the run's (exit 2), never lost."""
    from minusma_facts.validation import Broken, provenance

    def broken(report, table, texts):
        raise Broken("a span check's own bug")

    monkeypatch.setattr(provenance, "check_spans", broken)
    monkeypatch.setattr(table_module, "open_batches", functools.partial(table_module.open_batches, block_size=300))
    with pytest.raises(Broken, match="own bug"):
        validate_package(package_copy)


def test_validate_runs_on_jemalloc_keeping_freed_pages_for_decay_ms(package_copy, monkeypatch):
    """validate checks on jemalloc, which keeps Arrow's freed pages for DECAY_MS (each batch allocates buffers of
    the sizes the last one freed), and gives the caller's pool back afterwards."""
    import pyarrow as pa

    from minusma_facts import validation

    decays, pools = [], []
    set_decay = pa.jemalloc_set_decay_ms
    monkeypatch.setattr(pa, "jemalloc_set_decay_ms", lambda ms: decays.append(ms) or set_decay(ms))
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        report = validate_package(package_copy, progress=lambda *a: pools.append(pa.default_memory_pool().backend_name))
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(before)
    assert report.valid, report.errors[:3]
    assert decays == [validation.DECAY_MS] and 250 <= validation.DECAY_MS <= 1000  # where the peak was measured under 1 GiB
    assert set(pools) == {"jemalloc"}

"""The engine's fast paths report exactly what its general path reports.

Clean tables are read piece by piece (`open_batches`) and their common cells take fast paths in
`check_fields`; anything else takes the general path (the whole file's bytes, `read_table`). Here the same
damaged package is validated both ways, with pieces small enough that every table is cut into many, and
with a small `--limit` so the kept list itself is compared: the reports must be equal.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from damage import edit_bytes, edit_rows, get_cell, set_cell, set_cells
from minusma_facts.validation import table as table_module
from minusma_facts.validation import validate_package


DAMAGE = [
    pytest.param(lambda p: None, id="clean"),
    pytest.param(lambda p: set_cells(p, "events", 3, {"admin_level": "x", "latitude": "1.2.3", "is_series": "yes",
                                                      "date_end": "2023-02-30", "date_start": "2023-1-5"}), id="types"),
    pytest.param(lambda p: set_cells(p, "events", 2, {"event_type": "picnic", "country_iso3": "mli", "latitude": "-91",
                                                      "event_name": "", "evidence_start": " +7"}), id="constraints"),
    pytest.param(lambda p: set_cells(p, "figures", 4, {"value_low": "1e3", "value_best": "-2", "value_high": "nan"}), id="numbers"),
    pytest.param(lambda p: set_cell(p, "actors", 5, "actor_id", get_cell(p, "actors", 2, "actor_id")), id="duplicate id"),
    pytest.param(lambda p: set_cells(p, "quote_events", 6, {"event_id": "nothing_here", "coding_note": "=SUM(A1)"}), id="foreign key and formula"),
    pytest.param(lambda p: set_cell(p, "actors", 3, "actor_name", "Cafe\u0301"), id="not NFC"),
    pytest.param(edit_rows("figures", lambda h, rows: rows.insert(2, [""] * len(h))), id="blank row"),
    pytest.param(edit_rows("figures", lambda h, rows: (rows[1].append("surplus"), rows[3].pop())), id="cell counts"),
    pytest.param(lambda p: set_cells(p, "casualties", 2, {"count_low": "9", "count_best": "3", "count_high": "1"}), id="semantic order"),
    pytest.param(lambda p: set_cell(p, "events", 4, "evidence", "words that are not in the text"), id="evidence mismatch"),
    # the piece's bytes are checked as UTF-8 at once, not cell by cell: a bad byte in a late row still sends the
    # table to the general path, which names its line
    pytest.param(lambda p: edit_bytes(p, "data/events.csv", lambda b: b[: b.rindex(b"\n", 0, -1)] + b"\xff" + b[b.rindex(b"\n", 0, -1):]),
                 id="not UTF-8 in the last row"),
]


def _general_path_only(monkeypatch):
    monkeypatch.setattr(table_module, "open_batches", lambda *a, **k: table_module.FALLBACK)


@pytest.mark.parametrize("limit", [1000, 3])
@pytest.mark.parametrize("damage", DAMAGE)
def test_fast_paths_report_what_the_general_path_reports(package_copy, monkeypatch, damage, limit):
    damage(package_copy)
    with monkeypatch.context() as patch:
        patch.setattr(table_module, "open_batches", functools.partial(table_module.open_batches, block_size=300))
        fast = validate_package(package_copy, limit=limit).to_dict()
    with monkeypatch.context() as patch:
        _general_path_only(patch)
        general = validate_package(package_copy, limit=limit).to_dict()
    assert fast == general


# the same comparison on copies rewritten in a dialect each reader must honour (issue 9)
DIALECTS = [
    pytest.param({"delimiter": ";"}, id="semicolon"),
    pytest.param({"delimiter": "\t", "quoteChar": "'"}, id="tab and single quote"),
    pytest.param({"delimiter": ";", "doubleQuote": False, "escapeChar": "\\"}, id="escape char"),
]
DIALECT_DAMAGE = [
    pytest.param(lambda p: None, True, id="clean"),
    pytest.param(lambda p: set_cell(p, "figures", 3, "value_best", "lots"), False, id="type error"),
    pytest.param(lambda p: set_cell(p, "figures", 4, "coding_note", 'a "quoted; odd\' note\nover two lines'), True,
                 id="quotes and newline"),
]


@pytest.mark.parametrize("damage, valid", DIALECT_DAMAGE)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_fast_paths_report_what_the_general_path_reports_in_a_dialect(package_copy, monkeypatch, dialect, damage, valid):
    from test_validate_dialects import rewrite

    damage(package_copy)
    rewrite(package_copy, dialect)
    with monkeypatch.context() as patch:
        patch.setattr(table_module, "open_batches", functools.partial(table_module.open_batches, block_size=300))
        fast = validate_package(package_copy, limit=50).to_dict()
    with monkeypatch.context() as patch:
        _general_path_only(patch)
        general = validate_package(package_copy, limit=50).to_dict()
    assert fast == general
    assert fast["valid"] == valid, fast["errors"][:3]


def _schema_patterns():
    import json
    from pathlib import Path

    found = set()
    for path in sorted((Path(__file__).resolve().parents[1] / "schemas").glob("*.schema.json")):
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            if "pattern" in (field.get("constraints") or {}):
                found.add(field["constraints"]["pattern"])
    return sorted(found)


@pytest.mark.parametrize("pattern", _schema_patterns() + ["^[a-z]+$", "^a[b-c]{2}[x_-]*$", "^x$", "[a-z]*", "^[^a]*$", "^(?:a|b)$"])
def test_class_run_patterns_match_what_re2_matches(pattern):
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from minusma_facts.validation.cells import _regex_mask

    rng = random.Random(7)
    alphabet = list("abcxyzAZ09_-./ \n\t") + ["\u00e9", "\u20ac", ""]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    cells += ["abc", "a_1", "1ab", "MLI", "ML", "ab", "a" * 64, "0" * 64, "abc\n", "", "x", "en", "a.txt", "texts/a.txt"]
    # a sliced chunk, and chunks with no byte at all (empty cells only, no cell)
    column = pa.chunked_array([pa.array(cells[:1000]), pa.array(cells[1000:]).slice(3), pa.array(["", ""]), pa.array([], pa.string())])
    wrapped = f"^(?:{pattern})$"
    expected = pc.match_substring_regex(column, pattern=wrapped).to_numpy(zero_copy_only=False)
    assert (_regex_mask(column, wrapped) == expected).all()


@pytest.mark.parametrize("distinct", [3, 400], ids=["few values", "many values"])
def test_foreign_keys_looked_up_together_find_what_each_alone_finds(distinct):
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from minusma_facts.validation.cells import _single_field_lookups
    from minusma_facts.validation.table import TableData, _same_line

    target_ids = pa.array([f"id_{i}" for i in range(500)] + [None])
    rng = np.random.default_rng(3)

    def column():
        values = ["nowhere"] + [f"id_{int(i)}" for i in rng.integers(0, 520, distinct)]
        return pa.chunked_array([pa.array([values[int(i)] if rng.random() > 0.1 else None for i in rng.integers(0, len(values), 300)])
                                 for _ in range(2)])

    fks = [{"fields": f, "reference": {"resource": "t", "fields": "t_id"}} for f in ("a", "b")]
    fks.append({"fields": "c", "reference": {"resource": "t", "fields": ["t_id"]}})
    typed = {"a": column(), "b": column(), "c": column()}
    n = len(typed["a"])
    source = TableData("s", "s.csv", {"foreignKeys": fks}, [], typed, np.arange(2, n + 2), np.zeros(n, bool), _same_line, dict(typed))
    target = TableData("t", "t.csv", {}, [], {}, np.arange(2, 503), np.zeros(501, bool), _same_line, {"t_id": target_ids})
    found = _single_field_lookups(source, {"s": source, "t": target})
    for number, name in enumerate(("a", "b", "c")):
        alone = pc.is_in(typed[name], value_set=target_ids.drop_null()).to_numpy(zero_copy_only=False)
        present = ~typed[name].is_null().to_numpy(zero_copy_only=False)  # a missing value is no foreign-key error
        assert (found[number] == alone)[present].all() and not alone[present].all()


# -- the screens of ours are skipped only where they would find nothing ------------------------------------
SCREENED_SCHEMA = {
    "missingValues": ["", "NA", "=NA"],  # a missing value is a cell too: one that looks like a formula is found
    "primaryKey": "item_id",
    "fields": [
        {"name": "item_id", "type": "string", "constraints": {"pattern": "^[a-z][a-z0-9_]*$"}},
        {"name": "code", "type": "string", "constraints": {"pattern": "^[a-z-]+$"}},  # may begin with a sign
        {"name": "ref_id", "type": "string", "missingValues": [""], "constraints": {"pattern": "^[a-z][a-z0-9_]*$"}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["alpha", "beta", "Caf\u00e9"]}},
        {"name": "risky", "type": "string", "constraints": {"enum": ["alpha", "=SUM(A1)", "Cafe\u0301", "b\u202eeta"]}},
        {"name": "flag", "type": "boolean"},
        {"name": "answer", "type": "boolean", "trueValues": ["yes", "=yes"], "falseValues": ["no"]},
        {"name": "day", "type": "date"},
        {"name": "note", "type": "string"},
    ],
}
SCREENED_CELLS = {
    "item_id": ["a_1", "b2", "zz", "", "NA", "=NA", " a_1", "a_1\t", "=cmd", "-a", "\u00e9t\u00e9", "a\u0007b", "A1"],
    "code": ["abc", "a-b", "-ab", "+x", "", "=NA", "ab\u200b"],
    "ref_id": ["a_1", "b", "", "NA", "=x", " b", "b\u0085"],
    "kind": ["alpha", "beta", "Caf\u00e9", "Cafe\u0301", "", "NA", "=NA", "gamma", "\u202ealpha"],
    "risky": ["alpha", "=SUM(A1)", "Cafe\u0301", "b\u202eeta", "", "=NA"],
    "flag": ["true", "false", "TRUE", "0", "yes", "", "=NA", "\ttrue"],
    "answer": ["yes", "=yes", "no", "", "=NA", "maybe"],
    "day": ["2024-01-31", "2024-02-30", "", "NA", "=NA", "2024-1-5", "\u20122024-01-01"],
    "note": ["plain", "=1+1", "Cafe\u0301", "", "tab\there"],
}


SCREENS = {"id-whitespace", "formula-injection", "control-character", "not-nfc"}


def _screened_table(rows: list[dict[str, str]]):
    import numpy as np
    import pyarrow as pa

    from minusma_facts.validation.table import TableData, _same_line

    n = len(rows)
    # two chunks, the second a slice of a larger array (its offsets do not start at 0)
    columns = {f["name"]: pa.chunked_array([pa.array([r[f["name"]] for r in rows[: n // 2]], pa.string()),
                                            pa.array(["=pad"] + [r[f["name"]] for r in rows[n // 2 :]], pa.string()).slice(1)])
               for f in SCREENED_SCHEMA["fields"]}
    return TableData("t", "t.csv", SCREENED_SCHEMA, [f["name"] for f in SCREENED_SCHEMA["fields"]], columns,
                     np.arange(2, n + 2), np.zeros(n, bool), _same_line)


def _screened_findings(rows: list[dict[str, str]]):
    """What check_fields finds of the screens' types, as (type, row, field), and the fields it screened."""
    from minusma_facts.report import Report
    from minusma_facts.validation import cells

    report = Report("t", 10_000)
    screened = []
    real_screen = cells._screen

    def screen(emit, column, name, *rest):
        screened.append(name)
        return real_screen(emit, column, name, *rest)

    cells._screen = screen
    try:
        cells.check_fields(report, _screened_table(rows))
    finally:
        cells._screen = real_screen
    report.sort()
    return sorted((p.type, p.row, p.field) for p in report.errors + report.warnings if p.type in SCREENS), screened


def _every_column_screened(rows: list[dict[str, str]]):
    """The same, from the screens run on every column whatever its other checks found."""
    import numpy as np

    from minusma_facts.validation import cells

    table = _screened_table(rows)
    found = []
    for field in SCREENED_SCHEMA["fields"]:
        name = field["name"]

        def emit(mask, type_, field_name, note):
            found.extend((type_, int(i) + 2, field_name) for i in np.flatnonzero(mask))

        cells._screen(emit, table.columns[name], name, field["type"], name in cells.key_fields(SCREENED_SCHEMA))
    return sorted(found)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({name: st.sampled_from(values) for name, values in SCREENED_CELLS.items()}),
                min_size=1, max_size=12))
def test_screens_skipped_only_where_they_would_find_nothing(rows):
    """A column whose every non-empty cell matches a pattern of safe ASCII classes, is one of a few safe texts
    (an enum, a boolean's words) or a date the fast path read is not screened: check_fields finds what the screens
    find when run on every column."""
    assert _screened_findings(rows)[0] == _every_column_screened(rows)


def test_clean_columns_of_safe_texts_are_not_screened():
    """The skip happens: on clean cells only the column whose pattern allows a sign first, the enum and the boolean
    whose texts a screen flags, and the free text are screened."""
    rows = [{"item_id": f"a{i}", "code": "ab", "ref_id": "" if i % 2 else "b", "kind": "beta", "risky": "alpha", "flag": "true", "answer": "no", "day": "2024-01-31",
             "note": "x"}
            for i in range(4)]
    findings, screened = _screened_findings(rows)
    assert findings == [] and sorted(screened) == ["answer", "code", "note", "risky"]

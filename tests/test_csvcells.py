"""The byte-range CSV reader and cell rewriter that locate and add-source use: only the edited cells change."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minusma_facts.csvcells import CsvError, CsvFile, Dialect

ROOT = Path(__file__).resolve().parents[1]
CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n€é’1')), max_size=8)  # a lone CR cell is written unquoted by Python


def _write(rows: list[list[str]], quoting: int, ending: str, final: bool) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, quoting=quoting, lineterminator=ending).writerows(rows)
    text = buffer.getvalue()
    return (text if final else text[: -len(ending)]).encode("utf-8")


TABLES = st.integers(2, 4).flatmap(lambda width: st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=6))


@settings(max_examples=300, deadline=None)
@given(TABLES, st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_values_are_pythons_and_an_identity_rewrite_keeps_every_byte(rows, quoting, ending, final):
    rows = [r for r in rows if r != [""]]  # a lone empty cell is a blank line, which every reader skips
    if not rows:
        return
    raw = _write(rows, quoting, ending, final)
    table = CsvFile(raw, "t.csv")
    assert [[table.value(c) for c in r.cells] for r in table.records] == list(csv.reader(io.StringIO(raw.decode(), newline="")))
    assert table.rewrite({}) == raw
    assert table.rewrite({c: table.value(c) for r in table.records for c in r.cells}) == raw


@settings(max_examples=200, deadline=None)
@given(TABLES, st.sampled_from(["\n", "\r\n"]), st.data())
def test_an_edit_changes_that_cell_and_no_other_byte(rows, ending, data):
    rows = [r for r in rows if r != [""]]
    if not rows:
        return
    raw = _write(rows, csv.QUOTE_MINIMAL, ending, True)
    table = CsvFile(raw, "t.csv")
    record = data.draw(st.sampled_from(table.records))
    cell = data.draw(st.sampled_from(record.cells))
    value = data.draw(st.text(alphabet="0123456789", max_size=5))
    out = table.rewrite({cell: value})
    assert out[: cell[0]] == raw[: cell[0]]
    new_end = len(out) - (len(raw) - cell[1])
    assert out[new_end:] == raw[cell[1]:]
    again = CsvFile(out, "t.csv")
    assert [[again.value(c) for c in r.cells] for r in again.records] == [
        [value if (r is record and c == cell) else table.value(c) for c in r.cells] for r in table.records]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "data").glob("*.csv")))
def test_every_data_file_reads_as_pythons_csv_does(name):
    raw = (ROOT / "data" / name).read_bytes()
    table = CsvFile(raw, name)
    assert [[table.value(c) for c in r.cells] for r in table.records] == list(csv.reader(io.StringIO(raw.decode(), newline="")))


@pytest.mark.parametrize("raw, message", [
    pytest.param(b'a,b\n"x,y\n', "a quoted cell is never closed", id="unclosed quote"),
    pytest.param(b'a,b\n"x"y,z\n', "text after the closing quote", id="text after quote"),
    pytest.param(b"", "has no header", id="empty file"),
])
def test_what_cannot_be_edited_in_place_is_refused(raw, message):
    with pytest.raises(CsvError, match=message):
        CsvFile(raw, "t.csv")


def test_a_quoted_cell_stays_quoted_and_append_keeps_the_line_ending():
    table = CsvFile(b'"a","b"\r\n"1","2"\r\n', "t.csv")
    assert table.rewrite({table.records[1].cells[0]: "7"}) == b'"a","b"\r\n"7","2"\r\n'
    assert table.append(["x,y", "z"]) == b'"a","b"\r\n"1","2"\r\n"x,y",z\r\n'
    assert CsvFile(b"a\n1", "t.csv").append(["2"]) == b"a\n1\n2\n"


def test_a_resource_dialect_is_followed_or_refused():
    assert Dialect.of({"dialect": {"delimiter": ";"}}, "t.csv").delimiter == b";"
    table = CsvFile(b"a;b\n1;\"x;y\"\n", "t.csv", Dialect(b";"))
    assert [table.value(c) for c in table.records[1].cells] == ["1", "x;y"]
    with pytest.raises(CsvError, match="escapeChar"):
        Dialect.of({"dialect": {"escapeChar": "\\"}}, "t.csv")


def test_records_know_their_physical_line():
    table = CsvFile(b'a,b\n"x\ny",1\n\n"p\r\nq\rr",2\nlast,3', "t.csv")
    assert [r.line for r in table.records] == [1, 2, 5, 8]
    assert [table.value(c) for c in table.records[2].cells] == ["p\r\nq\rr", "2"]


def test_render_keeps_stored_records_and_unchanged_cells_byte_for_byte():
    raw = b'\xef\xbb\xbfid,name\r\na,"x"\r\nb,"say ""hi"""\r\nc,z'
    table = CsvFile(raw, "t.csv")
    header, a, b, c = table.records
    assert table.render([(r, None) for r in table.records]) == raw
    # b's name changes, a's id cell is rewritten with its own value (kept as stored), c is deleted, d is new
    out = table.render([(header, None), (a, ["a", "x"]), (b, ["b", "plain"]), (None, ["d", "q,r"])])
    assert out == b'\xef\xbb\xbfid,name\r\na,"x"\r\nb,plain\r\nd,"q,r"\r\n'
    # the old last record, without a line ending, gets the file's own when a record follows it
    assert table.render([(header, None), (c, None), (a, None)]) == b'\xef\xbb\xbfid,name\r\nc,z\r\na,"x"\r\n'


@pytest.mark.parametrize("raw, whole", [
    pytest.param(b"a\n1\n2\n", True, id="records fill the file"),
    pytest.param(b"a\n1\n\n2\n", False, id="blank line between records"),
    pytest.param(b"\na\n1\n", False, id="blank line first"),
    pytest.param(b"a\n1\n\n", False, id="blank line last"),
])
def test_contiguous_says_whether_blank_lines_would_be_lost(raw, whole):
    assert CsvFile(raw, "t.csv").contiguous() is whole


def test_the_dialect_is_read_as_validate_reads_it(tmp_path):
    """One reading of a dialect (validation.dialect): what validate refuses, the editing commands refuse by name."""
    with pytest.raises(CsvError, match="'delimeter'"):
        Dialect.of({"dialect": {"delimeter": ";"}}, "t.csv")
    with pytest.raises(CsvError, match="quoteChar"):
        Dialect.of({"dialect": {"quoteChar": ""}}, "t.csv")
    with pytest.raises(CsvError, match="ASCII"):
        Dialect.of({"dialect": {"delimiter": "§"}}, "t.csv")
    with pytest.raises(CsvError, match="headerRows"):
        Dialect.of({"dialect": {"headerRows": [1, 2]}}, "t.csv")
    assert Dialect.of({"dialect": {"headerRows": [1], "csvddfVersion": 1.2, "nullSequence": "NA"}}, "t.csv") == Dialect()
    # a dialect in a file of the package is followed when the package is given, and refused by path otherwise
    from minusma_facts.package import Package

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_bytes(b"a;b\n1;2\n")
    (tmp_path / "dialect.json").write_text('{"delimiter": ";"}', encoding="utf-8")
    resource = {"name": "t", "path": "data/t.csv", "dialect": "dialect.json", "schema": {"fields": [{"name": "a"}, {"name": "b"}]}}
    (tmp_path / "datapackage.json").write_text(json.dumps({"name": "p", "resources": [resource]}), encoding="utf-8")
    package = Package.open(tmp_path, strict=False)
    assert Dialect.of(resource, "data/t.csv", package).delimiter == b";"
    with pytest.raises(CsvError, match="reference"):
        Dialect.of(resource, "data/t.csv")
    (tmp_path / "dialect.json").write_text('{"delimiter": ";", "escapeChar": "\\\\"}', encoding="utf-8")
    with pytest.raises(CsvError, match="escapeChar"):
        Dialect.of(resource, "data/t.csv", Package.open(tmp_path, strict=False))

"""Each kind of damage to a copy of the real package is found: exit code 1, the error type, file, row, field.

One parametrized test per layer: descriptor, files, cells, semantics, provenance. Each case damages the copy
and names what validate must report.
"""

from __future__ import annotations

import pytest

from damage import edit_bytes, edit_json, find_row, get_cell, matching, read_rows, resource_of, set_cell, set_cells, write_rows


def check(run_validate, package, type_, file=None, row=None, field=None, severity="error", code=1):
    exit_code, out, err, report = run_validate(package, "--json")
    assert "Traceback" not in out + err
    assert exit_code == code, report and report["errors"][:5]
    found = matching(report, type_, file=file, row=row, field=field, severity=severity)
    assert found, f"no {type_} at {file} row {row} field {field}; got {[(p['type'], p['file'], p['row'], p['field']) for p in report['errors'][:10]]}"
    return report


# -- 1. descriptor -------------------------------------------------------------------------------------
def _drop_resource(name):
    return lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != name])


def _set_path(name, value, key="path"):
    return lambda d: resource_of(d, name).update({key: value})


DESCRIPTOR_CASES = [
    pytest.param(lambda p: (p / "datapackage.json").write_text("{not json", encoding="utf-8"), "descriptor-error", "datapackage.json", None, id="not JSON"),
    pytest.param(lambda p: (p / "datapackage.json").write_text("[1, 2]", encoding="utf-8"), "descriptor-error", "datapackage.json", None, id="not an object"),
    pytest.param(lambda p: edit_json(p, "datapackage.json", lambda d: d.update(resources="tables")), "descriptor-error", "datapackage.json", None, id="not a data package"),
    pytest.param(lambda p: edit_json(p, "datapackage.json", _drop_resource("figures")), "resource-missing", "data/figures.csv", None, id="table not a resource"),
    pytest.param(lambda p: (p / "data" / "figures.csv").unlink(), "resource-missing", "data/figures.csv", None, id="resource file missing"),
    pytest.param(lambda p: edit_json(p, "datapackage.json", _set_path("figures", "/etc/passwd")), "unsafe-path", "datapackage.json", "path", id="absolute path"),
    pytest.param(lambda p: edit_json(p, "datapackage.json", _set_path("figures", "../../outside.csv")), "unsafe-path", "datapackage.json", "path", id="path with dotdot"),
    pytest.param(lambda p: edit_json(p, "datapackage.json", _set_path("figures", "../schemas/x.json", "schema")), "unsafe-path", "datapackage.json", "schema", id="schema path with dotdot"),
    pytest.param(lambda p: (p / "schemas" / "extra.schema.json").write_text("{}", encoding="utf-8"), "resource-missing", "schemas/extra.schema.json", None, id="schema of no resource"),
    pytest.param(lambda p: (p / "schemas" / "figures.schema.json").write_text("{oops", encoding="utf-8"), "schema-error", "schemas/figures.schema.json", None, id="schema not JSON"),
    # a null among a boolean's words: reported, and its cells still read (no crash where they all are words)
    pytest.param(lambda p: edit_json(p, "schemas/actors.schema.json", lambda d: next(f for f in d["fields"] if f["name"] == "is_named").update(trueValues=["true", None])),
                 "descriptor-error", "datapackage.json", None, id="null in trueValues"),
]


@pytest.mark.parametrize("damage, type_, file, field", DESCRIPTOR_CASES)
def test_descriptor_damage_is_found(package_copy, run_validate, damage, type_, file, field):
    damage(package_copy)
    check(run_validate, package_copy, type_, file=file, field=field)


def test_a_remote_path_is_exit_2_not_a_finding(package_copy, run_validate):
    """validate opens no socket: a URL path cannot be checked, so it cannot run (issue 9), naming the resource."""
    edit_json(package_copy, "datapackage.json", _set_path("figures", "https://example.org/figures.csv"))
    exit_code, out, err, report = run_validate(package_copy, "--json")
    assert exit_code == 2 and report["cannot_run"]
    assert "'figures'" in report["message"] and "https://example.org/figures.csv" in report["message"] and "remote" in report["message"]


def test_unsafe_path_is_never_followed(tmp_path, package_copy, run_validate):
    secret = tmp_path / "outside.csv"
    secret.write_text("figure_id\nnot-read\n", encoding="utf-8")
    edit_json(package_copy, "datapackage.json", _set_path("figures", "../outside.csv"))
    report = check(run_validate, package_copy, "unsafe-path", field="path")
    assert "not-read" not in str(report)


# -- 2. files --------------------------------------------------------------------------------------------
def _header_only(p):
    header, _ = read_rows(p, "figures")
    write_rows(p, "figures", header, [])


def _header(change):
    def damage(p):
        header, rows = read_rows(p, "figures")
        write_rows(p, "figures", change(list(header)), rows)
    return damage


def _rows(change):
    def damage(p):
        header, rows = read_rows(p, "figures")
        change(rows)
        write_rows(p, "figures", header, rows)
    return damage


def _mixed(raw: bytes) -> bytes:
    lines = raw.split(b"\n")
    lines[2] = lines[2] + b"\r"
    return b"\n".join(lines)


FILE = "data/figures.csv"
FILE_CASES = [
    pytest.param(lambda p: (p / FILE).write_bytes(b""), "empty-table", None, None, id="empty file"),
    pytest.param(lambda p: edit_bytes(p, FILE, lambda b: b.replace(b"Thousands", b"Thousands\xff", 1)), "encoding-error", None, None, id="not UTF-8"),
    pytest.param(lambda p: edit_bytes(p, FILE, lambda b: b"\xef\xbb\xbf" + b), "bom", None, None, id="byte-order mark"),
    pytest.param(lambda p: edit_bytes(p, FILE, _mixed), "mixed-line-endings", None, None, id="mixed line endings"),
    pytest.param(_rows(lambda rows: rows.insert(1, [""] * len(rows[0]))), "blank-row", 3, None, id="blank row"),
    pytest.param(lambda p: edit_bytes(p, FILE, lambda b: b.replace(b"\n", b"\n\n", 2).replace(b"\n\n", b"\n", 1)), "blank-row", 3, None, id="empty line"),
    pytest.param(_rows(lambda rows: rows[2].append("surplus")), "extra-cell", 4, None, id="too many cells"),
    pytest.param(_rows(lambda rows: rows[2].pop()), "missing-cell", 4, "evidence_end", id="too few cells"),
    pytest.param(_header(lambda h: h[:1] + [h[0]] + h[2:]), "duplicate-label", 1, "figure_type", id="duplicated header"),
    pytest.param(_header(lambda h: h[:-1] + [""]), "blank-label", 1, "evidence_end", id="blank header"),
    pytest.param(_header(lambda h: h + ["extra"]), "extra-label", 1, None, id="extra header"),
    pytest.param(_header(lambda h: h[:1] + ["typo_type"] + h[2:]), "incorrect-label", 1, "figure_type", id="renamed header"),
    pytest.param(_header(lambda h: [h[1], h[0]] + h[2:]), "incorrect-label", 1, "figure_id", id="reordered header"),
]


@pytest.mark.parametrize("damage, type_, row, field", FILE_CASES)
def test_file_damage_is_found(package_copy, run_validate, damage, type_, row, field):
    damage(package_copy)
    check(run_validate, package_copy, type_, file=FILE, row=row, field=field)


def test_a_header_only_table_is_valid_and_references_into_it_fail(package_copy, run_validate):
    """A table may hold no rows yet (event_reports, until a second source reports an event): the spec and
    frictionless find it valid, and so does validate, without a warning on every run; references into such a
    table still fail as foreign-key errors."""
    _header_only(package_copy)
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 0, report["errors"][:3]
    assert [f for f in report["errors"] + report["warnings"] if f["file"] == FILE] == []
    header, _ = read_rows(package_copy, "actors")
    write_rows(package_copy, "actors", header, [])
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 1 and {f["type"] for f in report["errors"]} == {"foreign-key"}
    assert not [f for f in report["errors"] + report["warnings"] if f["type"] == "empty-table"]


def test_missing_header_column_is_found(package_copy, run_validate):
    header, rows = read_rows(package_copy, "figures")
    write_rows(package_copy, "figures", header[:-1], [r[:-1] for r in rows])
    check(run_validate, package_copy, "missing-label", file=FILE, row=1, field="evidence_end")


def test_encoding_error_names_the_line(package_copy, run_validate):
    edit_bytes(package_copy, FILE, lambda b: b.replace(b"Thousands", b"Thousands\xff", 1))
    report = check(run_validate, package_copy, "encoding-error", file=FILE)
    assert matching(report, "encoding-error")[0]["line"] == 2


def test_rows_and_lines_stay_exact_after_a_cell_with_newlines(package_copy, run_validate):
    header, rows = read_rows(package_copy, "figures")
    rows[0][header.index("coding_note")] = "first line\nsecond line\nthird line"
    rows[3][header.index("unit")] = "furlongs"
    write_rows(package_copy, "figures", header, rows)
    report = check(run_validate, package_copy, "constraint-error", file=FILE, row=5, field="unit")
    assert matching(report, "constraint-error", row=5, field="unit")[0]["line"] == 7


# -- 3. cells --------------------------------------------------------------------------------------------
def _cell(table, field, value, row=2):
    return lambda p: set_cell(p, table, row, field, value)


CELL_CASES = [
    pytest.param(_cell("events", "admin_level", "three"), "type-error", "events", 2, "admin_level", id="integer"),
    pytest.param(_cell("events", "latitude", "north"), "type-error", "events", 2, "latitude", id="number"),
    pytest.param(_cell("events", "is_series", "yes"), "type-error", "events", 2, "is_series", id="boolean"),
    pytest.param(_cell("events", "date_end", "2023-02-29"), "type-error", "events", 2, "date_end", id="date"),
    pytest.param(_cell("events", "event_name", ""), "constraint-error", "events", 2, "event_name", id="required"),
    pytest.param(_cell("events", "event_type", "picnic"), "constraint-error", "events", 2, "event_type", id="enum"),
    pytest.param(_cell("events", "country_iso3", "Mali"), "constraint-error", "events", 2, "country_iso3", id="pattern"),
    pytest.param(_cell("events", "latitude", "91"), "constraint-error", "events", 2, "latitude", id="maximum"),
    pytest.param(_cell("events", "admin_level", "-1"), "constraint-error", "events", 2, "admin_level", id="minimum"),
    pytest.param(_cell("figures", "value_text", "", row=2), "constraint-error", "figures", 2, "value_text", id="minLength or required"),
    pytest.param(_cell("sources", "original_url", "not a uri"), "type-error", "sources", 2, "original_url", id="format uri"),
    pytest.param(lambda p: set_cell(p, "events", 3, "event_id", get_cell(p, "events", 2, "event_id")), "primary-key", "events", 3, "event_id", id="primary key repeated"),
    pytest.param(lambda p: set_cell(p, "events", 3, "event_id", get_cell(p, "events", 2, "event_id")), "unique-error", "events", 3, "event_id", id="unique repeated"),
    pytest.param(_cell("events", "parent_event_id", "no_such_event"), "foreign-key", "events", 2, "parent_event_id", id="self-reference"),
    pytest.param(_cell("events", "claim_quote_id", "no_such_quote"), "foreign-key", "events", 2, "claim_quote_id", id="events to quotes"),
    pytest.param(_cell("quote_events", "event_id", "no_such_event"), "foreign-key", "quote_events", 2, "event_id", id="quote links to events"),
    pytest.param(_cell("actor_aliases", "actor_id", "nobody"), "foreign-key", "actor_aliases", 2, "actor_id", id="aliases to actors"),
    pytest.param(lambda p: set_cell(p, "actors", 2, "actor_id", " " + get_cell(p, "actors", 2, "actor_id")), "id-whitespace", "actors", 2, "actor_id", id="id with white space"),
    pytest.param(_cell("actors", "actor_name", "Cafe\u0301 owners"), "not-nfc", "actors", 2, "actor_name", id="not NFC"),
    pytest.param(_cell("actors", "actor_name", "=HYPERLINK(\"x\")"), "formula-injection", "actors", 2, "actor_name", id="formula"),
    # in an id column the screens for white space and formulas share the cells' first bytes
    pytest.param(_cell("actors", "actor_id", "=1+1"), "formula-injection", "actors", 2, "actor_id", id="formula in an id"),
    pytest.param(_cell("actors", "actor_id", "\t+1"), "formula-injection", "actors", 2, "actor_id", id="formula behind a tab in an id"),
    pytest.param(_cell("actors", "actor_name", "@SUM(A1)"), "formula-injection", "actors", 2, "actor_name", id="formula at"),
]


@pytest.mark.parametrize("damage, type_, table, row, field", CELL_CASES)
def test_cell_damage_is_found(package_copy, run_validate, damage, type_, table, row, field):
    damage(package_copy)
    check(run_validate, package_copy, type_, file=f"data/{table}.csv", row=row, field=field)


def test_negative_numbers_are_not_formulas(package_copy, run_validate):
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 0
    header, rows = read_rows(package_copy, "events")
    assert any(r[header.index("longitude")].startswith("-") for r in rows)  # the real data has negative longitudes
    assert not matching(report, "formula-injection")


# -- 4. semantics ----------------------------------------------------------------------------------------
def _semantic(table, predicate, values):
    def damage(p):
        row = find_row(p, table, predicate)
        set_cells(p, table, row, values)
        return row
    return damage


SEMANTIC_CASES = [
    pytest.param("casualties", lambda r: r["count_low"] != "", {"count_best": "1", "count_high": "0"}, "count-order", "count_best", id="count low best high"),
    pytest.param("figures", lambda r: r["value_low"] != "", {"value_best": "1", "value_high": "0"}, "value-order", "value_best", id="value low best high"),
    pytest.param("events", lambda r: r["date_precision"] == "day", {"date_start": "2023-05-26", "date_end": "2023-05-25"}, "date-order", "date_start", id="start after end"),
    pytest.param("events", lambda r: r["date_precision"] == "day", {"date_end": "2023-05-27"}, "date-precision", "date_precision", id="day spans two days"),
    pytest.param("events", lambda r: r["date_precision"] == "day", {"date_precision": "month"}, "date-precision", "date_precision", id="month not whole"),
    pytest.param("events", lambda r: r["date_precision"] == "day", {"date_precision": "year"}, "date-precision", "date_precision", id="year not whole"),
    pytest.param("events", lambda r: r["date_precision"] == "day", {"date_precision": "unknown"}, "date-precision", "date_precision", id="unknown with dates"),
    pytest.param("events", lambda r: r["acled_event_type"] == "Protests", {"acled_sub_event_type": "Armed clash"}, "acled-sub-event-type", "acled_sub_event_type", id="acled sub-type of another type"),
    pytest.param("events", lambda r: r["acled_event_type"] == "Protests", {"acled_event_type": ""}, "acled-sub-event-type", "acled_sub_event_type", id="acled sub-type without type"),
    pytest.param("actors", lambda r: r["acled_actor_type"] == "Protesters", {"acled_inter_code": "1"}, "acled-inter-code", "acled_inter_code", id="acled inter code"),
    pytest.param("events", lambda r: r["date_text"] != "", {"date_text_end": ""}, "span-incomplete", "date_text", id="span without end"),
    pytest.param("events", lambda r: r["latitude"] != "", {"longitude": ""}, "geo-incomplete", "latitude", id="latitude without longitude"),
    pytest.param("events", lambda r: r["latitude"] != "", {"geo_precision": ""}, "geo-incomplete", "latitude", id="coordinates without precision"),
    pytest.param("actor_aliases", lambda r: True, {"alias_text": "Somebody else"}, "alias-mismatch", "alias_text", id="alias differs from evidence"),
    pytest.param("casualties", lambda r: r["dispute_type"] == "", {"dispute_type": "figure"}, "dispute-incomplete", "dispute_type", id="dispute type without disputer"),
]


@pytest.mark.parametrize("table, predicate, values, type_, field", SEMANTIC_CASES)
def test_semantic_damage_is_found(package_copy, run_validate, table, predicate, values, type_, field):
    row = _semantic(table, predicate, values)(package_copy)
    check(run_validate, package_copy, type_, file=f"data/{table}.csv", row=row, field=field)


# -- 5. provenance ---------------------------------------------------------------------------------------
SOURCE_TEXT = "sources/mali-protesters-demand-exit-of-un-peacekeeping-mission.txt"


def _span(table, field, change):
    def damage(p):
        row = find_row(p, table, lambda r: r[field] != "")
        set_cell(p, table, row, field, change(get_cell(p, table, row, field)))
        return row
    return damage


PROVENANCE_CASES = [
    pytest.param(lambda p: (edit_bytes(p, SOURCE_TEXT, lambda b: b.replace(b"Bamako", b"Bamak0", 1)), 2)[1], "source-hash-mismatch", "sources", "text_sha256", id="source text changed"),
    pytest.param(lambda p: (set_cell(p, "sources", 2, "text_length_chars", "3795"), 2)[1], "source-length-mismatch", "sources", "text_length_chars", id="length in characters"),
    pytest.param(lambda p: (set_cell(p, "sources", 2, "is_text_redistributable", "true"), (p / SOURCE_TEXT).unlink(), 2)[2], "source-missing", "sources", "text_path", id="redistributable source text missing"),
    pytest.param(lambda p: (set_cell(p, "sources", 2, "text_path", "../secret.txt"), 2)[1], "unsafe-path", "sources", "text_path", id="text path outside"),
    pytest.param(_span("events", "evidence", lambda v: v[:-1] + "?"), "evidence-mismatch", "events", "evidence", id="evidence changed"),
    pytest.param(_span("events", "evidence_end", lambda v: "999999"), "span-out-of-range", "events", "evidence", id="evidence beyond text"),
    pytest.param(_span("events", "date_text_start", lambda v: str(int(v) + 1)), "evidence-mismatch", "events", "date_text", id="date_text offsets shifted"),
    pytest.param(_span("quotes", "attribution_text", lambda v: v + "x"), "evidence-mismatch", "quotes", "attribution_text", id="attribution_text changed"),
    pytest.param(_span("casualties", "victim_text", lambda v: "martians"), "text-not-in-evidence", "casualties", "victim_text", id="victim_text not in evidence"),
]


@pytest.mark.parametrize("damage, type_, table, field", PROVENANCE_CASES)
def test_provenance_damage_is_found(package_copy, run_validate, damage, type_, table, field):
    row = damage(package_copy)
    check(run_validate, package_copy, type_, file=f"data/{table}.csv", row=row, field=field)


def test_source_listed_twice_is_found(package_copy, run_validate):
    header, rows = read_rows(package_copy, "sources")
    twin = list(rows[0])
    twin[header.index("source_id")] = "the_same_source_again"
    write_rows(package_copy, "sources", header, rows + [twin])
    check(run_validate, package_copy, "source-duplicate", file="data/sources.csv", row=3)

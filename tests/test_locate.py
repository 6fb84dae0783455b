"""`minusma-facts locate`: offsets filled from the words, nothing guessed, only offset cells rewritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from damage import find_row, get_cell, link_outside, set_cell, set_cells
from minusma_facts.cli import app
from packages import ROOT
from spans import occurrences, set_offsets, spans

TEXT = (ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt").read_text(encoding="utf-8")
SOURCE = "aljazeera_2023_05_26_mali_protest"
SPANS = spans(ROOT)  # every span of the real package, read here independently of locate
UNIQUE = sum(occurrences(TEXT, s.words) == 1 for s in SPANS)


def locate(*args) -> tuple[int, str, dict | None]:
    result = CliRunner().invoke(app, ["locate", *map(str, args)])
    parsed = json.loads(result.stdout) if "--json" in args and result.stdout.startswith("{") else None
    return result.exit_code, result.stdout + (result.stderr or ""), parsed


def data_bytes(package: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((package / "data").glob("*.csv"))}


def test_locate_check_passes_on_the_repository():
    """What CI runs: every span of the real package is settled and nothing would change."""
    code, out, _ = locate(ROOT, "--check")
    assert code == 0, out
    assert "nothing to change" in out and f"{len(SPANS)} right already" in out


def test_cleared_offsets_come_back_byte_for_byte_and_repeated_words_are_asked_not_guessed(package_copy):
    original = data_bytes(package_copy)
    every = spans(package_copy)
    repeated = {(s.table, s.row, s.field) for s in every if occurrences(TEXT, s.words) > 1}
    assert 0 < len(repeated) < len(every) == len(SPANS)  # the real package has both kinds
    assert set_offsets(package_copy, lambda s: ("", "")) == len(every)
    assert data_bytes(package_copy) != original

    code, out, report = locate(package_copy, "--json")
    assert code == 1
    asked = {(p["resource"], p["row"], p["field"]) for p in report["problems"]}
    assert asked == repeated
    assert all(p["type"] == "span-ambiguous" for p in report["problems"])
    for problem in report["problems"]:
        words = next(s.words for s in every if (s.table, s.row, s.field) == (problem["resource"], problem["row"], problem["field"]))
        listed = [o["start"] for o in problem["occurrences"]]
        assert len(listed) == occurrences(TEXT, words) and all(TEXT[o:o + len(words)] == words for o in listed)
        assert "type its start in" in problem["message"]
    assert len(report["changes"]) == len(every) - len(repeated) and {c["kind"] for c in report["changes"]} == {"filled"}
    # nothing was guessed: the repeated words' offsets are still empty
    assert all((s.start, s.end) == ("", "") for s in spans(package_copy) if (s.table, s.row, s.field) in repeated)

    # the coder answers by typing the start of the occurrence they mean; locate completes the end
    starts = {(s.table, s.row, s.field): s.start for s in every}
    set_offsets(package_copy, lambda s: (starts[(s.table, s.row, s.field)], "") if (s.table, s.row, s.field) in repeated else None)
    code, out, _ = locate(package_copy)
    assert code == 0, out
    assert data_bytes(package_copy) == original


def test_clearing_the_unambiguous_offsets_gives_back_identical_csvs(package_copy):
    original = data_bytes(package_copy)
    cleared = set_offsets(package_copy, lambda s: ("", "") if occurrences(TEXT, s.words) == 1 else None)
    assert cleared == UNIQUE
    code, out, _ = locate(package_copy)
    assert code == 0, out
    assert f"{UNIQUE} filled" in out and f"{len(SPANS) - UNIQUE} right already" in out
    assert data_bytes(package_copy) == original


def test_check_changes_nothing_and_exits_1(package_copy):
    set_offsets(package_copy, lambda s: ("", "") if s.table == "figures" and s.field == "value_text" else None)
    before = data_bytes(package_copy)
    code, out, _ = locate(package_copy, "--check")
    assert code == 1
    assert "(not written: --check)" in out and "would change data/figures.csv" in out
    assert data_bytes(package_copy) == before


def test_crlf_and_fully_quoted_files_keep_every_other_byte(package_copy):
    from damage import read_rows
    import csv
    import io

    header, rows = read_rows(package_copy, "quotes")
    buffer = io.StringIO(newline="")
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([header, *rows])
    expected = buffer.getvalue().encode("utf-8")
    (package_copy / "data" / "quotes.csv").write_bytes(expected)
    set_offsets(package_copy, lambda s: ("", "") if s.table == "quotes" and occurrences(TEXT, s.words) == 1 else None)
    assert (package_copy / "data" / "quotes.csv").read_bytes() != expected
    code, out, _ = locate(package_copy)
    assert code == 0, out
    assert (package_copy / "data" / "quotes.csv").read_bytes() == expected


def _straight_quotes(package: Path) -> tuple[str, int, str]:
    row = find_row(package, "quotes", lambda r: r["quote_id"] == "diarra_direct_1")
    words = get_cell(package, "quotes", row, "evidence").replace("’", "'")
    set_cells(package, "quotes", row, {"evidence": words, "evidence_start": "", "evidence_end": ""})
    return "quotes", row, "evidence"


def _double_space(package: Path) -> tuple[str, int, str]:
    row = find_row(package, "casualties", lambda r: r["casualty_id"] == "un_peacekeepers_killed")
    words = get_cell(package, "casualties", row, "evidence").replace("UN peacekeepers", "UN  peacekeepers")
    set_cells(package, "casualties", row, {"evidence": words, "evidence_start": "", "evidence_end": ""})
    return "casualties", row, "evidence"


@pytest.mark.parametrize("damage, hint", [
    pytest.param(_straight_quotes, "the words have \"'\" (U+0027) where the text has '’' (U+2019)", id="straight quote for curly"),
    pytest.param(_double_space, "the words have ' ' (U+0020) where the text has nothing", id="changed space"),
])
def test_words_not_in_the_text_get_the_closest_passage(package_copy, damage, hint):
    table, row, field = damage(package_copy)
    code, out, report = locate(package_copy, "--json")
    assert code == 1
    (problem,) = report["problems"]
    assert (problem["type"], problem["resource"], problem["row"], problem["field"]) == ("span-not-found", table, row, field)
    assert problem["message"].startswith(f"{table}.csv row {row} (line {row}), field {field}: ")
    assert hint in problem["message"]
    closest = problem["closest"]
    assert closest and TEXT[closest["start"]:closest["end"]] != get_cell(package_copy, table, row, field)


def test_wrong_offsets_of_unique_words_are_corrected_and_a_typed_start_is_completed(package_copy):
    row = find_row(package_copy, "figures", lambda r: r["figure_id"] == "minusma_troop_strength")
    right = get_cell(package_copy, "figures", row, "value_text_start"), get_cell(package_copy, "figures", row, "value_text_end")
    set_cells(package_copy, "figures", row, {"value_text_start": "0", "value_text_end": "5", "evidence_end": ""})
    code, out, report = locate(package_copy, "--json")
    assert code == 0
    kinds = {(c["field"], c["kind"]) for c in report["changes"]}
    assert kinds == {("value_text", "corrected"), ("evidence", "completed")}
    assert (get_cell(package_copy, "figures", row, "value_text_start"), get_cell(package_copy, "figures", row, "value_text_end")) == right


@pytest.mark.parametrize("cells, kind, field", [
    pytest.param({"evidence_start": "twelve"}, "type-error", "evidence_start", id="offset not an integer"),
    pytest.param({"evidence": "", }, "missing-cell", "evidence", id="offsets without words"),
    pytest.param({"source_id": "no_such_source"}, "foreign-key", "source_id", id="unknown source"),
])
def test_each_kind_of_bad_span_is_named_by_file_row_and_field(package_copy, cells, kind, field):
    row = find_row(package_copy, "actors", lambda r: r["actor_id"] == "wagner_group")
    set_cells(package_copy, "actors", row, cells)
    code, out, report = locate(package_copy, "--json")
    assert code == 1
    assert [(p["type"], p["row"], p["field"]) for p in report["problems"]] == [(kind, row, field)]
    assert report["problems"][0]["message"].startswith(f"actors.csv row {row} (line {row}), field {field}: ")


def test_a_stored_text_that_is_not_the_recorded_one_is_not_located_against(package_copy):
    text = package_copy / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt"
    text.write_bytes(text.read_bytes().replace(b"Bamako", b"Bamako!", 1))
    code, out, report = locate(package_copy, "--json")
    assert code == 1
    types = {p["type"] for p in report["problems"]}
    assert types == {"source-hash-mismatch", "source-missing"}
    assert "add-source --replace" in out


def test_source_option_restricts_to_one_source(package_copy):
    set_offsets(package_copy, lambda s: ("", "") if occurrences(TEXT, s.words) == 1 else None)
    code, out, _ = locate(package_copy, "--source", "no_such_source")
    assert code == 2 and "no source 'no_such_source'" in out
    code, out, report = locate(package_copy, "--source", SOURCE, "--json", "--check")
    assert code == 1 and len(report["changes"]) == UNIQUE


def test_a_release_archive_or_a_missing_folder_cannot_be_located(tmp_path):
    code, out, _ = locate(tmp_path / "nowhere")
    assert code == 2 and "cannot run" in out and "Traceback" not in out


def test_a_symlinked_data_file_is_not_written_through(package_copy, tmp_path):
    outside = link_outside(package_copy, "data/figures.csv", tmp_path / "outside.csv")
    set_offsets(package_copy, lambda s: ("", "") if s.table == "figures" and s.field == "value_text" else None)
    before = outside.read_bytes()
    code, out, _ = locate(package_copy)
    assert code == 2 and "symbolic link" in out
    assert outside.read_bytes() == before


def test_spans_come_from_the_schemas_not_from_a_list(package_copy):
    """Give role_text offsets in a copy's schema and CSV: locate fills them with no change to its code."""
    from damage import read_rows, write_rows

    path = package_copy / "schemas" / "actor_relations.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    at = next(i for i, f in enumerate(schema["fields"]) if f["name"] == "role_text") + 1
    schema["fields"][at:at] = [{"name": f"role_text_{end}", "type": "integer", "description": f"{end} offset"}
                               for end in ("start", "end")]
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    header, rows = read_rows(package_copy, "actor_relations")
    column = header.index("role_text") + 1
    write_rows(package_copy, "actor_relations", header[:column] + ["role_text_start", "role_text_end"] + header[column:],
               [r[:column] + ["", ""] + r[column:] for r in rows])
    roles = [s for s in spans(package_copy) if s.field == "role_text"]
    assert roles and all((s.start, s.end) == ("", "") for s in roles)
    code, out, report = locate(package_copy, "--json")
    located = [s for s in spans(package_copy) if s.field == "role_text" and s.start]
    assert len(located) + sum(p["field"] == "role_text" for p in report["problems"]) == len(roles)
    assert located and all(TEXT[int(s.start):int(s.end)] == s.words for s in located)


def test_a_stored_text_not_in_nfc_is_refused_by_locate_and_validate(package_copy):
    import hashlib
    import unicodedata

    from minusma_facts.cli import app as cli

    path = package_copy / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt"
    raw = unicodedata.normalize("NFD", path.read_text(encoding="utf-8")).encode("utf-8")
    path.write_bytes(raw)
    row = find_row(package_copy, "sources", lambda r: True)
    set_cells(package_copy, "sources", row, {"text_sha256": hashlib.sha256(raw).hexdigest(),
                                             "text_length_chars": str(len(raw.decode())), "text_length_bytes": str(len(raw))})
    code, out, report = locate(package_copy, "--json")
    assert code == 1 and report["problems"][0]["type"] == "not-nfc" and report["changes"] == []
    result = CliRunner().invoke(cli, ["validate", str(package_copy), "--json"])
    assert result.exit_code == 1
    assert any(e["type"] == "not-nfc" and e["field"] == "text_path" for e in json.loads(result.stdout)["errors"])

"""event_reports, the table of further sources' reports of an event: each kind of damage is caught by validate.

The package copy gets the French test text (add-source) and one valid report of the Bamako protest; each case
damages that row and checks validate's finding (file, row, field) and exit code.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from damage import matching, read_rows, set_cell, set_cells, write_rows
from minusma_facts.cli import app
from packages import ROOT

FR = "exemple_fr_2023_05_26"
AJ = "aljazeera_2023_05_26_mali_protest"
TEXT = ROOT / "tests" / "sources" / "bamako-manifestation-fr.txt"
FILE = "data/event_reports.csv"
EVIDENCE = "Des centaines de manifestants se sont rassemblés jeudi au Palais des sports de Bamako pour exiger le départ de la Minusma"


@pytest.fixture
def two_sources(package_copy):
    result = CliRunner().invoke(app, ["add-source", str(TEXT), "--id", FR, "--headline", "Bamako", "--publisher", "Tests",
                                      "--url", "https://example.org/b", "--published", "2023-05-26", "--language", "fr",
                                      "-p", str(package_copy)])
    assert result.exit_code == 0, result.output
    text = TEXT.read_text(encoding="utf-8")
    header, _ = read_rows(package_copy, "event_reports")

    def span(words: str) -> tuple[str, str, str]:
        start = text.index(words)
        return words, str(start), str(start + len(words))

    row = dict.fromkeys(header, "")
    row.update(report_id=f"bamako_protest_2023_05_25__{FR}", event_id="bamako_protest_2023_05_25",
               match_note="Same day, city and demand.", source_id=FR)
    for name, words in (("date_text", "jeudi"), ("location_text", "Palais des sports de Bamako"), ("evidence", EVIDENCE)):
        row[name], row[f"{name}_start"], row[f"{name}_end"] = span(words)
    write_rows(package_copy, "event_reports", header, [[row[h] for h in header]])
    return package_copy


def test_a_report_row_validates(two_sources, run_validate):
    code, _, _, report = run_validate(two_sources, "--json")
    assert code == 0, report["errors"][:5]
    assert report["warnings"] == []


def test_the_empty_table_of_the_real_package_gives_no_finding(package_copy, run_validate):
    code, _, _, report = run_validate(package_copy, "--json")
    assert code == 0 and report["warnings"] == [] and report["errors"] == []
    assert (package_copy / FILE).read_text(encoding="utf-8").count("\n") == 1  # the header, and no rows


@pytest.mark.parametrize(
    "change,type_,field",
    [
        pytest.param({"event_id": "no_such_event"}, "foreign-key", "event_id", id="event that does not exist"),
        pytest.param({"source_id": "no_such_source"}, "foreign-key", "source_id", id="source that does not exist"),
        pytest.param({"source_id": AJ, "evidence": "Several thousand protesters gathered", "evidence_start": "164",
                      "evidence_end": "200", "date_text": "", "date_text_start": "", "date_text_end": "",
                      "location_text": "", "location_text_start": "", "location_text_end": ""},
                     "report-same-source", "source_id", id="the event's own source"),
        pytest.param({"evidence_start": "97", "evidence_end": "218"}, "evidence-mismatch", "evidence", id="evidence offsets off by one"),
        pytest.param({"date_text_start": "10", "date_text_end": "15"}, "evidence-mismatch", "date_text", id="date words at wrong offsets"),
        pytest.param({"location_text_end": ""}, "span-incomplete", "location_text", id="place words without their end"),
        pytest.param({"match_note": ""}, "constraint-error", "match_note", id="missing match_note"),
    ],
)
def test_damage_to_a_report_is_found(two_sources, run_validate, change, type_, field):
    set_cells(two_sources, "event_reports", 2, change)
    code, out, err, report = run_validate(two_sources, "--json")
    assert "Traceback" not in out + err
    assert code == 1
    found = matching(report, type_, file=FILE, row=2, field=field)
    assert found, [(p["type"], p["file"], p["row"], p["field"]) for p in report["errors"][:10]]


def test_a_second_report_by_the_same_source_is_a_duplicate(two_sources, run_validate):
    header, rows = read_rows(two_sources, "event_reports")
    write_rows(two_sources, "event_reports", header, rows + [["second_report", *rows[0][1:]]])
    code, _, _, report = run_validate(two_sources, "--json")
    assert code == 1
    (problem,) = matching(report, "report-duplicate", file=FILE, row=3, field="source_id")
    assert "already has a report by exemple_fr_2023_05_26 (row 2)" in problem["message"]
    assert matching(report, "primary-key", file=FILE) == []


def test_a_report_id_used_twice_is_a_duplicate_key(two_sources, run_validate):
    header, rows = read_rows(two_sources, "event_reports")
    other = dict(zip(header, rows[0]), event_id="minusma_established_2013", date_text="", date_text_start="", date_text_end="",
                 location_text="", location_text_start="", location_text_end="")
    write_rows(two_sources, "event_reports", header, rows + [[other[h] for h in header]])
    code, _, _, report = run_validate(two_sources, "--json")
    assert code == 1
    assert matching(report, "primary-key", file=FILE, row=3) or matching(report, "unique-error", file=FILE, row=3)


def test_the_same_source_message_names_the_event_and_source(two_sources, run_validate):
    set_cell(two_sources, "event_reports", 2, "source_id", AJ)
    _, _, _, report = run_validate(two_sources, "--json")
    (problem,) = matching(report, "report-same-source", file=FILE, row=2, field="source_id")
    assert "event bamako_protest_2023_05_25 is by aljazeera_2023_05_26_mali_protest, the event's own source" in problem["message"]

"""Issue 8, section 7: a second source, end to end, on a copy of the package (nothing under data/ changes).

A French report of the Bamako protest of 25 May 2023 (tests/sources/bamako-manifestation-fr.txt, written for the
tests) is stored with `add-source`; its rows are typed with their words and empty offsets, as a coder types them;
`locate` fills the offsets (and asks where words occur more than once); `validate` passes. Then every command runs
on the two-source package and shows both sources where both speak, and the reconciliation gives both crowd
figures and number_of_sources 2.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from damage import find_row, read_rows, set_cell
from minusma_facts.cli import app
from packages import ROOT, copy_package

TEXT = ROOT / "tests" / "sources" / "bamako-manifestation-fr.txt"
FR = "exemple_fr_2023_05_26"
AJ = "aljazeera_2023_05_26_mali_protest"
PROTEST = "bamako_protest_2023_05_25"
ADD_SOURCE = ["add-source", TEXT, "--id", FR, "--headline", "Bamako : des centaines de manifestants réclament le départ de la Minusma",
              "--publisher", "Texte écrit pour les tests de minusma-facts", "--url", "https://example.org/bamako-manifestation",
              "--published", "2023-05-26", "--language", "fr"]

# What the French text states, coded by the codebook's rules with its words as written and every offset empty.
ROWS: dict[str, list[dict[str, str]]] = {
    "event_reports": [
        {"report_id": f"{PROTEST}__{FR}", "event_id": PROTEST, "date_text": "jeudi", "location_text": "Palais des sports de Bamako",
         "match_note": "The same protest as the events row's: the same day (« jeudi », the Thursday before this report's "
                       "26 mai 2023, is 25 May 2023), the same city (Bamako), the same demand (« le départ de la Minusma ») "
                       "and the M5-RFP among its organizers.",
         "coding_note": "This report places the gathering at the Palais des sports de Bamako and counts « des centaines » "
                        "where the events row's source counts thousands (figures protest_crowd_fr_headline and protest_crowd_fr_lede).",
         "source_id": FR,
         "evidence": "Des centaines de manifestants se sont rassemblés jeudi au Palais des sports de Bamako pour exiger le départ de la Minusma"},
        {"report_id": f"minusma_established_2013__{FR}", "event_id": "minusma_established_2013", "date_text": "depuis 2013", "location_text": "Mali",
         "match_note": "« la mission de l’ONU déployée au Mali depuis 2013 »: MINUSMA in Mali since 2013, the year the events "
                       "row's source gives for its establishment.",
         "source_id": FR, "evidence": "la mission de l’ONU déployée au Mali depuis 2013"},
    ],
    "figures": [
        {"figure_id": "protest_crowd_fr_headline", "figure_type": "crowd_size", "subject_actor_id": "protesters_bamako",
         "event_id": PROTEST, "value_low": "200", "value_qualifier": "hundreds", "unit": "persons", "value_text": "des centaines",
         "coding_note": "Headline: « des centaines » (hundreds) is at least 200, with no upper bound. The text adds that the "
                        "organizers gave no figure and the police published no estimate.",
         "source_id": FR, "evidence": "des centaines de manifestants réclament le départ de la Minusma"},
        {"figure_id": "protest_crowd_fr_lede", "figure_type": "crowd_size", "subject_actor_id": "protesters_bamako",
         "event_id": PROTEST, "value_low": "200", "value_qualifier": "hundreds", "unit": "persons", "value_text": "Des centaines",
         "coding_note": "« Des centaines » (hundreds): at least 200, with no upper bound.",
         "source_id": FR, "evidence": "Des centaines de manifestants se sont rassemblés"},
    ],
    "actor_aliases": [
        {"alias_id": "minusma_minusma_fr", "actor_id": "minusma", "alias_text": "Minusma", "alias_type": "spelling_variant",
         "coding_note": "The French text writes the acronym as a word, Minusma.", "source_id": FR, "evidence": "Minusma"},
        {"alias_id": "minusma_mission_onu_fr", "actor_id": "minusma", "alias_text": "la mission de l’ONU", "alias_type": "description",
         "source_id": FR, "evidence": "la mission de l’ONU"},
        {"alias_id": "un_onu_fr", "actor_id": "un", "alias_text": "ONU", "alias_type": "acronym",
         "coding_note": "The French acronym of the United Nations.", "source_id": FR, "evidence": "ONU"},
        {"alias_id": "m5_rfp_m5_rfp_fr", "actor_id": "m5_rfp", "alias_text": "M5-RFP", "alias_type": "acronym",
         "coding_note": "The spelling the first source uses too (m5_rfp_m5_rfp): one alias row per source.", "source_id": FR, "evidence": "M5-RFP"},
        {"alias_id": "m5_rfp_movement_fr", "actor_id": "m5_rfp", "alias_text": "le mouvement du Premier ministre de la transition",
         "alias_type": "description", "source_id": FR, "evidence": "le mouvement du Premier ministre de la transition"},
        {"alias_id": "maiga_full_name_fr", "actor_id": "choguel_maiga", "alias_text": "Choguel Kokalla Maïga", "alias_type": "full_name",
         "coding_note": "The French text gives his middle name.", "source_id": FR, "evidence": "Choguel Kokalla Maïga"},
        {"alias_id": "maiga_pm_transition_fr", "actor_id": "choguel_maiga", "alias_text": "Premier ministre de la transition",
         "alias_type": "description", "source_id": FR, "evidence": "Premier ministre de la transition"},
    ],
    "event_actors": [
        {"event_actor_id": f"{PROTEST}__m5_rfp__organizer__fr", "event_id": PROTEST, "actor_id": "m5_rfp", "role": "organizer",
         "certainty": "stated", "source_id": FR, "evidence": "Le rassemblement était organisé par le M5-RFP"},
        {"event_actor_id": f"{PROTEST}__protesters_bamako__participant__fr", "event_id": PROTEST, "actor_id": "protesters_bamako",
         "role": "participant", "certainty": "stated", "source_id": FR, "evidence": "Des centaines de manifestants se sont rassemblés"},
        {"event_actor_id": f"{PROTEST}__minusma__demand_target__fr", "event_id": PROTEST, "actor_id": "minusma",
         "role": "demand_target", "certainty": "stated", "source_id": FR, "evidence": "pour exiger le départ de la Minusma"},
    ],
    "quotes": [
        {"quote_id": "protester_direct_fr", "speaker_actor_id": "protesters_bamako", "quote_type": "direct", "attribution_type": "described",
         "attribution_text": "a déclaré un manifestant", "coding_note": "An unnamed protester; coded to the crowd.", "source_id": FR,
         # typed with a straight apostrophe, as a keyboard gives it: the text has a curly one (locate says so)
         "evidence": "La Minusma doit partir, elle n'a pas ramené la paix"},
    ],
    "quote_events": [
        {"quote_event_id": f"protester_direct_fr__said_at__{PROTEST}", "quote_id": "protester_direct_fr", "event_id": PROTEST,
         "link_type": "said_at", "certainty": "implied",
         "coding_note": "A protester's words in the report of the protest, « drapeau malien à la main »; the text does not say where he spoke.",
         "source_id": FR, "evidence": "a déclaré un manifestant, drapeau malien à la main"},
    ],
}


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout + (result.stderr or "")


def rows_of(report: dict, table: str) -> int:
    """The row count validate's JSON report gives for a table."""
    return next(t["rows"] for t in report["tables"] if t["resource"] == table)


def append_rows(package: Path, table: str, rows: list[dict[str, str]]) -> None:
    """Add rows at the end of the CSV as a coder types them: every field the row does not give left empty."""
    path = package / "data" / f"{table}.csv"
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        assert set(row) <= set(header), (table, set(row) - set(header))
        writer.writerow([row.get(name, "") for name in header])
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict:
    """The one-source copy, and the two-source copy built as a coder builds it, with each command's output."""
    base = tmp_path_factory.mktemp("second-source")
    one = copy_package(base / "one", whole=True)
    two = copy_package(base / "two", whole=True)
    out = {"one": one, "two": two}
    out["add-source"] = run(*ADD_SOURCE, "-p", two)
    for table, rows in ROWS.items():
        append_rows(two, table, rows)
    out["locate-1"] = run("locate", "-p", two)
    # the coder's answers: the alias's "Minusma" is the lede's (of three), and the quotation's apostrophe is curly
    row = find_row(two, "actor_aliases", lambda r: r["alias_id"] == "minusma_minusma_fr")
    set_cell(two, "actor_aliases", row, "evidence_start", "210")
    row = find_row(two, "quotes", lambda r: r["quote_id"] == "protester_direct_fr")
    set_cell(two, "quotes", row, "evidence", "La Minusma doit partir, elle n’a pas ramené la paix")
    out["locate-2"] = run("locate", "-p", two)
    out["locate-check"] = run("locate", "--check", "-p", two)
    out["validate"] = run("validate", two, "--json")
    return out


def test_add_source_stores_the_text_byte_for_byte(versions):
    code, output = versions["add-source"]
    assert code == 0, output
    assert f"added source {FR}: sources/{FR}.txt (588 code points, 615 bytes" in output
    assert (versions["two"] / "sources" / f"{FR}.txt").read_bytes() == TEXT.read_bytes()


def test_locate_fills_every_offset_and_asks_where_words_occur_more_than_once(versions):
    code, output = versions["locate-1"]
    assert code == 1
    assert "'Minusma' occurs 3 times in the text of exemple_fr_2023_05_26; not guessed" in output
    assert "the words have \"'\" (U+0027) where the text has '’' (U+2019)" in output
    code, output = versions["locate-2"]
    assert code == 0, output
    assert "completed [210:217]" in output and "filled [272:323]" in output
    assert versions["locate-check"][0] == 0, versions["locate-check"][1]
    text = TEXT.read_text(encoding="utf-8")
    typed = 0
    for table, rows in ROWS.items():
        header, stored = read_rows(versions["two"], table)
        by_id = {r[0]: dict(zip(header, r)) for r in stored}
        for row in rows:
            got = by_id[row[header[0]]]
            for words in ("evidence", "date_text", "location_text", "value_text", "attribution_text"):
                if got.get(words):
                    start, end = int(got[f"{words}_start"]), int(got[f"{words}_end"])
                    assert text[start:end] == got[words], (table, words)
                    typed += 1
    assert typed == 23  # 2 reports x 3 spans, 2 figures x 2, 7 aliases, 3 links, the quotation and its attribution, 1 quote link


def test_the_two_source_package_validates(versions):
    code, output = versions["validate"]
    assert code == 0, output
    report = json.loads(output)
    assert (rows_of(report, "event_reports"), rows_of(report, "sources")) == (2, 2)
    assert report["counts"]["warnings"] == 0 and report["counts"]["errors"] == 0


def test_frictionless_finds_both_packages_valid(versions):
    import frictionless

    for name in ("one", "two"):  # one: event_reports holds a header and no rows
        report = frictionless.validate(str(versions[name] / "datapackage.json"))
        assert report.valid, (name, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5])


def test_show_gives_both_sources_of_the_protest(versions):
    code, output = run("show", "events", PROTEST, "-p", versions["two"], "--json")
    assert code == 0, output
    shown = json.loads(output)
    reports = shown["reports"]
    assert [r["source_id"] for r in reports] == [FR]
    assert shown["passage"]["source_id"] == AJ
    assert reports[0]["passage"]["evidence"].startswith("Des centaines de manifestants")
    crowd = [e for e in shown["estimates"] if e["kind"] == "crowd_size"]
    assert crowd and crowd[0]["number_of_sources"] == 2
    code, output = run("show", "events", PROTEST, "-p", versions["two"])
    assert code == 0 and AJ in output and FR in output and "Palais des sports de Bamako" in output
    assert "crowd_size (persons): low 200, best 200, high empty; 2 source(s)" in output


def test_coverage_counts_each_source(versions):
    code, output = run("coverage", "-p", versions["two"], "--json")
    assert code == 0, output
    sources = {s["source_id"]: s for s in json.loads(output)["sources"]}
    assert set(sources) == {AJ, FR}
    code, alone = run("coverage", "-p", versions["one"], "--json")
    assert code == 0, alone
    (before,) = json.loads(alone)["sources"]
    # the French report's own spans and rows; the first source's count is what it was before the second came
    assert sources[FR]["span_count"] == 23 and sources[FR]["row_count"] == 16
    assert before["source_id"] == AJ and sources[AJ]["span_count"] == before["span_count"] > 0
    # the one sentence no row cites: a statement that no count exists, noted on the crowd figures
    assert [s["text"] for s in sources[FR]["uncited_sentences"]] == [
        "Les organisateurs n’ont donné aucun chiffre et la police n’a publié aucune estimation."]


def test_the_site_shows_both_sources(versions, tmp_path):
    code, output = run("site", tmp_path / "site", "-p", versions["two"])
    assert code == 0, output
    html = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*") if p.suffix in (".html", ".json", ".js"))
    assert FR in html and AJ in html
    assert "Palais des sports de Bamako" in html and "number_of_sources" in html


def test_the_reconciliation_gives_both_crowd_figures(versions):
    import minusma_facts

    estimates = minusma_facts.load("computed_estimates", path=versions["two"])
    crowd = estimates[(estimates["event_id"] == PROTEST) & (estimates["kind"] == "crowd_size")]
    assert len(crowd) == 1
    crowd = crowd.iloc[0]
    assert crowd["number_of_sources"] == 2
    assert crowd["source_ids"] == f"{AJ}; {FR}"
    assert crowd["row_ids"] == "protest_crowd_subhead; protest_crowd_lede; protest_crowd_fr_headline; protest_crowd_fr_lede"
    # lowest low: « des centaines », 200; no high (every figure is open above); best: the lower of the two
    # sources' points, 3,000 ("several thousand") and 200
    assert (crowd["low"], crowd["best"], crowd["high"] is __import__("pandas").NA) == (200, 200, True)
    assert '"Several thousand" (several_thousand, 3000 or more)' in crowd["source_figures"]
    assert f'{FR}: "des centaines" (hundreds, 200 or more); "Des centaines" (hundreds, 200 or more)' in crowd["source_figures"]
    one = minusma_facts.load("computed_estimates", path=versions["one"])
    assert one[(one["event_id"] == PROTEST) & (one["kind"] == "crowd_size")].iloc[0]["number_of_sources"] == 1


def test_load_reads_both_sources(versions):
    import minusma_facts

    tables = minusma_facts.load(versions["two"], computed=True)
    assert list(tables["sources"]["source_id"]) == [AJ, FR]
    assert set(tables["event_reports"]["event_id"]) == {PROTEST, "minusma_established_2013"}
    aliases = tables["actor_aliases"]
    # one actor, a spelling per source: the same (M5-RFP) and different ones (MUNISMA, Minusma)
    assert set(aliases[aliases["alias_text"] == "M5-RFP"]["source_id"]) == {AJ, FR}
    assert set(aliases[aliases["actor_id"] == "minusma"]["source_id"]) == {AJ, FR}


@pytest.mark.parametrize("fmt", ["sqlite", "parquet", "xlsx"])
def test_every_export_holds_both_sources_and_the_estimate(versions, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    code, output = run("export", "--format", fmt, "--output", out, versions["two"])
    assert code == 0, output
    if fmt == "sqlite":
        db = sqlite3.connect(out)
        assert db.execute("SELECT source_id FROM event_reports ORDER BY rowid").fetchall() == [(FR,), (FR,)]
        crowd = db.execute("SELECT low, best, number_of_sources, source_ids FROM computed_estimates WHERE event_id = ? AND kind = 'crowd_size'",
                           (PROTEST,)).fetchone()
        db.close()
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        assert pq.read_table(out / "event_reports.parquet").column("source_id").to_pylist() == [FR, FR]
        rows = pq.read_table(out / "computed_estimates.parquet").to_pylist()
        crowd = next((r["low"], r["best"], r["number_of_sources"], r["source_ids"]) for r in rows
                     if r["event_id"] == PROTEST and r["kind"] == "crowd_size")
    else:
        from openpyxl import load_workbook

        book = load_workbook(out, read_only=True)
        header, *rows = list(book["computed_estimates"].iter_rows(values_only=True))
        rows = [dict(zip(header, r)) for r in rows]
        crowd = next((r["low"], r["best"], r["number_of_sources"], r["source_ids"]) for r in rows
                     if r["event_id"] == PROTEST and r["kind"] == "crowd_size")
        assert [r[-4] for r in list(book["event_reports"].iter_rows(values_only=True))[1:]] == [FR, FR]
    assert crowd == (200, 200, 2, f"{AJ}; {FR}")


def test_the_acled_layout_lists_both_sources_and_their_words(versions, tmp_path):
    out = tmp_path / "acled.csv"
    code, output = run("export", "--format", "acled", "--output", out, versions["two"])
    assert code == 0, output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    protest = next(r for r in rows if f"minusma-facts event {PROTEST}" in r["notes"])
    assert protest["source"] == "Al Jazeera; Texte écrit pour les tests de minusma-facts"
    assert "Also reported by Texte écrit pour les tests de minusma-facts" in protest["notes"]
    assert "Palais des sports de Bamako" in protest["notes"]
    assert "crowd size=Des centaines" in protest["tags"] and "crowd size=Several thousand" in protest["tags"]
    assert protest["fatalities"] == "0"
    header = next(csv.reader(out.open(encoding="utf-8")))
    from minusma_facts.interop import ACLED_COLUMNS, UCDP_COLUMNS

    assert header == ACLED_COLUMNS
    out = tmp_path / "ucdp.csv"
    assert run("export", "--format", "ucdp", "--output", out, versions["two"])[0] == 0
    assert next(csv.reader(out.open(encoding="utf-8"))) == UCDP_COLUMNS


def test_release_carries_both_sources_and_validates(versions, tmp_path):
    code, output = run("release", versions["two"], "--project", ROOT, "--output-dir", tmp_path)
    assert code == 0, output
    (archive,) = tmp_path.glob("*.zip")
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        reports = next(n for n in names if n.endswith("data/event_reports.csv"))
        assert [r["source_id"] for r in csv.DictReader(io.StringIO(z.read(reports).decode("utf-8")))] == [FR, FR]
        sources = next(n for n in names if n.endswith("data/sources.csv"))
        assert FR in z.read(sources).decode("utf-8")
    code, output = run("validate", archive, "--json")
    assert code == 0, output
    assert rows_of(json.loads(output), "event_reports") == 2
    import minusma_facts

    estimates = minusma_facts.load("computed_estimates", path=archive)
    assert int(estimates[(estimates["event_id"] == PROTEST) & (estimates["kind"] == "crowd_size")].iloc[0]["number_of_sources"]) == 2


def test_diff_lists_the_second_source_rows(versions):
    code, output = run("diff", versions["one"], versions["two"], "--json")
    assert code == 0, output
    tables = {t["table"]: t for t in json.loads(output)["tables"]}
    assert tables["sources"]["added"] == [FR]
    assert tables["event_reports"]["added"] == [f"{PROTEST}__{FR}", f"minusma_established_2013__{FR}"]
    assert tables["figures"]["added"] == ["protest_crowd_fr_headline", "protest_crowd_fr_lede"]
    assert len(tables["actor_aliases"]["added"]) == len(ROWS["actor_aliases"])
    assert all(t["changed"] == [] and t["removed"] == [] for t in tables.values())
    code, output = run("diff", versions["one"], versions["two"])
    assert code == 0 and "event_reports" in output


def test_the_ged_layout_reconciles_the_killed_across_sources(versions, tmp_path):
    """A layout rule, not coding: a made-up second count of Moura's dead (the French text has none), given by the
    French source as an exact 600, beside the article's "more than 500". GED's row then rests on both."""
    import shutil

    package = tmp_path / "two"
    shutil.copytree(versions["two"], package)
    header, rows = read_rows(package, "casualties")
    moura = dict(zip(header, next(r for r in rows if r[0] == "moura_civilians_executed")))
    append_rows(package, "casualties", [{**moura, "casualty_id": "moura_made_up_second_count", "count_low": "600", "count_best": "600",
                                         "count_high": "600", "count_qualifier": "exact", "count_text": "600", "count_text_start": "",
                                         "count_text_end": "", "reported_by_actor_id": "", "reported_by_text": "", "source_id": FR}])
    out = tmp_path / "ucdp.csv"
    code, output = run("export", "--format", "ucdp", "--output", out, package)
    assert code == 0, output
    (row,) = [r for r in csv.DictReader(out.open(encoding="utf-8")) if "moura_civilians_executed" in r["relid"]]
    assert row["relid"] == "moura_civilians_executed; moura_made_up_second_count"
    assert (row["number_of_sources"], row["low"], row["best"], row["high"]) == ("2", "501", "600", "600")
    assert row["deaths_civilians"] == "600"
    assert row["source_office"] == "Al Jazeera; Texte écrit pour les tests de minusma-facts"
    assert row["source_original"] == "a UN report"
    out = tmp_path / "acled.csv"
    assert run("export", "--format", "acled", "--output", out, package)[0] == 0
    # ACLED: one event_toll row per source, so fatalities is their reconciled best (the exact 600 outvotes the bound)
    assert [r["fatalities"] for r in csv.DictReader(out.open(encoding="utf-8")) if "moura_killings_2022_03)" in r["notes"]] == ["600"]

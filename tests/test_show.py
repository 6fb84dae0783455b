"""`minusma-facts show TABLE ID`: the row, its linked rows both ways, and its passage with the evidence marked."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minusma_facts.cli import app
from minusma_facts.package import Package
from minusma_facts.show import show

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Package.open(ROOT)
TEXT = (ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt").read_text(encoding="utf-8")
runner = CliRunner()


def rows(table: str) -> list[dict[str, str]]:
    return PACKAGE.read_table(table, typed=False).to_dict(orient="records")


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_an_event_lists_its_actors_casualties_and_passage():
    event = next(r for r in rows("events") if r["event_id"] == "moura_killings_2022_03")
    result = runner.invoke(app, ["show", "events", "moura_killings_2022_03", "--package", str(ROOT)])
    assert result.exit_code == 0, result.output
    flat = one_line(result.output)
    for link in (r for r in rows("event_actors") if r["event_id"] == "moura_killings_2022_03"):
        assert f"event_actors {link['event_actor_id']} (event_id)" in flat
        assert f"actor_id -> actors {link['actor_id']}" in flat
    for casualty in (r for r in rows("casualties") if r["event_id"] == "moura_killings_2022_03"):
        assert f"casualties {casualty['casualty_id']} (event_id)" in flat
    assert one_line(f"⟦{event['evidence']}⟧") in flat


def test_a_casualty_links_to_its_event_and_shows_the_sentence_around_its_evidence():
    casualty = next(r for r in rows("casualties") if r["casualty_id"] == "moura_civilians_executed")
    result = runner.invoke(app, ["show", "casualties", "moura_civilians_executed", "--package", str(ROOT)])
    assert result.exit_code == 0, result.output
    flat = one_line(result.output)
    assert "event_id -> events moura_killings_2022_03" in flat
    start, end = int(casualty["evidence_start"]), int(casualty["evidence_end"])
    sentence_start = TEXT.rfind("\n", 0, start) + 1
    sentence_end = TEXT.find(".", end) + 1
    expected = TEXT[sentence_start:start] + "⟦" + TEXT[start:end] + "⟧" + TEXT[end:sentence_end]
    assert one_line(expected) in flat


# every table with rows (event_reports has none until a second source is coded: tests/test_second_source.py shows one)
@pytest.mark.parametrize("table", [t for t in PACKAGE.resource_names if t != "sources" and PACKAGE.read_table(t, typed=False).shape[0]])
def test_every_table_shows_its_first_row_with_matching_evidence(table):
    key = PACKAGE.schema(table)["primaryKey"][0]
    first = rows(table)[0]
    result = show(PACKAGE, table, first[key])
    assert result["row"] == first
    assert result["passage"]["evidence"] == first["evidence"]
    assert result["passage"]["evidence_matches"]
    assert result["passage"]["text"].find(first["evidence"]) >= 0


def test_json_output_equals_the_python_result():
    result = runner.invoke(app, ["show", "actors", "minusma", "--json", "--package", str(ROOT)])
    assert result.exit_code == 0
    assert json.loads(result.output) == show(PACKAGE, "actors", "minusma")


def test_an_actor_is_linked_from_the_events_it_takes_part_in():
    result = show(PACKAGE, "actors", "minusma")
    linked_events = {link["row"]["event_id"] for link in result["linked_from"] if link["table"] == "event_actors"}
    assert linked_events == {r["event_id"] for r in rows("event_actors") if r["actor_id"] == "minusma"}
    assert any(link["table"] == "actor_aliases" and link["row"]["alias_text"] == "MUNISMA" for link in result["linked_from"])


def test_from_a_release_archive_the_evidence_is_shown_without_the_text(tmp_path):
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for folder in ("schemas", "data"):
            for path in (ROOT / folder).glob("*"):
                zf.write(path, f"{folder}/{path.name}")
        zf.write(ROOT / "datapackage.json", "datapackage.json")
    result = runner.invoke(app, ["show", "casualties", "moura_civilians_executed", "--package", str(archive)])
    assert result.exit_code == 0, result.output
    assert "the source text is not in this package" in result.output


@pytest.mark.parametrize(
    "args, code, message",
    [
        pytest.param(["show", "events", "no_such_event"], 1, "show: events: no row with event_id 'no_such_event'", id="unknown id"),
        pytest.param(["show", "evnts", "x"], 2, "show: no table named 'evnts'", id="unknown table"),
        pytest.param(["show", "events", "x", "--package", "/no/such/folder"], 2, "no such file or folder", id="missing package"),
    ],
)
def test_bad_arguments_exit_with_a_one_line_message(args, code, message):
    if "--package" not in args:
        args = args + ["--package", str(ROOT)]
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1

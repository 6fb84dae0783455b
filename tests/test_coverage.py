"""`minusma-facts coverage`: the share of each source text that rows cite, and the sentences none cites."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minusma_facts.cli import app
from minusma_facts.coverage import coverage, sentences, span_fields
from packages import copy_package
from minusma_facts.package import Package

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt").read_text(encoding="utf-8")
runner = CliRunner()


def covered_by_hand(package: Package, source_id: str) -> int:
    """The covered code points, counted character by character from the CSVs and the schemas."""
    covered = set()
    for name in package.resource_names:
        fields = span_fields(package.schema(name))
        for row in package.read_table(name, typed=False).to_dict(orient="records"):
            if row.get("source_id") != source_id:
                continue
            for f in fields:
                if row[f.text] and row[f.start] and row[f.end]:
                    covered.update(range(int(row[f.start]), int(row[f.end])))
    return len(covered)


def test_span_fields_come_from_the_schemas():
    package = Package.open(ROOT)
    assert [f.text for f in span_fields(package.schema("casualties"))] == ["count_text", "evidence"]
    assert [f.text for f in span_fields(package.schema("events"))] == ["date_text", "location_text", "evidence"]
    assert span_fields(package.schema("sources")) == []


def test_sentences_split_the_article_into_its_sentences():
    found = [TEXT[a:b] for a, b in sentences(TEXT)]
    assert found[0] == "Mali protesters demand exit of UN peacekeeping mission"
    assert "More than 300 UN peacekeepers have also been killed." in found
    assert "This prompted France to withdraw its troops from Mali in 2022, after having been there for almost ten years." in found
    assert all(s == s.strip() and s for s in found)


def test_the_share_is_covered_code_points_over_the_text_length():
    package = Package.open(ROOT)
    (source,) = coverage(package)["sources"]
    assert source["text_length_chars"] == len(TEXT)
    assert source["covered_chars"] == covered_by_hand(package, source["source_id"])
    assert source["covered_share"] == round(source["covered_chars"] / len(TEXT), 4)


def test_the_command_prints_the_share_and_the_uncited_sentences(tmp_path):
    package = copy_package(tmp_path / "pkg")
    figures = package / "data" / "figures.csv"
    lines = figures.read_text(encoding="utf-8").splitlines()
    troop = [line for line in lines if line.startswith("minusma_troop_strength,")]
    # drop every row whose evidence lies in the troop-strength sentence, so that it is cited by no row
    sentence = "With more than 14,000 troops on the ground, the UN mission in Mali is the largest, most expensive and deadliest operation in the organization’s history."
    start = TEXT.index(sentence)
    end = start + len(sentence)
    assert troop, "the real data codes the troop strength"
    for csv_path in (package / "data").glob("*.csv"):
        kept = []
        for line in csv_path.read_text(encoding="utf-8").splitlines(keepends=True):
            if not _cites(line, start, end):
                kept.append(line)
        csv_path.write_text("".join(kept), encoding="utf-8")
    result = runner.invoke(app, ["coverage", str(package)])
    assert result.exit_code == 0, result.output
    assert f"[{start}:{end}] {sentence}" in result.output
    report = coverage(Package.open(package))["sources"][0]
    assert f"{report['covered_share']:.1%} of the text cited" in result.output
    assert report["covered_share"] < coverage(Package.open(ROOT))["sources"][0]["covered_share"]


def _cites(line: str, start: int, end: int) -> bool:
    """Whether a CSV line holds an evidence_start/evidence_end pair inside [start, end) (crude but enough)."""
    import csv

    try:
        cells = next(csv.reader([line]))
    except StopIteration:
        return False
    numbers = [int(c) for c in cells if c.isdigit()]
    return any(start <= a < b <= end for a, b in zip(numbers, numbers[1:]))


def test_json_output_equals_the_python_report():
    result = runner.invoke(app, ["coverage", str(ROOT), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == coverage(Package.open(ROOT))


@pytest.mark.parametrize(
    "make, message",
    [
        pytest.param(lambda tmp: tmp / "missing", "no such file or folder", id="missing path"),
        pytest.param(lambda tmp: _archive_without_text(tmp), "no source text is present", id="release archive without text"),
    ],
)
def test_cannot_run_exits_2_with_one_line(tmp_path, make, message):
    result = runner.invoke(app, ["coverage", str(make(tmp_path))])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def _archive_without_text(tmp: Path) -> Path:
    folder = copy_package(tmp / "pkg", with_text=False)
    archive = tmp / "release.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return archive

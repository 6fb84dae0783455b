"""Every example in the Table Schemas (and so in the data dictionary rendered from them) is a value of the data:
a cell of its own column, and a span's text and offsets come from one row, so they point at each other."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in DESCRIPTOR["resources"]}


def schema(name: str) -> dict:
    return json.loads((ROOT / RESOURCES[name]["schema"]).read_text(encoding="utf-8"))


def rows(name: str) -> list[dict[str, str]]:
    with open(ROOT / RESOURCES[name]["path"], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def as_cell(value) -> str:
    """How an example is written in a CSV cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


@pytest.mark.parametrize("name", list(RESOURCES), ids=list(RESOURCES))
def test_every_example_is_a_value_of_its_column(name: str):
    data = rows(name)
    wrong = [f"{f['name']}: {f['example']!r}" for f in schema(name)["fields"]
             if "example" in f and as_cell(f["example"]) not in {row[f["name"]] for row in data}]
    assert wrong == []


@pytest.mark.parametrize("name", list(RESOURCES), ids=list(RESOURCES))
def test_a_spans_examples_come_from_one_row(name: str):
    fields = {f["name"]: f for f in schema(name)["fields"]}
    for text in fields:
        trio = (text, f"{text}_start", f"{text}_end")
        if not all(n in fields for n in trio[1:]) or not any("example" in fields[n] for n in trio):
            continue
        assert all("example" in fields[n] for n in trio), f"{text}: give the text and both offsets, or none"
        example = [as_cell(fields[n]["example"]) for n in trio]
        assert any([row[n] for n in trio] == example for row in rows(name)), f"{text}: {example} is no row's span"


def test_the_check_catches_an_example_the_data_does_not_hold():
    data = rows("events")
    assert as_cell("Protest in Bamako against MINUSMA") not in {row["event_name"] for row in data}
    assert as_cell(True) in {row["is_series"] for row in data} | {"true"}

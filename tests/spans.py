"""Span cells of a package copy, found from its schemas, and a way to clear their offsets (tests only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from minusma_facts.coverage import span_fields
from minusma_facts.csvcells import CsvFile


@dataclass(frozen=True)
class Span:
    table: str
    row: int  # the header is row 1
    field: str
    words: str
    start: str
    end: str
    source_id: str


def spans(package: Path) -> list[Span]:
    found = []
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        schema = json.loads((package / resource["schema"]).read_text(encoding="utf-8"))
        fields = span_fields(schema)
        if not fields:
            continue
        table = CsvFile((package / resource["path"]).read_bytes(), resource["path"])
        for number, _, row in table.rows():
            for f in fields:
                if row[f.text]:
                    found.append(Span(resource["name"], number, f.text, row[f.text], row[f.start], row[f.end], row["source_id"]))
    return found


def set_offsets(package: Path, choose: Callable[[Span], tuple[str, str] | None]) -> int:
    """Rewrite the offsets of every span for which choose(span) gives (start, end); return how many."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    count = 0
    for resource in descriptor["resources"]:
        schema = json.loads((package / resource["schema"]).read_text(encoding="utf-8"))
        fields = span_fields(schema)
        if not fields:
            continue
        path = package / resource["path"]
        table = CsvFile(path.read_bytes(), resource["path"])
        index = {n: i for i, n in enumerate(table.header)}
        edits = {}
        for (number, record, row) in table.rows():
            for f in fields:
                if not row[f.text]:
                    continue
                new = choose(Span(resource["name"], number, f.text, row[f.text], row[f.start], row[f.end], row["source_id"]))
                if new is not None:
                    edits[record.cells[index[f.start]]], edits[record.cells[index[f.end]]] = new
                    count += 1
        path.write_bytes(table.rewrite(edits))
    return count


def occurrences(text: str, words: str) -> int:
    """How many times words occur in text, overlapping ones included (counted independently of locate)."""
    return sum(text.startswith(words, i) for i in range(len(text)))

"""What of each source text the coding cites: spans, sentences, and the share of the text covered.

A span is any field pair the schemas declare: ``evidence`` with ``evidence_start``/``evidence_end``, and every
string field ``X`` with integer fields ``X_start``/``X_end`` (``date_text``, ``count_text``, ...). The span fields
are read from the Table Schemas, never listed here. Offsets are 0-based, end-exclusive Unicode code points.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from .package import Package, PackageError


@dataclass(frozen=True)
class SpanField:
    text: str
    start: str
    end: str


@dataclass(frozen=True)
class Span:
    """One cited stretch of a source text: which row cites it, through which field."""

    table: str
    row_id: str
    field: str
    source_id: str
    start: int
    end: int
    text: str


def span_fields(schema: dict[str, Any]) -> list[SpanField]:
    """The (text, start, end) field triples of a Table Schema, in schema order."""
    kinds = {f.get("name"): f.get("type", "string") for f in schema.get("fields", [])}
    found = []
    for name, kind in kinds.items():
        if kind == "string" and kinds.get(f"{name}_start") == "integer" and kinds.get(f"{name}_end") == "integer":
            found.append(SpanField(name, f"{name}_start", f"{name}_end"))
    return found


def primary_key(schema: dict[str, Any]) -> list[str]:
    key = schema.get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def row_id(row: dict[str, Any], key: list[str]) -> str:
    return "/".join(str(row.get(k, "")) for k in key)


def raw_rows(package: Package, name: str) -> list[dict[str, str]]:
    """A table's rows as dicts of strings (empty string = missing), as stored."""
    frame = package.read_table(name, typed=False)
    return frame.to_dict(orient="records")


def source_texts(package: Package) -> dict[str, str | None]:
    """source_id -> the stored text, or None where the package does not hold it (release archives)."""
    texts: dict[str, str | None] = {}
    if "sources" not in package.resource_names:
        return texts
    for row in raw_rows(package, "sources"):
        path = row.get("text_path") or ""
        try:
            texts[row["source_id"]] = package.read_bytes(path).decode("utf-8")
        except (FileNotFoundError, PackageError, OSError, UnicodeDecodeError):
            texts[row["source_id"]] = None
    return texts


def collect_spans(package: Package) -> list[Span]:
    """Every span of every row of every table whose schema declares span fields."""
    spans: list[Span] = []
    for name in package.resource_names:
        schema = package.schema(name)
        fields = span_fields(schema)
        if not fields:
            continue
        key = primary_key(schema)
        for row in raw_rows(package, name):
            for field in fields:
                text, start, end = row.get(field.text, ""), row.get(field.start, ""), row.get(field.end, "")
                if not text or not start or not end:
                    continue
                try:
                    spans.append(
                        Span(name, row_id(row, key), field.text, row.get("source_id", ""), int(start), int(end), text)
                    )
                except ValueError:
                    continue
    return spans


_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?=\s+[\"“‘(]?[A-Z0-9])")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point offsets of the sentences of a text: each line (headline, paragraph) is split
    after '.', '!' or '?' (and closing quotes) that a capital or an opening quote follows; surrounding
    whitespace is left out."""
    found = []
    line_start = 0
    for line in text.split("\n"):
        cuts = [0] + [m.end() for m in _SENTENCE_END.finditer(line)] + [len(line)]
        for a, b in zip(cuts, cuts[1:]):
            piece = line[a:b]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                found.append((line_start + a + lead, line_start + a + len(piece.rstrip())))
        line_start += len(line) + 1
    return found


def merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def coverage(package: Package) -> dict[str, Any]:
    """Per source: text length, code points covered by any span, their share, and the uncited sentences.

    Raises PackageError when no source text is present (a release archive carries none).
    """
    texts = source_texts(package)
    if not texts:
        raise PackageError("the package has no sources table")
    if all(text is None for text in texts.values()):
        raise PackageError("no source text is present (release archives leave the texts out); run it in the repository")
    spans = collect_spans(package)
    report: dict[str, Any] = {"sources": []}
    for source_id, text in texts.items():
        if text is None:
            report["sources"].append({"source_id": source_id, "text_present": False})
            continue
        own = [s for s in spans if s.source_id == source_id and 0 <= s.start < s.end <= len(text)]
        covered = merge([(s.start, s.end) for s in own])
        covered_chars = sum(e - s for s, e in covered)
        rows = {(s.table, s.row_id) for s in own}
        sentence_list = []
        for start, end in sentences(text):
            cited = sum(max(0, min(end, ce) - max(start, cs)) for cs, ce in covered)
            sentence_list.append(
                {"start": start, "end": end, "text": text[start:end], "cited_chars": cited, "is_cited": cited > 0}
            )
        uncited = [s for s in sentence_list if not s["is_cited"]]
        report["sources"].append(
            {
                "source_id": source_id,
                "text_present": True,
                "text_length_chars": len(text),
                "covered_chars": covered_chars,
                "covered_share": round(covered_chars / len(text), 4) if text else 0.0,
                "span_count": len(own),
                "row_count": len(rows),
                "sentence_count": len(sentence_list),
                "uncited_sentence_count": len(uncited),
                "uncited_sentences": uncited,
                "uncovered_ranges": _gaps(covered, len(text), text),
            }
        )
    return report


def _gaps(covered: list[tuple[int, int]], length: int, text: str) -> list[dict[str, Any]]:
    """Stretches of the text no span covers that hold a letter or digit (bare punctuation and spaces left out)."""
    gaps, cursor = [], 0
    for start, end in covered + [(length, length)]:
        if start > cursor and any(c.isalnum() for c in text[cursor:start]):
            gaps.append({"start": cursor, "end": start, "text": text[cursor:start]})
        cursor = max(cursor, end)
    return gaps


def spans_as_dicts(spans: list[Span]) -> list[dict[str, Any]]:
    return [asdict(s) for s in spans]

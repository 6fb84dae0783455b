"""One row of the package with everything linked to it and the source passage it cites.

Links follow the foreign keys of the Table Schemas both ways: the rows this row points to (the event of a
casualty) and the rows that point to it (the actors of an event through event_actors, its casualties, ...).
An event also shows every further source's report of it (event_reports) with that source's passage, and its
computed estimates across sources (minusma_facts.reconcile).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .coverage import primary_key, raw_rows, row_id, sentences, source_texts, span_fields
from .package import Package


class NotFound(LookupError):
    """The table has no row with that id (the command exits 1)."""


@dataclass(frozen=True)
class ForeignKey:
    table: str
    fields: tuple[str, ...]
    ref_table: str
    ref_fields: tuple[str, ...]


def foreign_keys(package: Package) -> list[ForeignKey]:
    """Every foreign key of every table schema in the package."""
    found = []
    for name in package.resource_names:
        for fk in package.schema(name).get("foreignKeys", []) or []:
            fields = fk.get("fields")
            reference = fk.get("reference") or {}
            ref_fields = reference.get("fields")
            fields = (fields,) if isinstance(fields, str) else tuple(fields or ())
            ref_fields = (ref_fields,) if isinstance(ref_fields, str) else tuple(ref_fields or ())
            ref_table = reference.get("resource") or name  # "" means the table itself
            found.append(ForeignKey(name, fields, ref_table, ref_fields))
    return found


def label(package: Package, table: str, row: dict[str, str]) -> str:
    """A short human label for a row: its *_name field where the schema has one, else its evidence."""
    for field in package.schema(table).get("fields", []):
        name = field.get("name", "")
        if name.endswith("_name") and row.get(name):
            return row[name]
    evidence = row.get("evidence", "")
    return evidence if len(evidence) <= 80 else evidence[:77] + "..."


def show(package: Package, table: str, wanted_id: str) -> dict[str, Any]:
    """The row ``wanted_id`` of ``table`` (its primary key value; "a/b" for a compound key), its linked rows
    both ways, and its source passage. Raises KeyError for an unknown table, NotFound for an unknown id."""
    if table not in package.resource_names:
        raise KeyError(f"no table named {table!r}; the package has: {', '.join(package.resource_names)}")
    schema = package.schema(table)
    key = primary_key(schema)
    rows_by_table: dict[str, list[dict[str, str]]] = {}

    def rows(name: str) -> list[dict[str, str]]:
        if name not in rows_by_table:
            rows_by_table[name] = raw_rows(package, name) if name in package.resource_names else []
        return rows_by_table[name]

    matches = [r for r in rows(table) if row_id(r, key) == wanted_id]
    if not matches:
        raise NotFound(f"{table}: no row with {'/'.join(key) or 'id'} {wanted_id!r}")
    row = matches[0]

    outgoing, incoming = [], []
    for fk in foreign_keys(package):
        if fk.table == table:
            values = tuple(row.get(f, "") for f in fk.fields)
            if all(values):
                targets = [r for r in rows(fk.ref_table) if tuple(r.get(f, "") for f in fk.ref_fields) == values]
                for target in targets:
                    outgoing.append(_link(package, fk, fk.ref_table, target, "/".join(fk.fields)))
        if fk.ref_table == table:
            values = tuple(row.get(f, "") for f in fk.ref_fields)
            for other in rows(fk.table):
                if other is row:
                    continue
                if tuple(other.get(f, "") for f in fk.fields) == values:
                    incoming.append(_link(package, fk, fk.table, other, "/".join(fk.fields)))
                    incoming[-1]["via"] = _via(package, fk.table, other, table, rows)

    reports = [{"source_id": link["row"].get("source_id", ""), "id": link["id"], "row": link["row"],
                "passage": passage(package, REPORTS, link["row"])} for link in incoming if link["table"] == REPORTS]
    estimates = []
    if table == EVENTS:
        from .reconcile import estimate_rows

        estimates = [e for e in estimate_rows(rows("casualties"), rows("figures")) if e["event_id"] == wanted_id]
    return {
        "table": table,
        "id": wanted_id,
        "row": row,
        "links_to": outgoing,
        "linked_from": incoming,
        "passage": passage(package, table, row),
        "reports": reports,
        "estimates": estimates,
    }


EVENTS, REPORTS = "events", "event_reports"


def _link(package: Package, fk: ForeignKey, table: str, row: dict[str, str], field: str) -> dict[str, Any]:
    key = primary_key(package.schema(table))
    return {"field": field, "table": table, "id": row_id(row, key), "label": label(package, table, row), "row": row}


def _via(package: Package, table: str, row: dict[str, str], origin: str, rows) -> list[dict[str, str]]:
    """For a linking row (event_actors, actor_relations): the other rows it points to, e.g. the actor."""
    found = []
    for fk in foreign_keys(package):
        if fk.table != table or fk.ref_table in (origin, "sources"):
            continue
        values = tuple(row.get(f, "") for f in fk.fields)
        if not all(values):
            continue
        for target in rows(fk.ref_table):
            if tuple(target.get(f, "") for f in fk.ref_fields) == values:
                key = primary_key(package.schema(fk.ref_table))
                found.append(
                    {"field": "/".join(fk.fields), "table": fk.ref_table, "id": row_id(target, key),
                     "label": label(package, fk.ref_table, target)}
                )
    return found


def passage(package: Package, table: str, row: dict[str, str]) -> dict[str, Any] | None:
    """The sentence(s) around the row's evidence, with the evidence's place in them."""
    fields = span_fields(package.schema(table))
    evidence = next((f for f in fields if f.text == "evidence"), fields[0] if fields else None)
    if evidence is None or not row.get(evidence.start) or not row.get(evidence.end):
        return None
    start, end = int(row[evidence.start]), int(row[evidence.end])
    source_id = row.get("source_id", "")
    text = source_texts(package).get(source_id)
    if text is None:
        return {"source_id": source_id, "text_present": False, "evidence": row.get(evidence.text, ""),
                "evidence_start": start, "evidence_end": end}
    around = [(s, e) for s, e in sentences(text) if s < end and e > start] or [(start, end)]
    p_start, p_end = min(min(s for s, _ in around), start), max(max(e for _, e in around), end)
    others = [
        {"field": f.text, "start": int(row[f.start]), "end": int(row[f.end])}
        for f in fields
        if f is not evidence and row.get(f.text) and row.get(f.start) and row.get(f.end)
    ]
    return {
        "source_id": source_id,
        "text_present": True,
        "start": p_start,
        "end": p_end,
        "text": text[p_start:p_end],
        "evidence": text[start:end],
        "evidence_start": start,
        "evidence_end": end,
        "evidence_matches": text[start:end] == row.get(evidence.text, ""),
        "other_spans": others,
    }

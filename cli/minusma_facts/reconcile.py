"""One estimate per event and kind of harm across sources, computed from the rows, never typed.

Casualties and figures stay one row per source's figure. This module reads them and gives, for each event and
kind (casualties: ``event_id`` + ``harm_type``; figures: ``event_id`` + ``figure_type`` + ``unit``, which covers
crowd sizes), the estimate a reader of several sources wants, on the model of UCDP GED's ``low``, ``best``,
``high`` and ``number_of_sources`` (docs/codebook.md, "Several sources: one estimate"):

- ``low``: the lowest low of the rows; empty when any row leaves the lower bound open.
- ``high``: the highest high; empty (unbounded) when any row leaves the upper bound open.
- ``best``: each source gets one point, its stated best (the median of its stated bests, should it give more than
  one), else the largest low its rows give (the most its words establish: "more than 500" gives 501, the reading
  the GED layout already uses). When any source states a best, only those sources vote; the estimate is the
  median of the points, the lower middle one for an even number, so it is always a number some source gives.
  Empty when no source gives a point (only "almost N" or words without a number).

The computed table is described by its own Table Schema (``assets/computed_estimates.schema.json``), which is
not a resource of the package: ``load("computed_estimates")``, the exports and the ACLED/UCDP layouts use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .package import Package

COMPUTED_TABLE = "computed_estimates"
SEPARATOR = "; "

# the columns each counted table reads: (kind, low, best, high, qualifier, words, row id); casualties count persons
COUNTED = {
    "casualties": ("harm_type", "count_low", "count_best", "count_high", "count_qualifier", "count_text", "casualty_id"),
    "figures": ("figure_type", "value_low", "value_best", "value_high", "value_qualifier", "value_text", "figure_id"),
}
CASUALTY_UNIT = "persons"


def computed_schema() -> dict[str, Any]:
    """The Table Schema of the computed table (a file of the tools, not of the package)."""
    text = resources.files("minusma_facts").joinpath("assets", f"{COMPUTED_TABLE}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Figure:
    """One row's figure as its source states it."""

    row_id: str
    source_id: str
    low: float | None
    best: float | None
    high: float | None
    qualifier: str
    words: str


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN: missing


def figure_of(row: dict[str, Any], table: str) -> Figure:
    """A casualties or figures row (cells as stored, strings) as a Figure."""
    _, low, best, high, qualifier, words, row_id = COUNTED[table]
    return Figure(str(row.get(row_id) or ""), str(row.get("source_id") or ""), _number(row.get(low)), _number(row.get(best)),
                  _number(row.get(high)), str(row.get(qualifier) or ""), str(row.get(words) or ""))


def _lower_median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def number_text(value: float | None) -> str:
    """A bound as written in the computed text: 2000, not 2000.0; empty for None."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def _range(figure: Figure) -> str:
    if figure.best is not None and figure.low == figure.best == figure.high:
        return number_text(figure.best)
    if figure.low is None and figure.high is None:
        return "no bound"
    if figure.high is None:
        return f"{number_text(figure.low)} or more"
    if figure.low is None:
        return f"at most {number_text(figure.high)}"
    return f"{number_text(figure.low)} to {number_text(figure.high)}"


def estimate(figures: list[Figure]) -> dict[str, Any]:
    """low, best, high, best_rule, number_of_sources, source_ids, row_ids and source_figures of one group of rows."""
    by_source: dict[str, list[Figure]] = {}
    for figure in figures:
        by_source.setdefault(figure.source_id, []).append(figure)
    lows = [f.low for f in figures]
    highs = [f.high for f in figures]
    low = min(lows) if figures and None not in lows else None  # type: ignore[type-var]
    high = max(highs) if figures and None not in highs else None  # type: ignore[type-var]
    stated = {s: _lower_median([f.best for f in rows if f.best is not None]) for s, rows in by_source.items()
              if any(f.best is not None for f in rows)}
    bounded = {s: max(f.low for f in rows if f.low is not None) for s, rows in by_source.items()
               if any(f.low is not None for f in rows)}
    points = stated or bounded
    n = len(points)
    if not n:
        best, rule = None, "empty: no source gives an exact number or a lower bound"
    elif n == 1:
        best = next(iter(points.values()))
        rule = "one source's stated best" if stated else "one source's lower bound, the most its words establish (no best stated)"
    else:
        best = _lower_median(list(points.values()))
        rule = (f"median of {n} sources' stated bests" if stated else
                f"median of {n} sources' lower bounds, each the most its words establish (no source states a best)")
        rule += "; the lower middle one for an even number"
    if stated and len(stated) < len(by_source):
        rule += f"; {len(by_source) - len(stated)} source(s) with bounds only do not vote"
    shown = []
    for source, rows in by_source.items():
        words = "; ".join(f"\"{f.words}\" ({f.qualifier}, {_range(f)})" if f.words else f"no number ({f.qualifier})" for f in rows)
        shown.append(f"{source}: {words}")
    return {
        "low": low,
        "best": best,
        "high": high,
        "best_rule": rule,
        "number_of_sources": len(by_source),
        "source_ids": SEPARATOR.join(by_source),
        "row_ids": SEPARATOR.join(f.row_id for f in figures),
        "source_figures": " | ".join(shown),
    }


def estimate_rows(casualties: Iterable[dict[str, Any]], figures: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The computed table's rows from the rows of casualties and figures (cells as stored), in the order of
    each group's first row, casualties first. Rows without an event (a figure of an actor) are not estimated."""
    groups: dict[tuple[str, str, str, str], list[Figure]] = {}
    for table, rows in (("casualties", casualties), ("figures", figures)):
        kind_field = COUNTED[table][0]
        for row in rows:
            event_id = str(row.get("event_id") or "")
            if not event_id:
                continue
            unit = CASUALTY_UNIT if table == "casualties" else str(row.get("unit") or "")
            groups.setdefault((event_id, table, str(row.get(kind_field) or ""), unit), []).append(figure_of(row, table))
    return [{"event_id": e, "from_table": t, "kind": k, "unit": u, **estimate(rows)} for (e, t, k, u), rows in groups.items()]


def reconcile(package: "Package") -> list[dict[str, Any]]:
    """The computed estimates of a package (its casualties and figures tables; either may be absent)."""
    from .coverage import raw_rows

    tables = {name: raw_rows(package, name) if name in package.resource_names else [] for name in COUNTED}
    return estimate_rows(tables["casualties"], tables["figures"])


def estimates_frame(package: "Package") -> "pd.DataFrame":
    """The computed estimates as a DataFrame typed from their schema (what ``load("computed_estimates")`` gives)."""
    import pandas as pd

    from .schema import Schema

    schema = computed_schema()
    names = [f["name"] for f in schema["fields"]]
    rows = [{n: "" if row[n] is None else (number_text(row[n]) if isinstance(row[n], float) else str(row[n])) for n in names}
            for row in reconcile(package)]
    frame = pd.DataFrame(rows, columns=names, dtype="string").fillna("")
    return Schema.from_descriptor(schema).cast_frame(frame)


def estimate_columns(package: "Package") -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """(schema fields, columns of Python values) of the computed table, as export.table_columns gives a resource's:
    each value as its field's type gives it (schema.Field.python_value), None where it is missing (None, or
    the empty text the CSV writes for it)."""
    from .schema import Field

    fields = list(computed_schema()["fields"])
    rows = reconcile(package)
    columns = []
    for field in map(Field.from_descriptor, fields):
        columns.append([None if row[field.name] in (None, "") else field.python_value(row[field.name]) for row in rows])
    return fields, columns

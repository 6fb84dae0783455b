"""Differential: on structural damage our verdict and the rows we name equal frictionless's.

Structural means what both engines check the same way: types, constraints, keys, blank rows, cell counts.
"""

from __future__ import annotations

import pytest

from damage import edit_rows, get_cell, set_cell, set_cells
from minusma_facts.validation import validate_package

STRUCTURAL = {"type-error", "constraint-error", "unique-error", "primary-key", "foreign-key", "blank-row", "extra-cell", "missing-cell"}
CELL_LEVEL = {"type-error", "constraint-error", "unique-error", "extra-cell", "missing-cell"}


def _cells(table, row, values):
    return lambda p: set_cells(p, table, row, values)


def _duplicate_id(table, field):
    return lambda p: set_cell(p, table, 4, field, get_cell(p, table, 2, field))


CASES = [
    pytest.param("events", _cells("events", 3, {"admin_level": "x", "latitude": "1.2.3", "is_series": "yes", "date_end": "2023-13-01"}), id="types"),
    pytest.param("events", _cells("events", 2, {"event_type": "picnic", "country_iso3": "mli", "latitude": "-91", "event_name": ""}), id="constraints"),
    pytest.param("actors", _duplicate_id("actors", "actor_id"), id="primary key and unique"),
    pytest.param("events", _cells("events", 5, {"parent_event_id": "nothing_here", "claim_quote_id": "no_quote"}), id="foreign keys"),
    pytest.param("figures", edit_rows("figures", lambda h, rows: rows.insert(2, [""] * len(h))), id="blank row"),
    pytest.param("figures", edit_rows("figures", lambda h, rows: (rows[1].append("surplus"), rows[3].pop(), rows[4].pop())), id="cell counts"),
    pytest.param("quotes", edit_rows("quotes", lambda h, rows: (rows[0].__setitem__(h.index("coding_note"), "two\nlines"), rows[2].__setitem__(h.index("quote_type"), "sung"))), id="rows after a multi-line cell"),
]


def frictionless_errors(package, resource):
    from frictionless import validate

    report = validate(str(package / "datapackage.json"))
    out = set()
    for task in report.tasks:
        if task.name != resource:
            continue
        for error in task.errors:
            if error.type in STRUCTURAL:
                field = getattr(error, "field_name", None) if error.type in CELL_LEVEL else None
                out.add((error.type, getattr(error, "row_number", None), field or None))
    return report.valid, out


def our_errors(package, resource):
    report = validate_package(package)
    out = {(p.type, p.row, p.field if p.type in CELL_LEVEL else None) for p in report.errors
           if p.resource == resource and p.type in STRUCTURAL}
    return report.valid, out


@pytest.mark.parametrize("resource, damage", CASES)
def test_same_errors_as_frictionless(package_copy, resource, damage):
    damage(package_copy)
    theirs_valid, theirs = frictionless_errors(package_copy, resource)
    ours_valid, ours = our_errors(package_copy, resource)
    assert theirs, "the damage should be visible to frictionless"
    assert ours_valid == theirs_valid
    assert ours == theirs

"""The engine's fast paths report exactly what its general path reports.

Clean tables are read piece by piece (`open_batches`) and their common cells take fast paths in
`check_fields`; anything else takes the general path (the whole file's bytes, `read_table`). Here the same
damaged package is validated both ways, with pieces small enough that every table is cut into many, and
with a small `--limit` so the kept list itself is compared: the reports must be equal.
"""

from __future__ import annotations

import functools

import pytest

from damage import get_cell, read_rows, set_cell, set_cells, write_rows
from minusma_facts.validation import table as table_module
from minusma_facts.validation import validate_package


def _rows(name, change):
    def damage(p):
        header, rows = read_rows(p, name)
        change(header, rows)
        write_rows(p, name, header, rows)
    return damage


DAMAGE = [
    pytest.param(lambda p: None, id="clean"),
    pytest.param(lambda p: set_cells(p, "events", 3, {"admin_level": "x", "latitude": "1.2.3", "is_series": "yes",
                                                      "date_end": "2023-02-30", "date_start": "2023-1-5"}), id="types"),
    pytest.param(lambda p: set_cells(p, "events", 2, {"event_type": "picnic", "country_iso3": "mli", "latitude": "-91",
                                                      "event_name": "", "evidence_start": " +7"}), id="constraints"),
    pytest.param(lambda p: set_cells(p, "figures", 4, {"value_low": "1e3", "value_best": "-2", "value_high": "nan"}), id="numbers"),
    pytest.param(lambda p: set_cell(p, "actors", 5, "actor_id", get_cell(p, "actors", 2, "actor_id")), id="duplicate id"),
    pytest.param(lambda p: set_cells(p, "quotes", 6, {"event_id": "nothing_here", "coding_note": "=SUM(A1)"}), id="foreign key and formula"),
    pytest.param(lambda p: set_cell(p, "actors", 3, "actor_name", "Cafe\u0301"), id="not NFC"),
    pytest.param(_rows("figures", lambda h, rows: rows.insert(2, [""] * len(h))), id="blank row"),
    pytest.param(_rows("figures", lambda h, rows: (rows[1].append("surplus"), rows[3].pop())), id="cell counts"),
    pytest.param(lambda p: set_cells(p, "casualties", 2, {"count_low": "9", "count_best": "3", "count_high": "1"}), id="semantic order"),
    pytest.param(lambda p: set_cell(p, "events", 4, "evidence", "words that are not in the text"), id="evidence mismatch"),
]


def _general_path_only(monkeypatch):
    monkeypatch.setattr(table_module, "open_batches", lambda *a, **k: table_module.FALLBACK)
    monkeypatch.setattr(table_module, "read_table_fast", lambda *a, **k: table_module.FALLBACK)


@pytest.mark.parametrize("limit", [1000, 3])
@pytest.mark.parametrize("damage", DAMAGE)
def test_fast_paths_report_what_the_general_path_reports(package_copy, monkeypatch, damage, limit):
    damage(package_copy)
    with monkeypatch.context() as patch:
        patch.setattr(table_module, "open_batches", functools.partial(table_module.open_batches, block_size=300))
        fast = validate_package(package_copy, limit=limit).to_dict()
    with monkeypatch.context() as patch:
        _general_path_only(patch)
        general = validate_package(package_copy, limit=limit).to_dict()
    assert fast == general

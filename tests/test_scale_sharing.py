"""Work done once and shared (issue 9, fast at 10^6 rows): the eligibility check reads the foreign keys' verdicts
instead of looking the same ids up again (each lookup hashes a whole id column), and the semantic rules share one
finding of the rows whose every column is missing (pandera's ignore_na finds them again for each check).

check_eligibility judges nothing counted from a table with a link that points at no row (event_actors or
casualties): the foreign-key check has already found out whether there is one. Here links are broken or removed
and the run, whole or batch by batch, must conclude what check_eligibility concludes looking the ids up alone.
"""

from __future__ import annotations

import functools

import pytest

from damage import edit_rows, matching, set_cells
from minusma_facts.validation import semantics
from minusma_facts.validation import table as table_module
from minusma_facts.validation import validate_package

EVENT = "bamako_protest_2023_05_25"  # ACLED-typed; its actor 1 is a participant linked in event_actors


def _links_lost(package):
    """Every link of EVENT points at no event: event_actors is broken, so no actor 1 is missed."""
    def change(header, rows):
        for row in rows:
            if row[header.index("event_id")] == EVENT:
                row[header.index("event_id")] = "no_such_event"
    edit_rows("event_actors", change)(package)


def _links_gone(package):
    """EVENT has no links at all: it lacks an actor 1."""
    edit_rows("event_actors", lambda header, rows: rows.__setitem__(
        slice(None), [r for r in rows if r[header.index("event_id")] != EVENT]))(package)


def _actor_lost(package):
    """A link points at no actor: event_actors is broken as well."""
    _links_gone(package)
    set_cells(package, "event_actors", 2, {"actor_id": "no_such_actor"})


def _casualty_lost(package):
    set_cells(package, "casualties", 2, {"event_id": "no_such_event"})


DAMAGE = [
    pytest.param(_links_lost, "foreign-key", False, id="links to no event"),
    pytest.param(_links_gone, None, True, id="no links"),
    pytest.param(_actor_lost, "foreign-key", False, id="a link to no actor"),
    pytest.param(_casualty_lost, "foreign-key", False, id="a casualty of no event"),
]


def _run(package, block_size, alone=False):
    with pytest.MonkeyPatch.context() as patch:
        if block_size is None:
            patch.setattr(table_module, "open_batches", lambda *a, **k: table_module.FALLBACK)
        else:
            patch.setattr(table_module, "open_batches", functools.partial(table_module.open_batches, block_size=block_size))
        if alone:
            check = semantics.check_eligibility
            patch.setattr(semantics, "check_eligibility", lambda report, tables, linked=None: check(report, tables))
        return validate_package(package).to_dict()


@pytest.mark.parametrize("block_size", [None, 300, 1 << 20], ids=["whole", "small batches", "one batch"])
@pytest.mark.parametrize("damage, finding, ineligible", DAMAGE)
def test_eligibility_concludes_with_the_verdicts_what_it_concludes_alone(package_copy, damage, finding, ineligible, block_size):
    damage(package_copy)
    shared = _run(package_copy, block_size)
    if finding:
        assert matching(shared, finding), shared["errors"]
    assert bool(matching(shared, "acled-ineligible", field="acled_event_type")) == ineligible, shared["errors"]
    assert _run(package_copy, block_size, alone=True) == shared


@pytest.mark.parametrize("block_size", [None, 300], ids=["whole", "small batches"])
def test_eligibility_runs_once_as_soon_as_its_tables_are_read(package_copy, block_size):
    """The eligibility check runs once, right after the last of the tables it reads (and their foreign keys), before
    the next table is read: what only it reads of them is then freed, not held while the last tables stream."""
    from minusma_facts.validation.acled import CROSS_FIELDS

    events: list[str] = []
    check = semantics.check_eligibility
    with pytest.MonkeyPatch.context() as patch:
        if block_size:
            patch.setattr(table_module, "open_batches", functools.partial(table_module.open_batches, block_size=block_size))
        patch.setattr(semantics, "check_eligibility", lambda *a, **k: events.append("eligibility") or check(*a, **k))
        report = validate_package(package_copy, progress=lambda name, step, total: events.append(name))
    assert report.valid, report.errors[:3]
    assert events.count("eligibility") == 1
    read = events[: events.index("eligibility")]
    assert set(CROSS_FIELDS) <= set(read) and read[-1] in CROSS_FIELDS
    assert len(events) > len(read) + 1  # tables were read after it (quote_events and figures, in this package)


def _table(name, schema, typed):
    import numpy as np

    from minusma_facts.validation.table import TableData, _same_line

    n = len(next(iter(typed.values())))
    return TableData(name, f"{name}.csv", schema, [], dict(typed), np.arange(2, n + 2), np.zeros(n, bool), _same_line, dict(typed))


@pytest.mark.parametrize("batches, verdict", [
    ([["a", None], ["b"]], True),
    ([["a"], ["zz", "b"], ["b"]], False),
    ([["zz"], ["a"]], False),
], ids=["all found", "a miss in a middle batch", "a miss in the first batch"])
def test_a_foreign_keys_verdict_holds_for_all_its_batches(batches, verdict):
    import pyarrow as pa

    from minusma_facts.report import Report
    from minusma_facts.validation.cells import check_foreign_keys

    schema = {"foreignKeys": [{"fields": "t_id", "reference": {"resource": "t", "fields": "t_id"}}]}
    tables = {"t": _table("t", {}, {"t_id": pa.chunked_array([pa.array(["a", "b", None])])})}
    linked: dict = {}
    for values in batches:
        check_foreign_keys(Report("."), _table("s", schema, {"t_id": pa.chunked_array([pa.array(values, pa.string())])}), tables, None, linked)
    assert linked == {("s", "t_id", "t", "t_id"): verdict}


def test_keys_that_are_not_text_give_no_verdict():
    import pyarrow as pa

    from minusma_facts.report import Report
    from minusma_facts.validation.cells import check_foreign_keys

    schema = {"foreignKeys": [{"fields": "t_id", "reference": {"resource": "t", "fields": "t_id"}}]}
    tables = {"t": _table("t", {}, {"t_id": pa.chunked_array([pa.array([1, 2])])})}
    linked: dict = {}
    check_foreign_keys(Report("."), _table("s", schema, {"t_id": pa.chunked_array([pa.array([1, 3])])}), tables, None, linked)
    assert linked == {}


def test_rows_with_every_column_missing_pass_as_pandera_would_pass_them():
    """check_semantics finds the rows whose every column is missing once per frame and lets them pass every rule,
    as pandera's ignore_na does when it finds them again for each check."""
    import pandas as pd
    import pandera.pandas as pa

    from minusma_facts.validation.semantics import Rule, to_pandera

    frame = pd.DataFrame({"a": pd.array([1, None, None, 4], "Int64"), "b": pd.array(["x", None, "y", None], "string")})
    fails = Rule("every-row", "a", ["a", "b"], lambda d: pd.Series(False, index=d.index), lambda r: "")
    fields = {"fields": [{"name": "a"}, {"name": "b"}]}

    def failing(schema) -> list[int]:
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            return sorted({int(i) for error in errors.schema_errors for i in error.failure_cases["index"].dropna()})
        return []
    alone = failing(to_pandera(fields, [fails], constraints=False))
    assert alone == [0, 2, 3]
    assert failing(to_pandera(fields, [fails], constraints=False, empty=frame.isna().all(axis="columns"))) == alone

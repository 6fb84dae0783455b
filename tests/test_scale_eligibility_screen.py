"""The DuckDB screen of the ACLED/UCDP needs that span tables (issue 9, fast at 10^6 rows; screens.all_eligible).

check_eligibility files an event with an ACLED type that has no actor 1, and one with a UCDP type that has no
side or no death, counting links and casualties as acled.events_with_actor1, events_with_side and
events_with_deaths do. At 10^6 rows that took ~0.55 s of pandas and Arrow on one core; DuckDB says "every typed
event is eligible" in ~0.12 s. The screen may only clear: when it does, the exact check would have filed nothing.
Here it is asked about drawn tables (ids that differ only in form or case, nulls, empty strings, roles and
certainties just off the list, counts of 0 and 1, of integer and number types) and must agree with the exact
check. (test_scale_screens runs validate screened and not on copies whose events lose what they need.)
"""

from __future__ import annotations

import os

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minusma_facts.report import Report
from minusma_facts.validation import screens, semantics, validate_package
from minusma_facts.validation.acled import UCDP_TYPE_FIELD
from test_scale_sharing import _table as table_of  # a TableData of typed columns

EXPLORE = int(os.environ.get("MINUSMA_EXPLORE", "0") or 0)
SETTINGS = dict(deadline=None, database=None, derandomize=not EXPLORE, suppress_health_check=[HealthCheck.too_slow])

IDS = ["e1", "e2", "E1", "e\u0301", "é", "e1 ", "", "x" * 13]
ACTORS = ["a1", "a2", "A1", "a1 ", ""]
ROLES = ["perpetrator", "participant", "initiator", "organizer", "victim", "target", "Perpetrator", "perpetrator ", ""]
CERTAINTIES = ["stated", "implied", "possible", "Stated", ""]
HARMS = ["killed", "injured", "Killed", "killed ", ""]


def _maybe(values):
    return st.one_of(st.sampled_from(values), st.none())


def _column(values, type_):
    return pa.chunked_array([pa.array(values, type_)], type_)


def _table(name, typed):
    return table_of(name, {}, typed)


@st.composite
def cross_tables(draw):
    """The four tables check_eligibility reads, typed as validate types them, in the types the screen accepts.
    Links and casualties mostly point at the drawn events and actors (else the exact check judges nothing
    counted from their table), now and then at an id that is not there or only looks like one."""
    id_type = draw(st.sampled_from([pa.string(), pa.large_string()]))
    event_ids = draw(st.lists(_maybe(IDS), min_size=1, max_size=6))
    n_events = len(event_ids)
    events = {"event_id": _column(event_ids, id_type),
              "acled_event_type": _column(draw(st.lists(_maybe(["Battles", ""]), min_size=n_events, max_size=n_events)), pa.string()),
              "parent_event_id": _column([None] * n_events, pa.string())}
    if draw(st.booleans()):
        events[UCDP_TYPE_FIELD] = _column(draw(st.lists(_maybe([1, 3]), min_size=n_events, max_size=n_events)), pa.int64())
    actor_ids = draw(st.lists(_maybe(ACTORS), max_size=4))
    actor_kinds = draw(st.sampled_from([(pa.string(), ["State forces", ""]), (pa.int64(), [1, 0])]))
    actors = {"actor_id": _column(actor_ids, pa.string()),
              "acled_actor_type": _column(draw(st.lists(_maybe(actor_kinds[1]), min_size=len(actor_ids), max_size=len(actor_ids))), actor_kinds[0])}

    def pointing(ids, others):
        present = [i for i in ids if i is not None]
        return st.one_of(st.sampled_from(present), st.sampled_from(present), st.sampled_from(present), _maybe(others)) if present else _maybe(others)

    n_links = draw(st.integers(0, 8))
    links = {"event_id": _column(draw(st.lists(pointing(event_ids, IDS), min_size=n_links, max_size=n_links)), pa.string()),
             "actor_id": _column(draw(st.lists(pointing(actor_ids, ACTORS), min_size=n_links, max_size=n_links)), pa.string()),
             "role": _column(draw(st.lists(_maybe(ROLES), min_size=n_links, max_size=n_links)), pa.string())}
    if draw(st.booleans()):
        links["certainty"] = _column(draw(st.lists(_maybe(CERTAINTIES), min_size=n_links, max_size=n_links)), pa.string())
    n_casualties = draw(st.integers(0, 5))
    count_type = draw(st.sampled_from([pa.int64(), pa.float64()]))
    counts = [0, 1, 2, 501] + ([0.5, float("nan")] if count_type == pa.float64() else [])
    casualties = {"event_id": _column(draw(st.lists(pointing(event_ids, IDS), min_size=n_casualties, max_size=n_casualties)), id_type),
                  "harm_type": _column(draw(st.lists(_maybe(HARMS), min_size=n_casualties, max_size=n_casualties)), pa.string()),
                  "count_low": _column(draw(st.lists(_maybe(counts), min_size=n_casualties, max_size=n_casualties)), count_type),
                  "count_best": _column(draw(st.lists(_maybe(counts), min_size=n_casualties, max_size=n_casualties)), count_type)}
    if draw(st.booleans()):  # in two chunks, as a streamed table's columns come
        for typed in (events, links, actors, casualties):
            for name, column in typed.items():
                cut = len(column) // 2
                typed[name] = pa.chunked_array([column.slice(0, cut).combine_chunks(), column.slice(cut).combine_chunks()], column.type)
    return {name: _table(name, typed) for name, typed in
            (("events", events), ("event_actors", links), ("actors", actors), ("casualties", casualties))}


def _findings(tables) -> list[dict]:
    """What check_eligibility files on these tables."""
    report = Report(".")
    semantics.check_eligibility(report, tables)
    report.sort()
    assert report.error_count == len(report.errors)
    return [p.to_dict() for p in report.errors + report.warnings]


def _exact(tables) -> list[dict]:
    """What check_eligibility files with no screen."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens, "SCREEN_ROWS", 1 << 62)
        return _findings(tables)


def _broken(tables) -> bool:
    """A link or a casualty that points at no row: the exact check then judges nothing counted from its table."""
    def ids(name, field):
        return set(tables[name].typed[field].to_pylist())
    events, actors = ids("events", "event_id"), ids("actors", "actor_id")
    return (bool(ids("event_actors", "event_id") - events - {None}) or bool(ids("casualties", "event_id") - events - {None})
            or bool(ids("event_actors", "actor_id") - actors - {None}))


@settings(max_examples=400 * max(EXPLORE, 1), **SETTINGS)
@given(cross_tables())
def test_the_screen_counts_what_the_exact_check_files(tables):
    """The screen's count of needs lacking is the exact check's count of findings (or more, where a link points at
    no row and the exact check judges less); it clears (a count of 0) only where the exact check files nothing."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens, "SCREEN_ROWS", 0)
        count = screens.lacking({name: table.typed for name, table in tables.items()})
        cleared = screens.all_eligible({name: table.typed for name, table in tables.items()})
    screens.close()
    findings = _exact(tables)
    assert count is not None and cleared == (count == 0)
    if _broken(tables):
        assert count >= len(findings)
    else:
        assert count == len(findings)


def _case(events, links, actors, casualties, certainty=True):
    """Tables from rows: events (id, ACLED type, UCDP type), links (event, actor, role[, certainty]), actors (id,
    ACLED actor type), casualties (event, harm, low, best; counts of number type where one is a float)."""
    def columns(rows, names, types):
        return {n: _column([row[i] for row in rows], t) for i, (n, t) in enumerate(zip(names, types))}
    string = pa.string()
    integer = pa.float64() if any(isinstance(v, float) for row in casualties for v in row[2:]) else pa.int64()
    return {
        "events": columns(events, ["event_id", "acled_event_type", UCDP_TYPE_FIELD], [string, string, pa.int64()])
        | {"parent_event_id": _column([None] * len(events), string)},
        "event_actors": columns(links, ["event_id", "actor_id", "role", "certainty"][: 4 if certainty else 3], [string] * 4),
        "actors": columns(actors, ["actor_id", "acled_actor_type"], [string, string]),
        "casualties": columns(casualties, ["event_id", "harm_type", "count_low", "count_best"], [string, string, integer, integer]),
    }


ACLED_ONLY = [("e1", "Battles", None)]
UCDP_ONLY = [("e1", None, 1)]
KILLED = [("e1", "killed", 1, None)]
ACTOR = [("a1", "State forces")]
SIDE = [("e1", "a1", "perpetrator", "stated")]
EDGES_OF_A_NEED = [
    pytest.param(ACLED_ONLY, SIDE, ACTOR, [], 0, id="an actor 1"),
    pytest.param(ACLED_ONLY, [("e1", "a1", "perpetrator", "possible")], ACTOR, [], 1, id="an actor 1 only possible"),
    pytest.param(ACLED_ONLY, [("e1", "a1", "perpetrator", None)], ACTOR, [], 1, id="an actor 1 of no certainty"),
    pytest.param(ACLED_ONLY, [("e1", "a1", "organizer", "implied")], ACTOR, [], 0, id="an implied organizer"),
    pytest.param(ACLED_ONLY, [("e1", "a1", "Perpetrator", "stated")], ACTOR, [], 1, id="a role in capitals"),
    pytest.param(ACLED_ONLY, [("e1", "a1", "victim", "stated")], ACTOR, [], 1, id="a victim only"),
    pytest.param(ACLED_ONLY, [("e1", "A1", "perpetrator", "stated")], ACTOR + [("A1", "")], [], 1, id="an actor of another case, untyped"),
    pytest.param(ACLED_ONLY, SIDE, [("a1", "")], [], 1, id="an actor typed empty"),
    pytest.param(ACLED_ONLY, SIDE, [("a1", None)], [], 1, id="an actor untyped"),
    pytest.param([("e\u0301", "Battles", None), ("é", None, None)], [("é", "a1", "perpetrator", "stated")], ACTOR, [], 1,
                 id="an event id in another form"),
    pytest.param([(None, "Battles", None)], [], ACTOR, [], 1, id="an event of no id"),
    pytest.param([("e1", "", None)], [], [], [], 1, id="an ACLED type that is empty text"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, KILLED, 0, id="a side and a death"),
    pytest.param(UCDP_ONLY, [("e1", "a1", "participant", "stated")], ACTOR, KILLED, 1, id="a participant is no side"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, [("e1", "killed", 0, None)], 1, id="none killed"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, [("e1", "killed", None, 1)], 0, id="a death by its best count"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, [("e1", "Killed", 2, 2)], 1, id="harm in capitals"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, [("e1", "injured", 5, 5)], 1, id="injured only"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, [("e1", "killed", float("nan"), None)], 1, id="a count that is NaN"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, [("e1", "killed", float("nan"), 1.0)], 0, id="NaN and a best count"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, [("e1", "killed", 0.5, float("-inf"))], 1, id="half a death"),
    pytest.param(UCDP_ONLY, SIDE, ACTOR, [("e1", "killed", None, float("inf"))], 0, id="an infinite count"),
    pytest.param(UCDP_ONLY, [], [], [], 2, id="neither side nor death"),
    pytest.param([("e1", "Battles", 1)], [], [], [], 3, id="every need lacking"),
]


@pytest.mark.parametrize("events, links, actors, casualties, count", EDGES_OF_A_NEED)
@pytest.mark.parametrize("certainty", [True, False], ids=["certainty", "no certainty"])
def test_the_screen_counts_each_need_as_the_exact_check_does(events, links, actors, casualties, count, certainty):
    """Each edge of a need, alone: the screen's count is the exact check's (with no certainty field every link
    counts, so the links that were merely possible or of no certainty then count too)."""
    columns = _case(events, links, actors, casualties, certainty)
    findings = _exact({name: _table(name, typed) for name, typed in columns.items()})
    if certainty:
        assert len(findings) == count
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens, "SCREEN_ROWS", 0)
        assert screens.lacking(columns) == len(findings)
    screens.close()


@settings(max_examples=100 * max(EXPLORE, 1), **SETTINGS)
@given(cross_tables())
def test_check_eligibility_files_the_same_screened_or_not(tables):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens, "SCREEN_ROWS", 0)
        screened = _findings(tables)
    screens.close()
    assert screened == _exact(tables)


def _clean(n: int):
    ids = [f"event_{i:07d}" for i in range(n)]
    return {
        "events": {"event_id": _column(ids, pa.string()), "acled_event_type": _column(["Battles"] * n, pa.string()),
                   UCDP_TYPE_FIELD: _column([1] * n, pa.int64()), "parent_event_id": _column([None] * n, pa.string())},
        "event_actors": {"event_id": _column(ids, pa.string()), "actor_id": _column(["a1"] * (n - 1) + ["a2"], pa.string()),
                         "role": _column(["perpetrator"] * n, pa.string()), "certainty": _column(["stated"] * n, pa.string())},
        "actors": {"actor_id": _column(["a1", "a2"], pa.string()), "acled_actor_type": _column(["State forces"] * 2, pa.string())},
        "casualties": {"event_id": _column(ids, pa.string()), "harm_type": _column(["killed"] * n, pa.string()),
                       "count_low": _column([1] * n, pa.int64()), "count_best": _column([None] * n, pa.int64())},
    }


def test_a_large_clean_package_is_cleared_by_the_screen_alone(monkeypatch):
    """At SCREEN_ROWS events the clean case never reaches the exact check's frames."""
    columns = _clean(screens.SCREEN_ROWS)
    monkeypatch.setattr(semantics, "_frame", lambda *a, **k: pytest.fail("the exact check ran on a clean package"))
    assert _findings({name: _table(name, typed) for name, typed in columns.items()}) == []
    screens.close()


@pytest.mark.parametrize("table, field, value, findings", [
    ("event_actors", "role", "victim", ["acled-ineligible", "ucdp-ineligible"]),  # neither actor 1 nor side
    ("event_actors", "certainty", "possible", ["acled-ineligible", "ucdp-ineligible"]),
    ("actors", "acled_actor_type", "", ["acled-ineligible"]),
    ("casualties", "harm_type", "injured", ["ucdp-ineligible"]),
    ("casualties", "count_low", 0, ["ucdp-ineligible"]),
])
def test_one_event_lacking_is_not_cleared(monkeypatch, table, field, value, findings):
    """The last of SCREEN_ROWS events loses what it needs (its link, its actor, its casualty are the last rows): the
    screen does not clear, and the exact check files that event alone."""
    n = screens.SCREEN_ROWS
    columns = _clean(n)
    column = columns[table][field]
    at = len(column) - 1
    values = column.to_pylist()
    values[at] = value
    columns[table][field] = _column(values, column.type)
    assert screens.all_eligible(columns) is False
    screens.close()
    filed = _findings({name: _table(name, typed) for name, typed in columns.items()})
    screens.close()
    assert sorted((f["type"], f["row"]) for f in filed) == [(finding, n + 1) for finding in findings]


@pytest.mark.parametrize("change", [
    pytest.param(lambda c: c["events"].update(event_id=_column(list(range(len(c["events"]["event_id"]))), pa.int64())), id="ids as integers"),
    pytest.param(lambda c: c["casualties"].update(count_low=_column(["1"] * len(c["casualties"]["count_low"]), pa.string())), id="counts as text"),
    pytest.param(lambda c: c["event_actors"].update(role=_column([b"perpetrator"] * len(c["event_actors"]["role"]), pa.binary())), id="roles as bytes"),
    pytest.param(lambda c: c["actors"].update(acled_actor_type=_column([1.0], pa.float64())), id="an actor type as a number"),
    pytest.param(lambda c: c["casualties"].pop("harm_type"), id="a field missing"),
])
def test_other_types_are_left_to_the_exact_check(monkeypatch, change):
    columns = _clean(8)
    change(columns)
    monkeypatch.setattr(screens, "SCREEN_ROWS", 0)
    monkeypatch.setattr(screens, "_ask", lambda *a, **k: pytest.fail("DuckDB asked about columns it cannot compare exactly"))
    assert screens.all_eligible(columns) is False


def test_a_short_package_never_starts_duckdb(monkeypatch):
    monkeypatch.setattr(screens, "_ask", lambda *a, **k: pytest.fail("DuckDB asked about a short table"))
    assert screens.all_eligible(_clean(screens.SCREEN_ROWS - 1)) is False


# -- the whole validator (test_scale_screens runs it screened and not, damaged in ways the screen must see) --
def test_validate_closes_the_eligibility_screens_database(package_copy, monkeypatch):
    """The screen asks in the reading thread's database between two tables; that database is closed before the
    next table streams (DuckDB would otherwise hold its hash tables' memory through it)."""
    asked, open_then = [], []
    ask = screens._ask
    monkeypatch.setattr(screens, "SCREEN_ROWS", 0)
    monkeypatch.setattr(screens, "_ask", lambda sql, **columns: asked.append("SEMI JOIN ac" in sql) or ask(sql, **columns))
    report = validate_package(package_copy, progress=lambda *a: open_then.append((any(asked), getattr(screens._open, "connection", None))))
    assert report.valid, report.errors[:3]
    after = [connection for screened, connection in open_then if screened]
    assert after and not any(after)

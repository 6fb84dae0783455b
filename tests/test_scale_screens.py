"""The DuckDB screens of foreign keys and repeated keys (issue 9, fast at 10^6 rows; validation/screens.py).

A screen may only clear a column, and only one that the exact Arrow check clears too: where every value is found
(all_found) or none repeats (no_repeats). Here it is asked about values drawn to find the edges of string
equality (normalization forms, case, spaces at the ends, the empty string against a null, a NUL byte, strings
short enough for DuckDB to store inline and longer ones), about integers, types it leaves alone and bytes that are
not UTF-8; its answer must be the Arrow check's. Then the whole validator runs with the screens on every column and
with none, on the real package and on copies with broken keys or with events that lack what ACLED or UCDP needs,
and must give the same report.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from damage import edit_rows, matching, set_cell
from minusma_facts.validation import cells, screens, validate_package

EXPLORE = int(os.environ.get("MINUSMA_EXPLORE", "0") or 0)
SETTINGS = dict(deadline=None, database=None, derandomize=not EXPLORE, suppress_health_check=[HealthCheck.too_slow])

# strings that Arrow tells apart byte for byte and a looser comparison would not
EDGES = ["é", "e\u0301", "E\u0301", "e", "E", "a", "a ", " a", "", "\x00", "a\x00b", "ǅ", "Ǆ", "ß", "ss", "İ", "i̇",
         "x" * 12, "x" * 13, "y" * 40, "y" * 39 + "z", "mali_2023_05", "MALI_2023_05", "\u200b", "🇲🇱"]
strings = st.lists(st.one_of(st.sampled_from(EDGES), st.text(max_size=14), st.none()), max_size=40)
integers = st.lists(st.one_of(st.integers(-2**63, 2**63 - 1), st.sampled_from([0, -1, 1, 2**31, -2**31]), st.none()), max_size=40)


@pytest.fixture
def screened(monkeypatch):
    """Screen every column, however short (below SCREEN_ROWS they are left to Arrow)."""
    monkeypatch.setattr(screens, "SCREEN_ROWS", 0)


def _exact_all_found(values, targets) -> bool:
    """The exact check's answer (cells._lookup, as validate runs it when no screen clears the column; a null
    is never a finding)."""
    found = cells._lookup(values, cells._value_set(targets, values.type))
    return bool((found | values.is_null().to_numpy(zero_copy_only=False)).all())


def _exact_no_repeats(keys) -> bool:
    """The exact check's answer (cells._repeats with no screen)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens, "SCREEN_ROWS", 1 << 62)
        return not cells._repeats(keys).any()


@settings(max_examples=300 * max(EXPLORE, 1), **SETTINGS)
@given(st.one_of(st.tuples(st.just(pa.string()), strings, strings), st.tuples(st.just(pa.int64()), integers, integers)))
def test_all_found_answers_as_arrow_does(drawn):
    type_, values, targets = drawn
    values, targets = pa.array(values, type_), pa.array(targets, type_)
    expected = _exact_all_found(values, targets)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens, "SCREEN_ROWS", 0)
        assert screens.all_found(values, targets) == expected
        in_chunks = pa.chunked_array([targets.slice(0, 3), targets.slice(3)], type_)
        assert screens.all_found(pa.chunked_array([values], type_), in_chunks) == expected


@settings(max_examples=200 * max(EXPLORE, 1), **SETTINGS)
@given(keys=st.one_of(strings, integers))
def test_no_repeats_answers_as_the_dictionary_codes_do(keys):
    array = pa.array(keys, pa.int64() if any(isinstance(k, int) for k in keys) else pa.string())
    expected = _exact_no_repeats(array)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens, "SCREEN_ROWS", 0)
        assert screens.no_repeats(array) == expected


def test_two_nulls_are_a_repeat_and_one_is_not(screened):
    assert not screens.no_repeats(pa.array(["a", None, None], pa.string()))
    assert screens.no_repeats(pa.array(["a", None, "b"], pa.string()))


def test_bytes_that_are_not_utf8_are_never_cleared(screened):
    """A string column read with check_utf8=False may hold bytes that are not UTF-8 (the encoding check reports
    them); whatever DuckDB makes of them, a value that is not in the target is not cleared, and two values of the
    same bytes are a repeat."""
    bad = pa.array([b"ok", b"\xff\xfe", b"caf\xe9"], pa.binary()).cast(pa.string(), safe=False)
    targets = pa.array(["ok", "café"], pa.string())
    assert screens.all_found(bad, targets) is False
    assert screens.no_repeats(pa.array([b"\xff", b"\xff"], pa.binary()).cast(pa.string(), safe=False)) is False


@pytest.mark.parametrize("type_, values", [
    (pa.float64(), [0.0, -0.0, float("nan")]),
    (pa.date32(), [0, 1, 2]),
    (pa.bool_(), [True, False]),
    (pa.binary(), [b"a", b"b"]),
])
def test_other_types_are_left_to_arrow(screened, monkeypatch, type_, values):
    asked = []
    monkeypatch.setattr(screens, "_ask", lambda *a, **k: asked.append(a) or 0)
    array = pa.array(values, type_)
    assert screens.all_found(array, array) is False and screens.no_repeats(array) is False
    assert asked == []


def test_columns_of_different_types_are_left_to_arrow(screened):
    assert screens.all_found(pa.array([1, 2], pa.int32()), pa.array([1, 2], pa.int64())) is False


def test_short_columns_never_start_duckdb(monkeypatch):
    monkeypatch.setattr(screens, "_ask", lambda *a, **k: pytest.fail("DuckDB asked about a short column"))
    short = pa.array(["a"] * (screens.SCREEN_ROWS - 1), pa.string())
    assert screens.all_found(short, short) is False and screens.no_repeats(short) is False


def test_threads_may_ask_at_once(screened):
    """Each thread has a database of its own: the columns one thread registers are not another's."""
    from concurrent.futures import ThreadPoolExecutor

    ids = pa.array([f"actor_{i:05d}" for i in range(20000)], pa.string())
    cases = [(ids.slice(i, 500), ids, True) for i in range(0, 20000, 2500)]
    cases += [(pa.array([f"actor_x{i}"], pa.string()), ids, False) for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda case: screens.all_found(case[0], case[1]), cases * 3))
    assert answers == [expected for _, _, expected in cases * 3]


def test_duckdb_reads_no_file(tmp_path):
    """The screens' DuckDB is given no access to files (nor extensions): a query that reads one gets no answer.
    Nor does it look up a Python variable by a table's name (its replacement scans are off)."""
    (tmp_path / "secret.csv").write_text("k\n1\n", encoding="utf-8")
    path = str(tmp_path / "secret.csv").replace("'", "''")
    assert screens._ask(f"SELECT count(*) FROM read_csv('{path}')") is None
    assert screens._ask("SELECT count(*) FROM v", v=pa.array(["a", "b"], pa.string())) == 2
    assert screens._ask("SELECT current_setting('python_enable_replacements')::INTEGER") == 0
    screens.close()


def test_questions_share_a_database_until_it_is_closed():
    """A thread's questions are asked in one database, each column registered for its question only; close()
    closes it, and the next question opens another. A question DuckDB fails on closes it too."""
    ids = pa.array(["a", "b"], pa.string())
    screens.close()
    assert screens._ask("SELECT count(*) FROM v", v=ids) == 2
    first = screens._open.connection
    assert screens._ask("SELECT count(*) FROM t", t=ids) == 2
    assert screens._open.connection is first
    assert screens._ask("SELECT count(*) FROM v") is None  # v went with its question
    assert screens._open.connection is None
    assert screens._ask("SELECT count(*) FROM v", v=ids) == 2
    assert screens._open.connection is not first
    screens.close()
    assert screens._open.connection is None


def test_validate_asks_a_tables_questions_in_one_database_and_closes_it(package_copy, monkeypatch):
    """validate opens at most one database a table for the key screens (in the thread that checks the table, or in
    the worker that checks its early foreign keys), asks them all there, and leaves none open."""
    import threading

    import duckdb

    opened, asked, connections = [], [], []
    connect, ask = duckdb.connect, screens._ask

    def connecting(*a, **k):
        opened.append(threading.current_thread().name)
        connections.append(connect(*a, **k))  # kept here: none is closed by being dropped with its thread
        return connections[-1]

    monkeypatch.setattr(duckdb, "connect", connecting)
    monkeypatch.setattr(screens, "_ask", lambda sql, **columns: asked.append(sql) or ask(sql, **columns))
    monkeypatch.setattr(screens, "SCREEN_ROWS", 0)
    left_open = []  # before each table is read: the last table's database was closed
    report = validate_package(package_copy, progress=lambda *a: left_open.append(getattr(screens._open, "connection", None)))
    assert report.valid, report.errors[:3]
    assert len(left_open) == len(report.tables) and not any(left_open)
    assert len(asked) > len(opened) >= 1
    for thread in set(opened):
        assert opened.count(thread) <= len(report.tables), opened
    assert getattr(screens._open, "connection", None) is None
    assert "batch-rules_0" in opened  # the early foreign keys asked in the worker's own database
    for connection in connections:  # each closed by validate, the workers' by the workers
        with pytest.raises(duckdb.ConnectionException):
            connection.execute("SELECT 1")


def test_a_large_clean_key_is_cleared_by_the_screen_alone(monkeypatch):
    """At SCREEN_ROWS rows the clean case never reaches Arrow's hash kernels."""
    n = screens.SCREEN_ROWS
    ids = pa.array([f"event_{i:07d}" for i in range(n)], pa.string())
    monkeypatch.setattr(pc, "dictionary_encode", lambda *a, **k: pytest.fail("the exact check ran on a clean key"))
    assert not cells._repeats(ids).any()
    assert screens.all_found(ids.slice(5, 1000), ids)
    assert not screens.all_found(pa.array(["event_x"], pa.string()), ids)


# -- the whole validator, screened and not -----------------------------------------------------------------
def _dup_actor(package):
    edit_rows("actors", lambda header, rows: rows.append(list(rows[0])))(package)


ACLED_EVENT, UCDP_EVENT = "bamako_protest_2023_05_25", "moura_killings_2022_03"


def _edit(table, event, field, value):
    """Set `field` on every row of `table` about `event`."""
    def change(header, rows):
        for row in rows:
            if row[header.index("event_id")] == event:
                row[header.index(field)] = value
    return edit_rows(table, change)


DAMAGE = [
    pytest.param(lambda p: None, None, id="clean"),
    pytest.param(lambda p: set_cell(p, "casualties", 2, "event_id", "no_such_event"), "foreign-key", id="a casualty of no event"),
    pytest.param(lambda p: set_cell(p, "event_actors", 3, "actor_id", "no_such_actor"), "foreign-key", id="a link to no actor"),
    pytest.param(_dup_actor, "primary-key", id="an actor twice"),
    pytest.param(lambda p: set_cell(p, "events", 3, "event_id", "E\u0301vent"), "foreign-key", id="an id in another form"),
    # what the eligibility screen (screens.lacking) must see
    pytest.param(_edit("event_actors", ACLED_EVENT, "role", "victim"), "acled-ineligible", id="no actor 1"),
    pytest.param(_edit("event_actors", UCDP_EVENT, "certainty", "possible"), "ucdp-ineligible", id="only possible links"),
    pytest.param(_edit("casualties", UCDP_EVENT, "harm_type", "injured"), "ucdp-ineligible", id="no death"),
    pytest.param(_edit("event_actors", ACLED_EVENT, "event_id", "no_such_event"), "foreign-key", id="links to no event"),
]


def _report(package, screen: bool):
    asked = []
    ask = screens._ask

    def counting(sql, **columns):
        asked.append(sql)
        return ask(sql, **columns)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screens, "SCREEN_ROWS", 0 if screen else 1 << 62)
        patch.setattr(screens, "_ask", counting)
        return validate_package(package).to_dict(), asked


@pytest.mark.parametrize("damage, finding", DAMAGE)
def test_validate_reports_the_same_with_and_without_the_screens(package_copy, damage, finding):
    damage(package_copy)
    plain, none = _report(package_copy, screen=False)
    assert none == []
    screened_report, asked = _report(package_copy, screen=True)
    assert any("ANTI JOIN" in sql for sql in asked) and any("GROUP BY" in sql for sql in asked), asked
    assert sum("SEMI JOIN ac" in sql for sql in asked) == 1, asked  # the eligibility screen, once
    if finding:
        assert matching(screened_report, finding), screened_report["errors"]
    else:
        assert screened_report["valid"], screened_report["errors"]
    assert screened_report == plain

"""Screens for the checks that hash whole key columns: foreign keys (is every value in the target column?),
repeated keys (is any value there twice?) and the ACLED/UCDP needs that span tables (has every typed event the
links and deaths its dataset needs?).

At 10^6 rows, Arrow's hash kernels (is_in, dictionary_encode) take 0.4 to 0.6 s per string column on one core;
DuckDB answers the same question in 0.13 to 0.17 s on both. A screen only ever clears a column: when it finds
nothing, which is the case of every clean package, the check has nothing to report. When it finds something, or
cannot answer, the exact Arrow check runs as before. So every finding comes from the same code whatever a screen
says, and a screen can only be wrong by clearing a column it should not; it compares strings and integers by
their bytes and values, as Arrow does, to make sure it cannot (and floats as pandas does: NaN is never at least 1,
where DuckDB sorts it above every number).

DuckDB runs in memory with no access to files or extensions; no socket is opened.
"""

from __future__ import annotations

import threading

SCREEN_ROWS = 1 << 17
"""Columns shorter than this are left to Arrow: below it, starting DuckDB costs more than it saves."""


def _screened(type_) -> bool:
    """Types whose equality DuckDB and Arrow agree on exactly: strings (byte for byte) and integers."""
    import pyarrow as pa

    return _is_string(type_) or pa.types.is_integer(type_)


def _is_string(type_) -> bool:
    import pyarrow as pa

    return pa.types.is_string(type_) or pa.types.is_large_string(type_)


_open = threading.local()  # each thread's database, so threads may ask at once


def _database():
    """This thread's in-memory database, opened at its first question and kept until `close()`."""
    connection = getattr(_open, "connection", None)
    if connection is None:
        import duckdb

        # nothing but the columns registered for a question: no files, no extensions, no Python variable read by name
        connection = duckdb.connect(":memory:", config={"enable_external_access": False, "autoinstall_known_extensions": False,
                                                        "autoload_known_extensions": False, "python_enable_replacements": False})
        _open.connection = connection
    return connection


def close() -> None:
    """Close this thread's database, and with it the memory its questions held. validate asks a table's questions
    (its keys, then the foreign keys it completes) in one database and closes it before the next table: a
    database opened for each question cost ~15 ms to open and ~20 ms more on its first question, ~0.4 s in all
    at 10^6 rows; one kept for the whole run held its freed memory, ~160 MiB more at the peak."""
    connection = getattr(_open, "connection", None)
    if connection is not None:
        _open.connection = None
        connection.close()


def _ask(sql: str, **columns) -> int | None:
    """The one integer `sql` returns over the named columns (each a table with the column `k`, or a pyarrow Table
    as it is); None if DuckDB fails on them: the caller then runs its exact check. (Bytes that are not UTF-8 it
    compares as bytes, as Arrow does.) The columns are registered in this thread's database for the question only."""
    import duckdb
    import pyarrow as pa

    connection = _database()
    try:
        for name, column in columns.items():
            connection.register(name, column if isinstance(column, pa.Table) else pa.table({"k": column}))
        ((answer,),) = connection.execute(sql).fetchall()
        return int(answer)
    except duckdb.Error:
        close()  # a database that failed is not asked again
        return None
    finally:
        if getattr(_open, "connection", None) is connection:
            for name in columns:
                connection.unregister(name)


def all_found(values, targets) -> bool:
    """True when every non-null value of `values` is among `targets` (of one screened type, `targets` at least
    SCREEN_ROWS long); False when one is not, or the screen does not apply."""
    if len(targets) < SCREEN_ROWS or values.type != targets.type or not _screened(values.type):
        return False
    missing = _ask("SELECT count(*) FROM v ANTI JOIN t ON v.k = t.k WHERE v.k IS NOT NULL", v=values, t=targets)
    return missing == 0


def no_repeats(keys) -> bool:
    """True when no value of `keys` (of a screened type, at least SCREEN_ROWS long) is there twice; a null twice
    is a repeat, as in Arrow's dictionary codes. False when one is, or the screen does not apply."""
    if len(keys) < SCREEN_ROWS or not _screened(keys.type):
        return False
    return _ask("SELECT count(*) FROM (SELECT k FROM v GROUP BY k HAVING count(*) > 1)", v=keys) == 0


def _literals(values) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def all_eligible(columns: dict[str, dict]) -> bool:
    """True when every event with an ACLED type has an actor 1 and every event with a UCDP type a side and a death,
    as semantics.check_eligibility counts them (acled.events_with_actor1, events_with_side, events_with_deaths);
    False when one may not, or the screen does not apply. `columns`: the typed columns of acled.CROSS_FIELDS by
    table and field, as check_eligibility has them."""
    return lacking(columns) == 0


def lacking(columns: dict[str, dict]) -> int | None:
    """How many of those needs typed events lack (an event lacking two counts twice): what check_eligibility files
    when no link points at no row (it then judges nothing counted from that table, so it files fewer). None when
    the screen does not apply: columns shorter than SCREEN_ROWS, or of types it leaves to the exact check.

    It applies to ids, roles, certainties and harm types of string type, counts of number types, an actor type of
    string or integer type and event types of string or integer type: there a null, an empty string (of an actor
    type), a role or a certainty not in the list, an id of other bytes and a count below 1 or NaN mean to DuckDB
    what they mean to the exact check. (The strings validate hands it are UTF-8: the reader checks each piece, or
    replaces what is not. A blank row is counted if typed: its cells are all missing, so it never is.)"""
    from .acled import ACTOR1_ROLES, COUNTED_CERTAINTY, UCDP_SIDE_ROLES, UCDP_TYPE_FIELD

    import pyarrow as pa

    events, links, actors, casualties = (columns.get(n, {}) for n in ("events", "event_actors", "actors", "casualties"))
    certainty, ucdp = links.get("certainty"), events.get(UCDP_TYPE_FIELD)  # the two fields a package may leave out
    ids = [events.get("event_id"), links.get("event_id"), links.get("actor_id"), actors.get("actor_id"), casualties.get("event_id")]
    words = [links.get("role"), casualties.get("harm_type")] + ([certainty] if certainty is not None else [])
    counts = [casualties.get("count_low"), casualties.get("count_best")]
    kinds = [events.get("acled_event_type"), actors.get("acled_actor_type")] + ([ucdp] if ucdp is not None else [])
    if any(c is None for c in ids + words + counts + kinds) or len(ids[0]) < SCREEN_ROWS:
        return None
    if not all(_is_string(c.type) for c in ids + words) or not all(pa.types.is_integer(c.type) or pa.types.is_floating(c.type) for c in counts):
        return None
    if not all(_screened(c.type) for c in kinds):
        return None
    typed_actor = "a.kind IS NOT NULL" + (" AND strlen(a.kind) > 0" if _is_string(actors["acled_actor_type"].type) else "")
    counted = f" AND l.certainty IN ({_literals(COUNTED_CERTAINTY)})" if certainty is not None else ""
    # NaN >= 1 is true to DuckDB (NaN sorts above every number) and false to pandas
    killed = " OR ".join(f"(c.{n} >= 1" + (f" AND NOT isnan(c.{n}))" if pa.types.is_floating(c.type) else ")")
                         for n, c in zip(("low", "best"), counts))
    tables = {
        "ev": pa.table({"id": events["event_id"], "acled": events["acled_event_type"]} | ({"ucdp": ucdp} if ucdp is not None else {})),
        "ea": pa.table({"event_id": links["event_id"], "actor_id": links["actor_id"], "role": links["role"]}
                       | ({"certainty": certainty} if certainty is not None else {})),
        "ac": pa.table({"actor_id": actors["actor_id"], "kind": actors["acled_actor_type"]}),
        "ca": pa.table({"event_id": casualties["event_id"], "harm": casualties["harm_type"], "low": counts[0], "best": counts[1]}),
    }
    # an anti join keeps the events whose id (or null id) no counted row names: those the exact check files
    sql = [f"""(SELECT count(*) FROM ev e ANTI JOIN (
                  SELECT l.event_id FROM ea l SEMI JOIN ac a ON l.actor_id = a.actor_id AND {typed_actor}
                  WHERE l.role IN ({_literals(ACTOR1_ROLES)}){counted}) s ON e.id = s.event_id
               WHERE e.acled IS NOT NULL)"""]
    if ucdp is not None:
        sql += [f"""(SELECT count(*) FROM ev e ANTI JOIN (
                       SELECT l.event_id FROM ea l WHERE l.role IN ({_literals(UCDP_SIDE_ROLES)}){counted}) s ON e.id = s.event_id
                    WHERE e.ucdp IS NOT NULL)""",
                f"""(SELECT count(*) FROM ev e ANTI JOIN (
                       SELECT c.event_id FROM ca c WHERE c.harm = 'killed' AND ({killed})) s ON e.id = s.event_id
                    WHERE e.ucdp IS NOT NULL)"""]
    return _ask("SELECT " + " + ".join(sql), **tables)


"""Screens for the two checks that hash whole key columns: foreign keys (is every value in the target column?) and
repeated keys (is any value there twice?).

At 10^6 rows, Arrow's hash kernels (is_in, dictionary_encode) take 0.4 to 0.6 s per string column on one core;
DuckDB answers the same question in 0.13 to 0.17 s on both. A screen only ever clears a column: when it finds
nothing, which is the case of every clean package, the check has nothing to report. When it finds something, or
cannot answer, the exact Arrow check runs as before. So every finding comes from the same code whatever a screen
says, and a screen can only be wrong by clearing a column it should not; it compares strings and integers by
their bytes and values, as Arrow does, to make sure it cannot.

DuckDB runs in memory with no access to files or extensions; no socket is opened.
"""

from __future__ import annotations

import threading

SCREEN_ROWS = 1 << 17
"""Columns shorter than this are left to Arrow: below it, starting DuckDB costs more than it saves."""


def _screened(type_) -> bool:
    """Types whose equality DuckDB and Arrow agree on exactly: strings (byte for byte) and integers."""
    import pyarrow as pa

    return pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_integer(type_)


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
    """The one integer `sql` returns over the named columns (each a table with the column `k`); None if DuckDB
    fails on them: the caller then runs its exact check. (Bytes that are not UTF-8 it compares as bytes, as Arrow
    does.) The columns are registered in this thread's database for the question only."""
    import duckdb
    import pyarrow as pa

    connection = _database()
    try:
        for name, column in columns.items():
            connection.register(name, pa.table({"k": column}))
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

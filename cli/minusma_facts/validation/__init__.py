"""The validation engine behind `minusma-facts validate`.

``validate_package(path, sources_dir=None, limit=1000) -> Report`` checks, in one run and reporting every
problem: the descriptor (Data Package v2 profile, safe paths, every table and schema a resource, declared
bytes and hash), each file's bytes (encoding, BOM, line endings, emptiness) and header, every cell as its
Table Schema says, keys and foreign keys, semantic rules (pandera), provenance (stored texts and spans) and
metadata agreement across datapackage.json, CITATION.cff, .zenodo.json and pyproject.toml.

It raises `CannotRun` only when there is no package to check at all (the CLI exits 2 on it); it never
writes anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..report import DEFAULT_LIMIT, WARNING, Phase, Problem, Report

__all__ = ["Broken", "CannotRun", "Report", "validate_package"]


class CannotRun(Exception):
    """There is nothing to validate: the path is missing or unreadable, or is not a package; or a resource is
    one validate cannot read exactly (remote, another format, a dialect it cannot honour)."""


class Broken(CannotRun):
    """The environment failed, not the package: a library missing, broken or too old, or a check's own bug."""


def _open(path: Path, report: Report, max_bytes: int | None = None):
    """Open the package; a descriptor that is not a JSON object is a finding (None), anything else can't run.
    An archive is opened leniently: each unsound entry is an `archive-entry` finding."""
    import json

    from ..package import DESCRIPTOR, Package, PackageError
    from ..safety import Refused, load_json, read_file

    descriptor_path = None
    if path.is_dir():
        descriptor_path = path / DESCRIPTOR
        if not (descriptor_path.is_file() or descriptor_path.is_symlink()):
            raise CannotRun(f"{path}: no {DESCRIPTOR} in this folder, so it is not a data package")
    elif path.is_file() and path.name == DESCRIPTOR:
        descriptor_path = path
    if descriptor_path is not None:
        try:
            raw = read_file(descriptor_path.parent, DESCRIPTOR)
        except Refused as error:
            raise CannotRun(str(error)) from None
        except OSError as error:
            raise CannotRun(f"{descriptor_path}: cannot be read ({error.strerror})") from None
        try:
            parsed = load_json(raw, DESCRIPTOR)
        except UnicodeDecodeError as error:
            report.add(Problem("descriptor-error", f"{DESCRIPTOR} is not UTF-8 text (byte {error.start})", file=DESCRIPTOR))
            return None
        except json.JSONDecodeError as error:
            report.add(Problem("descriptor-error", f"{DESCRIPTOR} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                               file=DESCRIPTOR, line=error.lineno))
            return None
        except ValueError as error:
            report.add(Problem("descriptor-error", f"{error}; nothing else is checked", file=DESCRIPTOR))
            return None
        if not isinstance(parsed, dict):
            report.add(Problem("descriptor-error", f"{DESCRIPTOR} is not a Data Package: its top level is a JSON {type(parsed).__name__}, not an object",
                               file=DESCRIPTOR))
            return None
    def entries(problems) -> None:
        for entry, problem in problems:
            report.add(Problem("archive-entry", f"archive entry {entry!r}: {problem}" if entry else problem, file=entry or None))

    try:
        package = Package.open(path, strict=False, max_entry_bytes=max_bytes)
    except PackageError as error:
        entries(getattr(error, "archive_problems", []))
        text = str(error)
        if path.is_file() and path.suffix.lower() == ".zip" and ("not JSON" in text or "not UTF-8" in text
                                                                   or "not a Data Package" in text or "nested deeper" in text
                                                                   or "over the" in text or "cannot be read" in text):
            report.add(Problem("descriptor-error", text.split(": ", 1)[-1], file=DESCRIPTOR))
            return None
        raise CannotRun(text) from None
    except OSError as error:
        raise CannotRun(f"{path}: cannot be read ({error.strerror})") from None
    entries(package.archive_problems)
    return package


def _warm_up() -> None:
    """Import pandera while the first tables are parsed (it takes ~1 s, pure Python; parsing runs in C)."""
    try:
        import pandera.pandas  # noqa: F401
    except Exception:  # noqa: BLE001 - the semantic check reports it when it imports pandera itself
        pass


def schema_names(schema) -> list[str]:
    return [f["name"] for f in schema.get("fields", []) if isinstance(f, dict) and isinstance(f.get("name"), str)]


def _fk_targets(schema) -> list[tuple[str | None, list[str]]]:
    from ..schema import Schema

    return [(resource, list(fields)) for _, resource, fields in Schema.from_descriptor(schema).foreign_keys]


def _stream_table(report: Report, name: str, index: int, file: str, path: Path, schema, later: set[str], keep: set[str], texts,
                  dialect=None, early: set[int] = frozenset(), targets=None, linked: dict | None = None):
    """Check a clean table batch by batch (its findings filed as a whole-table run files them); return
    (key columns as a TableData, unverified spans), or None, having reported nothing, when the general
    path must read it. The foreign keys numbered in `early` are checked batch by batch against `targets`
    (their verdicts into `linked`, as check_foreign_keys says).

    Three threads share the work of a batch: the reader's worker reads and parses piece n + 1 while this
    thread checks the cells of piece n (check_fields, which gives the typed columns) and a second worker runs
    what reads across the columns of piece n - 1 (early foreign keys, the rules row by row, the spans). The
    second worker holds one batch at a time, so the memory stays that of two batches and a piece."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pyarrow as pa

    from .cells import check_fields, check_foreign_keys, check_primary_key, check_unique
    from .provenance import check_spans
    from .screens import close as close_screens
    from .semantics import check_semantics, whole_table_fields
    from .table import FALLBACK, FallbackNeeded, TableData, _check_header, _same_line, open_batches

    from .dialect import DEFAULT

    dialect = dialect or DEFAULT
    opened = open_batches(path, schema, dialect=dialect)
    if opened is FALLBACK:
        return None
    header, field_names, batches, finish = opened
    head = Report(report.path, report.limit)  # file-level findings: not counted against the table, as before
    body = Report(report.path, report.limit)
    head.section((Phase.TABLE, index, 0, 0))
    _check_header(head, name, file, header, field_names, dialect.case_sensitive_header)
    unique_at: dict = {}
    whole = whole_table_fields(schema)  # the rules that read other rows (a parent's) run once, after the last batch
    collect = set(keep) | whole
    raw_parts: dict[str, list] = {f: [] for f in collect}
    typed_parts: dict[str, list] = {f: [] for f in collect}
    present: set[str] = set()  # the fields typed in the batches
    blanks = []
    rows = unverified = 0

    def across(table) -> tuple[Report, int]:
        """What reads across a batch's columns, in the second worker while the next batch's cells are checked (their
        numpy, pandas and Arrow work runs outside the GIL); its findings go into a report of their own."""
        found = Report(report.path, report.limit)
        if early:
            check_foreign_keys(found, table, targets, early, linked)
        check_semantics(found, table, whole=False)
        return found, check_spans(found, table, texts)

    pending = None

    def settle() -> None:
        nonlocal pending, unverified
        if pending is not None:
            found, more = pending.result()
            pending = None
            body.merge(found)
            unverified += more

    second = ThreadPoolExecutor(1, thread_name_prefix="batch-rules")
    try:
        for number, (columns, blank) in enumerate(batches):
            n = len(blank)
            table = TableData(name, file, schema, header, columns, np.arange(rows + 2, rows + n + 2, dtype=np.int64), blank,
                              _same_line, index=index, batch=number)
            blank_index = np.flatnonzero(blank)
            head.section((Phase.TABLE, index, 0, 1, number))
            head.add_many(len(blank_index), lambda i: table.problem("blank-row", "the row is blank: every cell is empty", int(blank_index[i])))
            check_fields(body, table, keep=later, unique_at=unique_at)
            present = set(table.typed)
            settle()  # the batch before: one batch at a time in the second worker
            pending = second.submit(across, table)
            for f in collect:
                if f in table.columns and f in table.typed:
                    raw_parts[f].append(table.columns[f])
                    typed_parts[f].append(table.typed[f])
            blanks.append(blank)
            rows += n
            del table, columns
        settle()
    except FallbackNeeded:
        if pending is not None:
            pending.result()
        return None
    finally:
        second.submit(close_screens)  # the worker's own database, if the early foreign keys asked in it
        second.shutdown(wait=True)
    if not finish(rows):
        return None

    def chunked(parts):
        chunks = [c for part in parts for c in (part.chunks if hasattr(part, "chunks") else [part])]
        return pa.chunked_array(chunks) if chunks else None

    try:
        raw = {f: chunked(p) for f, p in raw_parts.items() if p}
        typed = {f: chunked(p) for f, p in typed_parts.items() if p}
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # typed chunks of different types (an integer past 64 bits)
        return None
    row_numbers, blank = range(2, rows + 2), np.concatenate(blanks)  # a range: no 8 bytes a row kept to the end
    if whole & present:
        check_semantics(body, TableData(name, file, schema, header, raw, row_numbers, blank, _same_line, typed, index=index, batch=0),
                        whole=True, present=present)
    keys = TableData(name, file, schema, header, {f: c for f, c in raw.items() if f in keep}, row_numbers, blank,
                     _same_line, {f: c for f, c in typed.items() if f in keep}, index=index, batch=0)  # its foreign keys' sections
    del raw, typed
    check_unique(body, keys, unique_at)
    body.section((Phase.TABLE, index, 2))
    check_primary_key(body, keys)
    report.merge(head)
    report.table(name, file, rows)
    report.merge(body)
    return keys, unverified


def _early_keys(name: str, schema, slim: dict, small: int = 1 << 16) -> set[int]:
    """The foreign keys of a table about to be streamed that can be checked batch by batch: those into another
    table already read whose key column is small (hashing it once a batch costs nothing), such as sources.
    Their fields then need not be kept to the end of the table (a source_id column is ~35 MiB at 10^6 rows)."""
    from ..schema import as_list

    numbers = set()
    for number, fk in enumerate(schema.get("foreignKeys") or []):
        if not isinstance(fk, dict) or not isinstance(fk.get("reference") or {}, dict):
            continue
        reference = fk.get("reference") or {}
        target = reference.get("resource") or name
        names, target_fields = as_list(fk.get("fields") or []), as_list(reference.get("fields") or [])
        if target == name or target not in slim or not names or len(names) != len(target_fields):
            continue
        columns = [slim[target].typed.get(f) for f in target_fields]
        if all(c is not None and len(c) <= small for c in columns):
            numbers.add(number)
    return numbers


def _only(table, fields):
    """The table with only these fields' raw and typed columns: what later foreign keys, or the rules that span
    tables, read of it (keeping whole tables to the end held most of the memory at 10^6 rows per table)."""
    from .table import TableData

    return TableData(table.resource, table.file, table.schema, table.header,
                     {f: c for f, c in table.columns.items() if f in fields}, table.row_numbers, table.blank,
                     table.line_of, {f: c for f, c in table.typed.items() if f in fields})


def _reading_order(readable: list[str], targets_of: dict[str, set[str]]) -> list[str]:
    """Sources first (every table's spans need its stored texts), then each table after the tables its foreign
    keys point at where it can be (so its key columns are checked and freed at once), else in package order;
    a cycle is broken at the first table another one still waiting points at."""
    from .provenance import SOURCES

    order = [SOURCES] if SOURCES in readable else []
    left = [n for n in readable if n != SOURCES]
    while left:
        ready = [n for n in left if all(t == n or t in order or t not in readable for t in targets_of.get(n, ()))]
        if not ready:
            pointed = {t for n in left for t in targets_of.get(n, ()) if t != n}
            ready = [n for n in left if n in pointed] or left
        order.append(ready[0])
        left.remove(ready[0])
    return order


DECAY_MS = 500
"""How long jemalloc keeps Arrow's freed pages for reuse before it returns them. Each batch frees and allocates
buffers of the same sizes: kept, they are not faulted in again. At 10^6 rows per table 500 ms against 250 ms took
~0.4 s less (a fifth fewer page faults) and raised the peak by ~30 to 50 MiB (~955 MiB); 1 s took ~0.7 s less
with a peak up to ~975 MiB, 5 s up to 1,459 MiB (benchmarks/README.md)."""


def validate_package(path: str | Path = ".", sources_dir: str | Path | None = None, limit: int = DEFAULT_LIMIT,
                     progress: Callable[[str, int, int], None] | None = None, max_bytes: int | None = None) -> Report:
    """Validate the package at `path` (a folder, its datapackage.json, or a .zip) and return the report.

    Tables are checked one at a time and freed (only the key columns foreign keys still need are kept), so
    memory stays near one table's; the report's sections keep its list in the order of the phases (descriptor;
    each table's file and cells; foreign keys; semantics; provenance; metadata) whatever order they run in.
    Arrow memory comes from jemalloc returning freed pages within DECAY_MS (where pyarrow has it), for the run only.
    `progress(table, done, total)` is called before each table is read (the CLI shows it on a terminal).
    `max_bytes` caps the decompressed size of one archive entry (default archive.MAX_ENTRY_BYTES). No socket
    is opened meanwhile (safety.no_network).
    """
    import pyarrow

    from ..safety import no_network
    from . import screens

    previous = pyarrow.default_memory_pool()
    try:
        pyarrow.set_memory_pool(pyarrow.jemalloc_memory_pool())
        pyarrow.jemalloc_set_decay_ms(DECAY_MS)
    except NotImplementedError:  # a pyarrow built without jemalloc keeps its own pool
        pass
    try:
        with no_network():
            return _validate(path, sources_dir, limit, progress, max_bytes)
    finally:
        screens.close()
        pyarrow.set_memory_pool(previous)


def _validate(path: str | Path, sources_dir: str | Path | None, limit: int,
              progress: Callable[[str, int, int], None] | None, max_bytes: int | None = None) -> Report:
    import threading

    import numpy  # noqa: F401 - imported here, before the background threads import what builds on them
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401

    from ..package import PackageError
    from .cells import check_fields, check_foreign_keys, check_primary_key, key_fields
    from .descriptor import check_descriptor
    from .metadata import check_metadata
    from .provenance import SOURCES, check_spans, load_texts, loose_texts_of, spans_of
    from .acled import CROSS_FIELDS
    from .reports import REPORT_FIELDS, REPORTS, check_reports
    from .semantics import check_eligibility, check_semantics, rules_for
    from ..archive import MAX_ENTRY_BYTES
    from .dialect import DEFAULT
    from .table import FALLBACK, MAX_HEADER_BYTES, TableData, long_header, read_table
    from .screens import close as close_screens

    path = Path(path)
    if sources_dir is not None and not Path(sources_dir).is_dir():
        raise CannotRun(f"{sources_dir}: --sources must be a folder of stored source texts")
    if limit < 1:
        raise CannotRun(f"--limit must be at least 1, not {limit}")
    report = Report(str(path), limit)
    report.section((Phase.DESCRIPTOR,))
    package = _open(path, report, max_bytes)
    if package is None:
        report.sort()
        return report

    from .layout import Layout, NotDecodable, Unreadable, inline_csv, inline_dialect, plan, table_bytes, to_part

    try:  # before any row is read: what cannot be read exactly stops the run (exit 2), one line per resource
        layouts = plan(package, [r["name"] for r in package.resources if isinstance(r.get("name"), str) and r.get("schema") is not None])
    except Unreadable as error:
        raise CannotRun(str(error)) from None
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    finish: list = []
    report.section((Phase.DESCRIPTOR,))
    readable = check_descriptor(report, package, defer=finish)
    position = {name: i for i, name in enumerate(readable)}

    # which fields other tables' foreign keys point at (kept after their table is freed)
    wanted: dict[str, set[str]] = {}
    targets_of: dict[str, set[str]] = {}
    for name in readable:
        for target, fields in _fk_targets(package.schema(name)):
            target = target or name
            wanted.setdefault(target, set()).update(fields)
            targets_of.setdefault(name, set()).add(target)
    order = _reading_order(readable, targets_of)
    referrers: dict[str, set[str]] = {}  # target -> the tables whose foreign keys into it are not checked yet
    for name, targets in targets_of.items():
        for target in targets:
            referrers.setdefault(target, set()).add(name)

    slim: dict[str, TableData] = {}  # key columns of the tables read so far
    cross: dict[str, TableData] = {}  # the columns the rules that span tables read (CROSS_FIELDS)
    done: set[str] = set()
    waiting: list[str] = []  # tables whose foreign keys wait for a target not yet read
    checked: dict[str, set[int]] = {}  # the foreign keys of a streamed table already checked batch by batch
    linked: dict = {}  # whether every value of a foreign key was found (check_foreign_keys), for check_eligibility
    texts: dict | None = None if SOURCES in position else {}
    unverified = 0
    relocate: dict = {}  # name -> (layout, parts) of the tables not read from one plain file

    def no_reports() -> bool:
        """True once check_reports has nothing to do: no event_reports table, or one read with no rows (the
        events columns only it reads are then not kept; ~35 MiB of source ids at 10^6 rows)."""
        return REPORTS not in position or (REPORTS in done and (REPORTS not in cross or cross[REPORTS].n_rows == 0))

    def forget_reports() -> None:
        if no_reports():
            for table_name, fields in REPORT_FIELDS.items():
                if table_name in cross and table_name != REPORTS:
                    cross[table_name] = _only(cross[table_name], set(CROSS_FIELDS.get(table_name, ())))

    def release(name: str) -> None:
        """Keep of a table only what foreign keys not yet checked still point at."""
        table = slim.get(name)
        if table is None or name in waiting:
            return
        if referrers.get(name):
            fields = wanted.get(name, set())
            slim[name] = TableData(table.resource, table.file, table.schema, table.header, {}, table.row_numbers[:0],
                                   table.blank[:0], table.line_of, {f: c for f, c in table.typed.items() if f in fields})
        else:
            del slim[name]

    def check_ready_foreign_keys(final: bool = False) -> None:
        forget_reports()
        for name in list(waiting):
            if final or all(t in done or t not in position for t in targets_of.get(name, ())):
                report.section((Phase.FOREIGN_KEYS, position[name]))
                foreign_keys = slim[name].schema.get("foreignKeys") or []
                left = set(range(len(foreign_keys))) - checked.get(name, set()) if isinstance(foreign_keys, list) else None
                check_foreign_keys(report, slim[name], slim, left, linked)
                waiting.remove(name)
                for target in targets_of.get(name, ()):
                    referrers.get(target, set()).discard(name)
                    release(target)
                release(name)
        pyarrow.default_memory_pool().release_unused()

    if texts is not None:
        report.section((Phase.PROVENANCE, -1))
        texts = load_texts(report, package, None, sources_dir)

    eligibility_due = "events" in position  # the ACLED/UCDP check is still to run

    def check_eligibility_once_read() -> None:
        """The eligibility check as soon as the tables it reads are read and their foreign keys checked (on this
        thread, between two tables): then what only it reads of them is freed before the next tables stream."""
        nonlocal eligibility_due
        if not eligibility_due or not all(t in done for t in CROSS_FIELDS if t in position):
            return
        eligibility_due = False
        report.section((Phase.SEMANTICS, position["events"], 1 << 30))
        check_eligibility(report, cross, linked)
        close_screens()  # its screen's database, before the next table streams
        for table_name in CROSS_FIELDS:
            if table_name in cross:
                if no_reports() or table_name not in REPORT_FIELDS:
                    del cross[table_name]
                else:
                    cross[table_name] = _only(cross[table_name], set(REPORT_FIELDS[table_name]))
        pyarrow.default_memory_pool().release_unused()

    for step, name in enumerate(order):
        close_screens()  # the last table's key screens (one database for each table's questions)
        check_eligibility_once_read()
        if progress is not None:
            progress(name, step, len(order))
        i = position[name]
        report.section((Phase.TABLE, i))
        layout = layouts.get(name) or Layout(name, [package.resource_path(name)])
        file = layout.file
        schema = layout.dialect.missing_values(package.schema(name))
        own_keys = key_fields(schema)
        later = set(own_keys) | wanted.get(name, set())
        for rule in rules_for(schema):
            later.update(rule.fields)
        for trio in spans_of(schema):
            later.update(trio)
        later.update(loose_texts_of(schema))
        if "source_id" in schema_names(schema):
            later.update({"source_id", "evidence"})

        def keep_of(early: set[int] = frozenset()) -> set[str]:
            """What keys and foreign keys need once the table is freed: the fields others point at, its own key
            fields (but those of the foreign keys checked batch by batch, `early`), its unique fields and the
            fields the rules that span tables read."""
            keep = set(wanted.get(name, set())) | key_fields(schema, skip=early)
            keep.update(f.get("name") for f in schema.get("fields", []) if isinstance(f, dict) and (f.get("constraints") or {}).get("unique"))
            keep.update(set(CROSS_FIELDS.get(name, ())) & set(schema_names(schema)))
            if not no_reports():
                keep.update(set(REPORT_FIELDS.get(name, ())) & set(schema_names(schema)))
            return keep
        keep = keep_of()
        later |= keep
        table = FALLBACK
        package.drop_local()  # the entry streamed out of an archive for the previous table
        if not layout.plain:
            try:
                if layout.inline is not None:
                    raw, parts = inline_csv(layout, schema_names(schema)), []
                else:
                    raw, parts = table_bytes(package, layout, max_bytes or MAX_ENTRY_BYTES)
            except NotDecodable as error:
                report.add(Problem("encoding-error", str(error).split(": ", 1)[-1], resource=name, file=file))
                done.add(name)
                check_ready_foreign_keys()
                continue
            except (OSError, PackageError) as error:
                report.add(Problem("scheme-error", f"{file} cannot be read ({error})", resource=name, file=file))
                done.add(name)
                check_ready_foreign_keys()
                continue
            relocate[name] = (layout, parts)
            json_rows = isinstance(layout.inline, list)  # written as CSV above: of the dialect, only `header` is theirs
            table = read_table(report, name, file, raw, schema, inline_dialect(layout) if json_rows else layout.dialect)
            del raw
        if table is FALLBACK:
            try:
                if package.is_archive and long_header(report, name, file, package.head(file, MAX_HEADER_BYTES + 1), package.size(file)):
                    report.table(name, file, 0)  # judged from its first bytes: never streamed out
                    done.add(name)
                    check_ready_foreign_keys()
                    continue
                local = package.local_path(file)
            except (OSError, PackageError) as error:
                report.add(Problem("scheme-error", f"{file} cannot be read ({error})", resource=name, file=file))
                done.add(name)
                check_ready_foreign_keys()
                continue
            if name == SOURCES:  # load_texts reads every field of it
                keep |= set(schema_names(schema))
                later |= keep
            early = _early_keys(name, schema, slim)
            needed = keep_of(early) | (keep if name == SOURCES else set())  # load_texts reads every field of sources
            streamed = _stream_table(report, name, i, file, local, schema, later, needed, texts or {}, layout.dialect, early, slim, linked)
            if streamed is not None:
                checked[name] = early
                slim[name], more = streamed
                del streamed  # else it holds the whole key columns while the next table streams
                unverified += more
                if name == SOURCES:
                    report.section((Phase.PROVENANCE, -1))
                    texts = load_texts(report, package, slim[name], sources_dir)
                if name in CROSS_FIELDS or name in REPORT_FIELDS:
                    cross[name] = _only(slim[name], set(CROSS_FIELDS.get(name, ())) | set(REPORT_FIELDS.get(name, ())))
                done.add(name)
                waiting.append(name)
                check_ready_foreign_keys()
                continue
            for key in [k for k in linked if k[0] == name]:  # read again whole: its batches' verdicts go
                del linked[key]
        if table is FALLBACK:
            try:
                raw = local.read_bytes()
            except OSError as error:
                report.add(Problem("scheme-error", f"{file} cannot be read ({error})", resource=name, file=file))
                done.add(name)
                check_ready_foreign_keys()
                continue
            table = read_table(report, name, file, raw, schema, layout.dialect)
            del raw
        report.table(name, file, 0 if table is None else table.n_rows)
        done.add(name)
        if table is not None and table.n_rows == 0:  # a header and no rows: references into it all fail
            slim[name] = table
            table = None
        if table is None:
            check_ready_foreign_keys()
            continue
        check_fields(report, table, keep=None if name == SOURCES else later)  # load_texts reads every sources field
        check_primary_key(report, table)
        report.section((Phase.SEMANTICS, i))
        check_semantics(report, table)
        if name == SOURCES:
            report.section((Phase.PROVENANCE, -1))
            texts = load_texts(report, package, table, sources_dir)
        report.section((Phase.PROVENANCE, i))
        unverified += check_spans(report, table, texts or {})
        slim[name] = _only(table, keep)
        if name in CROSS_FIELDS or name in REPORT_FIELDS:
            cross[name] = _only(slim[name], set(CROSS_FIELDS.get(name, ())) | set(REPORT_FIELDS.get(name, ())))
        del table
        waiting.append(name)
        check_ready_foreign_keys()
    check_ready_foreign_keys(final=True)
    close_screens()
    slim.clear()
    package.drop_local()
    check_eligibility_once_read()
    if REPORTS in position:
        report.section((Phase.SEMANTICS, position[REPORTS], 1 << 30))
        check_reports(report, cross)
    cross.clear()

    report.section((Phase.METADATA, 0))
    if unverified:
        report.add(Problem("spans-unverified",
                           f"{unverified} spans could not be verified: the stored source texts are not at hand "
                           f"(a release archive carries none) or do not match their hash; pass --sources DIR to check them",
                           severity=WARNING))
    for wait in finish:
        wait()
    report.section((Phase.METADATA, 1))
    check_metadata(report, package)
    report.tables = {n: report.tables[n] for n in readable if n in report.tables}
    report.sort()
    for problem in report.errors + report.warnings:
        if problem.resource in relocate:
            layout, parts = relocate[problem.resource]
            if layout.inline is not None and problem.file == layout.file:
                problem.line = None  # rows of inline data have no line in a file
            elif problem.file == layout.file:
                to_part(problem, parts)
    return report

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

from ..report import DEFAULT_LIMIT, WARNING, Problem, Report

__all__ = ["CannotRun", "Report", "validate_package"]


class CannotRun(Exception):
    """There is nothing to validate: the path is missing or unreadable, or is not a package."""


def _open(path: Path, report: Report):
    """Open the package; a descriptor that is not a JSON object is a finding (None), anything else can't run."""
    import json

    from ..package import DESCRIPTOR, Package, PackageError

    descriptor_path = None
    if path.is_dir():
        descriptor_path = path / DESCRIPTOR
        if not descriptor_path.is_file():
            raise CannotRun(f"{path}: no {DESCRIPTOR} in this folder, so it is not a data package")
    elif path.is_file() and path.name == DESCRIPTOR:
        descriptor_path = path
    if descriptor_path is not None:
        try:
            raw = descriptor_path.read_bytes()
        except OSError as error:
            raise CannotRun(f"{descriptor_path}: cannot be read ({error.strerror})") from None
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            report.add(Problem("descriptor-error", f"{DESCRIPTOR} is not UTF-8 text (byte {error.start})", file=DESCRIPTOR))
            return None
        except json.JSONDecodeError as error:
            report.add(Problem("descriptor-error", f"{DESCRIPTOR} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                               file=DESCRIPTOR, line=error.lineno))
            return None
        if not isinstance(parsed, dict):
            report.add(Problem("descriptor-error", f"{DESCRIPTOR} is not a Data Package: its top level is a JSON {type(parsed).__name__}, not an object",
                               file=DESCRIPTOR))
            return None
    try:
        return Package.open(path)
    except PackageError as error:
        text = str(error)
        if path.is_file() and path.suffix.lower() == ".zip" and ("not JSON" in text or "not UTF-8" in text or "not a Data Package" in text):
            report.add(Problem("descriptor-error", text.split(": ", 1)[-1], file=DESCRIPTOR))
            return None
        raise CannotRun(text) from None
    except OSError as error:
        raise CannotRun(f"{path}: cannot be read ({error.strerror})") from None


def validate_package(path: str | Path = ".", sources_dir: str | Path | None = None, limit: int = DEFAULT_LIMIT) -> Report:
    """Validate the package at `path` (a folder, its datapackage.json, or a .zip) and return the report."""
    from ..package import PackageError
    from .cells import check_fields, check_foreign_keys, check_primary_key
    from .descriptor import check_descriptor
    from .metadata import check_metadata
    from .provenance import SOURCES, check_spans, load_texts
    from .semantics import check_semantics
    from .table import read_table

    path = Path(path)
    if sources_dir is not None and not Path(sources_dir).is_dir():
        raise CannotRun(f"{sources_dir}: --sources must be a folder of stored source texts")
    if limit < 1:
        raise CannotRun(f"--limit must be at least 1, not {limit}")
    report = Report(str(path), limit)
    package = _open(path, report)
    if package is None:
        report.sort()
        return report

    tables = {}
    for name in check_descriptor(report, package):
        file = package.resource_path(name)
        schema = package.schema(name)
        try:
            raw = package.read_bytes(file)
        except (OSError, PackageError) as error:
            report.add(Problem("scheme-error", f"{file} cannot be read ({error})", resource=name, file=file))
            continue
        table = read_table(report, name, file, raw, schema)
        del raw
        report.table(name, file, 0 if table is None else table.n_rows)
        if table is None:
            continue
        check_fields(report, table)
        check_primary_key(report, table)
        tables[name] = table
    for table in tables.values():
        check_foreign_keys(report, table, tables)
    for table in tables.values():
        check_semantics(report, table)
    texts = load_texts(report, package, tables.get(SOURCES), sources_dir)
    unverified = sum(check_spans(report, table, texts) for table in tables.values())
    if unverified:
        report.add(Problem("spans-unverified",
                           f"{unverified} spans could not be verified: the stored source texts are not at hand "
                           f"(a release archive carries none); pass --sources DIR to check them",
                           severity=WARNING))
    check_metadata(report, package)
    report.sort()
    return report

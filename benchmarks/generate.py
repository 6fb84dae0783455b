"""Scale the real minusma-facts package to N rows per table, keeping it valid, for benchmarks.

    python benchmarks/generate.py N OUTDIR [--from PACKAGE] [--keep sources] [--force]

Every table except the kept ones (`sources` by default, which stays as it is: one row) and the tables that
have no rows yet (copied as they are) gets exactly N rows.
Row i of a table with m real rows is real row ``i % m`` of copy ``k = i // m``. Which columns change is
read from the Table Schema files, never from a list kept here:

* primary-key fields, `unique` fields and fields other tables reference get the copy's suffix
  (copy 0 keeps the real ids, copy k >= 1 appends ``__k``), so every id is unique;
* foreign-key fields pointing at a scaled table get the suffix of copy ``g = k % C``, where C is the number
  of complete copies every scaled table holds (``N // max m``). Copy g < C of the package is therefore a
  whole, consistent replica of the real package; rows of later copies are extra facts that point into it;
* every other cell is copied as it is, so evidence spans and the other ``X``/``X_start``/``X_end`` spans
  keep pointing at the same words of the same stored text, which is copied along with the descriptor and
  the schemas;
* except on the rows of copies k >= C: nothing links to them (every reference points into the complete
  replicas), so they cannot meet validate's rules that count linked rows, and the fields those rules judge
  (an event's ACLED and UCDP types: ``minusma_facts.validation.acled.LINKED_TYPE_FIELDS``) are left empty there.

Each table is written as a stream: the real rows are rendered once into a CSV template with two slots
(the copy suffix and the target-copy suffix) and every copy is one ``str.format`` of that template, written
in chunks of a few MiB. 10^6 rows per table (about 2.4 GB of CSV in all) take well under a minute and a few
MiB of memory. Besides the standard library only minusma_facts itself is used (for which fields need links).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from minusma_facts.schema import as_list
from minusma_facts.validation.acled import LINKED_TYPE_FIELDS

DESCRIPTOR = "datapackage.json"
REPO = Path(__file__).resolve().parent.parent
SEPARATOR = "__"
CHUNK_BYTES = 4 << 20
# Private-use code points stand in for the two suffix slots while the template is rendered by the csv module.
MARK_COPY = "\ue000"
MARK_TARGET = "\ue001"


class GenerateError(Exception):
    """The package cannot be scaled (message for the user, no traceback)."""


def parse_count(text: str) -> int:
    """Row counts as 1000, 1_000, 1e6 or 10**6."""
    text = text.strip().replace("_", "")
    try:
        if "**" in text:
            base, exponent = text.split("**", 1)
            value = int(base) ** int(exponent)
        elif "e" in text.lower():
            value = int(float(text))
        else:
            value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the row count must be at least 1")
    return value


def suffix(copy: int) -> str:
    return "" if copy == 0 else f"{SEPARATOR}{copy}"


# -- reading the package's metadata ---------------------------------------------------------------------
def load_package(root: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The descriptor and every resource's Table Schema (from its file or inline)."""
    descriptor_path = root / DESCRIPTOR
    if not descriptor_path.is_file():
        raise GenerateError(f"{root}: no {DESCRIPTOR}")
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    schemas = {}
    for resource in descriptor.get("resources", []):
        schema = resource.get("schema")
        if isinstance(schema, str):
            schema = json.loads((root / schema).read_text(encoding="utf-8"))
        if not isinstance(schema, dict):
            raise GenerateError(f"resource {resource.get('name')!r} has no table schema")
        schemas[resource["name"]] = schema
    return descriptor, schemas


def foreign_keys(name: str, schema: dict[str, Any]) -> list[tuple[list[str], str, list[str]]]:
    """(fields, referenced resource, referenced fields) of every foreign key; '' or no resource = itself."""
    keys = []
    for key in schema.get("foreignKeys", []) or []:
        reference = key.get("reference", {})
        target = reference.get("resource") or name
        keys.append((as_list(key.get("fields")), target, as_list(reference.get("fields"))))
    return keys


def slot_columns(schemas: dict[str, dict[str, Any]], scaled: set[str]) -> dict[str, dict[str, str]]:
    """Per scaled resource: column -> 'copy' (gets the row's own suffix) or 'target' (gets the target copy's)."""
    slots: dict[str, dict[str, str]] = {name: {} for name in scaled}
    for name in scaled:
        schema = schemas[name]
        for field in as_list(schema.get("primaryKey")):
            slots[name][field] = "copy"
        for field in schema.get("fields", []):
            if (field.get("constraints") or {}).get("unique"):
                slots[name][field["name"]] = "copy"
        for key in as_list(schema.get("uniqueKeys")):
            for field in as_list(key):
                slots[name][field] = "copy"
    for name, schema in schemas.items():
        for fields, target, target_fields in foreign_keys(name, schema):
            if target not in scaled:
                continue  # points at a kept table (sources): the real value stays valid
            for field in target_fields:
                slots[target].setdefault(field, "copy")
    for name in scaled:
        for fields, target, _ in foreign_keys(name, schemas[name]):
            if target not in scaled:
                continue
            for field in fields:
                if slots[name].get(field) == "copy":
                    raise GenerateError(
                        f"{name}.{field} is both a key of its own rows and a reference to {target}: "
                        "this generator cannot scale that"
                    )
                slots[name][field] = "target"
    return slots


# -- rendering ------------------------------------------------------------------------------------------
def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def row_template(row: list[str], kinds: list[str | None], missing: set[str]) -> str:
    """One CSV line with {c} and {t} slots where ids take the copy or target suffix."""
    marked = []
    for cell, kind in zip(row, kinds):
        if kind is None or cell in missing:
            marked.append(cell)
        elif kind == "copy":
            marked.append(cell + MARK_COPY)
        else:
            marked.append(cell + MARK_TARGET)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(marked)
    return _escape(buffer.getvalue()).replace(MARK_COPY, "{c}").replace(MARK_TARGET, "{t}")


def read_rows(path: Path, field_names: list[str]) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader]
    if header != field_names:
        raise GenerateError(f"{path}: the header {header} differs from the schema's fields {field_names}")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(field_names):
            raise GenerateError(f"{path} row {number}: {len(row)} cells where the schema has {len(field_names)} fields")
    return rows


def write_scaled(path: Path, header: list[str], templates: list[str], n: int, complete: int,
                 extra: list[str] | None = None) -> int:
    """Write `n` rows built from `templates` (one per real row; `extra` for copies nothing links to, k >= C);
    returns the bytes written."""
    m = len(templates)
    block = "".join(templates)
    extra = extra or templates
    extra_block = "".join(extra)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(header)
        parts = [buffer.getvalue()]
        size = len(parts[0])
        full, rest = divmod(n, m)
        for copy in range(full + (1 if rest else 0)):
            rows = templates if copy < complete else extra
            if copy < full:
                text = (block if copy < complete else extra_block).format(c=suffix(copy), t=suffix(copy % complete))
            else:
                text = "".join(rows[:rest]).format(c=suffix(copy), t=suffix(copy % complete))
            parts.append(text)
            size += len(text)
            if size >= CHUNK_BYTES:
                written += handle.write("".join(parts))
                parts, size = [], 0
        written += handle.write("".join(parts))
    return written


# -- the whole package ----------------------------------------------------------------------------------
def generate(n: int, outdir: Path, source: Path = REPO, keep: tuple[str, ...] = ("sources",), force: bool = False,
             log=None) -> dict[str, Any]:
    """Write the package scaled to `n` rows per table into `outdir`; returns a summary per table."""
    source = source.resolve()
    outdir = Path(outdir)
    descriptor, schemas = load_package(source)
    target = outdir.resolve()
    if target == source or source in target.parents or target in source.parents:
        raise GenerateError(f"{outdir}: refusing to write into, over or around the source package {source}")
    if outdir.exists() and any(outdir.iterdir()):
        if not force:
            raise GenerateError(f"{outdir}: exists and is not empty (use --force to replace it)")
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)

    resources = {r["name"]: r for r in descriptor.get("resources", [])}
    unknown = [name for name in keep if name not in resources]
    if unknown:
        raise GenerateError(f"--keep names no resource: {', '.join(unknown)}")
    real_rows: dict[str, list[list[str]]] = {}
    for name in resources:
        if name not in keep:
            real_rows[name] = read_rows(source / resources[name]["path"], [f["name"] for f in schemas[name]["fields"]])
    # a table with a header and no rows (no report of that kind yet) is copied as it is, like a kept one
    scaled = {name for name, rows in real_rows.items() if rows}
    if not scaled:
        raise GenerateError("no table has rows to scale")
    real_rows = {name: real_rows[name] for name in scaled}
    slots = slot_columns(schemas, scaled)

    for name in scaled:
        field_names = [f["name"] for f in schemas[name]["fields"]]
        for column, kind in slots[name].items():
            index = field_names.index(column)
            for row in real_rows[name]:
                if SEPARATOR in row[index] and row[index].rsplit(SEPARATOR, 1)[-1].isdigit():
                    raise GenerateError(f"{name}.{column} value {row[index]!r} already ends in a copy suffix")
    largest = max(len(rows) for rows in real_rows.values())
    if n < largest:
        raise GenerateError(f"N must be at least {largest}, the row count of the largest real table")
    complete = n // largest

    # descriptor, schemas, kept tables, stored texts: copied as they are
    copied = {DESCRIPTOR}
    for resource in descriptor.get("resources", []):
        if isinstance(resource.get("schema"), str):
            copied.add(resource["schema"])
        if resource["name"] not in scaled:
            copied.add(resource["path"])
    for relpath in sorted(copied):
        (outdir / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relpath, outdir / relpath)
    for folder in ("sources",):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, outdir / folder, dirs_exist_ok=True)

    summary: dict[str, Any] = {"rows_per_table": n, "complete_copies": complete, "tables": {}}
    for name in sorted(scaled):
        started = time.perf_counter()
        schema = schemas[name]
        field_names = [f["name"] for f in schema["fields"]]
        kinds = [slots[name].get(column) for column in field_names]
        missing = set(schema.get("missingValues", [""]))
        templates = [row_template(row, kinds, missing) for row in real_rows[name]]
        cleared = [i for i, column in enumerate(field_names) if column in LINKED_TYPE_FIELDS]
        extra = [row_template([("" if i in cleared else cell) for i, cell in enumerate(row)], kinds, missing)
                 for row in real_rows[name]] if cleared else None
        path = outdir / resources[name]["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        written = write_scaled(path, field_names, templates, n, complete, extra)
        seconds = time.perf_counter() - started
        summary["tables"][name] = {"rows": n, "real_rows": len(templates), "characters": written, "seconds": round(seconds, 2),
                                   "suffixed": {k: v for k, v in sorted(slots[name].items())}}
        if log:
            log(f"{name}: {n} rows, {written / 1e6:.1f} MB in {seconds:.1f} s")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=parse_count, metavar="N", help="rows per table (1000, 1e6, 10**6)")
    parser.add_argument("outdir", type=Path, metavar="OUTDIR", help="folder to write the package into")
    parser.add_argument("--from", dest="source", type=Path, default=REPO, help="the package to scale (default: this repository)")
    parser.add_argument("--keep", action="append", default=None, help="a resource to copy unscaled (default: sources); repeatable")
    parser.add_argument("--force", action="store_true", help="replace OUTDIR when it is not empty")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = parser.parse_args(argv)
    log = None if args.quiet else (lambda text: print(text, file=sys.stderr))
    started = time.perf_counter()
    try:
        generate(args.n, args.outdir, args.source, tuple(args.keep or ["sources"]), args.force, log)
    except GenerateError as error:
        print(f"generate: {error}", file=sys.stderr)
        return 2
    if log:
        log(f"wrote {args.outdir} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

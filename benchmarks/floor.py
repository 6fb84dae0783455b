"""A DuckDB floor for `minusma-facts validate`: the same package checked by DuckDB in SQL, as fast as DuckDB goes.

    python benchmarks/floor.py PACKAGE [--json] [--threads N]

Every table of the package is read by DuckDB's CSV reader (every column as text, the schema's missing values
as NULL) and each cell is cast to the type its Table Schema field declares (`minusma_facts.schema.Field.to_sql`,
the type the archive's DuckDB recipe uses; booleans by the field's trueValues and falseValues). In the same scan,
SQL checks every field's constraints that the schema declares: ``required``, ``enum``, ``pattern``,
``minimum``, ``maximum``, ``minLength`` and ``maxLength``; the key columns are kept in a temporary table,
on which SQL then checks the primary key, the ``unique`` fields and every foreign key (an anti-join).
Nothing here is written per table: all of it is derived from the schema files.

What it does not do, and a validator must: ACLED/UCDP and other cross-column rules, evidence spans against
the stored text, file hashes, the descriptor's own profile, error rows and messages. So it is a *floor*: a
validator that does all of this cannot be expected to be faster. DuckDB's casts are a little more lenient
than Table Schema's (``'1.0'`` is an integer to DuckDB), which only makes the floor lower.

Prints a verdict and the error count per type (frictionless's codes: ``type-error``, ``constraint-error``,
``primary-key``, ``unique-error``, ``foreign-key``, ``incorrect-label``); ``--json`` prints it as JSON.
Exit 0 when it finds nothing, 1 when it finds errors, 2 when it cannot run. Needs duckdb and minusma_facts.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (the sibling script: reading the descriptor and schemas, keys)
from minusma_facts.export import _quote as quote_name  # noqa: E402
from minusma_facts.schema import TYPES, Field, as_list  # noqa: E402
from minusma_facts.schema import sql_literal as literal  # noqa: E402  (booleans as DuckDB's TRUE and FALSE)


def typed(field: dict[str, Any]) -> str:
    """SQL for the cell of `field` cast to its Table Schema type; NULL where it is missing or does not cast."""
    schema_field = Field.from_descriptor(field)
    raw = quote_name(schema_field.name)
    kind = schema_field.type
    fmt = field.get("format", "default")
    if kind == "boolean":
        trues = ", ".join(literal(v) for v in schema_field.true_values)
        falses = ", ".join(literal(v) for v in schema_field.false_values)
        return f"(CASE WHEN {raw} IN ({trues}) THEN TRUE WHEN {raw} IN ({falses}) THEN FALSE END)"
    if kind in ("date", "datetime") and fmt not in ("default", "any") and "%" in fmt:
        return f"TRY_STRPTIME({raw}, {literal(fmt)})::{schema_field.to_sql()}"
    if kind in TYPES:
        return f"TRY_CAST({raw} AS {schema_field.to_sql()})"
    return raw  # string, any and the types DuckDB has no cast for: the text itself


def cell_checks(field: dict[str, Any], in_key: bool) -> tuple[str, str]:
    """(type error, constraint error) of one cell as SQL booleans."""
    raw = quote_name(field["name"])
    value = typed(field)
    type_error = "FALSE" if value == raw else f"({raw} IS NOT NULL AND {value} IS NULL)"
    constraints = field.get("constraints") or {}
    failing = []
    if constraints.get("required") or in_key:
        failing.append(f"{raw} IS NULL")
    if "enum" in constraints:
        failing.append(f"{value} NOT IN ({', '.join(literal(v) for v in constraints['enum'])})")
    if "pattern" in constraints:
        failing.append(f"NOT regexp_full_match({raw}, {literal(constraints['pattern'])})")
    for key, operator in (("minimum", "<"), ("maximum", ">"), ("exclusiveMinimum", "<="), ("exclusiveMaximum", ">=")):
        if key in constraints:
            failing.append(f"{value} {operator} {literal(constraints[key])}")
    for key, operator in (("minLength", "<"), ("maxLength", ">")):
        if key in constraints:
            failing.append(f"length({raw}) {operator} {int(constraints[key])}")
    # one error per cell, as frictionless counts them: a cell that does not cast has no constraint error
    constraint_error = f"(NOT {type_error} AND ({' OR '.join(failing)}))" if failing else "FALSE"
    return type_error, constraint_error


def key_fields(name: str, schemas: dict[str, dict[str, Any]]) -> list[str]:
    """The columns of table `name` that a key check needs: its primary key, unique fields, foreign keys and the
    fields other tables' foreign keys point at."""
    schema = schemas[name]
    wanted = as_list(schema.get("primaryKey"))
    wanted += [f["name"] for f in schema["fields"] if (f.get("constraints") or {}).get("unique")]
    for fields, _, _ in generate.foreign_keys(name, schema):
        wanted += fields
    for other, other_schema in schemas.items():
        for _, target, target_fields in generate.foreign_keys(other, other_schema):
            if target == name:
                wanted += target_fields
    return list(dict.fromkeys(wanted))


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])


def check(package: Path, threads: int | None = None) -> dict[str, Any]:
    """Check the package in DuckDB; the verdict, error counts by type and by table, and the rows read."""
    import duckdb

    descriptor, schemas = generate.load_package(package)
    resources = {r["name"]: r for r in descriptor["resources"]}
    by_type: dict[str, int] = {}
    by_resource: dict[str, int] = {}
    rows: dict[str, int] = {}
    counts: list[tuple[str, str, str]] = []  # (resource, what, SQL giving one count)

    def found(resource: str, kind: str, count: int) -> None:
        if count:
            by_type[kind] = by_type.get(kind, 0) + count
            by_resource[resource] = by_resource.get(resource, 0) + count

    with tempfile.TemporaryDirectory(prefix="minusma-floor-") as spill:
        db = duckdb.connect(":memory:")
        db.execute(f"SET temp_directory = {literal(spill)}")
        db.execute("SET preserve_insertion_order = false")
        if threads:
            db.execute(f"SET threads = {int(threads)}")
        for name, resource in resources.items():
            schema = schemas[name]
            fields = schema["fields"]
            path = package / resource["path"]
            header = read_header(path)
            names = [f["name"] for f in fields]
            found(name, "incorrect-label", sum(1 for a, b in zip(header, names) if a != b) + abs(len(header) - len(names)))
            primary = set(as_list(schema.get("primaryKey")))
            checks = [cell_checks(f, f["name"] in primary) for f in fields]
            by_name = {f["name"]: f for f in fields}
            keep = [f"{typed(by_name[k])} AS {quote_name(k)}" for k in key_fields(name, schemas)]
            columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"
            missing = "[" + ", ".join(literal(v) for v in schema.get("missingValues", [""])) + "]"
            type_sum = " + ".join(f"{t}::INTEGER" for t, _ in checks) or "0"
            constraint_sum = " + ".join(f"coalesce({c}, FALSE)::INTEGER" for _, c in checks) or "0"
            db.execute(
                f"CREATE TEMP TABLE {quote_name(name)} AS SELECT {', '.join(keep + [f'{type_sum} AS _type_errors', f'{constraint_sum} AS _constraint_errors'])} "
                f"FROM read_csv({literal(str(path))}, header = true, auto_detect = false, columns = {columns}, "
                f"delim = ',', quote = '\"', escape = '\"', nullstr = {missing}, strict_mode = true)"
            )
            table = quote_name(name)
            counts.append((name, "rows", f"SELECT count(*) FROM {table}"))
            counts.append((name, "type-error", f"SELECT coalesce(sum(_type_errors), 0) FROM {table}"))
            counts.append((name, "constraint-error", f"SELECT coalesce(sum(_constraint_errors), 0) FROM {table}"))
            keys = [("primary-key", as_list(schema.get("primaryKey")))]
            keys += [("unique-error", [f["name"]]) for f in fields if (f.get("constraints") or {}).get("unique")]
            for kind, key in keys:
                if key:
                    columns = ", ".join(quote_name(f) for f in key)
                    present = " AND ".join(f"{quote_name(f)} IS NOT NULL" for f in key)
                    counts.append((name, kind, f"SELECT count(*) - count(DISTINCT ({columns})) FROM {table} WHERE {present}"))
            for key, target, target_fields in generate.foreign_keys(name, schema):
                present = " AND ".join(f"c.{quote_name(f)} IS NOT NULL" for f in key)
                match = " AND ".join(f"p.{quote_name(t)} = c.{quote_name(f)}" for f, t in zip(key, target_fields))
                counts.append((name, "foreign-key", f"SELECT count(*) FROM {table} AS c WHERE {present} AND NOT EXISTS "
                                                    f"(SELECT 1 FROM {quote_name(target)} AS p WHERE {match})"))
        # every count in one query: DuckDB plans and runs them together, and a small package pays one round trip
        query = " UNION ALL ".join(f"SELECT {literal(r)}, {literal(k)}, ({q})" for r, k, q in counts)
        for resource, kind, count in db.execute(query).fetchall():
            if kind == "rows":
                rows[resource] = int(count)
            else:
                found(resource, kind, int(count))
        db.close()
    count = sum(by_type.values())
    return {"valid": count == 0, "count": count, "by_type": by_type, "by_resource": by_resource,
            "rows": sum(rows.values()), "rows_by_table": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package", type=Path, metavar="PACKAGE", help="folder holding datapackage.json")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: DuckDB's, one per core)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        result = check(args.package, args.threads)
    except (generate.GenerateError, OSError, ValueError, KeyError) as error:
        print(f"floor: cannot check {args.package}: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # duckdb.Error and its kin: the reader or the SQL failed
        # the first line only, escaped: DuckDB's message goes on to quote the package's row
        first = str(error).splitlines()[0] if str(error) else ""
        print(f"floor: DuckDB failed on {args.package}: {type(error).__name__}: {first!r}", file=sys.stderr)
        return 2
    result["seconds"] = time.perf_counter() - started
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(result["by_type"].items())) or "none"
        print(f"{'valid' if result['valid'] else 'INVALID'}: {result['count']} errors ({kinds}) in {result['rows']:,} rows, "
              f"{result['seconds']:.2f} s")
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())

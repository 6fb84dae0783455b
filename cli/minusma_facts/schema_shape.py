"""The shape of a Table Schema, checked before any code relies on it.

Every command reads schemas through `Package.schema`, which refuses a schema whose shape code would trip on
(`SchemaShapeError`); `validate` reports each problem as a `schema-error` finding naming the file and the
field, and skips that table. What is checked: `fields` is a list of objects with a string `name`; `type` and
`format` are strings; `constraints` is an object whose values have the types the Table Schema spec gives
(booleans, non-negative integers, a list for `enum`, numbers or dates for the bounds); a `pattern` is a
regular expression RE2 compiles (Table Schema patterns are XML Schema regular expressions, which need no
look-around or back-reference: a pattern RE2 refuses would need Python's backtracking engine, which a hostile
pattern can keep busy for hours); `primaryKey`, `uniqueKeys`, `foreignKeys` and `missingValues` are the
shapes the spec gives.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from .safety import PackageError, clean

TYPES = {"string", "number", "integer", "boolean", "object", "array", "list", "date", "time", "datetime", "year",
         "yearmonth", "duration", "geopoint", "geojson", "any"}
INT32 = 2**31 - 1


class SchemaShapeError(PackageError):
    def __init__(self, file: str, resource: str, problems: list[tuple[str | None, str]]):
        self.file, self.resource, self.problems = file, resource, problems
        field, note = problems[0]
        where = f", field {clean(field, 80)}" if field else ""
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{file}{where}: the schema of resource {clean(resource, 80)!r} {note}{more}")


MISSING_VALUES_NOTE = "has missingValues that are not a list of strings (or of {value, label} objects)"


def _missing_values(value: Any) -> bool:
    """A list of strings, or (Table Schema v2) of objects with a string `value` and an optional string `label`."""
    return isinstance(value, list) and all(
        isinstance(v, str) or (isinstance(v, dict) and isinstance(v.get("value"), str) and isinstance(v.get("label", ""), str))
        for v in value)


def missing_strings(value: list) -> list[str]:
    """The strings of a sound missingValues list (the `value` of each v2 {value, label} object)."""
    return [v["value"] if isinstance(v, dict) else v for v in value]


BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _number(text: str, kind: str) -> int | float:
    """A bound written as a string, as its field's type reads it: "2" is 2 for a number field too, not 2.0."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        if kind != "number":
            raise
        return float(text)


def as_read(schema: dict[str, Any]) -> dict[str, Any]:
    """The (sound) schema as every reader of it takes it: each missingValues list (the schema's and each field's)
    as plain strings, and a numeric field's bounds written as strings ("2") as numbers. The schema itself when
    nothing needs it; the profile check reads the schema as written."""
    def plain(value: Any) -> bool:
        return not isinstance(value, list) or all(isinstance(v, str) for v in value)

    def numeric_bounds(field: dict[str, Any]) -> dict[str, Any]:
        kind = field.get("type", "string")
        constraints = field.get("constraints") or {}
        if kind not in ("integer", "year", "number") or not any(isinstance(constraints.get(k), str) for k in BOUNDS):
            return field
        return {**field, "constraints": {k: _number(v, kind) if k in BOUNDS and isinstance(v, str) else v for k, v in constraints.items()}}

    fields = schema.get("fields", [])
    read_fields = [numeric_bounds(f) for f in fields]
    if plain(schema.get("missingValues")) and all(plain(f.get("missingValues")) for f in fields) \
            and all(a is b for a, b in zip(read_fields, fields)):
        return schema
    out = dict(schema)
    if "missingValues" in out:
        out["missingValues"] = missing_strings(out["missingValues"])
    out["fields"] = [{**f, "missingValues": missing_strings(f["missingValues"])} if "missingValues" in f else f for f in read_fields]
    return out


# What `validate` reads of a schema, beyond its shape. A schema that asks for more (a type, a format, a property it
# does not implement) is refused before any row is read (exit 2), as an unknown dialect property is: it never
# passes cells it did not check, nor reports cells it read the wrong way.
READ_TYPES = {"string", "integer", "number", "boolean", "date", "any"}
READ_FORMATS = {"string": {"default", "uri"}, "date": {"default"}}
SCHEMA_KEYS_UNREAD = ("uniqueKeys",)
FIELD_KEYS_UNREAD = ("categories", "decimalChar", "groupChar")


def unread(schema: dict[str, Any]) -> list[str]:
    """What of a (sound) schema validate would not check exactly: one phrase each, naming the field and property."""
    out: list[str] = []
    match = schema.get("fieldsMatch", "exact")
    if match != "exact":
        out.append(f"fieldsMatch {clean(json.dumps(match), 40)} (validate reads the header as fieldsMatch \"exact\": every field, in order)")
    for key in SCHEMA_KEYS_UNREAD:
        if key in schema:
            out.append(f"{key} (validate does not check it)")
    for field in schema.get("fields", []):
        name, kind = clean(field["name"], 80), field.get("type", "string") or "string"
        fmt = field.get("format", "default") or "default"
        if kind not in READ_TYPES:
            out.append(f"field {name!r} of type {kind} (validate checks the types {', '.join(sorted(READ_TYPES))})")
            continue
        if kind in READ_FORMATS and fmt not in READ_FORMATS[kind]:
            out.append(f"field {name!r}: {kind} format {clean(fmt, 40)!r} (validate reads the formats {', '.join(sorted(READ_FORMATS[kind]))})")
        if kind in ("integer", "number") and field.get("bareNumber", True) is not True:
            out.append(f"field {name!r}: bareNumber {clean(json.dumps(field['bareNumber']), 20)} (validate reads bare numbers only)")
        for key in FIELD_KEYS_UNREAD:
            if key in field and field[key] != {"decimalChar": ".", "groupChar": ""}.get(key):  # the defaults: nothing to read
                out.append(f"field {name!r}: {key} (validate does not read it)")
        constraints = field.get("constraints", {})
        if "jsonSchema" in constraints:
            out.append(f"field {name!r}: constraint jsonSchema (validate does not check it)")
    return out


def _names(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not (isinstance(value, float) and not math.isfinite(value))


def _bound_problem(kind: str, key: str, bound: Any) -> str | None:
    if isinstance(bound, str) and kind in ("integer", "year", "number"):  # a string the type reads is a bound too
        try:
            bound = _number(bound, kind)
        except ValueError:
            return f"constraint {key} is {clean(repr(bound), 60)}, not {'a number' if kind == 'number' else 'an integer'}"
    if kind in ("integer", "year"):
        if not isinstance(bound, int) or isinstance(bound, bool):
            return f"constraint {key} is {clean(repr(bound), 60)}, not an integer"
        if not -(2**63) <= bound < 2**63:
            return f"constraint {key} is {bound:.3g}, beyond what a 64-bit integer holds"
    elif kind == "number":
        if not _is_number(bound):
            return f"constraint {key} is {clean(repr(bound), 60)}, not a number"
    elif kind == "date":
        try:
            dt.date.fromisoformat(bound)
        except (TypeError, ValueError):
            return f"constraint {key} is {clean(repr(bound), 60)}, not a date (YYYY-MM-DD)"
    return None


def pattern_problem(pattern: Any) -> str | None:
    """Why a Table Schema `pattern` is not run (None when RE2 compiles it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(pattern, str):
        return f"constraint pattern is {clean(repr(pattern), 60)}, not a string"
    if len(pattern) > 10_000:
        return f"constraint pattern is {len(pattern):,} characters long"
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern=f"^(?:{pattern})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        return (f"constraint pattern {clean(pattern, 80)!r} is not a regular expression RE2 runs "
                f"({clean(str(error).splitlines()[0], 120)}); look-arounds and back-references are not Table Schema patterns")
    return None


def schema_problems(schema: Any) -> list[tuple[str | None, str]]:
    """(field name or None, what is wrong) for every shape problem of a Table Schema; [] when sound."""
    problems: list[tuple[str | None, str]] = []
    if not isinstance(schema, dict):
        return [(None, "is not a JSON object")]
    fields = schema.get("fields")
    if not isinstance(fields, list):
        return [(None, f"has 'fields' {clean(repr(fields), 60)}, not a list of fields")]
    names: list[str] = []
    for position, field in enumerate(fields):
        if not isinstance(field, dict):
            problems.append((f"fields[{position}]", "is not a field object"))
            continue
        name = field.get("name")
        if not isinstance(name, str) or not name:
            problems.append((f"fields[{position}]", f"has name {clean(repr(name), 60)}, not a non-empty string"))
            continue
        names.append(name)
        kind = field.get("type", "string")
        if not isinstance(kind, str) or kind not in TYPES:
            problems.append((name, f"has type {clean(repr(kind), 60)}, which is not a Table Schema type"))
            continue
        if not isinstance(field.get("format", "default"), str):
            problems.append((name, "has a format that is not a string"))
        if "missingValues" in field and not _missing_values(field["missingValues"]):
            problems.append((name, MISSING_VALUES_NOTE))
        constraints = field.get("constraints", {})
        if not isinstance(constraints, dict):
            problems.append((name, f"has constraints {clean(repr(constraints), 60)}, not an object"))
            continue
        for key in ("required", "unique"):
            if key in constraints and not isinstance(constraints[key], bool):
                problems.append((name, f"constraint {key} is {clean(repr(constraints[key]), 60)}, not true or false"))
        if "enum" in constraints and not isinstance(constraints["enum"], list):
            problems.append((name, "constraint enum is not a list"))
        for key in ("minLength", "maxLength"):
            value = constraints.get(key)
            if key in constraints and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                problems.append((name, f"constraint {key} is {clean(repr(value), 60)}, not a non-negative integer"))
        for key in BOUNDS:
            if key in constraints:
                problem = _bound_problem(kind, key, constraints[key])
                if problem:
                    problems.append((name, problem))
        if "pattern" in constraints:
            problem = pattern_problem(constraints["pattern"])
            if problem:
                problems.append((name, problem))
    if "missingValues" in schema and not _missing_values(schema["missingValues"]):
        problems.append((None, MISSING_VALUES_NOTE))
    primary = schema.get("primaryKey")
    if primary is not None and not _names(primary):
        problems.append((None, f"has primaryKey {clean(repr(primary), 60)}, not a field name or a list of them"))
    unique_keys = schema.get("uniqueKeys")
    if unique_keys is not None and not (isinstance(unique_keys, list) and all(_names(k) for k in unique_keys)):
        problems.append((None, "has uniqueKeys that are not a list of field-name lists"))
    foreign = schema.get("foreignKeys")
    if foreign is not None:
        if not isinstance(foreign, list):
            problems.append((None, "has foreignKeys that are not a list"))
        else:
            for number, key in enumerate(foreign):
                reference = key.get("reference") if isinstance(key, dict) else None
                if not (isinstance(key, dict) and _names(key.get("fields")) and isinstance(reference, dict)
                        and _names(reference.get("fields")) and isinstance(reference.get("resource", ""), str)):
                    problems.append((None, f"has foreignKeys[{number}] that is not {{fields, reference: {{resource, fields}}}}"))
    return problems

"""Render docs/data-dictionary.md from the package's Table Schema files.

The tables and their order come from datapackage.json; every field, type, constraint, description and
example comes from the schema files. The computed table (reconcile.COMPUTED_TABLE) follows them, from its
schema among the tools' assets, since researchers meet it in every export and in `load`. Nothing here names a field, so the dictionary follows the schemas
as they change; a test fails when the committed copy differs from a fresh rendering.
"""

from __future__ import annotations

import json
from typing import Any

from .package import DESCRIPTOR, Package
from .reconcile import COMPUTED_TABLE, computed_schema
from .schema import as_list

DICTIONARY_PATH = "docs/data-dictionary.md"


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    if text is None:
        return ""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(value: Any) -> str:
    """A value as an inline code span (JSON for non-strings), safe inside a table cell."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _constraints(field: dict[str, Any]) -> str:
    constraints = field.get("constraints") or {}
    parts = []
    if constraints.get("unique"):
        parts.append("unique")
    if "enum" in constraints:
        parts.append("one of " + ", ".join(_code(v) for v in constraints["enum"]))
    if "pattern" in constraints:
        parts.append("pattern " + _code(constraints["pattern"]))
    for key, label in (("minimum", "≥"), ("maximum", "≤"), ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<")):
        if key in constraints:
            parts.append(f"{label} {_code(constraints[key])}")
    for key, label in (("minLength", "length ≥"), ("maxLength", "length ≤")):
        if key in constraints:
            parts.append(f"{label} {_code(constraints[key])}")
    if field.get("format") not in (None, "default"):
        parts.append("format " + _code(field["format"]))
    return "; ".join(parts)


def _keys(columns: Any) -> str:
    return ", ".join(_code(c) for c in as_list(columns))


def render(package: Package) -> str:
    """The whole data dictionary as Markdown (LF line endings, one trailing newline)."""
    descriptor = package.descriptor
    names = package.resource_names
    schemas = {name: package.schema(name) for name in names}
    computed = computed_schema() if COMPUTED_TABLE not in names else None  # listed after the package's own tables
    referenced_by: dict[str, list[str]] = {name: [] for name in names}
    for name in names:
        for key in schemas[name].get("foreignKeys") or []:
            target = (key.get("reference") or {}).get("resource") or name
            if target in referenced_by:
                referenced_by[target].append(f"{name}.{'+'.join(as_list(key.get('fields')))}")

    out: list[str] = []
    out.append("# Data dictionary")
    out.append("")
    out.append(
        "<!-- Generated from the Table Schema files by `minusma-facts dictionary`; do not edit by hand. -->"
    )
    out.append("")
    title = descriptor.get("title") or descriptor.get("name") or "Data package"
    version = descriptor.get("version")
    out.append(f"{_cell(title)}" + (f", version {_cell(version)}." if version else "."))
    out.append("")
    out.append(
        f"{len(names)} tables, described in `{DESCRIPTOR}` and in one Table Schema file each. "
        "A field marked required may not be empty; an empty cell is a missing value."
    )
    out.append("")
    out.append("| Table | File | Fields | Description |")
    out.append("| --- | --- | --- | --- |")
    for name in names:
        resource = package.resource(name)
        out.append(
            f"| [{_cell(name)}](#{name}) | {_code(resource.get('path', ''))} "
            f"| {len(schemas[name].get('fields', []))} | {_cell(resource.get('description') or schemas[name].get('description'))} |"
        )
    if computed is not None:
        out.append(f"| [{COMPUTED_TABLE}](#{COMPUTED_TABLE}) | none (computed) | {len(computed.get('fields', []))} "
                   f"| {_cell(computed.get('title'))}: see its section |")
    for name in names:
        resource = package.resource(name)
        schema = schemas[name]
        out.append("")
        out.append(f"## {name}")
        out.append("")
        heading = resource.get("title") or schema.get("title")
        if heading:
            out.append(f"**{_cell(heading)}.** {_cell(resource.get('description') or schema.get('description'))}")
            out.append("")
        out.append(f"- File: {_code(resource.get('path', ''))}")
        if isinstance(resource.get("schema"), str):
            out.append(f"- Schema: {_code(resource['schema'])}")
        if schema.get("primaryKey"):
            out.append(f"- Primary key: {_keys(schema['primaryKey'])}")
        for key in schema.get("foreignKeys") or []:
            reference = key.get("reference") or {}
            target = reference.get("resource") or name
            out.append(
                f"- Foreign key: {_keys(key.get('fields'))} → "
                f"[{_cell(target)}](#{target}) ({_keys(reference.get('fields'))})"
            )
        if referenced_by[name]:
            out.append(f"- Referenced by: {', '.join(_code(r) for r in referenced_by[name])}")
        out.append("")
        out.extend(_field_rows(schema))
    if computed is not None:
        out.append("")
        out.append(f"## {COMPUTED_TABLE}")
        out.append("")
        out.append(f"**{_cell(computed.get('title'))}.** {_cell(computed.get('description'))}")
        out.append("")
        out.append("- File: none. It is computed from the rows each time it is read, never typed and never a file of "
                   f"`data/`: `minusma_facts.load({COMPUTED_TABLE!r})`, and a table marked computed in every export.")
        out.append(f"- Schema: {COMPUTED_TABLE}.schema.json among the assets of the minusma_facts tools (not a file of the package)")
        out.append("")
        out.extend(_field_rows(computed))
    return "\n".join(out) + "\n"


def _field_rows(schema: dict[str, Any]) -> list[str]:
    """The Markdown table of a schema's fields, one row each."""
    rows = ["| Field | Type | Required | Title | Description | Constraints | Example |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for field in schema.get("fields", []):
        required = "yes" if (field.get("constraints") or {}).get("required") else ""
        example = _code(field["example"]) if "example" in field else ""
        rows.append(
            f"| {_code(field['name'])} | {_cell(field.get('type', 'string'))} | {required} "
            f"| {_cell(field.get('title'))} | {_cell(field.get('description'))} "
            f"| {_constraints(field)} | {example} |"
        )
    return rows

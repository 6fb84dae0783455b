"""Build the audit page: one self-contained HTML file (inline data, JS and CSS; no network) to check the coding.

Each table can be browsed and filtered; selecting a row highlights its evidence in the article text, and
selecting a passage of the text lists the rows that cite it. The full text goes in only when the package holds
it (a repository checkout); built from a release archive the page shows the evidence excerpts only and says
so. The page is a working tool for coders: it is not part of release archives (the article's rights).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from .coverage import collect_spans, coverage, primary_key, raw_rows, source_texts, span_fields
from .package import Package

PAGE = "index.html"


def _asset(name: str) -> str:
    return resources.files("minusma_facts").joinpath("assets", name).read_text(encoding="utf-8")


def site_data(package: Package) -> dict[str, Any]:
    """Everything the page shows, as one JSON-able dict (rows as stored: strings, empty = missing)."""
    from .patch import FORMAT, VERSION
    from .show import foreign_keys
    from .validation.cells import TYPE_PATTERNS
    from .validation.provenance import loose_texts_of

    texts = source_texts(package)
    keys = foreign_keys(package)
    tables = []
    for name in package.resource_names:
        schema = package.schema(name)
        fields = schema.get("fields", [])
        rows = raw_rows(package, name)
        tables.append(
            {
                "name": name,
                "title": package.resource(name).get("title", name),
                "fields": [
                    {**f, "title": f.get("title", f["name"]), "description": f.get("description", "")} for f in fields
                ],
                "key": primary_key(schema),
                "foreignKeys": [{"fields": list(fk.fields), "table": fk.ref_table, "refFields": list(fk.ref_fields)}
                                for fk in keys if fk.table == name],
                "missingValues": schema.get("missingValues", [""]),
                "spanFields": [{"text": s.text, "start": s.start, "end": s.end} for s in span_fields(schema)],
                "looseTexts": loose_texts_of(schema),
                "rows": [[row.get(f["name"], "") for f in fields] for row in rows],
            }
        )
    tables.append(_computed_table(package))
    shares = {}
    if any(text is not None for text in texts.values()):
        shares = {s["source_id"]: s.get("covered_share") for s in coverage(package)["sources"] if s["text_present"]}
    spans = collect_spans(package)
    return {
        "title": package.descriptor.get("title", package.descriptor.get("name", "data package")),
        "name": package.descriptor.get("name", ""),
        "version": package.descriptor.get("version", ""),
        "patch": {"format": FORMAT, "version": VERSION},
        "typePatterns": TYPE_PATTERNS,
        "sources": {
            source_id: {
                "text": text,
                "textPresent": text is not None,
                "coveredShare": shares.get(source_id),
                "excerpts": sorted(
                    {(s.start, s.end, s.text) for s in spans if s.source_id == source_id and s.field == "evidence"}
                ),
            }
            for source_id, text in texts.items()
        },
        "tables": tables,
    }


def _computed_table(package: Package) -> dict[str, Any]:
    """The computed estimates (minusma_facts.reconcile) as one more table of the page, marked computed: shown
    and filtered like the others, never offered to the workbench's form."""
    from .reconcile import COMPUTED_TABLE, computed_schema, estimate_rows, number_text

    schema = computed_schema()
    fields = schema["fields"]
    rows = estimate_rows(*(raw_rows(package, n) if n in package.resource_names else [] for n in ("casualties", "figures")))
    cell = lambda v: "" if v is None else number_text(v) if isinstance(v, float) else str(v)  # noqa: E731
    return {
        "name": COMPUTED_TABLE,
        "title": schema["title"],
        "computed": True,
        "fields": [{**f, "description": f"COMPUTED, not typed: {f['description']}"} for f in fields],
        "key": schema["primaryKey"],
        "foreignKeys": [],  # its event_id is shown, but a computed row is not listed among the rows that cite an event
        "missingValues": [""],
        "spanFields": [],
        "looseTexts": [],
        "rows": [[cell(row[f["name"]]) for f in fields] for row in rows],
    }


def build_site(package: Package, outdir: str | Path) -> Path:
    """Write ``outdir/index.html`` and return its path.

    The template's slots are filled in one pass (`re.sub`), so no text put in is ever searched for a slot
    again (a title holding ``{{DATA}}`` stays a title). The data go in a JSON script block with ``<``, ``>``,
    ``&`` and U+2028/9 escaped, so no cell can end the block or open a comment. The page's script is allowed
    by its hash in the Content Security Policy: no inline handler and no other script can run.
    """
    data = site_data(package)
    script = (_asset("site.js") + _asset("workbench.js")).replace("</", "<\\/")
    style = _asset("site.css")
    slots = {
        "{{TITLE}}": _escape(str(data["title"])),
        "{{DATA}}": embed_json(data),
        "/*SCRIPT*/": script,
        "/*STYLE*/": style,
        "{{SCRIPT_HASH}}": _csp_hash(script),
        "{{STYLE_HASH}}": _csp_hash(style),
    }
    template = _asset("site.html")
    page = re.sub("|".join(re.escape(slot) for slot in slots), lambda match: slots[match.group()], template)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / PAGE
    if target.is_symlink():
        target.unlink()  # a link left there is replaced, never written through
    target.write_text(page, encoding="utf-8")
    return target


def embed_json(data: Any) -> str:
    """JSON safe inside a <script> block: nothing in it can close the block, open a comment or break a line."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", text)


def _csp_hash(text: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _escape(text: str) -> str:
    from .safety import clean

    text = clean(text, 300)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("{", "&#123;")

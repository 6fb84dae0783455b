"""A differential corpus: small third-party Data Packages that vary the dialect, the layout and the damage.

Each case is (dialect, layout, damage). `build(case, folder)` writes the package: two tables (`people`, and
`visits` whose foreign key points at people), people written in the dialect and layout, visits plain CSV.
tests/test_corpus.py validates each with `minusma-facts validate` and with frictionless, and compares their
findings (type, resource, row, field). docs/validation.md lists where the two read the spec differently.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

PEOPLE_FIELDS = [
    {"name": "person_id", "type": "integer", "constraints": {"required": True}},
    {"name": "name", "type": "string", "constraints": {"required": True}},
    {"name": "born_date", "type": "date"},
    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
    {"name": "score", "type": "number", "constraints": {"minimum": 0}},
]
PEOPLE = [["1", "Ana", "1990-01-02", "a", "1.5"], ["2", "Bo, Jr.", "1985-12-31", "b", "0"],
          ["3", 'Cy "the" third', "", "a", "2"], ["4", "Di", "2001-07-04", "", "10"],
          ["5", "Ed", "1970-03-03", "b", ""], ["6", "Flo", "1999-09-09", "a", "3.25"]]
VISITS = [["10", "1"], ["11", "2"], ["12", "6"]]

DIALECTS = {
    "default": {},
    "semicolon": {"delimiter": ";"},
    "tab, single quote": {"delimiter": "\t", "quoteChar": "'"},
    "escape char": {"delimiter": ";", "doubleQuote": False, "escapeChar": "\\"},
    "CRLF": {"lineTerminator": "\r\n"},
    "comment char": {"commentChar": "#"},
    "comment rows": {"commentRows": [1]},
    "two header rows": {"headerRows": [1, 2], "headerJoin": "_"},
    "no header": {"header": False},
    "skip initial space": {"skipInitialSpace": True},
    "null sequence": {"nullSequence": "NA"},
}
LAYOUTS = ("file", "multipart", "gzip", "zip", "inline")
# damage to the bytes of people.csv as written (one file, default dialect)
BYTE_DAMAGES = {
    "byte-order mark": lambda raw: b"\xef\xbb\xbf" + raw,
    "mixed line endings": lambda raw: raw.replace(b"\n", b"\r\n", 2),
    "not UTF-8": lambda raw: raw.replace(b"Flo", b"Fl\xf6"),
    "CR line ends": lambda raw: raw.replace(b"\n", b"\r"),
    "empty file": lambda raw: b"",
    "header only": lambda raw: raw.split(b"\n")[0] + b"\n",
}


def _edit(row: int, field: str, value: str):
    def damage(header, rows, visits):
        rows[row][header.index(field)] = value
    return damage


def _append(header, rows, visits):
    rows[2].append("surplus")


def _drop(header, rows, visits):
    rows[3].pop()


def _blank(header, rows, visits):
    rows.insert(2, [""] * len(header))


def _duplicate(header, rows, visits):
    rows[4][0] = rows[1][0]


def _foreign(header, rows, visits):
    visits[1][1] = "99"


def _label(header, rows, visits):
    header[1] = "nom"


DAMAGES = {
    "none": lambda header, rows, visits: None,
    "type": _edit(1, "born_date", "1985-13-31"),
    "enum": _edit(2, "kind", "z"),
    "minimum": _edit(0, "score", "-1"),
    "required": _edit(3, "name", ""),
    "extra cell": _append,
    "missing cell": _drop,
    "blank row": _blank,
    "duplicate key": _duplicate,
    "foreign key": _foreign,
    "label": _label,
}


def cases() -> list[tuple[str, str, str]]:
    """Every dialect with every damage (one file), and every layout with every damage (default dialect)."""
    out = [(d, "file", x) for d in DIALECTS for x in DAMAGES if not (d == "no header" and x == "label")]  # no label to damage
    out += [("default", layout, x) for layout in LAYOUTS if layout != "file" for x in DAMAGES]
    out += [("semicolon", "multipart", "type"), ("comment char", "gzip", "extra cell"), ("two header rows", "zip", "enum")]
    out += [("default", "file", x) for x in BYTE_DAMAGES]
    return out


def _csv(dialect: dict, header: list[str], rows: list[list[str]], with_header: bool = True) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=dialect.get("delimiter", ","), quotechar=dialect.get("quoteChar", '"'),
                        doublequote=dialect.get("doubleQuote", True), escapechar=dialect.get("escapeChar"),
                        lineterminator=dialect.get("lineTerminator", "\n"))
    if "commentRows" in dialect:
        out.write("this first row is a comment\n")
    if dialect.get("commentChar"):
        out.write(f"{dialect['commentChar']} a comment before the header\n")
    if with_header and dialect.get("header", True):
        if dialect.get("headerRows") == [1, 2]:
            writer.writerow([h.split("_", 1)[0] for h in header])
            writer.writerow([h.split("_", 1)[1] if "_" in h else h for h in header])
        else:
            writer.writerow(header)
    for number, row in enumerate(rows):
        if dialect.get("commentChar") and number == 3:
            out.write(f"{dialect['commentChar']} a comment between rows\n")
        if dialect.get("nullSequence"):
            row = [dialect["nullSequence"] if c == "" else c for c in row]
        if dialect.get("skipInitialSpace"):
            row = [" " + c if c else c for c in row]
        writer.writerow(row)
    return out.getvalue()


def build(case: tuple[str, str, str], folder: Path) -> Path:
    """Write the case's package into `folder` and return it."""
    dialect_name, layout, damage_name = case
    dialect = DIALECTS[dialect_name]
    header = [f["name"] for f in PEOPLE_FIELDS]
    rows = [list(r) for r in PEOPLE]
    visits = [list(r) for r in VISITS]
    if damage_name in DAMAGES:
        DAMAGES[damage_name](header, rows, visits)
    folder.mkdir(parents=True, exist_ok=True)
    people = {"name": "people", "type": "table",
              "schema": {"fields": PEOPLE_FIELDS, "primaryKey": ["person_id"]}}
    if dialect:
        people["dialect"] = dialect
    if layout == "inline":
        people["data"] = [header] + rows
    elif layout == "multipart":
        (folder / "people-1.csv").write_text(_csv(dialect, header, rows[:3]), encoding="utf-8", newline="")
        (folder / "people-2.csv").write_text(_csv(_no_lead(dialect), header, rows[3:], with_header=False),
                                             encoding="utf-8", newline="")
        people.update(path=["people-1.csv", "people-2.csv"], format="csv")
    else:
        data = _csv(dialect, header, rows).encode("utf-8")
        if layout == "gzip":
            (folder / "people.csv.gz").write_bytes(gzip.compress(data, mtime=0))
            people.update(path="people.csv.gz")
        elif layout == "zip":
            with zipfile.ZipFile(folder / "people.csv.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("people.csv", data)
            people.update(path="people.csv.zip")
        else:
            (folder / "people.csv").write_bytes(BYTE_DAMAGES.get(damage_name, lambda raw: raw)(data))
            people.update(path="people.csv", format="csv")
    (folder / "visits.csv").write_text(_csv({}, ["visit_id", "person_id"], visits), encoding="utf-8", newline="")
    visits_resource = {"name": "visits", "type": "table", "path": "visits.csv", "format": "csv", "schema": {
        "fields": [{"name": "visit_id", "type": "integer"}, {"name": "person_id", "type": "integer"}],
        "primaryKey": ["visit_id"],
        "foreignKeys": [{"fields": ["person_id"], "reference": {"resource": "people", "fields": ["person_id"]}}]}}
    descriptor = {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json", "name": "corpus",
                  "resources": [people, visits_resource]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=1), encoding="utf-8")
    return folder


def _no_lead(dialect: dict) -> dict:
    """A later part carries no header and no leading comment rows."""
    return {k: v for k, v in dialect.items() if k not in ("commentRows", "commentChar")}

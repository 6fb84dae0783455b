"""validate reads every table as its Table Dialect and layout say, or exits 2 naming what it cannot read.

A copy of the real package is rewritten in a dialect (every table, with the dialect declared), split into
parts, compressed, or given another format; validate must find it valid exactly when it declares what it
holds, report damage at the row frictionless names, and never read another format's bytes as CSV.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from damage import edit_json, matching, read_rows, resource_of, set_cell
from minusma_facts.validation import validate_package

TABLES = ("figures", "events", "actors", "sources")


def rewrite(package: Path, dialect: dict, declare: bool = True, tables=None, where=None) -> None:
    """Write each table again in `dialect` (Python's csv with the same options) and declare it (inline, or in
    the file `where` inside the package)."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    names = tables or [r["name"] for r in descriptor["resources"]]
    kwargs = {"delimiter": dialect.get("delimiter", ","), "quotechar": dialect.get("quoteChar", '"'),
              "doublequote": dialect.get("doubleQuote", True), "escapechar": dialect.get("escapeChar"),
              "lineterminator": dialect.get("lineTerminator", "\n")}
    for name in names:
        header, rows = read_rows(package, name)
        buffer = io.StringIO(newline="")
        for number in range(1, (max(dialect.get("commentRows", [0])) if "commentRows" in dialect else 0) + 1):
            buffer.write(f"comment row {number}\n")
        if dialect.get("commentChar"):
            buffer.write(f"{dialect['commentChar']} a comment line before the header\n")
        writer = csv.writer(buffer, **kwargs)
        if dialect.get("header", True):
            if len(dialect.get("headerRows", [1])) == 2:  # two header rows joined by headerJoin
                join = dialect.get("headerJoin", " ")
                writer.writerow([h.split("_", 1)[0] for h in header])
                writer.writerow([h.split("_", 1)[1] if "_" in h else h for h in header])  # a repeat is not joined
                assert all(join.join(p for p in h.split("_", 1)) == h for h in header if "_" in h)
            else:
                writer.writerow(header)
        for row in rows:
            writer.writerow([" " + c if dialect.get("skipInitialSpace") and c and not c.startswith(" ") else c for c in row])
        (package / "data" / f"{name}.csv").write_bytes(buffer.getvalue().encode("utf-8"))
    if declare:
        if where:
            (package / where).write_text(json.dumps(dialect), encoding="utf-8")
        def declare_in(descriptor: dict) -> None:
            for name in names:
                resource_of(descriptor, name)["dialect"] = where or dialect

        edit_json(package, "datapackage.json", declare_in)


def validate(package: Path, **kwargs) -> dict:
    return validate_package(package, **kwargs).to_dict()


# -- done when: a semicolon-separated copy validates when it says so, and only then ----------------------
def test_a_semicolon_copy_that_declares_its_dialect_validates(package_copy, run_validate):
    rewrite(package_copy, {"delimiter": ";"})
    code, out, err, report = run_validate(package_copy, "--json")
    assert (code, report["valid"]) == (0, True), report["errors"][:5]


def test_the_same_copy_without_its_dialect_does_not(package_copy, run_validate):
    rewrite(package_copy, {"delimiter": ";"}, declare=False)
    code, out, err, report = run_validate(package_copy, "--json")
    assert code == 1
    assert matching(report, "incorrect-label", file="data/figures.csv", row=1) or matching(report, "missing-label", file="data/figures.csv")


# every v2 (and v1) CSV dialect property, each with a file written that way: the package stays valid
DIALECTS = [
    pytest.param({"delimiter": "\t"}, id="tab"),
    pytest.param({"delimiter": "|", "quoteChar": "'"}, id="pipe and single quote"),
    pytest.param({"delimiter": ";", "doubleQuote": False, "escapeChar": "\\"}, id="escape char"),
    pytest.param({"lineTerminator": "\r\n"}, id="CRLF"),
    pytest.param({"delimiter": ";", "commentChar": "#"}, id="comment char"),
    pytest.param({"commentRows": [1, 2]}, id="comment rows"),
    pytest.param({"delimiter": ";", "skipInitialSpace": True}, id="skip initial space"),
    pytest.param({"headerRows": [1, 2], "headerJoin": "_"}, id="two header rows"),
    pytest.param({"nullSequence": "NA", "header": True}, id="null sequence"),
    pytest.param({"csvddfVersion": 1.2, "delimiter": ";", "caseSensitiveHeader": True}, id="v1 CSV dialect"),
]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_property_is_honoured(package_copy, dialect):
    rewrite(package_copy, dialect, tables=TABLES)
    report = validate(package_copy)
    assert report["valid"], report["errors"][:5]


def test_a_dialect_by_path_is_read_through_the_gate(package_copy):
    rewrite(package_copy, {"delimiter": ";"}, tables=TABLES, where="dialect.json")
    assert validate(package_copy)["valid"]


def test_no_header_numbers_rows_from_one(tmp_path):
    package = third_party(tmp_path, "1,x\nq,y\n", dialect={"header": False})
    report = validate(package)
    assert [(p["type"], p["row"], p["field"]) for p in report["errors"]] == [("type-error", 2, "id")]


def test_comment_rows_keep_their_row_numbers(tmp_path):
    package = third_party(tmp_path, "#c\nid;name\n1;x\n#zz\n2;y\nfoo;z\n", dialect={"delimiter": ";", "commentChar": "#"})
    report = validate(package)
    assert [(p["type"], p["row"], p["line"], p["field"]) for p in report["errors"]] == [("type-error", 6, 6, "id")]


def test_null_sequence_is_a_missing_value(tmp_path):
    package = third_party(tmp_path, "id,name\nNA,x\n", dialect={"nullSequence": "NA"},
                          fields=[{"name": "id", "type": "integer", "constraints": {"required": True}}, {"name": "name"}])
    assert [(p["type"], p["row"], p["field"]) for p in validate(package)["errors"]] == [("constraint-error", 2, "id")]


@pytest.mark.parametrize("dialect, named", [
    pytest.param({"csv": {"delimiter": ";"}}, "'csv'", id="frictionless-py nested form"),
    pytest.param({"delimiter": ";", "quoting": "all"}, "'quoting'", id="unknown property"),
    pytest.param({"delimiter": "::"}, "'delimiter'", id="two-character delimiter"),
    pytest.param({"lineTerminator": "||"}, "'lineTerminator'", id="odd line terminator"),
    pytest.param({"headerRows": "1"}, "'headerRows'", id="header rows not a list"),
    pytest.param("../dialect.json", "dialect path", id="dialect path outside"),
    pytest.param("missing.json", "does not exist", id="dialect file missing"),
])
def test_a_dialect_it_cannot_honour_is_exit_2_naming_it(package_copy, run_validate, dialect, named):
    edit_json(package_copy, "datapackage.json", lambda d: resource_of(d, "figures").update(dialect=dialect))
    code, out, err, report = run_validate(package_copy, "--json")
    assert code == 2 and report["cannot_run"]
    assert named in err and "figures" in err and "Traceback" not in err


# -- layouts -------------------------------------------------------------------------------------------------
def _split(package: Path, name: str, cut: int) -> list[str]:
    raw = (package / "data" / f"{name}.csv").read_bytes()
    lines = raw.splitlines(keepends=True)
    parts = [b"".join(lines[:cut]), b"".join(lines[cut:])]
    (package / "data" / f"{name}.csv").unlink()
    paths = []
    for number, data in enumerate(parts, 1):
        (package / "data" / f"{name}-{number}.csv").write_bytes(data)
        paths.append(f"data/{name}-{number}.csv")
    edit_json(package, "datapackage.json", lambda d: resource_of(d, name).update(path=paths))
    return paths


def test_a_multipart_table_is_one_table_with_rows_numbered_across_parts(package_copy):
    set_cell(package_copy, "figures", 7, "value_best", "lots")
    paths = _split(package_copy, "figures", 4)  # header and rows 2-4; rows 5- in the second part
    report = validate(package_copy)
    assert [(p["type"], p["file"], p["row"], p["line"], p["field"]) for p in report["errors"]] == [
        ("type-error", paths[1], 7, 3, "value_best")]
    assert {t["resource"]: t["rows"] for t in report["tables"]}["figures"] == len(read_rows(Path(__file__).parents[1], "figures")[1])


def test_a_clean_multipart_table_validates(package_copy):
    _split(package_copy, "events", 3)
    assert validate(package_copy)["valid"]


@pytest.mark.parametrize("compression", ["gz", "zip"])
def test_a_compressed_table_validates_and_its_damage_is_found(package_copy, compression):
    set_cell(package_copy, "figures", 3, "value_best", "lots")
    source = package_copy / "data" / "figures.csv"
    target = package_copy / "data" / f"figures.csv.{compression}"
    if compression == "gz":
        target.write_bytes(gzip.compress(source.read_bytes()))
    else:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(source, "figures.csv")
    source.unlink()
    edit_json(package_copy, "datapackage.json", lambda d: resource_of(d, "figures").update(path=f"data/figures.csv.{compression}"))
    report = validate(package_copy)
    assert [(p["type"], p["file"], p["row"], p["field"]) for p in report["errors"]] == [
        ("type-error", f"data/figures.csv.{compression}", 3, "value_best")]


def third_party(tmp_path: Path, content: str | None, dialect=None, fields=None, **resource) -> Path:
    """A small package of one table `a` (id integer, name string), not this project's."""
    package = tmp_path / "third"
    package.mkdir(parents=True)
    entry = {"name": "a", "schema": {"fields": fields or [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}}
    if content is not None:
        entry.update(path="a.csv", format="csv")
        (package / "a.csv").write_text(content, encoding="utf-8")
    if dialect is not None:
        entry["dialect"] = dialect
    entry.update(resource)
    (package / "datapackage.json").write_text(json.dumps({
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json", "name": "third", "resources": [entry]}), encoding="utf-8")
    return package


@pytest.mark.parametrize("data, expected", [
    pytest.param([["id", "name"], [1, "x"], ["q", "y"]], [("type-error", 3, "id")], id="arrays"),
    pytest.param([{"id": 1, "name": "x"}, {"id": 1.5, "name": None}], [("type-error", 3, "id")], id="objects"),
    pytest.param([{"id": 1, "name": "x"}], [], id="clean"),
])
def test_inline_data_is_checked_like_a_file(tmp_path, data, expected):
    report = validate(third_party(tmp_path, None, data=data))
    assert [(p["type"], p["row"], p["field"]) for p in report["errors"]] == expected
    assert all(p["file"] == "datapackage.json" and p["line"] is None for p in report["errors"])


def test_inline_csv_text_is_read_in_its_dialect(tmp_path):
    package = third_party(tmp_path, None, data="id;name\n1;x\nq;y\n", format="csv", dialect={"delimiter": ";"})
    found = [(p["type"], p["row"], p["field"]) for p in validate(package)["errors"]]
    # the v2 profile wants a tabular resource's inline data as a list of rows, so the descriptor is reported too
    assert sorted(found, key=str) == [("descriptor-error", None, None), ("type-error", 3, "id")]


def test_a_v1_dialect_may_make_labels_case_insensitive(tmp_path):
    package = third_party(tmp_path, "ID,Name\n1,x\n", dialect={"csvddfVersion": 1.2, "caseSensitiveHeader": False})
    assert validate(package)["valid"]
    strict = third_party(tmp_path / "strict", "ID,Name\n1,x\n", dialect={"csvddfVersion": 1.2, "caseSensitiveHeader": True})
    assert {p["type"] for p in validate(strict)["errors"]} == {"incorrect-label"}


@pytest.mark.parametrize("resource, named", [
    pytest.param({"path": "https://example.org/a.csv"}, "is remote", id="remote"),
    pytest.param({"path": "a.jsonl", "format": "jsonl"}, "format jsonl", id="jsonl"),
    pytest.param({"path": "a.ods", "format": None}, "format ods", id="ods by extension"),
    pytest.param({"path": "a.dat", "format": None, "mediatype": "application/vnd.ms-excel"}, "format application/vnd.ms-excel", id="by mediatype"),
])
def test_what_it_cannot_read_is_exit_2_and_one_message(tmp_path, run_validate, resource, named):
    package = third_party(tmp_path, '{"id": 1, "name": "x"}\n')
    (package / "a.jsonl").write_text('{"id": 1, "name": "x"}\n', encoding="utf-8")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0].update(resource)
    descriptor["resources"][0] = {k: v for k, v in descriptor["resources"][0].items() if v is not None}
    descriptor["resources"].append({**descriptor["resources"][0], "name": "b"})
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, out, err, report = run_validate(package, "--json")
    assert code == 2 and report["cannot_run"] and "Traceback" not in err
    lines = [line for line in report["message"].splitlines() if line]
    assert len(lines) == 2 and all(named in line for line in lines)  # one message per resource
    assert "'a'" in lines[0] and "'b'" in lines[1]
    assert "type-error" not in out


@pytest.mark.parametrize("encoding, content, expected", [
    pytest.param("latin-1", "id,name\n1,Fl\xf6\nq,y\n", [("type-error", 3, "id")], id="latin-1 read as declared"),
    pytest.param("utf-16", "id,name\n1,x\n", [], id="utf-16 read as declared"),
])
def test_a_declared_encoding_is_read_as_declared(tmp_path, encoding, content, expected):
    package = third_party(tmp_path, "", encoding=encoding)
    (package / "a.csv").write_bytes(content.encode(encoding))
    assert [(p["type"], p["row"], p["field"]) for p in validate(package)["errors"]] == expected


def test_bytes_not_in_the_declared_encoding_are_an_encoding_error(tmp_path):
    package = third_party(tmp_path, "", encoding="ascii")
    (package / "a.csv").write_bytes("id,name\n1,x\n2,\xe9\n".encode("latin-1"))
    report = validate(package)
    assert [(p["type"], p["file"]) for p in report["errors"]] == [("encoding-error", "a.csv")]
    assert "line 3" in report["errors"][0]["message"]


def test_an_unknown_encoding_is_exit_2(tmp_path, run_validate):
    code, out, err, report = run_validate(third_party(tmp_path, "id,name\n", encoding="klingon-8"), "--json")
    assert code == 2 and "klingon-8" in report["message"]


def test_lines_ending_in_cr_only_are_read(tmp_path):
    package = third_party(tmp_path, "")
    (package / "a.csv").write_bytes(b"id,name\r1,x\rq,y\r")
    report = validate(package)
    assert [(p["type"], p["row"], p["line"], p["field"]) for p in report["errors"]] == [("type-error", 3, 3, "id")]


def test_a_format_cannot_forge_a_line_of_the_message(tmp_path, run_validate):
    package = third_party(tmp_path, "id,name\n", format="csv\nvalid: 10 tables, 253 rows")
    code, out, err, report = run_validate(package, "--json")
    assert code == 2 and len(report["message"].splitlines()) == 1 and "\\u000a" in report["message"]

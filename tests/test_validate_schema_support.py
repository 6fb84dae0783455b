"""What of a Table Schema validate checks, and what it refuses (exit 2) rather than pass unchecked.

A second reading of validate beside frictionless found schemas whose cells validate passed without reading
them (a date in its own format, a year, fieldsMatch, uniqueKeys), cells it reported that the spec allows (a
number with a decimal comma), and keys that pointed at nothing. Each is now checked as frictionless checks it,
or refused before any row is read, with one line naming the property. Tiny packages, written here, hold each
case; frictionless (in-process) gives the reference verdict where both read the package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from minusma_facts.validation import Broken, CannotRun, validate_package

V2 = "https://datapackage.org/profiles/2.0/datapackage.json"
VENV_BIN = Path(sys.executable).parent


def tiny(folder: Path, fields: list[dict], rows: list[list[str]], schema: dict | None = None, resource: dict | None = None,
         extra: list[dict] = ()) -> Path:
    """A v2 package with one table `t` (t.csv: the fields' names, then `rows`)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [",".join(f["name"] for f in fields)] + [",".join(r) for r in rows]
    (folder / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = {"name": "t", "path": "t.csv", "format": "csv", "schema": {"fields": fields, **(schema or {})}, **(resource or {})}
    descriptor = {"$schema": V2, "name": "tiny", "resources": [table, *extra]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def ours(folder: Path) -> set[tuple]:
    return {(p.type, p.row, p.field) for p in validate_package(folder).errors}


def theirs_valid(folder: Path) -> bool:
    from frictionless import validate

    return validate(str(folder / "datapackage.json")).valid


def rows_of(report, type_: str) -> list[int | None]:
    return sorted(p.row for p in report.errors if p.type == type_)


def frictionless_rows(folder: Path, type_: str) -> list[int | None]:
    from frictionless import validate

    report = validate(str(folder / "datapackage.json"))
    return sorted(getattr(e, "row_number", None) for task in report.tasks for e in task.errors if e.type == type_)


# -- refused before any row is read -------------------------------------------------------------------------
UNREAD = {
    "type year": ({"name": "y", "type": "year"}, {}, "of type year"),
    "type datetime": ({"name": "y", "type": "datetime"}, {}, "of type datetime"),
    "type time": ({"name": "y", "type": "time"}, {}, "of type time"),
    "type yearmonth": ({"name": "y", "type": "yearmonth"}, {}, "of type yearmonth"),
    "type duration": ({"name": "y", "type": "duration"}, {}, "of type duration"),
    "type list": ({"name": "y", "type": "list"}, {}, "of type list"),
    "type object": ({"name": "y", "type": "object"}, {}, "of type object"),
    "type array": ({"name": "y", "type": "array"}, {}, "of type array"),
    "type geopoint": ({"name": "y", "type": "geopoint"}, {}, "of type geopoint"),
    "type geojson": ({"name": "y", "type": "geojson"}, {}, "of type geojson"),
    "date in its own format": ({"name": "y", "type": "date", "format": "%d/%m/%Y"}, {}, "date format '%d/%m/%Y'"),
    "date format any": ({"name": "y", "type": "date", "format": "any"}, {}, "date format 'any'"),
    "string format email": ({"name": "y", "type": "string", "format": "email"}, {}, "string format 'email'"),
    "string format uuid": ({"name": "y", "type": "string", "format": "uuid"}, {}, "string format 'uuid'"),
    "bareNumber false": ({"name": "y", "type": "number", "bareNumber": False}, {}, "bareNumber false"),
    "integer bareNumber false": ({"name": "y", "type": "integer", "bareNumber": False}, {}, "bareNumber false"),
    "decimal comma": ({"name": "y", "type": "number", "decimalChar": ","}, {}, "decimalChar"),
    "group character": ({"name": "y", "type": "number", "groupChar": "."}, {}, "groupChar"),
    "integer group character": ({"name": "y", "type": "integer", "groupChar": ","}, {}, "groupChar"),
    "categories": ({"name": "y", "type": "string", "categories": ["a", "b"]}, {}, "categories"),
    "fieldsMatch subset": ({"name": "y"}, {"fieldsMatch": "subset"}, 'fieldsMatch "subset"'),
    "fieldsMatch superset": ({"name": "y"}, {"fieldsMatch": "superset"}, 'fieldsMatch "superset"'),
    "fieldsMatch partial": ({"name": "y"}, {"fieldsMatch": "partial"}, 'fieldsMatch "partial"'),
    "fieldsMatch equal": ({"name": "y"}, {"fieldsMatch": "equal"}, 'fieldsMatch "equal"'),
    "uniqueKeys": ({"name": "y"}, {"uniqueKeys": [["id", "y"]]}, "uniqueKeys"),
}


@pytest.mark.parametrize("case", list(UNREAD), ids=list(UNREAD))
def test_a_schema_asking_for_what_validate_does_not_check_is_exit_2_naming_it(tmp_path, run_validate, case):
    field, schema, named = UNREAD[case]
    # the cell would pass a text-only reading: refusing it is the only way not to call it checked
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, field], [["1", "31/12/2020"], ["2", "nonsense"]], schema)
    code, out, err, report = run_validate(package, "--json")
    assert code == 2, (out, err)
    assert report == {"valid": None, "cannot_run": True, "exit_code": 2, "message": report["message"]}
    assert "resource 't'" in report["message"] and named in report["message"], report["message"]
    assert "frictionless validate" in report["message"] and "Traceback" not in out + err
    code, out, err, _ = run_validate(package)
    assert code == 2 and named in err and out.strip() == ""


def test_every_resource_it_cannot_check_is_named_on_a_line_of_its_own(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "y", "type": "year"}], [["1", "2020"]],
                   extra=[{"name": "u", "path": "t.csv", "format": "csv",
                           "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "y", "type": "time"}]}}])
    with pytest.raises(CannotRun) as raised:
        validate_package(package)
    lines = str(raised.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["resource 't'", "resource 'u'"], lines
    assert "type year" in lines[0] and "type time" in lines[1]


@pytest.mark.parametrize("field,schema", [
    ({"name": "y", "type": "any"}, {}),
    ({"name": "y", "type": "number", "decimalChar": ".", "bareNumber": True}, {}),
    ({"name": "y", "type": "string", "format": "uri"}, {}),
    ({"name": "y", "type": "date", "format": "default"}, {}),
    ({"name": "y"}, {"fieldsMatch": "exact"}),
], ids=["any", "the default decimalChar and bareNumber", "uri", "date default", "fieldsMatch exact"])
def test_what_validate_reads_is_not_refused(tmp_path, field, schema):
    value = {"any": "x", "number": "1.5", "string": "https://example.org/a", "date": "2020-01-31"}[field.get("type", "string")]
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, field], [["1", value]], schema)
    assert ours(package) == set() and theirs_valid(package)


# -- checked as frictionless checks it --------------------------------------------------------------------
def test_exclusive_bounds_are_checked_at_the_rows_frictionless_names(tmp_path):
    package = tiny(tmp_path / "p", [
        {"name": "id", "type": "integer", "constraints": {"exclusiveMinimum": 1, "exclusiveMaximum": 4}},
        {"name": "x", "type": "number", "constraints": {"exclusiveMinimum": 0, "exclusiveMaximum": 10}},
        {"name": "d", "type": "date", "constraints": {"exclusiveMinimum": "2020-01-01", "exclusiveMaximum": "2020-12-31"}},
    ], [["1", "0", "2020-01-01"], ["2", "10", "2020-12-31"], ["3", "5", "2020-06-01"], ["4", "0.5", "2020-01-02"]])
    report = validate_package(package)
    assert {(p.row, p.field) for p in report.errors} == {(2, "id"), (2, "x"), (2, "d"), (3, "x"), (3, "d"), (5, "id")}
    assert {p.type for p in report.errors} == {"constraint-error"}
    assert rows_of(report, "constraint-error") == frictionless_rows(package, "constraint-error")
    assert any("exclusive minimum 1" in p.message for p in report.errors)


def test_missing_values_as_value_label_objects_are_read(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "n", "type": "integer", "constraints": {"required": True}}],
                   [["1", "-99"], ["2", "5"], ["3", "x"]],
                   {"missingValues": [{"value": ""}, {"value": "-99", "label": "REFUSED"}]})
    report = validate_package(package)
    # -99 is missing (so the required constraint, not the type, speaks); x is a type error
    assert {(p.type, p.row, p.field) for p in report.errors} == {("constraint-error", 2, "n"), ("type-error", 4, "n")}
    assert rows_of(report, "type-error") == frictionless_rows(package, "type-error")


def test_a_field_s_missing_values_as_objects_are_read(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"},
                                    {"name": "n", "type": "integer", "missingValues": [{"value": "NA", "label": "not asked"}]}],
                   [["1", "NA"], ["2", "5"]])
    assert ours(package) == set() and theirs_valid(package)


def test_an_enum_of_strings_on_a_number_field_compares_numbers(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"},
                                    {"name": "x", "type": "number", "constraints": {"enum": ["1.5", 2]}},
                                    {"name": "n", "type": "integer", "constraints": {"enum": ["2", 3]}}],
                   [["1", "1.50", "2"], ["2", "2.0", "3"], ["3", "3", "4"]])
    report = validate_package(package)
    assert {(p.row, p.field) for p in report.errors} == {(4, "x"), (4, "n")}
    assert rows_of(report, "constraint-error") == frictionless_rows(package, "constraint-error")


@pytest.mark.parametrize("foreign_key,needle", [
    ({"fields": "pid", "reference": {"resource": "nowhere", "fields": "id"}}, "points at resource 'nowhere'"),
    ({"fields": "pid", "reference": {"resource": "t", "fields": "nope"}}, "points at field 'nope' of resource 't'"),
    ({"fields": "zz", "reference": {"resource": "t", "fields": "id"}}, "names field 'zz'"),
], ids=["no such resource", "no such field there", "no such field here"])
def test_a_foreign_key_that_points_at_nothing_is_a_finding(tmp_path, run_validate, foreign_key, needle):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "pid", "type": "integer"}],
                   [["1", "1"], ["2", "9"]], {"foreignKeys": [foreign_key]})
    code, out, err, report = run_validate(package, "--json")
    assert code == 1, (out, err)
    assert any(p["type"] == "schema-error" and needle in p["message"] for p in report["errors"]), report["errors"]
    assert not theirs_valid(package)


def test_true_values_that_are_not_text_are_a_finding_never_a_crash(tmp_path, run_validate):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "b", "type": "boolean", "trueValues": ["yes", 2]}],
                   [["1", "yes"], ["2", "2"]])
    code, out, err, report = run_validate(package, "--json")
    assert code == 1 and "Traceback" not in out + err, (out, err)
    types = {(p["type"], p["row"]) for p in report["errors"]}
    assert ("descriptor-error", None) in types and ("type-error", 3) in types, types


def test_an_integer_beyond_64_bits_is_exit_2_never_compared_as_a_float(tmp_path, run_validate):
    # as floats, ...998 and ...999 are one value: a unique-error the spec's exact integers do not have
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer", "constraints": {"unique": True}}],
                   [["99999999999999999999999999999999998"], ["99999999999999999999999999999999999"]])
    code, out, err, report = run_validate(package, "--json")
    assert code == 2 and "beyond 64 bits" in report["message"] and "'id'" in report["message"], (out, err)
    assert theirs_valid(package)


def test_a_missing_value_that_a_spreadsheet_would_run_is_still_a_formula(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "s", "type": "string"}, {"name": "d", "type": "date"}],
                   [["1", "-", "-"], ["2", "plain", "2020-01-01"]], {"missingValues": ["", "-"]})
    # the schema makes "-" missing, but the cell is in the CSV a spreadsheet opens: documented as a difference
    assert ours(package) == {("formula-injection", 2, "s"), ("formula-injection", 2, "d")}
    assert theirs_valid(package)


def test_a_trailing_delimiter_in_the_header_is_an_extra_label_as_frictionless_has_it(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [])
    (package / "t.csv").write_text("id,\n1,\n", encoding="utf-8")
    report = validate_package(package)
    labels = [p for p in report.errors if p.type.endswith("-label")]
    assert [p.type for p in labels] == ["extra-label"] and "None" not in labels[0].message, [p.message for p in labels]
    assert frictionless_rows(package, "extra-label") == [None]


def test_inline_rows_without_a_header_are_numbered_from_1(tmp_path):
    package = tmp_path / "p"
    package.mkdir()
    descriptor = {"$schema": V2, "name": "tiny", "resources": [{
        "name": "t", "data": [[1, "a"], ["x", "b"]], "dialect": {"header": False},
        "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "s", "type": "string"}]}}]}
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert ours(package) == {("type-error", 2, "id")}
    assert frictionless_rows(package, "type-error") == [2]


def test_an_encoding_that_is_no_text_encoding_is_exit_2(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]], resource={"encoding": "rot13"})
    with pytest.raises(CannotRun, match="'rot13' is not a text encoding"):
        validate_package(package)


# -- the descriptor check: the descriptor's fault or the environment's ----------------------------------------
def test_a_descriptor_frictionless_fails_on_is_a_finding_not_a_broken_environment(tmp_path, run_validate):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]], resource={"hash": 5})
    code, out, err, report = run_validate(package, "--json")
    assert code == 1, (out, err)
    assert any(p["type"] == "descriptor-error" and "frictionless fails on this descriptor" in p["message"] for p in report["errors"])


def test_a_frictionless_that_fails_on_every_descriptor_is_a_broken_environment(tmp_path, monkeypatch):
    from frictionless import Package

    def broken(cls, descriptor, **options):
        raise AttributeError("broken install")

    monkeypatch.setattr(Package, "validate_descriptor", classmethod(broken))
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]])
    with pytest.raises(Broken, match="broken install"):
        validate_package(package)


# -- the terminal, pipes and logs -------------------------------------------------------------------------
def _cli(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_WORKSPACE"}
    env.update(kwargs.pop("env", {}))
    return subprocess.run([str(VENV_BIN / "minusma-facts"), "validate", *args], capture_output="stdout" not in kwargs,
                          text=True, env=env, timeout=120, **kwargs)


def test_a_report_that_cannot_be_written_is_exit_2_without_a_traceback(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]])
    for args in ([str(package), "--json"], [str(package), "--format", "github"], [str(tmp_path / "nowhere"), "--json"]):
        with open("/dev/full", "w") as full:
            result = subprocess.run([str(VENV_BIN / "minusma-facts"), "validate", *args], stdout=full, stderr=subprocess.PIPE,
                                    text=True, timeout=120)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "cannot run" in result.stderr


def test_a_closed_pipe_is_exit_2_never_a_verdict(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]])
    for args in (["--json"], ["--format", "github"], []):
        process = subprocess.Popen([str(VENV_BIN / "minusma-facts"), "validate", str(package), *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        process.stdout.close()  # the reader went away before a byte was read (`| head -c0`)
        code = process.wait(timeout=120)
        err = process.stderr.read()
        process.stderr.close()
        assert code == 2 and "Traceback" not in err, (args, code, err)


def test_a_closed_stdout_is_exit_2(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]])
    for args in ([], ["--json"]):
        result = subprocess.run([str(VENV_BIN / "minusma-facts"), "validate", str(package), *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, timeout=120, preexec_fn=lambda: os.close(1))
        assert result.returncode == 2 and "stdout is closed" in result.stderr, result.stderr


def test_an_ascii_terminal_still_gets_every_finding_escaped(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "n", "type": "integer"}], [["1", "héllo ☃"]])
    for args in ([], ["--json"], ["--format", "github"]):
        result = subprocess.run([str(VENV_BIN / "minusma-facts"), "validate", str(package), *args], capture_output=True,
                                env={**os.environ, "PYTHONIOENCODING": "ascii"}, timeout=120)
        out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
        assert result.returncode == 1 and "Traceback" not in err, (args, err)
        # the table escapes what ASCII lacks; click writes JSON and workflow commands as UTF-8 whatever the locale
        assert "is not of type integer" in out and ("h\\xe9llo \\u2603" in out or "héllo ☃" in out), out


def test_a_cannot_run_line_never_starts_a_workflow_command(tmp_path):
    forged = str(tmp_path / "nl\n::error file=x,line=1::FORGED")
    result = _cli([forged, "--format", "github"])
    assert result.returncode == 2
    for stream in (result.stdout, result.stderr):
        assert not any(line.lstrip().startswith("::error file=x") for line in stream.splitlines()), stream


def test_the_progress_line_shows_a_resource_name_and_never_runs_it(monkeypatch):
    from rich.console import Console
    from rich.text import Text

    from minusma_facts.commands import validate as command

    shown = []

    class Status:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, what):
            shown.append(what)

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(Console, "status", lambda self, *a, **k: Status())
    with command._progress(enabled=True) as show:
        show("[bold red]RED[/bold red]\x1b]0;title\x07\u202eevil", 0, 1)
    (what,) = shown
    assert isinstance(what, Text) and not what.spans  # markup shown as text, never styled
    assert "[bold red]" in what.plain and "\x1b" not in what.plain and "\u202e" not in what.plain


def test_github_file_paths_are_from_the_repository_root_in_a_workflow(tmp_path):
    repo = tmp_path / "repo"
    package = tiny(repo / "pkg", [{"name": "id", "type": "integer"}], [["x"]])
    result = _cli(["--format", "github"], cwd=package, env={"GITHUB_WORKSPACE": str(repo)})
    assert result.returncode == 1
    assert "::error file=pkg/t.csv,line=2," in result.stdout, result.stdout
    outside = _cli(["--format", "github"], cwd=package)  # no workflow: from the current folder
    assert "::error file=t.csv,line=2," in outside.stdout, outside.stdout


def test_github_text_is_never_normalized_and_hidden_characters_are_escaped():
    from minusma_facts.github import escape_data
    from minusma_facts.safety import clean, json_text

    nfd = unicodedata.normalize("NFD", "café")
    assert escape_data(nfd) == nfd != "café"  # NFC would name a file that is not there
    for hidden in ("\u00ad", "\u180e", "\U000e0041", "\U0001d173"):
        assert hidden not in escape_data(f"a{hidden}b") and hidden not in clean(f"a{hidden}b")
    data = {"cell": "x\U000e0041\u202ey"}
    assert json.loads(json_text(data)) == data and "\U000e0041" not in json_text(data)


def test_missing_value_objects_in_a_v1_package_are_still_a_descriptor_error(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "n", "type": "integer"}], [["1", "-99"]],
                   {"missingValues": [{"value": ""}, {"value": "-99", "label": "REFUSED"}]})
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    del descriptor["$schema"]  # v1: the profile check sees the schema as written, objects and all
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate_package(package)
    assert [p.type for p in report.errors] == ["descriptor-error"] and "object form" in report.errors[0].message
    assert not theirs_valid(package)


def test_an_interrupted_run_says_so_in_its_one_json_object(tmp_path, run_validate, monkeypatch):
    import minusma_facts.validation as validation

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(validation, "validate_package", interrupted)
    code, out, err, report = run_validate(tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]]), "--json")
    assert code == 2 and report["cannot_run"] is True and report["message"] == "interrupted", out


def test_a_header_label_holding_a_line_break_is_one_record(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "a\nb", "type": "integer"}], [])
    (package / "t.csv").write_text('"a\nb"\nx\n5\n', encoding="utf-8")
    report = validate_package(package)
    # pyarrow skips lines, not records: the label's second line was read as a row of its own
    assert [(p.type, p.row, p.line) for p in report.errors] == [("type-error", 2, 3)]
    assert frictionless_rows(package, "type-error") == [2]


def test_github_gives_a_column_only_where_the_header_is_the_first_line(tmp_path):
    plain = tiny(tmp_path / "plain", [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}], [["1", "x"]])
    result = _cli([str(plain), "--format", "github"], cwd=tmp_path)
    assert "::error file=plain/t.csv,line=2,col=2," in result.stdout, result.stdout
    # a comment row above the header: its first line names the columns in another order, so no col at all
    commented = tiny(tmp_path / "commented", [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}], [],
                     resource={"dialect": {"commentRows": [1]}})
    (commented / "t.csv").write_text("b,a\na,b\n1,x\n", encoding="utf-8")
    result = _cli([str(commented), "--format", "github"], cwd=tmp_path)
    assert result.returncode == 1 and "::error file=commented/t.csv,line=3,title=" in result.stdout, result.stdout


def test_a_terminal_that_says_it_has_no_columns_still_gets_the_report(tmp_path):
    import pty

    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["x"]])
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "0"}
    env.pop("CI", None)
    process = subprocess.Popen([str(VENV_BIN / "minusma-facts"), "validate", str(package)], stdout=child,
                               stderr=subprocess.DEVNULL, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=120) == 1
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "is not of type integer" in shown and "invalid: 1 error in 1 file" in shown, shown


@pytest.mark.parametrize("dialect,text,row", [
    ({"commentRows": [1], "headerRows": [2]}, "junk\nid,name\n1,a\nx,b\n", 4),  # the header is row 2, as written
    ({"commentRows": [1]}, "junk\nid,name\n1,a\nx,b\n", 4),  # the default [1] is a comment row: the first other row
    ({"commentRows": [2], "headerRows": [1]}, "id,name\njunk\n1,a\nx,b\n", 4),
    ({"commentChar": "#", "headerRows": [2]}, "#c\nno,label\nid,name\n1,a\nx,b\n", 5),  # comment lines never count
], ids=["header after a comment row", "default header beside a comment row", "comment row after the header",
        "comment character"])
def test_header_rows_are_numbered_as_comment_rows_are(tmp_path, dialect, text, row):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}], [],
                   resource={"dialect": dialect})
    (package / "t.csv").write_text(text, encoding="utf-8")
    assert ours(package) == {("type-error", row, "id")}
    if "commentChar" not in dialect:  # frictionless-py 5.21 loses an explicit header behind comment lines (documented)
        assert frictionless_rows(package, "type-error") == [row]


def test_bounds_written_as_strings_and_the_default_group_character_are_read(tmp_path):
    package = tiny(tmp_path / "p", [
        {"name": "n", "type": "integer", "constraints": {"minimum": "2", "exclusiveMaximum": "3"}},
        {"name": "x", "type": "number", "groupChar": "", "decimalChar": ".", "constraints": {"maximum": " 2 "}},
    ], [["1", "0.5"], ["2", "1.5"], ["3", "2.5"]])
    report = validate_package(package)
    assert {(p.type, p.row, p.field) for p in report.errors} == {
        ("constraint-error", 2, "n"), ("constraint-error", 4, "n"), ("constraint-error", 4, "x")}
    assert rows_of(report, "constraint-error") == frictionless_rows(package, "constraint-error")
    from minusma_facts.package import Package

    read = Package.open(package)  # every other reader of the schema (exports, the loader) gets numbers
    assert read.schema("t")["fields"][0]["constraints"] == {"minimum": 2, "exclusiveMaximum": 3}
    assert read.schema_as_written("t")["fields"][0]["constraints"] == {"minimum": "2", "exclusiveMaximum": "3"}


def test_a_bound_that_is_no_number_is_still_a_schema_error(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "n", "type": "integer", "constraints": {"minimum": "two"}}], [["1"]])
    assert {p.type for p in validate_package(package).errors} >= {"schema-error"}


def test_no_text_of_a_package_can_make_a_legacy_runner_command(tmp_path):
    from minusma_facts.github import escape_data, escape_property
    from minusma_facts.safety import json_text, no_runner_commands

    for shown in (no_runner_commands("a ##[error]forged"), escape_data("##[warning]forged"), escape_property("f##[x")):
        assert "##[" not in shown and "[" in shown, shown
    assert json.loads(json_text({"cell": "x##[error]y"})) == {"cell": "x##[error]y"}  # the data are unchanged
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "a##[b", "type": "integer"}], [["1", "x##[error]y"]])
    for args in (["--json"], ["--format", "github"], []):
        result = _cli([str(package), *args], cwd=tmp_path)
        assert result.returncode == 1 and "##[" not in result.stdout + result.stderr, result.stdout
        if args == ["--json"]:  # the finding still names the cell and the field as the CSV has them
            (problem,) = json.loads(result.stdout)["errors"]
            assert problem["cell"] == "x##[error]y" and problem["field"] == "a##[b"
        if args == ["--format", "github"]:
            assert ",line=2,col=2," in result.stdout, result.stdout


def test_a_stdout_of_text_only_still_gets_the_report(tmp_path):
    import contextlib
    import io

    from typer.main import get_command

    from minusma_facts.cli import app

    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]])
    for args, expected in ((["-q"], "valid: 1 table"), (["--json"], '"valid": true'), ([], "valid: 1 table")):
        out = io.StringIO()  # an embedding program's stdout: no bytes under it
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit:
            get_command(app).main(["validate", str(package), *args])
        assert exit.value.code == 0 and expected in out.getvalue(), out.getvalue()


def test_a_bound_written_as_a_whole_number_is_shown_as_one(tmp_path):
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"},
                                    {"name": "x", "type": "number", "constraints": {"minimum": "2", "maximum": "2.5"}}],
                   [["1", "1"], ["2", "3"]])
    messages = sorted(p.message for p in validate_package(package).errors)
    assert messages[0].endswith("1 is below the minimum 2") and messages[1].endswith("3 is above the maximum 2.5"), messages


def test_a_long_report_into_a_pipe_that_closes_is_exit_2(tmp_path):
    # ~300 KB of JSON: the first 64 KiB fill the pipe, the reader goes away, the rest must not vanish silently
    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["x"]] * 3000)
    for args in (["--json"], ["--format", "github"], []):
        process = subprocess.Popen([str(VENV_BIN / "minusma-facts"), "validate", str(package), *args],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process.stdout.read(10)
        process.stdout.close()
        code = process.wait(timeout=120)
        err = process.stderr.read().decode("utf-8")
        process.stderr.close()
        assert code == 2 and "cannot be written" in err and "Traceback" not in err, (args, code, err)


def test_an_unreadable_schema_file_is_named_as_an_unreadable_table_is(tmp_path, run_validate, monkeypatch):
    from minusma_facts.package import Package

    package = tiny(tmp_path / "p", [{"name": "id", "type": "integer"}], [["1"]])
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    (package / "t.schema.json").write_text(json.dumps(descriptor["resources"][0]["schema"]), encoding="utf-8")
    descriptor["resources"][0]["schema"] = "t.schema.json"
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    real = Package.read_bytes

    def denied(self, path, *args, **kwargs):
        if str(path).endswith("t.schema.json"):  # chmod 000 does not stop root, who runs CI here
            raise PermissionError(13, "Permission denied", str(tmp_path / "p" / "t.schema.json"))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(Package, "read_bytes", denied)
    code, out, err, report = run_validate(package, "--json")
    assert code == 1, (out, err)
    (problem,) = [p for p in report["errors"] if p["file"] == "t.schema.json"]
    assert problem["type"] == "schema-error" and "cannot be read (Permission denied)" in problem["message"]
    assert str(tmp_path) not in problem["message"]  # the package's own relative name, not this machine's path

"""`minusma-facts apply PATCH`: patches applied to copies of the package, refused ones leaving it byte-identical."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from damage import edit_json, link_outside, read_rows, resource_of, write_rows
from packages import ROOT, copy_package
from minusma_facts.cli import app
from minusma_facts.patch import CsvTable, PatchRefused
from minusma_facts.validation import validate_package

TEXT = (ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt").read_text(encoding="utf-8")
SOURCE = "aljazeera_2023_05_26_mali_protest"
SCHEMA = json.loads((ROOT / "docs" / "patch-format.schema.json").read_text(encoding="utf-8"))
runner = CliRunner()


# -- helpers ------------------------------------------------------------------------------------------------------
def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (symlinks as their target) -> sha256 of its bytes."""
    out = {}
    for path in sorted(folder.rglob("*")):
        relpath = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[relpath] = "-> " + os.readlink(path)
        elif path.is_file():
            out[relpath] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def table_rows(package: Path, table: str) -> list[dict[str, str]]:
    header, rows = read_rows(package, table)
    return [dict(zip(header, row)) for row in rows]


def row_of(package: Path, table: str, key: str, value: str) -> dict[str, str]:
    return next(r for r in table_rows(package, table) if r[key] == value)


def patch(*changes: dict, **top) -> dict:
    return {"format": "minusma-facts-patch", "version": 1, **top, "changes": list(changes)}


def span(words: str) -> dict[str, str]:
    """evidence, evidence_start and evidence_end of words that occur once in the article (code points)."""
    assert TEXT.count(words) == 1, words
    start = TEXT.index(words)
    return {"source_id": SOURCE, "evidence": words, "evidence_start": str(start), "evidence_end": str(start + len(words))}


def run(tmp_path: Path, body, package: Path, *options: str):
    """Write the patch (a dict, or bytes as they are) and run `minusma-facts apply` on it as a user does."""
    file = tmp_path / "patch.json"
    file.write_bytes(body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8"))
    result = runner.invoke(app, ["apply", str(file), "--package", str(package), *options])
    assert "Traceback" not in result.output
    return result


def new_actor_role() -> dict:
    """An actor role the article supports and the package does not code: Al Jazeera as the protester's interviewer
    is coded; here the protester Abdoulaye Diarra as a participant of the protest, from a passage with a curly quote."""
    return {"table": "event_actors", "op": "insert",
            "key": {"event_actor_id": "bamako_protest_2023_05_25__abdoulaye_diarra__participant_test"},
            "row": {"event_id": "bamako_protest_2023_05_25", "actor_id": "abdoulaye_diarra", "role": "participant",
                    "certainty": "implied", "coding_note": "A test row: a protester quoted in a protest report.",
                    **span("It’s been no use; failed to deliver. Give us a few weeks and we will drive them out of the country,” protester Abdoulaye Diarra")}}


def signs_update(package: Path, note: str = "Part of the Bamako protest (checked).") -> dict:
    original = row_of(package, "events", "event_id", "bamako_protest_signs")
    return {"table": "events", "op": "update", "key": {"event_id": "bamako_protest_signs"},
            "row": {"coding_note": note}, "original": original}


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return copy_package(tmp_path / "package")


# -- a good patch -------------------------------------------------------------------------------------------------
def test_a_good_patch_is_applied_and_the_package_validates_with_exact_offsets(tmp_path, package):
    before = {t: (package / "data" / f"{t}.csv").read_bytes() for t in ("events", "event_actors")}
    files = set(tree(package))
    result = run(tmp_path, patch(new_actor_role(), signs_update(package)), package)
    assert result.exit_code == 0, result.output
    assert set(tree(package)) == files  # no temporary or backup file left beside the tables
    assert "applied 2 changes to data/event_actors.csv, data/events.csv" in result.output
    report = validate_package(package)
    assert report.valid, [p.message for p in report.errors]
    added = table_rows(package, "event_actors")[-1]  # new rows go at the end
    assert added["event_actor_id"] == "bamako_protest_2023_05_25__abdoulaye_diarra__participant_test"
    start, end = int(added["evidence_start"]), int(added["evidence_end"])
    assert TEXT[start:end] == added["evidence"] and "’" in added["evidence"]
    # untouched rows keep their bytes: event_actors gains one line at its end, events has one line changed
    after = (package / "data" / "event_actors.csv").read_bytes()
    assert after.startswith(before["event_actors"]) and after.count(b"\n") == before["event_actors"].count(b"\n") + 1
    old_lines, new_lines = before["events"].split(b"\n"), (package / "data" / "events.csv").read_bytes().split(b"\n")
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    assert len(old_lines) == len(new_lines) and len(changed) == 1
    assert b"bamako_protest_signs" in new_lines[changed[0]] and b"(checked)" in new_lines[changed[0]]
    assert row_of(package, "events", "event_id", "bamako_protest_signs")["coding_note"] == "Part of the Bamako protest (checked)."


def test_dry_run_shows_each_change_and_writes_nothing(tmp_path, package):
    before = tree(package)
    result = run(tmp_path, patch(new_actor_role(), signs_update(package)), package, "--dry-run")
    assert result.exit_code == 0, result.output
    assert tree(package) == before
    lines = result.output.splitlines()
    assert "data/event_actors.csv: 1 added" in lines
    assert "  + event_actors 'bamako_protest_2023_05_25__abdoulaye_diarra__participant_test'" in lines
    assert "      role: 'participant'" in lines
    assert "data/events.csv: 1 changed" in lines
    note = row_of(package, "events", "event_id", "bamako_protest_signs")["coding_note"]
    assert f"      coding_note: '{note}' -> 'Part of the Bamako protest (checked).'" in lines
    now = validate_package(package)
    # the verdict validate gives the patched copy: one row more
    assert "with the patch: " + now.verdict.replace(f"{now.rows} rows", f"{now.rows + 1} rows") in lines
    assert lines[-1] == "dry run: 2 changes would be written to data/event_actors.csv, data/events.csv; nothing was written"
    # and as `minusma-facts diff` shows it: the package against its patched copy, table by table
    assert "event_actors: 1 added, 0 removed, 0 changed" in result.output
    assert "events: 0 added, 0 removed, 1 changed" in result.output


def test_a_real_apply_does_not_print_the_diff_view(tmp_path, package):
    result = run(tmp_path, patch(new_actor_role(), signs_update(package)), package)
    assert result.exit_code == 0, result.output
    assert "0 removed" not in result.output


def test_the_example_in_the_docs_applies_and_matches_the_schema(tmp_path, package):
    jsonschema = pytest.importorskip("jsonschema")
    text = (ROOT / "docs" / "patch-format.md").read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    jsonschema.validate(example, SCHEMA)
    result = run(tmp_path, example, package)
    assert result.exit_code == 0, result.output
    assert validate_package(package).valid


def test_changes_apply_in_order(tmp_path, package):
    """An update of a row the same patch inserts, then its delete and a second insert under the same key."""
    insert = new_actor_role()
    inserted = {name: insert["row"].get(name, insert["key"].get(name, "")) for name in read_rows(package, "event_actors")[0]}
    update = {"table": "event_actors", "op": "update", "key": insert["key"], "row": {"coding_note": "second thoughts"},
              "original": inserted}
    delete = {"table": "event_actors", "op": "delete", "key": insert["key"], "original": {**inserted, "coding_note": "second thoughts"}}
    again = copy.deepcopy(insert)
    again["row"]["role"] = "subject"
    result = run(tmp_path, patch(insert, update, delete, again), package)
    assert result.exit_code == 0, result.output
    rows = [r for r in table_rows(package, "event_actors") if r["event_actor_id"] == insert["key"]["event_actor_id"]]
    assert [(r["role"], r["coding_note"]) for r in rows] == [("subject", again["row"]["coding_note"])]


def test_an_update_may_rename_a_key_and_a_delete_removes_only_its_record(tmp_path, package):
    figures = table_rows(package, "figures")
    free = next(f for f in figures if not any(f["figure_id"] in v for t in ("events", "casualties", "quotes") for r in table_rows(package, t) for v in r.values()))
    before = (package / "data" / "figures.csv").read_bytes()
    result = run(tmp_path, patch({"table": "figures", "op": "delete", "key": {"figure_id": free["figure_id"]}, "original": free}), package)
    assert result.exit_code == 0, result.output
    header, rows = read_rows(package, "figures")
    assert [r[0] for r in rows] == [f["figure_id"] for f in figures if f is not free]
    kept = [line for line in before.split(b"\n") if not line.startswith(free["figure_id"].encode() + b",")]
    assert (package / "data" / "figures.csv").read_bytes() == b"\n".join(kept)


def test_the_patch_follows_the_schemas_not_a_list_in_the_code(tmp_path, package):
    """A field added to a schema (as a data change may add one) can be set by a patch at once."""
    def add_field(schema):
        schema["fields"].insert(-4, {"name": "certainty", "type": "string", "title": "Certainty",
                                     "description": "How sure the coder is.", "constraints": {"enum": ["high", "low"]}})
    edit_json(package, "schemas/events.schema.json", add_field)
    header, rows = read_rows(package, "events")
    at = len(header) - 4
    write_rows(package, "events", header[:at] + ["certainty"] + header[at:], [r[:at] + [""] + r[at:] for r in rows])
    assert validate_package(package).valid
    change = signs_update(package)
    change["row"] = {"certainty": "high"}
    result = run(tmp_path, patch(change), package)
    assert result.exit_code == 0, result.output
    assert row_of(package, "events", "event_id", "bamako_protest_signs")["certainty"] == "high"
    bad = signs_update(package)
    bad["row"] = {"certainty": "very"}
    result = run(tmp_path, patch(bad), package)
    assert result.exit_code == 1
    assert 'events.csv row 3 (line 3), field certainty: "very" is not one of the allowed values' in result.output


# -- refused patches: nothing written ---------------------------------------------------------------------------
def _stale(p: Path):
    change = signs_update(p)
    change["original"]["event_name"] = "Protesters hold signs"
    return patch(change)


def _stale_delete(p: Path):
    figure = table_rows(p, "figures")[0]
    return patch({"table": "figures", "op": "delete", "key": {"figure_id": figure["figure_id"]},
                  "original": {**figure, "value_text": figure["value_text"] + "!"}})


def _original_lacks_a_field(p: Path):
    change = signs_update(p)
    del change["original"]["coding_note"]
    return patch(change)


def _unknown_table(p: Path):
    return patch({"table": "eventz", "op": "insert", "key": {"event_id": "x"}, "row": {"event_name": "X"}})


def update_with(**parts):
    """A patch of one update of bamako_protest_signs with some of its parts replaced."""
    return lambda p: patch({**signs_update(p), **parts})


def insert_with(**cells):
    """A patch of one insert (the new actor role) with some of its cells replaced or added."""
    change = new_actor_role()
    return lambda p: patch({**change, "row": {**change["row"], **cells}})


def _delete_no_such_row(p: Path):
    return patch({"table": "events", "op": "delete", "key": {"event_id": "no_such_event"}, "original": {"event_id": "no_such_event"}})


def _key_exists(p: Path):
    return patch({**new_actor_role(), "key": {"event_actor_id": table_rows(p, "event_actors")[0]["event_actor_id"]}})


def _delete_a_row_others_point_at(p: Path):
    event = row_of(p, "events", "event_id", "bamako_protest_2023_05_25")
    return patch({"table": "events", "op": "delete", "key": {"event_id": event["event_id"]}, "original": event})


def _good_then_unknown(p: Path):
    return patch(new_actor_role(), {"table": "events", "op": "upsert", "key": {"event_id": "x"}})


REFUSED = [
    pytest.param(lambda p: b"\xff\xfe{}", "patch: not UTF-8 text", id="not UTF-8"),
    pytest.param(lambda p: b'{"format": "minusma-facts-patch",', "patch: not JSON", id="not JSON"),
    pytest.param(lambda p: {"format": "other", "version": 1, "changes": []}, "not a minusma-facts patch", id="unknown format"),
    pytest.param(lambda p: [1, 2], "not a minusma-facts patch", id="not an object"),
    pytest.param(lambda p: {**patch(new_actor_role()), "version": 2}, "format version 2 is not one this minusma-facts reads", id="unknown version"),
    pytest.param(lambda p: patch(), '"changes" must be a non-empty list', id="no changes"),
    pytest.param(lambda p: {**patch(new_actor_role()), "extra": 1}, "patch: unknown key 'extra'", id="unknown top-level key"),
    pytest.param(lambda p: patch({**new_actor_role(), "op": "upsert"}), '"op" must be one of insert, update, delete', id="unknown op"),
    pytest.param(lambda p: patch({**new_actor_role(), "row": {"evidence_start": 164}}), "the cell must be a string", id="number cell"),
    pytest.param(lambda p: patch({k: v for k, v in signs_update(p).items() if k != "original"}), 'an update needs "original"', id="update without original"),
    pytest.param(lambda p: patch({**new_actor_role(), "original": {}}), 'an insert has no "original"', id="insert with original"),
    pytest.param(_stale, "row 3 has changed since the patch was made: field event_name is 'Protesters hold signs calling "
                 "for MINUSMA to leave' in the file, 'Protesters hold signs' in the patch's original", id="stale update"),
    pytest.param(_stale_delete, "has changed since the patch was made: field value_text", id="stale delete"),
    pytest.param(_original_lacks_a_field, "the patch's original has no value for coding_note", id="original lacks a field"),
    pytest.param(_unknown_table, "the package has no table 'eventz'", id="unknown table"),
    pytest.param(update_with(row={"colour": "red"}), "table events has no field 'colour' in its schema", id="unknown field"),
    pytest.param(insert_with(confidence="high"), "table event_actors has no field 'confidence' in its schema", id="unknown field in insert"),
    pytest.param(update_with(key={"event_id": "no_such_event"}), "data/events.csv has no row with this key", id="update: no such key"),
    pytest.param(_delete_no_such_row, "data/events.csv has no row with this key", id="delete: no such key"),
    pytest.param(_key_exists, "row 2 already has this key", id="insert: key exists"),
    pytest.param(update_with(row={"event_id": "bamako_protest_meeting"}), "the new key bamako_protest_meeting is already taken by data/events.csv row 4", id="update: key taken"),
    pytest.param(update_with(key={"event_name": "x"}), '"key" must name exactly the primary key of events (event_id)', id="key is not the primary key"),
    pytest.param(update_with(row={"date_start": "2023-13-01"}), 'events.csv row 3 (line 3), field date_start: "2023-13-01" is not of type date', id="result invalid: bad date"),
    pytest.param(insert_with(evidence_start=str(int(new_actor_role()["row"]["evidence_start"]) + 1)), "evidence-mismatch", id="result invalid: offsets"),
    pytest.param(_delete_a_row_others_point_at, 'is not a events.event_id (no such row in events)', id="result invalid: foreign key"),
    pytest.param(_good_then_unknown, '"op" must be one of', id="a good change and a bad one"),
]


@pytest.mark.parametrize("make, message", REFUSED)
@pytest.mark.parametrize("dry_run", [False, True], ids=["apply", "dry run"])
def test_a_refused_patch_leaves_the_package_byte_identical(tmp_path, package, make, message, dry_run):
    before = tree(package)
    result = run(tmp_path, make(package), package, *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "nothing was written" in result.output.splitlines()[-1]
    assert tree(package) == before


def test_every_problem_is_listed_in_patch_order(tmp_path, package):
    result = run(tmp_path, patch(_unknown_table(package)["changes"][0], {**new_actor_role(), "op": "upsert"},
                                 _stale(package)["changes"][0]), package)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines[:-1]] == [["change", "1"], ["change", "2:"], ["change", "3"]]
    assert lines[-1] == "refused: 3 problems with the patch; nothing was written"


STRUCTURE = [p for p in REFUSED if p.id in {"unknown format", "not an object", "unknown version", "no changes",
                                            "unknown top-level key", "unknown op", "number cell",
                                            "update without original", "insert with original"}]


@pytest.mark.parametrize("make, message", STRUCTURE)
def test_the_json_schema_refuses_what_apply_refuses_for_its_shape(package, make, message):
    jsonschema = pytest.importorskip("jsonschema")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(make(package), SCHEMA)


def test_the_json_schema_accepts_the_patches_apply_accepts(package):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(patch(new_actor_role(), signs_update(package), _stale_delete(package)["changes"][0]), SCHEMA)


# -- cannot run ---------------------------------------------------------------------------------------------------
def test_cannot_run_exits_2(tmp_path, package):
    missing = runner.invoke(app, ["apply", str(tmp_path / "nope.json"), "--package", str(package)])
    assert missing.exit_code == 2 and "cannot run: " in missing.output and "nope.json" in missing.output
    no_package = run(tmp_path, patch(new_actor_role()), tmp_path / "no-package")
    assert no_package.exit_code == 2 and "no such file or folder" in no_package.output
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(package / "datapackage.json", "datapackage.json")
    zipped = run(tmp_path, patch(new_actor_role()), archive)
    assert zipped.exit_code == 2 and "a release archive cannot be changed" in zipped.output


def test_a_symlinked_table_is_not_written_through(tmp_path, package):
    outside = link_outside(package, "data/event_actors.csv", tmp_path / "outside.csv")
    before, outside_before = tree(package), outside.read_bytes()
    result = run(tmp_path, patch(new_actor_role()), package)
    assert result.exit_code == 2 and "data/event_actors.csv: refused, a symbolic link leads outside the package" in result.output
    assert tree(package) == before and outside.read_bytes() == outside_before


def test_a_failed_rename_puts_back_every_file(tmp_path, package, monkeypatch):
    before = tree(package)
    real_replace, calls = os.replace, []

    def failing_replace(source, target):
        calls.append(str(target))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    result = run(tmp_path, patch(new_actor_role(), signs_update(package)), package)
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert len(calls) == 3  # two files renamed into place (the second fails), the first put back
    assert tree(package) == before  # no leftover temporary or backup file either


# -- the CSV records ----------------------------------------------------------------------------------------------
ODD = [
    pytest.param(b'id,name,n\r\na,"x",1\r\nb,"y, z",2\r\n', id="CRLF, over-quoted cells"),
    pytest.param(b'id,name,n\na,x,1\nb,"two\nlines",2', id="no final line ending, newline in a cell"),
    pytest.param(b'\xef\xbb\xbfid,name,n\na,"say ""hi""",1\n', id="BOM, doubled quotes"),
    pytest.param(b'id,name,n\ra,x,1\rb,y,2\r', id="CR line endings"),
]


@pytest.mark.parametrize("raw", ODD)
def test_records_round_trip_and_untouched_ones_keep_their_bytes(raw):
    table = CsvTable("t", "t.csv", raw)
    assert table.bytes(table.rows) == raw
    stored = table.csv.records
    record_bytes = [raw[r.cells[0][0]:r.end] for r in stored]
    endings = [raw[r.cells[-1][1]:r.end] for r in stored]
    rows = list(table.rows)
    first = rows[1]
    rows[1] = table.changed_row(first, [first.values[0], first.values[1], "9"])
    rows.append(table.new_row(["c", "with, comma", ""]))
    out = table.bytes(rows)
    ending = endings[0] or b"\n"
    expected_first = record_bytes[1].rsplit(first.values[2].encode(), 1)[0] + b"9" + endings[1]
    rest = b"".join(record_bytes[2:])
    if rest and not rest.endswith(ending):
        rest += ending
    header = raw[: stored[0].end]
    assert out == header + expected_first + rest + b'c,"with, comma",' + ending


def test_a_file_python_reads_otherwise_is_not_edited():
    with pytest.raises(PatchRefused, match="cannot be edited row by row"):
        CsvTable("t", "t.csv", b'id,name\na,"x"y\n')
    with pytest.raises(PatchRefused, match="cannot be edited row by row"):
        CsvTable("t", "t.csv", b"id,name\na,x\n\nb,y\n")


def test_a_new_cell_is_quoted_only_when_it_must_be():
    table = CsvTable("t", "t.csv", b"id,a,b,c,d\n")
    record = table.new_row(["x", 'q"', "cr\ronly", "", "plain ’ text"])
    assert table.bytes([table.rows[0], record]) == 'id,a,b,c,d\nx,"q""","cr\ronly",,plain ’ text\n'.encode()
    assert list(csv.reader(io.StringIO(table.bytes([table.rows[0], record]).decode(), newline="")))[1][2] == "cr\ronly"

"""Property tests of `validate`: damage copies of the real package at random and check the contract.

Whatever the damage (flipped bytes, a file cut short, rows deleted or duplicated, cells swapped, columns
shuffled), validate ends with exit code 0, 1 or 2, produces a report (or, for 2, a one-line reason), never
shows a traceback and never changes a byte of the package. Damage that certainly breaks validity (a
duplicated row, a deleted row that others reference, reordered columns) must give exit 1 with the error
type that names it.

Hypothesis and function-scoped fixtures do not mix, so every example copies the package into its own
temporary folder. The example database is off so that running the tests writes nothing into the repo.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minusma_facts.validation import CannotRun, validate_package

REPO = Path(__file__).resolve().parent.parent
PARTS = ("datapackage.json", "data", "schemas", "sources")
CLI = str(Path(sys.executable).parent / "minusma-facts")
ERROR_KEYS = {"type", "resource", "file", "row", "line", "field", "message"}

# Examples are derived from the test's name (derandomize), so every run and every machine tries the same
# damage and a failure is reproducible. MINUSMA_EXPLORE=N draws fresh random examples, N times as many.
EXPLORE = int(os.environ.get("MINUSMA_EXPLORE", "0") or 0)
SETTINGS = dict(deadline=None, database=None, derandomize=not EXPLORE, suppress_health_check=[HealthCheck.too_slow])


def examples(n: int) -> int:
    return n * max(EXPLORE, 1)


# -- the real package, read once -----------------------------------------------------------------------
def _package_files(root: Path) -> list[str]:
    files = []
    for part in PARTS:
        path = root / part
        if path.is_file():
            files.append(part)
        elif path.is_dir():
            files += [str(p.relative_to(root)) for p in sorted(path.rglob("*")) if p.is_file()]
    return files


FILES = _package_files(REPO)
SIZES = {name: (REPO / name).stat().st_size for name in FILES}
CSVS = [name for name in FILES if name.startswith("data/") and name.endswith(".csv")]
LINES = {name: (REPO / name).read_text(encoding="utf-8").splitlines(keepends=True) for name in CSVS}
DESCRIPTOR = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
RESOURCE_OF = {r["path"]: r["name"] for r in DESCRIPTOR["resources"]}
SCHEMAS = {r["name"]: json.loads((REPO / r["schema"]).read_text(encoding="utf-8")) for r in DESCRIPTOR["resources"]}


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(LINES[name]))))


def _referenced() -> dict[str, set[str]]:
    """Resource -> primary-key values some foreign key of the real package points at (single-field keys)."""
    referenced: dict[str, set[str]] = {}
    rows_of = {RESOURCE_OF[name]: _rows(name) for name in CSVS}
    for name, schema in SCHEMAS.items():
        for key in schema.get("foreignKeys", []):
            fields = key["fields"] if isinstance(key["fields"], list) else [key["fields"]]
            target = key["reference"].get("resource") or name
            for row in rows_of[name]:
                value = row[fields[0]]
                if len(fields) == 1 and value != "":
                    referenced.setdefault(target, set()).add(value)
    return referenced


REFERENCED = _referenced()


def _primary_key(resource: str) -> str:
    key = SCHEMAS[resource]["primaryKey"]
    return key[0] if isinstance(key, list) else key


# -- running validate and checking the contract --------------------------------------------------------
try:  # the shared helper behind the `package_copy` fixture, when it is there
    from conftest import copy_package
except ImportError:  # pragma: no cover - conftest not importable
    def copy_package(target: Path) -> Path:
        target.mkdir(parents=True)
        for part in PARTS:
            source = REPO / part
            if source.is_dir():
                shutil.copytree(source, target / part)
            elif source.is_file():
                shutil.copyfile(source, target / part)
        return target


def digest(root: Path) -> dict[str, str]:
    """Every file under root and its sha256: validate must leave this unchanged, and add nothing."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_api(root: Path, **options) -> tuple[int, dict | None]:
    """Exit code the CLI would give and the report as a dict (None when validate cannot run)."""
    before = digest(root)
    unraisable = []  # exceptions swallowed inside callbacks still print a traceback on stderr
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        report = validate_package(root, **options)
    except CannotRun as error:
        assert str(error), "cannot run without saying why"
        code, result = 2, None
    else:
        result = json.loads(json.dumps(report.to_dict()))  # the report is JSON as it stands
        assert result["valid"] is (result["counts"]["errors"] == 0)
        assert isinstance(result["partial"], bool)
        for error in result["errors"]:
            assert ERROR_KEYS <= error.keys(), error
            assert error["message"]
        code = 0 if result["valid"] else 1
    finally:
        sys.unraisablehook = hook
    assert not unraisable, f"an ignored exception would print a traceback: {unraisable[0].exc_value!r}"
    assert digest(root) == before, "validate changed the package"
    return code, result


def run_cli(root: Path, *options: str) -> tuple[int, str, str]:
    """The CLI in-process (typer's CliRunner): exit code, stdout, everything printed."""
    from typer.testing import CliRunner

    from minusma_facts.cli import app

    before = digest(root)
    result = CliRunner().invoke(app, ["validate", str(root), *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output
    assert digest(root) == before, "validate changed the package"
    return result.exit_code, result.stdout, result.output


def error_types(result: dict | None) -> set[str]:
    return set((result or {}).get("counts", {}).get("by_type", {})) | {e["type"] for e in (result or {}).get("errors", [])}


# -- damage ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlipBytes:
    file: str
    flips: tuple[tuple[int, int], ...]  # (offset, xor mask 1..255)

    def apply(self, root: Path) -> None:
        data = bytearray((root / self.file).read_bytes())
        for offset, mask in self.flips:
            data[offset % len(data)] ^= mask
        (root / self.file).write_bytes(bytes(data))


@dataclass(frozen=True)
class Cut:
    file: str
    at: int

    def apply(self, root: Path) -> None:
        with (root / self.file).open("r+b") as handle:
            handle.truncate(self.at)


@dataclass(frozen=True)
class RowEdit:
    file: str
    line: int  # 1 = first data row
    action: str  # "delete" or "duplicate"

    def apply(self, root: Path) -> None:
        lines = list(LINES[self.file])
        if self.action == "delete":
            del lines[self.line]
        else:
            lines.insert(self.line + 1, lines[self.line])
        (root / self.file).write_text("".join(lines), encoding="utf-8", newline="")

    @property
    def row(self) -> dict[str, str]:
        return _rows(self.file)[self.line - 1]

    @property
    def resource(self) -> str:
        return RESOURCE_OF[self.file]


@dataclass(frozen=True)
class SwapCells:
    file: str
    a: tuple[int, int]  # (data row index, column index)
    b: tuple[int, int]

    def apply(self, root: Path) -> None:
        rows = list(csv.reader(io.StringIO("".join(LINES[self.file]))))
        (ra, ca), (rb, cb) = self.a, self.b
        rows[ra + 1][ca], rows[rb + 1][cb] = rows[rb + 1][cb], rows[ra + 1][ca]
        _write_rows(root / self.file, rows)


@dataclass(frozen=True)
class ShuffleColumns:
    file: str
    order: tuple[int, ...]

    def apply(self, root: Path) -> None:
        rows = list(csv.reader(io.StringIO("".join(LINES[self.file]))))
        _write_rows(root / self.file, [[row[i] for i in self.order] for row in rows])


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _width(name: str) -> int:
    return len(next(csv.reader([LINES[name][0]])))


files = st.sampled_from(FILES)
csvs = st.sampled_from(CSVS)
with_rows = st.sampled_from([name for name in CSVS if len(LINES[name]) > 1])  # rows to delete or swap (not event_reports')
flip_bytes = files.flatmap(lambda f: st.builds(
    FlipBytes, st.just(f),
    st.lists(st.tuples(st.integers(0, SIZES[f] - 1), st.integers(1, 255)), min_size=1, max_size=8).map(tuple)))
cuts = files.flatmap(lambda f: st.builds(Cut, st.just(f), st.integers(0, max(SIZES[f] - 1, 0))))
row_edits = with_rows.flatmap(lambda f: st.builds(RowEdit, st.just(f), st.integers(1, len(LINES[f]) - 1),
                                             st.sampled_from(["delete", "duplicate"])))
cells = lambda f: st.tuples(st.integers(0, len(LINES[f]) - 2), st.integers(0, _width(f) - 1))  # noqa: E731
swaps = with_rows.flatmap(lambda f: st.builds(SwapCells, st.just(f), cells(f), cells(f)))
shuffles = csvs.flatmap(lambda f: st.builds(ShuffleColumns, st.just(f), st.permutations(range(_width(f))).map(tuple)))
any_damage = st.one_of(flip_bytes, cuts, row_edits, swaps, shuffles)


def damaged(damage) -> tuple[tempfile.TemporaryDirectory, Path]:
    holder = tempfile.TemporaryDirectory(prefix="minusma-damage-")
    root = copy_package(Path(holder.name) / "package")
    damage.apply(root)
    return holder, root


# -- properties -----------------------------------------------------------------------------------------
@settings(max_examples=examples(35), **SETTINGS)
@given(flip_bytes)
def test_flipped_bytes_keep_the_contract(damage):
    holder, root = damaged(damage)
    with holder:
        code, result = run_api(root)
        assert code in (0, 1, 2)


@settings(max_examples=examples(30), **SETTINGS)
@given(cuts)
def test_files_cut_short_keep_the_contract(damage):
    holder, root = damaged(damage)
    with holder:
        code, result = run_api(root)
        assert code in (0, 1, 2)
        if damage.file in CSVS and damage.at < len(LINES[damage.file][0]):
            assert code == 1, "a CSV cut inside its header cannot be valid"


@settings(max_examples=examples(35), **SETTINGS)
@given(row_edits)
def test_deleted_and_duplicated_rows_keep_the_contract(damage):
    holder, root = damaged(damage)
    with holder:
        code, result = run_api(root)
        assert code in (0, 1)
        key = damage.row[_primary_key(damage.resource)]
        if damage.action == "duplicate":
            assert code == 1 and "primary-key" in error_types(result), "a duplicated row repeats its primary key"
        elif key in REFERENCED.get(damage.resource, set()) and len(LINES[damage.file]) > 2:
            assert code == 1 and "foreign-key" in error_types(result), f"{key} is referenced, so deleting it breaks a foreign key"


@settings(max_examples=examples(25), **SETTINGS)
@given(swaps)
def test_swapped_cells_keep_the_contract(damage):
    holder, root = damaged(damage)
    with holder:
        code, result = run_api(root)
        assert code in (0, 1)


@settings(max_examples=examples(25), **SETTINGS)
@given(shuffles)
def test_shuffled_columns_keep_the_contract(damage):
    holder, root = damaged(damage)
    with holder:
        code, result = run_api(root)
        assert code in (0, 1)
        if list(damage.order) != sorted(damage.order):
            assert code == 1, "a header in another order than the schema's fields is an error"
            assert any(t.endswith("-label") for t in error_types(result)), error_types(result)


@settings(max_examples=examples(20), **SETTINGS)
@given(any_damage, st.sampled_from([(), ("--json",), ("--quiet",), ("--json", "--limit", "3")]))
def test_the_cli_keeps_the_contract_and_agrees_with_the_api(damage, options):
    holder, root = damaged(damage)
    with holder:
        api_code, result = run_api(root, **({"limit": 3} if "--limit" in options else {}))
        code, stdout, output = run_cli(root, *options)
        assert code == api_code
        if code == 2:
            assert "cannot run" in output
        elif "--json" in options:
            printed = json.loads(stdout)
            assert printed["valid"] is (code == 0)
            assert printed["counts"]["errors"] == result["counts"]["errors"]
            assert [e["type"] for e in printed["errors"]] == [e["type"] for e in result["errors"]]
            if "--limit" in options:
                assert len(printed["errors"]) <= 3
                assert printed["partial"] is (printed["counts"]["errors"] > len(printed["errors"]))
        elif "--quiet" in options:
            assert len(stdout.strip().splitlines()) == 1
            assert stdout.startswith("valid" if code == 0 else "invalid")


# -- damage that certainly breaks validity, through the real command ------------------------------------
def _first(file: str, predicate) -> int:
    for index, row in enumerate(_rows(file), start=1):
        if predicate(row):
            return index
    raise AssertionError(f"no row of {file} fits")


def _certain_cases():
    actors = "data/actors.csv"
    referenced_actor = _first(actors, lambda row: row["actor_id"] in REFERENCED.get("actors", set()))
    events = "data/events.csv"
    width = _width(events)
    return [
        pytest.param(RowEdit("data/events.csv", 2, "duplicate"), "primary-key", id="duplicated row -> primary-key"),
        pytest.param(RowEdit(actors, referenced_actor, "delete"), "foreign-key", id="deleted referenced row -> foreign-key"),
        pytest.param(ShuffleColumns(events, (1, 0, *range(2, width))), "incorrect-label", id="swapped columns -> incorrect-label"),
    ]


@pytest.mark.parametrize("damage, expected", _certain_cases())
def test_certain_damage_gives_exit_1_with_its_error_type(damage, expected):
    holder, root = damaged(damage)
    with holder:
        before = digest(root)
        api_code, result = run_api(root)
        assert api_code == 1 and expected in error_types(result)
        done = subprocess.run([CLI, "validate", str(root), "--json"], capture_output=True, text=True, timeout=600)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        printed = json.loads(done.stdout)
        assert printed["valid"] is False
        assert expected in {e["type"] for e in printed["errors"]}
        assert printed["counts"]["errors"] == result["counts"]["errors"]
        assert digest(root) == before


def test_emptying_a_referenced_table_breaks_its_foreign_keys():
    only = next(name for name in CSVS if len(LINES[name]) == 2 and _rows(name)[0][_primary_key(RESOURCE_OF[name])]
                in REFERENCED.get(RESOURCE_OF[name], set()))
    holder, root = damaged(RowEdit(only, 1, "delete"))
    with holder:
        code, result = run_api(root)
        assert code == 1 and "foreign-key" in error_types(result), error_types(result)


def test_a_text_path_too_long_for_the_file_system_is_a_finding():
    header = next(csv.reader([LINES["data/sources.csv"][0]]))
    order = list(range(len(header)))
    a, b = header.index("text_path"), header.index("rights_note")
    order[a], order[b] = b, a
    holder, root = damaged(ShuffleColumns("data/sources.csv", tuple(order)))
    with holder:
        code, result = run_api(root)
        assert code == 1


def test_a_short_row_with_bytes_that_are_not_utf8_prints_no_traceback():
    holder, root = damaged(FlipBytes("data/quotes.csv", ()))
    with holder:
        path = root / "data" / "quotes.csv"
        lines = path.read_bytes().split(b"\n")
        lines[3] += b",\xfa\xfa"  # one cell too many, and not UTF-8
        path.write_bytes(b"\n".join(lines))
        done = subprocess.run([CLI, "validate", str(root)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 1
        assert "Traceback" not in done.stdout + done.stderr, done.stderr[:500]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(Cut("datapackage.json", 17), id="descriptor cut short"),
        pytest.param(FlipBytes("data/quotes.csv", ((5, 0xFF), (300, 0x80), (900, 0x41))), id="bytes flipped in a table"),
        pytest.param(Cut("sources/" + Path(next(f for f in FILES if f.startswith("sources/"))).name, 0), id="stored text emptied"),
    ],
)
def test_the_real_command_never_shows_a_traceback(damage):
    holder, root = damaged(damage)
    with holder:
        before = digest(root)
        done = subprocess.run([CLI, "validate", str(root)], capture_output=True, text=True, timeout=600,
                              env={**os.environ, "COLUMNS": "200"})
        assert done.returncode in (1, 2)
        assert "Traceback" not in done.stdout + done.stderr
        assert (done.stdout + done.stderr).strip()
        assert digest(root) == before


# -- hostile packages (issue 13): symlinks, archive entries, control characters ------------------------
SECRET = "SECRET_7f3a9c"
FREE_TEXT = [(f"data/{r}.csv", n) for r, s in SCHEMAS.items() for n in ("coding_note",)
             if any(f["name"] == n for f in s["fields"])]


@settings(max_examples=examples(12), **SETTINGS)
@given(files, st.sampled_from(["outside", "inside"]))
def test_a_symlink_is_followed_only_inside_the_package(name, where):
    """Any package file replaced by a link: to a file outside (holding a secret) it is refused, never read;
    to a copy of itself inside the package it reads as before (valid)."""
    with tempfile.TemporaryDirectory(prefix="minusma-link-") as holder:
        root = copy_package(Path(holder) / "package")
        link = root / name
        if where == "outside":
            target = Path(holder) / "outside" / Path(name).name
            target.parent.mkdir()
            target.write_text(f"{SECRET}\n" + (REPO / name).read_text(encoding="utf-8"), encoding="utf-8")
        else:
            target = root / "kept" / name
            target.parent.mkdir(parents=True)
            shutil.copyfile(REPO / name, target)
        link.unlink()
        link.symlink_to(target)
        code, result = run_api(root)
        _, _, output = run_cli(root, "--json")
        assert SECRET not in output
        if where == "inside":
            assert code == 0, result["errors"][:3]
        elif name == "datapackage.json":
            assert code == 2
        else:
            assert code == 1
            assert any(name in e["message"] or e["file"] == name or "refused" in e["message"] for e in result["errors"]), result["errors"][:3]


hostile_entries = st.sampled_from(["../escape.txt", "/etc/evil", "pkg/data/events.csv", "datapackage.json",
                                   "pkg/sub/datapackage.json", "other/readme.txt", "pkg\\..\\evil"])
plain_entries = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12).map(lambda s: f"pkg/extra/{s}.txt")


@settings(max_examples=examples(14), **SETTINGS)
@given(st.one_of(hostile_entries, plain_entries))
def test_every_archive_entry_is_accounted_for(entry):
    """A release-like zip with one more entry: a hostile name (outside, '..', absolute, a second descriptor, a
    duplicate) is an archive-entry finding; a plain file inside the package folder changes nothing."""
    import warnings

    with tempfile.TemporaryDirectory(prefix="minusma-zip-") as holder:
        root = copy_package(Path(holder) / "package")
        archive = Path(holder) / "release.zip"
        with zipfile_module().ZipFile(archive, "w") as out, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a duplicate name is the point
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    out.write(path, "pkg/" + path.relative_to(root).as_posix())
            out.writestr(entry, b"x,y\n1,2\n")
        code, result = run_api(archive)
        found = [e for e in result["errors"] if e["type"] == "archive-entry"]
        if entry.startswith("pkg/extra/"):
            assert not found and code == 0, result["errors"][:3]
        else:
            assert found and code == 1, result["errors"][:3]


def zipfile_module():
    import zipfile

    return zipfile


CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9b\u202a\u202e\u2066\u2069\u2028\u2029"


@settings(max_examples=examples(14), **SETTINGS)
@given(st.sampled_from(FREE_TEXT), st.data())
def test_control_characters_in_a_text_cell_are_found_and_never_printed(place, data):
    file, field = place
    header = next(csv.reader([LINES[file][0]]))
    rows = _rows(file)
    index = data.draw(st.integers(0, len(rows) - 1), label="row")
    control = data.draw(st.text(st.sampled_from(CONTROLS), min_size=1, max_size=3), label="control")
    value = rows[index][field]
    at = data.draw(st.integers(0, len(value)), label="at")
    rows[index][field] = value[:at] + control + value[at:]
    with tempfile.TemporaryDirectory(prefix="minusma-control-") as holder:
        root = copy_package(Path(holder) / "package")
        _write_rows(root / file, [header] + [[row[h] for h in header] for row in rows])
        code, result = run_api(root)
        assert code == 1
        found = [e for e in result["errors"] if e["type"] == "control-character"]
        assert [(e["row"], e["field"]) for e in found] == [(index + 2, field)], result["errors"][:3]
        _, stdout, output = run_cli(root)
        assert not any(c in output for c in control), repr(output[-500:])

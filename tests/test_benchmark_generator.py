"""benchmarks/generate.py: a scaled package has N rows per table, unique keys, intact references and spans,
and both frictionless and `minusma-facts validate` find it valid."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "benchmarks" / "generate.py"
KEPT = "sources"


def _load_generate():
    spec = importlib.util.spec_from_file_location("benchmark_generate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load_generate()


def _tree_digest(root: Path) -> dict[str, str]:
    paths = [root / "datapackage.json", *sorted((root / "data").rglob("*")), *sorted((root / "schemas").rglob("*")),
             *sorted((root / "sources").rglob("*"))]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _tables(root: Path) -> tuple[dict, dict, dict[str, list[dict[str, str]]]]:
    descriptor, schemas = generate.load_package(root)
    rows = {r["name"]: _read(root / r["path"]) for r in descriptor["resources"]}
    return descriptor, schemas, rows


@pytest.fixture(scope="module")
def scaled(tmp_path_factory) -> Path:
    before = _tree_digest(REPO)
    out = tmp_path_factory.mktemp("scaled") / "package"
    generate.generate(500, out, REPO)
    assert _tree_digest(REPO) == before, "generating must not touch the real package"
    return out


def test_every_scaled_table_has_n_rows_and_sources_one(scaled):
    descriptor, schemas, rows = _tables(scaled)
    real = _tables(REPO)[2]
    for name, table in rows.items():
        expected = len(real[name]) if name == KEPT or not real[name] else 500  # a table with no rows stays empty
        assert len(table) == expected, name
        resource = next(r for r in descriptor["resources"] if r["name"] == name)
        with (scaled / resource["path"]).open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == [f["name"] for f in schemas[name]["fields"]], name


def test_primary_keys_are_unique(scaled):
    _, schemas, rows = _tables(scaled)
    for name, table in rows.items():
        key = generate.as_list(schemas[name].get("primaryKey"))
        values = [tuple(row[f] for f in key) for row in table]
        assert len(set(values)) == len(values), name


def test_every_foreign_key_points_at_an_existing_row(scaled):
    _, schemas, rows = _tables(scaled)
    checked = 0
    for name, schema in schemas.items():
        for fields, target, target_fields in generate.foreign_keys(name, schema):
            existing = {tuple(row[f] for f in target_fields) for row in rows[target]}
            for row in rows[name]:
                value = tuple(row[f] for f in fields)
                if all(v == "" for v in value):
                    continue
                assert value in existing, f"{name}.{fields} = {value} has no row in {target}"
                checked += 1
    assert checked > 1000


def test_every_span_still_matches_the_stored_text(scaled):
    _, schemas, rows = _tables(scaled)
    source = rows[KEPT][0]
    text = (scaled / source["text_path"]).read_text(encoding="utf-8")
    checked = 0
    for name, schema in schemas.items():
        names = {f["name"] for f in schema["fields"]}
        spans = [n for n in names if f"{n}_start" in names and f"{n}_end" in names]
        for row in rows[name]:
            for span in spans:
                if row[f"{span}_start"] == "":
                    continue
                assert text[int(row[f"{span}_start"]):int(row[f"{span}_end"])] == row[span], (name, span)
                checked += 1
    assert checked >= 8 * 500


def test_suffixed_columns_come_from_the_schemas():
    _, schemas = generate.load_package(REPO)
    scaled = {name for name in schemas if name != KEPT}
    slots = generate.slot_columns(schemas, scaled)
    for name in scaled:
        schema = schemas[name]
        keys = set(generate.as_list(schema.get("primaryKey")))
        references = {f for fields, target, _ in generate.foreign_keys(name, schema) if target != KEPT for f in fields}
        assert {c for c, kind in slots[name].items() if kind == "copy"} >= keys
        assert {c for c, kind in slots[name].items() if kind == "target"} == references
        assert "source_id" not in slots[name]


def test_a_partial_last_copy_is_still_consistent(tmp_path):
    out = tmp_path / "package"
    generate.generate(131, out, REPO)
    _, schemas, rows = _tables(out)
    real = _tables(REPO)[2]
    assert all(len(t) == 131 for n, t in rows.items() if n != KEPT and real[n])
    assert all(len(t) == 0 for n, t in rows.items() if not real[n])
    from minusma_facts.validation import validate_package

    report = validate_package(out)
    assert report.valid, [p.message for p in report.errors[:5]]


def test_frictionless_finds_the_scaled_package_valid(scaled):
    import frictionless

    report = frictionless.validate(str(scaled / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])[:5]


def test_minusma_facts_validate_finds_the_scaled_package_valid(scaled):
    from minusma_facts.validation import validate_package

    report = validate_package(scaled)
    assert report.valid, [p.message for p in report.errors[:5]]
    real = _tables(REPO)[2]
    scaled_tables = sum(1 for name, rows in real.items() if name != KEPT and rows)  # all but sources and empty tables
    assert report.rows == scaled_tables * 500 + len(real[KEPT])


def test_the_script_runs_from_the_command_line(tmp_path):
    out = tmp_path / "cli"
    done = subprocess.run([sys.executable, str(SCRIPT), "1e2", str(out), "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    validated = subprocess.run([str(Path(sys.executable).parent / "minusma-facts"), "validate", str(out), "--json"],
                               capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout[-2000:] + validated.stderr
    assert json.loads(validated.stdout)["valid"] is True


@pytest.mark.parametrize(
    "argv, message",
    [
        pytest.param(["10", "{tmp}/small"], "at least", id="N below the largest real table"),
        pytest.param(["100", str(REPO)], "refusing", id="into the source package"),
        pytest.param(["100", str(REPO / "data")], "refusing", id="inside the source package"),
        pytest.param(["100", "{tmp}/full"], "not empty", id="a folder that is not empty"),
    ],
)
def test_the_script_refuses_what_it_cannot_do(tmp_path, argv, message):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    before = _tree_digest(REPO)
    done = subprocess.run([sys.executable, str(SCRIPT), *[a.format(tmp=tmp_path) for a in argv]], capture_output=True, text=True)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    assert _tree_digest(REPO) == before

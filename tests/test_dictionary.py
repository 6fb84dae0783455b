"""docs/data-dictionary.md is rendered from the schema files, and `minusma-facts dictionary` keeps it current."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minusma_facts.cli import app
from minusma_facts.dictionary import DICTIONARY_PATH, render
from minusma_facts.package import Package

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in DESCRIPTOR["resources"]}
SCHEMAS = {n: json.loads((ROOT / r["schema"]).read_text(encoding="utf-8")) for n, r in RESOURCES.items()}
FIELDS = [(n, f) for n, s in SCHEMAS.items() for f in s["fields"]]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "package"
    root.mkdir()
    for part in ("datapackage.json", "schemas", "docs"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, root / part)
    return root


def section(text: str, name: str) -> str:
    """The part of the dictionary under `## name`, up to the next table's heading."""
    match = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match, f"no section for {name}"
    return match.group(1)


def test_committed_dictionary_equals_a_fresh_rendering():
    committed = (ROOT / DICTIONARY_PATH).read_text(encoding="utf-8")
    assert committed == render(Package.open(ROOT)), "run `minusma-facts dictionary` and commit the result"


@pytest.mark.parametrize("name,field", FIELDS, ids=[f"{n}.{f['name']}" for n, f in FIELDS])
def test_every_field_has_a_row_with_its_type_and_description(name: str, field: dict):
    text = render(Package.open(ROOT))
    rows = [line for line in section(text, name).splitlines() if line.startswith(f"| `{field['name']}` |")]
    assert len(rows) == 1
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", rows[0])[1:-1]]
    assert cells[1] == field.get("type", "string")
    assert cells[2] == ("yes" if (field.get("constraints") or {}).get("required") else "")
    assert cells[4] == " ".join(field["description"].split()).replace("|", "\\|")
    for value in (field.get("constraints") or {}).get("enum", []):
        assert f"`{value}`" in cells[5]


def test_tables_appear_in_descriptor_order_with_their_keys():
    text = render(Package.open(ROOT))
    headings = re.findall(r"^## (\S+)$", text, flags=re.M)
    assert headings == list(RESOURCES) + ["computed_estimates"]  # the computed table follows the package's own
    for name, schema in SCHEMAS.items():
        body = section(text, name)
        assert f"- Primary key: {', '.join(f'`{k}`' for k in schema['primaryKey'])}" in body
        for fk in schema.get("foreignKeys", []):
            target = fk["reference"].get("resource") or name
            assert f"- Foreign key: {', '.join(f'`{k}`' for k in fk['fields'])} → [{target}](#{target})" in body


def test_check_passes_on_a_current_copy_and_fails_after_a_schema_change(package: Path):
    assert run("dictionary", package).exit_code == 0
    result = run("dictionary", "--check", package)
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output

    name = next(iter(RESOURCES))
    schema_path = package / RESOURCES[name]["schema"]
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"][0]["description"] = "A new description | with a pipe\nand a line break."
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    before = (package / DICTIONARY_PATH).read_bytes()

    result = run("dictionary", "--check", package)
    assert result.exit_code == 1
    assert "out of date" in result.output
    assert (package / DICTIONARY_PATH).read_bytes() == before, "--check must not write"

    result = run("dictionary", package)
    assert result.exit_code == 0, result.output
    assert run("dictionary", "--check", package).exit_code == 0
    written = (package / DICTIONARY_PATH).read_text(encoding="utf-8")
    assert "| A new description \\| with a pipe and a line break. |" in written


def test_check_fails_when_the_dictionary_is_missing(package: Path):
    (package / DICTIONARY_PATH).unlink(missing_ok=True)
    result = run("dictionary", "--check", package)
    assert result.exit_code == 1
    assert "missing" in result.output


@pytest.mark.parametrize(
    "damage,message",
    [
        pytest.param(lambda r: (r / "datapackage.json").unlink(), "no datapackage.json", id="no descriptor"),
        pytest.param(lambda r: (r / RESOURCES[next(iter(RESOURCES))]["schema"]).write_text("{"), "not JSON",
                     id="schema not JSON"),
    ],
)
def test_an_unreadable_package_exits_2_with_one_line(package: Path, damage, message: str):
    damage(package)
    result = run("dictionary", package)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.startswith("dictionary: ") and len(result.output.strip().splitlines()) == 1
    assert message in result.output


def test_the_computed_table_has_its_own_section_with_every_field_and_says_it_is_no_file():
    from minusma_facts.reconcile import COMPUTED_TABLE, computed_schema

    text = render(Package.open(ROOT))
    part = section(text, COMPUTED_TABLE)
    assert "- File: none." in part and "never a file of `data/`" in part
    assert f"- Schema: {COMPUTED_TABLE}.schema.json among the assets" in part
    assert f"| [{COMPUTED_TABLE}](#{COMPUTED_TABLE}) | none (computed) |" in text
    for field in computed_schema()["fields"]:
        rows = [line for line in part.splitlines() if line.startswith(f"| `{field['name']}` |")]
        assert len(rows) == 1, field["name"]
        assert " ".join(field["description"].split()).replace("|", "\\|") in rows[0]
    # listed once: a package of its own with a resource of that name is rendered as that resource only
    assert text.count(f"## {COMPUTED_TABLE}\n") == 1

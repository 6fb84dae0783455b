"""The metadata itself: schemas load, every field is documented, keys point at real keys, every table is listed."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in DESCRIPTOR["resources"]}
SCHEMAS = {name: json.loads((ROOT / r["schema"]).read_text(encoding="utf-8")) for name, r in RESOURCES.items()}
FIELDS = [(name, f) for name, s in SCHEMAS.items() for f in s["fields"]]
PROVENANCE = ["source_id", "evidence", "evidence_start", "evidence_end"]


def _rows(name):
    with open(ROOT / RESOURCES[name]["path"], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_descriptor_declares_data_package_v2():
    assert DESCRIPTOR["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    for key in ("name", "title", "description", "version", "licenses", "sources", "contributors", "keywords"):
        assert DESCRIPTOR.get(key), key


def test_every_schema_file_and_every_csv_is_a_resource():
    schema_files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "schemas").glob("*.schema.json")}
    data_files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "data").glob("*.csv")}
    assert schema_files == {r["schema"] for r in RESOURCES.values()}
    assert data_files == {r["path"] for r in RESOURCES.values()}
    for name, resource in RESOURCES.items():
        assert resource["path"] == f"data/{name}.csv"
        assert resource["schema"] == f"schemas/{name}.schema.json"


@pytest.mark.parametrize("name,field", FIELDS, ids=[f"{n}.{f['name']}" for n, f in FIELDS])
def test_every_field_is_documented(name, field):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", field["name"]), "snake_case"
    assert field.get("title"), "title"
    assert len(field.get("description", "")) >= 10, "description"
    # an example is a real value of the column (tests/test_coding_rules.py, tests/test_examples.py), so a column
    # the data leaves empty (copy_publication_date, unknown by rule) has none rather than an invented one
    with open(ROOT / RESOURCES[name]["path"], newline="", encoding="utf-8") as handle:
        filled = any(row[field["name"]] for row in csv.DictReader(handle))
    assert ("example" in field) == filled, "example"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_header_equals_schema_field_order(name):
    with open(ROOT / RESOURCES[name]["path"], encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == [f["name"] for f in SCHEMAS[name]["fields"]]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_foreign_keys_point_at_primary_keys(name):
    for fk in SCHEMAS[name].get("foreignKeys", []):
        target = fk["reference"].get("resource") or name
        assert target in SCHEMAS, f"{name}: foreign key to unknown resource {target}"
        assert fk["reference"]["fields"] == SCHEMAS[target]["primaryKey"]
        own = {f["name"] for f in SCHEMAS[name]["fields"]}
        assert set(fk["fields"]) <= own


@pytest.mark.parametrize("name", sorted(n for n in SCHEMAS if n != "sources"))
def test_every_fact_table_carries_provenance(name):
    names = [f["name"] for f in SCHEMAS[name]["fields"]]
    assert names[-4:] == PROVENANCE
    assert {"source_id"} <= {f for fk in SCHEMAS[name]["foreignKeys"] for f in fk["fields"]}


def test_every_id_field_referencing_an_actor_or_event_is_a_foreign_key():
    """A column named like a reference (*_actor_id, *event_id, *quote_id) must be declared as a foreign key."""
    for name, schema in SCHEMAS.items():
        declared = {f for fk in schema.get("foreignKeys", []) for f in fk["fields"]}
        for field in schema["fields"]:
            n = field["name"]
            if n in schema["primaryKey"]:
                continue
            if n.endswith(("actor_id", "event_id", "quote_id")) or n == "source_id":
                assert n in declared, f"{name}.{n} is not a foreign key"


def test_stored_text_matches_the_sources_table_and_the_seed_readme():
    (source,) = _rows("sources")
    raw = (ROOT / source["text_path"]).read_bytes()
    text = raw.decode("utf-8")
    assert hashlib.sha256(raw).hexdigest() == source["text_sha256"]
    assert source["text_sha256"] == "92141ed564bb07596ee1eeb7f8f0f1dc337fc4c518d64d6eb385f7f3179b604c"
    assert len(text) == int(source["text_length_chars"]) == 3796
    assert len(raw) == int(source["text_length_bytes"])
    assert unicodedata.is_normalized("NFC", text) and "\r" not in text


def test_every_number_in_the_text_is_coded():
    """Each digit sequence and number word of the article lies inside some row's number, date or name span."""
    (source,) = _rows("sources")
    text = (ROOT / source["text_path"]).read_text(encoding="utf-8")
    covered = set()
    spans = {"count_text", "value_text", "date_text"}
    for name in SCHEMAS:
        if name == "sources":
            continue
        for row in _rows(name):
            for key in spans & set(row):
                if row[key]:
                    covered.update(range(int(row[f"{key}_start"]), int(row[f"{key}_end"])))
            if name == "actor_aliases":
                covered.update(range(int(row["evidence_start"]), int(row["evidence_end"])))
    pattern = r"\d+(?:,\d{3})*|\b(?:[Tt]housands?|millions|ten|few|[Ss]everal)\b"
    missed = [(m.group(), m.start()) for m in re.finditer(pattern, text) if not set(range(m.start(), m.end())) <= covered]
    assert missed == []


def test_each_misspelling_is_an_alias_of_one_actor():
    aliases = _rows("actor_aliases")
    by_text = {}
    for row in aliases:
        by_text.setdefault(row["alias_text"], set()).add(row["actor_id"])
    assert by_text["MUNISMA"] == {"minusma"} == by_text["MINUSMA"]
    assert by_text["Djire"] == by_text["Mohammed Kassoum Djiré"] == {"mohammed_kassoum_djire"}
    assert {row["alias_type"] for row in aliases if row["alias_text"] == "MUNISMA"} == {"misspelling"}
    actor_names = {row["actor_name"] for row in _rows("actors")}
    assert "MUNISMA" not in actor_names


def test_readme_row_counts_equal_the_csvs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, resource in RESOURCES.items():
        match = re.search(rf"\| `{re.escape(resource['path'])}` \| (\d+) \|", readme)
        assert match, f"README lists no row count for {resource['path']}"
        assert int(match.group(1)) == len(_rows(name)), resource["path"]


def test_codebook_defines_every_event_type():
    codebook = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    (field,) = [f for f in SCHEMAS["events"]["fields"] if f["name"] == "event_type"]
    enum = field["constraints"]["enum"]
    assert len(enum) == len(set(enum))
    for value in enum:
        assert f"| `{value}` |" in codebook, value


@pytest.mark.parametrize("name,field", [(n, f) for n, f in FIELDS if "enum" in f.get("constraints", {})],
                         ids=[f"{n}.{f['name']}" for n, f in FIELDS if "enum" in f.get("constraints", {})])
def test_enums_have_no_duplicates(name, field):
    enum = field["constraints"]["enum"]
    assert len(enum) == len(set(enum))

"""The Schema/Field object: every schema parses once, each type converts to pandas, pyarrow, SQL and Python from
one table, and the loader reads booleans by the field's trueValues as validate does (issue 9 found
the loader's cast ignoring them while the cell checks honoured them)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from minusma_facts.schema import Field, Schema, as_list

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = sorted((ROOT / "schemas").glob("*.schema.json"))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_schema_parses_and_every_field_converts(path):
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    schema = Schema.from_descriptor(descriptor)
    assert schema.names == [f["name"] for f in descriptor["fields"]]
    assert list(schema.primary_key) == as_list(descriptor.get("primaryKey"))
    for f in schema.fields:
        assert f.to_arrow() is not None and f.to_sql() and f.to_python() and f.to_pandas() is not None
    assert list(schema.dtypes()) == schema.names


@pytest.mark.parametrize("kind, pandas, sql", [
    pytest.param("integer", "Int64", "BIGINT", id="integer"),
    pytest.param("number", "Float64", "DOUBLE", id="number"),
    pytest.param("boolean", "boolean", "BOOLEAN", id="boolean"),
    pytest.param("date", "datetime64[s]", "DATE", id="date"),
    pytest.param("string", "string", "VARCHAR", id="string"),
])
def test_a_type_converts_the_same_everywhere(kind, pandas, sql):
    field = Field.from_descriptor({"name": "x", "type": kind})
    assert (field.to_pandas(), field.to_sql()) == (pandas, sql)


def test_keys_given_as_a_string_or_a_list_are_one_list():
    one = Schema.from_descriptor({"fields": [{"name": "a"}], "primaryKey": "a",
                                  "foreignKeys": [{"fields": "a", "reference": {"resource": "t", "fields": "b"}}]})
    assert one.primary_key == ("a",) and one.foreign_keys == ((("a",), "t", ("b",)),)


def test_the_loader_reads_booleans_by_the_fields_true_values():
    schema = {"fields": [{"name": "ok", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}]}
    frame = Schema.from_descriptor(schema).cast_frame(pd.DataFrame({"ok": ["yes", "no", ""]}))
    assert frame["ok"].tolist() == [True, False, pd.NA]
    with pytest.raises(ValueError, match="'maybe'"):
        Schema.from_descriptor(schema).cast_frame(pd.DataFrame({"ok": ["maybe"]}))

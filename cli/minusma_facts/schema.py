"""A Table Schema parsed once: `Schema` and `Field`, with each type's conversions defined in one place.

The schemas in schemas/ stay the one truth for fields; this module reads them (as PUDL's `Field.to_*`
methods do) so that a field's pandas dtype, pyarrow type, SQL types (DuckDB and SQLite), readr column type and
Python type, its true and false values, SQL literals and the "string or list" keys of a schema are worked out
here and nowhere else: the loader, the exports, the archive's recipes and the benchmark's DuckDB floor all ask
a `Field`. Nothing heavy is imported until a conversion asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

DEFAULT_TRUE = ("true", "True", "TRUE", "1")
DEFAULT_FALSE = ("false", "False", "FALSE", "0")


class Types(NamedTuple):
    """One Table Schema type in every tool a module hands it to."""

    pandas: str
    arrow: str  # a pyarrow type factory ("timestamp" is seconds)
    sql: str  # DuckDB
    python: str
    sqlite: str  # dates stay ISO 8601 text and booleans 0/1: SQLite has no such column types
    readr: str


TYPES: dict[str, Types] = {
    "integer": Types("Int64", "int64", "BIGINT", "int", "INTEGER", "col_integer()"),
    "year": Types("Int64", "int64", "BIGINT", "int", "INTEGER", "col_integer()"),
    "number": Types("Float64", "float64", "DOUBLE", "float", "REAL", "col_double()"),
    "boolean": Types("boolean", "bool_", "BOOLEAN", "bool", "INTEGER", "col_logical()"),
    "date": Types("datetime64[s]", "date32", "DATE", "date", "TEXT", "col_date()"),
    "datetime": Types("datetime64[s]", "timestamp", "TIMESTAMP", "datetime", "TEXT", "col_datetime()"),
}
TEXT = Types("string", "string", "VARCHAR", "str", "TEXT", "col_character()")  # every other type is text


def sql_literal(value: Any, *, sqlite: bool = False) -> str:
    """A value of a schema (an enum member, a bound, a true value) as an SQL literal. Booleans are TRUE and
    FALSE (DuckDB's own), or 1 and 0 with `sqlite`: SQLite stores booleans as integers, and a TRUE in a
    CREATE TABLE would make the export unreadable to SQLite before 3.23."""
    if isinstance(value, bool):
        return ("1" if value else "0") if sqlite else ("TRUE" if value else "FALSE")
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def as_list(value: Any) -> list:
    """A schema key that may be a string or a list of strings (primaryKey, foreign key fields), as a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    constraints: dict[str, Any] = field(default_factory=dict)
    true_values: tuple[str, ...] = DEFAULT_TRUE
    false_values: tuple[str, ...] = DEFAULT_FALSE

    @classmethod
    def from_descriptor(cls, descriptor: dict[str, Any]) -> "Field":
        return cls(descriptor["name"], descriptor.get("type") or "string", dict(descriptor.get("constraints") or {}),
                   tuple(descriptor.get("trueValues", DEFAULT_TRUE)), tuple(descriptor.get("falseValues", DEFAULT_FALSE)))

    @property
    def enum(self) -> list | None:
        return self.constraints.get("enum")

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def types(self) -> Types:
        return TYPES.get(self.type, TEXT)

    @property
    def default_truth(self) -> bool:
        """Whether the field's true and false values are all Table Schema's defaults, words readr and DuckDB
        read as booleans too; a boolean with its own (say "oui"/"non") is text to them."""
        return set(self.true_values) <= set(DEFAULT_TRUE) and set(self.false_values) <= set(DEFAULT_FALSE)

    def to_pandas(self):
        """The pandas dtype a loader uses (a string field with an enum is categorical)."""
        if self.enum is not None and self.type == "string":
            import pandas as pd

            return pd.CategoricalDtype(categories=list(self.enum), ordered=False)
        return self.types.pandas

    def to_arrow(self):
        import pyarrow as pa

        name = self.types.arrow
        return pa.timestamp("s") if name == "timestamp" else getattr(pa, name)()

    def to_sql(self) -> str:
        return self.types.sql

    def to_sqlite(self) -> str:
        return self.types.sqlite

    def to_readr(self) -> str:
        return self.types.readr

    def to_python(self) -> str:
        return self.types.python

    def python_value(self, value: Any) -> Any:
        """A cell of a typed frame, or a value the schema gives (an enum member), as the Python value of this
        field's type; None where it is missing. Text given for a boolean is read by the field's trueValues and
        falseValues, as the loader reads the CSV."""
        import pandas as pd

        if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
            return None
        kind = self.to_python()
        if kind == "bool" and isinstance(value, str):
            if value not in self.true_values + self.false_values:
                raise ValueError(f"{value!r} is not one of the true or false values of field {self.name!r}")
            return value in self.true_values
        if kind in ("date", "datetime"):
            stamp = pd.Timestamp(value)
            return stamp.date() if kind == "date" else stamp.to_pydatetime()
        return {"int": int, "float": float, "bool": bool}.get(kind, str)(value)

    def cast_pandas(self, column):
        """A pandas column of strings (missing values already NA) cast to this field's dtype; booleans by the
        field's own trueValues and falseValues."""
        import pandas as pd

        if self.type in ("integer", "year"):
            return pd.to_numeric(column, errors="raise").astype("Int64")
        if self.type == "number":
            return pd.to_numeric(column, errors="raise").astype("Float64")
        if self.type == "boolean":
            truth = {**{v: False for v in self.false_values}, **{v: True for v in self.true_values}}
            def value(cell):
                if cell not in truth:
                    raise ValueError(f"{cell!r} is not one of the field's true or false values")
                return truth[cell]

            return column.map(value, na_action="ignore").astype("boolean")
        if self.type in ("date", "datetime"):
            return pd.to_datetime(column, errors="raise").astype(self.to_pandas())
        return column.astype(self.to_pandas())


@dataclass(frozen=True)
class Schema:
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[tuple[str, ...], str | None, tuple[str, ...]], ...] = ()  # (fields, resource, its fields)
    missing_values: tuple[str, ...] = ("",)

    @classmethod
    def from_descriptor(cls, descriptor: dict[str, Any]) -> "Schema":
        fields = tuple(Field.from_descriptor(f) for f in descriptor.get("fields", [])
                       if isinstance(f, dict) and isinstance(f.get("name"), str))
        keys = []
        for fk in descriptor.get("foreignKeys") or []:
            if isinstance(fk, dict):
                reference = fk.get("reference") or {}
                keys.append((tuple(as_list(fk.get("fields"))), reference.get("resource"), tuple(as_list(reference.get("fields")))))
        return cls(fields, tuple(as_list(descriptor.get("primaryKey"))), tuple(keys),
                   tuple(descriptor.get("missingValues", [""])))

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def dtypes(self) -> dict[str, Any]:
        """Field name -> pandas dtype, in schema order."""
        return {f.name: f.to_pandas() for f in self.fields}

    def cast_frame(self, frame):
        """A frame of strings cast to the schema's dtypes (its missing values become NA)."""
        import pandas as pd

        missing = set(self.missing_values)
        out = {}
        for f in self.fields:
            if f.name in frame.columns:
                column = frame[f.name].astype("string")
                out[f.name] = f.cast_pandas(column.mask(column.isin(missing)))
        return pd.DataFrame(out, index=frame.index)

"""A Table Schema parsed once: `Schema` and `Field`, with each type's conversions defined in one place.

The schemas in schemas/ stay the one truth for fields; this module reads them (as PUDL's `Field.to_*`
methods do) so that a field's pandas dtype, pyarrow type, SQL type and Python type, its true and false
values and the "string or list" keys of a schema are worked out here and nowhere else. Nothing heavy is
imported until a conversion asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_TRUE = ("true", "True", "TRUE", "1")
DEFAULT_FALSE = ("false", "False", "FALSE", "0")

# type -> (pandas dtype, pyarrow type name, SQL (DuckDB) type, Python type name); anything else is text
TYPES: dict[str, tuple[str, str, str, str]] = {
    "integer": ("Int64", "int64", "BIGINT", "int"),
    "year": ("Int64", "int64", "BIGINT", "int"),
    "number": ("Float64", "float64", "DOUBLE", "float"),
    "boolean": ("boolean", "bool_", "BOOLEAN", "bool"),
    "date": ("datetime64[s]", "date32", "DATE", "date"),
    "datetime": ("datetime64[s]", "timestamp", "TIMESTAMP", "datetime"),
}
TEXT = ("string", "string", "VARCHAR", "str")


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

    def to_pandas(self):
        """The pandas dtype a loader uses (a string field with an enum is categorical)."""
        if self.enum is not None and self.type == "string":
            import pandas as pd

            return pd.CategoricalDtype(categories=list(self.enum), ordered=False)
        return TYPES.get(self.type, TEXT)[0]

    def to_arrow(self):
        import pyarrow as pa

        name = TYPES.get(self.type, TEXT)[1]
        return pa.timestamp("s") if name == "timestamp" else getattr(pa, name)()

    def to_sql(self) -> str:
        return TYPES.get(self.type, TEXT)[2]

    def to_python(self) -> str:
        return TYPES.get(self.type, TEXT)[3]

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

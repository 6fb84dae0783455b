"""Load the package's tables as pandas DataFrames typed from their Table Schemas.

Example (the tests run it as a doctest):

>>> import minusma_facts
>>> tables = minusma_facts.load()
>>> sorted(tables)[:3]
['actor_aliases', 'actor_relations', 'actors']
>>> events = minusma_facts.load("events")
>>> str(events["date_start"].dtype)
'datetime64[s]'
>>> list(events["date_precision"].cat.categories[:3])
['day', 'month', 'year']
>>> str(tables["casualties"]["count_best"].dtype), str(events["event_id"].dtype)
('Int64', 'string')
>>> crowd = minusma_facts.load("computed_estimates").set_index(["event_id", "kind"]).loc[("bamako_protest_2023_05_25", "crowd_size")]
>>> int(crowd["low"]), int(crowd["number_of_sources"])
(2000, 1)

A table edited in pandas can be checked before it is written back or published, with pandera:

>>> schema = minusma_facts.pandera_schema("casualties")
>>> casualties = minusma_facts.load("casualties")
>>> schema.validate(casualties, lazy=True).equals(casualties)
True
>>> casualties.loc[0, "count_best"] = casualties.loc[0, "count_low"] - 1  # below its own low
>>> import pandera.errors
>>> try:
...     schema.validate(casualties, lazy=True)
... except pandera.errors.SchemaErrors as errors:
...     print(sorted(set(errors.failure_cases["check"])))
['bound-qualifier', 'count-order', 'figure-mismatch']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .package import DESCRIPTOR, Package, PackageError, locate

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_ARCHIVE_SUFFIXES = (".zip",)


def default_location(start: str | Path | None = None) -> Path:
    """Where the package is when no path is given: the current folder (or ``start``), which must hold a
    datapackage.json. No search upward and no fallback to another package: the rule every command uses."""
    if start is None:
        return locate(None)
    folder = Path(start)
    if not (folder / DESCRIPTOR).is_file():
        raise PackageError(f"no {DESCRIPTOR} in {folder}; give the package's folder or release .zip")
    return folder


def open_package(path: str | Path | Package | None = None) -> Package:
    """The package at ``path`` (a folder, its datapackage.json or a release .zip), or the current folder's."""
    if isinstance(path, Package):
        return path
    return Package.open(locate(path))


def _looks_like_path(value: Any) -> bool:
    if isinstance(value, Path):
        return True
    text = str(value)
    return (
        "/" in text
        or "\\" in text
        or text.lower().endswith(_ARCHIVE_SUFFIXES + (".json",))
        or text in (".", "..")
    )


def load(
    name_or_path: str | Path | None = None,
    table: str | None = None,
    *,
    path: str | Path | Package | None = None,
    computed: bool = False,
) -> "dict[str, pd.DataFrame] | pd.DataFrame":
    """Read the package's tables, typed from the schema files.

    ``load()`` returns every table as a dict ``{name: DataFrame}``; ``load("events")`` one table;
    ``load("path/to/package-or-release.zip")`` every table of that package, and
    ``load("release.zip", "events")`` (or ``load("events", path=...)``) one table of it. A bare name is a
    table name; pass a folder as a ``Path`` or with a slash (``"./pkg"``).

    Types come from ``schemas/*.schema.json`` through :class:`minusma_facts.schema.Schema` (one place): dates as
    ``datetime64[s]``, fields with an ``enum`` as categoricals with the categories in schema order, integers as
    nullable ``Int64``, numbers as ``Float64``, booleans as ``boolean`` and ids and text as ``string``.
    ``load("computed_estimates")`` is not a file of the package but COMPUTED from casualties and figures
    (:mod:`minusma_facts.reconcile`): one estimate per event and kind of harm or figure across sources, with
    low, best, high, number_of_sources and each source's own figures. ``load(computed=True)`` adds it to the
    dict under that name; plain ``load()`` gives only the package's own tables.

    Without a path the package is the current folder, which must hold a datapackage.json (``PackageError``
    otherwise): the same rule as every ``minusma-facts`` command, with no search and no fallback.
    """
    if name_or_path is not None:
        if path is None and _looks_like_path(name_or_path):
            path = name_or_path
        elif table is None:
            table = str(name_or_path)
        else:
            raise TypeError("load(name_or_path, table): give the package path first, then the table name")
    from .reconcile import COMPUTED_TABLE, estimates_frame

    package = open_package(path)
    names = package.resource_names
    if table is not None:
        if table == COMPUTED_TABLE and table not in names:
            return estimates_frame(package)
        if table not in names:
            raise KeyError(f"no table named {table!r}; the package has: {', '.join(names)} (and the computed {COMPUTED_TABLE})")
        return package.read_table(table)
    tables = {name: package.read_table(name) for name in names}
    if computed and COMPUTED_TABLE not in tables:
        tables[COMPUTED_TABLE] = estimates_frame(package)
    return tables


def pandera_schema(table: str, *, path: str | Path | Package | None = None):
    """A pandera ``DataFrameSchema`` for a table as :func:`load` types it, for checking a frame derived in pandas.

    Each column carries its Table Schema's constraints as pandera checks (its dtype, ``required`` as not nullable,
    ``unique``, ``enum``, ``pattern``, ``minimum``/``maximum``, ``minLength``/``maxLength``), and the frame carries
    the rules across columns that ``minusma-facts validate`` runs (the order of low, best and high, dates and their
    precision, spans complete, a figure's words against its numbers, ...), each a check named by the finding type
    validate reports. Checks that need other tables or the source texts (foreign keys, evidence offsets) are
    validate's alone. ``schema.validate(frame, lazy=True)`` raises ``pandera.errors.SchemaErrors`` listing every
    failing row of every check.
    """
    from .validation.semantics import rules_for, to_pandera

    package = open_package(path)
    if table not in package.resource_names:
        raise KeyError(f"no table named {table!r}; the package has: {', '.join(package.resource_names)}")
    schema = package.schema(table)
    return to_pandera(schema, rules_for(schema), constraints=True)

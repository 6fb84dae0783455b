"""The README of a release archive, for the researcher who has only the archive: generated from the package.

What the dataset is, where its text comes from (stated as the sources table states it), what is in the archive,
how to load the tables with their types in pandas, R, DuckDB and Excel, how to install the tools from the archive,
and how to cite it. The developers' README stays in the repository. Every file the page names is one the archive
holds (the release passes the list of its files, and a test checks the links).

The package is untrusted input (docs/security.md): every text it supplies goes into the page through
`safety.clean` (on one line, control, bidi and hidden characters escaped), and a table name, field name or path
that a recipe would paste into code must be a plain name (`plain`), so no recipe a reader copies runs a package's
words as code.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .package import Package
from .safety import clean
from .schema import TEXT, TYPES, Field, Schema

_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*")


def plain(value: Any, what: str) -> str:
    """`value` when it is a plain name (letters, digits, '_', '.', '-', '/'), safe inside a recipe's quotes;
    ValueError naming it otherwise."""
    if not isinstance(value, str) or not _PLAIN.fullmatch(value):
        raise ValueError(f"{what} {clean(value, 100)!r} is not a plain name (letters, digits, '_', '.', '-', '/'), so "
                         "the archive's README cannot put it into a recipe")
    return value


def _typed_fields(package: Package, table: str, to: Callable[[Field], str]) -> list[tuple[str, str]]:
    """(name, type given by `to`) of every field a recipe must type. Text is the recipes' default, and so is a
    boolean with its own trueValues or falseValues: readr refuses them and DuckDB would read its own words, not the field's."""
    return [(plain(f.name, f"{table} field"), to(f)) for f in Schema.from_descriptor(package.schema(table)).fields
            if f.type in TYPES and (f.type != "boolean" or f.default_truth)]


def r_recipe(package: Package, paths: dict[str, str]) -> str:
    """readr with every column typed explicitly from the schemas (text by default, never guessed)."""
    def read(table: str) -> str:
        typed = ",\n".join(f"  {name} = {kind}" for name, kind in _typed_fields(package, table, Field.to_readr))
        return f'{table} <- read_csv("{paths[table]}", na = "", col_types = cols(\n{typed},\n  .default = {TEXT.readr}\n))'

    return "\n".join([
        "library(readr)",
        "",
        read("events"),
        read("casualties"),
        "",
        'killed <- merge(casualties[casualties$harm_type == "killed", ], events[, c("event_id", "event_name", "date_start")])',
        'cat(nrow(events), "events; date_start is", class(events$date_start), "; count_best is", class(casualties$count_best), "\\n")',
        'print(as.data.frame(killed[, c("event_name", "count_text", "count_low", "count_best", "count_high")]))',
    ])


DUCKDB_QUERY = """SELECT e.event_name, a.actor_name AS perpetrator, c.count_text, c.count_low, c.count_best, c.count_high,
       coalesce(c.count_best, c.count_low) AS at_least
FROM {casualties} AS c
JOIN {events} AS e ON e.event_id = c.event_id
JOIN {event_actors} AS ea ON ea.event_id = c.event_id AND ea.role = 'perpetrator'
JOIN {actors} AS a ON a.actor_id = ea.actor_id
WHERE c.harm_type = 'killed'
ORDER BY e.event_name, perpetrator;"""
QUERY_TABLES = ("casualties", "events", "event_actors", "actors")


def duckdb_parquet_recipe() -> str:
    return DUCKDB_QUERY.format(**{t: f"'exports/parquet/{t}.parquet'" for t in QUERY_TABLES})


def duckdb_csv_recipe(package: Package, paths: dict[str, str]) -> str:
    """The same query on the CSVs, with the schema's types given to read_csv (nothing left to sniffing)."""
    def source(table: str) -> str:
        typed = ", ".join(f"'{name}': '{kind}'" for name, kind in _typed_fields(package, table, Field.to_sql))
        return f"read_csv('{paths[table]}', all_varchar = true, types = {{{typed}}})" if typed else \
            f"read_csv('{paths[table]}', all_varchar = true)"

    return DUCKDB_QUERY.format(**{t: source(t) for t in QUERY_TABLES})


PANDAS_RECIPE = """import minusma_facts

tables = minusma_facts.load()  # run in this folder, or minusma_facts.load("path/to/this/folder")
events, casualties = tables["events"], tables["casualties"]

killed = casualties[casualties["harm_type"] == "killed"].merge(
    events[["event_id", "event_name", "date_start", "date_precision"]], on="event_id"
)
print(killed[["event_name", "count_text", "count_low", "count_best", "count_high", "tally_type"]].to_string())
print({column: str(events[column].dtype) for column in ("date_start", "admin_level")}, casualties["count_low"].sum())"""

PARQUET_RECIPE = """import pandas as pd

casualties = pd.read_parquet(
    "exports/parquet/casualties.parquet", dtype_backend="numpy_nullable"
)  # types as in the schemas; missing values as <NA>
print({column: str(casualties[column].dtype) for column in ("count_low", "count_best")}, casualties["count_low"].sum())"""


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _sources_section(package: Package) -> list[str]:
    rows = [{key: clean(value) for key, value in row.items()}  # the package's words, on one line, escaped
            for row in package.read_table("sources", typed=False).to_dict(orient="records")]
    out = []
    for row in rows:
        out.append(f"- **{row['headline']}**, {row['publisher_name']}, {row['publication_date']}: {row['original_url']}")
        if row.get("copy_url"):
            date = row.get("copy_publication_date") or "publication date unknown"
            out.append(
                f"  - **The coded text is not {row['publisher_name'].split(' (')[0]}'s own wording.** It is a reworded "
                f"republication of that report whose wording matches the copy at {row['copy_url']} ({date}). Every "
                "evidence excerpt and every direct quotation in the tables is that copy's wording; the facts are the "
                "report's as the copy retells them."
            )
        out.append(
            f"  - The text itself is not in this archive (its publisher's rights). The `sources` table keeps its "
            f"SHA-256 ({row['text_sha256']}), its length ({row['text_length_chars']} code points) and its URLs, "
            "so anyone who obtains the same text can verify every span (see *Check the archive*)."
        )
    return out


def render(package: Package, files: list[str], *, tools: dict[str, str], exports: dict[str, str],
           cff: dict[str, Any]) -> str:
    """The archive's README.md. `files` lists the archive's files; `tools` maps "wheel"/"sdist" and `exports`
    maps "sqlite"/"xlsx"/"acled"/"ucdp" to their paths in it; `cff` is the archive's (filled) citation."""
    from . import citation

    descriptor = {key: clean(value) if isinstance(value, str) else value for key, value in package.descriptor.items()}
    name, version = descriptor.get("name", "dataset"), descriptor.get("version", "")
    paths = {r["name"]: plain(r["path"], f"resource {clean(r['name'], 100)!r} path") for r in package.resources}
    counts = {n: len(package.read_table(n, typed=False)) for n in package.resource_names}
    out: list[str] = [f"# {descriptor.get('title', name)}", ""]
    out += [f"Version {version} of the **{name}** dataset. {descriptor.get('description', '')}", ""]
    out += ["This README is written for the release archive; everything it names is in this folder. "
            "The project's repository holds the code, the tests and a README for its developers.", ""]

    out += ["## The source and what the data says about it", ""]
    out += _sources_section(package) + [""]
    out += ["Rows that state a fact carry `source_id`, the verbatim `evidence` and its code-point offsets "
            "(`evidence_start`, `evidence_end`) in that text. `docs/codebook.md` gives the coding rules: \"more than "
            "300\" is coded as a range from 301 with no upper bound, never as 300; a vague date keeps its precision.", ""]

    out += ["## What is in this archive", "", "| path | what it is |", "| --- | --- |"]
    out += [f"| `datapackage.json` | the Frictionless Data Package (v2) descriptor, with each table's size and SHA-256 |"]
    for resource in package.resources:
        out.append(f"| `{paths[resource['name']]}` | {clean(resource.get('title', resource['name']))}: "
                   f"{_rows(counts[resource['name']])}; schema `{clean(resource['schema'])}` |")
    out += [
        "| `docs/data-dictionary.md` | every field: type, constraints, description, example |",
        "| `docs/codebook.md` | how the text was coded |",
        f"| `{exports['sqlite']}` | all tables in SQLite, with primary and foreign keys |",
        f"| `{exports['xlsx']}` | all tables in Excel, one sheet each, and a `_fields` sheet |",
        "| `exports/parquet/` | one Parquet file per table, typed from the schemas |",
        f"| `{exports['acled']}` | the events in ACLED's 31-column layout |",
        f"| `{exports['ucdp']}` | the killed in UCDP GED's 49-column layout |",
        "| `docs/interop-mapping.md` | how every ACLED and GED column is filled, with its type |",
        f"| `{tools['wheel']}` | the Python tools (`minusma-facts` command and `minusma_facts.load()`), to install with pip |",
        f"| `{tools['sdist']}` | the same tools as source |",
        "| `CHANGELOG.md` | what changed in each version, column by column |",
        "| `CITATION.cff`, `.zenodo.json` | citation metadata |",
        "",
    ]

    out += ["## The tables", "", "| table | rows | what a row is |", "| --- | ---: | --- |"]
    for resource in package.resources:
        out.append(f"| `{clean(resource['name'])}` | {counts[resource['name']]} | {clean(resource.get('description', ''))} |")
    out += ["", "Types, keys and allowed values are in the Table Schemas under `schemas/` and in `docs/data-dictionary.md`. "
            "An empty cell is a missing value (for a count: the source gives no such number).", ""]

    out += ["## Install the tools", "",
            "The tools are in this archive; nothing else is needed but Python 3.11 or later and pip (which fetches "
            "pandas, pyarrow and the other dependencies from the package index). In this folder:", "",
            "```sh", "python3 -m venv .venv", f".venv/bin/pip install {tools['wheel']}", ".venv/bin/minusma-facts --help",
            "```", "",
            "On Windows the programs are in `.venv\\Scripts\\` instead. Every command takes the package as its "
            "argument, or uses the current folder when it holds `datapackage.json`.", ""]

    out += ["## Check the archive", "", "```sh", ".venv/bin/minusma-facts validate", "```", "",
            "checks every table, key and rule and exits 0. Its warnings are the same on this folder and on "
            "the `.zip`: the source text is not included (by design), so the evidence spans cannot be checked "
            "against it. A table with a header and no rows is valid: `event_reports` holds further sources' "
            "reports of an event, and this release codes one source. With a copy of the text, `minusma-facts validate --sources FOLDER` checks every span; a "
            "copy whose SHA-256 differs is reported first, with what to try (line ends, Unicode normalization).", ""]

    out += ["## Load the tables with their types", ""]
    out += ["### Python (pandas), with the tools", "",
            "`minusma_facts.load()` types every column from its schema: dates as dates, categories in schema "
            "order, counts as nullable integers (`<NA>` where the source gives no number).", "",
            "```python", PANDAS_RECIPE, "```", ""]
    out += ["### Python (pandas), without the tools", "", "The Parquet files carry the types:", "",
            "```python", PARQUET_RECIPE, "```", ""]
    out += ["### SQL (DuckDB)", "", "Read the Parquet files, which carry the types:", "",
            "```sql", duckdb_parquet_recipe(), "```", "",
            "or the CSV files with the schema's types given to `read_csv` (left to itself DuckDB would read a column "
            "that is empty in every row as text):", "", "```sql", duckdb_csv_recipe(package, paths), "```", ""]
    out += ["### R (readr)", "", "Give readr every column's type from the schema; only the empty string means missing:", "",
            "```r", r_recipe(package, paths), "```", ""]
    out += ["### Excel", "",
            f"Open `{exports['xlsx']}`: one sheet per table with numbers as numbers and dates as dates, and a "
            "`_fields` sheet describing every column. Opening the CSV files directly lets Excel guess types (it "
            "turns some text into dates); use the workbook, or Excel's *Data > From Text/CSV* with every column "
            "set as the `_fields` sheet says.", ""]

    out += ["## ACLED and UCDP GED layouts", "",
            f"`{exports['acled']}` and `{exports['ucdp']}` hold the events in the column layouts of ACLED and UCDP "
            "GED: every column of the real exports, in order, with the same types, so they append to a real download "
            "(ACLED's `inter1`, `inter2` and `interaction` as text, as its API gives them; "
            "`minusma-facts export --format acled --inter numeric` writes the numeric codes). "
            "`docs/interop-mapping.md` says how every column is filled, including the rule for GED's `best`.", ""]

    preferred = cff
    link = citation.link(preferred)
    out += ["## How to cite", "", "APA:", "", f"> {clean(citation.apa(preferred))}", "", "BibTeX:", "",
            "```bibtex", citation.bibtex(preferred), "```", ""]
    if "doi" not in preferred:
        out += ["The DOI of this version is on its Zenodo record. `CITATION.cff` holds the same citation.", ""]
    else:
        out += [f"The DOI resolves to the archived record: {link}. `CITATION.cff` holds the same citation.", ""]
    if preferred.get("repository-code"):
        out += [f"Repository: {clean(preferred['repository-code'])}", ""]

    licenses = descriptor.get("licenses") or []
    if isinstance(licenses, list) and licenses and isinstance(licenses[0], dict):
        licence = licenses[0]
        out += ["## Licence", "",
                f"The tables, schemas and documents: {clean(licence.get('title', licence.get('name')))} "
                f"({clean(licence.get('path', ''))}). The source text belongs to its publisher and is not included.", ""]
    missing = sorted({p for p in (*tools.values(), *exports.values()) if p not in files})
    if missing:
        raise ValueError(f"the README would name files the archive lacks: {', '.join(missing)}")
    # the citation (CITATION.cff's words) and anything else: hidden and control characters escaped, lines kept
    return clean("\n".join(out).rstrip("\n") + "\n", keep_lines=True)

"""Semantic rules, run through pandera: the schema is generated from each Table Schema and the rules a
Table Schema cannot say are found from its fields' names and types, never from a list kept here.

- `<p>_low <= <p>_best <= <p>_high` for every numeric triple (`count-order`, `value-order`, ...);
- `<p>_start <= <p>_end` for every pair of date fields (`date-order`);
- `<p>_precision` agrees with `<p>_start`/`<p>_end` (`date-precision`);
- a span `X`, `X_start`, `X_end` is all present or all empty (`span-incomplete`);
- ACLED sub-event type within its event type, inter code matching actor type (`acled-sub-event-type`,
  `acled-inter-code`);
- latitude, longitude and geo_precision present together (`geo-incomplete`);
- `alias_text` equals `evidence` (`alias-mismatch`);
- dispute fields: the `*_type` one present exactly when a disputer or dispute quote is (`dispute-incomplete`);
- a figure's words `<p>_text` agree with its `<p>_qualifier`, `<p>_low`, `<p>_best`, `<p>_high` under the
  codebook's rules (`figure-mismatch`; words no rule reads get a `figure-unread` warning; see numbers.py);
- every `<p>_qualifier` fills exactly the bounds it allows, words or not (`bound-qualifier`; numbers.BOUNDS);
- `<p>_resolution` agrees with how the dates were found: `none` exactly when the precision is `unknown`,
  `stated` only when `<p>_text` writes the year of every coded bound, words for `stated`,
  `relative_to_publication` and `anaphora`, a bound for `bounded_by_text` (`date-resolution`);
- a part of an event (`parent_event_id`) lies within its parent's dates (`sub-event-date`; judged on the whole
  table wherever the parent is, also when the table is read batch by batch), and carries no ACLED or UCDP
  type (`sub-event-typed`); a row with an ACLED or UCDP type meets what that dataset needs of a single row
  (`acled-ineligible`, `ucdp-ineligible`; the needs that span tables are checked by `check_eligibility`; see
  acled.py);
- a link that is only `implied` or `possible` (`certainty`) says why in its `coding_note` (`certainty-unexplained`);
- a coder's label (`actor_name_basis` coder_label) is not a name the text gives (`is_named` false) (`name-basis`).

pandera runs lazily, so every failing row of every rule is collected; each rule is a pandera Check named by its
finding type, and its failure cases (found by the Check object, never by a name) become `Problem`s. A rule that
raises is a bug of the rule: `Broken` (exit 2), never a finding and never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..report import Phase, Report
from .acled import ACLED_EVENT_FIELDS, ACLED_TYPE_FIELDS, INTER_CODES, PARENT_FIELD, SUB_EVENT_TYPES, UCDP_EVENT_FIELDS, UCDP_TYPE_FIELD
from .table import TableData


@dataclass
class Rule:
    type: str
    field: str
    fields: list[str]
    ok: Callable[[Any], Any]  # frame -> boolean Series, True where the row is fine
    note: Callable[[dict[str, Any]], str]
    severity: str = "error"
    whole: bool = False  # reads other rows than its own (a parent's): judged on the whole table, never on one batch


def _types(schema: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f.get("type", "string") for f in schema.get("fields", []) if isinstance(f, dict) and "name" in f}


def _present(series):
    return series.notna()


def _shown(value: Any) -> str:
    if value is None:
        return "empty"
    try:
        import pandas as pd

        if pd.isna(value):
            return "empty"
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
    except (TypeError, ValueError):
        pass
    return str(value)


def rules_for(schema: dict[str, Any]) -> list[Rule]:
    """The semantic rules that apply to a table, found from its schema's field names and types."""
    types = _types(schema)
    numeric = {n for n, t in types.items() if t in ("integer", "number")}
    rules: list[Rule] = []

    for name in types:
        # low <= best <= high
        if name.endswith("_best") and name in numeric:
            p = name[: -len("_best")]
            low, best, high = f"{p}_low", name, f"{p}_high"
            if low in numeric and high in numeric:
                def ok(d, low=low, best=best, high=high):
                    return ~((d[low] > d[best]).fillna(False) | (d[best] > d[high]).fillna(False) | (d[low] > d[high]).fillna(False))
                rules.append(Rule(f"{p.replace('_', '-')}-order", best, [low, best, high], ok,
                                  lambda r, low=low, best=best, high=high:
                                  f"{low} <= {best} <= {high} does not hold ({_shown(r[low])}, {_shown(r[best])}, {_shown(r[high])})"))
        # start <= end (dates) and the precision that goes with them
        if name.endswith("_start") and types[name] == "date":
            p = name[: -len("_start")]
            end = f"{p}_end"
            if types.get(end) == "date":
                rules.append(Rule("date-order", name, [name, end],
                                  lambda d, s=name, e=end: ~(d[s] > d[e]).fillna(False),
                                  lambda r, s=name, e=end: f"{s} {_shown(r[s])} is after {e} {_shown(r[e])}"))
                precision = f"{p}_precision"
                if types.get(precision) == "string":
                    rules.append(Rule("date-precision", precision, [precision, name, end],
                                      lambda d, pr=precision, s=name, e=end: _precision_ok(d[pr], d[s], d[e]),
                                      lambda r, pr=precision, s=name, e=end: _precision_note(r[pr], r[s], r[e], s, e)))
        # spans: X, X_start, X_end together
        if types[name] == "string" and types.get(f"{name}_start") == "integer" and types.get(f"{name}_end") == "integer":
            trio = [name, f"{name}_start", f"{name}_end"]
            def ok(d, trio=trio):
                present = [_present(d[c]) for c in trio]
                return (present[0] == present[1]) & (present[1] == present[2])
            rules.append(Rule("span-incomplete", name, trio, ok,
                              lambda r, trio=trio: "a span needs all of " + ", ".join(trio) + " or none; have "
                              + ", ".join(f"{c}={_shown(r[c])}" for c in trio)))

    if "acled_event_type" in types and "acled_sub_event_type" in types:
        allowed = {f"{kind}\x1f{sub}" for kind, subs in SUB_EVENT_TYPES.items() for sub in subs}
        def ok(d, allowed=allowed):
            kind, sub = d["acled_event_type"], d["acled_sub_event_type"]
            both = _present(kind) & _present(sub)
            pair = (kind.astype("string") + "\x1f" + sub.astype("string")).isin(allowed).fillna(False).astype(bool)
            unknown_kind = ~kind.isin(list(SUB_EVENT_TYPES)).fillna(False).astype(bool)
            return (_present(kind) == _present(sub)) & (~both | pair | unknown_kind)
        rules.append(Rule("acled-sub-event-type", "acled_sub_event_type", ["acled_event_type", "acled_sub_event_type"], ok,
                          lambda r: f"sub-event type {_shown(r['acled_sub_event_type'])!s} does not go with event type "
                                    f"{_shown(r['acled_event_type'])} (both or neither, and the sub-type within the type)"))
    if "acled_actor_type" in types and "acled_inter_code" in types:
        def ok(d):
            kind, code = d["acled_actor_type"], d["acled_inter_code"]
            expected = kind.astype(object).map(INTER_CODES).astype("Float64")  # a dict lookup, not a call per row
            unknown_kind = _present(kind) & ~kind.isin(list(INTER_CODES)).fillna(False).astype(bool)
            matches = (code.astype("Float64") == expected).fillna(False).astype(bool)
            return (~_present(kind) & ~_present(code)) | unknown_kind | matches
        rules.append(Rule("acled-inter-code", "acled_inter_code", ["acled_actor_type", "acled_inter_code"], ok,
                          lambda r: f"inter code {_shown(r['acled_inter_code'])} does not match actor type {_shown(r['acled_actor_type'])}"
                                    + (f" (expected {INTER_CODES[r['acled_actor_type']]})" if r["acled_actor_type"] in INTER_CODES else "")))
    if {"latitude", "longitude"} <= set(types):
        geo = ["latitude", "longitude"] + (["geo_precision"] if "geo_precision" in types else [])
        def ok(d, geo=geo):
            present = [_present(d[c]) for c in geo]
            out = present[0] == present[1]
            for other in present[2:]:
                out = out & (other == present[0])
            return out
        rules.append(Rule("geo-incomplete", "latitude", geo, ok,
                          lambda r, geo=geo: "coordinates need all of " + ", ".join(geo) + " or none; have "
                          + ", ".join(f"{c}={_shown(r[c])}" for c in geo)))
    if "alias_text" in types and "evidence" in types:
        rules.append(Rule("alias-mismatch", "alias_text", ["alias_text", "evidence"],
                          lambda d: ~((d["alias_text"] != d["evidence"]).fillna(False)),
                          lambda r: f"alias_text {_shown(r['alias_text'])!r} differs from its evidence {_shown(r['evidence'])!r}"))
    dispute = [n for n in types if n.startswith("disput") or n.startswith("dispute_")]
    dispute_type = [n for n in dispute if n.endswith("_type")]
    if dispute_type and len(dispute) > 1:
        kind = dispute_type[0]
        others = [n for n in dispute if n != kind]
        def ok(d, kind=kind, others=others):
            any_other = _present(d[others[0]])
            for o in others[1:]:
                any_other = any_other | _present(d[o])
            return _present(d[kind]) == any_other
        rules.append(Rule("dispute-incomplete", kind, [kind] + others, ok,
                          lambda r, kind=kind, others=others: f"{kind} is {_shown(r[kind])} while "
                          + ", ".join(f"{o}={_shown(r[o])}" for o in others) + f"; {kind} is set exactly when one of those is"))
    rules.extend(_figure_rules(types, numeric))
    rules.extend(_bound_rules(types, numeric))
    rules.extend(_date_resolution_rules(types))
    rules.extend(_type_rules(types))
    if "certainty" in types and "coding_note" in types:
        rules.append(Rule("certainty-unexplained", "coding_note", ["certainty", "coding_note"],
                          lambda d: ~(d["certainty"].isin(["implied", "possible"]).fillna(False).astype(bool) & ~_present(d["coding_note"])),
                          lambda r: f"certainty {_shown(r['certainty'])} needs a coding_note saying which words imply it or allow the other reading"))
    if types.get("actor_name_basis") == "string" and types.get("is_named") == "boolean":
        rules.append(Rule("name-basis", "is_named", ["actor_name_basis", "is_named"],
                          lambda d: ~((d["actor_name_basis"] == "coder_label") & (d["is_named"] == True)).fillna(False).astype(bool),  # noqa: E712
                          lambda r: "a coder_label is used only where the text gives no name of its own, so is_named must be false"))
    return rules


def _bound_rules(types: dict[str, str], numeric: set[str]) -> list[Rule]:
    """bound-qualifier for every `<p>_qualifier` with `<p>_low`, `<p>_best`, `<p>_high`: the bounds its qualifier
    fills are present, the others empty, and an exact number has low = best = high."""
    from .numbers import BOUNDS

    rules: list[Rule] = []
    for name, p in _named(types, "_qualifier"):
        bounds = {"low": f"{p}_low", "best": f"{p}_best", "high": f"{p}_high"}
        if not set(bounds.values()) <= numeric:
            continue

        def ok(d, name=name, bounds=bounds):
            fine = ~d[name].isin(list(BOUNDS)).fillna(False).astype(bool)  # an unknown qualifier is the enum's to report
            for qualifier, filled in BOUNDS.items():
                this = (d[name] == qualifier).fillna(False).astype(bool)
                shape = this
                for kind, field in bounds.items():
                    shape = shape & (_present(d[field]) if kind in filled else ~_present(d[field]))
                if qualifier == "exact":
                    shape = shape & (d[bounds["low"]] == d[bounds["best"]]).fillna(False) & (d[bounds["best"]] == d[bounds["high"]]).fillna(False)
                fine = fine | shape
            return fine

        def note(r, name=name, bounds=bounds):
            filled = BOUNDS.get(r[name], ())
            wants = ", ".join(bounds[k] for k in filled) or "no bound"
            extra = " with low = best = high" if r[name] == "exact" else ""
            return (f"qualifier {_shown(r[name])} fills {wants}{extra} and leaves the others empty (docs/codebook.md section 6); have "
                    + ", ".join(f"{f}={_shown(r[f])}" for f in bounds.values()))
        rules.append(Rule("bound-qualifier", name, [name, *bounds.values()], ok, note))
    return rules


def _date_resolution_rules(types: dict[str, str]) -> list[Rule]:
    """date-resolution for every `<p>_resolution` beside `<p>_precision`, `<p>_start`, `<p>_end` (dates)."""
    rules: list[Rule] = []
    for name, p in _named(types, "_resolution"):
        precision, start, end, words = f"{p}_precision", f"{p}_start", f"{p}_end", f"{p}_text"
        if types.get(start) != "date" or types.get(end) != "date" or precision not in types:
            continue
        fields = [name, precision, start, end] + ([words] if words in types else [])
        rules.append(Rule("date-resolution", name, fields,
                          lambda d, fields=fields: _per_distinct(d, fields, _resolution_problem, lambda found: found is None),
                          lambda r, fields=fields: _resolution_problem(tuple(r[f] for f in fields)) or ""))
    return rules


def _resolution_problem(values: tuple) -> str | None:
    """What is wrong with a date's resolution (None when nothing is)."""
    resolution, precision, start, end = values[:4]
    words = values[4] if len(values) > 4 else None
    if resolution is None or precision is None:
        return None  # required fields: the cell check reports them
    if (resolution == "none") != (precision == "unknown"):
        return f"date_resolution none goes with date_precision unknown and only with it; have {resolution} with {precision}"
    if resolution in ("stated", "relative_to_publication", "anaphora") and not words:
        return f"date_resolution {resolution} needs the words it was read from (date_text)"
    if resolution == "bounded_by_text" and start is None and end is None:
        return "date_resolution bounded_by_text needs the bound the text gives (date_start or date_end)"
    if resolution == "stated":
        missing = [_shown(b)[:4] for b in (start, end) if b is not None and _shown(b)[:4] not in str(words)]
        if missing:
            return (f"date_resolution stated needs every coded bound written in date_text {words!r}, but year {missing[0]} is not: "
                    "a bound found from the tense or the order of the text is bounded_by_text")
    return None


def _type_rules(types: dict[str, str]) -> list[Rule]:
    """sub-event-typed, acled-ineligible and ucdp-ineligible: the in-table part of the ACLED and UCDP rules."""
    from .acled import ACLED_REQUIREMENTS, UCDP_REQUIREMENTS, acled_unmet, ucdp_unmet

    rules: list[Rule] = []
    type_fields = [f for f in (*ACLED_TYPE_FIELDS, UCDP_TYPE_FIELD) if f in types]
    if PARENT_FIELD in types and type_fields:
        def ok(d, type_fields=type_fields):
            typed = _present(d[type_fields[0]])
            for f in type_fields[1:]:
                typed = typed | _present(d[f])
            return ~(_present(d[PARENT_FIELD]) & typed)
        rules.append(Rule("sub-event-typed", type_fields[0], [PARENT_FIELD, *type_fields], ok,
                          lambda r, type_fields=type_fields: f"a part of event {_shown(r[PARENT_FIELD])} carries no ACLED or UCDP type of its own "
                          "(ACLED and UCDP record the whole event once); have " + ", ".join(f"{f}={_shown(r[f])}" for f in type_fields)))
    if {PARENT_FIELD, "event_id"} <= set(types) and types.get("date_start") == "date" and types.get("date_end") == "date":
        fields = [PARENT_FIELD, "event_id", "date_start", "date_end"]

        def ok(d):
            """Only rows with a parent are judged, against the first row of that id (an empty id is no parent)."""
            import numpy as np
            import pandas as pd

            has = d[PARENT_FIELD].notna().to_numpy(dtype=bool)
            fine = np.ones(len(d), dtype=bool)
            if has.any():
                children = d[has]
                parent = children[PARENT_FIELD].astype(object)
                named = d["event_id"].isin(parent.unique()).fillna(False).to_numpy(dtype=bool)
                own = d[named].drop_duplicates("event_id").set_index("event_id")
                # a parent that is no row's id gets NaT (map would give float NaN when none matches, which a date
                # cannot be compared with); NaT compares False, so only a known parent's dates judge its part
                start = own["date_start"].reindex(parent.to_numpy()).to_numpy()
                end = own["date_end"].reindex(parent.to_numpy()).to_numpy()
                outside = (children["date_start"].to_numpy() < start) | (children["date_end"].to_numpy() > end)
                fine[np.flatnonzero(has)[outside]] = False
            return pd.Series(fine, index=d.index)
        rules.append(Rule("sub-event-date", "date_start", fields, ok,
                          lambda r: f"a part of event {_shown(r[PARENT_FIELD])} happens within its parent's dates; have "
                                    f"{_shown(r['date_start'])} to {_shown(r['date_end'])}", whole=True))
    for dataset, needed, unmet, requirements in (("ACLED", ACLED_EVENT_FIELDS, acled_unmet, ACLED_REQUIREMENTS),
                                                 ("UCDP", UCDP_EVENT_FIELDS, ucdp_unmet, UCDP_REQUIREMENTS)):
        if not set(needed) <= set(types):
            continue
        code = f"{dataset.lower()}-ineligible"
        for field, requirement in requirements:
            rules.append(Rule(code, field, list(needed),
                              lambda d, unmet=unmet, key=(field, requirement): ~_once(d, unmet)[key],
                              lambda r, dataset=dataset, requirement=requirement, needed=needed:
                              f"an event with {_with_article(dataset)} type needs {requirement}; have "
                              + ", ".join(f"{f}={_shown(r[f])}" for f in needed if f in r)))
    return rules


def _once(d, compute):
    """compute(d), once per frame and function while one table's rules run (kept with _per_distinct's results)."""
    key = (id(d), compute)
    if key not in _DISTINCT:
        _DISTINCT[key] = compute(d)
    return _DISTINCT[key]


def _with_article(dataset: str) -> str:
    return ("an " if dataset == "ACLED" else "a ") + dataset


def _named(types: dict[str, str], suffix: str) -> list[tuple[str, str]]:
    """(field, prefix) for every field whose name ends with `suffix`: `count_qualifier` -> ("count_qualifier", "count")."""
    return [(name, name[: -len(suffix)]) for name in types if name.endswith(suffix)]


def _figure_rules(types: dict[str, str], numeric: set[str]) -> list[Rule]:
    """figure-mismatch per coded field, and figure-unread, for every `<p>_text` with a qualifier and a range."""
    from .numbers import disagreements, read_figure

    rules: list[Rule] = []
    for name, p in _named(types, "_qualifier"):
        words, low, best, high = f"{p}_text", f"{p}_low", f"{p}_best", f"{p}_high"
        if types.get(words) != "string" or not {low, best, high} <= numeric:
            continue
        fields = [words, name, low, best, high]

        def found(values):
            return dict(disagreements(*values) or ()) if values[0] is not None else {}  # unread words: figure-unread says so
        for target, kind in ((name, "qualifier"), (low, "low"), (best, "best"), (high, "high")):
            def ok(d, fields=fields, kind=kind, found=found):
                return _per_distinct(d, fields, found, lambda result, kind=kind: kind not in result)

            def note(r, fields=fields, kind=kind):
                return dict(disagreements(*(r[f] for f in fields)))[kind]
            rules.append(Rule("figure-mismatch", target, fields, ok, note))
        rules.append(Rule("figure-unread", words, [words],
                          lambda d, words=words: _per_distinct(d, [words], lambda v: v[0] is None or read_figure(v[0]) is not None),
                          lambda r, words=words: f"{r[words]!r} follows none of the codebook's rules for figures "
                                                 "(docs/codebook.md section 6): its range cannot be checked",
                          severity="warning"))
    return rules


_DISTINCT: dict = {}  # (frame, fields, function) -> (row -> distinct combination, result per combination)


def _per_distinct(d, fields: list[str], fine: Callable[[tuple], Any], judge: Callable[[Any], bool] = bool):
    """A boolean Series over the frame: `fine` called once per distinct combination of the fields' values
    (missing values as None), `judge` read on its result; the results are shared by the rules that ask
    for the same fields and function of the same frame (the figure rules read one text four times)."""
    import numpy as np
    import pandas as pd

    from .cells import repeated

    key = (id(d), tuple(fields), fine)
    entry = _DISTINCT.get(key)
    if entry is None:
        codes = np.zeros(len(d), np.int64)
        for f in fields:
            these, uniques = pd.factorize(d[f], use_na_sentinel=True)
            codes, _ = pd.factorize(codes * (len(uniques) + 1) + these + 1)
        first = np.flatnonzero(~repeated(codes))  # the codes count up in order of first appearance: no sort
        sub = d[fields].iloc[first].astype(object)
        sub = sub.where(sub.notna(), None)
        entry = _DISTINCT[key] = (d, codes, [fine(tuple(row)) for row in sub.itertuples(index=False)])
    _, inverse, results = entry
    judged = np.fromiter((bool(judge(r)) for r in results), bool, len(results))
    return pd.Series(judged[inverse] if len(inverse) else np.zeros(0, bool), index=d.index)


def _precision_ok(precision, start, end):
    import numpy as np
    import pandas as pd

    out = pd.Series(True, index=precision.index)
    codes, words = pd.factorize(precision)  # each word compared once, not each row as a Python object
    position = {word: i for i, word in enumerate(words)}

    def is_(*wanted):
        return pd.Series(np.isin(codes, [position[w] for w in wanted if w in position]), index=precision.index)
    has_start, has_end = start.notna(), end.notna()
    both = has_start & has_end
    day = is_("day")
    out &= ~day | (both & (start == end).fillna(False))
    month = is_("month")
    if month.any():
        month_ok = both & (start.dt.day == 1) & (start.dt.to_period("M") == end.dt.to_period("M")) & end.dt.is_month_end
        out &= ~month | month_ok.fillna(False)
    year = is_("year")
    if year.any():
        year_ok = both & (start.dt.month == 1) & (start.dt.day == 1) & (end.dt.month == 12) & (end.dt.day == 31) & (start.dt.year == end.dt.year)
        out &= ~year | year_ok.fillna(False)
    ranged = is_("between", "period")
    out &= ~ranged | ~(start > end).fillna(False)
    unknown = is_("unknown")
    out &= ~unknown | (~has_start & ~has_end)
    return out


def _precision_note(precision, start, end, s, e) -> str:
    wants = {
        "day": f"{s} == {e}",
        "month": f"{s} on the 1st and {e} on the last day of the same month",
        "year": f"{s} on 1 January and {e} on 31 December of one year",
        "between": f"{s} <= {e}",
        "period": f"{s} <= {e}",
        "unknown": f"{s} and {e} empty",
    }.get(precision, "")
    return f"precision {_shown(precision)} needs {wants}; have {s}={_shown(start)}, {e}={_shown(end)}"


def _frame(table: TableData, names: list[str]):
    import pandas as pd
    import pyarrow as pa

    mapper = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype(), pa.bool_(): pd.BooleanDtype()}.get
    columns = {}
    for name in names:
        array = table.typed[name]
        if pa.types.is_date(array.type):
            columns[name] = pd.Series(array.cast(pa.timestamp("s")).to_pandas(), copy=False)
        else:
            columns[name] = pd.Series(array.to_pandas(types_mapper=mapper), copy=False)
    return pd.DataFrame(columns)


def to_pandera(schema: dict[str, Any], rules: list[Rule] | None = None, constraints: bool = True, empty=None):
    """A pandera DataFrameSchema generated from a Table Schema, with the given semantic rules as wide checks.

    With constraints=True every column carries its Table Schema dtype and constraints (nullable from
    `required`, `unique`, `enum`, `pattern`, `minimum`/`maximum`, `minLength`/`maxLength`), for a frame
    typed by `schema.Schema.cast_frame`; `validate` passes constraints=False because its cell engine checks those
    already, cell by cell, and only the semantic rules remain.
    `empty`: the rows of the frame to be validated whose every column is missing, which pandera's ignore_na
    lets pass every wide check; given, they pass without it (pandera finds them once per check: ~1.5 s of
    `validate` at 10^6 rows a table).
    """
    import pandas as pd
    import pandera.pandas as pa

    from ..schema import Field

    columns = {}
    for descriptor in schema.get("fields", []):
        name = descriptor["name"]
        if not constraints:
            columns[name] = pa.Column(None, nullable=True, required=False)
            continue
        c = descriptor.get("constraints") or {}
        dtype = Field.from_descriptor(descriptor).to_pandas()
        checks = []
        if "enum" in c:
            checks.append(pa.Check.isin(c["enum"]))
            if isinstance(dtype, pd.CategoricalDtype):
                dtype = None
        if "pattern" in c:
            checks.append(pa.Check.str_matches(f"^(?:{c['pattern']})$"))
        if "minimum" in c:
            checks.append(pa.Check.ge(c["minimum"]))
        if "maximum" in c:
            checks.append(pa.Check.le(c["maximum"]))
        if "minLength" in c or "maxLength" in c:
            checks.append(pa.Check.str_length(c.get("minLength"), c.get("maxLength")))
        columns[name] = pa.Column(dtype, checks=checks, nullable=not c.get("required", False),
                                  unique=bool(c.get("unique")), required=False)
    def as_series(ok):
        if empty is not None:
            return lambda frame: pd.Series(ok(frame), index=frame.index, dtype=bool) | empty
        return lambda frame: pd.Series(ok(frame), index=frame.index, dtype=bool)

    checks = [pa.Check(as_series(rule.ok), name=rule.type, ignore_na=empty is None)  # failure cases name the finding type
              for rule in rules or []]
    return pa.DataFrameSchema(columns, checks=checks, strict=False)


def whole_table_fields(schema: dict[str, Any]) -> set[str]:
    """The fields of the rules that read other rows than their own (Rule.whole): a table read batch by batch
    keeps them until its last batch, for `check_semantics(..., whole=True)`."""
    return {f for rule in rules_for(schema) if rule.whole for f in rule.fields}


def check_semantics(report: Report, table: TableData, whole: bool | None = None, present: set[str] | None = None) -> None:
    """Run the table's semantic rules through pandera and file each failing row as a Problem.

    `whole`: None runs every rule (the whole table at once); False only the rules judged row by row (one batch
    of a streamed table); True only the rules that read other rows (Rule.whole; the streamed table's columns
    for them, after its last batch). `present`: the fields typed in the batches, when `table` holds only some
    of them, so each rule keeps its place (and its findings their section) whichever way the table is read.
    """
    applicable = [r for r in rules_for(table.schema) if all(f in (table.typed if present is None else present) for f in r.fields)]
    chosen = [(position, r) for position, r in enumerate(applicable) if whole is None or r.whole == whole]
    if not chosen:
        return
    positions = [position for position, _ in chosen]
    rules = [r for _, r in chosen]
    import numpy as np
    import pandera.pandas as pa

    names = sorted({f for r in rules for f in r.fields})
    frame = _frame(table, names)
    schema = to_pandera({"fields": [{"name": n} for n in names]}, rules, constraints=False, empty=frame.isna().all(axis="columns"))
    failing: list[set[int]] = [set() for _ in rules]
    try:
        schema.validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as errors:
        rule_of = {id(check): position for position, check in enumerate(schema.checks)}  # pandera's own Check objects
        for error in errors.schema_errors:
            position = rule_of.get(id(error.check))
            if position is None:
                continue
            if error.reason_code == pa.errors.SchemaErrorReason.CHECK_ERROR:  # the rule raised: a bug, never a finding
                from . import Broken

                raise Broken(f"the rule {rules[position].type} on {table.resource} failed inside pandera: "
                             f"{' '.join(str(error.failure_cases).split())[:300]}")
            failing[position].update(int(i) for i in error.failure_cases["index"].dropna())
    finally:
        _DISTINCT.clear()
    not_blank = ~table.blank
    for position, rule in enumerate(rules):
        table.section(report, Phase.SEMANTICS, positions[position])
        index = np.array(sorted(failing[position]), dtype=np.int64)
        index = index[not_blank[index]] if len(index) else index
        if len(index):  # a cell that failed its type check is reported once, there, not again by a rule
            judged = ~_bad_cells(table, rule.fields)
            index = index[judged[index]]
        def make(i: int, rule=rule, index=index):
            row = int(index[i])
            values = {f: frame[f].iat[row] for f in rule.fields}
            values = {k: (None if _isna(v) else v) for k, v in values.items()}
            return table.problem(rule.type, rule.note(values), row, rule.field, severity=rule.severity)
        report.add_many(len(index), make, severity=rule.severity)


def _bad_cells(table: TableData, fields: list[str]):
    """True for rows where one of the fields holds a cell that is not empty but did not parse to its type."""
    import numpy as np
    import pyarrow.compute as pc

    bad = np.zeros(table.n_rows, dtype=bool)
    for name in fields:
        raw, typed = table.columns.get(name), table.typed.get(name)
        if raw is None or typed is None or raw.type == typed.type:
            continue
        failed = pc.and_(pc.greater(pc.binary_length(raw), 0), pc.is_null(typed))
        bad |= failed.to_numpy(zero_copy_only=False).astype(bool)
    return bad


def _isna(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def check_eligibility(report: Report, tables: dict[str, TableData], linked: dict | None = None) -> None:
    """The ACLED and UCDP needs that span tables (acled.CROSS_FIELDS): an ACLED-typed event has an actor 1 and a
    UCDP-typed one a known side and at least one death, counting only links that are not merely possible.
    Filed on the events row as acled-ineligible / ucdp-ineligible. Skipped when a table or field is missing
    (the descriptor and cell checks report that). `linked`: the foreign-key check's verdicts on the same columns
    (check_foreign_keys), so those ids are not looked up again."""
    from .acled import CROSS_FIELDS, events_with_actor1, events_with_deaths, events_with_side, member, strings

    if any(name not in tables or not all(f in tables[name].typed for f in fields if f != "certainty" and f != UCDP_TYPE_FIELD)
           for name, fields in CROSS_FIELDS.items()):
        return
    from .screens import all_eligible

    if all_eligible({name: tables[name].typed for name in CROSS_FIELDS}):  # DuckDB finds no typed event lacking what this checks
        return
    frames = {name: _frame(tables[name], [f for f in fields if f in tables[name].typed]) for name, fields in CROSS_FIELDS.items()}
    events, table = frames["events"], tables["events"]
    checks = [("ACLED", "acled_event_type", "acled-ineligible", "event_actors", events_with_actor1(frames["event_actors"], frames["actors"]),
               "an actor 1: a stated or implied perpetrator, participant, initiator or organizer (event_actors) whose actor has an ACLED actor type")]
    if UCDP_TYPE_FIELD in events:
        checks += [("UCDP", UCDP_TYPE_FIELD, "ucdp-ineligible", "event_actors", events_with_side(frames["event_actors"]),
                    "a known side: a stated or implied perpetrator (event_actors)"),
                   ("UCDP", UCDP_TYPE_FIELD, "ucdp-ineligible", "casualties", events_with_deaths(frames["casualties"]),
                    "at least one death: a casualties row of the killed with count_low or count_best of 1 or more")]
    import numpy as np

    ids = events["event_id"].astype("string")

    def all_found(name: str, field: str, target: str) -> bool:
        """Whether every value of name.field is a target.field (the ids share the field's name)."""
        verdict = (linked or {}).get((name, field, target, field))
        if verdict is None:
            verdict = bool(member(frames[name][field].dropna(), strings(frames[target][field])).all())
        return verdict

    broken = {name for name in ("event_actors", "casualties") if not all_found(name, "event_id", "events")}
    if not all_found("event_actors", "actor_id", "actors"):
        broken.add("event_actors")
    # a link that points at no row could have been meant for any event: its foreign-key error is reported,
    # and the requirements counted from that table are not judged until it is fixed
    for dataset, field, code, counted_from, having, requirement in checks:
        if counted_from in broken:
            continue
        typed = events[field].notna().to_numpy(dtype=bool) & ~np.asarray(table.blank, dtype=bool)
        lacking = typed & ~member(ids, having).to_numpy(dtype=bool)
        index = np.flatnonzero(lacking)
        report.add_many(len(index), lambda i, index=index, dataset=dataset, field=field, code=code, requirement=requirement: table.problem(
            code, f"an event with {_with_article(dataset)} type needs {requirement}; event {ids.iat[int(index[i])]} has none", int(index[i]), field))

"""Write the coded events in ACLED's column layout and the casualty events in UCDP GED's.

``write_interop(package, fmt, out_path)`` is what ``minusma-facts export --format acled|ucdp`` calls. Every column
and every rule is documented in docs/interop-mapping.md; a value the package cannot give is left empty, never
guessed. The two layouts are the only field lists here: they are ACLED's and UCDP's, not ours.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from pathlib import Path
from typing import Any, Callable

from .coverage import raw_rows
from .package import Package, PackageError
from .reconcile import estimate, figure_of
from .safety import looks_like_formula
from .schema import Field
from .validation.acled import ACTOR1_ROLES, ACTOR2_ROLES, COUNTED_CERTAINTY, eligible

FORMATS = ("acled", "ucdp")

# -- the two layouts: every column of the real exports, in their order, with the type each holds ----------------
# "string", "integer", "number" (decimal) or "date"; `layout_dtypes` turns them into pandas dtypes. The types are
# those of a real download, so that our rows append to one: ACLED's current export (31 columns; inter1, inter2 and
# interaction as text, as the API gives them by default) and UCDP GED's CSV (49 columns). docs/interop-mapping.md
# states how each column is filled; a test keeps that document and these lists in step.
ACLED_LAYOUT = [
    ("event_id_cnty", "string"), ("event_date", "date"), ("year", "integer"), ("time_precision", "integer"),
    ("disorder_type", "string"), ("event_type", "string"), ("sub_event_type", "string"), ("actor1", "string"),
    ("assoc_actor_1", "string"), ("inter1", "string"), ("actor2", "string"), ("assoc_actor_2", "string"),
    ("inter2", "string"), ("interaction", "string"), ("civilian_targeting", "string"), ("iso", "integer"),
    ("region", "string"), ("country", "string"), ("admin1", "string"), ("admin2", "string"), ("admin3", "string"),
    ("location", "string"), ("latitude", "number"), ("longitude", "number"), ("geo_precision", "integer"),
    ("source", "string"), ("source_scale", "string"), ("notes", "string"), ("fatalities", "integer"),
    ("tags", "string"), ("timestamp", "integer"),
]  # fmt: skip

UCDP_LAYOUT = [
    ("id", "integer"), ("relid", "string"), ("year", "integer"), ("active_year", "integer"), ("code_status", "string"),
    ("type_of_violence", "integer"), ("conflict_dset_id", "integer"), ("conflict_new_id", "integer"),
    ("conflict_name", "string"), ("dyad_dset_id", "integer"), ("dyad_new_id", "integer"), ("dyad_name", "string"),
    ("side_a_dset_id", "integer"), ("side_a_new_id", "integer"), ("side_a", "string"), ("side_b_dset_id", "integer"),
    ("side_b_new_id", "integer"), ("side_b", "string"), ("number_of_sources", "integer"), ("source_article", "string"),
    ("source_office", "string"), ("source_date", "string"), ("source_headline", "string"),
    ("source_original", "string"), ("where_prec", "integer"), ("where_coordinates", "string"),
    ("where_description", "string"), ("adm_1", "string"), ("adm_2", "string"), ("latitude", "number"),
    ("longitude", "number"), ("geom_wkt", "string"), ("priogrid_gid", "integer"), ("country", "string"),
    ("country_id", "integer"), ("region", "string"), ("event_clarity", "integer"), ("date_prec", "integer"),
    ("date_start", "string"), ("date_end", "string"), ("deaths_a", "integer"), ("deaths_b", "integer"),
    ("deaths_civilians", "integer"), ("deaths_unknown", "integer"), ("best", "integer"), ("high", "integer"),
    ("low", "integer"), ("gwnoa", "string"), ("gwnob", "string"),
]  # fmt: skip

ACLED_COLUMNS = [name for name, _ in ACLED_LAYOUT]
UCDP_COLUMNS = [name for name, _ in UCDP_LAYOUT]

# ACLED's actor types: the text the API gives in inter1/inter2 by default, and the numeric code (inter_num=1).
ACLED_INTER_LABELS = {
    1: "State forces", 2: "Rebel group", 3: "Political militia", 4: "Identity militia", 5: "Rioters",
    6: "Protesters", 7: "Civilians", 8: "External/Other forces",
}  # fmt: skip
INTER_STYLES = ("text", "numeric")
# GED's CSV writes its dates as timestamps at midnight
GED_DATE_FORMAT = "%Y-%m-%d 00:00:00.000"


def layout(fmt: str, inter: str = "text") -> list[tuple[str, str]]:
    """The (column, type) list of a layout; with ``inter="numeric"`` ACLED's inter1, inter2 and interaction are integers."""
    if fmt == "acled":
        numeric = inter == "numeric"
        return [(n, "integer" if numeric and n in ("inter1", "inter2", "interaction") else t) for n, t in ACLED_LAYOUT]
    if fmt == "ucdp":
        return list(UCDP_LAYOUT)
    raise InteropError(f"unknown interoperability format {fmt!r}; use one of: {', '.join(FORMATS)}")


def layout_dtypes(fmt: str, inter: str = "text") -> dict[str, str]:
    """pandas dtypes to read a layout (ours or a real download) with, as `Field.to_pandas` gives them (nullable
    integers), but dates as text: `read_csv(dtype=...)` cannot parse dates (that is its `parse_dates`)."""
    return {n: Field(n, "string" if t == "date" else t).to_pandas() for n, t in layout(fmt, inter)}


# Country codes the two layouts need, for the countries this dataset's events take place in. A country not
# listed here leaves iso/country/region (ACLED) and country/country_id/region (UCDP) empty.
COUNTRIES = {
    # iso3: ISO 3166-1 numeric, name, ACLED region, Gleditsch-Ward code (UCDP country_id), UCDP region
    "MLI": {"iso": 466, "country": "Mali", "acled_region": "Western Africa", "gw": 432, "ucdp_region": "Africa"},
}

# ACLED disorder type of each ACLED event type (ACLED codebook 2023, "disorder_type").
DISORDER_TYPE = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}
DISORDER_BY_SUB_EVENT = {
    "Excessive force against protesters": "Political violence; Demonstrations",
    "Mob violence": "Political violence; Demonstrations",
}

CIVILIANS_INTER = 7


class InteropError(ValueError):
    """The format is unknown or the package lacks a table the layout needs."""


def write_interop(package: Package, fmt: str, out_path: str | Path, *, inter: str = "text") -> int:
    """Write ``fmt`` ("acled" or "ucdp") rows of ``package`` to the CSV ``out_path``; return the rows written.

    ``inter`` ("text", ACLED's default, or "numeric") is how ACLED's inter1, inter2 and interaction are written.
    The parent folder is created; the file is written beside its target and renamed, so it is never half-written.
    """
    from .export import atomic_target

    builders: dict[str, Callable[[_Data], list[dict[str, Any]]]] = {"acled": acled_rows, "ucdp": ucdp_rows}
    columns = [name for name, _ in layout(fmt, inter)]
    text_columns = {name for name, kind in layout(fmt, inter) if kind == "string"}
    if inter not in INTER_STYLES:
        raise InteropError(f"unknown inter style {inter!r}; use one of: {', '.join(INTER_STYLES)}")
    rows = builders[fmt](_Data(package))
    if fmt == "acled":
        rows = [_acled_inter_style(row, inter) for row in rows]
    with atomic_target(Path(out_path)) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: _cell(row.get(c), text=c in text_columns) for c in columns})
    return len(rows)


def _acled_inter_style(row: dict[str, Any], inter: str) -> dict[str, Any]:
    """The row with inter1/inter2 and interaction as ACLED's text ("Protesters", "State forces-Civilians",
    "Protesters only"), or as they are built, numeric codes (6, 17, 60)."""
    if inter == "numeric":
        return row
    text = dict(row)
    for key in ("inter1", "inter2"):
        text[key] = ACLED_INTER_LABELS.get(row[key]) if row.get(key) is not None else None
    code = row.get("interaction")
    if code is not None:
        first, second = divmod(int(code), 10)
        if second == 0:
            text["interaction"] = f"{ACLED_INTER_LABELS[first]} only"
        else:  # the lower code first, except that ACLED writes External/Other forces before Civilians (78)
            first, second = (second, first) if (first, second) == (7, 8) else (first, second)
            text["interaction"] = f"{ACLED_INTER_LABELS[first]}-{ACLED_INTER_LABELS[second]}"
    return text


# -- reading --------------------------------------------------------------------------------------------------
class _Data:
    """The rows the layouts need, as stored (strings, empty = missing), indexed by id."""

    def __init__(self, package: Package) -> None:
        needed = ("sources", "actors", "events", "event_actors", "casualties", "figures")
        missing = [n for n in needed if n not in package.resource_names]
        if missing:
            raise InteropError(f"the package has no {', '.join(missing)} table")
        try:
            self.tables = {name: raw_rows(package, name) for name in needed}
        except FileNotFoundError as error:
            raise PackageError(f"{error}: missing from the package") from None
        self.sources = {r["source_id"]: r for r in self.tables["sources"]}
        self.actors = {r["actor_id"]: r for r in self.tables["actors"]}
        self.events = {r["event_id"]: r for r in self.tables["events"]}
        # further sources' reports of an event (optional: a package from before 0.3.0 has no such table)
        self.reports: dict[str, list[dict[str, str]]] = {}
        if "event_reports" in package.resource_names:
            try:
                for report in raw_rows(package, "event_reports"):
                    self.reports.setdefault(report["event_id"], []).append(report)
            except FileNotFoundError as error:
                raise PackageError(f"{error}: missing from the package") from None
        # ACLED's timestamp is when a row last changed: here, when this version of the package was made
        from .export import package_timestamp

        stamp = package_timestamp(package.descriptor)
        self.timestamp = int(stamp.replace(tzinfo=dt.timezone.utc).timestamp())

    def eligible(self, kind: str) -> set[str]:
        """The events `kind` ("acled" or "ucdp") could hold: validate's rules (validation.acled), so an export
        of a package that breaks them still holds only rows the real dataset could."""
        import pandas as pd

        frames = {}
        for name in ("events", "event_actors", "actors", "casualties"):
            frame = pd.DataFrame(self.tables[name], dtype="string")
            frames[name] = frame.mask(frame.eq("")) if len(frame) else frame
        if "ucdp_type_of_violence" not in frames["events"]:
            frames["events"]["ucdp_type_of_violence"] = pd.Series(pd.NA, index=frames["events"].index, dtype="string")
        for name in ("events", "event_actors", "actors", "casualties"):
            if frames[name].empty:
                return set()
        return eligible(frames["events"], frames["event_actors"], frames["actors"], frames["casualties"], kind)

    def actors_of(self, event_id: str, roles: tuple[str, ...]) -> list[dict[str, str]]:
        """The event's actors in the given roles, links that are only possible left out: by role preference,
        then in table order; each actor once."""
        links = [r for r in self.tables["event_actors"] if r["event_id"] == event_id and r["role"] in roles
                 and r.get("certainty", "stated") in COUNTED_CERTAINTY]
        links.sort(key=lambda r: roles.index(r["role"]))
        seen, found = set(), []
        for link in links:
            if link["actor_id"] in self.actors and link["actor_id"] not in seen:
                seen.add(link["actor_id"])
                found.append(self.actors[link["actor_id"]])
        return found

    def sources_of(self, event: dict[str, str]) -> list[dict[str, str]]:
        """The sources that report the event: its own, then each further report's, each once."""
        ids = dict.fromkeys([event["source_id"]] + [r["source_id"] for r in self.reports.get(event["event_id"], [])])
        return [self.sources[i] for i in ids if i in self.sources]


def _int(value: str) -> int | None:
    return int(value) if value not in ("", None) else None


def _float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _cell(value: Any, *, text: bool = False) -> str:
    """A value as written to the CSV. In a text column, a value a spreadsheet would run as a formula (it starts
    with = + - @ or a fullwidth form, perhaps behind white space: `safety.looks_like_formula`) gets a leading
    apostrophe, so Excel, LibreOffice and Google Sheets show it as text, as the xlsx export does; numbers,
    dates and codes are never touched (a negative longitude stays a number)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    value = str(value)
    if text and looks_like_formula(value):
        return "'" + value
    return value


def _copy_note(source: dict[str, str]) -> str:
    """Where the coded wording comes from when it is a republished copy, not the publisher's own text."""
    copy_url = source.get("copy_url", "")
    return f" (wording of a reworded republication, {copy_url})" if copy_url else ""


def _publisher(source: dict[str, str]) -> str:
    """The outlet's name: publisher_name without the parent company it gives in brackets."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", source.get("publisher_name", "")).strip()


# -- ACLED ----------------------------------------------------------------------------------------------------
def acled_date(event: dict[str, str]) -> tuple[dt.date | None, int | None]:
    """(event_date, time_precision) by ACLED's rules: 1 the day is known; 2 known to within a week (coded to
    the middle of that span); 3 known to a month (coded to the middle of the month). Anything vaguer: none."""
    start, end, precision = _date(event["date_start"]), _date(event["date_end"]), event["date_precision"]
    if start is None or end is None:
        return None, None
    if start == end:
        return start, 1
    span = (end - start).days + 1
    if precision in ("between", "period") and span <= 7:
        return start + dt.timedelta(days=(span - 1) // 2), 2
    same_month = (start.year, start.month) == (end.year, end.month)
    whole_month = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    if same_month and (precision == "month" or whole_month or precision == "between"):
        return dt.date(start.year, start.month, 15), 3
    return None, None


def _inter(actor: dict[str, str] | None) -> int | None:
    return _int(actor.get("acled_inter_code", "")) if actor else None


def acled_rows(data: _Data) -> list[dict[str, Any]]:
    """One row per event that ACLED could record (validation.acled.eligible: typed, single, dated to a month,
    placed, with an actor 1; not a part of another event)."""
    rows = []
    keep = data.eligible("acled")
    for event in data.tables["events"]:
        if event["event_id"] not in keep:
            continue
        event_id = event["event_id"]
        event_date, time_precision = acled_date(event)
        start, end = _date(event["date_start"]), _date(event["date_end"])
        year = event_date.year if event_date else (start.year if start and end and start.year == end.year else None)

        side1 = data.actors_of(event_id, ACTOR1_ROLES)
        side2 = data.actors_of(event_id, ACTOR2_ROLES)
        actor1 = _primary(side1)
        actor2 = _primary(side2)
        inter1, inter2 = _inter(actor1), _inter(actor2)
        if inter1 is not None and inter2 is not None:
            interaction = int(f"{min(inter1, inter2)}{max(inter1, inter2)}")
        elif inter1 is not None and actor2 is None:
            interaction = inter1 * 10
        else:
            interaction = None
        country = COUNTRIES.get(event["country_iso3"], {})
        source = data.sources.get(event["source_id"], {})
        admin_level = _int(event["admin_level"])
        # every source that reports the event: ACLED lists its sources '; '-separated
        publishers = "; ".join(dict.fromkeys(p for p in (_publisher(s) for s in data.sources_of(event)) if p))
        rows.append(
            {
                "event_id_cnty": None,
                "event_date": event_date.isoformat() if event_date else None,
                "year": year,
                "time_precision": time_precision,
                "disorder_type": DISORDER_BY_SUB_EVENT.get(event["acled_sub_event_type"])
                or DISORDER_TYPE.get(event["acled_event_type"]),
                "event_type": event["acled_event_type"],
                "sub_event_type": event["acled_sub_event_type"],
                "actor1": actor1["actor_name"] if actor1 else None,
                "assoc_actor_1": _assoc(side1, actor1),
                "inter1": inter1,
                "actor2": actor2["actor_name"] if actor2 else None,
                "assoc_actor_2": _assoc(side2, actor2),
                "inter2": inter2,
                "interaction": interaction,
                "civilian_targeting": "Civilian targeting"
                if any(_inter(a) == CIVILIANS_INTER for a in side2) else None,
                "iso": country.get("iso"),
                "region": country.get("acled_region"),
                "country": country.get("country"),
                "admin1": event["admin1"] or None,
                "admin2": None,
                "admin3": None,
                "location": event["location_name"] if admin_level and admin_level >= 1 else None,
                "latitude": _float(event["latitude"]),
                "longitude": _float(event["longitude"]),
                "geo_precision": _int(event["geo_precision"]),
                "source": publishers or None,
                "source_scale": None,
                "notes": f"{event['event_name']}.{_unnamed([(side1, actor1), (side2, actor2)])} Source text{_copy_note(source)}: \"{event['evidence']}\" "
                f"({event['source_id']} [{event['evidence_start']}:{event['evidence_end']}]; "
                f"minusma-facts event {event_id})" + _further_reports(data, event_id),
                "fatalities": _fatalities(data, event_id),
                "tags": "; ".join(
                    dict.fromkeys(
                        f"crowd size={f['value_text']}"
                        for f in data.tables["figures"]
                        if f["event_id"] == event_id and f["figure_type"] == "crowd_size"
                    )
                )
                or None,
                "timestamp": data.timestamp,
            }
        )
    return rows


def _primary(actors: list[dict[str, str]]) -> dict[str, str] | None:
    """The first actor with an ACLED actor type, else the first actor."""
    typed = [a for a in actors if a.get("acled_inter_code")]
    return (typed or actors or [None])[0]


def _assoc(actors: list[dict[str, str]], primary: dict[str, str] | None) -> str | None:
    """The other named groups on the same side, '; '-separated as ACLED does: ACLED lists an actor only by its
    name, so single persons and groups the text does not name are left out (they go to the notes)."""
    names = [a["actor_name"] for a in _others(actors, primary) if a.get("is_named", "true") == "true"]
    return "; ".join(names) or None


def _unnamed(sides: list[tuple[list[dict[str, str]], dict[str, str] | None]]) -> str:
    """The notes' sentence for the groups `_assoc` leaves out because the text does not name them."""
    names = [a["actor_name"] for actors, primary in sides for a in _others(actors, primary) if a.get("is_named", "true") != "true"]
    return f" Unnamed associated actors: {'; '.join(names)}." if names else ""


def _others(actors: list[dict[str, str]], primary: dict[str, str] | None) -> list[dict[str, str]]:
    return [a for a in actors if a is not primary and a.get("actor_kind") != "person"]


def _further_reports(data: _Data, event_id: str) -> str:
    """The notes' sentences for every further source's report of the event (event_reports), with its words."""
    out = ""
    for report in data.reports.get(event_id, []):
        source = data.sources.get(report["source_id"], {})
        out += (f" Also reported by {_publisher(source) or report['source_id']}{_copy_note(source)}: \"{report['evidence']}\" "
                f"({report['source_id']} [{report['evidence_start']}:{report['evidence_end']}]).")
    return out


def _fatalities(data: _Data, event_id: str) -> int | None:
    """The killed of this one event as its sources count them: each source's count_best, else count_low for
    "more than N"; with several sources, their reconciled best (reconcile.estimate). 0 when no source reports
    anyone killed in the event (ACLED's convention: no reported deaths is 0). Empty when a source reports killing
    but gives no count for this one event, only a cumulative tally, or several figures."""
    killed = [r for r in data.tables["casualties"] if r["event_id"] == event_id and r["harm_type"] == "killed"]
    if not killed:
        return 0
    sources = [r["source_id"] for r in killed]
    if any(r["tally_type"] != "event_toll" or _toll(r) is None for r in killed) or len(set(sources)) != len(sources):
        return None
    best = estimate([figure_of(r, "casualties") for r in killed])["best"]
    return None if best is None else int(best)


def _toll(row: dict[str, str]) -> int | None:
    """A casualty row's single number: count_best, else for "more than N" the lowest number the words allow."""
    value = _int(row["count_best"])
    if value is None and row["count_qualifier"] == "more_than":
        value = _int(row["count_low"])
    return value


# -- UCDP GED -------------------------------------------------------------------------------------------------
def ucdp_date_prec(event: dict[str, str]) -> int | None:
    """GED date_prec: 1 exact day; 2 a span of 2-6 days; 3 a week; 4 a month (or a span within one month);
    5 a year (or a span within one calendar year). Vaguer or open-ended dates: none."""
    start, end = _date(event["date_start"]), _date(event["date_end"])
    if start is None or end is None:
        return None
    span = (end - start).days + 1
    if span == 1:
        return 1
    if span <= 6:
        return 2
    if span == 7:
        return 3
    if (start.year, start.month) == (end.year, end.month):
        return 4
    if start.year == end.year:
        return 5
    return None


def ucdp_where_prec(event: dict[str, str]) -> int | None:
    """GED where_prec from the place's admin level and the coordinates' geo_precision: a locality or site
    (level 3) is 1 with its own coordinates and 2 with a nearby place's; a second-order division 3; a
    first-order division 4; the country 6. No place: none."""
    level, geo = _int(event["admin_level"]), _int(event["geo_precision"])
    if level is None:
        return None
    if level >= 3:
        return {1: 1, 2: 2}.get(geo) if geo is not None else None
    return {2: 3, 1: 4, 0: 6}.get(level)


def priogrid_gid(latitude: float, longitude: float) -> int:
    """PRIO-GRID cell id of a point: half-degree cells numbered row by row from (-90, -180), 720 a row."""
    row = math.floor((latitude + 90) * 2)
    column = math.floor((longitude + 180) * 2)
    return row * 720 + column + 1


def ucdp_rows(data: _Data) -> list[dict[str, Any]]:
    """One row per event GED could record (validation.acled.eligible: a UCDP type, a known side, a death, a date
    within a year, a place), from its killed rows (tally_type event_toll), every source's: low, best, high and
    number_of_sources are their reconciliation (reconcile.estimate), the source columns list every source."""
    rows = []
    keep = data.eligible("ucdp")
    tolls: dict[str, list[dict[str, str]]] = {}
    for casualty in data.tables["casualties"]:
        if casualty["harm_type"] == "killed" and casualty["tally_type"] == "event_toll" and casualty["event_id"] in keep:
            tolls.setdefault(casualty["event_id"], []).append(casualty)
    for event_id, killed in tolls.items():
        event = data.events.get(event_id)
        if event is None:
            continue
        casualty = killed[0]
        reconciled = estimate([figure_of(r, "casualties") for r in killed])
        sources = [data.sources[i] for i in dict.fromkeys(r["source_id"] for r in killed) if i in data.sources]
        perpetrators = data.actors_of(event["event_id"], ("perpetrator",))
        side_a = _primary(perpetrators)
        victim = next((data.actors[r["victim_actor_id"]] for r in killed if r["victim_actor_id"] in data.actors), None)
        civilians = victim is not None and _inter(victim) == CIVILIANS_INTER
        start, end = _date(event["date_start"]), _date(event["date_end"])
        date_prec = ucdp_date_prec(event)
        latitude, longitude = _float(event["latitude"]), _float(event["longitude"])
        country = COUNTRIES.get(event["country_iso3"], {})
        # best: the exact number a source gives, else the smallest its words allow ("more than 500": 501); across
        # sources their median (reconcile.estimate, docs/codebook.md)
        best = None if reconciled["best"] is None else int(reconciled["best"])
        high = None if reconciled["high"] is None else int(reconciled["high"])
        if high is None and best is not None:
            high = best  # unbounded ("more than 500"): GED needs a number; the words stay in the package
        rows.append(
            {
                "id": None,
                "relid": reconciled["row_ids"],
                "year": start.year if start and end and start.year == end.year else None,
                "active_year": None,
                "code_status": None,
                "type_of_violence": _int(event.get("ucdp_type_of_violence", "")),
                "conflict_dset_id": None,
                "conflict_new_id": None,
                "conflict_name": None,
                "dyad_dset_id": None,
                "dyad_new_id": None,
                "dyad_name": None,
                "side_a_dset_id": None,
                "side_a_new_id": None,
                "side_a": _ged_side(data, side_a),
                "side_b_dset_id": None,
                "side_b_new_id": None,
                "side_b": "Civilians" if civilians else (_ged_side(data, victim) or casualty["victim_text"] or None),
                "number_of_sources": reconciled["number_of_sources"],
                "source_article": "; ".join(f"{_publisher(source)}, \"{source.get('headline', '')}\", "
                                            f"{source.get('publication_date', '')}{_copy_note(source)}" for source in sources) or None,
                "source_office": "; ".join(_publisher(source) for source in sources) or None,
                "source_date": "; ".join(filter(None, (_ged_date(_date(source.get("publication_date", ""))) for source in sources))) or None,
                "source_headline": "; ".join(source.get("headline", "") for source in sources) or None,
                "source_original": "; ".join(dict.fromkeys(r["reported_by_text"] for r in killed if r["reported_by_text"])) or None,
                "where_prec": ucdp_where_prec(event),
                "where_coordinates": event["location_name"] or None,
                "where_description": event["location_text"] or None,
                "adm_1": event["admin1"] or None,
                "adm_2": None,
                "latitude": latitude,
                "longitude": longitude,
                "geom_wkt": f"POINT ({longitude!r} {latitude!r})" if latitude is not None and longitude is not None else None,
                "priogrid_gid": priogrid_gid(latitude, longitude) if latitude is not None and longitude is not None else None,
                "country": country.get("country"),
                "country_id": country.get("gw"),
                "region": country.get("ucdp_region"),
                "event_clarity": 2 if event["is_series"].lower() in ("true", "1") else 1,
                "date_prec": date_prec,
                "date_start": _ged_date(start) if date_prec else None,
                "date_end": _ged_date(end) if date_prec else None,
                # the source does not split the dead by side: all civilians, or all unknown
                "deaths_a": 0 if best is not None else None,
                "deaths_b": 0 if best is not None else None,
                "deaths_civilians": (best if civilians else 0) if best is not None else None,
                "deaths_unknown": (0 if civilians else best) if best is not None else None,
                "best": best,
                "high": high,
                "low": None if reconciled["low"] is None else int(reconciled["low"]),
                "gwnoa": None,
                "gwnob": None,
            }
        )
    return rows


def _ged_side(data: _Data, actor: dict[str, str] | None) -> str | None:
    """One actor as GED names a side: a state's forces as "Government of <country>", any other by its name."""
    if actor is None:
        return None
    country = COUNTRIES.get(actor.get("country_iso3", ""), {}).get("country")
    if _inter(actor) == 1 and country:
        return f"Government of {country}"
    return actor["actor_name"]


def _ged_date(day: dt.date | None) -> str | None:
    return day.strftime(GED_DATE_FORMAT) if day else None

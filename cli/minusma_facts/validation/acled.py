"""ACLED's codebook, the part a Table Schema cannot say: which sub-event types belong to which event type,
and which interaction code goes with which actor type. (ACLED Codebook, 2023; the enums themselves live in
the schemas.)"""

SUB_EVENT_TYPES = {
    "Battles": {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"},
    "Explosions/Remote violence": {"Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Grenade"},
    "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
    "Protests": {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"},
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
                               "Headquarters or base established", "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"},
}

INTER_CODES = {
    "State forces": 1,
    "Rebel groups": 2,
    "Political militias": 3,
    "Identity militias": 4,
    "Rioters": 5,
    "Protesters": 6,
    "Civilians": 7,
    "External/Other forces": 8,
}


# -- Which rows may carry an ACLED or a UCDP type (docs/codebook.md, "Which rows get an ACLED or a UCDP type") --
# The same functions decide what `validate` accepts and which rows the ACLED and UCDP exports hold. They take
# pandas frames either typed (validate, load()) or as stored strings (the exports), missing values as NA.

ACLED_TYPE_FIELDS = ("acled_event_type", "acled_sub_event_type")
UCDP_TYPE_FIELD = "ucdp_type_of_violence"
PARENT_FIELD = "parent_event_id"
# event_actors roles that can be ACLED's actor 1 (who acts), in order of preference, and actor 2 (to whom)
ACTOR1_ROLES = ("perpetrator", "participant", "initiator", "organizer")
ACTOR2_ROLES = ("victim", "target")
UCDP_SIDE_ROLES = ("perpetrator",)
# a link whose certainty is one of these can carry an actor into ACLED or UCDP; a "possible" one cannot
COUNTED_CERTAINTY = ("stated", "implied")

# the fields whose rules count linked rows in other tables (an ACLED type needs an actor 1, a UCDP type a side
# and a death): a row nothing links to cannot carry them (benchmarks/generate.py reads this)
LINKED_TYPE_FIELDS = (*ACLED_TYPE_FIELDS, UCDP_TYPE_FIELD)
# what the rules that span tables read of each table (validate keeps these columns until every table is read)
CROSS_FIELDS = {
    "events": ("event_id", "acled_event_type", UCDP_TYPE_FIELD, PARENT_FIELD),
    "event_actors": ("event_id", "actor_id", "role", "certainty"),
    "actors": ("actor_id", "acled_actor_type"),
    "casualties": ("event_id", "harm_type", "count_low", "count_best"),
}

ACLED_EVENT_FIELDS = ("acled_event_type", "is_series", "date_start", "date_end", "country_iso3", "admin1", "latitude", "longitude")
UCDP_EVENT_FIELDS = (UCDP_TYPE_FIELD, "date_start", "date_end", "country_iso3", "admin_level")


def _present(series):
    import pandas as pd

    present = series.notna()
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_bool_dtype(series)):
        present &= series.astype("string").fillna("").str.len().gt(0)
    return present.fillna(False).astype(bool)


def _arrow_strings(series):
    """The Arrow array behind a string Series backed by pyarrow, else None."""
    import pyarrow as pa

    array = getattr(series.array, "_pa_array", None)
    return array if array is not None and (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)) else None


def member(series, values) -> object:
    """series.isin(values) as a plain boolean Series (missing values False). An Arrow-backed string Series is
    looked up by Arrow's hash table (pandas would check each value in a Python loop); any other is hashed as
    Python objects, fast for large sets of ids."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    array = _arrow_strings(series)
    if array is not None:
        try:
            if isinstance(values, (pa.Array, pa.ChunkedArray)):
                wanted = values
            else:
                wanted = pa.array(list(values), array.type)
            found = pc.is_in(array, value_set=wanted.cast(array.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):  # a value that is not a str
            found = None
        if found is not None:
            return pd.Series(pc.fill_null(found, False).to_numpy(zero_copy_only=False), index=series.index, dtype=bool)
    if not isinstance(values, (set, frozenset)) and hasattr(values, "to_pylist"):
        values = set(values.to_pylist())
    return series.astype(object).isin(values).fillna(False).astype(bool)


def unique_strings(series):
    """The distinct values of a string Series as an Arrow array when it is backed by one (no Python object per
    value: for `member`), else as a set."""
    import pyarrow.compute as pc

    array = _arrow_strings(series.astype("string"))
    if array is None:
        return set(series.astype("string").dropna())
    return pc.unique(array).drop_null()


def strings(series):
    """The values of a string Series as one Arrow array (nulls dropped) when it is backed by one, else as a set:
    a value set for `member`, which hashes it once anyway (no `pc.unique` pass before it)."""
    import pyarrow as pa

    array = _arrow_strings(series.astype("string"))
    if array is None:
        return set(series.astype("string").dropna())
    array = array.drop_null()
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _dates(series):
    import pandas as pd

    return pd.to_datetime(series.where(_present(series)), errors="coerce")


def _true(series):
    return series.astype("string").str.lower().isin(["true", "1"]).fillna(False).astype(bool)


# (field the problem is filed under, requirement) of each in-table need, in the order acled_unmet/ucdp_unmet give them
ACLED_REQUIREMENTS = (
    ("is_series", "a single event, not a series (is_series false)"),
    ("date_start", "a date known to a month or better (date_start and date_end in one calendar month)"),
    ("country_iso3", "a place: country_iso3 with admin1, or with latitude and longitude"),
)
UCDP_REQUIREMENTS = (
    ("date_start", "a date within one calendar year (GED date_prec 1 to 5)"),
    ("country_iso3", "a place: country_iso3 and admin_level (GED where_prec 1 to 6)"),
)


def acled_unmet(events) -> dict[tuple[str, str], object]:
    """{(field, requirement): boolean Series, True on rows with an ACLED event type that break it}."""
    typed = _present(events["acled_event_type"])
    start, end = _dates(events["date_start"]), _dates(events["date_end"])
    within_month = (start.dt.year == end.dt.year) & (start.dt.month == end.dt.month)
    has_place = _present(events["country_iso3"]) & (_present(events["admin1"]) | (_present(events["latitude"]) & _present(events["longitude"])))
    return dict(zip(ACLED_REQUIREMENTS, (typed & _true(events["is_series"]), typed & ~within_month.fillna(False).astype(bool), typed & ~has_place)))


def ucdp_unmet(events) -> dict[tuple[str, str], object]:
    """{(field, requirement): boolean Series, True on rows with a UCDP type of violence that break it}."""
    typed = _present(events[UCDP_TYPE_FIELD])
    start, end = _dates(events["date_start"]), _dates(events["date_end"])
    within_year = (start.dt.year == end.dt.year).fillna(False).astype(bool)
    has_place = _present(events["country_iso3"]) & _present(events["admin_level"])
    return dict(zip(UCDP_REQUIREMENTS, (typed & ~within_year, typed & ~has_place)))


def counted_links(event_actors, roles: tuple[str, ...]):
    """The event_actors rows in these roles whose certainty lets them count (not "possible")."""
    role = event_actors["role"].astype("string")
    keep = role.isin(list(roles)).fillna(False).astype(bool)
    if "certainty" in event_actors:
        keep &= event_actors["certainty"].astype("string").isin(list(COUNTED_CERTAINTY)).fillna(False).astype(bool)
    return event_actors[keep]


def events_with_actor1(event_actors, actors):
    """Events that have an ACLED actor 1: a counted link in an actor-1 role to an actor with an ACLED actor type.
    Each of these functions gives the ids as `unique_strings` does, a value set for `member`."""
    typed = unique_strings(actors.loc[_present(actors["acled_actor_type"]), "actor_id"])
    links = counted_links(event_actors, ACTOR1_ROLES)
    return unique_strings(links.loc[member(links["actor_id"], typed), "event_id"])


def events_with_side(event_actors):
    """Events with a known side for UCDP: a counted perpetrator."""
    return unique_strings(counted_links(event_actors, UCDP_SIDE_ROLES)["event_id"])


def events_with_deaths(casualties):
    """Events for which a casualty row counts at least one death (count_low or count_best of the killed >= 1)."""
    import pandas as pd

    killed = casualties["harm_type"].astype("string").eq("killed").fillna(False).astype(bool)
    low = pd.to_numeric(casualties["count_low"], errors="coerce")
    best = pd.to_numeric(casualties["count_best"], errors="coerce")
    some = (low.ge(1) | best.ge(1)).fillna(False).astype(bool)
    return unique_strings(casualties.loc[killed & some, "event_id"])


def eligible(events, event_actors, actors, casualties, kind: str) -> set[str]:
    """The event_ids that may be exported as `kind` ("acled" or "ucdp"): typed, not a part of another event,
    meeting every requirement of their dataset."""
    ids = events["event_id"].astype("string")
    if kind == "acled":
        ok = _present(events["acled_event_type"])
        for unmet in acled_unmet(events).values():
            ok &= ~unmet
        ok &= member(ids, events_with_actor1(event_actors, actors))
    else:
        ok = _present(events[UCDP_TYPE_FIELD])
        for unmet in ucdp_unmet(events).values():
            ok &= ~unmet
        ok &= member(ids, events_with_side(event_actors)) & member(ids, events_with_deaths(casualties))
    if PARENT_FIELD in events:
        ok &= ~_present(events[PARENT_FIELD])
    return set(ids[ok].dropna())

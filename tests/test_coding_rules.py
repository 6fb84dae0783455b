"""The coding rules of docs/codebook.md, held two ways: the real data follows them, and `validate` catches a
copy that breaks them (one damaged copy per rule, each reported under its own code, row and field)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from damage import find_row, matching, set_cells

from minusma_facts.package import Package
from minusma_facts.validation.acled import eligible
from minusma_facts.validation.numbers import BOUNDS, RULES, read_figure

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Package.open(ROOT)
CODEBOOK = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
LINK_TABLES = ("event_actors", "actor_relations", "quote_events")


def rows(table: str) -> list[dict[str, str]]:
    return PACKAGE.read_table(table, typed=False).to_dict(orient="records")


def frame(table: str) -> pd.DataFrame:
    data = PACKAGE.read_table(table, typed=False).astype("string")
    return data.mask(data.eq(""))


def schema(table: str) -> dict:
    return json.loads((ROOT / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))


def by_id(table: str, key: str) -> dict[str, dict[str, str]]:
    return {r[key]: r for r in rows(table)}


# -- the data ---------------------------------------------------------------------------------------------------
def test_a_part_of_an_event_carries_no_acled_or_ucdp_type():
    parts = [e for e in rows("events") if e["parent_event_id"]]
    assert {e["event_id"] for e in parts} >= {"bamako_protest_signs", "bamako_protest_meeting", "bamako_protest_russian_flags"}
    assert [e["event_id"] for e in parts if e["acled_event_type"] or e["acled_sub_event_type"] or e["ucdp_type_of_violence"]] == []


@pytest.mark.parametrize("kind, field", [("acled", "acled_event_type"), ("ucdp", "ucdp_type_of_violence")], ids=["acled", "ucdp"])
def test_every_typed_event_is_one_its_dataset_could_record(kind, field):
    typed = {e["event_id"] for e in rows("events") if e[field]}
    assert typed, f"no event has a {kind} type"
    assert eligible(frame("events"), frame("event_actors"), frame("actors"), frame("casualties"), kind) == typed


def test_one_rule_decides_the_massacres_and_the_wagner_accusations_alike():
    events = by_id("events", "event_id")
    for event_id in ("massacres_near_un_compounds", "wagner_killings", "wagner_torture", "peace_agreement_signed", "france_withdrawal_2022"):
        assert not events[event_id]["acled_event_type"] and not events[event_id]["ucdp_type_of_violence"], event_id


def test_the_bamako_protest_carries_its_organizers():
    links = [r for r in rows("event_actors") if r["event_id"] == "bamako_protest_2023_05_25"]
    roles = {(r["actor_id"], r["role"]): r["certainty"] for r in links}
    assert roles[("protesters_bamako", "participant")] == "stated"
    assert roles[("m5_rfp", "organizer")] in ("stated", "implied")
    assert roles[("civil_society_organizations", "organizer")] == "implied"
    assert roles[("abdoulaye_diarra", "participant")] == "implied"


@pytest.mark.parametrize("table", LINK_TABLES)
def test_every_link_says_how_sure_it_is(table):
    field = next(f for f in schema(table)["fields"] if f["name"] == "certainty")
    assert field["constraints"]["required"] is True
    assert {r["certainty"] for r in rows(table)} <= set(field["constraints"]["enum"])


def test_certainty_is_defined_once_alike_in_every_link_table():
    definitions = [next(f for f in schema(t)["fields"] if f["name"] == "certainty") for t in LINK_TABLES]
    assert all(d == definitions[0] for d in definitions)
    assert definitions[0]["constraints"]["enum"] == ["stated", "implied", "possible"]
    assert definitions[0]["title"] and definitions[0]["description"] and definitions[0]["example"] in definitions[0]["constraints"]["enum"]


@pytest.mark.parametrize(
    "table, key, certainty",
    [
        pytest.param("event_actors", "wagner_killings__malian_armed_forces__perpetrator", "possible", id="army as possible referent of 'them' (killings)"),
        pytest.param("event_actors", "wagner_torture__malian_armed_forces__perpetrator", "possible", id="army as possible referent of 'them' (torture)"),
        pytest.param("event_actors", "wagner_killings__wagner_group__perpetrator", "implied", id="Wagner as likelier referent"),
        pytest.param("actor_relations", "csos_part_of_m5_rfp", "possible", id="the other reading of the M5-RFP commas"),
        pytest.param("event_actors", "bamako_protest_meeting__civil_society_organizations__organizer", "implied", id="the likelier readings of the commas"),
        pytest.param("event_actors", "bamako_protest_meeting__party_of_transitional_prime_minister__organizer", "possible", id="the three-item reading of the commas"),
        pytest.param("event_actors", "mali_military_sought_wagner_help__government_of_mali__initiator", "possible", id="military government as who sought help"),
        pytest.param("event_actors", "un_peacekeepers_killed_since_2013__armed_groups_isil_al_qaeda__perpetrator", "possible", id="the armed groups behind 'also'"),
        pytest.param("quote_events", "diarra_direct_1__said_at__bamako_protest_2023_05_25", "implied", id="Diarra quoted at the protest"),
        pytest.param("quote_events", "djire_direct_1__said_at__bamako_protest_2023_05_25", "possible", id="Djire quoted at the protest"),
        pytest.param("actor_relations", "diarra_protester", "implied", id="Diarra a protester"),
        pytest.param("quote_events", "maiga_direct_1__said_at__maiga_interview_al_jazeera", "implied", id="Maiga quoted at the interview"),
    ],
)
def test_doubt_is_a_column(table, key, certainty):
    assert rows(table)[[r[schema(table)["primaryKey"][0]] for r in rows(table)].index(key)]["certainty"] == certainty


def test_a_quote_can_be_about_several_events():
    about = {}
    for link in rows("quote_events"):
        if link["link_type"] == "about":
            about.setdefault(link["quote_id"], set()).add(link["event_id"])
    assert about["maiga_direct_1"] == {"un_resolution_2013", "international_involvement_mali"}
    assert about["maiga_direct_2"] == {"war_in_mali", "peace_agreement_signed", "un_resolution_changed", "international_involvement_mali"}
    assert about["un_investigators_accusation"] == {"wagner_killings", "wagner_torture"}
    claimed = {(e["claim_quote_id"], e["event_id"]) for e in rows("events") if e["claim_quote_id"]}
    assert claimed <= {(q, e) for q, events in about.items() for e in events}, "an event's claim quote is about it"


@pytest.mark.parametrize("table", sorted(PACKAGE.resource_names))
def test_schema_examples_are_real_values(table):
    """An example is a value the column holds (none where the column is empty), and an example span is the
    stored text between its example offsets."""
    data = PACKAGE.read_table(table, typed=False)
    text = (ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt").read_text(encoding="utf-8")
    examples = {f["name"]: f["example"] for f in schema(table)["fields"] if "example" in f}
    for name, example in examples.items():
        values = {v for v in data[name] if v != ""}
        shown = str(example).lower() if isinstance(example, bool) else str(example)
        assert shown in values or (isinstance(example, float) and repr(example) in values), f"{table}.{name}: example {example!r}"
        if f"{name}_start" in examples and f"{name}_end" in examples:
            assert text[examples[f"{name}_start"]:examples[f"{name}_end"]] == example, f"{table}.{name}: example offsets"


def test_bounds_follow_one_rule_for_every_qualifier():
    """numbers.BOUNDS says which bounds each qualifier fills; every reading rule and both tables agree with it."""
    for table, field in (("casualties", "count_qualifier"), ("figures", "value_qualifier")):
        enum = next(f for f in schema(table)["fields"] if f["name"] == field)["constraints"]["enum"]
        assert set(enum) == set(BOUNDS), table
    for words in ("More than 300", "almost ten", "a few", "Thousands", "Several thousand", "millions", "10", "deadliest"):
        reading = read_figure(words)
        filled = tuple(k for k in ("low", "best", "high") if getattr(reading, k) is not None)
        assert filled == BOUNDS[reading.qualifier], words
    assert read_figure("almost ten").high == 9  # inclusive, like "more than 300" = 301


def test_the_words_of_a_number_stop_at_the_number():
    bare = [re.compile(pattern[: -len(r"\b.*")] if pattern.endswith(r"\b.*") else pattern) for pattern, _ in RULES]
    for table, field in (("casualties", "count_text"), ("figures", "value_text")):
        for row in rows(table):
            words = " ".join(row[field].lower().split())
            if words:
                assert any(p.fullmatch(words) for p in bare), f"{table} {field} {row[field]!r} goes on past its number"


def test_the_codebooks_unknown_date_example_is_coded_unknown():
    line = next(line for line in CODEBOOK.splitlines() if line.startswith("| `unknown` |"))
    example = re.findall(r'"([^"]+)"', line)[0]
    (event,) = [e for e in rows("events") if e["evidence"] == example]
    assert (event["date_precision"], event["date_start"], event["date_end"]) == ("unknown", "", "")


def test_the_2013_floor_applies_to_every_undated_event_involving_the_un_mission():
    minusma = {r["event_id"] for r in rows("event_actors") if r["actor_id"] == "minusma"}
    aliases = {a["alias_text"] for a in rows("actor_aliases") if a["actor_id"] == "minusma"}
    for event in rows("events"):
        involves = event["event_id"] in minusma or any(a in event["evidence"] for a in aliases) or "UN compounds" in event["location_text"]
        if involves and event["date_precision"] == "between":
            assert event["date_start"] >= "2013-01-01", event["event_id"]
    assert by_id("events", "event_id")["massacres_near_un_compounds"]["date_start"] == "2013-01-01"


def test_every_actor_is_used_by_another_row():
    references = set()
    for table in PACKAGE.resource_names:
        if table in ("actors", "actor_aliases"):
            continue
        for fk in schema(table).get("foreignKeys", []):
            if fk["reference"]["resource"] == "actors":
                references |= {r[fk["fields"][0]] for r in rows(table)}
    assert {a["actor_id"] for a in rows("actors")} - references == set()


@pytest.mark.parametrize(
    "actor_id, words",
    [
        pytest.param("minusma", "an evil force", id="evil force"),
        pytest.param("choguel_maiga", "the transitional prime minister", id="prime minister"),
        pytest.param("russian_forces_in_mali", "trainers", id="trainers"),
        pytest.param("armed_groups_isil_al_qaeda", "armed groups linked to ISIL (ISIS) and al-Qaeda", id="armed groups"),
        pytest.param("foreign_forces", "foreign and local forces", id="foreign forces, not the bare adjective"),
    ],
)
def test_every_string_used_for_an_actor_is_an_alias(actor_id, words):
    assert (actor_id, words) in {(a["actor_id"], a["alias_text"]) for a in rows("actor_aliases")}
    assert "foreign" not in {a["alias_text"] for a in rows("actor_aliases")}


def test_frictions_are_placed_in_mali_like_their_siblings():
    event = by_id("events", "event_id")["frictions_government_minusma"]
    assert (event["country_iso3"], event["admin_level"]) == ("MLI", "0")


# -- validate catches each broken rule -------------------------------------------------------------------------
def _event(event_id: str, **values: str):
    return ("events", lambda r: r["event_id"] == event_id, values)


DAMAGE = [
    pytest.param([_event("bamako_protest_signs", acled_event_type="Protests", acled_sub_event_type="Peaceful protest")],
                 "sub-event-typed", "events", "bamako_protest_signs", "acled_event_type", id="a part of the protest typed"),
    pytest.param([_event("bamako_protest_meeting", ucdp_type_of_violence="3")],
                 "sub-event-typed", "events", "bamako_protest_meeting", "acled_event_type", id="a part with a UCDP type"),
    pytest.param([_event("bamako_protest_signs", date_start="2023-05-24", date_end="2023-05-24")],
                 "sub-event-date", "events", "bamako_protest_signs", "date_start", id="a part outside its parent's dates"),
    pytest.param([_event("france_withdrawal_2022", acled_event_type="Strategic developments", acled_sub_event_type="Change to group/activity")],
                 "acled-ineligible", "events", "france_withdrawal_2022", "date_start", id="ACLED type on a year-only date"),
    pytest.param([_event("france_withdrawal_2022", acled_event_type="Strategic developments", acled_sub_event_type="Change to group/activity")],
                 "acled-ineligible", "events", "france_withdrawal_2022", "country_iso3", id="ACLED type without coordinates"),
    pytest.param([_event("wagner_killings", acled_event_type="Violence against civilians", acled_sub_event_type="Attack")],
                 "acled-ineligible", "events", "wagner_killings", "is_series", id="ACLED type on a series"),
    pytest.param([_event("peace_agreement_signed", acled_event_type="Strategic developments", acled_sub_event_type="Agreement",
                         date_start="2015-06-01", date_end="2015-06-30", date_precision="month", location_name="Bamako",
                         country_iso3="MLI", admin1="Bamako", admin_level="3", latitude="12.65", longitude="-8.0", geo_precision="1")],
                 "acled-ineligible", "events", "peace_agreement_signed", "acled_event_type", id="ACLED type without an actor1"),
    pytest.param([_event("bamako_protest_2023_05_25"), ("event_actors", lambda r: r["event_actor_id"] == "bamako_protest_2023_05_25__protesters_bamako__participant",
                                                       {"certainty": "possible"})],
                 "acled-ineligible", "events", "bamako_protest_2023_05_25", "acled_event_type", id="an actor1 that is only possible"),
    pytest.param([_event("wagner_killings", ucdp_type_of_violence="3")],
                 "ucdp-ineligible", "events", "wagner_killings", "date_start", id="UCDP type without a date within a year"),
    pytest.param([_event("wagner_killings", ucdp_type_of_violence="3")],
                 "ucdp-ineligible", "events", "wagner_killings", "ucdp_type_of_violence", id="UCDP type without a death"),
    pytest.param([_event("military_coup_2020", ucdp_type_of_violence="1")],
                 "ucdp-ineligible", "events", "military_coup_2020", "ucdp_type_of_violence", id="UCDP type without a known side"),
    pytest.param([("casualties", lambda r: r["casualty_id"] == "wagner_torture", {"count_high": "3"})],
                 "bound-qualifier", "casualties", "wagner_torture", "count_qualifier", id="unspecified with a bound"),
    pytest.param([("figures", lambda r: r["figure_id"] == "france_presence_years", {"value_qualifier": "more_than", "value_text": "almost ten"})],
                 "bound-qualifier", "figures", "france_presence_years", "value_qualifier", id="qualifier with the wrong bounds"),
    pytest.param([("figures", lambda r: r["figure_id"] == "djire_waiting_years", {"value_best": "11"})],
                 "bound-qualifier", "figures", "djire_waiting_years", "value_qualifier", id="exact with best apart from low and high"),
    pytest.param([_event("armed_group_attacks_since_2013", date_resolution="stated")],
                 "date-resolution", "events", "armed_group_attacks_since_2013", "date_resolution", id="an end from tense called stated"),
    pytest.param([_event("government_fight_against_rebels", date_resolution="bounded_by_text")],
                 "date-resolution", "events", "government_fight_against_rebels", "date_resolution", id="bounded_by_text without a bound"),
    pytest.param([_event("malians_celebrated_arrival", date_resolution="none")],
                 "date-resolution", "events", "malians_celebrated_arrival", "date_resolution", id="none on a dated event"),
    pytest.param([("event_actors", lambda r: r["certainty"] == "possible", {"coding_note": ""})],
                 "certainty-unexplained", "event_actors", None, "coding_note", id="a possible role without its reason"),
    pytest.param([("actor_relations", lambda r: r["relation_id"] == "diarra_protester", {"coding_note": ""})],
                 "certainty-unexplained", "actor_relations", "diarra_protester", "coding_note", id="an implied relation without its reason"),
    pytest.param([("actors", lambda r: r["actor_id"] == "government_of_russia", {"is_named": "true"})],
                 "name-basis", "actors", "government_of_russia", "is_named", id="a coder label called a name"),
    pytest.param([("quote_events", lambda r: r["quote_id"] == "maiga_direct_2", {"event_id": "no_such_event"})],
                 "foreign-key", "quote_events", None, "event_id", id="a quote link to no event"),
]


@pytest.mark.parametrize("edits, code, table, key, field", DAMAGE)
def test_validate_catches_a_broken_coding_rule(package_copy, run_validate, edits, code, table, key, field):
    rows_changed = {}
    for edit_table, predicate, values in edits:
        row = find_row(package_copy, edit_table, predicate)
        set_cells(package_copy, edit_table, row, values)
        rows_changed.setdefault(edit_table, row)
    exit_code, _, _, report = run_validate(package_copy, "--json")
    assert exit_code == 1
    found = matching(report, code, file=f"data/{table}.csv", field=field)
    expected_row = rows_changed.get(table) if key is None else find_row(package_copy, table, lambda r: key in r.values())
    assert found and {p["row"] for p in found} == {expected_row}
    assert found[0]["message"].startswith(f"{table}.csv row {expected_row}")

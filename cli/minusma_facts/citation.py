"""How to cite a release: read CITATION.cff, fill its placeholders, render BibTeX and APA.

CITATION.cff is the one place that holds the repository URL and the DOI. Until the repository is public and
Zenodo has minted a DOI, they are the two placeholders below, which nobody can mistake for real ones (`.invalid`
is a reserved top-level domain, RFC 2606). `minusma-facts release --repository-url URL --doi DOI` fills them in
the archive's copies of CITATION.cff, .zenodo.json and README.md; a placeholder that is not filled is left out of
the archive's citation rather than shipped as if it were real.

The renderers cover what this dataset's citation needs (authors as persons or one organisation, title, version,
year, publisher, DOI, URL), after the CFF 1.2.0 fields; they are not a general CSL engine.
"""

from __future__ import annotations

import copy
from typing import Any

REPOSITORY_PLACEHOLDER = "https://minusma-facts.invalid/repository-url-placeholder"
DOI_PLACEHOLDER = "10.5281/zenodo.PLACEHOLDER"


def load(text: str) -> dict[str, Any]:
    """CITATION.cff text as a mapping, read within the gate's budgets (no YAML aliases, size capped:
    `safety.load_yaml`)."""
    from .safety import load_yaml

    data = load_yaml(text, "CITATION.cff")
    if not isinstance(data, dict):
        raise ValueError("CITATION.cff does not hold a mapping at its top level")
    return data


def placeholders(cff: dict[str, Any]) -> list[str]:
    """Which placeholders (doi, repository-code) the citation still carries, anywhere in it."""
    text = repr(cff)
    return [name for name, value in (("doi", DOI_PLACEHOLDER), ("repository-code", REPOSITORY_PLACEHOLDER)) if value in text]


def fill(cff: dict[str, Any], *, doi: str | None = None, repository_url: str | None = None) -> dict[str, Any]:
    """A copy of the citation with the placeholders replaced by the values given; placeholders with no value are
    removed (with any identifier that holds them), never kept as if they were real."""
    values = {DOI_PLACEHOLDER: doi, REPOSITORY_PLACEHOLDER: repository_url}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                new = walk(value)
                if new is not _DROP:
                    out[key] = new
            return out
        if isinstance(node, list):
            items = [(v, walk(v)) for v in node]
            return [new for old, new in items if new is not _DROP and not _emptied(old, new)]
        if isinstance(node, str) and node in values:
            return values[node] if values[node] else _DROP
        return node

    return walk(copy.deepcopy(cff))


class _Drop:
    pass


_DROP = _Drop()


def _emptied(old: Any, new: Any) -> bool:
    """An identifiers entry whose value was a dropped placeholder."""
    return isinstance(old, dict) and "value" in old and "value" not in new


def _reference(cff: dict[str, Any]) -> dict[str, Any]:
    """What to cite: the preferred-citation, completed from the top level."""
    preferred = dict(cff.get("preferred-citation") or {})
    for key in ("title", "authors", "version", "doi", "url", "repository-code", "date-released"):
        if key not in preferred and key in cff:
            preferred[key] = cff[key]
    return preferred


def year(cff: dict[str, Any]) -> str | None:
    reference = _reference(cff)
    if reference.get("year"):
        return str(reference["year"])
    released = reference.get("date-released")
    return str(released)[:4] if released else None


def link(cff: dict[str, Any]) -> str | None:
    """The one link a citation gives: the DOI's, else the URL, else the repository."""
    reference = _reference(cff)
    if reference.get("doi"):
        return f"https://doi.org/{reference['doi']}"
    return reference.get("url") or reference.get("repository-code")


def _names(cff: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(family or organisation name, given names) of each author."""
    names = []
    for author in _reference(cff).get("authors") or []:
        if author.get("family-names"):
            family = " ".join(p for p in (author.get("name-particle"), author["family-names"]) if p)
            names.append((family, author.get("given-names")))
        elif author.get("name"):
            names.append((author["name"], None))
    return names


def _publisher(cff: dict[str, Any]) -> str | None:
    publisher = _reference(cff).get("publisher")
    return publisher.get("name") if isinstance(publisher, dict) else publisher


def apa(cff: dict[str, Any]) -> str:
    """An APA 7 reference for a data set: Author. (Year). *Title* (Version X) [Data set]. Publisher. Link"""
    reference = _reference(cff)
    authors = []
    for family, given in _names(cff):
        initials = " ".join(f"{part[0]}." for part in given.split()) if given else ""
        authors.append(f"{family}, {initials}" if initials else family)
    if len(authors) > 1:
        author = ", ".join(authors[:-1]) + ", & " + authors[-1]
    else:
        author = authors[0] if authors else reference.get("title", "")
    parts = [f"{author.rstrip('.')}.", f"({year(cff) or 'n.d.'}).", f"*{reference.get('title', '')}*"]
    if reference.get("version"):
        parts[-1] += f" (Version {reference['version']})"
    parts[-1] += " [Data set]."
    if _publisher(cff):
        parts.append(f"{_publisher(cff)}.")
    if link(cff):
        parts.append(link(cff))
    return " ".join(parts)


def _bibtex_escape(text: str) -> str:
    for char in "\\{}":
        text = text.replace(char, "\\" + char)
    for char in "&%$#_":
        text = text.replace(char, "\\" + char)
    return text


def bibtex(cff: dict[str, Any], key: str | None = None) -> str:
    """A BibTeX @misc entry (BibTeX has no data-set type; biblatex reads @misc too)."""
    reference = _reference(cff)
    authors = " and ".join(
        f"{_bibtex_escape(family)}, {_bibtex_escape(given)}" if given else "{" + _bibtex_escape(family) + "}"
        for family, given in _names(cff)
    )
    key = key or "".join(c if c.isalnum() else "_" for c in f"{reference.get('title', 'dataset').split(':')[0]}_{year(cff) or ''}")
    fields = [
        ("author", authors),
        ("title", "{" + _bibtex_escape(str(reference.get("title", ""))) + "}"),
        ("year", year(cff)),
        ("version", reference.get("version")),
        ("publisher", _publisher(cff)),
        ("doi", reference.get("doi")),
        ("url", link(cff)),
        ("note", "Data set"),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}"

"""Metadata agreement: title, version, licence, authors, keywords and description must agree across
datapackage.json, CITATION.cff, .zenodo.json and pyproject.toml (those present at the package root).

Each file's values are read into one shape (strings; licence upper-cased; authors and keywords as sorted
lists); each file is compared with datapackage.json (or, for a field it lacks, with the first file that has
it), and every disagreement is one `metadata-mismatch` naming both files and the field.
"""

from __future__ import annotations

import json
from typing import Any

from ..package import DESCRIPTOR, Package
from ..report import Problem, Report

MAX_METADATA_BYTES = 1 << 20
FIELDS = ("title", "version", "licence", "authors", "keywords", "description")


def _norm_text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())


def _norm_list(values: Any) -> list[str] | None:
    if not isinstance(values, list):
        return None
    out = sorted({" ".join(str(v).split()).casefold() for v in values if str(v).strip()})
    return out or None


def _licence(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id") or value.get("name") or value.get("text")
    text = _norm_text(value)
    return text.upper() if text else None


def _person(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if not isinstance(entry, dict):
        return None
    given = entry.get("given-names") or entry.get("givenName")
    family = entry.get("family-names") or entry.get("familyName")
    if given or family:
        return " ".join(p for p in (given, family) if p)
    name = entry.get("name") or entry.get("title")
    if isinstance(name, str) and "," in name:  # Zenodo writes "Family, Given"
        family, _, given = name.partition(",")
        return f"{given.strip()} {family.strip()}".strip()
    return name


def _authors(entries: Any) -> list[str] | None:
    if not isinstance(entries, list):
        return None
    return _norm_list([p for p in (_person(e) for e in entries) if p])


def from_datapackage(d: dict[str, Any]) -> dict[str, Any]:
    licenses = d.get("licenses") if isinstance(d.get("licenses"), list) else []
    contributors = d.get("contributors") if isinstance(d.get("contributors"), list) else None
    if contributors is not None:
        creators = [c for c in contributors if isinstance(c, dict) and
                    ({"creator", "author"} & set(c.get("roles") or ([c["role"]] if "role" in c else [])))]
        contributors = creators or contributors
    return {"title": _norm_text(d.get("title")), "version": _norm_text(d.get("version")),
            "licence": _licence(licenses[0]) if licenses else None, "authors": _authors(contributors),
            "keywords": _norm_list(d.get("keywords")), "description": _norm_text(d.get("description"))}


def from_citation(d: dict[str, Any]) -> dict[str, Any]:
    licence = d.get("license")
    if isinstance(licence, list):
        licence = licence[0] if licence else None
    return {"title": _norm_text(d.get("title")), "version": _norm_text(str(d["version"]) if "version" in d else None),
            "licence": _licence(licence), "authors": _authors(d.get("authors")),
            "keywords": _norm_list(d.get("keywords")), "description": _norm_text(d.get("abstract"))}


def from_zenodo(d: dict[str, Any]) -> dict[str, Any]:
    return {"title": _norm_text(d.get("title")), "version": _norm_text(d.get("version")),
            "licence": _licence(d.get("license")), "authors": _authors(d.get("creators")),
            "keywords": _norm_list(d.get("keywords")), "description": _norm_text(d.get("description"))}


def from_pyproject(d: dict[str, Any]) -> dict[str, Any]:
    project = d.get("project") if isinstance(d.get("project"), dict) else {}
    return {"title": None, "version": _norm_text(project.get("version")),
            "licence": _licence(project.get("license")), "authors": _authors(project.get("authors")),
            "keywords": _norm_list(project.get("keywords")), "description": _norm_text(project.get("description"))}


def _load(package: Package, name: str, report: Report) -> dict[str, Any] | None:
    if not package.exists(name):
        return None
    try:
        text = package.read_bytes(name, max_bytes=MAX_METADATA_BYTES).decode("utf-8")
        if name.endswith(".cff"):
            from ..safety import load_yaml

            data = load_yaml(text, name)
        elif name.endswith(".toml"):
            import tomllib

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ImportError:  # a missing parser is the environment's fault, not the file's: validate cannot run
        raise
    except Exception as error:  # a metadata file that does not parse is a finding, not a crash
        report.add(Problem("metadata-error", f"{name} cannot be read ({str(error).splitlines()[0] if str(error) else type(error).__name__})", file=name))
        return None
    if not isinstance(data, dict):
        report.add(Problem("metadata-error", f"{name} does not hold a mapping at its top level", file=name))
        return None
    return data


READERS = (("CITATION.cff", from_citation), (".zenodo.json", from_zenodo), ("pyproject.toml", from_pyproject))


def check_metadata(report: Report, package: Package) -> None:
    files = [(DESCRIPTOR, from_datapackage(package.descriptor))]
    for name, reader in READERS:
        data = _load(package, name, report)
        if data is not None:
            files.append((name, reader(data)))
    for field in FIELDS:
        having = [(name, values[field]) for name, values in files if values[field] is not None]
        if len(having) < 2:
            continue
        reference_name, reference = having[0]
        for name, value in having[1:]:
            if value != reference:
                report.add(Problem("metadata-mismatch",
                                   f"{field} differs: {reference_name} has {_show(reference)}, {name} has {_show(value)}",
                                   file=name, field=field, cell=_show(value)))


def _show(value: Any) -> str:
    text = ", ".join(value) if isinstance(value, list) else str(value)
    return repr(text if len(text) <= 80 else text[:77] + "...")

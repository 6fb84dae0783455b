"""The differential corpus (tests/corpus.py): validate's findings equal frictionless's on each package.

Findings are compared as (type, resource, row, field), in-process (frictionless's Python API). Where the two
read the Data Package v2 spec differently, frictionless is run on the package as validate reads it, and
docs/validation.md ("Where validate and frictionless differ") says why:

- a multipart resource is the concatenation of its parts, "in the simplest way" (the v2 Data Resource spec);
  frictionless-py drops the first line of every later part (it expects the header repeated). frictionless is
  given the concatenated file instead;
- `nullSequence` marks a missing value; frictionless-py 5 reads it as text. frictionless is given the same
  sequence as a schema `missingValues` entry instead;
- a primary- or foreign-key finding names the key's field in validate; frictionless names none (the field is
  left out of the comparison).
"""

from __future__ import annotations

import json
import shutil

import pytest

from corpus import build, cases

UNNAMED_FIELD = {"primary-key", "foreign-key"}
# damage to a file's bytes that validate, stricter than frictionless, reports and frictionless does not (or
# reports otherwise): (findings only validate makes, findings only frictionless makes); docs/validation.md
STRICTER = {
    "byte-order mark": ({("bom", "people", None, None)}, set()),
    "mixed line endings": ({("mixed-line-endings", "people", None, None)}, set()),
    "not UTF-8": ({("encoding-error", "people", None, None)}, set()),
    "empty file": ({("empty-table", "people", None, None)},
                   {("source-error", "people", None, None)} | {("foreign-key", "visits", row, None) for row in (2, 3, 4)}),
}
NOTHING_TO_FIND = {"none", "CR line ends"}  # valid for frictionless (a header-only people table: only the references into it fail)


def ours(package) -> set[tuple]:
    from minusma_facts.validation import validate_package

    report = validate_package(package)
    return {_key(p.type, p.resource, p.row, p.field) for p in report.errors}


def theirs(package) -> set[tuple]:
    from frictionless import validate

    report = validate(str(package / "datapackage.json"))
    found = {_key(e.type, None, None, None) for e in report.errors}
    for task in report.tasks:
        for error in task.errors:
            found.add(_key(error.type, task.name, getattr(error, "row_number", None), getattr(error, "field_name", None)))
    return found


def _key(type_, resource, row, field):
    if type_.endswith("-label"):
        row = None  # frictionless gives labels no row; validate says row 1 (the header)
    if type_ in UNNAMED_FIELD:
        field = None
    return (type_, resource, row, field or None)


def as_validate_reads_it(package, folder):
    """A copy of `package` in which frictionless reads what the spec (as validate reads it) says the package holds."""
    copy = shutil.copytree(package, folder)
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if isinstance(resource.get("path"), list):  # the parts concatenated in the simplest way
            joined = b"".join((copy / part).read_bytes() for part in resource["path"])
            (copy / "joined.csv").write_bytes(joined)
            resource["path"] = "joined.csv"
        null = (resource.get("dialect") or {}).pop("nullSequence", None)
        if null is not None:
            resource["schema"]["missingValues"] = ["", null]
    (copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return copy


@pytest.mark.parametrize("case", [pytest.param(c, id=" / ".join(c)) for c in cases()])
def test_validate_agrees_with_frictionless(tmp_path, case):
    package = build(case, tmp_path / "package")
    mine = ours(package)
    reference = theirs(as_validate_reads_it(package, tmp_path / "reference"))
    assert (mine - reference, reference - mine) == STRICTER.get(case[2], (set(), set()))
    assert bool(mine) == (case[2] not in NOTHING_TO_FIND)  # every damage is found, and only damage


def test_the_documented_differences_are_still_there(tmp_path):
    """frictionless itself reads a multipart resource and nullSequence otherwise (so the comparison above is
    run on the package as validate reads it): if frictionless changes, docs/validation.md must too."""
    multipart = build(("default", "multipart", "required"), tmp_path / "multipart")
    assert ("constraint-error", "people", 5, "name") in ours(multipart) - theirs(multipart)
    null = build(("null sequence", "file", "none"), tmp_path / "null")
    assert not ours(null) and ("type-error", "people", 4, "born_date") in theirs(null)

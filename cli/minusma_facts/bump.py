"""Set a new version in every file that carries it and open its CHANGELOG section with the data diff.

The version lives in `CARRIERS`: the descriptor (`version`; `created`, which becomes the release archive's
timestamp), `pyproject.toml`, `CITATION.cff` (`version`, `date-released`), `.zenodo.json` (`version`,
`publication_date` when present), the Python package's `__version__`, the release archive's name and the
pre-commit hook's `rev: vX.Y.Z` in the README's examples, and the data dictionary (rendered again). The CHANGELOG gets a section `## [VERSION] - DATE` under
`[Unreleased]`, taking over its entries, with the diff of every table against the previous release: a release
archive or folder given by path, else the newest git tag `vX.Y.Z` below the new version. All files are
written together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .package import DESCRIPTOR, Package, PackageError

VERSION = r"[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
CHANGELOG = "CHANGELOG.md"
UNRELEASED = "## [Unreleased]"


class BumpError(Exception):
    """The bump is refused (exit 1)."""


def parse_version(text: str) -> tuple:
    match = re.fullmatch(r"([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?", text or "")
    if not match:
        raise BumpError(f"{text!r} is not a version of the form MAJOR.MINOR.PATCH (e.g. 0.2.0)")
    major, minor, patch, pre = match.groups()
    # a pre-release sorts before its release (Semantic Versioning 11)
    return int(major), int(minor), int(patch), (0, pre) if pre else (1, "")


@dataclass
class Carrier:
    """A file that carries the version, and how to set it there: (pattern, replacement) pairs."""

    path: str
    edits: Callable[[str, str], list[tuple[str, str]]]  # (new version, date) -> [(pattern, replacement)]
    required: bool = True


def _json_key(key: str, value: str) -> tuple[str, str]:
    return rf'(?m)^(  "{key}"\s*:\s*)"[^"\n]*"', rf'\g<1>"{value}"'


CARRIERS = [
    Carrier(DESCRIPTOR, lambda v, d: [_json_key("version", v), _json_key("created", f"{d}T00:00:00Z")]),
    Carrier("pyproject.toml", lambda v, d: [(rf'(?m)^(version\s*=\s*)"{VERSION}"', rf'\g<1>"{v}"')]),
    # the top level and `preferred-citation` (indented) each carry version, date-released and, there, year
    Carrier("CITATION.cff", lambda v, d: [(rf'(?m)^([ \t]*version:[ \t]*)"?{VERSION}"?[ \t]*$', rf'\g<1>"{v}"'),
                                          (r'(?m)^([ \t]*date-released:[ \t]*)"?[0-9-]+"?[ \t]*$', rf'\g<1>"{d}"'),
                                          (r'(?m)^([ \t]+year:[ \t]*)[0-9]{4}[ \t]*$', rf'\g<1>{d[:4]}')]),
    Carrier(".zenodo.json", lambda v, d: [_json_key("version", v), _json_key("publication_date", d)]),
    Carrier("cli/minusma_facts/__init__.py", lambda v, d: [(rf'(?m)^(__version__\s*=\s*)"{VERSION}"', rf'\g<1>"{v}"')],
            required=False),
    Carrier("README.md", lambda v, d: [(rf"(minusma-facts-){VERSION}(\.zip)", rf"\g<1>{v}\g<2>"),
                                       (rf"(?m)^([ \t]*rev:[ \t]*v){VERSION}(?=[ \t]*$)", rf"\g<1>{v}")], required=False),
]


@dataclass
class Bump:
    old: str
    new: str
    date: str
    previous: str  # where the previous release came from, said plainly
    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def previous_release(root: Path, new: str, path: Path | None) -> tuple[Package, str, tempfile.TemporaryDirectory | None]:
    """The previous release: the package at `path`, else the newest git tag vX.Y.Z below `new`."""
    if path is not None:
        return Package.open(path), f"{Path(path).resolve().name} (given with --previous)", None
    try:
        listed = subprocess.run(["git", "-C", str(root), "tag", "--list", "v*"], capture_output=True, text=True,
                                check=True, timeout=60).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listed = []
    tags = []
    for tag in listed:
        try:
            tags.append((parse_version(tag[1:]), tag))
        except BumpError:
            continue
    below = sorted((t for t in tags if t[0] < parse_version(new)), reverse=True)
    if not below:
        raise PackageError(f"no previous release to compare with: {root} has no git tag vX.Y.Z below {new}; "
                           "pass --previous PATH (the previous release .zip or a folder of it)")
    tag = below[0][1]
    folder = tempfile.TemporaryDirectory(prefix="minusma-facts-previous-")
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", tag], capture_output=True,
                             check=True, timeout=300).stdout
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        try:
            tar.extractall(folder.name, filter="data")
        except TypeError:  # Python before 3.11.4: no filter; git archive holds no links out of the tree
            tar.extractall(folder.name)
    return Package.open(folder.name), f"git tag {tag}", folder


def plan(root: Path, new: str, *, previous: Path | None = None, date: str | None = None) -> Bump:
    """Every file's new bytes; nothing is written here."""
    from .diff import diff_packages, to_markdown
    from .dictionary import DICTIONARY_PATH, render

    package = Package.open(root)
    old = package.descriptor.get("version")
    if not isinstance(old, str):
        raise BumpError(f"{DESCRIPTOR}: no version to bump from")
    if parse_version(new) <= parse_version(old):
        raise BumpError(f"{new} is not above the current version {old} ({DESCRIPTOR})")
    date = date or dt.datetime.now(dt.timezone.utc).date().isoformat()
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise BumpError(f"--date {date!r} is not a date YYYY-MM-DD") from None
    before, where, holder = previous_release(root, new, previous)
    try:
        changes = to_markdown(diff_packages(before, package), heading="####")
        previous_version = before.descriptor.get("version") or "?"
    finally:
        if holder is not None:
            holder.cleanup()
    bump = Bump(old, new, date, f"{previous_version}, from {where}")

    for carrier in CARRIERS:
        target = root / carrier.path
        if not target.is_file():
            if carrier.required:
                raise BumpError(f"{carrier.path}: missing; it carries the version")
            continue
        text = target.read_text(encoding="utf-8")
        updated = text
        for pattern, replacement in carrier.edits(new, date):
            updated, count = re.subn(pattern, replacement, updated)
            if not count and carrier.required and "version" in pattern:
                raise BumpError(f"{carrier.path}: no version found to set")
        if updated != text:
            bump.files[carrier.path] = updated.encode("utf-8")
    descriptor = json.loads(bump.files.get(DESCRIPTOR, (root / DESCRIPTOR).read_bytes()))
    if descriptor.get("version") != new:
        raise BumpError(f"{DESCRIPTOR}: the version could not be set (is 'version' a top-level key?)")
    if (root / DICTIONARY_PATH).is_file():
        bumped = Package(package.location, descriptor)
        bump.files[DICTIONARY_PATH] = render(bumped).encode("utf-8")
    bump.files[CHANGELOG] = _changelog(root / CHANGELOG, new, date, bump.previous, changes).encode("utf-8")
    return bump


def _changelog(path: Path, new: str, date: str, previous: str, changes: str) -> str:
    if not path.is_file():
        raise BumpError(f"{CHANGELOG}: missing")
    text = path.read_text(encoding="utf-8")
    if re.search(rf"(?m)^## \[{re.escape(new)}\]", text):
        raise BumpError(f"{CHANGELOG}: already has a section for {new}")
    start = text.find(UNRELEASED)
    if start < 0:
        raise BumpError(f"{CHANGELOG}: no '{UNRELEASED}' section to open the new version under")
    body_start = text.index("\n", start) + 1
    following = re.search(r"(?m)^## \[", text[body_start:])
    body_end = body_start + following.start() if following else len(text)
    unreleased = text[body_start:body_end].strip()
    if unreleased in ("", "Nothing yet."):
        unreleased = ""
    section = [f"## [{new}] - {date}", ""]
    if unreleased:
        section += [unreleased, ""]
    section += [f"### Data changes since {previous}", "",
                "Rows added, removed and changed in each table (by primary key), as `minusma-facts diff` lists them.",
                "", changes.rstrip(), ""]
    return text[:body_start] + "\nNothing yet.\n\n" + "\n".join(section) + "\n" + text[body_end:]


def write(root: Path, bump: Bump) -> None:
    from .safety import output_path
    from .writes import write_all

    write_all({output_path(root, relpath): data for relpath, data in bump.files.items()})

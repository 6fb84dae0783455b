"""Build the Zenodo-ready release archive `dist/<name>-<version>.zip`, reproducibly.

The archive holds one folder `<name>-<version>/` with:

- `datapackage.json`, each resource's `bytes` and `hash` (`"sha256:<hex>"`, Data Package v2) filled in;
- every resource's data file and schema file, as the descriptor names them;
- the release documents (`RELEASE_DOCUMENTS`) and, when present, a licence file;
- `exports/`: the same tables as SQLite, Parquet and Excel.

It never holds the stored source texts: their publishers keep the rights. The sources table keeps each
text's SHA-256, URLs and path, and the fact tables keep the short verbatim evidence excerpts, so a user who
obtains the text can verify every span (`minusma-facts validate ARCHIVE --sources FOLDER`).

Two builds from the same files give byte-identical archives: entries in a fixed order, one fixed timestamp
(the descriptor's `created`), mode 0644, deterministic exports. The archive is written to a temporary file
beside the target and renamed, so a failed or interrupted build leaves no partial archive; the package
itself is only read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .package import DESCRIPTOR, Package, PackageError, unsafe_path_reason
from .safety import clean_name, load_yaml, output_path

RELEASE_DOCUMENTS = (
    "README.md",
    "CHANGELOG.md",
    "CITATION.cff",
    ".zenodo.json",
    "docs/codebook.md",
    "docs/data-dictionary.md",
)
OPTIONAL_DOCUMENTS = ("LICENSE", "LICENSE.md", "LICENSE.txt")
EXPORTS_FOLDER = "exports"


class ReleaseError(Exception):
    """The release cannot be built (the command exits 2 on it)."""


@dataclass(frozen=True)
class Release:
    path: Path
    sha256: str
    size: int
    entries: tuple[str, ...]


def archive_stem(descriptor: dict[str, Any]) -> str:
    name, version = descriptor.get("name"), descriptor.get("version")
    if not isinstance(name, str) or not name or unsafe_path_reason(name) or "/" in name:
        raise ReleaseError(f"{DESCRIPTOR}: 'name' must be a plain file name to name the archive")
    if not isinstance(version, str) or not version or unsafe_path_reason(version) or "/" in version:
        raise ReleaseError(f"{DESCRIPTOR}: 'version' must be set (e.g. 0.1.0) to name the archive")
    return f"{name}-{version}"


def source_text_paths(package: Package) -> set[str]:
    """Paths of the stored source texts the sources table names (left out of every release)."""
    if "sources" not in package.resource_names:
        return set()
    try:
        frame = package.read_table("sources", typed=False)
    except (FileNotFoundError, ValueError):
        return set()
    if "text_path" not in frame.columns:
        return set()
    return {str(p) for p in frame["text_path"] if str(p)}


def _read(package: Package, relpath: str, what: str) -> bytes:
    try:
        return package.read_bytes(relpath)
    except FileNotFoundError:
        raise ReleaseError(f"{relpath}: {what} is missing") from None
    except OSError as error:
        raise ReleaseError(f"{relpath}: {what} cannot be read ({error.strerror})") from None


def check_documents(package: Package) -> None:
    """Refuse to build when a document every release carries is missing."""
    missing = [doc for doc in RELEASE_DOCUMENTS if not package.exists(doc)]
    if missing:
        raise ReleaseError(f"cannot build the release: {', '.join(missing)} missing from the package")


def check_metadata_versions(package: Package) -> None:
    """Refuse to build when CITATION.cff or .zenodo.json give another version than datapackage.json."""
    import yaml

    version = package.descriptor.get("version")
    found: dict[str, Any] = {}
    try:
        cff = _read(package, "CITATION.cff", "CITATION.cff").decode("utf-8")
        found["CITATION.cff"] = (load_yaml(cff, "CITATION.cff") or {}).get("version")
    except (yaml.YAMLError, AttributeError, ValueError) as error:
        raise ReleaseError(f"CITATION.cff: not a YAML mapping ({error})") from None
    try:
        found[".zenodo.json"] = json.loads(_read(package, ".zenodo.json", ".zenodo.json")).get("version")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as error:
        raise ReleaseError(f".zenodo.json: not a JSON object ({error})") from None
    for where, value in found.items():
        if str(value) != str(version):
            raise ReleaseError(f"{where}: version {value!r} differs from {DESCRIPTOR}'s {version!r}")


def collect_entries(package: Package) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The release descriptor (bytes and hash filled in) and every file to archive, by package path."""
    descriptor = json.loads(json.dumps(package.descriptor))  # a deep copy; the package's stays untouched
    texts = source_text_paths(package)
    files: dict[str, bytes] = {}
    for resource in descriptor.get("resources") or []:
        if not isinstance(resource, dict):
            continue
        name = resource.get("name")
        path = package.resource_path(name)
        if path in texts or PurePosixPath(path).parts[:1] == ("sources",):
            raise ReleaseError(
                f"{DESCRIPTOR}: resource {name!r} is a stored source text ({path}); releases leave those out"
            )
        data = _read(package, path, f"the data file of resource {name!r}")
        resource["bytes"] = len(data)
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        files[path] = data
        schema = resource.get("schema")
        if isinstance(schema, str):
            package.schema(name)  # refuses unsafe paths and non-JSON schema files
            files[schema] = _read(package, schema, f"the schema file of resource {name!r}")
    check_documents(package)
    for doc in RELEASE_DOCUMENTS + OPTIONAL_DOCUMENTS:
        if package.exists(doc):
            files[doc] = _read(package, doc, doc)
    leaked = sorted(set(files) & texts)
    if leaked:
        raise ReleaseError(f"{', '.join(leaked)}: a stored source text would enter the release")
    return descriptor, files


def build_exports(package: Package, stem: str) -> dict[str, bytes]:
    """SQLite, Parquet and Excel exports of the package, by their path inside the archive."""
    from .export import package_timestamp, write_parquet, write_sqlite, write_xlsx

    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="minusma-facts-release-") as work:
        folder = Path(work)
        write_sqlite(package, folder / f"{stem}.sqlite")
        write_xlsx(package, folder / f"{stem}.xlsx", stamp=package_timestamp(package.descriptor))
        write_parquet(package, folder / "parquet")
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files[f"{EXPORTS_FOLDER}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return files


def build_release(package_path: str | Path = ".", output_dir: str | Path | None = None) -> Release:
    """Build `<output_dir>/<name>-<version>.zip` (default output_dir: the package's `dist/`)."""
    from .export import ExportError, package_timestamp, write_reproducible_zip

    package = Package.open(package_path)
    if package.is_archive:
        raise ReleaseError(f"{package_path}: a release is built from a package folder, not from an archive")
    stem = archive_stem(package.descriptor)
    check_documents(package)
    check_metadata_versions(package)
    descriptor, files = collect_entries(package)
    try:
        files.update(build_exports(package, stem))
    except ExportError as error:
        raise ReleaseError(f"cannot build the exports: {error}") from None
    files[DESCRIPTOR] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    order = [DESCRIPTOR] + sorted(p for p in files if p != DESCRIPTOR)
    entries = [(f"{stem}/{p}", files[p]) for p in order]

    out_dir = Path(output_dir) if output_dir is not None else output_path(package.location, "dist")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReleaseError(f"{out_dir}: cannot create the output folder ({error.strerror})") from None
    target = out_dir / f"{stem}.zip"
    handle, temporary_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out_dir)
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            write_reproducible_zip(stream, entries, package_timestamp(package.descriptor))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()
    data = target.read_bytes()
    return Release(target, hashlib.sha256(data).hexdigest(), len(data), tuple(name for name, _ in entries))


def release_or_error(package_path: str | Path, output_dir: str | Path | None) -> Release:
    """build_release with every expected failure turned into ReleaseError (for the command line)."""
    try:
        return build_release(package_path, output_dir)
    except PackageError as error:
        raise ReleaseError(str(error)) from None
    except OSError as error:
        where = getattr(error, "filename", None) or ""
        raise ReleaseError(f"{where}: {error.strerror or error}" if where else str(error)) from None

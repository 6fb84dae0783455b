"""Build the Zenodo-ready release archive `dist/<name>-<version>.zip`, reproducibly.

The archive holds one folder `<name>-<version>/` with:

- `datapackage.json`, each resource's `bytes` and `hash` (`"sha256:<hex>"`, Data Package v2) filled in;
- every resource's data file and schema file, as the descriptor names them;
- `README.md`, written for the archive's users from the package (`minusma_facts.userguide`), not the
  developers' README of the repository;
- the release documents (`RELEASE_DOCUMENTS`) and, when present, a licence file; CITATION.cff and .zenodo.json
  with their placeholders filled (`minusma_facts.citation`);
- `exports/`: the same tables as SQLite, Parquet and Excel, and the events in ACLED's and UCDP GED's layouts;
- `tools/`: the Python tools as a wheel and an sdist, built reproducibly from the project (its pyproject.toml),
  so that the archive alone installs `minusma-facts` and `load()`.

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
from .safety import clean, clean_name, load_json, load_yaml, output_path

RELEASE_DOCUMENTS = (
    "CHANGELOG.md",
    "CITATION.cff",
    ".zenodo.json",
    "docs/codebook.md",
    "docs/data-dictionary.md",
    "docs/interop-mapping.md",
)
README = "README.md"  # generated for the archive (minusma_facts.userguide)
TOOLS_FOLDER = "tools"
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
    notes: tuple[str, ...] = ()


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
        found[".zenodo.json"] = load_json(_read(package, ".zenodo.json", ".zenodo.json"), ".zenodo.json").get("version")
    except (ValueError, AttributeError) as error:  # not JSON, not UTF-8 (both ValueErrors), over the budget
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


def export_paths(stem: str) -> dict[str, str]:
    """Where each export goes inside the archive."""
    return {
        "sqlite": f"{EXPORTS_FOLDER}/{stem}.sqlite",
        "xlsx": f"{EXPORTS_FOLDER}/{stem}.xlsx",
        "acled": f"{EXPORTS_FOLDER}/{stem}-acled.csv",
        "ucdp": f"{EXPORTS_FOLDER}/{stem}-ucdp.csv",
    }


def build_exports(package: Package, stem: str) -> dict[str, bytes]:
    """SQLite, Parquet, Excel, ACLED and UCDP exports of the package, by their path inside the archive."""
    from .export import package_timestamp, write_parquet, write_sqlite, write_xlsx
    from .interop import write_interop

    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="minusma-facts-release-") as work:
        folder = Path(work)
        write_sqlite(package, folder / f"{stem}.sqlite")
        write_xlsx(package, folder / f"{stem}.xlsx", stamp=package_timestamp(package.descriptor))
        write_parquet(package, folder / "parquet")
        for fmt in ("acled", "ucdp"):
            write_interop(package, fmt, folder / f"{stem}-{fmt}.csv")
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files[f"{EXPORTS_FOLDER}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return files


def build_tools(project: Path, stamp: Any) -> dict[str, bytes]:
    """The project's wheel and sdist, built reproducibly (SOURCE_DATE_EPOCH from the package's `created`), by
    their path inside the archive. Needs the `release` extra (build, hatchling) in this Python.

    The project is untrusted like the package: its files are copied through the gate (`stage_project`) into a
    private folder and built there, so no symbolic link can carry a file from outside into the tools, and only
    hatchling, with no build hooks and no code of the project's, runs the build."""
    import datetime as dt
    import sys

    try:
        import build
        import pyproject_hooks
    except ImportError:
        raise ReleaseError("building the tools needs the release extra: pip install 'minusma-facts[release]'") from None
    epoch = str(int(stamp.replace(tzinfo=dt.timezone.utc).timestamp()))

    def runner(cmd, cwd=None, extra_environ=None):
        environment = {**(extra_environ or {}), "SOURCE_DATE_EPOCH": epoch}
        pyproject_hooks.quiet_subprocess_runner(cmd, cwd=cwd, extra_environ=environment)

    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="minusma-facts-tools-") as work:
        staged = Path(work) / "project"
        stage_project(project, staged)
        builder = build.ProjectBuilder(staged, python_executable=sys.executable, runner=runner)
        try:
            missing = builder.check_dependencies("wheel")
            if missing:
                raise ReleaseError(f"building the tools needs {', '.join(sorted(str(d) for group in missing for d in group))} "
                                   "in this Python: pip install 'minusma-facts[release]'")
            for distribution in ("sdist", "wheel"):
                built = Path(builder.build(distribution, Path(work) / "out"))
                files[f"{TOOLS_FOLDER}/{built.name}"] = built.read_bytes()
        except (build.BuildException, build.BuildBackendException) as error:
            raise ReleaseError(f"cannot build the tools from {clean(project, 300)}: {clean(error, 500)}") from None
    return files


BUILD_BACKEND = "hatchling.build"


def _has_key(node: Any, key: str) -> bool:
    if isinstance(node, dict):
        return key in node or any(_has_key(value, key) for value in node.values())
    if isinstance(node, list):
        return any(_has_key(value, key) for value in node)
    return False


def stage_project(project: Path, staged: Path) -> list[str]:
    """Copy what building the tools reads into `staged`, every file through the gate (`safety.read_file`): the
    pyproject.toml, its readme, .gitignore and the paths its sdist's `only-include` names (the wheel's packages
    must lie among them; __pycache__ folders are left out).
    Refused (ReleaseError) when a file is a link out of the project or a special file, when the build is not
    plain hatchling (another backend, a backend-path, build or metadata hooks, a version read from code), or
    when no `only-include` bounds what the build reads. Returns the files copied, as POSIX paths."""
    import tomllib

    from .safety import Refused, read_file

    try:
        config = tomllib.loads(read_file(project, "pyproject.toml").decode("utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{clean(project, 300)}: no pyproject.toml to build the tools from; pass --project with "
                           "the repository that holds the code") from None
    except Refused as error:
        raise ReleaseError(f"cannot build the tools: {error}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ReleaseError(f"{clean(project, 300)}/pyproject.toml: not TOML ({clean(error, 300)})") from None
    system = config.get("build-system", {})
    hatch = config.get("tool", {}).get("hatch", {})
    problem = None
    if system.get("build-backend") != BUILD_BACKEND:
        problem = f"the build backend is {clean(system.get('build-backend'), 100)!r}, not {BUILD_BACKEND!r}"
    elif "backend-path" in system:
        problem = "it sets backend-path (a backend from the project's own files)"
    elif _has_key(hatch, "hooks"):
        problem = "it declares hatch build or metadata hooks (code of the project's that the build would run)"
    elif "version" in hatch:
        problem = "it reads the version through [tool.hatch.version]; give it in [project]"
    sdist = hatch.get("build", {}).get("targets", {}).get("sdist", {})
    include = sdist.get("only-include")
    if problem is None and not (isinstance(include, list) and include and all(isinstance(p, str) for p in include)):
        problem = "[tool.hatch.build.targets.sdist] has no only-include list bounding what the build reads"
    if problem:
        raise ReleaseError(f"cannot build the tools: pyproject.toml: {problem}")
    readme = config.get("project", {}).get("readme")
    # .gitignore too, when there: hatchling leaves out what it ignores and ships it in the sdist, as from the project
    ignore = [".gitignore"] if (Path(project) / ".gitignore").exists() or (Path(project) / ".gitignore").is_symlink() else []
    wanted = ["pyproject.toml", *([readme] if isinstance(readme, str) else []), *ignore, *include]
    copied: list[str] = []
    try:
        for relpath in dict.fromkeys(wanted):
            reason = unsafe_path_reason(relpath)
            if reason:
                raise ReleaseError(f"cannot build the tools: pyproject.toml names {clean(relpath, 200)!r}, which {reason}")
            top = Path(project) / relpath
            if top.is_dir() and not top.is_symlink():
                names = sorted(str(PurePosixPath(relpath, path.relative_to(top).as_posix()))
                               for path in top.rglob("*")
                               if "__pycache__" not in path.parts and (path.is_symlink() or not path.is_dir()))
            else:
                names = [relpath]
            for name in names:  # read_file refuses a link out of the project, a folder, a FIFO, a device
                target = staged / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(read_file(project, name))
                copied.append(name)
    except FileNotFoundError as error:
        raise ReleaseError(f"cannot build the tools: {clean(error, 200)} is missing from {clean(project, 300)}") from None
    except Refused as error:
        raise ReleaseError(f"cannot build the tools: {error}") from None
    return copied


def citation_files(package: Package, doi: str | None, repository_url: str | None) -> tuple[dict[str, bytes], dict[str, Any], list[str]]:
    """The archive's CITATION.cff and .zenodo.json with the placeholders filled (or left out), the filled
    citation, and a note for each placeholder that had no value."""
    from . import citation

    text = _read(package, "CITATION.cff", "CITATION.cff").decode("utf-8")
    original = citation.load(text)
    values = {citation.DOI_PLACEHOLDER: doi, citation.REPOSITORY_PLACEHOLDER: repository_url}
    lines = []
    for line in text.splitlines(keepends=True):
        placeholder = next((p for p in values if p in line), None)
        if placeholder is None:
            lines.append(line)
        elif values[placeholder]:
            lines.append(line.replace(placeholder, values[placeholder]))
    filled_text = "".join(lines)
    filled = citation.fill(original, doi=doi, repository_url=repository_url)
    if citation.load(filled_text) != filled:
        raise ReleaseError("CITATION.cff: a placeholder stands where it cannot be filled line by line; keep "
                           "`doi:` and `repository-code:` on lines of their own")
    zenodo = load_json(_read(package, ".zenodo.json", ".zenodo.json"), ".zenodo.json")  # checked a dict above
    if repository_url:
        related = zenodo.get("related_identifiers")
        related = [r for r in (related if isinstance(related, list) else [])
                   if not (isinstance(r, dict) and r.get("identifier") == repository_url)]
        related.append({"identifier": repository_url, "relation": "isSupplementedBy", "resource_type": "software"})
        zenodo["related_identifiers"] = related
    notes = [f"CITATION.cff: the {name} placeholder is left out of the archive; pass --{'doi' if name == 'doi' else 'repository-url'} to fill it"
             for name in citation.placeholders(original) if not values[
                 citation.DOI_PLACEHOLDER if name == "doi" else citation.REPOSITORY_PLACEHOLDER]]
    files = {"CITATION.cff": filled_text.encode("utf-8"),
             ".zenodo.json": (json.dumps(zenodo, indent=2, ensure_ascii=False) + "\n").encode("utf-8")}
    return files, filled, notes


def build_release(package_path: str | Path = ".", output_dir: str | Path | None = None, *,
                  project: str | Path | None = None, doi: str | None = None,
                  repository_url: str | None = None) -> Release:
    """Build `<output_dir>/<name>-<version>.zip` (default output_dir: the package's `dist/`).

    The tools are built from `project` (default: the package folder), the folder with the pyproject.toml.
    `doi` and `repository_url` fill CITATION.cff's placeholders in the archive.
    """
    from . import userguide
    from .export import ExportError, package_timestamp, write_reproducible_zip

    package = Package.open(package_path)
    if package.is_archive:
        raise ReleaseError(f"{package_path}: a release is built from a package folder, not from an archive")
    stem = archive_stem(package.descriptor)
    # where it goes, checked before anything is built: never through a `dist` symbolic link
    out_dir = Path(output_dir) if output_dir is not None else output_path(package.location, "dist")
    check_documents(package)
    check_metadata_versions(package)
    descriptor, files = collect_entries(package)
    cited, cff, notes = citation_files(package, doi, repository_url)
    files.update(cited)
    try:
        files.update(build_exports(package, stem))
    except ExportError as error:
        raise ReleaseError(f"cannot build the exports: {error}") from None
    tools = build_tools(Path(project) if project is not None else package.location, package_timestamp(package.descriptor))
    files.update(tools)
    files[DESCRIPTOR] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    wheel = next(p for p in tools if p.endswith(".whl"))
    sdist = next(p for p in tools if p.endswith(".tar.gz"))
    try:
        files[README] = userguide.render(package, sorted(files), tools={"wheel": wheel, "sdist": sdist},
                                         exports=export_paths(stem), cff=cff).encode("utf-8")
    except ValueError as error:
        raise ReleaseError(f"cannot write the archive's README.md: {error}") from None

    order = [DESCRIPTOR] + sorted(p for p in files if p != DESCRIPTOR)
    entries = [(f"{stem}/{p}", files[p]) for p in order]

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
    return Release(target, hashlib.sha256(data).hexdigest(), len(data), tuple(name for name, _ in entries), tuple(notes))


def release_or_error(package_path: str | Path, output_dir: str | Path | None, **options: Any) -> Release:
    """build_release with every expected failure turned into ReleaseError (for the command line)."""
    try:
        return build_release(package_path, output_dir, **options)
    except PackageError as error:
        raise ReleaseError(str(error)) from None
    except OSError as error:
        where = getattr(error, "filename", None) or ""
        raise ReleaseError(f"{where}: {error.strerror or error}" if where else str(error)) from None

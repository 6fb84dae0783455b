"""Open a data package (a folder, its datapackage.json, or a release .zip) and read its parts.

This is the one place that resolves resource and schema paths, so every command reads a package the same
way and refuses the same unsafe paths. Field types come from the Table Schema files (`schema.Schema`),
never from a list kept here.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .safety import PackageError, Refused, clean, load_json, read_file, real_file, unsafe_path_reason

DESCRIPTOR = "datapackage.json"

__all__ = ["DESCRIPTOR", "Package", "PackageError", "Refused", "locate", "unsafe_path_reason"]


def locate(path: str | Path | None = None) -> Path:
    """The package's path by the one rule (see `minusma_facts.options`): the path given, else the current folder if it holds a datapackage.json."""
    if path is not None:
        return Path(path)
    here = Path.cwd()
    if not (here / DESCRIPTOR).is_file():
        raise PackageError(
            f"no {DESCRIPTOR} in the current folder ({here}); run the command in a package folder (the repository or "
            "an unpacked release) or give the package's folder or release .zip"
        )
    return here


@dataclass
class Package:
    """A data package read from a folder or a zip archive. Paths inside are POSIX and relative to the root."""

    location: Path
    descriptor: dict[str, Any]
    _archive: Any = None  # archive.Archive for a release .zip
    _schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    _as_written: dict[str, dict[str, Any]] = field(default_factory=dict)  # as written (schema_shape.as_read gives the rest)
    _extracted: Path | None = None

    # -- opening ---------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path = ".", *, strict: bool = True, max_entry_bytes: int | None = None) -> "Package":
        """Open a folder, its datapackage.json or a release .zip. An archive whose entries are not all sound
        (see `archive.open_archive`) is refused unless `strict` is false; then `archive_problems` lists them."""
        location = Path(path)
        if location.is_dir():
            return cls(location, _parse_descriptor(_read_file(location, DESCRIPTOR), str(location / DESCRIPTOR)))
        if location.is_file() and location.name == DESCRIPTOR:
            return cls(location.parent, _parse_descriptor(_read_file(location.parent, DESCRIPTOR), str(location)))
        if location.is_file() and location.suffix.lower() == ".zip":
            from .archive import open_archive, read_entry

            archive = open_archive(location, max_entry_bytes)
            if strict and archive.problems:
                name, problem = archive.problems[0]
                more = f" (and {len(archive.problems) - 1} more problems)" if len(archive.problems) > 1 else ""
                raise Refused(f"{location}: refused, archive entry {clean(name, 120)!r}: {problem}{more}; "
                              "`minusma-facts validate` lists them all")
            package = cls(location, {}, archive)
            try:
                package.descriptor = _parse_descriptor(read_entry(archive, DESCRIPTOR), f"{location}!{archive.descriptor.filename}")
            except PackageError as error:
                error.archive_problems = archive.problems  # validate still reports them
                raise
            return package
        if not location.exists():
            raise PackageError(f"{location}: no such file or folder")
        raise PackageError(f"{location}: not a package folder, a {DESCRIPTOR} or a .zip archive")

    @property
    def is_archive(self) -> bool:
        return self._archive is not None

    @property
    def archive_problems(self) -> list[tuple[str, str]]:
        """(entry name, problem) for every unsound entry of an archive opened with strict=False."""
        return list(self._archive.problems) if self._archive is not None else []

    # -- files -----------------------------------------------------------------------------------------
    def display(self, relpath: str) -> str:
        """How a file inside the package is named in messages."""
        return relpath

    def exists(self, relpath: str) -> bool:
        """True when something is at `relpath` (reading it may still be refused: see `refusal`)."""
        if unsafe_path_reason(relpath):
            return False
        if self._archive is not None:
            return self._archive.info(relpath) is not None
        try:
            real_file(self.location, relpath)
        except Refused as error:  # there, but the gate will not read it (a link out, a FIFO): not a folder
            return "not a regular file (a folder)" not in str(error)
        except OSError:  # nothing there, a dangling link, or a name the file system cannot hold
            return False
        return True

    def refusal(self, relpath: str) -> str | None:
        """Why the gate refuses to read `relpath` (a symlink out of the package, a FIFO, an unsound archive
        entry), or None when it may be read (or is missing)."""
        try:
            if self._archive is not None:
                from .archive import _checked

                _checked(self._archive, relpath, None)
            else:
                real_file(self.location, relpath)
        except (FileNotFoundError, OSError):
            return None
        except Refused as error:
            return str(error)
        return None

    def size(self, relpath: str) -> int:
        """The file's size in bytes (an archive entry's decompressed size, from its header) without reading it."""
        if self._archive is not None:
            info = self._archive.info(relpath)
            if info is None:
                raise FileNotFoundError(relpath)
            return info.file_size
        return real_file(self.location, relpath).stat().st_size

    def read_bytes(self, relpath: str, max_bytes: int | None = None) -> bytes:
        """The file's bytes, through the gate (safety.read_file, archive.read_entry); Refused when unsafe."""
        if self._archive is not None:
            from .archive import read_entry

            return read_entry(self._archive, relpath, max_bytes)
        return read_file(self.location, relpath, max_bytes)

    def head(self, relpath: str, size: int) -> bytes:
        """The file's first `size` bytes (an archive entry's without decompressing the rest)."""
        if self._archive is not None:
            from .archive import read_entry

            return read_entry(self._archive, relpath, None, first=size)
        with open(real_file(self.location, relpath), "rb") as handle:
            return handle.read(size)

    def local_path(self, relpath: str) -> Path:
        """A path on disk holding the file's bytes, for readers that stream from a file: the real path of a
        folder's file (through the gate), or the archive entry streamed into a private temporary folder."""
        if self._archive is None:
            return real_file(self.location, relpath)
        import tempfile

        from .archive import extract_entry, remove_folder

        if self._extracted is None:
            self._extracted = Path(tempfile.mkdtemp(prefix="minusma-facts-entry-"))
            weakref.finalize(self, remove_folder, self._extracted)
        return extract_entry(self._archive, relpath, self._extracted)

    def drop_local(self) -> None:
        """Remove the archive entries `local_path` streamed out so far (a folder's files are never touched)."""
        if self._extracted is not None:
            for path in self._extracted.iterdir():
                path.unlink(missing_ok=True)

    def list_files(self, folder: str, suffix: str) -> list[str]:
        """Files directly inside `folder` whose names end in `suffix`, as sorted POSIX paths relative to the root."""
        if self._archive is not None:
            prefix = self._archive.prefix + folder + "/"
            return sorted(
                name[len(self._archive.prefix):]
                for name in self._archive.zip.namelist()
                if name.startswith(prefix) and "/" not in name[len(prefix):] and name.endswith(suffix)
            )
        root = self.location / folder
        if not root.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in root.iterdir()
                      if (p.is_file() or p.is_symlink()) and p.name.endswith(suffix))

    # -- resources -------------------------------------------------------------------------------------
    @property
    def resources(self) -> list[dict[str, Any]]:
        resources = self.descriptor.get("resources")
        return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []

    @property
    def resource_names(self) -> list[str]:
        return [r["name"] for r in self.resources if isinstance(r.get("name"), str)]

    def resource(self, name: str) -> dict[str, Any]:
        for resource in self.resources:
            if resource.get("name") == name:
                return resource
        raise KeyError(f"no resource named {name!r} in {DESCRIPTOR}")

    def schema(self, name: str) -> dict[str, Any]:
        """The resource's Table Schema, read from its file (or inline)."""
        if name not in self._schemas:
            schema = self.resource(name).get("schema")
            if isinstance(schema, str):
                reason = unsafe_path_reason(schema)
                if reason:
                    raise PackageError(f"{DESCRIPTOR}: schema path {schema!r} of resource {name!r} {reason}")
                try:
                    schema = load_json(self.read_bytes(schema), schema)
                except FileNotFoundError:
                    raise PackageError(f"{schema}: schema file of resource {name!r} is missing") from None
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    raise PackageError(f"{schema}: schema of resource {name!r} is not JSON ({error})") from None
                except ValueError as error:
                    raise PackageError(str(error)) from None
                except OSError as error:  # unreadable (permissions, a device error): named as its table's files are
                    raise PackageError(f"{schema}: schema file of resource {name!r} cannot be read ({error.strerror or error})") from None
            if not isinstance(schema, dict):
                raise PackageError(f"{DESCRIPTOR}: resource {name!r} has no table schema")
            from .schema_shape import SchemaShapeError, schema_problems, as_read

            problems = schema_problems(schema)
            if problems:
                file = self.resource(name).get("schema")
                raise SchemaShapeError(file if isinstance(file, str) else DESCRIPTOR, name, problems)
            self._schemas[name] = as_read(schema)
            self._as_written[name] = schema
        return self._schemas[name]

    def schema_as_written(self, name: str) -> dict[str, Any]:
        """The schema as the package writes it (Package.schema gives it as read: missingValues as plain strings,
        bounds as numbers), for the profile check: v2's {value, label} objects are a v1 package's descriptor-error."""
        self.schema(name)
        return self._as_written[name]

    def resource_path(self, name: str) -> str:
        path = self.resource(name).get("path")
        reason = unsafe_path_reason(path)
        if reason:
            raise PackageError(f"{DESCRIPTOR}: path {path!r} of resource {name!r} {reason}")
        return path

    def read_table(self, name: str, *, typed: bool = True):
        """The resource as a pandas DataFrame: typed from its schema, or every cell as a string."""
        import pandas as pd

        schema = self.schema(name)
        path = self.resource_path(name)
        local = self.local_path(path)
        try:
            frame = pd.read_csv(local, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
        finally:
            if self.is_archive:
                local.unlink(missing_ok=True)
        if not typed:
            return frame
        from .schema import Schema

        return Schema.from_descriptor(schema).cast_frame(frame)


def _read_file(folder: Path, name: str) -> bytes:
    try:
        return read_file(folder, name)
    except FileNotFoundError:
        raise PackageError(f"{folder}: no {DESCRIPTOR} in this folder") from None
    except OSError as error:
        raise PackageError(f"{folder / name}: cannot be read ({error.strerror})") from None


def _parse_descriptor(raw: bytes, where: str) -> dict[str, Any]:
    try:
        descriptor = load_json(raw, where)
    except UnicodeDecodeError:
        raise PackageError(f"{where}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise PackageError(f"{where}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except ValueError as error:  # over the size or depth budget
        raise PackageError(str(error)) from None
    if not isinstance(descriptor, dict):
        raise PackageError(f"{where}: not a Data Package descriptor (the top level is not a JSON object)")
    return descriptor


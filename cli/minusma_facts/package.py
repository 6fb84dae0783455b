"""Open a data package (a folder, its datapackage.json, or a release .zip) and read its parts.

This is the one place that resolves resource and schema paths, so every command reads a package the same
way and refuses the same unsafe paths. Field types come from the Table Schema files (`schema_dtypes`),
never from a list kept here.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

DESCRIPTOR = "datapackage.json"


class PackageError(Exception):
    """The package cannot be opened or read at all (validate exits 2 on it)."""


def unsafe_path_reason(path: Any) -> str | None:
    """Why a descriptor path may not be followed, or None when it is a safe relative path."""
    if not isinstance(path, str) or not path:
        return "is not a non-empty string"
    if "://" in path or path.lower().startswith(("http:", "https:", "ftp:", "file:", "data:")):
        return "is a URL"
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return "is absolute"
    if "\\" in path:
        return "uses backslashes"
    if ".." in PurePosixPath(path).parts:
        return "contains '..'"
    return None


@dataclass
class Package:
    """A data package read from a folder or a zip archive. Paths inside are POSIX and relative to the root."""

    location: Path
    descriptor: dict[str, Any]
    _zip: zipfile.ZipFile | None = None
    _zip_prefix: str = ""
    _schemas: dict[str, dict[str, Any]] = field(default_factory=dict)

    # -- opening ---------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path = ".") -> "Package":
        location = Path(path)
        if location.is_dir():
            descriptor_path = location / DESCRIPTOR
            if not descriptor_path.is_file():
                raise PackageError(f"{location}: no {DESCRIPTOR} in this folder")
            return cls(location, _parse_descriptor(_read_file(descriptor_path), str(descriptor_path)))
        if location.is_file() and location.name == DESCRIPTOR:
            return cls(location.parent, _parse_descriptor(_read_file(location), str(location)))
        if location.is_file() and location.suffix.lower() == ".zip":
            try:
                archive = zipfile.ZipFile(location)
            except (zipfile.BadZipFile, OSError) as error:
                raise PackageError(f"{location}: not a readable zip archive ({error})") from None
            names = [n for n in archive.namelist() if PurePosixPath(n).name == DESCRIPTOR]
            if not names:
                raise PackageError(f"{location}: the archive holds no {DESCRIPTOR}")
            top = min(names, key=lambda n: n.count("/"))
            prefix = top[: -len(DESCRIPTOR)]
            return cls(location, _parse_descriptor(archive.read(top), f"{location}!{top}"), archive, prefix)
        if not location.exists():
            raise PackageError(f"{location}: no such file or folder")
        raise PackageError(f"{location}: not a package folder, a {DESCRIPTOR} or a .zip archive")

    @property
    def is_archive(self) -> bool:
        return self._zip is not None

    # -- files -----------------------------------------------------------------------------------------
    def display(self, relpath: str) -> str:
        """How a file inside the package is named in messages."""
        return relpath

    def exists(self, relpath: str) -> bool:
        if unsafe_path_reason(relpath):
            return False
        if self._zip is not None:
            try:
                self._zip.getinfo(self._zip_prefix + relpath)
                return True
            except KeyError:
                return False
        try:
            return (self.location / relpath).is_file()
        except OSError:  # a name the file system cannot hold (too long, say) names no file
            return False

    def read_bytes(self, relpath: str) -> bytes:
        reason = unsafe_path_reason(relpath)
        if reason:
            raise PackageError(f"{relpath}: refused, the path {reason}")
        if self._zip is not None:
            try:
                return self._zip.read(self._zip_prefix + relpath)
            except KeyError:
                raise FileNotFoundError(relpath) from None
        return (self.location / relpath).read_bytes()

    def list_files(self, folder: str, suffix: str) -> list[str]:
        """Files directly inside `folder` whose names end in `suffix`, as sorted POSIX paths relative to the root."""
        if self._zip is not None:
            prefix = self._zip_prefix + folder + "/"
            return sorted(
                name[len(self._zip_prefix):]
                for name in self._zip.namelist()
                if name.startswith(prefix) and "/" not in name[len(prefix):] and name.endswith(suffix)
            )
        root = self.location / folder
        if not root.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in root.iterdir() if p.is_file() and p.name.endswith(suffix))

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
                    schema = json.loads(self.read_bytes(schema).decode("utf-8"))
                except FileNotFoundError:
                    raise PackageError(f"{schema}: schema file of resource {name!r} is missing") from None
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    raise PackageError(f"{schema}: schema of resource {name!r} is not JSON ({error})") from None
            if not isinstance(schema, dict):
                raise PackageError(f"{DESCRIPTOR}: resource {name!r} has no table schema")
            self._schemas[name] = schema
        return self._schemas[name]

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
        raw = self.read_bytes(path)
        frame = pd.read_csv(
            io.BytesIO(raw), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8"
        )
        if not typed:
            return frame
        return cast_frame(frame, schema)


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise PackageError(f"{path}: cannot be read ({error.strerror})") from None


def _parse_descriptor(raw: bytes, where: str) -> dict[str, Any]:
    try:
        descriptor = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PackageError(f"{where}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise PackageError(f"{where}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    if not isinstance(descriptor, dict):
        raise PackageError(f"{where}: not a Data Package descriptor (the top level is not a JSON object)")
    return descriptor


# -- types derived from the Table Schema -----------------------------------------------------------------
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")


def field_dtype(field_descriptor: dict[str, Any]):
    """The pandas dtype a loader uses for one Table Schema field."""
    import pandas as pd

    enum = (field_descriptor.get("constraints") or {}).get("enum")
    kind = field_descriptor.get("type", "string")
    if enum is not None and kind == "string":
        return pd.CategoricalDtype(categories=list(enum), ordered=False)
    return {
        "integer": "Int64",
        "number": "Float64",
        "boolean": "boolean",
        "date": "datetime64[s]",
        "datetime": "datetime64[s]",
    }.get(kind, "string")


def schema_dtypes(schema: dict[str, Any]) -> dict[str, Any]:
    """Column name -> pandas dtype, for every field of a Table Schema, in schema order."""
    return {f["name"]: field_dtype(f) for f in schema.get("fields", [])}


def cast_frame(frame, schema: dict[str, Any]):
    """Cast a frame of strings (empty string = missing) to the dtypes its schema gives."""
    import pandas as pd

    missing = set(schema.get("missingValues", [""]))
    out = {}
    for field_descriptor in schema.get("fields", []):
        name = field_descriptor["name"]
        if name not in frame.columns:
            continue
        column = frame[name].astype("string")
        column = column.mask(column.isin(missing))
        dtype = field_dtype(field_descriptor)
        kind = field_descriptor.get("type", "string")
        if kind == "integer":
            out[name] = pd.to_numeric(column, errors="raise").astype("Int64")
        elif kind == "number":
            out[name] = pd.to_numeric(column, errors="raise").astype("Float64")
        elif kind == "boolean":
            out[name] = column.map(lambda v: None if pd.isna(v) else v in TRUE_VALUES, na_action="ignore").astype("boolean")
        elif kind in ("date", "datetime"):
            out[name] = pd.to_datetime(column, errors="raise").astype(dtype)
        else:
            out[name] = column.astype(dtype)
    return pd.DataFrame(out, index=frame.index)

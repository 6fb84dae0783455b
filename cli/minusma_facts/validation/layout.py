"""Where a tabular resource's rows are and how they are laid out: one CSV file, a multipart `path: [...]`,
a gzip- or zip-compressed file, or inline `data`; and the pre-flight that refuses, before any row is read,
what validate cannot read exactly.

The pre-flight (`plan`) looks at every resource with a schema and raises `Unreadable` listing, one line per
resource, each remote path (validate opens no socket), each format other than CSV (from `format`,
`mediatype` or the extension: never parsed as CSV) and each dialect it cannot honour. validate exits 2 on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .dialect import DEFAULT, Dialect, DialectError, of_resource

REMOTE = ("http://", "https://", "ftp://", "ftps://", "s3://", "gs://", "file://", "data:")
COMPRESSIONS = {"gz": "gz", "gzip": "gz", "zip": "zip"}
CSV_MEDIATYPES = {"text/csv", "application/csv"}
FRICTIONLESS = "run `frictionless validate` on the package for it"


class NotDecodable(Exception):
    """A file's bytes are not text in the encoding its resource declares."""


class Unreadable(Exception):
    """Resources validate cannot read exactly (remote, another format, a dialect it cannot honour): one line each."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class Layout:
    """How one table resource is read."""

    name: str
    paths: list[str] = field(default_factory=list)  # one path, or the parts of a multipart resource
    compression: str | None = None  # "gz" or "zip"
    inline: Any = None  # the resource's `data` (a list, or CSV text)
    dialect: Dialect = DEFAULT
    encoding: str | None = None  # a declared encoding other than UTF-8 (a Python codec name)

    @property
    def plain(self) -> bool:
        """One uncompressed UTF-8 CSV file: the readers stream it from disk (the fast path)."""
        return len(self.paths) == 1 and self.compression is None and self.inline is None and self.encoding is None

    @property
    def file(self) -> str:
        """How the table is named in messages: its file, the first part of a multipart one, or the descriptor."""
        from ..package import DESCRIPTOR

        return self.paths[0] if self.paths else DESCRIPTOR


def _suffixes(path: str) -> tuple[str, str | None]:
    """(format from the extension, compression) of a path: data/x.csv.gz -> ("csv", "gz")."""
    name = path.rsplit("/", 1)[-1].lower()
    parts = name.split(".")[1:]
    compression = None
    if parts and parts[-1] in COMPRESSIONS:
        compression = COMPRESSIONS[parts.pop()]
    return (parts[-1] if parts else ""), compression


def format_of(resource: dict[str, Any], path: str | None) -> tuple[str, str | None]:
    """(format, compression) as the resource declares them or its path implies."""
    declared = resource.get("format")
    extension, compression = _suffixes(path) if isinstance(path, str) else ("", None)
    if isinstance(resource.get("compression"), str):
        compression = COMPRESSIONS.get(resource["compression"].lower(), resource["compression"].lower())
    if isinstance(declared, str) and declared:
        return declared.lower(), compression
    mediatype = resource.get("mediatype")
    if isinstance(mediatype, str) and mediatype:
        kind = mediatype.split(";")[0].strip().lower()
        return ("csv" if kind in CSV_MEDIATYPES else kind), compression
    if resource.get("data") is not None and path is None:
        return "inline", None
    return extension, compression


def _unread_schema(package, name: str) -> list[str]:
    """What the resource's schema asks for that validate does not check ([] for a schema it cannot read: the
    table's schema-error reports that)."""
    from ..safety import PackageError
    from ..schema_shape import unread

    try:
        return unread(package.schema(name))
    except (PackageError, KeyError):
        return []


def plan(package, names: list[str]) -> dict[str, Layout]:
    """The layout of each named resource; Unreadable (all such resources, one line each) when one cannot be read."""
    from ..package import DESCRIPTOR

    problems: list[str] = []
    layouts: dict[str, Layout] = {}
    for name in names:
        try:
            resource = package.resource(name)
        except KeyError:
            continue
        path = resource.get("path")
        paths = path if isinstance(path, list) else ([path] if isinstance(path, str) else [])
        remote = [p for p in paths if isinstance(p, str) and p.lower().startswith(REMOTE)]
        if remote:
            problems.append(f"resource {name!r}: path {remote[0]!r} is remote; validate opens no network connection "
                            "(download it into the package and point the path at the copy, or run `frictionless validate`)")
            continue
        data = resource.get("data") if path is None else None
        format_, compression = format_of(resource, paths[0] if paths and isinstance(paths[0], str) else None)
        if isinstance(data, str) and format_ == "csv":
            pass  # inline CSV text: read like a file, in its dialect
        elif data is not None:
            if not isinstance(data, list):
                problems.append(f"resource {name!r}: inline data is a JSON {type(data).__name__}; validate reads inline "
                                f"data given as a list of rows (arrays or objects); {FRICTIONLESS}")
                continue
            format_ = "inline"
        elif format_ != "csv":
            from ..safety import clean  # a line of its own per resource: no text of the package may start another

            shown = clean(format_, 80) if format_ else "not declared (no format, mediatype or known extension)"
            problems.append(f"resource {name!r} ({clean(paths[0], 200) if paths else DESCRIPTOR}): format {shown} is not CSV; validate "
                            f"does not read it (and never reads it as CSV); {FRICTIONLESS}")
            continue
        if compression not in (None, "gz", "zip"):
            problems.append(f"resource {name!r}: compression {compression!r} is not gzip or zip; {FRICTIONLESS}")
            continue
        try:
            dialect = of_resource(package, name, resource)
        except DialectError as error:
            problems.append(str(error))
            continue
        encoding = resource.get("encoding")
        if isinstance(encoding, str):
            import codecs

            try:
                info = codecs.lookup(encoding)
            except LookupError:
                info = None
            if info is None or not getattr(info, "_is_text_encoding", True):  # base64, zlib, rot13: codecs, not encodings
                problems.append(f"resource {name!r}: encoding {encoding!r} is not a text encoding validate knows; {FRICTIONLESS}")
                continue
            encoding = None if info.name == "utf-8" else encoding
        else:
            encoding = None  # absent: UTF-8, as the spec recommends (not a string: the profile check reports it)
        if isinstance(path, list) and not all(_suffixes(p)[1] == compression for p in path if isinstance(p, str)):
            problems.append(f"resource {name!r}: its parts are not all compressed alike; {FRICTIONLESS}")
            continue
        unread = _unread_schema(package, name)
        if unread:
            problems.append(f"resource {name!r}: its schema asks for what validate does not check: {'; '.join(unread)}; {FRICTIONLESS}")
            continue
        layouts[name] = Layout(name, [p for p in paths if isinstance(p, str)], compression, data, dialect, encoding)
    if problems:
        raise Unreadable(problems)
    return layouts


# -- bytes of a table that is not one plain file ---------------------------------------------------------
def _decompress(raw: bytes, compression: str | None, where: str, cap: int) -> bytes:
    import gzip
    import io
    import zipfile
    import zlib

    from ..safety import PackageError

    if compression is None:
        return raw
    if compression == "gz":
        out = io.BytesIO()
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
                while block := stream.read(1 << 20):
                    if out.tell() + len(block) > cap:
                        raise PackageError(f"{where}: decompresses to more than {cap:,} bytes; not read (raise --max-bytes)")
                    out.write(block)
        except (OSError, EOFError, zlib.error) as error:
            raise PackageError(f"{where}: not a readable gzip file ({error})") from None
        return out.getvalue()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise PackageError(f"{where}: a zipped table must hold exactly one file; it holds {len(members)}")
            if members[0].file_size > cap:
                raise PackageError(f"{where}: decompresses to more than {cap:,} bytes; not read (raise --max-bytes)")
            with archive.open(members[0]) as stream:
                data = stream.read(cap + 1)
            if len(data) > cap:
                raise PackageError(f"{where}: decompresses to more than {cap:,} bytes; not read (raise --max-bytes)")
            return data
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as error:
        raise PackageError(f"{where}: not a readable zip file ({error})") from None


def _cell(value: Any) -> str:
    """A JSON value of inline data as the CSV text frictionless would cast it from."""
    import json

    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def inline_csv(layout: Layout, field_names: list[str]) -> bytes:
    """Inline `data` as CSV bytes: CSV text as it is, a list of arrays (the first is the header unless the dialect says none) or a
    list of objects (the schema's fields are the header; keys beyond them are extra labels)."""
    import csv
    import io

    if isinstance(layout.inline, str):
        return layout.inline.encode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rows = layout.inline
    if rows and all(isinstance(r, dict) for r in rows):
        keys = list(field_names)
        for row in rows:
            keys += [k for k in row if k not in keys]
        writer.writerow(keys)
        for row in rows:
            writer.writerow([_cell(row.get(k)) for k in keys])
    else:
        for row in rows:
            writer.writerow([_cell(v) for v in row] if isinstance(row, list) else [_cell(row)])
    return out.getvalue().encode("utf-8")


def inline_dialect(layout: Layout) -> Dialect:
    """The dialect inline JSON rows are read in once written as CSV (inline_csv): the default one, but without a
    header where the resource's dialect says `"header": false` and the rows are arrays (rows of objects name
    their fields, so they always have one); the first array is then row 1, as frictionless numbers it."""
    from dataclasses import replace

    arrays = not (layout.inline and all(isinstance(r, dict) for r in layout.inline))
    return replace(DEFAULT, header=False) if arrays and not layout.dialect.header else DEFAULT


def table_bytes(package, layout: Layout, cap: int) -> tuple[bytes, list[tuple[str, int]]]:
    """The table's bytes as one CSV text, and (part path, the line it starts at) for each part."""
    parts: list[tuple[str, int]] = []
    chunks: list[bytes] = []
    line = 1
    total = 0
    for path in layout.paths:
        raw = _decompress(package.read_bytes(path), layout.compression, path, cap)
        if layout.encoding is not None:  # read as declared, checked as UTF-8 from here on
            try:
                raw = raw.decode(layout.encoding).encode("utf-8")
            except UnicodeDecodeError as error:
                line = raw.count(b"\n", 0, error.start) + 1
                raise NotDecodable(f"{path}: bytes that are not {layout.encoding} at line {line} (byte {error.start})") from None
        total += len(raw)
        if total > cap:
            from ..safety import PackageError

            raise PackageError(f"{path}: the table's parts hold more than {cap:,} bytes; not read (raise --max-bytes)")
        parts.append((path, line))
        chunks.append(raw)
        line += raw.count(b"\n")
    return b"".join(chunks), parts


def to_part(problem, parts: list[tuple[str, int]]) -> None:
    """Name the part a finding's line is in, and its line within that part (rows stay counted across parts)."""
    if len(parts) < 2 or problem.line is None:
        return
    for path, start in reversed(parts):
        if problem.line >= start:
            problem.file = path
            problem.line = problem.line - start + 1
            return

"""Release archives read defensively: every entry accounted for, sizes capped, nothing read whole.

`open_archive` reads the zip's central directory only and lists what is wrong with its entries (a name that
is absolute, holds '..' or backslashes, or appears twice; a symbolic link; an encrypted entry or an unknown
compression method; more than one datapackage.json; an entry outside the package folder; a decompressed size
over the cap). `validate` reports each as an `archive-entry` error; every other command refuses the archive.
Entries are then read as streams, never past their declared size nor past the cap (`read_entry`,
`extract_entry`), and a corrupt, encrypted or unsupported entry is a `Refused`, never a traceback.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .safety import PackageError, Refused, clean, unsafe_path_reason

DESCRIPTOR = "datapackage.json"
MAX_ENTRY_BYTES = 512 << 20  # one entry, decompressed (validate --max-bytes raises it)
TOTAL_FACTOR = 4  # the whole archive may decompress to this many times the entry cap
READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
CHUNK = 1 << 20


@dataclass
class Archive:
    zip: zipfile.ZipFile
    prefix: str  # the package folder inside the archive ("" or "name-version/")
    descriptor: zipfile.ZipInfo
    problems: list[tuple[str, str]] = field(default_factory=list)  # (entry name, what is wrong with it)
    max_entry_bytes: int = MAX_ENTRY_BYTES

    def info(self, relpath: str) -> zipfile.ZipInfo | None:
        try:
            return self.zip.getinfo(self.prefix + relpath)
        except KeyError:
            return None


def open_archive(path: Path, max_entry_bytes: int | None = None) -> Archive:
    """Open the zip at `path` and account for every entry; PackageError when it is no readable archive."""
    cap = max_entry_bytes or MAX_ENTRY_BYTES
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise PackageError(f"{path}: not a readable zip archive ({clean(str(error), 200)})") from None
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for info in infos:
        seen[info.filename] = seen.get(info.filename, 0) + 1
    descriptors = [i for i in infos if PurePosixPath(i.filename).name == DESCRIPTOR]
    if not descriptors:
        raise PackageError(f"{path}: the archive holds no {DESCRIPTOR}")
    top = min(descriptors, key=lambda i: (i.filename.count("/"), i.filename))
    prefix = top.filename[: -len(DESCRIPTOR)]
    if len({i.filename for i in descriptors}) > 1:
        names = ", ".join(clean(i.filename, 80) for i in descriptors[:5])
        problems.append((top.filename, f"the archive holds {len(descriptors)} {DESCRIPTOR} files ({names}); "
                                       "exactly one is allowed, so which package it is cannot be told"))
    total = 0
    reported_dupes: set[str] = set()
    for info in infos:
        name = info.filename
        inside = name[len(prefix):] if name.startswith(prefix) else None
        reason = unsafe_path_reason(name.rstrip("/")) if name.rstrip("/") else "is empty"
        if reason:
            problems.append((name, f"the entry name {reason}"))
        if seen[name] > 1 and name not in reported_dupes:
            reported_dupes.add(name)
            problems.append((name, f"the entry appears {seen[name]} times; tools disagree on which copy they read"))
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append((name, "the entry is a symbolic link"))
        if info.flag_bits & 0x1:
            problems.append((name, "the entry is encrypted"))
        if info.compress_type not in READABLE_METHODS:
            problems.append((name, f"the entry uses compression method {info.compress_type}, which is not read"))
        if info.file_size > cap:
            problems.append((name, f"the entry decompresses to {info.file_size:,} bytes, over the cap of {cap:,} "
                                   "(validate --max-bytes raises it)"))
        if inside is None and not reason:
            problems.append((name, f"the entry lies outside the package folder {prefix or '/'}"))
        total += info.file_size
    if total > cap * TOTAL_FACTOR:
        problems.append(("", f"the archive decompresses to {total:,} bytes in all, over the cap of "
                             f"{cap * TOTAL_FACTOR:,} (validate --max-bytes raises it)"))
    return Archive(archive, prefix, top, problems, cap)


def _checked(archive: Archive, relpath: str, limit: int | None) -> zipfile.ZipInfo:
    info = archive.info(relpath)
    if info is None:
        raise FileNotFoundError(relpath)
    if info.flag_bits & 0x1:
        raise Refused(f"{clean(relpath)}: refused, the archive entry is encrypted")
    if info.compress_type not in READABLE_METHODS:
        raise Refused(f"{clean(relpath)}: refused, the archive entry uses compression method {info.compress_type}")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise Refused(f"{clean(relpath)}: refused, the archive entry is a symbolic link")
    cap = archive.max_entry_bytes if limit is None else min(limit, archive.max_entry_bytes)
    if info.file_size > cap:
        raise Refused(f"{clean(relpath)}: refused, the archive entry decompresses to {info.file_size:,} bytes, "
                      f"over the cap of {cap:,}")
    return info


def _stream(archive: Archive, info: zipfile.ZipInfo, relpath: str, sink, first: int | None = None) -> None:
    """Copy the entry's bytes (its `first` bytes only, when given) into `sink(chunk)`; a corrupt entry is
    Refused (zipfile stops at file_size)."""
    left = first
    try:
        with archive.zip.open(info) as handle:
            while left is None or left > 0:
                chunk = handle.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    break
                sink(chunk)
                if left is not None:
                    left -= len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as error:
        raise Refused(f"{clean(relpath)}: the archive entry cannot be read ({clean(str(error), 200)})") from None


def read_entry(archive: Archive, relpath: str, limit: int | None = None, first: int | None = None) -> bytes:
    """The bytes of the entry `relpath` of the package folder (its `first` bytes only), streamed and capped."""
    info = _checked(archive, relpath, limit)
    parts: list[bytes] = []
    _stream(archive, info, relpath, parts.append, first)
    return b"".join(parts)


def extract_entry(archive: Archive, relpath: str, folder: Path) -> Path:
    """Stream the entry into a new file under `folder` (never the package) and return its path."""
    import os
    import tempfile

    info = _checked(archive, relpath, None)
    handle, name = tempfile.mkstemp(suffix=".part", dir=folder)
    with os.fdopen(handle, "wb") as out:
        _stream(archive, info, relpath, out.write)
    return Path(name)


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)

"""`validate --format github`: a report as GitHub Actions workflow commands.

Each finding becomes one line ``::error file=F,line=L,col=C,title=T::message`` (``::warning`` for warnings), so
that GitHub shows it on the pull request's diff, at the file and line it names. The runner reads these lines
from the job's log: a value is escaped as the Actions toolkit escapes it (``%``, CR and LF in the message; also
``:`` and ``,`` in a property), and every other control character, bidi override or line separator that a
package's text may carry is written as a visible ``\\u`` escape, so a cell can neither start a command of its own
nor rewrite the log. ``file`` is the path from the repository's root (``GITHUB_WORKSPACE``; the current
folder outside a workflow). ``col`` is the field's column in the file's header (1-based), where the file can
be read safely and its resource declares no dialect of its own (comment rows, several header rows or another
delimiter would move it).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Iterable, Iterator

HEADER_BYTES = 1 << 16  # the header line is read up to this size; a longer one gets no `col`


def _visible(text: str) -> str:
    """Text with every character that could steer a terminal or a log written as a visible escape (safety.clean,
    line breaks kept for the toolkit's own escapes below), and no "##[" left for the runner's legacy commands.
    Never normalized: a name must stay the file's."""
    from .safety import clean, no_runner_commands

    return no_runner_commands(clean(text, keep_lines=True))


def escape_data(text: str) -> str:
    return _visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: object) -> str:
    """One workflow command line, e.g. ``command("error", "bad", file="a.csv", line=3)``."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value not in (None, ""))
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def _root(path: Path) -> tuple[Path, bool]:
    """The package's folder (or the archive itself) and whether it is an archive."""
    if path.is_file() and path.suffix.lower() == ".zip":
        return path, True
    return (path.parent if path.is_file() else path), False


def _display(path: Path) -> str:
    """The path as GitHub resolves an annotation's file: from the repository's root (GITHUB_WORKSPACE) in a
    workflow, whatever the step's working directory; from the current folder elsewhere."""
    try:
        return os.path.relpath(path, os.environ.get("GITHUB_WORKSPACE") or None)
    except ValueError:  # another drive on Windows
        return str(path)


def _header(root: Path, relpath: str) -> list[str] | None:
    """The header of a CSV inside the package folder, read without following a link out of it; None when unsafe."""
    from .safety import PackageError, real_file

    try:
        with open(real_file(root, relpath), "rb") as handle:  # the one gate (safety.py)
            head = handle.read(HEADER_BYTES)
    except (OSError, PackageError):
        return None
    line = head.split(b"\n", 1)[0] if b"\n" in head else (head if len(head) < HEADER_BYTES else None)
    if line is None:
        return None
    try:
        return next(csv.reader(io.StringIO(line.decode("utf-8-sig").rstrip("\r"))))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None


def _own_dialects(root: Path) -> set[str] | None:
    """The files whose resource declares a dialect (its header may not be the first line, nor split at commas);
    None when the descriptor cannot be read safely (then no `col` is given at all)."""
    from .safety import PackageError, load_json, real_file

    try:
        with open(real_file(root, "datapackage.json"), "rb") as handle:  # the one gate (safety.py)
            descriptor = load_json(handle.read(), "datapackage.json")
    except (OSError, PackageError, ValueError):
        return None
    files: set[str] = set()
    for resource in descriptor.get("resources", []) if isinstance(descriptor, dict) else []:
        if isinstance(resource, dict) and resource.get("dialect"):
            path = resource.get("path")
            files.update(p for p in (path if isinstance(path, list) else [path]) if isinstance(p, str))
    return files


def workflow_commands(report, path: Path | str) -> Iterator[str]:
    """The report's errors and warnings as workflow commands, then its verdict as a notice."""
    root, is_archive = _root(Path(path))
    headers: dict[str, list[str] | None] = {}
    dialects = None if is_archive else _own_dialects(root)

    def column(problem) -> int | None:
        if is_archive or dialects is None or not problem.file or not problem.field or problem.file in dialects:
            return None
        if problem.file not in headers:
            headers[problem.file] = _header(root, problem.file)
        header = headers[problem.file]
        return header.index(problem.field) + 1 if header and problem.field in header else None

    def lines(kind: str, problems: Iterable) -> Iterator[str]:
        for problem in problems:
            where = root if is_archive else (root / problem.file if problem.file else root / "datapackage.json")
            line = problem.line if problem.line is not None else problem.row
            yield command(kind, problem.message, file=_display(where), line=line, col=column(problem),
                          title=f"minusma-facts {problem.type}")

    yield from lines("error", report.errors)
    yield from lines("warning", report.warnings)
    if report.partial:
        yield command("warning", f"The list is partial: {len(report.errors)} of {report.error_count} errors are shown; use --limit to see more.",
                      title="minusma-facts partial report")
    yield command("notice" if report.valid else "error", report.verdict, title="minusma-facts validate")

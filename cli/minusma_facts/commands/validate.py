"""`minusma-facts validate [PATH]`: check a package (folder, datapackage.json or release .zip).

Exit 0 when valid (warnings allowed), 1 when problems are found, 2 when it cannot run. Never writes.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from ..options import PackageArgument, PackageOption


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


def validate(
    path: PackageArgument = None,
    package_option: PackageOption = None,
    sources: Optional[Path] = typer.Option(None, "--sources", help="Folder of stored source texts (looked up by file name), to verify spans when the package carries none."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON, for machines (the same as --format json)."),
    output_format: str = typer.Option("table", "--format", metavar="[table|json|github]",
                                      help="table: for people; json: the whole report; github: GitHub Actions workflow commands, so findings show on a pull request's diff."),
    limit: int = typer.Option(1000, "--limit", help="Keep at most N errors (and N warnings) in the list; all are counted."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the verdict line."),
    max_bytes: Optional[int] = typer.Option(None, "--max-bytes", min=1, help="Largest decompressed size of one archive entry, in bytes (default 512 MiB; the whole archive may hold 4 times as much). Raise it for a larger release."),
) -> None:
    """Check the package: descriptor, files, cells, keys, semantics, provenance, metadata. Every problem, one run."""
    from ..safety import clean

    if output_format not in FORMATS:
        typer.echo(f"minusma-facts validate: cannot run: --format must be one of {', '.join(FORMATS)}, not {clean(output_format, 100)!r}", err=True)
        raise typer.Exit(2)
    if as_json:
        output_format = "json"
    if limit < 1:
        _cannot_run(f"--limit must be 1 or more, not {limit}", output_format)
    from ..cliutil import exits
    from ..validation import CannotRun

    with exits("validate", cannot_run=(CannotRun,), on_cannot_run=lambda cause: _cannot_run(cause, output_format)):
        from ..options import chosen
        from ..package import locate
        from ..validation import validate_package

        path = locate(chosen(path, package_option, "minusma-facts validate"))
        with _progress(enabled=not quiet and output_format == "table") as show:
            report = validate_package(path, sources_dir=sources, limit=limit, progress=show, max_bytes=max_bytes)
        _print(report, output_format, quiet, path)
    raise typer.Exit(0 if report.valid else 1)


def _print(report, output_format: str, quiet: bool, path) -> None:
    """The report on stdout; a failure to write it (a closed pipe, a full disk) is exit 2, never a verdict."""
    import sys

    if sys.stdout is None:  # started with stdout closed: no verdict can be given
        typer.echo("minusma-facts validate: cannot run: stdout is closed, so the report cannot be written", err=True)
        raise typer.Exit(2)
    try:
        _write(report, output_format, quiet, path)
        sys.stdout.flush()
    except OSError as error:
        _silence_stdout()
        from ..safety import clean

        typer.echo(f"minusma-facts validate: cannot run: the report cannot be written to stdout ({clean(error, 200)})", err=True)
        raise typer.Exit(2) from None


def _write(report, output_format: str, quiet: bool, path) -> None:
    if output_format == "json":
        from ..safety import json_text

        _emit(json_text(report.to_dict()) + "\n")
    elif output_format == "github":
        from ..github import workflow_commands

        _emit("".join(line + "\n" for line in workflow_commands(report, path)))
    elif quiet:
        _emit(report.verdict + "\n", _encoding())
    else:
        _print_human(report)


def _emit(text: str, encoding: str = "utf-8") -> None:
    """Write `text` to stdout in `encoding` (what it lacks as escapes), every byte of it or an OSError. (A pipe
    whose reader goes away mid-write makes Python's buffered writer return a short count that print() and click
    ignore: the report would be cut short and the verdict still given.) A stdout with no bytes under it (a
    StringIO an embedding program put there) is written as text."""
    import sys

    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    sys.stdout.flush()  # what was written through the text layer goes first
    view = memoryview(text.encode(encoding, "backslashreplace"))
    while view:
        written = buffer.write(view)
        if not written:
            raise BrokenPipeError("stdout takes no more bytes")
        view = view[written:]
    buffer.flush()


FORMATS = ("table", "json", "github")
_JSON_PRINTED: list[bool] = []


def print_cannot_run_json(cause: str) -> None:
    """The one JSON object of a run that could not check the package (exit 2)."""
    from ..safety import json_text

    _JSON_PRINTED.append(True)
    typer.echo(json_text({"valid": None, "cannot_run": True, "exit_code": 2, "message": cause}))


def json_printed() -> bool:
    return bool(_JSON_PRINTED)


def _cannot_run(cause: str, output_format: str) -> None:
    """Exit 2 with the cause on stderr; with --json (or --format json) stdout still carries one JSON object."""
    from ..safety import clean, no_runner_commands

    cause = no_runner_commands(clean(cause, 4000, keep_lines=True))  # a package's text never reaches the terminal raw
    # no line of it may start a GitHub workflow command (the runner reads them on stderr too, after leading spaces)
    cause = "\n".join("\\u003a" + line.lstrip()[1:] if line.lstrip().startswith("::") else line for line in cause.split("\n"))
    typer.echo(f"minusma-facts validate: cannot run: {cause}", err=True)
    try:
        if output_format == "json":
            print_cannot_run_json(cause)
        elif output_format == "github":
            from ..github import command

            typer.echo(command("error", f"minusma-facts validate cannot run: {cause}", title="cannot-run"))
    except OSError:  # stdout itself cannot be written (a closed pipe, a full disk): the stderr line says why
        _silence_stdout()
    raise typer.Exit(2)


def _silence_stdout() -> None:
    """Point stdout at the null device, so that the exit does not fail again flushing what could not be written."""
    import os
    import sys

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


@contextmanager
def _progress(enabled: bool):
    """A one-line status on stderr while tables are checked: only on a terminal, never in CI or when quiet."""
    import os
    import sys

    if not enabled or os.environ.get("CI") or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.text import Text

    from ..safety import clean

    # a Text, and cleaned: a resource name's markup or escape sequences are shown, never run
    with Console(stderr=True).status("reading the descriptor") as status:
        yield lambda table, done, total: status.update(Text(f"checking {clean(table, 80)} ({done + 1} of {total} tables)"))


def _encoding() -> str:
    """stdout's own encoding, for what people read (the table, the verdict); JSON and workflow commands are UTF-8."""
    import sys

    return getattr(sys.stdout, "encoding", None) or "utf-8"


class _Drawn(io.StringIO):
    """The table drawn in memory, with stdout's encoding, so rich draws ASCII borders for an ASCII stream."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return _encoding()


def _broken_pipe() -> None:
    raise BrokenPipeError("the reader of stdout went away")


def _print_human(report) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    import shutil
    import sys

    # piped output (CI logs, grep) gets long lines, so a message is never folded in the middle; it is drawn in
    # memory and written by _emit, every byte or an error. A terminal gets its own width (COLUMNS=0 or a tiny one
    # would print nothing or a column per letter).
    terminal = sys.stdout.isatty()
    width = max(shutil.get_terminal_size((100, 24)).columns, 60) if terminal else 240
    drawn = None if terminal else _Drawn()
    console = Console(soft_wrap=False, width=width, file=drawn)
    console.on_broken_pipe = _broken_pipe  # rich's own handler exits 1, which would read as a verdict
    for title, problems in (("errors", report.errors), ("warnings", report.warnings)):
        groups: dict[str, list] = {}
        for problem in problems:
            groups.setdefault(problem.file or problem.resource or "datapackage.json", []).append(problem)
        for file, items in groups.items():
            # every text is a rich Text, so a package's "[/red]" or "[link=...]" is shown, never interpreted
            table = Table(title=Text(f"{file}: {len(items)} {title if len(items) != 1 else title[:-1]}"), title_justify="left",
                          expand=False, show_lines=False)
            table.add_column("row", justify="right", no_wrap=True)
            table.add_column("field", no_wrap=True)
            table.add_column("type", no_wrap=True)
            table.add_column("message", overflow="fold")
            for p in items:
                row = "" if p.row is None else (str(p.row) if p.line in (None, p.row) else f"{p.row} (line {p.line})")
                if p.row is None and p.line is not None:
                    row = f"line {p.line}"
                table.add_row(Text(row), Text(p.field or ""), Text(p.type), Text(p.message))
            console.print(table)
    if report.partial:
        console.print(Text(f"The list is partial: {len(report.errors)} of {report.error_count} errors "
                           f"(and {len(report.warnings)} of {report.warning_count} warnings) are shown; use --limit to see more."))
    console.print(Text(report.verdict))
    if drawn is not None:
        from ..safety import no_runner_commands

        _emit(no_runner_commands(drawn.getvalue()), _encoding())

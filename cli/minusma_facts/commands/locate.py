"""`minusma-facts locate [PATH] [--check] [--source ID]`: fill in and check the offsets of every span.

Exit 0 when every span is settled (offsets written where needed), 1 when a span needs the coder (words not
found, words found more than once) or, with --check, when something would change; 2 when it cannot run.
Only offset cells change; every other byte of each CSV stays as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..options import PackageArgument, PackageOption, chosen


def register(app: typer.Typer) -> None:
    app.command("locate")(locate)


def locate(
    check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 when something would change or needs the coder."),
    source: Optional[str] = typer.Option(None, "--source", help="Only the spans of rows whose source_id is ID."),
    as_json: bool = typer.Option(False, "--json", help="Print the changes and problems as JSON, for machines."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only problems and the summary line."),
    package: PackageArgument = None,
    package_option: PackageOption = None,
) -> None:
    """Fill in and check the offsets of every span (X with X_start/X_end) from its words in the source text."""
    from ..cliutil import exits
    from ..loader import open_package
    from ..locate import plan, write

    with exits("locate"):
        package = open_package(chosen(package, package_option, "minusma-facts locate"))
        result = plan(package, source)
        if result.files and not check:
            write(package, result.files)
    if as_json:
        from ..safety import json_text

        typer.echo(json_text({"check": check, **result.to_dict()}))
    else:
        _print(result, check, quiet)
    raise typer.Exit(1 if result.findings or (check and result.changes) else 0)


def _print(result, check: bool, quiet: bool) -> None:
    would = "would be " if check else ""
    if not quiet:
        for change in result.changes:
            typer.echo(f"{change.message} (not written: --check)" if check else change.message)
    for finding in result.findings:
        for line in finding.lines():
            typer.echo(line)
    counts = {}
    for change in result.changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    parts = [f"{n} {would}{kind}" for kind, n in sorted(counts.items())]
    parts.append(f"{result.kept} right already")
    summary = f"locate: {result.spans} spans in {result.tables} tables: " + ", ".join(parts)
    if result.findings:
        summary += f"; {len(result.findings)} need the coder (listed above)"
    if result.files:
        files = ", ".join(sorted(result.files))
        summary += f"; {'would change' if check else 'wrote'} {files}"
    elif not result.findings:
        summary += "; nothing to change"
    typer.echo(summary)

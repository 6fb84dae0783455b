"""`minusma-facts diff OLD NEW`: the rows added, removed and changed in each table between two versions.

OLD and NEW are package folders, datapackage.json files or release .zip archives. Exit 0 when the diff was
made (with --exit-code: 0 only when nothing changed, 1 when something did), 2 when it cannot run.
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)


def diff(
    old: Path = typer.Argument(..., help="The earlier version: a package folder or a release .zip."),
    new: Path = typer.Argument(..., help="The later version: a package folder or a release .zip."),
    as_json: bool = typer.Option(False, "--json", help="Print the diff as JSON, for machines."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the diff as Markdown, for the CHANGELOG."),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 1 when the versions differ (as git diff --exit-code)."),
) -> None:
    """List, by primary key, the rows added, removed and changed in each table, with each changed field old -> new."""
    if as_json and markdown:
        typer.echo("minusma-facts diff: give --json or --markdown, not both", err=True)
        raise typer.Exit(2)
    from ..cliutil import exits
    from ..diff import diff_packages, render, to_markdown
    from ..package import Package

    with exits("diff"):
        result = diff_packages(Package.open(old), Package.open(new))
    if as_json:
        from ..safety import json_text

        typer.echo(json_text(result.to_dict()))
    elif markdown:
        typer.echo(to_markdown(result), nl=False)
    else:
        render(result)
    if exit_code and not result.is_same:
        raise typer.Exit(1)

"""`minusma-facts bump VERSION`: set the version everywhere and open its CHANGELOG section with the data diff.

Exit 0 when done, 1 when refused (not above the current version, section already there), 2 when it cannot
run (no previous release to compare with, unreadable files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..options import PackageArgument, PackageOption, chosen


def register(app: typer.Typer) -> None:
    app.command("bump")(bump)


def bump(
    version: str = typer.Argument(..., help="The new version, MAJOR.MINOR.PATCH (see the CHANGELOG's policy)."),
    previous: Optional[Path] = typer.Option(
        None, "--previous", help="The previous release (.zip or folder) to diff against; default: the newest git tag vX.Y.Z below VERSION."),
    date: Optional[str] = typer.Option(None, "--date", help="Release date YYYY-MM-DD (default: today, UTC)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change; write nothing."),
    package: PackageArgument = None,
    package_option: PackageOption = None,
) -> None:
    """Set VERSION in every file that carries it and open its CHANGELOG section with the diff against the previous release."""
    from ..bump import BumpError, plan, write
    from ..cliutil import exits
    from ..loader import default_location

    with exits("bump", refused=(BumpError,)):
        given = chosen(package, package_option, "minusma-facts bump")
        root = Path(given) if given is not None else default_location()
        result = plan(root, version, previous=previous, date=date)
        if not dry_run:
            write(root, result)
    verb = "would set" if dry_run else "set"
    typer.echo(f"{verb} version {result.old} -> {result.new} (date {result.date}) in: {', '.join(sorted(result.files))}")
    typer.echo(f"CHANGELOG.md: section [{result.new}] opened with the data changes since {result.previous}")

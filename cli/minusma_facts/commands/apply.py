"""`minusma-facts apply PATCH`: write a patch (rows to insert, update, delete) into the package's CSVs.

Exit 0 when applied (or, with --dry-run, when it would apply), 1 when refused (a patch that is not a valid
minusma-facts patch, is stale, names what the schemas do not have, or would leave the package invalid), 2 when
it cannot run. A refused patch writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..options import PackageArgument, PackageOption, chosen


def register(app: typer.Typer) -> None:
    app.command("apply")(apply)


def apply(
    patch: Path = typer.Argument(..., help="The patch file (JSON, format minusma-facts-patch), e.g. exported by the audit page."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the patch and show what would change; write nothing."),
    sources: Optional[Path] = typer.Option(None, "--sources", help="Folder of stored source texts, as for validate."),
    package: PackageArgument = None,
    package_option: PackageOption = None,
) -> None:
    """Apply a patch to the CSVs: checked first, written only when the package then validates, all files or none.

    Untouched rows keep their bytes; new rows go at the end of their table. Shows every change (row and field,
    old -> new) and the verdict of validate on the patched package.
    """
    from ..cliutil import exits
    from ..patch import CannotApply, PatchRefused, describe, open_folder, plan, read_patch, write

    with exits("apply", cannot_run=(CannotApply,), interrupted="interrupted; nothing was written"):
        try:
            package = open_folder(chosen(package, package_option, "minusma-facts apply"))
            try:
                raw = patch.read_bytes()
            except OSError as error:
                raise CannotApply(f"{patch}: cannot be read ({error.strerror})") from None
            changes = plan(package, *read_patch(raw))
            for line in describe(changes):
                typer.echo(line)
            report = _checked(changes, sources, _show_diff(package) if dry_run else None)
            if not report.valid:
                from .validate import _print_human

                _print_human(report)
                typer.echo("refused: the package would not validate with this patch (rows are numbered as they would be "
                           "after it); nothing was written")
                raise typer.Exit(1)
            typer.echo(f"with the patch: {report.verdict}")
            count = len(changes.edits)
            files = list(changes.files())
            if dry_run:
                typer.echo(f"dry run: {count} change{'s' if count != 1 else ''} would be written to "
                           f"{', '.join(files) or 'no file'}; nothing was written")
                return
            written = write(changes)
            typer.echo(f"applied {count} change{'s' if count != 1 else ''} to {', '.join(written) or 'no file'}")
        except PatchRefused as refused:
            for problem in refused.problems:
                typer.echo(problem)
            n = len(refused.problems)
            typer.echo(f"refused: {n} problem{'s' if n != 1 else ''} with the patch; nothing was written")
            raise typer.Exit(1)


def _show_diff(package):
    """For --dry-run: print the change as `minusma-facts diff` shows it, the package against its patched copy."""

    def show(copy) -> None:
        from ..diff import diff_packages, render
        from ..package import Package

        render(diff_packages(package, Package.open(copy)))

    return show


def _checked(changes, sources, inspect=None):
    from ..patch import CannotApply, check
    from ..validation import CannotRun

    try:
        return check(changes, sources, inspect)
    except CannotRun as error:
        raise CannotApply(f"the patched package cannot be validated: {error}") from None

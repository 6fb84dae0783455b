"""`minusma-facts export`: the package as SQLite, Parquet, Excel, or an ACLED/UCDP-style table."""

from __future__ import annotations

from pathlib import Path

import typer

from ..options import PackageArgument, PackageOption


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        package: PackageArgument = None,
        package_option: PackageOption = None,
        fmt: str = typer.Option(
            None, "--format", "-f", help="sqlite, parquet (a folder of files), xlsx, acled or ucdp."
        ),
        output: Path = typer.Option(
            None, "--output", "-o",
            help="File (folder for parquet) to write; default: dist/ in a package folder, or beside a release .zip.",
        ),
        inter: str = typer.Option(
            "text", "--inter", help="acled only: inter1, inter2 and interaction as ACLED's text (its default) or numeric codes."
        ),
    ) -> None:
        """Export the tables as SQLite, Parquet or Excel (typed from the schemas), or as ACLED/UCDP events.

        SQLite gets the schemas' primary and foreign keys and constraints. Exits 0 when written, 2 when the
        arguments are wrong or the package cannot be read.
        """
        from ..export import FORMATS, INTEROP_FORMATS, ExportError, default_output
        from ..export import export as write_export
        from ..options import open_package
        from ..package import PackageError
        from ..safety import clean

        choices = ", ".join(FORMATS + INTEROP_FORMATS)
        if fmt is None:
            typer.echo(f"export: --format is required (choose {choices})", err=True)
            raise typer.Exit(2)
        fmt = fmt.lower()
        if fmt not in FORMATS + INTEROP_FORMATS:
            typer.echo(f"export: unknown format {fmt!r} (choose {choices})", err=True)
            raise typer.Exit(2)
        opened = open_package(package, package_option, "export", announce=True)
        try:
            target = output if output is not None else default_output(opened, fmt)
            if fmt in INTEROP_FORMATS:
                try:
                    from ..interop import write_interop
                except ImportError:
                    typer.echo(f"export: format {fmt} is not available (minusma_facts.interop is missing)", err=True)
                    raise typer.Exit(2) from None
                rows = write_interop(opened, fmt, target, inter=inter.lower())
                typer.echo(f"wrote {target} ({rows} rows)")
                return
            counts = write_export(opened, fmt, target)
        except (PackageError, ExportError, KeyError, ValueError) as error:
            typer.echo(f"export: {clean(error, 1000)}", err=True)
            raise typer.Exit(2) from None
        except OSError as error:
            where = getattr(error, "filename", None) or target
            typer.echo(f"export: {where}: {clean(error.strerror or error, 500)}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"wrote {target} ({len(counts)} tables, {sum(counts.values())} rows)")

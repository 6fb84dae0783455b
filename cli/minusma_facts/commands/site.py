"""`minusma-facts site OUTDIR`: the self-contained audit page."""

from __future__ import annotations

from pathlib import Path

import typer

from ..options import PackageArgument, PackageOption


def register(app: typer.Typer) -> None:
    @app.command("site")
    def site_command(
        outdir: Path = typer.Argument(..., help="Folder to write index.html into (created if missing)."),
        package: PackageArgument = None,
        package_option: PackageOption = None,
    ) -> None:
        """Build a self-contained HTML page (no network) to audit the coding: tables, filters, evidence in the text.

        The full text goes in only when the package holds it; from a release archive the page shows the evidence
        excerpts only. The page is for coders and is not part of release archives.
        """
        from ..options import open_package
        from ..safety import clean
        from ..package import PackageError
        from ..site import build_site

        package = open_package(package, package_option, "site", announce=True)
        try:
            target = build_site(package, outdir)
        except (PackageError, KeyError, ValueError, TypeError) as error:
            typer.echo(f"site: {clean(error, 1000)}", err=True)
            raise typer.Exit(2)
        except OSError as error:
            typer.echo(f"site: {getattr(error, 'filename', None) or outdir}: {clean(error.strerror or error, 500)}", err=True)
            raise typer.Exit(2)
        from ..coverage import source_texts

        missing = [s for s, text in source_texts(package).items() if text is None]
        note = f"; text absent for {clean(', '.join(missing), 300)}: evidence excerpts only" if missing else ""
        typer.echo(f"wrote {target}{note}")

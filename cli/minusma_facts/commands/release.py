"""`minusma-facts release`: build the reproducible, Zenodo-ready release archive."""

from __future__ import annotations

from pathlib import Path

import typer

from ..options import PackageArgument, PackageOption


def register(app: typer.Typer) -> None:
    @app.command("release")
    def release(
        package: PackageArgument = None,
        package_option: PackageOption = None,
        output_dir: Path = typer.Option(
            None, "--output-dir", "-o", help="Where to write the archive (default: dist/ in the package folder)."
        ),
        project: Path = typer.Option(
            None, "--project", help="The folder with the tools' pyproject.toml, to build the wheel and sdist from "
            "(default: the package folder)."
        ),
        doi: str = typer.Option(None, "--doi", help="The DOI to write into the archive's CITATION.cff (else left out)."),
        repository_url: str = typer.Option(
            None, "--repository-url", help="The repository URL to write into the archive's citation (else left out)."
        ),
    ) -> None:
        """Build the reproducible release archive dist/<name>-<version>.zip (without the source texts).

        The archive holds datapackage.json with each resource's bytes and sha256 hash, the data, the schemas,
        the citation metadata, the docs and SQLite/Parquet/Excel exports. Two builds of the same files give
        the same bytes. The package is validated first and nothing is built when it is invalid.
        Exits 0 when built, 1 when the package does not validate, 2 when it cannot be built.
        """
        from ..options import chosen
        from ..package import PackageError, locate
        from ..safety import clean
        from ..release import ReleaseError, release_or_error
        from ..validation import CannotRun, validate_package

        try:
            package = locate(chosen(package, package_option, "release"))
        except PackageError as error:
            typer.echo(f"release: {clean(error, 1000)}", err=True)
            raise typer.Exit(2) from None
        try:
            report = validate_package(package)
        except CannotRun as error:
            typer.echo(f"release: cannot validate the package: {clean(error, 1000)}", err=True)
            raise typer.Exit(2) from None
        if not report.valid:
            typer.echo(f"release: the package does not validate ({report.verdict}); "
                       "run `minusma-facts validate` to see the problems. Nothing was built.", err=True)
            raise typer.Exit(1)
        try:
            result = release_or_error(package, output_dir, project=project, doi=doi, repository_url=repository_url)
        except ReleaseError as error:
            typer.echo(f"release: {clean(error, 1000)}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"{result.path}")
        typer.echo(f"sha256 {result.sha256}")
        typer.echo(f"{result.size} bytes, {len(result.entries)} files")
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)

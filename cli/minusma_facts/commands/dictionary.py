"""`minusma-facts dictionary`: write or check docs/data-dictionary.md, rendered from the schema files."""

from __future__ import annotations

import typer

from ..options import PackageArgument, PackageOption


def register(app: typer.Typer) -> None:
    @app.command("dictionary")
    def dictionary(
        package: PackageArgument = None,
        package_option: PackageOption = None,
        check: bool = typer.Option(
            False, "--check", help="Do not write; exit 1 when the committed dictionary differs from a fresh rendering."
        ),
    ) -> None:
        """Write docs/data-dictionary.md from the schema files, or --check that it is current.

        Exits 0 when written or current, 1 when the committed copy is out of date, 2 when it cannot run.
        """
        from ..dictionary import DICTIONARY_PATH, render
        from ..options import open_package
        from ..package import PackageError
        from ..safety import clean, output_path

        opened = open_package(package, package_option, "dictionary")
        try:
            text = render(opened)
        except (PackageError, KeyError, ValueError, OSError) as error:
            typer.echo(f"dictionary: {clean(error, 1000)}", err=True)
            raise typer.Exit(2) from None
        if check:
            try:
                current = opened.read_bytes(DICTIONARY_PATH).decode("utf-8")
            except FileNotFoundError:
                current = None
            except (OSError, UnicodeDecodeError, PackageError) as error:
                typer.echo(f"dictionary: {DICTIONARY_PATH}: cannot be read ({clean(error, 500)})", err=True)
                raise typer.Exit(2) from None
            if current is None:
                typer.echo(f"{DICTIONARY_PATH} is missing; run `minusma-facts dictionary` to write it", err=True)
                raise typer.Exit(1)
            if current != text:
                typer.echo(
                    f"{DICTIONARY_PATH} is out of date with the schema files; run `minusma-facts dictionary`",
                    err=True,
                )
                raise typer.Exit(1)
            typer.echo(f"{DICTIONARY_PATH} is up to date")
            return
        if opened.is_archive:
            typer.echo(f"dictionary: {opened.location}: cannot write into an archive (use --check)", err=True)
            raise typer.Exit(2)
        try:
            # never through a symbolic link: a package cannot point docs/ or the file itself elsewhere
            target = output_path(opened.location, DICTIONARY_PATH)
            target.parent.mkdir(parents=True, exist_ok=True)
            target = output_path(opened.location, DICTIONARY_PATH)
            target.write_bytes(text.encode("utf-8"))
        except PackageError as error:
            typer.echo(f"dictionary: {clean(error, 1000)}", err=True)
            raise typer.Exit(2) from None
        except OSError as error:
            typer.echo(f"dictionary: {target}: cannot be written ({error.strerror})", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"wrote {target}")

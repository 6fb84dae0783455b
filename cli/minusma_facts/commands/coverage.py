"""`minusma-facts coverage [PATH]`: what of each source text no row cites yet."""

from __future__ import annotations

import typer

from ..options import PackageArgument, PackageOption


def register(app: typer.Typer) -> None:
    @app.command("coverage")
    def coverage_command(
        package: PackageArgument = None,
        package_option: PackageOption = None,
        as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON."),
        show_all: bool = typer.Option(False, "--all", help="List every uncited sentence, not only the first 20."),
    ) -> None:
        """Show which sentences of each source no row cites, and the share of the text that is cited."""
        import json

        from ..coverage import coverage
        from ..options import open_package
        from ..package import PackageError
        from ..safety import clean

        opened = open_package(package, package_option, "coverage", announce=True)
        try:
            report = coverage(opened)
        except (PackageError, KeyError, ValueError, OSError) as error:
            typer.echo(f"coverage: {clean(error, 1000)}", err=True)
            raise typer.Exit(2)
        if as_json:
            from ..safety import json_text

            typer.echo(json_text(report))
            return
        for source in report["sources"]:
            if not source["text_present"]:
                typer.echo(f"{clean(source['source_id'], 200)}: text not present in this package; nothing to measure")
                continue
            typer.echo(
                f"{clean(source['source_id'], 200)}: {source['covered_share']:.1%} of the text cited "
                f"({source['covered_chars']:,} of {source['text_length_chars']:,} code points, "
                f"{source['span_count']} spans in {source['row_count']} rows)"
            )
            uncited = source["uncited_sentences"]
            if not uncited:
                typer.echo(f"every one of the {source['sentence_count']} sentences is cited by some row")
            else:
                typer.echo(f"{len(uncited)} of {source['sentence_count']} sentences cited by no row:")
                _listing([(s["start"], s["end"], s["text"]) for s in uncited], show_all)
            gaps = source["uncovered_ranges"]
            if gaps:
                typer.echo(f"{len(gaps)} stretches of text no span covers:")
                _listing([(g["start"], g["end"], repr(g["text"])) for g in gaps], show_all)


def _listing(items: list[tuple[int, int, str]], show_all: bool) -> None:
    from ..safety import clean

    shown = items if show_all else items[:20]
    for start, end, text in shown:
        typer.echo(f"  [{start}:{end}] {clean(text, 1000)}")
    if len(shown) < len(items):
        typer.echo(f"  ... and {len(items) - len(shown)} more (--all lists them)")

"""`minusma-facts show TABLE ID`: one row, its linked rows and its source passage."""

from __future__ import annotations

import typer

from ..options import PackageArgument, PackageOption


def register(app: typer.Typer) -> None:
    @app.command("show")
    def show_command(
        table: str = typer.Argument(..., help="Table name, e.g. events, casualties, actors."),
        row_id: str = typer.Argument(..., help="The row's primary key value, e.g. bamako_protest_2023_05_25."),
        package: PackageArgument = None,
        package_option: PackageOption = None,
        as_json: bool = typer.Option(False, "--json", help="Print the row, its links and passage as JSON."),
    ) -> None:
        """Show a row, the rows linked to it both ways, and the source passage with its evidence highlighted."""
        import json

        from ..options import open_package
        from ..package import PackageError
        from ..safety import clean
        from ..show import NotFound, show

        opened = open_package(package, package_option, "show", announce=True)
        try:
            result = show(opened, table, row_id)
        except NotFound as error:
            typer.echo(f"show: {clean(error.args[0], 1000)}", err=True)
            raise typer.Exit(1)
        except KeyError as error:
            typer.echo(f"show: {clean(error.args[0], 1000)}", err=True)
            raise typer.Exit(2)
        except (PackageError, ValueError, OSError) as error:
            typer.echo(f"show: {clean(error, 1000)}", err=True)
            raise typer.Exit(2)
        if as_json:
            from ..safety import json_text

            typer.echo(json_text(result))
            return
        _render(result)


def _render(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ..safety import clean

    console = Console(highlight=False, soft_wrap=False)
    plain = not console.is_terminal or console.no_color

    # every text is a rich Text (never markup) and cleaned of control characters (safety.clean)
    grid = Table(title=Text(clean(f"{result['table']} {result['id']}", 300)), show_header=False, title_justify="left")
    grid.add_column("field", style="bold")
    grid.add_column("value", overflow="fold")
    for field, value in result["row"].items():
        grid.add_row(Text(clean(field, 200)), Text(clean(value, 2000, keep_lines=True)))
    console.print(grid)

    if result["links_to"]:
        console.print(Text("Links to", style="bold underline"))
        for link in result["links_to"]:
            console.print(Text(clean(f"  {link['field']} -> {link['table']} {link['id']}: {link['label']}", 1000)))
    if result["linked_from"]:
        console.print(Text("Linked from", style="bold underline"))
        for link in result["linked_from"]:
            via = "".join(f"; {v['field']} -> {v['table']} {v['id']}: {v['label']}" for v in link.get("via", []))
            console.print(Text(clean(f"  {link['table']} {link['id']} ({link['field']}): {link['label']}{via}", 2000)))

    _passage(console, result["passage"], plain, "Source")
    for report in result.get("reports", []):
        _passage(console, report["passage"], plain, f"Also reported ({report['id']}) by source")
    if result.get("estimates"):
        from ..reconcile import number_text

        console.print(Text("Computed estimates across sources (minusma_facts.reconcile)", style="bold underline"))
        for e in result["estimates"]:
            bounds = ", ".join(f"{k} {number_text(e[k]) or 'empty'}" for k in ("low", "best", "high"))
            console.print(Text(clean(f"  {e['kind']} ({e['unit']}): {bounds}; {e['number_of_sources']} source(s): {e['source_figures']}", 3000)))


def _passage(console, p: dict | None, plain: bool, title: str) -> None:
    from rich.text import Text

    from ..safety import clean

    if p is None:
        return
    console.print(Text(clean(f"{title} {p['source_id']}, evidence [{p['evidence_start']}:{p['evidence_end']}]", 300), style="bold underline"))
    if not p["text_present"]:
        console.print(Text("  (the source text is not in this package; the evidence as stored:)"))
        console.print(Text(clean(f"  {p['evidence']}", 4000, keep_lines=True)))
        return
    a, b = p["evidence_start"] - p["start"], p["evidence_end"] - p["start"]
    text = Text("  ")
    text.append(clean(p["text"][:a], 2000, keep_lines=True))
    text.append(("⟦" if plain else "") + clean(p["text"][a:b], 4000, keep_lines=True) + ("⟧" if plain else ""), style="bold black on yellow")
    text.append(clean(p["text"][b:], 2000, keep_lines=True))
    console.print(text)
    if not p["evidence_matches"]:
        console.print(Text("  warning: the row's evidence differs from the text at its offsets", style="bold red"))

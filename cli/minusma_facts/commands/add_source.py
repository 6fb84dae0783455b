"""`minusma-facts add-source FILE --id ID ...`: store a source text and its sources row.

`add-source --replace ID FILE` replaces a stored text and re-anchors every span of that source. Exit 0 when
done, 1 when refused (not UTF-8 or not NFC, id or text already there, orphaned spans), 2 when it cannot run.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..options import PackageArgument, PackageOption, chosen

REQUIRED = {  # option -> sources column, for adding a new source
    "--id": "source_id",
    "--headline": "headline",
    "--publisher": "publisher_name",
    "--url": "original_url",
    "--published": "publication_date",
    "--language": "language_code",
}


def register(app: typer.Typer) -> None:
    app.command("add-source")(add_source)


def add_source(
    file: Path = typer.Argument(..., help="The source text: UTF-8, NFC, LF line endings. Stored byte for byte."),
    source_id: Optional[str] = typer.Option(None, "--id", help="The new source's id (lowercase, digits, _)."),
    headline: Optional[str] = typer.Option(None, "--headline", help="The headline as the text gives it."),
    publisher: Optional[str] = typer.Option(None, "--publisher", help="The original publisher."),
    url: Optional[str] = typer.Option(None, "--url", help="Address of the original publication."),
    published: Optional[str] = typer.Option(None, "--published", help="Publication date, YYYY-MM-DD."),
    language: Optional[str] = typer.Option(None, "--language", help="ISO 639-1 code of the text's language."),
    copy_url: Optional[str] = typer.Option(None, "--copy-url", help="Address of the copy the stored text matches."),
    rights: Optional[str] = typer.Option(None, "--rights", help="Who holds the rights and what the package may carry."),
    redistributable: Optional[bool] = typer.Option(
        None, "--redistributable/--not-redistributable", help="Whether releases may carry the full text (default: not)."),
    fields: List[str] = typer.Option([], "--field", help="Any other sources column, as NAME=VALUE (repeatable)."),
    replace: Optional[str] = typer.Option(None, "--replace", metavar="ID", help="Replace the stored text of source ID and re-anchor its spans."),
    allow_orphans: bool = typer.Option(False, "--allow-orphans", help="With --replace: write even when spans are orphaned (their offsets are cleared)."),
    check: bool = typer.Option(False, "--check", help="With --replace: report how the spans would re-anchor, change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    package: PackageArgument = None,
    package_option: PackageOption = None,
) -> None:
    """Store a source text under sources/ and write its sources row (sha256, lengths, path), atomically."""
    from ..addsource import DEFAULT_RIGHTS, Refused, add
    from ..cliutil import exits, fail
    from ..loader import open_package

    values = {name: value for name, value in (
        ("source_id", source_id), ("headline", headline), ("publisher_name", publisher), ("original_url", url),
        ("publication_date", published), ("language_code", language), ("copy_url", copy_url), ("rights_note", rights),
    ) if value is not None}
    if redistributable is not None:
        values["is_text_redistributable"] = "true" if redistributable else "false"
    for item in fields:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail("add-source", 2, f"--field {item!r}: write NAME=VALUE")
        values[name] = value
    with exits("add-source", refused=(Refused,)):
        package = open_package(chosen(package, package_option, "minusma-facts add-source"))
        if replace is not None:
            values.pop("source_id", None)
            _replace(package, replace, file, values, allow_orphans, check, as_json)
            return
        missing = [option for option, column in REQUIRED.items() if column not in values]
        if missing:
            fail("add-source", 2, f"missing option {', '.join(missing)} (needed to add a source)")
        values.setdefault("rights_note", DEFAULT_RIGHTS)
        values.setdefault("is_text_redistributable", "false")
        added = add(package, file, values)
    if as_json:
        from ..safety import json_text

        typer.echo(json_text(added.__dict__))
        return
    typer.echo(f"added source {added.source_id}: {added.text_path} ({added.chars} code points, {added.size} bytes, "
               f"sha256 {added.sha256}); data/sources.csv row {added.row}")
    typer.echo("next: type the rows with their words (offsets empty), then run: minusma-facts locate && minusma-facts validate")


def _replace(package, source_id: str, file: Path, values: dict, allow_orphans: bool, check: bool, as_json: bool) -> None:
    from ..addsource import replace

    result = replace(package, source_id, file, values, allow_orphans=allow_orphans, check=check)
    if as_json:
        from ..safety import json_text

        typer.echo(json_text({"source_id": result.source_id, "text_path": result.text_path, "sha256": result.sha256,
                               "written": result.written, "spans": [a.to_dict() for a in result.spans]}))
    else:
        for anchored in result.spans:
            if anchored.status != "unchanged":
                typer.echo(anchored.message)
        counts = ", ".join(f"{result.count(s)} {s}" for s in ("unchanged", "moved", "orphaned", "ambiguous", "unlocated")
                           if result.count(s) or s in ("unchanged", "moved", "orphaned"))
        if result.identical and not result.written:
            typer.echo(f"{source_id}: {file} is the text already stored ({result.text_path}); nothing to change")
        elif result.written:
            typer.echo(f"replaced {result.text_path} (sha256 {result.sha256}); spans: {counts}")
            if result.blocking:
                typer.echo("the offsets of the orphaned and ambiguous spans were cleared: fix their words, then run locate")
        elif check:
            typer.echo(f"--check: nothing written; spans: {counts}")
        else:
            typer.echo(f"nothing written: {len(result.blocking)} spans are orphaned or ambiguous; fix or remove those "
                       f"rows, or pass --allow-orphans to write and clear their offsets; spans: {counts}")
    if result.blocking and not result.written:
        raise typer.Exit(1)

"""The `minusma-facts` command line: one typer app; each command lives in `minusma_facts.commands.<name>`.

Every module in the `commands` package defines ``register(app)``; the app collects them here, so adding a
command means adding a module. Command modules import heavy libraries inside their functions so that
``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from . import __version__, commands

app = typer.Typer(
    name="minusma-facts",
    help="Validate, release, export and explore the minusma-facts data package.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"minusma-facts {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Validate, release, export and explore the minusma-facts data package."""


for _info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    importlib.import_module(f"{commands.__name__}.{_info.name}").register(app)


def main() -> None:
    """Console-script entry point. Typer's own usage errors exit 2, as `validate`'s contract needs.

    A usage error of `validate --json` (or `--format json`), which typer reports before `validate` runs, still
    prints one JSON object on stdout, so a machine that asked for JSON always gets JSON. No command opens a
    socket: every connection or name lookup is refused while it runs (safety.no_network).
    """
    from .safety import no_network

    for stream in (sys.stdout, sys.stderr):  # a terminal or pipe in ASCII or Latin-1 still gets every finding, escaped
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # closed, or not a text stream of io's
            pass
    try:
        with no_network():
            app()
    except SystemExit as exit:
        if exit.code == 2 and _asks_for_json(sys.argv[1:]):
            from .commands.validate import json_printed, print_cannot_run_json

            if not json_printed():
                print_cannot_run_json("usage error: the arguments are not valid (see the message on stderr)")
        raise


def _asks_for_json(argv: list[str]) -> bool:
    return argv[:1] == ["validate"] and ("--json" in argv or "--format=json" in argv
                                         or any(a == "--format" and b == "json" for a, b in zip(argv, argv[1:])))

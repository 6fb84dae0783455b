"""The one rule every command and ``load()`` use to find the package, and the CLI argument that declares it.

The rule: the package is the path the user gives (a package folder, its datapackage.json or a release .zip);
without one it is the current folder, which must hold a datapackage.json. Nothing is searched for upward and
nothing falls back to another package (the repository of an editable install, say): a command run in the wrong
folder fails with exit 2 and says where it looked. Commands whose output does not name the package print its
path on stderr when it was not given (``announce``).

Every command declares the package the same way: ``package: PackageArgument = None`` as its last positional
argument, with ``package_option: PackageOption = None`` for ``--package/-p``, which says the same thing. This
module lives outside ``commands/`` because every module there is a command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .package import PackageError, locate
from .safety import clean

if TYPE_CHECKING:  # pragma: no cover
    from .package import Package

HELP = "The package: a folder, its datapackage.json or a release .zip (default: the current folder)."

PackageArgument = Annotated[Optional[Path], typer.Argument(help=HELP, show_default=False, metavar="PACKAGE")]
PackageOption = Annotated[
    Optional[Path], typer.Option("--package", "-p", help="The package, as [PACKAGE] (either may be given).", show_default=False)
]


def chosen(argument: Path | None, option: Path | None, command: str) -> Path | None:
    """The package path given as the argument or as --package (exit 2 when both are given and differ)."""
    if argument is not None and option is not None and Path(argument) != Path(option):
        typer.echo(f"{command}: the package is given twice ({clean(argument, 300)} and --package {clean(option, 300)}); "
                   "give it once", err=True)
        raise typer.Exit(2)
    return argument if argument is not None else option


def open_package(argument: Path | None, option: Path | None, command: str, *, announce: bool = False) -> "Package":
    """Open the package a command was given (or the current folder's); exit 2 with one line when it cannot.

    With ``announce``, print the package's path on stderr when the user did not give it, so the output is never
    about a package the user did not mean.
    """
    from .package import Package

    given = chosen(argument, option, command)
    try:
        path = locate(given)
        package = Package.open(path)
    except (PackageError, ValueError) as error:  # Refused (the gate) is a PackageError
        typer.echo(f"{command}: {clean(error, 1000)}", err=True)
        raise typer.Exit(2) from None
    except OSError as error:
        typer.echo(f"{command}: {clean(getattr(error, 'filename', None) or given or '.', 300)}: "
                   f"{clean(error.strerror or error, 300)}", err=True)
        raise typer.Exit(2) from None
    if announce and given is None:
        typer.echo(f"package: {clean(path.resolve(), 1000)}", err=True)
    return package

"""What the commands share when something goes wrong: one message on stderr, an exit code, never a traceback."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

import typer


def fail(command: str, code: int, message: str) -> None:
    """Print `minusma-facts COMMAND: MESSAGE` on stderr (hidden and control characters escaped) and exit."""
    from .safety import clean

    typer.echo(f"minusma-facts {command}: {clean(message, keep_lines=True)}", err=True)
    raise typer.Exit(code)


def cause_of(error: BaseException, known: tuple[type[BaseException], ...] = ()) -> str:
    """What a "cannot run" message says of an error: its text when it is one a command expects (the package
    cannot be read, a file is missing), else its type too (a library broken or too old, an internal error)."""
    from .package import PackageError

    if isinstance(error, (PackageError, OSError) + known):
        return str(error)
    return f"{type(error).__name__}: {error}"


@contextmanager
def exits(command: str, refused: tuple[type[BaseException], ...] = (), cannot_run: tuple[type[BaseException], ...] = (),
          on_cannot_run: Callable[[str], None] | None = None, interrupted: str = "interrupted") -> Iterator[None]:
    """Run a command's work; the one mapping of what escapes it to an exit code, for every command.

    `refused` errors exit 1 with their message. Everything else exits 2, "cannot run": `cannot_run` errors
    (and PackageError, OSError) with their message, any other exception with its type (the environment's or
    the code's fault, never the package's), KeyboardInterrupt as `interrupted` (through `on_cannot_run` too).
    `on_cannot_run(cause)`, when given, prints the exit-2 message itself (validate's --json and --format github)
    and must raise typer.Exit.
    """
    try:
        yield
    except typer.Exit:
        raise
    except refused as error:
        fail(command, 1, str(error))
    except KeyboardInterrupt:
        if on_cannot_run is not None:  # validate --json still prints its one JSON object, saying so
            on_cannot_run(interrupted)
        fail(command, 2, interrupted)
    except Exception as error:  # noqa: BLE001 - no traceback ever reaches the user
        cause = cause_of(error, cannot_run)
        if on_cannot_run is not None:
            on_cannot_run(cause)
        fail(command, 2, f"cannot run: {cause}")

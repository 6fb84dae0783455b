"""What the commands share when something goes wrong: one message on stderr, an exit code, never a traceback."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import typer


def fail(command: str, code: int, message: str) -> None:
    """Print `minusma-facts COMMAND: MESSAGE` on stderr (hidden and control characters escaped) and exit."""
    from .safety import clean

    typer.echo(f"minusma-facts {command}: {clean(message, keep_lines=True)}", err=True)
    raise typer.Exit(code)


@contextmanager
def exits(command: str, refused: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Run a command's work: `refused` errors exit 1 with their message; any other error exits 2 ("cannot run")."""
    try:
        yield
    except typer.Exit:
        raise
    except refused as error:
        fail(command, 1, str(error))
    except KeyboardInterrupt:
        fail(command, 2, "interrupted")
    except Exception as error:  # noqa: BLE001 - no traceback ever reaches the user
        from .package import PackageError

        known = isinstance(error, (PackageError, OSError))
        fail(command, 2, f"cannot run: {error}" if known else f"cannot run: {type(error).__name__}: {error}")

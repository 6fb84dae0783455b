"""Writing into a package folder: all the files of one command, or none of them, and never through a symlink
(targets go through `safety.output_path`).

`write_all` writes every new content to a temporary file beside its target first; only when all are written
does it rename them onto their targets, and if a rename fails it puts back what was there before (or removes
a file that did not exist). A failure, full disk or Ctrl-C included, leaves the package as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_all(files: dict[Path, bytes]) -> None:
    """Replace (or create) every file with its bytes, all or none."""
    temporaries: dict[Path, Path] = {}
    try:
        for target, data in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            temporaries[target] = Path(name)
        previous: dict[Path, bytes | None] = {
            target: (target.read_bytes() if target.exists() else None) for target in files
        }
        done: list[Path] = []
        try:
            for target, temporary in temporaries.items():
                os.replace(temporary, target)
                done.append(target)
        except BaseException:
            for target in done:
                if previous[target] is None:
                    target.unlink(missing_ok=True)
                else:
                    target.write_bytes(previous[target])
            raise
    finally:
        for temporary in temporaries.values():
            if temporary.exists():
                temporary.unlink()

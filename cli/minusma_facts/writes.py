"""Writing into a package folder: all the files of one command, or none of them, and never through a symlink
(targets go through `safety.output_path`).

`write_all` writes every new content to a temporary file beside its target first (with the target's permission
bits when it exists); only when all are written does it rename them onto their targets. Before that, each
existing target is kept aside as a hard link (a copy where links are not allowed), so that if a rename fails it
puts back what was there before, or removes a file that did not exist. A failure, full disk or Ctrl-C included,
leaves the package as it was. Memory does not grow with the size of the files replaced.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path


def write_all(files: dict[Path, bytes]) -> None:
    """Replace (or create) every file with its bytes, all or none."""
    temporaries: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    try:
        for target, data in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            temporaries[target] = Path(name)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            if target.exists():
                os.chmod(name, stat.S_IMODE(target.stat().st_mode))
                backup = target.with_name(f".{target.name}.{os.getpid()}.before")
                try:
                    os.link(target, backup)
                except OSError:
                    shutil.copy2(target, backup)
                backups[target] = backup
        done: list[Path] = []
        try:
            for target, temporary in temporaries.items():
                os.replace(temporary, target)
                done.append(target)
        except BaseException:
            for target in done:
                if target in backups:
                    os.replace(backups[target], target)
                else:
                    target.unlink(missing_ok=True)
            raise
    finally:
        for path in [*temporaries.values(), *backups.values()]:
            path.unlink(missing_ok=True)

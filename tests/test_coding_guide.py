"""docs/coding.md's worked example, run as a coder runs it: every command, in order, prints what the page shows.

The page is read top to bottom. `<!-- file: NAME -->` before a text block: the block is the test text of that
name under tests/sources/ and is put into the repository copy. `<!-- append: PATH -->` before a csv block: its
lines are added to that file, as a coder types them. `<!-- edit: PATH ID FIELD=VALUE -->`: the coder's edit of
one cell of the row whose first column is ID. A console block: each `$ ` line runs in bash in the copy, and its
output must be the lines below it (`…` matches any text).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from minusma_facts.csvcells import CsvFile
from packages import ROOT, copy_package

GUIDE = (ROOT / "docs" / "coding.md").read_text(encoding="utf-8")
TEXTS = Path(__file__).resolve().parent / "sources"
STEP = re.compile(r"<!-- (file|append|edit): (.+?) -->\n|```(text|csv|console)\n(.*?)```", re.S)


def _edit(path: Path, spec: str) -> None:
    ident, assignment = spec.split(" ", 1)
    field, value = assignment.split("=", 1)
    table = CsvFile(path.read_bytes(), str(path))
    column = table.header.index(field)
    (record,) = [r for _, r, row in table.rows() if row[table.header[0]] == ident]
    path.write_bytes(table.rewrite({record.cells[column]: value}))


def _matches(expected: list[str], got: list[str]) -> bool:
    if len(expected) != len(got):
        return False
    return all(re.fullmatch(".*".join(map(re.escape, e.split("…"))) if e.count("…") and not _literal(e) else re.escape(e), g)
               for e, g in zip(expected, got))


def _literal(line: str) -> bool:
    """A line whose … belongs to the output (locate's context marks), not a wildcard."""
    return "⟦" in line


def _repository(tmp_path: Path) -> Path:
    repository = copy_package(tmp_path / "repo", whole=True)
    # a coder works in a clone of the repository, whose code `release` builds the archive's tools from
    shutil.copytree(ROOT / "cli", repository / "cli", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    git = ["git", "-C", str(repository), "-c", "user.name=coder", "-c", "user.email=coder@example.org"]
    version = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]  # the last release
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", f"release {version}"], ["tag", f"v{version}"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    return repository


def test_the_worked_example_runs_as_written(tmp_path):
    repository = _repository(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "CI": "1",
           "COLUMNS": "200"}
    pending: tuple[str, str] | None = None
    commands = 0
    for match in STEP.finditer(GUIDE):
        marker, argument, kind, body = match.groups()
        if marker == "edit":
            path, spec = argument.split(" ", 1)
            _edit(repository / path, spec)
        elif marker:
            pending = (marker, argument)
        elif kind == "text" and pending and pending[0] == "file":
            assert body == (TEXTS / pending[1]).read_text(encoding="utf-8"), "the page shows the test text as it is"
            (repository / pending[1]).write_text(body, encoding="utf-8", newline="\n")
            pending = None
        elif kind == "csv" and pending and pending[0] == "append":
            with open(repository / pending[1], "a", encoding="utf-8", newline="") as out:
                out.write(body)
            pending = None
        elif kind == "console":
            lines = body.rstrip("\n").split("\n")
            starts = [i for i, line in enumerate(lines) if line.startswith("$ ")] + [len(lines)]
            for here, after in zip(starts, starts[1:]):
                command, expected = lines[here][2:], lines[here + 1:after]
                if command == "echo $?":
                    got = [str(last)]
                else:
                    result = subprocess.run(["bash", "-c", command], cwd=repository, env=env, capture_output=True,
                                            text=True, timeout=300)
                    last = result.returncode
                    got = result.stdout.rstrip("\n").split("\n") if result.stdout else []
                    if (lines[after] if after < len(lines) else "") != "$ echo $?":
                        assert last == 0, f"{command!r} exited {last}: {result.stderr}"
                assert _matches(expected, got), f"{command!r} printed:\n" + "\n".join(got)
                commands += 1
    assert commands >= 9
    assert list((repository / "dist").glob("minusma-facts-*.zip"))

"""Start-up of the CLI: `--help` of every command imports none of the heavy data libraries (they are imported by
the command that runs, inside it), and benchmarks/startup.py traces which line imports what. Nothing is timed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "pyarrow", "pandas", "pandera", "hypothesis", "frictionless", "jsonschema", "duckdb", "jinja2", "yaml")
PROBE = """
import json, sys
heavy = json.loads(sys.argv[1])
sys.argv = ["minusma-facts", *sys.argv[2:]]
from minusma_facts.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def _commands() -> list[str]:
    from typer.main import get_command

    from minusma_facts.cli import app

    return sorted(get_command(app).commands)


def _heavy_imported(*argv: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY), *argv], capture_output=True, text=True)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_the_bare_help_imports_no_heavy_library():
    assert _heavy_imported("--help") == []


@pytest.mark.parametrize("command", _commands())
def test_a_commands_help_imports_no_heavy_library(command):
    assert _heavy_imported(command, "--help") == []


def test_startup_trace_names_the_line_that_imports_each_library():
    spec = importlib.util.spec_from_file_location("benchmark_startup", REPO / "benchmarks" / "startup.py")
    startup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(startup)
    traced = startup.trace(REPO)
    assert traced["exit"] == 0
    by_library = {item["library"]: item for item in traced["imports"]}
    assert by_library["typer"]["by"].startswith("minusma_facts/cli.py:")
    assert "pyarrow" in by_library and by_library["pyarrow"]["by"].startswith("minusma_facts/")
    assert all(item["ms"] >= 0 and item["thread"] for item in traced["imports"])
    text = startup.markdown({"package": "x", "load_average": 0.0, "alone": {"typer": 1.0}, **traced})
    assert "| typer | `minusma_facts/cli.py:" in text

"""Where the start-up time of `minusma-facts validate` goes: which heavy library is imported, by which line, when.

    python benchmarks/startup.py [PACKAGE] [--repeat R] [--json]

Two measurements, both of child processes (standard library only):

1. `minusma-facts validate PACKAGE --quiet` runs once with an import hook that notes, for every heavy library
   it imports (pandas, pyarrow, frictionless, ...), the first line of `minusma_facts` on the stack that
   asked for it (or the library that did), the thread, when it started (ms after start-up) and how long its
   import took (wall ms, inclusive of what it imported in turn; imports in other threads run meanwhile).
2. Each of those libraries is imported alone in a fresh interpreter, `--repeat` times: the median CPU time
   (user + system, the child's rusage) minus that of an interpreter that imports nothing. That is what
   leaving the import out of a run saves, whatever the load of the machine.

The result is a Markdown table (``--json`` for the raw figures). PACKAGE defaults to this repository.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# Libraries worth knowing about at start-up (top-level names); anything imported under them counts for them.
HEAVY = ("typer", "pydantic", "rich", "numpy", "pyarrow", "pandas", "pandera", "hypothesis", "frictionless",
         "jsonschema", "referencing", "yaml", "jinja2", "duckdb", "openpyxl", "petl", "rfc3986", "slugify",
         "simpleeval", "attrs", "dateutil", "marko", "humanize", "tabulate", "requests", "validators", "chardet",
         "charset_normalizer", "isodate", "sqlite3", "zoneinfo")

TRACE = r"""
import importlib.machinery, json, resource, sys, threading, time, traceback
START = time.perf_counter()
HEAVY = set(json.loads(sys.argv[1]))
LOG = open(sys.argv[2], "w", encoding="utf-8")

def caller():
    frames = [f for f in traceback.extract_stack()[:-3] if "importlib" not in f.filename and "<frozen" not in f.filename]
    ours = [f for f in frames if "/minusma_facts/" in f.filename]
    if ours:
        f = ours[-1]
        return f"minusma_facts/{f.filename.split('/minusma_facts/', 1)[1]}:{f.lineno}", (f.line or "").strip()
    f = frames[-1] if frames else None
    return (f"{f.filename.rsplit('site-packages/', 1)[-1]}:{f.lineno}", (f.line or "").strip()) if f else ("?", "")

class Finder:
    def find_spec(self, name, path=None, target=None):
        if name not in HEAVY or name in sys.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        where, line = caller()
        thread = threading.current_thread().name
        run = spec.loader.exec_module
        def exec_module(module):
            began = time.perf_counter()
            try:
                run(module)
            finally:
                LOG.write(json.dumps({"library": name, "by": where, "line": line, "thread": thread,
                                      "at_ms": (began - START) * 1000, "ms": (time.perf_counter() - began) * 1000}) + "\n")
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, Finder())
sys.argv = ["minusma-facts", *sys.argv[3:]]
from minusma_facts.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
usage = resource.getrusage(resource.RUSAGE_SELF)
LOG.write(json.dumps({"total_ms": (time.perf_counter() - START) * 1000, "cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
                      "exit": code}) + "\n")
LOG.close()
"""


def trace(package: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="minusma-startup-") as folder:
        log = Path(folder) / "imports.jsonl"
        subprocess.run([sys.executable, "-c", TRACE, json.dumps(HEAVY), str(log), "validate", str(package), "--quiet"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    total = next((line for line in lines if "total_ms" in line), {})
    imports = sorted((line for line in lines if "library" in line), key=lambda line: line["at_ms"])
    return {"imports": imports, "total_ms": total.get("total_ms"), "cpu_ms": total.get("cpu_ms"), "exit": total.get("exit")}


def child_cpu_ms(code: str) -> float:
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    return (usage.ru_utime + usage.ru_stime) * 1000


def alone(libraries: list[str], repeat: int) -> dict[str, float]:
    """Median CPU ms of importing each library alone, above an interpreter that imports nothing."""
    base = statistics.median(child_cpu_ms("pass") for _ in range(repeat))
    return {name: max(0.0, statistics.median(child_cpu_ms(f"import {name}") for _ in range(repeat)) - base)
            for name in libraries}


def markdown(result: dict[str, Any]) -> str:
    lines = [f"`minusma-facts validate {result['package']} --quiet`: {result['total_ms']:.0f} ms wall, "
             f"{result['cpu_ms']:.0f} ms CPU (exit {result['exit']}; load average {result['load_average']:.1f}).", "",
             "| library | imported by | thread | at ms | import ms (wall, in the run) | CPU ms alone (median) |",
             "|---|---|---|---:|---:|---:|"]
    for item in result["imports"]:
        by = f"`{item['by']}`" + (f" `{item['line']}`" if item["line"] else "")
        cost = result["alone"].get(item["library"])
        lines.append(f"| {item['library']} | {by} | {item['thread']} | {item['at_ms']:.0f} | {item['ms']:.0f} | "
                     f"{'' if cost is None else f'{cost:.0f}'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package", nargs="?", type=Path, default=REPO, help="the package to validate (default: this repository)")
    parser.add_argument("--repeat", type=int, default=5, help="imports of each library alone; the median counts (default: 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = {"package": str(args.package), "load_average": os.getloadavg()[0], **trace(args.package)}
    result["alone"] = alone(sorted({item["library"] for item in result["imports"]}), args.repeat)
    print(json.dumps(result, indent=2) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

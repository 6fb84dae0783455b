"""Time `minusma-facts validate` against `frictionless validate datapackage.json` on scaled packages.

    python benchmarks/run.py [--sizes 1e5 1e6] [--workdir /tmp/minusma-bench] [--skip-frictionless-above N]
                             [--damage-size N | --no-damage] [--repeat R] [--profile] [--json]

For every size the package is scaled with `generate.py` (reused when the workdir already holds the same
size generated from the same package), then each tool runs once (or `--repeat` times) as a child process.
Wall time is measured around the child; its peak memory is the child's own ``ru_maxrss`` as ``os.wait4``
returns it for that one process, so each run is measured alone. The result is a Markdown table per run and
a comparison per size (frictionless / ours), or the same as JSON with ``--json``.

A damaged copy of one size (hard links to the valid files, the damaged tables rewritten) checks that
`validate` still finds what is wrong at scale: a few bad cells of kinds both tools report one error for
each, and the error counts of both tools are compared. ``--profile`` runs ours once more under cProfile and
prints the functions that take the most time.

Only the standard library is needed (plus the two tools under test).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (the sibling script)

REPO = HERE.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    candidate = BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"run: {name} is not installed (looked in {BIN} and on PATH)")
    return found


# -- measuring one child --------------------------------------------------------------------------------
def measure(command: list[str], cwd: Path, output: Path) -> dict[str, Any]:
    """Run `command`, stdout and stderr to `output`; wall seconds, peak RSS (MiB) and exit code of that child."""
    with output.open("wb") as sink:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
    return {"seconds": seconds, "peak_mib": usage.ru_maxrss * scale / 2**20, "exit_code": child.returncode,
            "user_seconds": usage.ru_utime, "system_seconds": usage.ru_stime}


def ours_command(package: Path, *extra: str) -> list[str]:
    return [_tool("minusma-facts"), "validate", str(package), *extra]


def frictionless_command(*extra: str) -> list[str]:
    return [_tool("frictionless"), "validate", *extra, "datapackage.json"]


# -- packages -------------------------------------------------------------------------------------------
def source_fingerprint(source: Path) -> str:
    """Hash of what a generated package is made from, so a stale one is regenerated."""
    digest = hashlib.sha256()
    for path in [source / generate.DESCRIPTOR, *sorted((source / "schemas").glob("*")), *sorted((source / "data").glob("*")),
                 Path(generate.__file__)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_package(n: int, workdir: Path, source: Path, log) -> tuple[Path, float | None]:
    package = workdir / f"rows-{n}"
    marker = workdir / f"rows-{n}.json"
    fingerprint = source_fingerprint(source)
    if marker.is_file() and (package / generate.DESCRIPTOR).is_file():
        if json.loads(marker.read_text()).get("fingerprint") == fingerprint:
            log(f"reusing {package}")
            return package, None
    log(f"generating {n} rows per table into {package}")
    started = time.perf_counter()
    generate.generate(n, package, source, force=True)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"rows_per_table": n, "fingerprint": fingerprint, "seconds": seconds}))
    return package, seconds


def table_rows(package: Path) -> dict[str, int]:
    descriptor = json.loads((package / generate.DESCRIPTOR).read_text())
    rows = {}
    for resource in descriptor["resources"]:
        with (package / resource["path"]).open("rb") as handle:
            rows[resource["name"]] = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b"")) - 1
    return rows


# -- damage ---------------------------------------------------------------------------------------------
# Cells of kinds each tool reports as exactly one error: a value outside a required enum that no other rule
# reads, and a required reference to a row that does not exist. Checked against the schemas before use.
DAMAGE = [
    ("casualties", "harm_type", "enum"),
    ("event_actors", "role", "enum"),
    ("quotes", "quote_type", "enum"),
    ("event_actors", "actor_id", "foreign-key"),
    ("actor_aliases", "actor_id", "foreign-key"),
]
BAD_VALUE = {"enum": "not_in_the_list", "foreign-key": "no_such_row_anywhere"}


def plan_damage(package: Path) -> list[dict[str, Any]]:
    """The bad cells to plant, each confirmed against its Table Schema."""
    descriptor, schemas = generate.load_package(package)
    resources = {r["name"]: r for r in descriptor["resources"]}
    plan = []
    for name, field_name, kind in DAMAGE:
        schema = schemas.get(name)
        field = next((f for f in (schema or {}).get("fields", []) if f["name"] == field_name), None)
        if field is None:
            continue
        constraints = field.get("constraints") or {}
        keys = {f for k in schema.get("foreignKeys", []) for f in generate._as_list(k.get("fields"))}
        if not constraints.get("required"):
            continue
        if kind == "enum" and BAD_VALUE[kind] in (constraints.get("enum") or [BAD_VALUE[kind]]):
            continue
        if kind == "foreign-key" and field_name not in keys:
            continue
        plan.append({"resource": name, "path": resources[name]["path"], "field": field_name, "kind": kind, "value": BAD_VALUE[kind]})
    return plan


def damage_copy(package: Path, target: Path, plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hard-link `package` into `target` and rewrite each damaged table with its bad cells."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(package, target, copy_function=os.link)
    by_path: dict[str, list[dict[str, Any]]] = {}
    for item in plan:
        by_path.setdefault(item["path"], []).append(item)
    done = []
    for relpath, items in by_path.items():
        path = target / relpath
        with path.open(encoding="utf-8", newline="") as handle:
            lines = sum(1 for _ in handle) - 1
        # damaged rows spread over the file: the middle and near the end
        rows = [max(1, lines * (i + 1) // (len(items) + 1)) for i in range(len(items))]
        temporary = path.with_suffix(".damaged")
        with path.open(encoding="utf-8", newline="") as source, temporary.open("w", encoding="utf-8", newline="") as sink:
            header_line = source.readline()
            header = next(csv.reader([header_line]))
            sink.write(header_line)
            wanted = dict(zip(rows, items))
            for number, line in enumerate(source, start=1):
                item = wanted.get(number)
                if item is not None:
                    cells = next(csv.reader([line]))
                    index = header.index(item["field"])
                    item = {**item, "row": number + 1, "was": cells[index]}  # frictionless row: header is row 1
                    cells[index] = item["value"]
                    buffer = io.StringIO()
                    csv.writer(buffer, lineterminator="\n").writerow(cells)
                    line = buffer.getvalue()
                    done.append(item)
                sink.write(line)
        os.replace(temporary, path)  # replaces the link, never the valid package's file
    return done


def ours_errors(output: Path) -> dict[str, Any]:
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return {"count": None, "by_type": {}, "note": f"no JSON report ({error})"}
    counts = report.get("counts") or {}
    count = counts.get("errors", len(report.get("errors", [])))
    by_type = counts.get("by_type") or {}
    if not by_type:
        for error in report.get("errors", []):
            by_type[error.get("type")] = by_type.get(error.get("type"), 0) + 1
    by_resource: dict[str, int] = {}
    for error in report.get("errors", []):
        by_resource[error.get("resource")] = by_resource.get(error.get("resource"), 0) + 1
    return {"count": count, "by_type": by_type, "by_resource": by_resource, "valid": report.get("valid")}


def frictionless_errors(output: Path) -> dict[str, Any]:
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return {"count": None, "by_type": {}, "note": f"no JSON report ({error})"}
    by_type: dict[str, int] = {}
    by_resource: dict[str, int] = {}
    errors = list(report.get("errors", []))
    for task in report.get("tasks", []):
        for error in task.get("errors", []):
            errors.append(error)
            by_resource[task.get("name")] = by_resource.get(task.get("name"), 0) + 1
    for error in errors:
        by_type[error.get("type")] = by_type.get(error.get("type"), 0) + 1
    return {"count": len(errors), "by_type": by_type, "by_resource": by_resource, "valid": report.get("valid")}


# -- profiling ------------------------------------------------------------------------------------------
PROFILE_SCRIPT = """
import cProfile, pstats, sys
sys.argv = ["minusma-facts", "validate", sys.argv[1], "--quiet"]
from minusma_facts.cli import main
profile = cProfile.Profile()
try:
    profile.runcall(main)
except SystemExit:
    pass
stats = pstats.Stats(profile, stream=sys.stderr)
stats.sort_stats("cumulative").print_stats("minusma_facts", 30)
stats.sort_stats("tottime").print_stats(20)
"""


def profile_ours(package: Path, workdir: Path) -> str:
    output = workdir / "profile.txt"
    with output.open("wb") as sink:
        subprocess.run([sys.executable, "-c", PROFILE_SCRIPT, str(package)], stdout=subprocess.DEVNULL, stderr=sink, check=False)
    return output.read_text(encoding="utf-8", errors="replace")


# -- the run --------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    log = (lambda text: None) if args.quiet else (lambda text: print(f"# {text}", file=sys.stderr, flush=True))
    workdir = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "versions": tool_versions(),
        "engine": engine_fingerprint(),
        "runs": [], "comparisons": [], "damage": None, "generated": {}, "fingerprints": {},
    }
    previous = json.loads(args.reuse_frictionless.read_text()) if args.reuse_frictionless else {}
    packages = {}
    for n in args.sizes:
        package, seconds = ensure_package(n, workdir, args.source, log)
        packages[n] = package
        fingerprint = source_fingerprint(args.source)
        results["fingerprints"][str(n)] = fingerprint
        if seconds is not None:
            results["generated"][str(n)] = round(seconds, 1)
        rows = table_rows(package)
        total = sum(rows.values())
        by_tool: dict[str, list[dict[str, Any]]] = {}
        tools = [("minusma-facts validate", ours_command(package), package)]
        if args.skip_frictionless_above is None or n <= args.skip_frictionless_above:
            tools.append(("frictionless validate", frictionless_command(), package))
        reused = [r for r in previous.get("runs", []) if r["tool"] == "frictionless validate" and r["rows_per_table"] == n
                  and r["total_rows"] == total and r["exit_code"] == 0
                  and previous.get("fingerprints", {}).get(str(n), fingerprint) == fingerprint]
        if reused and len(tools) == 2:
            tools.pop()
            for run_ in reused:
                run_ = {**run_, "reused_from": str(args.reuse_frictionless)}
                results["runs"].append(run_)
                by_tool.setdefault(run_["tool"], []).append(run_)
                log(f"frictionless validate on {n} rows per table: reusing {run_['seconds']:.2f} s from {args.reuse_frictionless}")
        for tool, command, cwd in tools:
            for attempt in range(args.repeat):
                log(f"{tool} on {n} rows per table (run {attempt + 1} of {args.repeat})")
                output = workdir / f"out-{n}-{tool.split()[0]}-{attempt}.txt"
                measured = measure(command, cwd, output)
                measured.update({"tool": tool, "rows_per_table": n, "total_rows": total,
                                 "rows_per_second": total / measured["seconds"], "command": " ".join(command),
                                 "output_tail": output.read_text(encoding="utf-8", errors="replace")[-400:]})
                results["runs"].append(measured)
                by_tool.setdefault(tool, []).append(measured)
                log(f"  {measured['seconds']:.2f} s, {measured['peak_mib']:.0f} MiB, exit {measured['exit_code']}")
        best = {tool: min(runs, key=lambda r: r["seconds"]) for tool, runs in by_tool.items()}
        if len(best) == 2:
            ours, theirs = best["minusma-facts validate"], best["frictionless validate"]
            results["comparisons"].append({
                "rows_per_table": n, "total_rows": total,
                "ours_seconds": ours["seconds"], "frictionless_seconds": theirs["seconds"],
                "speedup": theirs["seconds"] / ours["seconds"],
                "cpu_speedup": (theirs["user_seconds"] + theirs["system_seconds"]) / (ours["user_seconds"] + ours["system_seconds"]),
                "ours_peak_mib": ours["peak_mib"], "frictionless_peak_mib": theirs["peak_mib"],
            })
    ours_runs = {n: min((r for r in results["runs"] if r["tool"].startswith("minusma") and r["rows_per_table"] == n),
                        key=lambda r: r["seconds"]) for n in args.sizes}
    if len(ours_runs) >= 2:
        small, large = min(ours_runs), max(ours_runs)
        results["scaling"] = {"from": small, "to": large, "row_factor": large / small,
                              "time_factor": ours_runs[large]["seconds"] / ours_runs[small]["seconds"]}

    if not args.no_damage:
        n = args.damage_size or min(args.sizes)
        package = packages.get(n) or ensure_package(n, workdir, args.source, log)[0]
        damaged = workdir / f"rows-{n}-damaged"
        plan = plan_damage(package)
        done = damage_copy(package, damaged, plan)
        log(f"damaged copy of {n} rows per table: {len(done)} bad cells")
        ours_out, theirs_out = workdir / "damaged-ours.json", workdir / "damaged-frictionless.json"
        ours_run = measure(ours_command(damaged, "--json"), damaged, ours_out)
        entry = {"rows_per_table": n, "cells": done, "ours": {**ours_errors(ours_out), **ours_run}}
        old = previous.get("damage") or {}
        key = lambda cells: [(c["path"], c["row"], c["field"], c["value"]) for c in cells]  # noqa: E731
        if old.get("frictionless") and old.get("rows_per_table") == n and key(old.get("cells", [])) == key(done):
            entry["frictionless"] = {**old["frictionless"], "reused_from": str(args.reuse_frictionless)}
            log(f"frictionless on the damaged copy: reusing the result from {args.reuse_frictionless}")
        elif args.skip_frictionless_above is None or n <= args.skip_frictionless_above:
            theirs_run = measure(frictionless_command("--json"), damaged, theirs_out)
            entry["frictionless"] = {**frictionless_errors(theirs_out), **theirs_run}
        if "frictionless" in entry:
            entry["same_count"] = entry["ours"]["count"] == entry["frictionless"]["count"] == len(done)
        results["damage"] = entry
        if not args.keep_damaged:
            shutil.rmtree(damaged)

    if args.profile:
        n = args.profile_size or min(args.sizes)
        if n not in packages:
            packages[n] = ensure_package(n, workdir, args.source, log)[0]
        log(f"profiling minusma-facts validate on {n} rows per table")
        results["profile"] = profile_ours(packages[n], workdir)
    return results


def engine_fingerprint() -> str:
    """sha256 of the validator's Python sources as they are on disk now: which code a run measured."""
    import minusma_facts

    root = Path(minusma_facts.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def tool_versions() -> dict[str, str]:
    versions = {}
    for name, command in (("minusma-facts", [_tool("minusma-facts"), "--version"]),
                          ("frictionless", [_tool("frictionless"), "--version"])):
        try:
            versions[name] = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.TimeoutExpired) as error:
            versions[name] = f"unknown ({error})"
    return versions


def markdown(results: dict[str, Any]) -> str:
    lines = ["| rows per table | rows in all | tool | wall s | CPU s | rows/s | peak MiB | exit |",
             "|---:|---:|---|---:|---:|---:|---:|---:|"]
    for r in results["runs"]:
        cpu = r["user_seconds"] + r["system_seconds"]
        tool = r["tool"] + (" (earlier run)" if r.get("reused_from") else "")
        lines.append(f"| {r['rows_per_table']:,} | {r['total_rows']:,} | {tool} | {r['seconds']:.2f} | {cpu:.2f} | "
                     f"{r['rows_per_second']:,.0f} | {r['peak_mib']:.0f} | {r['exit_code']} |")
    for r in results["runs"]:
        if r["exit_code"] != 0:
            tail = " ".join(r["output_tail"].split())[-300:]
            lines += ["", f"WARNING: {r['tool']} did not find the generated {r['rows_per_table']:,}-row package valid "
                          f"(exit {r['exit_code']}): {tail}"]
    if results["comparisons"]:
        lines += ["", "| rows per table | ours s | frictionless s | frictionless / ours (wall) | (CPU) | ours peak MiB | frictionless peak MiB |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for c in results["comparisons"]:
            lines.append(f"| {c['rows_per_table']:,} | {c['ours_seconds']:.2f} | {c['frictionless_seconds']:.2f} | "
                         f"{c['speedup']:.1f}x | {c.get('cpu_speedup', float('nan')):.1f}x | {c['ours_peak_mib']:.0f} | {c['frictionless_peak_mib']:.0f} |")
    if results.get("scaling"):
        s = results["scaling"]
        lines += ["", f"Scaling of ours: {s['row_factor']:.0f}x the rows took {s['time_factor']:.1f}x the time."]
    damage = results.get("damage")
    if damage:
        lines += ["", f"Damaged copy ({damage['rows_per_table']:,} rows per table, {len(damage['cells'])} bad cells):", "",
                  "| tool | errors found | by type | wall s | exit |", "|---|---:|---|---:|---:|"]
        for key, label in (("ours", "minusma-facts validate"), ("frictionless", "frictionless validate")):
            if key in damage:
                d = damage[key]
                types = ", ".join(f"{t} {c}" for t, c in sorted(d.get("by_type", {}).items()))
                lines.append(f"| {label} | {d['count']} | {types} | {d['seconds']:.2f} | {d['exit_code']} |")
        if "same_count" in damage:
            lines += ["", f"Both tools found the {len(damage['cells'])} planted errors: {'yes' if damage['same_count'] else 'NO'}."]
        lines += ["", "Planted: " + "; ".join(f"{c['path']} row {c['row']}, {c['field']} = {c['value']!r} ({c['kind']})"
                                               for c in damage["cells"])]
    if results["generated"]:
        lines += ["", "Generated: " + ", ".join(f"{n} rows per table in {s} s" for n, s in results["generated"].items())]
    lines += ["", f"Versions: {results['versions']}; validator sources {results.get('engine', '?')}; "
                  f"Python {results['machine']['python']}, {results['machine']['cpus']} CPUs."]
    if results.get("profile"):
        lines += ["", "Profile of ours (cProfile):", "", "```", results["profile"].strip(), "```"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=generate.parse_count, default=[10**5, 10**6], metavar="N",
                        help="rows per table to benchmark (default: 1e5 1e6)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "minusma-bench",
                        help="where generated packages are kept (default: /tmp/minusma-bench)")
    parser.add_argument("--from", dest="source", type=Path, default=REPO, help="the package to scale (default: this repository)")
    parser.add_argument("--skip-frictionless-above", type=generate.parse_count, default=None, metavar="N",
                        help="do not run frictionless on sizes above N rows per table")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and size; the fastest counts (default: 1)")
    parser.add_argument("--damage-size", type=generate.parse_count, default=None, metavar="N",
                        help="rows per table of the damaged copy (default: the smallest size)")
    parser.add_argument("--no-damage", action="store_true", help="skip the damaged copy")
    parser.add_argument("--keep-damaged", action="store_true", help="keep the damaged copy in the workdir")
    parser.add_argument("--profile", action="store_true", help="also profile ours (cProfile), once, after the timed runs")
    parser.add_argument("--profile-size", type=generate.parse_count, default=None, metavar="N",
                        help="rows per table of the profiled run (default: the smallest size)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of Markdown")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--reuse-frictionless", type=Path, default=None, metavar="RESULTS.json",
                        help="take frictionless's figures from an earlier --json run on the same packages instead of "
                             "measuring them again (for re-measuring ours after a change)")
    args = parser.parse_args(argv)
    args.sizes = sorted(set(args.sizes))
    args.source = args.source.resolve()
    if args.workdir.resolve() == args.source or args.source in args.workdir.resolve().parents:
        parser.error("--workdir must lie outside the package (large files go under /tmp)")
    try:
        results = run(args)
    except generate.GenerateError as error:
        print(f"run: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time `minusma-facts validate` beside `frictionless validate datapackage.json` and a DuckDB floor.

    python benchmarks/run.py [--sizes real 1e5 1e6] [--workdir /tmp/minusma-bench] [--skip-frictionless-above N]
                             [--damage-size N | --no-damage] [--repeat R] [--real-repeat R] [--no-floor]
                             [--reuse-frictionless RESULTS.json [--reuse-any-version]] [--profile] [--json]
    python benchmarks/run.py --markdown-from RESULTS.json

`real` is the real package as it is; a number is rows per table of a package scaled with `generate.py`
(reused when the workdir already holds the same size generated from the same package). The three tools run
as child processes, in turns, `--repeat` times per scaled size and `--real-repeat` times on the real package:
ours, frictionless and `floor.py` (DuckDB reading every table with its schema's types and checking keys,
references and constraints in SQL). Wall time is measured around the child; CPU time and peak memory are the
child's own ``rusage`` as ``os.wait4`` returns it for that one process, so each run is measured alone. Each
size is summarised by the medians of its runs, with the ratios ours / frictionless and ours / floor by wall
and by CPU time, and the goals of issue 9 are checked; Markdown, or JSON with ``--json``.

A damaged copy of one size (hard links to the valid files, the damaged tables rewritten) checks that
every tool still finds what is wrong at scale: a few bad cells of kinds each tool reports one error for,
and the error counts are compared. ``--profile`` runs ours once more under cProfile and prints the functions
that take the most time.

Only the standard library is needed (plus the tools under test and duckdb for the floor).
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


def floor_command(package: Path, *extra: str) -> list[str]:
    return [sys.executable, str(HERE / "floor.py"), str(package), *extra]


OURS, FRICTIONLESS, FLOOR = "minusma-facts validate", "frictionless validate", "DuckDB floor"


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
    """Data rows per table: records as the csv module reads them for small files (a quoted cell may hold a line
    break), lines for the large generated ones."""
    descriptor = json.loads((package / generate.DESCRIPTOR).read_text())
    rows = {}
    for resource in descriptor["resources"]:
        path = package / resource["path"]
        if path.stat().st_size < 1 << 24:
            with path.open(encoding="utf-8", newline="") as handle:
                rows[resource["name"]] = sum(1 for _ in csv.reader(handle)) - 1
            continue
        with path.open("rb") as handle:
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
        keys = {f for k in schema.get("foreignKeys", []) for f in generate.as_list(k.get("fields"))}
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


def parse_size(text: str) -> int:
    """A row count per table (1e5, 10**6, 100_000) or 'real': the real package as it is."""
    return REAL if text.strip().lower() == "real" else generate.parse_count(text)


# -- the run --------------------------------------------------------------------------------------------
REAL = 0  # the size that stands for the real, unscaled package (`--sizes real`)


def size_label(n: int) -> str:
    return "this package" if n == REAL else f"{n:,}"


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One tool at one size: the median wall and CPU seconds of its runs, and the largest peak."""
    return {"seconds": median([r["seconds"] for r in runs]),
            "cpu_seconds": median([r["user_seconds"] + r["system_seconds"] for r in runs]),
            "peak_mib": max(r["peak_mib"] for r in runs), "runs": len(runs),
            "exit_codes": sorted({r["exit_code"] for r in runs})}


def compare(n: int, total: int, by_tool: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Ours beside frictionless and the floor at one size: medians and the ratios ours / other (wall, CPU)."""
    tools = {tool: summary(runs) for tool, runs in by_tool.items()}
    comparison: dict[str, Any] = {"rows_per_table": n, "total_rows": total, "tools": tools}
    ours = tools.get(OURS)
    for tool, key in ((FRICTIONLESS, "frictionless"), (FLOOR, "floor")):
        if ours and tool in tools:
            other = tools[tool]
            comparison[f"ours_over_{key}"] = ours["seconds"] / other["seconds"]
            comparison[f"ours_over_{key}_cpu"] = ours["cpu_seconds"] / other["cpu_seconds"]
    return comparison


def measure_size(n: int, package: Path, tools: list[tuple[str, list[str], Path]], repeat: int, total: int,
                 workdir: Path, log) -> list[dict[str, Any]]:
    """Each tool `repeat` times, in turns (ours, frictionless, floor, ours, ...) so that a change of load on a
    shared machine falls on every tool alike."""
    measured_runs = []
    for attempt in range(repeat):
        for tool, command, cwd in tools:
            log(f"{tool} on {'the real package' if n == REAL else f'{n:,} rows per table'} (run {attempt + 1} of {repeat})")
            output = workdir / f"out-{n}-{tool.split()[0]}-{attempt}.txt"
            measured = measure(command, cwd, output)
            measured.update({"tool": tool, "rows_per_table": n, "total_rows": total,
                             "rows_per_second": total / measured["seconds"], "command": " ".join(command),
                             "output_tail": output.read_text(encoding="utf-8", errors="replace")[-400:],
                             "load_average": os.getloadavg()[0]})
            measured_runs.append(measured)
            log(f"  {measured['seconds']:.2f} s, CPU {measured['user_seconds'] + measured['system_seconds']:.2f} s, "
                f"{measured['peak_mib']:.0f} MiB, exit {measured['exit_code']}")
    return measured_runs


def run(args: argparse.Namespace) -> dict[str, Any]:
    log = (lambda text: None) if args.quiet else (lambda text: print(f"# {text}", file=sys.stderr, flush=True))
    workdir = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_at_start": os.getloadavg()},
        "versions": tool_versions(),
        "engine": engine_fingerprint(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "runs": [], "comparisons": [], "damage": None, "generated": {}, "fingerprints": {},
    }
    previous = json.loads(args.reuse_frictionless.read_text()) if args.reuse_frictionless else {}
    packages = {}
    fingerprint = source_fingerprint(args.source)
    for n in args.sizes:
        if n == REAL:
            package = args.source
        else:
            package, seconds = ensure_package(n, workdir, args.source, log)
            results["fingerprints"][str(n)] = fingerprint
            if seconds is not None:
                results["generated"][str(n)] = round(seconds, 1)
        packages[n] = package
        rows = table_rows(package)
        total = sum(rows.values())
        by_tool: dict[str, list[dict[str, Any]]] = {}
        tools = [(OURS, ours_command(package), package)]
        if args.skip_frictionless_above is None or n <= args.skip_frictionless_above:
            tools.append((FRICTIONLESS, frictionless_command(), package))
        reused = [r for r in previous.get("runs", []) if r["tool"] == FRICTIONLESS and r["rows_per_table"] == n != REAL
                  and r["total_rows"] == total and r["exit_code"] == 0
                  and (args.reuse_any_version or previous.get("fingerprints", {}).get(str(n), fingerprint) == fingerprint)]
        if reused:  # figures of an earlier run on the same package (also above --skip-frictionless-above)
            tools = [t for t in tools if t[0] != FRICTIONLESS]
            for run_ in reused:
                run_ = {**run_, "reused_from": str(args.reuse_frictionless)}
                results["runs"].append(run_)
                by_tool.setdefault(FRICTIONLESS, []).append(run_)
                log(f"frictionless validate on {n} rows per table: reusing {run_['seconds']:.2f} s from {args.reuse_frictionless}")
        if not args.no_floor:
            tools.append((FLOOR, floor_command(package), package))
        repeat = args.real_repeat if n == REAL else args.repeat
        for measured in measure_size(n, package, tools, repeat, total, workdir, log):
            results["runs"].append(measured)
            by_tool.setdefault(measured["tool"], []).append(measured)
        results["comparisons"].append(compare(n, total, by_tool))
    scaled = {c["rows_per_table"]: c["tools"][OURS]["seconds"] for c in results["comparisons"] if c["rows_per_table"] != REAL}
    if len(scaled) >= 2:
        small, large = min(scaled), max(scaled)
        results["scaling"] = {"from": small, "to": large, "row_factor": large / small, "time_factor": scaled[large] / scaled[small]}

    if not args.no_damage:
        n = args.damage_size or min((n for n in args.sizes if n != REAL), default=0) or 10**5
        package = packages.get(n) or ensure_package(n, workdir, args.source, log)[0]
        damaged = workdir / f"rows-{n}-damaged"
        plan = plan_damage(package)
        done = damage_copy(package, damaged, plan)
        log(f"damaged copy of {n} rows per table: {len(done)} bad cells")
        ours_out, theirs_out, floor_out = (workdir / f"damaged-{name}.json" for name in ("ours", "frictionless", "floor"))
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
        if not args.no_floor:
            floor_run = measure(floor_command(damaged, "--json"), damaged, floor_out)
            entry["floor"] = {**floor_errors(floor_out), **floor_run}
        counts = [entry[tool]["count"] for tool in ("ours", "frictionless", "floor") if tool in entry]
        entry["same_count"] = all(count == len(done) for count in counts)
        results["damage"] = entry
        if not args.keep_damaged:
            shutil.rmtree(damaged)

    if args.profile:
        n = args.profile_size or min(args.sizes)
        if n not in packages:
            packages[n] = ensure_package(n, workdir, args.source, log)[0]
        log(f"profiling minusma-facts validate on {size_label(n)} rows per table")
        results["profile"] = profile_ours(packages[n], workdir)
    results["load_average_at_end"] = os.getloadavg()
    return results


def floor_errors(output: Path) -> dict[str, Any]:
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return {"count": None, "by_type": {}, "note": f"no JSON report ({error})"}
    return {key: report.get(key) for key in ("count", "by_type", "by_resource", "valid")}


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
                          ("frictionless", [_tool("frictionless"), "--version"]),
                          ("duckdb", [sys.executable, "-c", "import duckdb; print(duckdb.__version__)"])):
        try:
            versions[name] = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.TimeoutExpired) as error:
            versions[name] = f"unknown ({error})"
    return versions


# The goals of issue 9 (section 5), checked against each run's medians
SMALL_GOAL = 0.6  # this package: ours / frictionless wall time below this
LARGE_SIZE, LARGE_SPEEDUP, LARGE_FLOOR, LARGE_PEAK_MIB = 10**6, 30.0, 1.5, 1024.0


def goals(results: dict[str, Any]) -> list[str]:
    lines = []
    for c in results["comparisons"]:
        ours = c.get("tools", {}).get(OURS)
        if ours is None:
            continue
        if c["rows_per_table"] == REAL and "ours_over_frictionless" in c:
            ratio = c["ours_over_frictionless"]
            lines.append(f"- this package, ours under {SMALL_GOAL}x frictionless's time: **{ratio:.2f}x** "
                         f"({'met' if ratio < SMALL_GOAL else 'NOT met'}); by CPU time {c['ours_over_frictionless_cpu']:.2f}x")
        if c["rows_per_table"] == LARGE_SIZE:
            if "ours_over_frictionless" in c:
                speedup = 1 / c["ours_over_frictionless"]
                lines.append(f"- {LARGE_SIZE:,} rows per table, at least {LARGE_SPEEDUP:.0f}x faster than frictionless: "
                             f"**{speedup:.1f}x** ({'met' if speedup >= LARGE_SPEEDUP else 'NOT met'}); "
                             f"by CPU time {1 / c['ours_over_frictionless_cpu']:.1f}x")
            if "ours_over_floor" in c:
                ratio = c["ours_over_floor"]
                lines.append(f"- {LARGE_SIZE:,} rows per table, within {LARGE_FLOOR}x of the DuckDB floor: **{ratio:.2f}x** "
                             f"({'met' if ratio <= LARGE_FLOOR else 'NOT met'}); by CPU time {c['ours_over_floor_cpu']:.2f}x")
            lines.append(f"- {LARGE_SIZE:,} rows per table, peak memory under {LARGE_PEAK_MIB:.0f} MiB: **{ours['peak_mib']:.0f} MiB** "
                         f"({'met' if ours['peak_mib'] < LARGE_PEAK_MIB else 'NOT met'})")
    return lines


def markdown(results: dict[str, Any]) -> str:
    lines = ["| rows per table | rows in all | tool | wall s | CPU s | rows/s | peak MiB | exit | load |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in results["runs"]:
        cpu = r["user_seconds"] + r["system_seconds"]
        tool = r["tool"] + (" (earlier run)" if r.get("reused_from") else "")
        load = f"{r['load_average']:.1f}" if "load_average" in r else "?"
        lines.append(f"| {size_label(r['rows_per_table'])} | {r['total_rows']:,} | {tool} | {r['seconds']:.2f} | {cpu:.2f} | "
                     f"{r['rows_per_second']:,.0f} | {r['peak_mib']:.0f} | {r['exit_code']} | {load} |")
    for r in results["runs"]:
        if r["exit_code"] != 0:
            tail = " ".join(r["output_tail"].split())[-300:]
            lines += ["", f"WARNING: {r['tool']} did not find the {size_label(r['rows_per_table'])}-row package valid "
                          f"(exit {r['exit_code']}): {tail}"]
    if any("tools" in c for c in results["comparisons"]):
        lines += ["", "Medians per size (wall s / CPU s / peak MiB) and ours / other, by wall time and (CPU time):", "",
                  "| rows per table | runs | ours | frictionless | DuckDB floor | ours / frictionless | ours / floor |",
                  "|---:|---:|---|---|---|---:|---:|"]

        def cell(c: dict[str, Any], tool: str) -> str:
            t = c["tools"].get(tool)
            return f"{t['seconds']:.2f} / {t['cpu_seconds']:.2f} / {t['peak_mib']:.0f}" if t else "-"

        def ratio(c: dict[str, Any], key: str) -> str:
            return f"{c[key]:.3g}x ({c[key + '_cpu']:.3g}x)" if key in c else "-"

        for c in (c for c in results["comparisons"] if "tools" in c):  # (runs before the floor kept no medians)
            runs = max(t["runs"] for t in c["tools"].values())
            lines.append(f"| {size_label(c['rows_per_table'])} | {runs} | {cell(c, OURS)} | {cell(c, FRICTIONLESS)} | "
                         f"{cell(c, FLOOR)} | {ratio(c, 'ours_over_frictionless')} | {ratio(c, 'ours_over_floor')} |")
    goal_lines = goals(results)
    if goal_lines:
        lines += ["", "Goals (issue 9):", "", *goal_lines]
    if results.get("scaling"):
        s = results["scaling"]
        lines += ["", f"Scaling of ours: {s['row_factor']:.0f}x the rows took {s['time_factor']:.1f}x the time."]
    damage = results.get("damage")
    if damage:
        lines += ["", f"Damaged copy ({damage['rows_per_table']:,} rows per table, {len(damage['cells'])} bad cells):", "",
                  "| tool | errors found | by type | wall s | exit |", "|---|---:|---|---:|---:|"]
        for key, label in (("ours", OURS), ("frictionless", FRICTIONLESS), ("floor", FLOOR)):
            if key in damage:
                d = damage[key]
                types = ", ".join(f"{t} {c}" for t, c in sorted((d.get("by_type") or {}).items()))
                lines.append(f"| {label}{' (earlier run)' if d.get('reused_from') else ''} | {d['count']} | {types} | "
                             f"{d['seconds']:.2f} | {d['exit_code']} |")
        lines += ["", f"Every tool found the {len(damage['cells'])} planted errors: {'yes' if damage['same_count'] else 'NO'}."]
        lines += ["", "Planted: " + "; ".join(f"{c['path']} row {c['row']}, {c['field']} = {c['value']!r} ({c['kind']})"
                                               for c in damage["cells"])]
    if results["generated"]:
        lines += ["", "Generated: " + ", ".join(f"{n} rows per table in {s} s" for n, s in results["generated"].items())]
    load = results["machine"].get("load_average_at_start")
    lines += ["", f"Versions: {results['versions']}; validator sources {results.get('engine', '?')}; "
                  f"Python {results['machine']['python']}, {results['machine']['cpus']} CPUs; started {results.get('started', '?')}"
                  + (f", load average {load[0]:.1f} at the start" if load else "")
                  + (f", {results['load_average_at_end'][0]:.1f} at the end" if results.get("load_average_at_end") else "") + "."]
    if results.get("profile"):
        lines += ["", "Profile of ours (cProfile):", "", "```", results["profile"].strip(), "```"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[REAL, 10**5, 10**6], metavar="N",
                        help="rows per table to benchmark, or 'real' for the real package as it is (default: real 1e5 1e6)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "minusma-bench",
                        help="where generated packages are kept (default: /tmp/minusma-bench)")
    parser.add_argument("--from", dest="source", type=Path, default=REPO, help="the package to scale (default: this repository)")
    parser.add_argument("--skip-frictionless-above", type=generate.parse_count, default=None, metavar="N",
                        help="do not run frictionless on sizes above N rows per table")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and scaled size; the median counts (default: 1)")
    parser.add_argument("--real-repeat", type=int, default=7, help="runs per tool on the real package; the median counts (default: 7)")
    parser.add_argument("--no-floor", action="store_true", help="do not run the DuckDB floor (benchmarks/floor.py)")
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
    parser.add_argument("--reuse-any-version", action="store_true",
                        help="with --reuse-frictionless: reuse its figures even when the real package or generate.py has "
                             "changed since (same sizes and row counts; the table marks them as an earlier run)")
    parser.add_argument("--markdown-from", type=Path, default=None, metavar="RESULTS.json",
                        help="print the Markdown tables of an earlier --json run and exit")
    args = parser.parse_args(argv)
    if args.markdown_from:
        print(markdown(json.loads(args.markdown_from.read_text(encoding="utf-8"))))
        return 0
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

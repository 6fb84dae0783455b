"""Build each hostile package of issue 13 and measure `minusma-facts validate` on it: wall time, peak memory.

    .venv/bin/python benchmarks/hostile.py [--workdir /tmp/minusma-hostile] [--json] [--only NAME ...]

Each case is a copy of the real package (descriptor, data, schemas, metadata, stored text) with one attack
planted; validate runs as a child process and its peak memory is that child's `ru_maxrss` (os.wait4). The goal
(issue 13): every case under 1 GiB and 10 s, with exit 1 (a finding) and no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("datapackage.json", "data", "schemas", "sources", "CITATION.cff", ".zenodo.json", "pyproject.toml")
CLI = str(Path(sys.executable).parent / "minusma-facts")


def copy(target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for part in PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


def zip_folder(folder: Path, target: Path, big: tuple[str, int, bytes, bytes] | None = None) -> Path:
    """Zip `folder` under pkg/; with `big` = (entry, size, head, filler), that entry is streamed instead:
    `head` then `filler` repeated to `size` bytes (deflate turns a gigabyte of it into about a megabyte)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and (big is None or name != big[0]):
                archive.write(path, "pkg/" + name)
        if big is not None:
            entry, size, head, filler = big
            with archive.open("pkg/" + entry, "w", force_zip64=True) as out:
                out.write(head)
                written = len(head)
                block = filler * ((1 << 20) // len(filler))
                while written < size:
                    piece = block[: size - written]
                    out.write(piece)
                    written += len(piece)
                out.write(b"\n")
    return target


def edit(path: Path, change) -> None:
    path.write_bytes(change(path.read_bytes()))


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


# -- the cases -------------------------------------------------------------------------------------------
def zip_bomb(work: Path) -> Path:
    """1 GiB of one header label in figures.csv, deflated to about 1 MB (over the 512 MiB entry cap)."""
    return zip_folder(copy(work / "pkg"), work / "bomb.zip", ("data/figures.csv", 1 << 30, b"figure_id", b"x"))


def zip_bomb_under_cap(work: Path) -> Path:
    """400 MiB of one header label: under the entry cap, so it is streamed out and read."""
    return zip_folder(copy(work / "pkg"), work / "bomb400.zip", ("data/figures.csv", 400 << 20, b"figure_id", b"x"))


def wide_header(work: Path) -> Path:
    pkg = copy(work / "pkg")
    edit(pkg / "data" / "figures.csv", lambda raw: raw.replace(b"\n", b"," * 500_000 + b"\n", 1))
    return zip_folder(pkg, work / "wide.zip")


def yaml_bomb(work: Path) -> Path:
    pkg = copy(work / "pkg")
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    (pkg / "CITATION.cff").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pkg


def backtracking_pattern(work: Path) -> Path:
    pkg = copy(work / "pkg")
    edit_json(pkg / "schemas" / "events.schema.json",
              lambda s: field(s, "coding_note").setdefault("constraints", {}).update(pattern="(?=a)(a+)+b"))
    edit(pkg / "data" / "events.csv", lambda raw: raw.replace(b"Peaceful protest:", b"a" * 30 + b" Peaceful protest:", 1))
    return pkg


def giant_descriptor(work: Path) -> Path:
    pkg = copy(work / "pkg")
    edit(pkg / "datapackage.json", lambda raw: raw.rstrip()[:-1] + b', "padding": [' + b"{}," * 20_000_000 + b"{}]}")
    return pkg


def deep_descriptor(work: Path) -> Path:
    pkg = copy(work / "pkg")
    edit(pkg / "datapackage.json", lambda raw: raw.rstrip()[:-1] + b', "deep": ' + b"[" * 600 + b"]" * 600 + b"}")
    return pkg


def label_100mb(work: Path) -> Path:
    pkg = copy(work / "pkg")
    edit(pkg / "data" / "figures.csv", lambda raw: raw.replace(b"figure_id", b"L" * (100 << 20), 1))
    return pkg


def cell_100mb(work: Path) -> Path:
    """A 100 MB formula-like cell: flagged, and echoed clipped."""
    pkg = copy(work / "pkg")
    edit(pkg / "data" / "events.csv", lambda raw: raw.replace(b"Peaceful protest:", b"=" + b"x" * (100 << 20), 1))
    return pkg


def cell_33mb(work: Path) -> Path:
    """A valid 33 MB cell and a bad one: both tables read, the bad cell found."""
    pkg = copy(work / "pkg")
    edit(pkg / "data" / "events.csv", lambda raw: raw.replace(b"Peaceful protest:", b"y" * (33 << 20), 1)
         .replace(b",protest,", b",not_a_type,", 1))
    return pkg


CASES = {
    "zip bomb (1 GiB label, 1 MB zip)": zip_bomb,
    "zip bomb under the cap (400 MiB label)": zip_bomb_under_cap,
    "500,000-comma header (zip)": wide_header,
    "YAML alias bomb (9^10 nodes)": yaml_bomb,
    "backtracking pattern (?=a)(a+)+b": backtracking_pattern,
    "descriptor with 20 million objects": giant_descriptor,
    "descriptor nested 600 deep": deep_descriptor,
    "100 MB header label": label_100mb,
    "100 MB formula cell": cell_100mb,
    "33 MB valid cell + one bad cell": cell_33mb,
}


def run_case(make, work: Path) -> dict:
    """Build the case, then validate it in a child whose rusage is read with os.wait4."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    path = make(work)
    start = time.perf_counter()
    process = subprocess.Popen([CLI, "validate", str(path), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    report = json.loads(out) if out.startswith(b"{") else {}
    shutil.rmtree(work, ignore_errors=True)
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2), "peak_mib": round(usage.ru_maxrss / 1024), "exit": os.waitstatus_to_exitcode(status),
            "verdict": report.get("verdict"), "types": sorted(report.get("counts", {}).get("by_type", {})),
            "json_bytes": len(out), "traceback": b"Traceback" in err}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/minusma-hostile"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", nargs="*", help="run the cases whose names contain one of these words")
    args = parser.parse_args()
    if ROOT in args.workdir.resolve().parents:
        parser.error("the workdir must be outside the repository")
    results = {}
    if not args.json:
        print("| case | wall s | CPU s | peak MiB | exit | findings |\n| --- | ---: | ---: | ---: | ---: | --- |")
    for number, (name, make) in enumerate(CASES.items()):
        if args.only and not any(word in name for word in args.only):
            continue
        results[name] = run_case(make, args.workdir / f"case{number}")
        if not args.json:
            r = results[name]
            print(f"| {name} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak_mib']} | {r['exit']} | {', '.join(r['types'])} |",
                  flush=True)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

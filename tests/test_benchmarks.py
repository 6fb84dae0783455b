"""benchmarks/floor.py (the DuckDB floor) and benchmarks/run.py: the floor finds what frictionless and validate find,
derived from the schemas; run.py reports the three tools side by side. Nothing here is timed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from damage import get_cell, set_cell
from packages import copy_package

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


floor = _load("floor")
bench = _load("run")


def frictionless_types(package: Path) -> Counter:
    import frictionless

    report = frictionless.validate(str(package / "datapackage.json"))
    return Counter(error_type for (error_type,) in report.flatten(["type"]))


def test_the_floor_finds_the_real_package_valid():
    result = floor.check(REPO)
    assert result["valid"], result
    assert result["count"] == 0
    assert result["rows_by_table"] == bench.table_rows(REPO)


@pytest.fixture(scope="module")
def damaged(tmp_path_factory) -> tuple[Path, list[dict]]:
    """A 500-row scaled package with the benchmark's planted errors (run.py's own plan)."""
    root = tmp_path_factory.mktemp("floor")
    bench.generate.generate(500, root / "valid", REPO)
    done = bench.damage_copy(root / "valid", root / "damaged", bench.plan_damage(root / "valid"))
    return root / "damaged", done


def test_the_floor_counts_the_planted_errors_as_frictionless_and_validate_do(damaged):
    package, done = damaged
    assert len(done) == len(bench.DAMAGE)
    result = floor.check(package)
    theirs = frictionless_types(package)
    from minusma_facts.validation import validate_package

    ours = validate_package(package)
    assert not result["valid"]
    assert result["count"] == len(done) == sum(theirs.values()) == len(ours.errors)
    assert Counter(result["by_type"]) == theirs == Counter({"constraint-error": 3, "foreign-key": 2})
    planted = Counter(item["resource"] for item in done)
    assert Counter(result["by_resource"]) == planted


@pytest.mark.parametrize(
    "table, field, value",
    [
        pytest.param("casualties", "count_low", "many", id="integer that is text"),
        pytest.param("events", "is_series", "maybe", id="boolean outside trueValues and falseValues"),
        pytest.param("events", "date_start", "2020-13-45", id="date that is no date"),
        pytest.param("events", "event_name", "", id="required cell missing"),
        pytest.param("events", "country_iso3", "mli", id="pattern"),
        pytest.param("events", "admin_level", "7", id="above maximum"),
        pytest.param("events", "ucdp_type_of_violence", "9", id="integer outside enum"),
        pytest.param("casualties", "event_id", "no_such_event", id="foreign key to nothing"),
        pytest.param("actors", "actor_id", "@row2", id="duplicate primary key"),
    ],
)
def test_the_floor_reports_each_kind_of_damage_as_frictionless_does(tmp_path, table, field, value):
    package = copy_package(tmp_path / "package")
    if value == "@row2":
        value = get_cell(package, table, 2, field)
        row = 3
    else:
        row = 2
        assert get_cell(package, table, row, field) != value
    set_cell(package, table, row, field, value)
    result = floor.check(package)
    theirs = frictionless_types(package)
    assert sum(theirs.values()) >= 1
    assert Counter(result["by_type"]) == theirs


def test_the_floor_script_exits_1_with_json_on_a_damaged_package(damaged):
    package, done = damaged
    completed = subprocess.run([sys.executable, str(BENCHMARKS / "floor.py"), str(package), "--json"],
                               capture_output=True, text=True)
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["count"] == len(done)


def test_the_floor_script_exits_2_without_a_package(tmp_path):
    completed = subprocess.run([sys.executable, str(BENCHMARKS / "floor.py"), str(tmp_path)], capture_output=True, text=True)
    assert completed.returncode == 2
    assert "cannot check" in completed.stderr and "Traceback" not in completed.stderr


def _run(tool: str, n: int, seconds: float, cpu: float, peak: float) -> dict:
    return {"tool": tool, "rows_per_table": n, "total_rows": 9 * n + 1 if n else 253, "seconds": seconds,
            "user_seconds": cpu, "system_seconds": 0.0, "peak_mib": peak, "exit_code": 0,
            "rows_per_second": 1.0, "output_tail": ""}


def test_run_compares_medians_and_checks_the_goals():
    runs = [_run(bench.OURS, 0, s, s, 150) for s in (1.0, 9.0, 1.2)]
    runs += [_run(bench.FRICTIONLESS, 0, s, s, 50) for s in (2.0, 2.2, 0.1)]
    runs += [_run(bench.FLOOR, 0, 0.8, 0.5, 130)]
    small = bench.compare(0, 253, {tool: [r for r in runs if r["tool"] == tool] for tool in (bench.OURS, bench.FRICTIONLESS, bench.FLOOR)})
    assert small["tools"][bench.OURS]["seconds"] == 1.2  # the median, not the fastest nor the mean
    assert small["ours_over_frictionless"] == pytest.approx(1.2 / 2.0)
    assert small["ours_over_floor_cpu"] == pytest.approx(1.2 / 0.5)
    large_runs = [_run(bench.OURS, 10**6, 40.0, 50.0, 900), _run(bench.FRICTIONLESS, 10**6, 1300.0, 1200.0, 2500),
                  _run(bench.FLOOR, 10**6, 20.0, 30.0, 1500)]
    large = bench.compare(10**6, 9 * 10**6 + 1, {r["tool"]: [r] for r in large_runs})
    results = {"runs": runs + large_runs, "comparisons": [small, large], "generated": {}, "versions": {},
               "machine": {"python": "3", "cpus": 2}}
    text = bench.markdown(results)
    assert "| this package | 3 | 1.20 / 1.20 / 150 | 2.00 / 2.00 / 50 | 0.80 / 0.50 / 130 | 0.6x (0.6x) | 1.5x (2.4x) |" in text
    assert "ours under 0.6x frictionless's time: **0.60x** (NOT met)" in text
    assert "at least 30x faster than frictionless: **32.5x** (met)" in text
    assert "within 1.5x of the DuckDB floor: **2.00x** (NOT met)" in text
    assert "peak memory under 1024 MiB: **900 MiB** (met)" in text


def test_run_measures_all_three_tools_on_the_real_package(tmp_path):
    completed = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--sizes", "real", "--real-repeat", "1",
                                "--no-damage", "--json", "--quiet", "--workdir", str(tmp_path / "bench")],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads(completed.stdout)
    assert sorted(r["tool"] for r in results["runs"]) == sorted([bench.OURS, bench.FRICTIONLESS, bench.FLOOR])
    assert all(r["exit_code"] == 0 for r in results["runs"]), [r["output_tail"] for r in results["runs"]]
    (comparison,) = results["comparisons"]
    assert {"ours_over_frictionless", "ours_over_floor"} <= set(comparison)
    markdown = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--markdown-from", "/dev/stdin"],
                              input=completed.stdout, capture_output=True, text=True)
    assert markdown.returncode == 0 and "| this package | 1 |" in markdown.stdout


@pytest.mark.parametrize(
    "fingerprint, any_version, reused",
    [
        pytest.param(None, False, True, id="same package: frictionless reused"),
        pytest.param("another", False, False, id="package changed since: not reused"),
        pytest.param("another", True, True, id="package changed, --reuse-any-version: reused"),
    ],
)
def test_run_reuses_frictionless_figures_only_for_the_same_package(tmp_path, capsys, fingerprint, any_version, reused):
    workdir = tmp_path / "bench"
    package, _ = bench.ensure_package(500, workdir, REPO, lambda text: None)
    total = sum(bench.table_rows(package).values())
    earlier = _run(bench.FRICTIONLESS, 500, 12.0, 11.0, 100)
    earlier["total_rows"] = total
    previous = tmp_path / "earlier.json"
    previous.write_text(json.dumps({"runs": [earlier],
                                    "fingerprints": {"500": fingerprint or bench.source_fingerprint(REPO)}}))
    argv = ["--sizes", "500", "--no-damage", "--no-floor", "--skip-frictionless-above", "1", "--json", "--quiet",
            "--workdir", str(workdir), "--reuse-frictionless", str(previous)] + (["--reuse-any-version"] if any_version else [])
    assert bench.main(argv) == 0
    results = json.loads(capsys.readouterr().out)
    tools = [r["tool"] for r in results["runs"]]
    assert tools.count(bench.OURS) == 1
    (comparison,) = results["comparisons"]
    if reused:
        assert tools.count(bench.FRICTIONLESS) == 1
        assert comparison["tools"][bench.FRICTIONLESS]["seconds"] == 12.0
        assert comparison["ours_over_frictionless"] == pytest.approx(comparison["tools"][bench.OURS]["seconds"] / 12.0)
    else:
        assert bench.FRICTIONLESS not in tools and "ours_over_frictionless" not in comparison

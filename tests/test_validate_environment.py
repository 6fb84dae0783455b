"""A broken environment is never a finding about the package: validate exits 2, "cannot run", naming the cause.

Each case runs the real console script in a subprocess with a module on PYTHONPATH that shadows or breaks a
library (a jsonschema too old for frictionless, a pandera that does not import, a frictionless that does not
import), on a clean copy of the real package; and one in-process case where a check itself raises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("minusma-facts")

# jsonschema 2.x had no `validators` module with what frictionless 5 uses; this stand-in has none at all
OLD_JSONSCHEMA = {"jsonschema/__init__.py": '__version__ = "2.6.0"\n'}
BLOCKER = '''import sys
class _Broken:
    def find_spec(self, name, path=None, target=None):
        if name == {name!r} or name.startswith({name!r} + "."):
            raise ImportError({name!r} + " is broken in this environment (test)")
sys.meta_path.insert(0, _Broken())
'''


@pytest.mark.parametrize("files, cause", [
    pytest.param(OLD_JSONSCHEMA, "jsonschema", id="jsonschema too old for frictionless"),
    pytest.param({"sitecustomize.py": BLOCKER.format(name="pandera")}, "pandera", id="pandera does not import"),
    pytest.param({"sitecustomize.py": BLOCKER.format(name="frictionless")}, "frictionless", id="frictionless does not import"),
])
@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_a_broken_library_is_exit_2_not_a_finding(tmp_path, package_copy, files, cause, as_json):
    shadow = tmp_path / "shadow"
    for name, text in files.items():
        (shadow / name).parent.mkdir(parents=True, exist_ok=True)
        (shadow / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(shadow), "CI": "1"}
    args = [str(SCRIPT), "validate", str(package_copy)] + (["--json"] if as_json else [])
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2, (result.stdout[-2000:], result.stderr[-2000:])
    assert "cannot run" in result.stderr and cause in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "descriptor-error" not in result.stdout  # the package is not blamed
    if as_json:
        report = json.loads(result.stdout)
        assert report["cannot_run"] and cause in report["message"]


def test_an_internal_error_in_a_check_is_exit_2(package_copy, run_validate, monkeypatch):
    from minusma_facts.validation import cells

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the primary key check")

    monkeypatch.setattr(cells, "check_primary_key", broken)
    code, out, err, report = run_validate(package_copy, "--json")
    assert code == 2 and report["cannot_run"]
    assert "RuntimeError: a bug in the primary key check" in report["message"]


def test_a_rule_that_raises_inside_pandera_is_exit_2_never_a_silent_pass(package_copy, run_validate, monkeypatch):
    """pandera catches what a check raises and lists it among the failure cases with no row; validate must not
    read that as "no row failed" (the table would pass unchecked), nor as a finding."""
    from minusma_facts.validation import semantics

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in the precision rule")

    monkeypatch.setattr(semantics, "_precision_ok", broken)
    code, out, err, report = run_validate(package_copy, "--json")
    assert code == 2 and report["cannot_run"]
    assert "the rule date-precision on events failed inside pandera" in report["message"]
    assert "ZeroDivisionError" in report["message"] and "a bug in the precision rule" in report["message"]


def test_parts_whose_parent_is_no_row_are_a_finding_not_a_broken_rule(package_copy, run_validate):
    """Found when pandera stopped hiding rules that raise: with no part's parent among the event ids (the parent's
    id damaged), sub-event-date compared dates with NaN and raised, and its findings were silently dropped."""
    from damage import read_rows, write_rows

    header, rows = read_rows(package_copy, "events")
    parents = {r[header.index("parent_event_id")] for r in rows} - {""}
    for row in rows:
        if row[header.index("event_id")] in parents:
            row[header.index("event_id")] += "_renamed"
    write_rows(package_copy, "events", header, rows)
    code, out, err, report = run_validate(package_copy, "--json")
    assert code == 1, out
    types = {(p["resource"], p["field"], p["type"]) for p in report["errors"]}
    assert ("events", "parent_event_id", "foreign-key") in types
    assert not any(t == "sub-event-date" for _, _, t in types)  # no known parent: nothing to judge the parts against
